/**
 * The telemetry pipeline end to end on the local stack: a simulated device → IoT Core (MQTT over mutual TLS, or
 * the IoT data-plane Publish) → topic rule → Kinesis → the local event source mapping → the stream processor →
 * DynamoDB → the query functions; rejected records in the dead-letter queue, read with the real SQS client.
 */
import { PublishCommand } from '@aws-sdk/client-iot-data-plane';
import { DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { ReceiveMessageCommand, DeleteMessageCommand } from '@aws-sdk/client-sqs';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../lambdas/shared/ids.js';
import { rehabSessionsFrom } from '../../lambdas/telemetry/compose.js';
import { putDevice, type DeviceRecord } from '../../lambdas/telemetry/devices.js';
import { telemetryKeys } from '../../lambdas/telemetry/keys.js';
import type { DeadLetter } from '../../lambdas/telemetry/model.js';
import type { DynamoRehabSessions } from '../../lambdas/telemetry/rehab-sessions.js';
import { basicIngestTopic, telemetryTopic } from '../../lambdas/telemetry/topics.js';
import { loadOrCreateLocalCa } from '../../local/iot/ca.js';
import { startTestStack } from '../helpers/local-stack.js';
import { T0, deviceSession } from '../unit/telemetry-processor/fixtures.js';

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('telemetry pipeline on the local stack', () => {
  let stack: Awaited<ReturnType<typeof startTestStack>>;
  let sessions: DynamoRehabSessions;
  const patientId = newId('pat');

  const register = async (deviceId: string, certificateId: string) => {
    const device: DeviceRecord = { deviceId, patientId, placements: ['right-upper-arm', 'right-forearm'], status: 'active', certificateId };
    await putDevice(stack.deps.dynamodb, stack.config.recordsTableName, device);
    return device;
  };
  const completed = (sessionId: string) =>
    until(async () => {
      const detail = await sessions.getSession(sessionId);
      return detail?.session.status === 'completed' ? detail : undefined;
    }, `session ${sessionId} completed`);
  const deadLetters = async (): Promise<DeadLetter[]> => {
    const out: DeadLetter[] = [];
    for (;;) {
      const { Messages } = await stack.deps.sqs.send(new ReceiveMessageCommand({ QueueUrl: stack.telemetry.deadLetterQueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
      if (!Messages?.length) return out;
      for (const message of Messages) {
        out.push(JSON.parse(message.Body!) as DeadLetter);
        await stack.deps.sqs.send(new DeleteMessageCommand({ QueueUrl: stack.telemetry.deadLetterQueueUrl, ReceiptHandle: message.ReceiptHandle }));
      }
    }
  };
  const deviceState = async (deviceId: string) => {
    const { Item } = await stack.deps.dynamodb.send(new GetItemCommand({ TableName: stack.config.recordsTableName, Key: marshall(telemetryKeys.deviceState(deviceId)) }));
    return Item ? unmarshall(Item) : undefined;
  };

  beforeAll(async () => {
    stack = await startTestStack();
    sessions = rehabSessionsFrom(stack.deps);
  });
  afterAll(async () => stack?.dispose());

  const mqttDevice = newId('dev');
  const mqttSession = deviceSession({ deviceId: mqttDevice, seed: 11 });

  it('takes a session from a device over MQTT (mutual TLS) to the query functions; a malformed message is dead-lettered and the rest processed', async () => {
    const ca = await loadOrCreateLocalCa(stack.telemetry.caDir);
    const certificate = await ca.issueDeviceCertificate(mqttDevice);
    await register(mqttDevice, certificate.certificateId);
    const client = await mqtt.connectAsync(
      stack.endpoints.mqtt,
      { clientId: mqttDevice, key: certificate.privateKeyPem, cert: certificate.certificatePem, ca: stack.telemetry.caCertificatePem, protocolVersion: 4, reconnectPeriod: 0 },
      false,
    );
    const malformed = Buffer.from('RT\u0009 not a telemetry message');
    try {
      for (const [index, payload] of mqttSession.payloads.entries()) {
        await client.publishAsync(telemetryTopic(mqttDevice), Buffer.from(payload), { qos: 1 });
        if (index === 10) await client.publishAsync(telemetryTopic(mqttDevice), malformed, { qos: 1 });
      }
    } finally {
      await client.endAsync();
    }

    const detail = await completed(mqttSession.sessionId);
    await stack.telemetry.poller.idle();
    const truth = mqttSession.simulated.groundTruth;
    expect(detail.session).toMatchObject({
      sessionId: mqttSession.sessionId,
      patientId,
      deviceId: mqttDevice,
      exercise: 'elbow-flexion',
      status: 'completed',
      startedAt: new Date(T0).toISOString(),
      messageCount: mqttSession.messages.length,
      gapCount: 0,
    });
    expect(detail.session.summary.repetitionCount).toBe(truth.repetitions.length);
    expect(detail.repetitions.map((r) => r.index)).toEqual(truth.repetitions.map((_, i) => i + 1));

    // Recomputing from the stored raw window gives the same numbers.
    const recomputed = await sessions.recomputeSession(mqttSession.sessionId);
    expect(recomputed!.summary).toEqual(detail.session.summary);
    expect(recomputed!.repetitions).toEqual(detail.repetitions);

    const listed = await sessions.listSessionsByPatient(patientId);
    expect(listed.items.map((s) => s.sessionId)).toContain(mqttSession.sessionId);
    expect(listed.items[0]).not.toHaveProperty('pk');

    const letters = await deadLetters();
    expect(letters).toEqual([
      expect.objectContaining({
        source: 'telemetry-processor',
        reason: 'unsupported-version',
        deviceId: mqttDevice,
        partitionKey: mqttDevice,
        shardId: expect.stringMatching(/^shardId-\d{12}$/),
        sequenceNumber: expect.stringMatching(/^\d+$/),
        payloadBase64: malformed.toString('base64'),
      }),
    ]);
  });

  it('changes nothing when the same records are put into the stream again', async () => {
    const before = { detail: await sessions.getSession(mqttSession.sessionId), state: await deviceState(mqttDevice) };
    // The device's records as the stream holds them, put again (a producer retry, a replay).
    const { StreamDescription } = await stack.deps.kinesis.send(new DescribeStreamCommand({ StreamName: stack.config.telemetryStreamName }));
    const records: { Data: Uint8Array; PartitionKey: string }[] = [];
    for (const shard of StreamDescription!.Shards!) {
      let { ShardIterator } = await stack.deps.kinesis.send(
        new GetShardIteratorCommand({ StreamName: stack.config.telemetryStreamName, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }),
      );
      for (;;) {
        const page = await stack.deps.kinesis.send(new GetRecordsCommand({ ShardIterator }));
        for (const record of page.Records ?? []) if (record.PartitionKey === mqttDevice) records.push({ Data: record.Data!, PartitionKey: record.PartitionKey! });
        if (!page.Records?.length) break;
        ShardIterator = page.NextShardIterator;
      }
    }
    expect(records).toHaveLength(mqttSession.payloads.length + 1);
    await stack.deps.kinesis.send(new PutRecordsCommand({ StreamName: stack.config.telemetryStreamName, Records: records }));
    await stack.telemetry.poller.idle();

    expect({ detail: await sessions.getSession(mqttSession.sessionId), state: await deviceState(mqttDevice) }).toEqual(before);
    // The malformed record is rejected again: dead letters are at least once, keyed by shard and sequence number.
    expect((await deadLetters()).map((letter) => letter.reason)).toEqual(['unsupported-version']);
  });

  it('records a gap when a message never arrives (device publishing through the IoT data plane, Basic Ingest)', async () => {
    const deviceId = newId('dev');
    await register(deviceId, 'f'.repeat(64));
    const session = deviceSession({ deviceId, seed: 12, firstSeq: 500, startedAt: T0 + 3_600_000 });
    const lost = session.messages[7]!.seq;
    for (const [index, payload] of session.payloads.entries()) {
      if (index === 7) continue;
      await stack.deps.iotData.send(new PublishCommand({ topic: basicIngestTopic(deviceId), payload, qos: 1 }));
    }
    const detail = await completed(session.sessionId);
    expect(detail.session).toMatchObject({ gaps: [{ fromSeq: lost, toSeq: lost }], gapCount: 1, missingMessages: 1, messageCount: session.messages.length - 1 });
    expect(detail.session.summary.sampleCount).toBe(detail.session.reportedTotalSamples! - 100);
    expect(await deviceState(deviceId)).toMatchObject({ version: expect.any(Number), deviceId });
    const recomputed = await sessions.recomputeSession(session.sessionId);
    expect(recomputed!.summary).toEqual(detail.session.summary);

    // Newest first, paged with an opaque cursor.
    const firstPage = await sessions.listSessionsByPatient(patientId, { limit: 1 });
    expect(firstPage.items.map((s) => s.sessionId)).toEqual([session.sessionId]);
    const secondPage = await sessions.listSessionsByPatient(patientId, { limit: 1, cursor: firstPage.nextCursor });
    expect(secondPage.items.map((s) => s.sessionId)).toEqual([mqttSession.sessionId]);
    await expect(sessions.listSessionsByPatient(newId('pat'), { cursor: firstPage.nextCursor })).rejects.toThrow(/cursor/);
  });
});
