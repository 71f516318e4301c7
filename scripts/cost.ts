// `npm run cost`: dollars per actively exercising patient-month of tele-rehabilitation telemetry in AWS, from the
// list prices in pricing/aws-prices-<date>.json. Sizes and write counts are measured, not assumed: message sizes
// come from the codec, DynamoDB item sizes from running the real stream processor (DeviceProcessor) over a simulated
// session. Options: --patients N (fleet size for shared costs, default 1000), --minutes M (per day, default 30),
// --days D (30), --sensors S (2), --rate HZ (100), --active-hours H (hours a day sessions spread over, 12),
// --peak F (peak-to-average concurrency, 3), --always-connected (gateways stay connected all day), --prices FILE.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { scheduleProgramme } from '../device-firmware-sim/messages.js';
import { buildProgramme } from '../device-firmware-sim/programme.js';
import { defaultPlacements } from '../lambdas/rehab/exercises.js';
import { newId } from '../lambdas/shared/ids.js';
import { decodeTelemetry, encodeTelemetry } from '../lambdas/telemetry/codec.js';
import { DeviceProcessor } from '../lambdas/telemetry/device-processor.js';
import type { DeviceRecord } from '../lambdas/telemetry/devices.js';
import { deviceStateFromItem, deviceStateItem, sessionSummaryItem } from '../lambdas/telemetry/dynamo-store.js';
import { telemetryEventSource, telemetryProcessorFunction } from '../lambdas/telemetry/event-source.js';
import { telemetryKeys } from '../lambdas/telemetry/keys.js';
import type { DeviceState } from '../lambdas/telemetry/model.js';
import { basicIngestTopic, telemetryTopic } from '../lambdas/telemetry/topics.js';
import { telemetryStream } from '../lambdas/definitions/tables.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    patients: { type: 'string', default: '1000' },
    minutes: { type: 'string', default: '30' },
    days: { type: 'string', default: '30' },
    sensors: { type: 'string', default: '2' },
    rate: { type: 'string', default: '100' },
    'active-hours': { type: 'string', default: '12' },
    peak: { type: 'string', default: '3' },
    'always-connected': { type: 'boolean' },
    prices: { type: 'string', default: join(root, 'pricing', 'aws-prices-2026-11.json') },
  },
});
const num = (name: keyof typeof values) => {
  const value = Number(values[name]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name}: a positive number`);
  return value;
};
const patients = num('patients');
const minutesPerDay = num('minutes');
const days = num('days');
const sensors = num('sensors');
const rateHz = num('rate');
if (sensors !== 1 && sensors !== 2) throw new Error('--sensors: 1 or 2');
const activeHours = num('active-hours');
const peakFactor = num('peak');

type Price = { value: number; verified: string; source: string };
const pricesFile = JSON.parse(readFileSync(values.prices!, 'utf8')) as { region: string; collected: string; prices: Record<string, Record<string, Price>> };
const p = (service: string, item: string) => {
  const price = pricesFile.prices[service]?.[item];
  if (!price) throw new Error(`price ${service}.${item} missing in ${values.prices}`);
  return price.value;
};

// ---- measured sizes ------------------------------------------------------------------------------------------------

const deviceId = newId('dev');
const placements = defaultPlacements('elbow-flexion').slice(0, sensors);
const exercise = sensors === 2 ? 'elbow-flexion' : 'shoulder-abduction';
const programme = buildProgramme({ exercises: [exercise], noise: 'low', seed: 1, sampleRateHz: rateHz });
const schedule = (messageSeconds: number) => scheduleProgramme(programme, { deviceId, startTime: Date.UTC(2026, 10, 23, 2), messageSeconds });

/** DynamoDB item size: attribute names plus values (strings and binary by length, numbers about 1 byte per 2 digits). */
function valueBytes(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S);
  if (value.N !== undefined) return Math.ceil(value.N.replace(/^-|\.|e.*$/gi, '').replace(/^0+/, '').length / 2) + 1;
  if (value.B !== undefined) return value.B.length;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.L) return 3 + value.L.reduce((sum, item) => sum + 1 + valueBytes(item), 0);
  if (value.M) return 3 + Object.entries(value.M).reduce((sum, [name, item]) => sum + 1 + Buffer.byteLength(name) + valueBytes(item), 0);
  return 0;
}
const itemBytes = (item: Record<string, unknown>) =>
  Object.entries(marshall(item, { removeUndefinedValues: true })).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + valueBytes(value), 0);
const wru = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));
const rru = (bytes: number) => Math.max(1, Math.ceil(bytes / 4096));

interface ProcessorMeasure {
  messages: number;
  /** Write request units per message, by item kind, when each batch holds one message of the device (1 msg/s, 1 s window). */
  wruRaw: number;
  wruState: number;
  wruSummary: number;
  wruRepetitions: number;
  rruState: number;
  rawBytesPerMessage: number;
  /** CPU ms per record on this machine: decode, apply (analyzer), changes. */
  cpuMsPerRecord: number;
}

/** Runs the real processor over the session, one message per batch, as the Lambda would commit it. */
function measureProcessor(messageSeconds: number): ProcessorMeasure {
  const device: DeviceRecord = { deviceId, patientId: newId('pat'), placements, status: 'active', certificateId: 'f'.repeat(64) };
  const messages = schedule(messageSeconds).messages.map(({ message }) => encodeTelemetry(message));
  let state: DeviceState | undefined;
  const totals = { raw: 0, state: 0, summary: 0, repetitions: 0, stateRead: 0, rawBytes: 0 };
  let cpu = 0;
  for (const data of messages) {
    if (state) totals.stateRead += rru(itemBytes(deviceStateItem(deviceId, state.version, state)));
    const started = performance.now();
    const processor = new DeviceProcessor(device, state);
    processor.apply(decodeTelemetry(data), data);
    const changes = processor.changes()!;
    cpu += performance.now() - started;
    for (const raw of changes.raw) {
      const bytes = itemBytes({ ...telemetryKeys.sessionRaw(raw.sessionId, raw.seq), entity: 'rehab-raw', sessionId: raw.sessionId, seq: raw.seq, data: raw.data });
      totals.raw += wru(bytes);
      totals.rawBytes += bytes;
    }
    for (const { sessionId, repetition } of changes.repetitions) totals.repetitions += wru(itemBytes({ ...telemetryKeys.sessionRepetition(sessionId, repetition.index), entity: 'rehab-repetition', sessionId, ...repetition }));
    // The summary is written to the table and to gsi1 (all attributes projected): two writes of its size.
    for (const session of changes.sessions) totals.summary += 2 * wru(itemBytes(sessionSummaryItem(session)));
    const { version, ...rest } = changes.state;
    const stateItem = deviceStateItem(deviceId, version, rest);
    totals.state += wru(itemBytes(stateItem));
    state = deviceStateFromItem(stateItem);
  }
  const n = messages.length;
  return {
    messages: n,
    wruRaw: totals.raw / n,
    wruState: totals.state / n,
    wruSummary: totals.summary / n,
    wruRepetitions: totals.repetitions / n,
    rruState: totals.stateRead / n,
    rawBytesPerMessage: totals.rawBytes / n,
    cpuMsPerRecord: cpu / n,
  };
}

const oneSecond = schedule(1);
const samplesMessage = oneSecond.messages.find(({ message }) => message.kind === 'samples')!.message;
const binaryBytes = encodeTelemetry(samplesMessage).length;
const twoSecondBytes = encodeTelemetry(schedule(2).messages.find(({ message }) => message.kind === 'samples')!.message).length;
const normalTopicBytes = Buffer.byteLength(telemetryTopic(deviceId));
const basicIngestTopicBytes = Buffer.byteLength(basicIngestTopic(deviceId));
// One JSON message per sample instead: the same ids and both sensors' six values, 4 decimals.
const jsonSample = JSON.stringify({
  deviceId,
  sessionId: oneSecond.sessionIds[0],
  seq: 123456,
  t: Date.UTC(2026, 10, 23, 2),
  exercise,
  placements,
  samples: placements.map((_, sensor) => Array.from(programme[0]!.samples[sensor]!.subarray(600, 606), (value) => Math.round(value * 1e4) / 1e4)),
});
const jsonBytes = Buffer.byteLength(jsonSample);
const jsonParseMs = (() => {
  const started = performance.now();
  for (let i = 0; i < 20_000; i++) JSON.parse(jsonSample);
  return (performance.now() - started) / 20_000;
})();

measureProcessor(1); // warm-up
const binary1 = measureProcessor(1);
const binary2 = measureProcessor(2);

// ---- the model -------------------------------------------------------------------------------------------------------

const STEP = p('iotCore', 'messageMeteringStepBytes');
const activeSecondsPerMonth = minutesPerDay * 60 * days;
const connectedMinutesPerMonth = (values['always-connected'] ? 24 * 60 : minutesPerDay) * days;
/** Patients exercising at once, on average and at the peak, from the fleet and the daily window. */
const averageConcurrent = (patients * minutesPerDay) / (activeHours * 60);
const peakConcurrent = averageConcurrent * peakFactor;
const definedShards = telemetryStream.shardCount;
const lambdaGb = telemetryProcessorFunction.memorySize / 1024;
/** Lambda at 1,024 MB gets about 0.58 of a vCPU: CPU-bound work takes this much longer than on one core here. */
const LAMBDA_CPU_SLOWDOWN = 1769 / telemetryProcessorFunction.memorySize;
/** Per invocation: handler overhead, and DynamoDB round trips per device (state read, raw batch, summary, state). */
const INVOCATION_OVERHEAD_MS = 10;
const DYNAMO_ROUND_TRIP_MS = 6;
const ROUND_TRIPS_PER_DEVICE = 4;
const DEVICE_CONCURRENCY = 8;
/** Log bytes per invocation: the platform's START/END/REPORT lines and the processor's one batch line. */
const LOG_BYTES_PER_INVOCATION = 750;

interface Variant {
  name: string;
  messagesPerSecond: number;
  /** Metered bytes of one message (payload + topic). */
  meteredBytes: number;
  payloadBytes: number;
  basicIngest: boolean;
  /** Records a device contributes to one invocation (1 s batching window, at most the batch size). */
  cpuMsPerRecord: number;
  wruPerMessage: number;
  rruPerMessage: number;
  rawBytesPerMessage: number;
}

const perMessageWrites = (m: ProcessorMeasure) => m.wruRaw + m.wruState + m.wruSummary + m.wruRepetitions;
const variants: Variant[] = [
  { name: 'binary, 1 s messages, normal topic', messagesPerSecond: 1, meteredBytes: binaryBytes + normalTopicBytes, payloadBytes: binaryBytes, basicIngest: false, cpuMsPerRecord: binary1.cpuMsPerRecord, wruPerMessage: perMessageWrites(binary1), rruPerMessage: binary1.rruState, rawBytesPerMessage: binary1.rawBytesPerMessage },
  { name: 'binary, 1 s messages, Basic Ingest', messagesPerSecond: 1, meteredBytes: binaryBytes + basicIngestTopicBytes, payloadBytes: binaryBytes, basicIngest: true, cpuMsPerRecord: binary1.cpuMsPerRecord, wruPerMessage: perMessageWrites(binary1), rruPerMessage: binary1.rruState, rawBytesPerMessage: binary1.rawBytesPerMessage },
  { name: 'binary, 2 s messages, Basic Ingest', messagesPerSecond: 0.5, meteredBytes: twoSecondBytes + basicIngestTopicBytes, payloadBytes: twoSecondBytes, basicIngest: true, cpuMsPerRecord: binary2.cpuMsPerRecord, wruPerMessage: perMessageWrites(binary2), rruPerMessage: binary2.rruState, rawBytesPerMessage: binary2.rawBytesPerMessage },
  // JSON: the processor would keep its design (raw item per message, state and summary per device per batch); the
  // analyzer work per sample is the same, plus a JSON parse per record.
  ...[false, true].map((basicIngest) => {
    const perSampleCpu = binary1.cpuMsPerRecord / rateHz + jsonParseMs;
    const rawBytes = itemBytes({ ...telemetryKeys.sessionRaw(oneSecond.sessionIds[0]!, 123456), entity: 'rehab-raw', sessionId: oneSecond.sessionIds[0], seq: 123456, data: Buffer.from(jsonSample) });
    // Per second: rateHz raw items, one state write and one summary write (×2 for the index) per device per batch.
    const perSecondWru = rateHz * wru(rawBytes) + binary1.wruState + binary1.wruSummary + binary1.wruRepetitions;
    return {
      name: `JSON, one message per sample, ${basicIngest ? 'Basic Ingest' : 'normal topic'}`,
      messagesPerSecond: rateHz,
      meteredBytes: jsonBytes + (basicIngest ? basicIngestTopicBytes : normalTopicBytes),
      payloadBytes: jsonBytes,
      basicIngest,
      cpuMsPerRecord: perSampleCpu,
      wruPerMessage: perSecondWru / rateHz,
      rruPerMessage: binary1.rruState / rateHz,
      rawBytesPerMessage: rawBytes,
    };
  }),
];

interface Costs {
  iotConnectivity: number;
  iotMessaging: number;
  iotRules: number;
  kinesis: number;
  lambda: number;
  dynamoWrites: number;
  dynamoReadsStorage: number;
  logs: number;
  total: number;
  shards: number;
  invocationsPerPatient: number;
  recordsPerInvocation: number;
}

function costOf(v: Variant): Costs {
  const messages = v.messagesPerSecond * activeSecondsPerMonth;
  const steps = Math.ceil(v.meteredBytes / STEP);
  const iotConnectivity = (connectedMinutesPerMonth / 1e6) * p('iotCore', 'connectivityPerMillionMinutes');
  const iotMessaging = v.basicIngest ? 0 : ((messages * steps) / 1e6) * p('iotCore', 'messagingPerMillionMessages');
  const ruleSteps = Math.ceil(v.payloadBytes / STEP);
  const iotRules = ((messages * ruleSteps) / 1e6) * (p('iotCore', 'rulesTriggeredPerMillion') + p('iotCore', 'actionsExecutedPerMillion'));

  // Kinesis: enough shards for the peak (1,000 records/s and 1 MB/s each), never fewer than the stream defines.
  const peakRecords = peakConcurrent * v.messagesPerSecond;
  const shards = Math.max(definedShards, Math.ceil(peakRecords / 1000), Math.ceil((peakRecords * v.payloadBytes) / 1e6));
  const shardHours = shards * 730 * (p('kinesisDataStreams', 'shardHour') + (telemetryStream.retentionHours > 24 ? p('kinesisDataStreams', 'extendedRetentionShardHour') : 0));
  const kinesis = shardHours / patients + ((messages * Math.ceil(v.payloadBytes / 25_600)) / 1e6) * p('kinesisDataStreams', 'putPayloadUnitsPerMillion');

  // Lambda: one invocation per shard per batching window while records flow, each carrying what arrived in it.
  const recordsPerWindow = ((averageConcurrent * v.messagesPerSecond) / shards) * telemetryEventSource.maxBatchingWindowSeconds;
  const recordsPerInvocation = Math.max(1, Math.min(telemetryEventSource.batchSize, recordsPerWindow));
  const devicesPerInvocation = Math.max(1, Math.min(recordsPerInvocation, averageConcurrent / shards));
  const invocations = messages / recordsPerInvocation;
  const durationMs = INVOCATION_OVERHEAD_MS + recordsPerInvocation * v.cpuMsPerRecord * LAMBDA_CPU_SLOWDOWN + Math.ceil(devicesPerInvocation / DEVICE_CONCURRENCY) * ROUND_TRIPS_PER_DEVICE * DYNAMO_ROUND_TRIP_MS;
  const lambda = (invocations / 1e6) * p('lambda', 'requestsPerMillion') + invocations * (durationMs / 1000) * lambdaGb * p('lambda', 'armGbSecond');

  const dynamoWrites = ((messages * v.wruPerMessage) / 1e6) * p('dynamodb', 'onDemandWriteRequestUnitsPerMillion');
  // The month's raw window (kept: the stored items have no expiry), with point-in-time recovery; it accumulates.
  const storedGb = (messages * v.rawBytesPerMessage) / 1e9;
  const dynamoReadsStorage = ((messages * v.rruPerMessage) / 1e6) * p('dynamodb', 'onDemandReadRequestUnitsPerMillion') + storedGb * (p('dynamodb', 'storageGbMonth') + p('dynamodb', 'pointInTimeRecoveryGbMonth'));
  const logs = ((invocations * LOG_BYTES_PER_INVOCATION) / 1e9) * (p('cloudWatchLogs', 'ingestionPerGb') + p('cloudWatchLogs', 'storageGbMonth'));
  const total = iotConnectivity + iotMessaging + iotRules + kinesis + lambda + dynamoWrites + dynamoReadsStorage + logs;
  return { iotConnectivity, iotMessaging, iotRules, kinesis, lambda, dynamoWrites, dynamoReadsStorage, logs, total, shards, invocationsPerPatient: invocations, recordsPerInvocation };
}

// ---- report ----------------------------------------------------------------------------------------------------------

const money = (value: number) => (value >= 0.1 ? `$${value.toFixed(2)}` : `$${value.toFixed(4)}`);
const rows = variants.map((variant) => ({ variant, costs: costOf(variant) }));
const columns: Array<[string, (c: Costs) => string]> = [
  ['IoT connect', (c) => money(c.iotConnectivity)],
  ['IoT msgs', (c) => money(c.iotMessaging)],
  ['IoT rules', (c) => money(c.iotRules)],
  ['Kinesis', (c) => money(c.kinesis)],
  ['Lambda', (c) => money(c.lambda)],
  ['DDB writes', (c) => money(c.dynamoWrites)],
  ['DDB rd+store', (c) => money(c.dynamoReadsStorage)],
  ['Logs', (c) => money(c.logs)],
  ['TOTAL', (c) => money(c.total)],
];
const nameWidth = Math.max(...rows.map((row) => row.variant.name.length));
const header = ['per patient-month'.padEnd(nameWidth), ...columns.map(([title]) => title.padStart(12))].join(' ');
const lines = [
  `Telemetry cost per actively exercising patient-month (${pricesFile.region} list prices of ${pricesFile.collected}, ${values.prices!.replace(`${root}/`, '')})`,
  `  ${sensors} sensor(s) x ${rateHz} Hz, ${minutesPerDay} min/day x ${days} days = ${(activeSecondsPerMonth / 3600).toFixed(1)} h of data; fleet ${patients} patients, sessions over ${activeHours} h/day (avg ${averageConcurrent.toFixed(1)}, peak ${peakConcurrent.toFixed(0)} at once); gateway connected ${values['always-connected'] ? 'all day' : 'only while exercising'}`,
  '',
  header,
  '-'.repeat(header.length),
  ...rows.map(({ variant, costs }) => [variant.name.padEnd(nameWidth), ...columns.map(([, cell]) => cell(costs).padStart(12))].join(' ')),
  '',
  'Measured (codec and the real stream processor over a simulated session):',
  `  samples message, 1 s: ${binaryBytes} B payload (+${normalTopicBytes} B topic, +${basicIngestTopicBytes} B as Basic Ingest) = ${Math.ceil((binaryBytes + normalTopicBytes) / STEP)} IoT metering step; 2 s: ${twoSecondBytes} B; one JSON sample: ${jsonBytes} B (${rateHz} messages/s)`,
  `  DynamoDB per 1 s message (one message per device per batch): raw ${binary1.wruRaw.toFixed(2)} + state ${binary1.wruState.toFixed(2)} + summary and its index ${binary1.wruSummary.toFixed(2)} + repetitions ${binary1.wruRepetitions.toFixed(2)} WRU; state read ${binary1.rruState.toFixed(2)} RRU; raw item ${(binary1.rawBytesPerMessage / 1024).toFixed(2)} KB`,
  `  DynamoDB per 2 s message: ${perMessageWrites(binary2).toFixed(2)} WRU; processor CPU per record on this machine: ${binary1.cpuMsPerRecord.toFixed(2)} ms (1 s), ${binary2.cpuMsPerRecord.toFixed(2)} ms (2 s); JSON.parse of a sample ${(jsonParseMs * 1000).toFixed(1)} µs`,
  ...rows.map(({ variant, costs }) => `  ${variant.name}: ${costs.shards} shard(s), ${costs.recordsPerInvocation.toFixed(1)} records/invocation, ${costs.invocationsPerPatient.toFixed(0)} invocations/patient-month`),
  '',
  `Limits: one JSON message per sample at ${rateHz} Hz is ${rateHz} publishes/s per connection (IoT Core allows 100); binary 1 s messages use 1/s.`,
  'Assumptions: shard-hours (with 48 h retention) shared by the fleet; Lambda 1,024 MB arm64, billed duration = 10 ms + CPU x 1.73 (0.58 vCPU) + 4 DynamoDB round trips of 6 ms per 8 devices;',
  '  raw messages are kept (no expiry), so "DDB rd+store" holds one month of data and grows by that much each month; API reads, KMS requests and the',
  '  always-on parts (the API, the alarm topic) are not included. Prices marked unverified in the prices file: IoT rules engine, Kinesis, DynamoDB storage/PITR.',
];
console.log(lines.join('\n'));
