/**
 * The local telemetry pipeline, wired as in AWS: devices → IoT Core (the local broker over mutual TLS, or the IoT
 * data-plane Publish emulator) → topic rule → Kinesis (kinesalite) → the event source mapping (the local poller)
 * → the very stream processor handler AWS runs → DynamoDB (dynalite); rejected records, rule errors and on-failure
 * records go to the dead-letter queue (the SQS emulator).
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { join } from 'node:path';
import type { Deps } from '../lambdas/runtime/deps.js';
import { sessionSweeperFrom, telemetryProcessorFrom } from '../lambdas/telemetry/compose.js';
import { DynamoDeviceDirectory, isCertificateActive } from '../lambdas/telemetry/devices.js';
import { startIotDataEmulator, type IotDataEmulator } from './emulators/iot-data.js';
import { kinesisRuleAction, ruleErrorActionMessage, startLocalIotCore, type LocalIotCore } from './iot/broker.js';
import { startKinesisPoller, type KinesisPoller } from './kinesis-poller.js';

export interface LocalTelemetryOptions {
  readonly deps: Deps;
  /** The stack's data folder. */
  readonly dataDir: string;
  readonly host: string;
  /** 0 picks a free port. */
  readonly ports: { readonly mqtt: number };
  /** Started earlier (its URL is in the handlers' deps); its publishes go into the broker started here. */
  readonly iotData: LocalIotData;
  readonly log?: (line: string) => void;
}

export interface LocalIotData {
  readonly emulator: IotDataEmulator;
  attach(core: LocalIotCore): void;
}

/** The IoT data-plane Publish emulator, delivering into the broker once one is attached (a 500 before). */
export async function startLocalIotData(options: { host: string; port: number }): Promise<LocalIotData> {
  let iotCore: LocalIotCore | undefined;
  const emulator = await startIotDataEmulator({
    port: options.port,
    host: options.host,
    publish: async (topic, payload, qos) => {
      if (!iotCore) throw new Error('the local IoT broker is not running');
      await iotCore.publish(topic, payload, qos);
    },
  });
  return { emulator, attach: (core) => (iotCore = core) };
}

export interface LocalTelemetry {
  readonly iotCore: LocalIotCore;
  readonly poller: KinesisPoller;
  /** The idle-session sweep AWS runs every 5 minutes, here every minute; `stop()` clears its timer. */
  readonly sweeper: LocalSweeper;
  /** The local CA (local/iot/ca.ts) that issues device certificates the broker accepts. */
  readonly caDir: string;
  /** In start order; the stack closes them in reverse (poller, then broker). */
  readonly parts: ReadonlyArray<{ close(): Promise<void> }>;
}

export interface LocalSweeper {
  stop(): void;
}

const LOCAL_SWEEP_INTERVAL_MS = 60_000;

/** Runs the same sweep as the AWS schedule on a timer; one run at a time, failures logged (the next run retries). */
export function startLocalSweeper(deps: Deps, log: (line: string) => void, intervalMs = LOCAL_SWEEP_INTERVAL_MS): LocalSweeper {
  const sweeper = sessionSweeperFrom(deps);
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweeper
      .sweepIdleSessions({ now: deps.now(), idleMinutes: deps.config.telemetrySessionIdleMinutes })
      .then((report) => {
        if (report.interrupted.length > 0) log(`telemetry sweeper: ${report.interrupted.length} idle rehab session(s) interrupted`);
      })
      .catch((error: unknown) => log(`telemetry sweeper failed: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => (running = false));
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

export function localTelemetryPaths(dataDir: string) {
  return {
    caDir: join(dataDir, 'iot', 'ca'),
    sqsFile: join(dataDir, 'sqs', 'queues.json'),
    checkpointFile: join(dataDir, 'kinesis-poller', 'checkpoints.json'),
  };
}

export async function startLocalTelemetry(options: LocalTelemetryOptions): Promise<LocalTelemetry> {
  const { deps, host } = options;
  const { config } = deps;
  const paths = localTelemetryPaths(options.dataDir);
  const log = options.log ?? ((line: string) => console.error(line));
  const parts: { close(): Promise<void> }[] = [];
  const sendToDeadLetters = async (body: unknown) => {
    await deps.sqs.send(new SendMessageCommand({ QueueUrl: config.telemetryDeadLetterQueueUrl, MessageBody: JSON.stringify(body) }));
  };

  try {
    // Connect checks read the registry every time: a deactivated certificate is refused at once.
    const registry = new DynamoDeviceDirectory(deps.dynamodb, config.recordsTableName, { cacheMs: 0, missCacheMs: 0 });
    const iotCore = await startLocalIotCore({
      port: options.ports.mqtt,
      host,
      caDir: paths.caDir,
      isCertificateActive: (certificateId, deviceId) => isCertificateActive(registry, certificateId, deviceId),
      route: kinesisRuleAction(deps.kinesis, config.telemetryStreamName),
      onRuleError: (failure) => sendToDeadLetters(ruleErrorActionMessage(failure, 'KinesisAction', config.telemetryStreamName)),
    });
    parts.push(iotCore);
    options.iotData.attach(iotCore);

    const poller = await startKinesisPoller({
      kinesis: deps.kinesis,
      streamName: config.telemetryStreamName,
      handler: telemetryProcessorFrom(deps),
      onFailure: sendToDeadLetters,
      checkpointFile: paths.checkpointFile,
      functionName: `telehealth-${config.stage}-telemetry-processor`,
      region: config.region,
      log,
    });
    parts.push({ close: () => poller.stop() });

    const sweeper = startLocalSweeper(deps, log);
    parts.push({ close: async () => sweeper.stop() });

    return { iotCore, poller, sweeper, caDir: paths.caDir, parts };
  } catch (error) {
    for (const part of parts.reverse()) await part.close().catch(() => undefined);
    throw error;
  }
}
