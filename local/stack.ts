import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { mkdir } from 'node:fs/promises';
import { createApiFunction } from '../lambdas/api/functions.js';
import { LocalDeviceProvisioner } from '../lambdas/devices/local-provisioner.js';
import { consultEventsHandlerFrom } from '../lambdas/consults/compose.js';
import type { HttpHandler } from '../lambdas/api/http.js';
import { functionNames, routes } from '../lambdas/api/routes.js';
import { auditTable, physicalName, recordsTable, telemetryStream } from '../lambdas/definitions/tables.js';
import type { RuntimeConfig } from '../lambdas/runtime/config.js';
import { createDeps, type Deps } from '../lambdas/runtime/deps.js';
import { telemetryDeadLetterQueue } from '../lambdas/telemetry/event-source.js';
import { startChimeEmulator, type ChimeMeetingEvent } from './emulators/chime.js';
import { startSqsEmulator } from './emulators/sqs.js';
import { ensureStream, ensureTable, startDynalite, startKinesalite, type ListeningServer } from './aws-services.js';
import { startFront } from './front.js';
import { loadOrCreateLocalCa } from './iot/ca.js';
import type { KinesisPoller } from './kinesis-poller.js';
import { localDataDir } from './paths.js';
import { localTelemetryPaths, startLocalIotData, startLocalTelemetry } from './telemetry.js';
import { openLocalIssuer, type LocalIssuer } from './token.js';

export interface LocalStackOptions {
  /** State folder; every acknowledged write lands here and survives a restart. */
  readonly dataDir: string;
  readonly host?: string;
  /** 0 picks a free port (tests); `npm start` uses fixed defaults. */
  readonly ports?: Partial<Record<'http' | 'dynamodb' | 'kinesis' | 'chime' | 'iotData' | 'mqtt' | 'sqs', number>>;
  readonly stage?: string;
  readonly allowedOrigins?: readonly string[];
}

export interface LocalStack {
  readonly endpoints: Readonly<Record<'http' | 'dynamodb' | 'kinesis' | 'chime' | 'sqs' | 'iotData' | 'mqtt', string>>;
  readonly config: RuntimeConfig;
  /** The same deps the handlers use: real SDK clients pointed at the local services. */
  readonly deps: Deps;
  readonly issuer: LocalIssuer;
  readonly telemetry: {
    /** The local event source mapping of the stream processor; `idle()` resolves once every shard is caught up. */
    readonly poller: KinesisPoller;
    /** The local IoT CA folder: `loadOrCreateLocalCa(caDir).issueDeviceCertificate(deviceId)` (local/iot/ca.ts). */
    readonly caDir: string;
    /** Devices verify the broker against this. */
    readonly caCertificatePem: string;
    readonly deadLetterQueueUrl: string;
  };
  close(): Promise<void>;
}

/** Local credentials: the emulators accept any signature, but the SDK insists on signing. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
export const LOCAL_REGION = 'us-east-1';

/** The local composition root: starts every service, then wires the same handlers AWS runs. */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const host = options.host ?? '127.0.0.1';
  const ports = options.ports ?? {};
  const dirs = localDataDir(options.dataDir);
  const stage = options.stage ?? 'local';
  await Promise.all([dirs.dynamodb, dirs.kinesis, dirs.iot, dirs.issuer].map((dir) => mkdir(dir, { recursive: true })));

  const started: Array<Pick<ListeningServer, 'close'>> = [];
  const closeAll = async () => {
    // Stop in reverse order: the front, the poller, the broker, the emulators, then the stores, so nothing in
    // flight reaches a closed service.
    for (const server of started.reverse()) await server.close().catch(() => undefined);
  };
  try {
    const dynamodb = await startDynalite(dirs.dynamodb, ports.dynamodb ?? 0, host);
    started.push(dynamodb);
    const kinesis = await startKinesalite(dirs.kinesis, ports.kinesis ?? 0, host);
    started.push(kinesis);
    // Meeting events reach the consult-events handler the way EventBridge would deliver them.
    const chimeEvents: Array<(event: ChimeMeetingEvent) => Promise<void>> = [];
    const chime = await startChimeEmulator({
      dataFile: dirs.chime,
      port: ports.chime ?? 0,
      host,
      onEvent: async (event) => {
        for (const handle of chimeEvents) await handle(event);
      },
    });
    started.push(chime);
    const sqs = await startSqsEmulator({ dataFile: localTelemetryPaths(dirs.root).sqsFile, port: ports.sqs ?? 0, host, region: LOCAL_REGION });
    started.push(sqs);
    const iotData = await startLocalIotData({ host, port: ports.iotData ?? 0 });
    started.push(iotData.emulator);
    const deadLetterQueueName = physicalName(stage, telemetryDeadLetterQueue.logicalName);

    const config: RuntimeConfig = {
      stage,
      region: LOCAL_REGION,
      recordsTableName: physicalName(stage, recordsTable.logicalName),
      auditTableName: physicalName(stage, auditTable.logicalName),
      telemetryStreamName: physicalName(stage, telemetryStream.logicalName),
      telemetryDeadLetterQueueUrl: sqs.queueUrl(deadLetterQueueName),
      chimeMediaRegion: LOCAL_REGION,
      allowedOrigins: options.allowedOrigins ?? ['http://localhost:5173'],
      endpoints: { dynamodb: dynamodb.url, kinesis: kinesis.url, chime: chime.url, sqs: sqs.url, iotData: iotData.emulator.url },
      credentials: LOCAL_CREDENTIALS,
    };
    const deps = createDeps(config);
    await ensureTable(deps.dynamodb, config.recordsTableName, recordsTable);
    await ensureTable(deps.dynamodb, config.auditTableName, auditTable);
    // Chime meeting events reach the same handler EventBridge invokes in AWS.
    chimeEvents.push(consultEventsHandlerFrom(deps));
    await ensureStream(deps.kinesis, config.telemetryStreamName, telemetryStream);
    await deps.sqs.send(
      new CreateQueueCommand({
        QueueName: deadLetterQueueName,
        Attributes: { MessageRetentionPeriod: String(telemetryDeadLetterQueue.retentionDays * 24 * 3600) },
      }),
    );

    const telemetry = await startLocalTelemetry({ deps, dataDir: dirs.root, host, ports: { mqtt: ports.mqtt ?? 0 }, iotData });
    started.push(...telemetry.parts);

    const issuer = await openLocalIssuer(dirs.issuer);
    // The devices API issues certificates from the local CA and drops connections at the local broker (AWS: IoT Core).
    const deviceProvisioner = new LocalDeviceProvisioner(await loadOrCreateLocalCa(telemetry.caDir), telemetry.iotCore);
    const handlers = new Map<string, HttpHandler>(functionNames(routes).map((fn) => [fn, createApiFunction(fn, { ...deps, deviceProvisioner })]));
    const front = await startFront({ routes, handlers, issuer, stage, allowedOrigins: config.allowedOrigins, port: ports.http ?? 0, host });
    started.push(front);

    return {
      endpoints: {
        http: front.url,
        dynamodb: dynamodb.url,
        kinesis: kinesis.url,
        chime: chime.url,
        sqs: sqs.url,
        iotData: iotData.emulator.url,
        mqtt: telemetry.iotCore.url,
      },
      config,
      deps,
      issuer,
      telemetry: {
        poller: telemetry.poller,
        caDir: telemetry.caDir,
        caCertificatePem: telemetry.iotCore.caCertificatePem,
        deadLetterQueueUrl: config.telemetryDeadLetterQueueUrl,
      },
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
