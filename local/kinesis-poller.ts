/**
 * Local stand-in for the Lambda event source mapping on a Kinesis stream: one loop per shard reads records,
 * batches them (batch size, batching window, payload limit), invokes the handler with Lambda's event shape and
 * applies Lambda's failure semantics from the same definition the CDK construct uses (event-source.ts):
 *
 * - `batchItemFailures`: everything before the lowest reported sequence number is checkpointed; the rest is
 *   retried (an empty or unknown identifier fails the whole batch, as in Lambda);
 * - a thrown error: the batch is split in two (bisectBatchOnError) and each half retried;
 * - after `retryAttempts` retries, or once records are older than `maxRecordAgeSeconds`, the on-failure
 *   destination receives Lambda's on-failure record (batch info, no data) and the shard moves on. Unlike Lambda,
 *   the age applies to retries only, so a local stack started after a long pause still processes what it missed.
 *
 * Checkpoints are kept per shard in a JSON file written atomically after each successful batch, so a restart
 * resumes after the last record handled (at-least-once, as with Lambda).
 */
import { randomUUID } from 'node:crypto';
import { readFileIfExists, writeFileAtomically } from './files.js';
import {
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type _Record as KinesisRecord,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { telemetryEventSource, type StreamEventSourceDefinition } from '../lambdas/telemetry/event-source.js';

export type StreamHandler = (event: KinesisStreamEvent, context: Context) => Promise<KinesisStreamBatchResponse | void | null | undefined>;

/** What Lambda sends to an on-failure destination for a stream event source. */
export interface StreamOnFailureRecord {
  requestContext: { requestId: string; functionArn: string; condition: 'RetryAttemptsExhausted' | 'RecordAgeExceeded'; approximateInvokeCount: number };
  responseContext: { statusCode: number; executedVersion: string; functionError?: 'Unhandled' };
  version: '1.0';
  timestamp: string;
  KinesisBatchInfo: {
    shardId: string;
    startSequenceNumber: string;
    endSequenceNumber: string;
    approximateArrivalOfFirstRecord: string;
    approximateArrivalOfLastRecord: string;
    batchSize: number;
    streamArn: string;
  };
}

export interface KinesisPollerOptions {
  readonly kinesis: KinesisClient;
  readonly streamName: string;
  readonly handler: StreamHandler;
  /** The on-failure destination (AWS: the SQS queue). */
  readonly onFailure: (record: StreamOnFailureRecord) => Promise<void>;
  /** Per-shard checkpoints; without one, every start reads from the starting position. */
  readonly checkpointFile?: string;
  readonly functionName?: string;
  readonly region?: string;
  readonly settings?: Partial<StreamEventSourceDefinition>;
  /** Pause between reads of a shard with nothing new. Lambda polls about once a second; locally faster. */
  readonly pollIntervalMs?: number;
  /** First retry delay; doubles per retry up to 2 s. */
  readonly retryDelayMs?: number;
  readonly now?: () => number;
  /** Operational log lines (ids and counts only). */
  readonly log?: (line: string) => void;
}

export interface KinesisPoller {
  /** Resolves once every shard has been read to its end after this call, with nothing buffered or in flight. */
  idle(): Promise<void>;
  /** Stops reading, finishes the batch in flight (no further retries), keeps checkpoints, returns. */
  stop(): Promise<void>;
}

interface ShardLoop {
  readonly shardId: string;
  checkpoint?: string;
  /** Generation of the latest read that found the shard empty with nothing buffered or in flight. */
  emptyAt: number;
  done: Promise<void>;
}

const ACCOUNT_ID = '000000000000';

export async function startKinesisPoller(options: KinesisPollerOptions): Promise<KinesisPoller> {
  const settings: StreamEventSourceDefinition = { ...telemetryEventSource, ...options.settings };
  const now = options.now ?? Date.now;
  const pollIntervalMs = options.pollIntervalMs ?? 200;
  const retryDelayMs = options.retryDelayMs ?? 100;
  const region = options.region ?? 'us-east-1';
  const functionName = options.functionName ?? 'telemetry-processor';
  const functionArn = `arn:aws:lambda:${region}:${ACCOUNT_ID}:function:${functionName}`;
  const log = options.log ?? (() => undefined);
  const { kinesis, streamName } = options;

  // A stream just created is CREATING for a moment; shards can be listed once it is ACTIVE.
  let summary = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
  for (let waited = 0; summary.StreamDescriptionSummary?.StreamStatus !== 'ACTIVE'; waited += 50) {
    if (waited > 10_000) throw new Error(`kinesis poller: stream ${streamName} is not ACTIVE`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    summary = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
  }
  const streamArn = summary.StreamDescriptionSummary?.StreamARN ?? `arn:aws:kinesis:${region}:${ACCOUNT_ID}:stream/${streamName}`;
  const shardIds: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await kinesis.send(nextToken ? new ListShardsCommand({ NextToken: nextToken }) : new ListShardsCommand({ StreamName: streamName }));
    for (const shard of page.Shards ?? []) shardIds.push(shard.ShardId!);
    nextToken = page.NextToken;
  } while (nextToken);

  const saved = options.checkpointFile ? await loadCheckpoints(options.checkpointFile, streamArn) : {};
  let stopping = false;
  const wakeups = new Set<() => void>();
  /** A sleep that stop() cuts short. */
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (stopping) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeups.delete(done);
        resolve();
      }
      wakeups.add(done);
    });

  let generation = 0;
  const shards: ShardLoop[] = shardIds.map((shardId) => ({ shardId, checkpoint: saved[shardId], emptyAt: -1, done: Promise.resolve() }));

  let writing: Promise<void> = Promise.resolve();
  let queued: Promise<void> | undefined;
  function persistCheckpoints(): Promise<void> {
    const file = options.checkpointFile;
    if (!file) return Promise.resolve();
    if (queued) return queued;
    const write = writing
      .catch(() => undefined)
      .then(() => {
        queued = undefined;
        const checkpoints = Object.fromEntries(shards.filter((s) => s.checkpoint).map((s) => [s.shardId, s.checkpoint!]));
        return writeFileAtomically(file, JSON.stringify({ version: 1, streamArn, checkpoints }));
      });
    queued = write;
    writing = write;
    return write;
  }

  function toEvent(shardId: string, records: readonly KinesisRecord[]): KinesisStreamEvent {
    return {
      Records: records.map(
        (record): KinesisStreamRecord => ({
          kinesis: {
            kinesisSchemaVersion: '1.0',
            partitionKey: record.PartitionKey!,
            sequenceNumber: record.SequenceNumber!,
            data: Buffer.from(record.Data ?? new Uint8Array()).toString('base64'),
            approximateArrivalTimestamp: (record.ApproximateArrivalTimestamp?.getTime() ?? now()) / 1000,
          },
          eventSource: 'aws:kinesis',
          eventVersion: '1.0',
          eventID: `${shardId}:${record.SequenceNumber}`,
          eventName: 'aws:kinesis:record',
          invokeIdentityArn: `arn:aws:iam::${ACCOUNT_ID}:role/${functionName}`,
          awsRegion: region,
          eventSourceARN: streamArn,
        }),
      ),
    };
  }

  function context(): Context {
    const requestId = randomUUID();
    return {
      callbackWaitsForEmptyEventLoop: false,
      functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: functionArn,
      memoryLimitInMB: '1024',
      awsRequestId: requestId,
      logGroupName: `/aws/lambda/${functionName}`,
      logStreamName: 'local',
      getRemainingTimeInMillis: () => 60_000,
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
  }

  async function sendOnFailure(
    shardId: string,
    records: readonly KinesisRecord[],
    condition: StreamOnFailureRecord['requestContext']['condition'],
    invokeCount: number,
    functionError: boolean,
  ): Promise<void> {
    const arrival = (record: KinesisRecord) => (record.ApproximateArrivalTimestamp ?? new Date(now())).toISOString();
    const record: StreamOnFailureRecord = {
      requestContext: { requestId: randomUUID(), functionArn, condition, approximateInvokeCount: invokeCount },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', ...(functionError ? { functionError: 'Unhandled' as const } : {}) },
      version: '1.0',
      timestamp: new Date(now()).toISOString(),
      KinesisBatchInfo: {
        shardId,
        startSequenceNumber: records[0]!.SequenceNumber!,
        endSequenceNumber: records.at(-1)!.SequenceNumber!,
        approximateArrivalOfFirstRecord: arrival(records[0]!),
        approximateArrivalOfLastRecord: arrival(records.at(-1)!),
        batchSize: records.length,
        streamArn,
      },
    };
    log(`kinesis poller: ${records.length} record(s) of ${shardId} to the on-failure destination (${condition})`);
    // Lambda keeps the shard waiting until the destination accepts: the records are not skipped silently.
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await options.onFailure(record);
      } catch (error) {
        if (stopping) throw error;
        log(`kinesis poller: on-failure destination failed (${(error as Error)?.name}); retrying`);
        await sleep(Math.min(2000, retryDelayMs * 2 ** attempt));
      }
    }
  }

  /** Lambda's reading of a partial-batch response: the index to retry from, -1 for success. */
  function firstFailure(response: KinesisStreamBatchResponse | void | null | undefined, records: readonly KinesisRecord[]): number {
    const failures = response?.batchItemFailures;
    if (!failures || failures.length === 0) return -1;
    let first = Infinity;
    for (const failure of failures) {
      const index = typeof failure?.itemIdentifier === 'string' ? records.findIndex((record) => record.SequenceNumber === failure.itemIdentifier) : -1;
      // An empty, missing or unknown identifier fails the whole batch.
      if (index < 0) return 0;
      first = Math.min(first, index);
    }
    return first;
  }

  const isTooOld = (record: KinesisRecord) => now() - (record.ApproximateArrivalTimestamp?.getTime() ?? now()) > settings.maxRecordAgeSeconds * 1000;

  /** Delivers one batch with retries, bisection and the on-failure destination; false if stopped midway. */
  async function deliver(shard: ShardLoop, batch: readonly KinesisRecord[]): Promise<boolean> {
    const pending: { records: readonly KinesisRecord[]; attempts: number }[] = [{ records: batch, attempts: 0 }];
    const advance = async (record: KinesisRecord) => {
      shard.checkpoint = record.SequenceNumber;
      await persistCheckpoints();
    };
    while (pending.length > 0) {
      const item = pending[0]!;
      // Expired records are not invoked again: they go to the destination and the shard moves past them.
      const expired = item.attempts > 0 ? item.records.filter(isTooOld).length : 0;
      if (expired > 0) {
        const old = item.records.slice(0, Math.max(expired, item.records.findLastIndex(isTooOld) + 1));
        await sendOnFailure(shard.shardId, old, 'RecordAgeExceeded', item.attempts, false);
        await advance(old.at(-1)!);
        if (old.length === item.records.length) {
          pending.shift();
          continue;
        }
        pending[0] = { records: item.records.slice(old.length), attempts: item.attempts };
        continue;
      }
      let failedFrom: number;
      let threw = false;
      try {
        failedFrom = firstFailure(await options.handler(toEvent(shard.shardId, item.records), context()), item.records);
      } catch (error) {
        threw = true;
        failedFrom = 0;
        log(`kinesis poller: handler failed on ${item.records.length} record(s) of ${shard.shardId} (${(error as Error)?.name})`);
      }
      if (failedFrom < 0) {
        await advance(item.records.at(-1)!);
        pending.shift();
        continue;
      }
      if (failedFrom > 0) await advance(item.records[failedFrom - 1]!);
      const remaining = item.records.slice(failedFrom);
      const attempts = item.attempts + 1;
      if (attempts > settings.retryAttempts) {
        await sendOnFailure(shard.shardId, remaining, 'RetryAttemptsExhausted', attempts, threw);
        await advance(remaining.at(-1)!);
        pending.shift();
        continue;
      }
      // Stopping: leave the rest unacknowledged; the next start resumes from the checkpoint.
      if (stopping) return false;
      if (threw && settings.bisectBatchOnError && remaining.length > 1) {
        const half = Math.ceil(remaining.length / 2);
        pending.splice(0, 1, { records: remaining.slice(0, half), attempts }, { records: remaining.slice(half), attempts });
      } else {
        pending[0] = { records: remaining, attempts };
      }
      await sleep(Math.min(2000, retryDelayMs * 2 ** (attempts - 1)));
    }
    return true;
  }

  async function iteratorFor(shard: ShardLoop): Promise<string> {
    const result = await kinesis.send(
      new GetShardIteratorCommand(
        shard.checkpoint
          ? { StreamName: streamName, ShardId: shard.shardId, ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: shard.checkpoint }
          : { StreamName: streamName, ShardId: shard.shardId, ShardIteratorType: settings.startingPosition },
      ),
    );
    return result.ShardIterator!;
  }

  /** Cuts a batch: at most batchSize records and an event below the invocation payload limit. */
  function takeBatch(buffer: KinesisRecord[]): KinesisRecord[] {
    let bytes = 64;
    let count = 0;
    while (count < buffer.length && count < settings.batchSize) {
      // base64 data plus the record's envelope (ids, ARNs), about 600 bytes.
      const size = Math.ceil(((buffer[count]!.Data?.length ?? 0) * 4) / 3) + 600;
      if (count > 0 && bytes + size > settings.maxPayloadBytes) break;
      bytes += size;
      count += 1;
    }
    return buffer.splice(0, count);
  }

  async function runShard(shard: ShardLoop): Promise<void> {
    let iterator: string | undefined;
    const buffer: KinesisRecord[] = [];
    let firstBufferedAt: number | undefined;
    while (!stopping) {
      const readGeneration = ++generation;
      let records: KinesisRecord[] = [];
      let behind = 0;
      try {
        iterator ??= await iteratorFor(shard);
        const result = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: Math.max(1, settings.batchSize - buffer.length) }));
        records = result.Records ?? [];
        behind = result.MillisBehindLatest ?? 0;
        iterator = result.NextShardIterator;
        if (!iterator) {
          log(`kinesis poller: ${shard.shardId} is closed`);
          break;
        }
      } catch (error) {
        if (stopping) break;
        // Expired or invalid iterators are re-created from the checkpoint and the buffer; other faults are retried.
        iterator = undefined;
        buffer.length = 0;
        firstBufferedAt = undefined;
        log(`kinesis poller: reading ${shard.shardId} failed (${(error as Error)?.name}); retrying`);
        await sleep(pollIntervalMs);
        continue;
      }
      if (records.length > 0) {
        buffer.push(...records);
        firstBufferedAt ??= now();
      }
      if (buffer.length === 0) {
        // An empty read can still be behind (an empty stretch of the shard): read on at once.
        if (behind > 0) continue;
        shard.emptyAt = readGeneration;
        await sleep(pollIntervalMs);
        continue;
      }
      const windowOver = now() - firstBufferedAt! >= settings.maxBatchingWindowSeconds * 1000;
      if (buffer.length >= settings.batchSize || windowOver) {
        while (buffer.length > 0 && (buffer.length >= settings.batchSize || windowOver)) {
          const delivered = await deliver(shard, takeBatch(buffer));
          if (!delivered) return;
        }
        firstBufferedAt = buffer.length > 0 ? now() : undefined;
        continue;
      }
      // Waiting for the window to fill: read again shortly (no sleep if this read came back full).
      if (records.length === 0) await sleep(Math.min(pollIntervalMs, settings.maxBatchingWindowSeconds * 1000 - (now() - firstBufferedAt!)));
    }
    // Records read but not delivered are not checkpointed: a restart reads them again.
  }

  for (const shard of shards) {
    shard.done = runShard(shard).catch((error) => log(`kinesis poller: ${shard.shardId} stopped on ${(error as Error)?.name}`));
  }

  let stopped: Promise<void> | undefined;
  return {
    async idle() {
      const target = generation;
      while (!stopping && shards.some((shard) => shard.emptyAt <= target)) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    stop() {
      stopped ??= (async () => {
        stopping = true;
        for (const wake of [...wakeups]) wake();
        await Promise.all(shards.map((shard) => shard.done));
        await writing.catch(() => undefined);
      })();
      return stopped;
    },
  };
}

async function loadCheckpoints(file: string, streamArn: string): Promise<Record<string, string>> {
  const raw = await readFileIfExists(file);
  if (raw === undefined) return {};
  const data = JSON.parse(raw) as { version?: unknown; streamArn?: unknown; checkpoints?: Record<string, string> };
  if (data.version !== 1 || typeof data.checkpoints !== 'object' || data.checkpoints === null) {
    throw new Error(`kinesis poller: ${file} is not a version 1 checkpoint file`);
  }
  // Checkpoints of another (e.g. re-created) stream would point at sequence numbers that do not exist there.
  return data.streamArn === streamArn ? data.checkpoints : {};
}

