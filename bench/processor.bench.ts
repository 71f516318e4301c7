/**
 * Stream processor throughput, through the real handler on realistic Kinesis events.
 *
 *   npx tsx bench/processor.bench.ts
 *
 * Events: 10 devices, each recording a simulated session (elbow flexion, 2 sensors at 100 Hz, 3 sets x 8
 * repetitions, about 2 minutes), sent as the firmware does (start, 1 s sample messages, end) and interleaved as one
 * shard carries them; batches of 100 records (100 device-seconds). Three measurements in the same run:
 *   (a) the Lambda handler with the real DynamoDB adapters against dynalite (started here, in a child process, so
 *       this process's CPU time is the processor's own);
 *   (b) the same handler with a storage port that only counts the writes it is given (no I/O): processing cost;
 *   (c) a bare loop of the same decode (base64 + decodeTelemetry) over the same records.
 * "Per core" = samples per CPU-second of this process. One sensor sample = one IMU reading (6 values).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';

process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { generateSession } = await import('../device-firmware-sim/physics/index.js');
const { recordsTable } = await import('../lambdas/definitions/tables.js');
const { newId } = await import('../lambdas/shared/ids.js');
const { decodeTelemetry, encodeTelemetry } = await import('../lambdas/telemetry/codec.js');
const { DynamoDeviceDirectory, putDevice } = await import('../lambdas/telemetry/devices.js');
const { DynamoTelemetryStore } = await import('../lambdas/telemetry/dynamo-store.js');
const { createTelemetryProcessorHandler } = await import('../lambdas/telemetry/processor-handler.js');
const { ensureTable } = await import('../local/aws-services.js');
type Ports = Parameters<typeof createTelemetryProcessorHandler>[0];
type Store = Ports['store'];
type DeviceChanges = Parameters<Store['commit']>[0];
type DeviceState = NonNullable<Awaited<ReturnType<Store['loadDeviceState']>>>;
type TelemetryMessage = ReturnType<typeof decodeTelemetry>;

const DEVICES = 10;
const RECORDS_PER_BATCH = 100;
const EXERCISE = 'elbow-flexion' as const;
const T0 = Date.UTC(2026, 10, 23, 2, 0, 0);
const projectRoot = fileURLToPath(new URL('..', import.meta.url));

interface Workload {
  readonly events: KinesisStreamEvent[];
  readonly records: KinesisStreamRecord[];
  readonly deviceIds: string[];
  readonly patientId: string;
  readonly sensorSamples: number;
}

/** The simulated sessions, generated once; each workload re-encodes them under fresh device ids. */
const sessions = Array.from({ length: DEVICES }, (_, seed) => generateSession({ exercise: EXERCISE, noise: 'low', seed: seed + 1 }));
let sequence = 0n;

function workload(): Workload {
  const patientId = newId('pat');
  const deviceIds = sessions.map(() => newId('dev'));
  const perDevice = sessions.map((simulated, index) => {
    const deviceId = deviceIds[index]!;
    const sessionId = newId('rsess');
    const base = { deviceId, sessionId, exerciseId: EXERCISE };
    const rate = simulated.sampleRateHz;
    const total = simulated.samples[0]!.length / 6;
    let seq = 1;
    const messages: TelemetryMessage[] = [{ ...base, kind: 'session-start', seq: seq++, startedAt: T0, sampleRateHz: rate, placements: simulated.placements }];
    for (let first = 0; first < total; first += rate) {
      const count = Math.min(rate, total - first);
      messages.push({
        ...base,
        kind: 'samples',
        seq: seq++,
        sampleRateHz: rate,
        firstSampleTime: T0 + Math.round((first * 1000) / rate),
        placements: simulated.placements,
        sampleCount: count,
        samples: simulated.samples.map((sensor) => sensor.slice(first * 6, (first + count) * 6)),
      });
    }
    messages.push({ ...base, kind: 'session-end', seq, endedAt: T0 + Math.round((total * 1000) / rate), totalSamples: total, lastSeq: seq - 1 });
    return messages.map((message) => ({ deviceId, data: encodeTelemetry(message) }));
  });
  // One message of each device in turn, as a shard carries ten devices each sending once a second.
  const records: KinesisStreamRecord[] = [];
  for (let index = 0; perDevice.some((list) => index < list.length); index += 1) {
    for (const list of perDevice) {
      const item = list[index];
      if (!item) continue;
      sequence += 1n;
      const sequenceNumber = `4959${String(sequence).padStart(52, '0')}`;
      records.push({
        kinesis: {
          kinesisSchemaVersion: '1.0',
          partitionKey: item.deviceId,
          sequenceNumber,
          data: Buffer.from(item.data).toString('base64'),
          approximateArrivalTimestamp: Date.now() / 1000,
        },
        eventSource: 'aws:kinesis',
        eventVersion: '1.0',
        eventID: `shardId-000000000000:${sequenceNumber}`,
        eventName: 'aws:kinesis:record',
        invokeIdentityArn: 'arn:aws:iam::000000000000:role/telemetry-processor',
        awsRegion: 'us-east-1',
        eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/telehealth-bench-telemetry',
      });
    }
  }
  const events: KinesisStreamEvent[] = [];
  for (let start = 0; start < records.length; start += RECORDS_PER_BATCH) events.push({ Records: records.slice(start, start + RECORDS_PER_BATCH) });
  const sensorSamples = sessions.reduce((sum, simulated) => sum + (simulated.samples.length * simulated.samples[0]!.length) / 6, 0);
  return { events, records, deviceIds, patientId, sensorSamples };
}

const context = { functionName: 'telemetry-processor', awsRequestId: 'bench', getRemainingTimeInMillis: () => 60_000 } as unknown as Context;
const noDeadLetters: Ports['deadLetters'] = {
  async send(letters) {
    if (letters.length > 0) throw new Error(`benchmark records were dead-lettered: ${letters.map((l) => l.reason).join(', ')}`);
  },
};

interface Measurement {
  sensorSamples: number;
  wallS: number;
  cpuS: number;
}

async function measure(work: () => Promise<number>): Promise<Measurement> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const sensorSamples = await work();
  const wallS = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { sensorSamples, wallS, cpuS: (used.user + used.system) / 1e6 };
}

/** Runs the handler over a workload's batches in order (one shard: one invocation at a time). */
async function runHandler(handler: ReturnType<typeof createTelemetryProcessorHandler>, load: Workload): Promise<number> {
  for (const event of load.events) {
    const response = await handler(event, context);
    if (response.batchItemFailures.length > 0) throw new Error('benchmark batch reported failures');
  }
  return load.sensorSamples;
}

/** The storage port with no I/O: keeps device state (through JSON, as stored) and counts what it is asked to write. */
class CountingStore implements Store {
  readonly states = new Map<string, string>();
  items = 0;
  bytes = 0;
  async loadDeviceState(deviceId: string): Promise<DeviceState | undefined> {
    const json = this.states.get(deviceId);
    return json === undefined ? undefined : (JSON.parse(json) as DeviceState);
  }
  /** One conditional write per session; counted, always granted (every device here uses its own sessions). */
  async claimSession(): Promise<boolean> {
    this.items += 1;
    return true;
  }
  async commit(changes: DeviceChanges): Promise<'committed'> {
    const state = JSON.stringify(changes.state);
    this.items += changes.raw.length + changes.repetitions.length + changes.sessions.length + 1;
    this.bytes += changes.raw.reduce((sum, raw) => sum + raw.data.length, 0) + changes.repetitions.length * 300 + JSON.stringify(changes.sessions).length + state.length;
    this.states.set(changes.deviceId, state);
    return 'committed';
  }
}

async function startDynaliteProcess(): Promise<{ endpoint: string; child: ChildProcess }> {
  const script = "const d=require('dynalite')({createTableMs:0});d.listen(0,'127.0.0.1',()=>console.log(d.address().port))";
  const child = spawn(process.execPath, ['-e', script], { cwd: projectRoot, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
  });
  return { endpoint: `http://127.0.0.1:${port}`, child };
}

/** CPU seconds of another process (Linux /proc), or undefined elsewhere. */
function cpuSecondsOf(pid: number | undefined): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

export interface ProcessorBenchResult {
  readonly sensorSamplesPerPass: number;
  readonly recordsPerPass: number;
  readonly dynamo: Measurement & { dynaliteCpuS?: number };
  readonly counted: Measurement & { itemsPerPass: number; bytesPerPass: number };
  readonly decode: Measurement;
}

export async function measureProcessor(minDurationS = 2): Promise<ProcessorBenchResult> {
  // (a) real handler, real DynamoDB adapters, dynalite in a child process.
  const { endpoint, child } = await startDynaliteProcess();
  let dynamo: ProcessorBenchResult['dynamo'];
  try {
    const db = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const tableName = 'telehealth-bench-records';
    await ensureTable(db, tableName, recordsTable);
    const handler = createTelemetryProcessorHandler({ store: new DynamoTelemetryStore(db, tableName), devices: new DynamoDeviceDirectory(db, tableName), deadLetters: noDeadLetters });
    const register = async (load: Workload) => {
      for (const deviceId of load.deviceIds) {
        await putDevice(db, tableName, { deviceId, patientId: load.patientId, placements: ['right-upper-arm', 'right-forearm'], status: 'active', certificateId: '0'.repeat(64) });
      }
      return load;
    };
    await runHandler(handler, await register(workload())); // warm-up: JIT, connections, table
    const loads = [await register(workload()), await register(workload())];
    const childBefore = cpuSecondsOf(child.pid);
    const measured = await measure(async () => {
      let samples = 0;
      for (const load of loads) samples += await runHandler(handler, load);
      return samples;
    });
    const childAfter = cpuSecondsOf(child.pid);
    dynamo = { ...measured, ...(childBefore !== undefined && childAfter !== undefined ? { dynaliteCpuS: childAfter - childBefore } : {}) };
    db.destroy();
  } finally {
    child.kill();
  }

  // (b) the same handler with the counting storage port.
  const devicesFor = (load: Workload): Ports['devices'] => ({
    get: async (deviceId) => (load.deviceIds.includes(deviceId) ? { deviceId, patientId: load.patientId, placements: [], status: 'active', certificateId: '' } : undefined),
  });
  const warm = workload();
  await runHandler(createTelemetryProcessorHandler({ store: new CountingStore(), devices: devicesFor(warm), deadLetters: noDeadLetters }), warm);
  const loads: Workload[] = [];
  const stores: CountingStore[] = [];
  // Enough fresh workloads (fresh device ids: a replayed one would be all duplicates) for minDurationS.
  let counted: Measurement = { sensorSamples: 0, wallS: 0, cpuS: 0 };
  while (counted.wallS < minDurationS) {
    const load = workload();
    const store = new CountingStore();
    const handler = createTelemetryProcessorHandler({ store, devices: devicesFor(load), deadLetters: noDeadLetters });
    const pass = await measure(() => runHandler(handler, load));
    counted = { sensorSamples: counted.sensorSamples + pass.sensorSamples, wallS: counted.wallS + pass.wallS, cpuS: counted.cpuS + pass.cpuS };
    loads.push(load);
    stores.push(store);
  }
  const itemsPerPass = stores.reduce((sum, s) => sum + s.items, 0) / stores.length;
  const bytesPerPass = stores.reduce((sum, s) => sum + s.bytes, 0) / stores.length;

  // (c) the bare decode loop over the same records.
  const records = loads[0]!.records;
  let sink = 0;
  const decodeOnce = () => {
    let samples = 0;
    for (const record of records) {
      const message = decodeTelemetry(Buffer.from(record.kinesis.data, 'base64'));
      if (message.kind === 'samples') {
        samples += message.sampleCount * message.samples.length;
        sink += message.samples[0]![0]!;
      }
    }
    return samples;
  };
  decodeOnce();
  const decode = await measure(async () => {
    let samples = 0;
    const started = performance.now();
    while (performance.now() - started < minDurationS * 1000) samples += decodeOnce();
    return samples;
  });
  if (sink === 42.4242) console.log(''); // keeps the decode observable

  return { sensorSamplesPerPass: loads[0]!.sensorSamples, recordsPerPass: records.length, dynamo, counted: { ...counted, itemsPerPass, bytesPerPass }, decode };
}

const perSecond = (value: number) => `${(value / 1e6).toFixed(2)} M`;

export async function run(): Promise<void> {
  const result = await measureProcessor();
  const { dynamo, counted, decode } = result;
  console.log(
    `Stream processor throughput: ${DEVICES} devices, ${result.recordsPerPass} records per pass in batches of ${RECORDS_PER_BATCH}, ` +
      `${result.sensorSamplesPerPass} sensor samples per pass (2 sensors x 100 Hz; one sample = one IMU reading)`,
  );
  console.log(
    `  (a) handler + DynamoDB adapters -> dynalite:  ${perSecond(dynamo.sensorSamples / dynamo.cpuS)} samples per CPU-second (this process), ` +
      `${perSecond(dynamo.sensorSamples / dynamo.wallS)} samples/s wall` +
      (dynamo.dynaliteCpuS !== undefined ? `; dynalite (child process) used ${dynamo.dynaliteCpuS.toFixed(1)} CPU-s for ${dynamo.wallS.toFixed(1)} s` : ''),
  );
  console.log(
    `  (b) handler + counting storage port (no I/O): ${perSecond(counted.sensorSamples / counted.cpuS)} samples per CPU-second, ` +
      `${perSecond(counted.sensorSamples / counted.wallS)} samples/s wall; writes per pass: ${Math.round(counted.itemsPerPass)} items, ` +
      `${(counted.bytesPerPass / 1024).toFixed(0)} KB (${((counted.itemsPerPass / result.recordsPerPass)).toFixed(2)} items per record)`,
  );
  console.log(
    `  (c) bare decode loop (base64 + decode):       ${perSecond(decode.sensorSamples / decode.cpuS)} samples per CPU-second, ` +
      `${perSecond(decode.sensorSamples / decode.wallS)} samples/s wall`,
  );
}

export default run;

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
