/**
 * Load run: 1,000 simulated gateways, each one short session (about 8 s of data: 2 repetitions, in 2-second messages),
 * 10x real time,
 * through the local stack's whole pipeline (MQTT over mutual TLS → broker → rule → Kinesis → poller → stream
 * processor → DynamoDB; rejects to the dead-letter queue), with an accounting at the end:
 *
 *   published (acknowledged by the broker) = processed (stored by the processor) + dead-lettered, nothing lost.
 *
 * A few gateways also send one malformed payload, so the dead-letter path is part of the count.
 *
 *   npx tsx bench/load.bench.ts [devices] [speed]
 *
 * Devices are registered straight into the registry (the item POST /devices writes) with certificates from the local
 * CA signed natively (device-firmware-sim/local-certs.ts): registering 1,000 through the API would spend minutes in
 * the local CA's pure-JavaScript RSA. Counts come from DynamoDB (session summaries: messages applied), the stream
 * (records in Kinesis) and the queue (messages in the dead-letter queue).
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-kinesis';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export interface LoadResult {
  devices: number;
  published: number;
  malformed: number;
  inStream: number;
  processed: number;
  deadLettered: number;
  lost: number;
  sessionsCompleted: number;
  exactRepCounts: number;
  publishSeconds: number;
  drainSeconds: number;
}

export async function run(devices = 1000, speed = 10): Promise<LoadResult> {
  const { startLocalStack } = await import('../local/stack.js');
  const { DynamoDeviceRegistry } = await import('../lambdas/devices/dynamo-registry.js');
  const { newId } = await import('../lambdas/shared/ids.js');
  const { telemetryTopic } = await import('../lambdas/telemetry/topics.js');
  const { bulkLocalIssuer } = await import('../device-firmware-sim/local-certs.js');
  const { connectDevice } = await import('../device-firmware-sim/gateway.js');
  const { runFleet } = await import('../device-firmware-sim/fleet.js');
  const { planGateway, SessionCache } = await import('../device-firmware-sim/plan.js');
  const { exercisesForDevice, placementsFor } = await import('../device-firmware-sim/programme.js');
  const { mapLimit } = await import('../device-firmware-sim/provision.js');

  const dir = await mkdtemp(join(tmpdir(), 'load-bench-'));
  const stack = await startLocalStack({ dataDir: dir, stage: 'bench' });
  const log = (line: string) => console.log(line);
  try {
    const table = stack.config.recordsTableName;
    const mqtt = new URL(stack.endpoints.mqtt);
    const issuer = await bulkLocalIssuer(stack.telemetry.caDir);
    const registry = new DynamoDeviceRegistry(stack.deps.dynamodb, table);
    // About 8 s of data per gateway (3 s rest for the analyzer's warm-up, two repetitions), in 2-second messages
    // (the format's cost setting, still one 5 KB IoT metering step): 6 messages a gateway.
    const settings = {
      noise: 'low' as const,
      seed: 42,
      sets: 1,
      repsPerSet: 2,
      tempo: 'normal' as const,
      initialRestS: 3,
      finalRestS: 1,
      messageSeconds: 2,
      variants: 25,
      startTime: Date.now(),
    };
    const cache = new SessionCache(settings);

    let started = performance.now();
    const at = new Date().toISOString();
    // Ten gateways per (simulated) patient.
    const patients = Array.from({ length: Math.ceil(devices / 10) }, () => newId('pat'));
    const gateways = await mapLimit(Array.from({ length: devices }, (_, index) => index), 16, async (index) => {
      const deviceId = newId('dev');
      const certificate = await issuer.issue(deviceId);
      const exercises = exercisesForDevice('mixed', index);
      const patientId = patients[Math.floor(index / 10)]!;
      await registry.create({ deviceId, patientId, placements: placementsFor(exercises), status: 'active', certificateId: certificate.certificateId, model: 'LoadSim', createdAt: at, updatedAt: at });
      const connection = { deviceId, host: mqtt.hostname, port: Number(mqtt.port), certificatePem: certificate.certificatePem, privateKeyPem: certificate.privateKeyPem, caCertificatePem: stack.telemetry.caCertificatePem };
      return { ...planGateway(index, connection, exercises, settings, cache), patientId };
    });
    const scheduled = gateways.reduce((sum, gateway) => sum + gateway.member.schedule.messages.length, 0);
    log(`${devices} gateways registered and planned in ${((performance.now() - started) / 1000).toFixed(1)} s: ${scheduled} messages, ${(gateways[0]!.member.schedule.durationMs / 1000).toFixed(1)} s of data each, ${speed}x`);

    started = performance.now();
    const fleet = await runFleet({ members: gateways.map((gateway) => gateway.member), speed, connectConcurrency: 50, progressIntervalMs: 5000, log });
    // One malformed payload from every 100th gateway: the processor must dead-letter it, not lose or block it.
    const malformedFrom = gateways.filter((_, index) => index % 100 === 0).map((gateway) => gateway.member.connection);
    let malformed = 0;
    for (const connection of malformedFrom) {
      const client = await connectDevice(connection);
      await client.publishAsync(telemetryTopic(connection.deviceId), Buffer.from('RT\u0001\u0009not a telemetry message'), { qos: 1 });
      malformed += 1;
      await client.endAsync();
    }
    const publishSeconds = (performance.now() - started) / 1000;
    const published = fleet.stats.acked + malformed;

    // Drain: until the stream holds every publish and the poller has caught up, and the counts stop moving.
    started = performance.now();
    const streamRecords = async () => {
      const { StreamDescription } = await stack.deps.kinesis.send(new DescribeStreamCommand({ StreamName: stack.config.telemetryStreamName }));
      let count = 0;
      for (const shard of StreamDescription?.Shards ?? []) {
        let { ShardIterator } = await stack.deps.kinesis.send(new GetShardIteratorCommand({ StreamName: stack.config.telemetryStreamName, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }));
        for (;;) {
          const page = await stack.deps.kinesis.send(new GetRecordsCommand({ ShardIterator, Limit: 10_000 }));
          count += page.Records?.length ?? 0;
          if (!page.Records?.length || !page.NextShardIterator) break;
          ShardIterator = page.NextShardIterator;
        }
      }
      return count;
    };
    let inStream = 0;
    for (const deadline = Date.now() + 90_000; Date.now() < deadline; ) {
      inStream = await streamRecords();
      if (inStream >= published) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    await stack.telemetry.poller.idle();
    const drainSeconds = (performance.now() - started) / 1000;

    const sessions: Array<{ sessionId: string; messageCount: number; status: string; summary: { repetitionCount: number } }> = [];
    let start: Record<string, any> | undefined;
    do {
      const page = await stack.deps.dynamodb.send(
        new ScanCommand({ TableName: table, FilterExpression: 'entity = :e', ExpressionAttributeValues: { ':e': { S: 'rehab-session' } }, ExclusiveStartKey: start }),
      );
      for (const item of page.Items ?? []) sessions.push(unmarshall(item) as (typeof sessions)[number]);
      start = page.LastEvaluatedKey;
    } while (start);
    const processed = sessions.reduce((sum, session) => sum + session.messageCount, 0);

    let deadLettered = 0;
    const reasons = new Map<string, number>();
    for (;;) {
      const { Messages } = await stack.deps.sqs.send(new ReceiveMessageCommand({ QueueUrl: stack.telemetry.deadLetterQueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
      if (!Messages?.length) break;
      for (const message of Messages) {
        const body = JSON.parse(message.Body!) as { reason?: string; failures?: unknown; KinesisBatchInfo?: { batchSize: number } };
        // A processor rejection is one record; an on-failure record of the event source stands for a whole batch.
        const count = body.KinesisBatchInfo ? body.KinesisBatchInfo.batchSize : 1;
        deadLettered += count;
        const reason = body.reason ?? (body.failures ? 'rule-error' : 'event-source-on-failure');
        reasons.set(reason, (reasons.get(reason) ?? 0) + count);
      }
      for (const message of Messages) await stack.deps.sqs.send(new DeleteMessageCommand({ QueueUrl: stack.telemetry.deadLetterQueueUrl, ReceiptHandle: message.ReceiptHandle! }));
    }

    const truthBySession = new Map(gateways.flatMap((gateway) => gateway.truth.sessions.map((session) => [session.sessionId, session] as const)));
    const sessionsCompleted = sessions.filter((session) => session.status === 'completed').length;
    const exactRepCounts = sessions.filter((session) => {
      const truth = truthBySession.get(session.sessionId) as { repetitions?: number } | undefined;
      return truth?.repetitions === session.summary.repetitionCount;
    }).length;
    const lost = published - processed - deadLettered;
    const result: LoadResult = { devices, published, malformed, inStream, processed, deadLettered, lost, sessionsCompleted, exactRepCounts, publishSeconds, drainSeconds };

    const rows: Array<[string, string]> = [
      ['gateways (one MQTT/TLS connection each)', `${devices} (${fleet.stats.everConnected} connected, ${fleet.stats.failed} failed)`],
      ['messages scheduled', String(scheduled)],
      ['published (broker PUBACK), incl. malformed', `${published} (${malformed} malformed)`],
      ['records in the Kinesis stream', String(inStream)],
      ['processed (Σ messages applied, DynamoDB)', String(processed)],
      ['dead-lettered (SQS)', `${deadLettered}${reasons.size ? ` (${[...reasons].map(([reason, count]) => `${reason}: ${count}`).join(', ')})` : ''}`],
      ['lost = published − processed − dead-lettered', String(lost)],
      ['sessions completed', `${sessionsCompleted}/${devices}`],
      ['repetition count = ground truth', `${exactRepCounts}/${devices}`],
      ['publish phase', `${publishSeconds.toFixed(1)} s (${(published / publishSeconds).toFixed(0)} msg/s)`],
      ['drain after publishing', `${drainSeconds.toFixed(1)} s`],
    ];
    const width = Math.max(...rows.map(([label]) => label.length));
    log(rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`).join('\n'));
    log(lost === 0 && inStream === published ? 'accounting: published = processed + dead-lettered, nothing lost' : `accounting: MISMATCH (lost ${lost}, stream ${inStream} vs published ${published})`);
    return result;
  } finally {
    await stack.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export default run;

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [devices, speed] = process.argv.slice(2).map(Number);
  await run(devices || undefined, speed || undefined);
  process.exit(0);
}
