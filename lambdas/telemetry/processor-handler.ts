/**
 * The stream processor: a Kinesis batch in, per-device processing, partial-batch failures out.
 *
 * Records are grouped by partition key (the device id, set by the IoT rule), in stream order. Devices run
 * concurrently, each strictly in order: decode, look the device up, apply to its state (device-processor.ts),
 * dead-letter what cannot be processed, then commit. A malformed record or one from an unknown device goes to
 * the dead-letter queue and counts as processed, so it never blocks the shard. A fault (throttling, a lost race
 * with an overlapping retry that persists) fails the device's first record of the batch: Lambda retries from
 * the lowest failed sequence number, and what was already committed is dropped as duplicates on the way.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { logger, metrics, tracer } from '../shared/observability.js';
import { TelemetryDecodeError, decodeTelemetry, type TelemetryMessage } from './codec.js';
import { DeviceProcessor } from './device-processor.js';
import type { DeviceDirectory } from './devices.js';
import type { DeadLetter, DeadLetterQueue, RejectReason, TelemetryStore } from './model.js';
import { isDeviceId } from './topics.js';

export interface TelemetryProcessorPorts {
  readonly store: TelemetryStore;
  readonly devices: DeviceDirectory;
  readonly deadLetters: DeadLetterQueue;
}

export interface TelemetryProcessorOptions {
  /** Devices processed at once within a batch. */
  readonly deviceConcurrency?: number;
  /** Reloads after a version conflict before the device's records are failed back to the event source. */
  readonly conflictRetries?: number;
}

/** Counts of one batch, for metrics and the batch log line (ids and counts only). */
export interface BatchReport {
  records: number;
  devices: number;
  /** Records applied to a device's state (including session starts and ends). */
  applied: number;
  /** Sensor samples handed to the analyzer (per sensor: one sample of a 2-sensor device counts once). */
  samples: number;
  duplicates: number;
  /** session-end of a session never seen here. */
  ignored: number;
  gaps: number;
  missingMessages: number;
  deadLettered: number;
  conflicts: number;
  /** Records failed back to the event source (counting from each failed device's first record). */
  failedRecords: number;
}

export interface BatchResult {
  readonly response: KinesisStreamBatchResponse;
  readonly report: BatchReport;
}

export type TelemetryProcessorHandler = (event: KinesisStreamEvent, context: Context) => Promise<KinesisStreamBatchResponse>;

const emptyReport = (): BatchReport => ({
  records: 0,
  devices: 0,
  applied: 0,
  samples: 0,
  duplicates: 0,
  ignored: 0,
  gaps: 0,
  missingMessages: 0,
  deadLettered: 0,
  conflicts: 0,
  failedRecords: 0,
});

type DeviceCounts = Pick<BatchReport, 'applied' | 'samples' | 'duplicates' | 'ignored' | 'gaps' | 'missingMessages' | 'deadLettered'>;

function deadLetter(record: KinesisStreamRecord, reason: RejectReason, deviceId: string | undefined): DeadLetter {
  const { kinesis } = record;
  return {
    source: 'telemetry-processor',
    reason,
    ...(deviceId !== undefined ? { deviceId } : {}),
    partitionKey: kinesis.partitionKey,
    sequenceNumber: kinesis.sequenceNumber,
    shardId: record.eventID.split(':')[0] ?? '',
    approximateArrivalTimestamp: new Date(kinesis.approximateArrivalTimestamp * 1000).toISOString(),
    eventSourceARN: record.eventSourceARN,
    payloadBase64: kinesis.data,
  };
}

/** Compares Kinesis sequence numbers (decimal strings up to 128 bits). */
function compareSequence(a: string, b: string): number {
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}

/** The processing core, without the Lambda middleware: what tests and the benchmark call. */
export function createTelemetryProcessor(ports: TelemetryProcessorPorts, options: TelemetryProcessorOptions = {}): (event: KinesisStreamEvent) => Promise<BatchResult> {
  const concurrency = Math.max(1, options.deviceConcurrency ?? 8);
  const conflictRetries = options.conflictRetries ?? 3;

  /** One attempt at one device's records: 'conflict' when another invocation committed first. */
  async function attempt(partitionKey: string, records: readonly KinesisStreamRecord[], counts: DeviceCounts): Promise<'committed' | 'conflict'> {
    const letters: DeadLetter[] = [];
    // Decoded first (in one go, so the codec's per-device trailer cache hits), then applied in order.
    const decoded: Array<{ record: KinesisStreamRecord; data: Uint8Array; message?: TelemetryMessage; malformed?: TelemetryDecodeError }> = [];
    let firstSeq: number | undefined;
    for (const record of records) {
      const data = Buffer.from(record.kinesis.data, 'base64');
      try {
        const message = decodeTelemetry(data);
        decoded.push({ record, data, message });
        if (message.deviceId === partitionKey && (firstSeq === undefined || message.seq < firstSeq)) firstSeq = message.seq;
      } catch (error) {
        if (!(error instanceof TelemetryDecodeError)) throw error;
        decoded.push({ record, data, malformed: error });
      }
    }
    const device = isDeviceId(partitionKey) ? await ports.devices.get(partitionKey) : undefined;
    const processor = device?.status === 'active' ? new DeviceProcessor(device, await ports.store.loadDeviceState(partitionKey, { firstSeq })) : undefined;
    for (const { record, data, message, malformed } of decoded) {
      if (!message) {
        letters.push(deadLetter(record, malformed!.reason, isDeviceId(partitionKey) ? partitionKey : undefined));
        continue;
      }
      if (!processor) {
        letters.push(deadLetter(record, 'unknown-device', message.deviceId));
        continue;
      }
      if (processor.entersNewSession(message) && message.deviceId === partitionKey && !(await ports.store.claimSession(message.sessionId, partitionKey))) {
        letters.push(deadLetter(record, 'foreign-session', message.deviceId));
        continue;
      }
      const outcome = processor.apply(message, data);
      switch (outcome.kind) {
        case 'applied':
          counts.applied += 1;
          counts.samples += outcome.samples;
          break;
        case 'duplicate':
          counts.duplicates += 1;
          break;
        case 'ignored':
          counts.ignored += 1;
          break;
        case 'rejected':
          letters.push(deadLetter(record, outcome.reason, message.deviceId));
          break;
      }
    }
    // Dead letters before the commit: once the state says "applied", a retry would drop these as duplicates.
    await ports.deadLetters.send(letters);
    counts.deadLettered += letters.length;
    for (const letter of letters) {
      logger.warn('telemetry record dead-lettered', {
        reason: letter.reason,
        deviceId: letter.deviceId,
        shardId: letter.shardId,
        sequenceNumber: letter.sequenceNumber,
      });
    }
    if (processor) {
      counts.gaps += processor.gapsFound;
      counts.missingMessages += processor.missingFound;
    }
    const changes = processor?.changes();
    if (changes && (await ports.store.commit(changes)) === 'conflict') return 'conflict';
    return 'committed';
  }

  /** A device's records; the sequence number to fail back, or undefined when they are done. */
  async function processDevice(partitionKey: string, records: readonly KinesisStreamRecord[], report: BatchReport): Promise<string | undefined> {
    for (let round = 0; ; round += 1) {
      const counts: DeviceCounts = { applied: 0, samples: 0, duplicates: 0, ignored: 0, gaps: 0, missingMessages: 0, deadLettered: 0 };
      try {
        const result = await attempt(partitionKey, records, counts);
        if (result === 'committed') {
          for (const key of Object.keys(counts) as (keyof DeviceCounts)[]) report[key] += counts[key];
          return undefined;
        }
        report.conflicts += 1;
        if (round >= conflictRetries) return records[0]!.kinesis.sequenceNumber;
      } catch (error) {
        logger.warn('telemetry device batch failed; retried by the event source', {
          deviceId: isDeviceId(partitionKey) ? partitionKey : undefined,
          sequenceNumber: records[0]!.kinesis.sequenceNumber,
          // The name only: SDK messages may echo item values.
          errorName: (error as Error)?.name,
        });
        return records[0]!.kinesis.sequenceNumber;
      }
    }
  }

  return async (event) => {
    const report = emptyReport();
    const groups = new Map<string, KinesisStreamRecord[]>();
    for (const record of event.Records ?? []) {
      report.records += 1;
      const key = record.kinesis.partitionKey;
      let group = groups.get(key);
      if (!group) groups.set(key, (group = []));
      group.push(record);
    }
    report.devices = groups.size;

    const entries = [...groups];
    const failures: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < entries.length) {
        const [partitionKey, records] = entries[next++]!;
        const failed = await processDevice(partitionKey, records, report);
        if (failed !== undefined) {
          failures.push(failed);
          report.failedRecords += records.length;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, entries.length) }, worker));
    failures.sort(compareSequence);
    return { response: { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) }, report };
  };
}

/** The Lambda handler: the core with logging, metrics (EMF) and tracing. */
export function createTelemetryProcessorHandler(ports: TelemetryProcessorPorts, options: TelemetryProcessorOptions = {}): TelemetryProcessorHandler {
  const processBatch = createTelemetryProcessor(ports, options);
  const core = async (event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> => {
    const { response, report } = await processBatch(event);
    const count = (name: string, value: number) => metrics.addMetric(name, MetricUnit.Count, value);
    count('TelemetryRecords', report.records);
    count('TelemetrySamples', report.samples);
    count('TelemetryDuplicates', report.duplicates);
    count('TelemetryGaps', report.gaps);
    count('TelemetryMissingMessages', report.missingMessages);
    count('TelemetryDeadLettered', report.deadLettered);
    count('TelemetryFailedRecords', report.failedRecords);
    logger.info('telemetry batch', { ...report, batchItemFailures: response.batchItemFailures.length });
    return response;
  };
  return middy(core)
    .use(captureLambdaHandler(tracer))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics)) as unknown as TelemetryProcessorHandler;
}
