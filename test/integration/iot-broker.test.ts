import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateStreamCommand,
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
// @ts-expect-error untyped CommonJS module
import kinesalite from 'kinesalite';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../lambdas/shared/ids.js';
import { decodeTelemetry, encodeTelemetry, type SamplesMessage } from '../../lambdas/telemetry/codec.js';
import { basicIngestTopic, commandTopic, commandTopicFilter, statusTopic, telemetryRule, telemetryTopic } from '../../lambdas/telemetry/topics.js';
import { certificateIdOf, loadOrCreateLocalCa, type IssuedCertificate, type LocalCertificateAuthority } from '../../local/iot/ca.js';
import {
  kinesisRuleAction,
  ruleErrorActionMessage,
  startLocalIotCore,
  type LocalIotCore,
  type RuleFailure,
  type RuleRecord,
} from '../../local/iot/broker.js';

async function until<T>(probe: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function samplesPayload(deviceId: string, seq: number): Uint8Array {
  const sampleCount = 10;
  const sensor = new Float32Array(sampleCount * 6).map((_, i) => ((i % 7) - 3) / 4);
  const message: SamplesMessage = {
    kind: 'samples',
    deviceId,
    seq,
    sessionId: newId('rsess'),
    exerciseId: 'shoulder-abduction',
    sampleRateHz: 100,
    firstSampleTime: Date.UTC(2026, 10, 23, 2, 0, 0),
    placements: ['left-upper-arm'],
    sampleCount,
    samples: [sensor],
  };
  return encodeTelemetry(message);
}

function seqOf(data: Uint8Array): number {
  return decodeTelemetry(data).seq;
}

interface Device {
  readonly id: string;
  readonly cert: IssuedCertificate;
}

function connectOptions(core: LocalIotCore, clientId: string, cert?: IssuedCertificate) {
  return {
    clientId,
    ...(cert ? { key: cert.privateKeyPem, cert: cert.certificatePem } : {}),
    ca: core.caCertificatePem,
    rejectUnauthorized: true,
    protocolVersion: 4 as const,
    reconnectPeriod: 0,
    connectTimeout: 5000,
  };
}

describe('local IoT Core broker', () => {
  let dir: string;
  let ca: LocalCertificateAuthority;
  let core: LocalIotCore;
  const records: RuleRecord[] = [];
  const failures: RuleFailure[] = [];
  const activeChecks: { certificateId: string; deviceId: string }[] = [];
  const clients: MqttClient[] = [];
  let alice: Device;
  let bob: Device;
  let deactivated: Device;
  let failing: Device;
  let slow: Device;

  const device = async (): Promise<Device> => {
    const id = newId('dev');
    return { id, cert: await ca.issueDeviceCertificate(id) };
  };

  const connect = async (clientId: string, cert?: IssuedCertificate): Promise<MqttClient> => {
    const client = await mqtt.connectAsync(core.url, connectOptions(core, clientId, cert), false);
    clients.push(client);
    return client;
  };

  const recordsFor = (partitionKey: string) => records.filter((r) => r.partitionKey === partitionKey);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iot-broker-'));
    ca = await loadOrCreateLocalCa(join(dir, 'ca'));
    [alice, bob, deactivated, failing, slow] = await Promise.all([device(), device(), device(), device(), device()]);
    core = await startLocalIotCore({
      port: 0,
      caDir: join(dir, 'ca'),
      async isCertificateActive(certificateId, deviceId) {
        activeChecks.push({ certificateId, deviceId });
        return deviceId !== deactivated.id;
      },
      async route(record) {
        if (record.partitionKey === failing.id) throw new Error('ProvisionedThroughputExceededException');
        // A random delay per record: order must come from the per-device queue, not from luck.
        if (record.partitionKey === slow.id) await new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
        records.push(record);
      },
      async onRuleError(failure) {
        failures.push(failure);
      },
    });
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.endAsync(true)));
  });

  afterAll(async () => {
    await core?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('issues device certificates with the device id as CN, signed by the CA, with an IoT-style id', async () => {
    const x509 = new X509Certificate(alice.cert.certificatePem);
    expect(x509.subject).toBe(`CN=${alice.id}`);
    expect(x509.verify(new X509Certificate(ca.caCertificatePem).publicKey)).toBe(true);
    expect(x509.checkIssued(new X509Certificate(ca.caCertificatePem))).toBe(true);
    expect(alice.cert.certificateId).toMatch(/^[0-9a-f]{64}$/);
    expect(certificateIdOf(alice.cert.certificatePem)).toBe(alice.cert.certificateId);
    expect(alice.cert.certificateId).not.toBe(bob.cert.certificateId);
    expect(alice.cert.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    // The CA key is readable by its owner only.
    expect((await stat(join(dir, 'ca', 'ca.key.pem'))).mode & 0o077).toBe(0);
    await expect(ca.issueDeviceCertificate('dev_1')).rejects.toThrow(TypeError);
  });

  it('accepts a device connecting as itself and checks its certificate id', async () => {
    const client = await connect(alice.id, alice.cert);
    expect(client.connected).toBe(true);
    expect(activeChecks).toContainEqual({ certificateId: alice.cert.certificateId, deviceId: alice.id });
  });

  it('refuses a device connecting with another client id', async () => {
    await expect(connect(bob.id, alice.cert)).rejects.toMatchObject({ code: 5 });
  });

  it('refuses a client id that is not a device id even with a valid certificate', async () => {
    await expect(connect('some-client', alice.cert)).rejects.toMatchObject({ code: 5 });
  });

  it('refuses the certificate of a deactivated device', async () => {
    await expect(connect(deactivated.id, deactivated.cert)).rejects.toMatchObject({ code: 5 });
    expect(activeChecks).toContainEqual({ certificateId: deactivated.cert.certificateId, deviceId: deactivated.id });
  });

  it('refuses a connection without a client certificate', async () => {
    const checksBefore = activeChecks.length;
    await expect(connect(alice.id)).rejects.toThrow();
    expect(activeChecks.length).toBe(checksBefore);
  });

  it('refuses a certificate from another CA for the same device id', async () => {
    const otherCa = await loadOrCreateLocalCa(join(dir, 'other-ca'));
    const forged = await otherCa.issueDeviceCertificate(alice.id);
    const checksBefore = activeChecks.length;
    await expect(connect(alice.id, forged)).rejects.toThrow();
    expect(activeChecks.length).toBe(checksBefore);
  });

  it('routes a publish to the own telemetry topic with the device id as partition key and the exact bytes', async () => {
    const client = await connect(alice.id, alice.cert);
    const payload = samplesPayload(alice.id, 1);
    await client.publishAsync(telemetryTopic(alice.id), Buffer.from(payload), { qos: 1 });
    const [record] = await until(() => (recordsFor(alice.id).length ? recordsFor(alice.id) : undefined), 'record');
    expect(record).toEqual({ partitionKey: alice.id, topic: telemetryTopic(alice.id), data: payload });
    expect(record!.data).toBeInstanceOf(Uint8Array);
  });

  it('routes Basic Ingest publishes to the rule with the prefix removed', async () => {
    const client = await connect(bob.id, bob.cert);
    const payload = samplesPayload(bob.id, 2);
    await client.publishAsync(basicIngestTopic(bob.id), Buffer.from(payload), { qos: 1 });
    const record = await until(() => recordsFor(bob.id)[0], 'basic ingest record');
    expect(record).toEqual({ partitionKey: bob.id, topic: telemetryTopic(bob.id), data: payload });
  });

  it('does not route the status topic (it is not telemetry)', async () => {
    const client = await connect(alice.id, alice.cert);
    const before = records.length;
    await client.publishAsync(statusTopic(alice.id), 'online', { qos: 1 });
    // A telemetry publish after it: once that is routed, the status publish would have been too.
    await client.publishAsync(telemetryTopic(alice.id), Buffer.from(samplesPayload(alice.id, 3)), { qos: 1 });
    await until(() => (records.length > before ? true : undefined), 'sentinel');
    expect(records.slice(before).map((r) => r.topic)).toEqual([telemetryTopic(alice.id)]);
  });

  it.each([
    ['another device telemetry topic', (own: string, other: string) => ({ topic: telemetryTopic(other), qos: 1 as const, retain: false })],
    ['another device Basic Ingest topic', (own: string, other: string) => ({ topic: basicIngestTopic(other), qos: 1 as const, retain: false })],
    ['Basic Ingest of another rule', (own: string) => ({ topic: `$aws/rules/other_rule/dt/rehab/${own}/imu`, qos: 1 as const, retain: false })],
    ['the own topic with retain', (own: string) => ({ topic: telemetryTopic(own), qos: 1 as const, retain: true })],
    ['the own topic with QoS 2', (own: string) => ({ topic: telemetryTopic(own), qos: 2 as const, retain: false })],
    ['the own command topic', (own: string) => ({ topic: commandTopic(own, 'session/start'), qos: 1 as const, retain: false })],
  ])('refuses a publish to %s: disconnects and routes nothing', async (_name, publish) => {
    const victim = newId('dev');
    const client = await connect(alice.id, alice.cert);
    let closed = false;
    client.once('close', () => (closed = true));
    const { topic, qos, retain } = publish(alice.id, victim);
    const before = records.length;
    client.publish(topic, Buffer.from(samplesPayload(alice.id, 9)), { qos, retain }, () => {});
    await until(() => (closed ? true : undefined), 'the broker to disconnect the client');
    // A sentinel from another device: once routed, anything published earlier would have been routed too.
    const sentinel = await connect(bob.id, bob.cert);
    await sentinel.publishAsync(telemetryTopic(bob.id), Buffer.from(samplesPayload(bob.id, 99)), { qos: 1 });
    await until(() => (records.length > before ? true : undefined), 'sentinel');
    expect(records.slice(before).map((r) => r.partitionKey)).toEqual([bob.id]);
  });

  it('lets a device subscribe to its own commands only, and delivers internal publishes to it', async () => {
    const client = await connect(alice.id, alice.cert);
    const grantedQos = async (filter: string): Promise<number> => {
      try {
        const [grant] = await client.subscribeAsync(filter, { qos: 1 });
        return grant!.qos;
      } catch (error) {
        // mqtt.js rejects a SUBACK failure (0x80) and attaches the packet.
        const granted = (error as { packet?: { granted?: number[] } }).packet?.granted;
        if (!granted) throw error;
        return granted[0]!;
      }
    };
    expect(await grantedQos(commandTopicFilter(alice.id))).toBe(1);
    expect(await grantedQos(commandTopicFilter(bob.id))).toBe(128);
    expect(await grantedQos(telemetryRule.topicFilter)).toBe(128);
    expect(await grantedQos(`$aws/rules/${telemetryRule.ruleName}/#`)).toBe(128);
    const received: { topic: string; payload: string }[] = [];
    client.on('message', (topic, payload) => received.push({ topic, payload: payload.toString() }));
    await core.publish(commandTopic(bob.id, 'session/start'), 'not for alice', 1);
    await core.publish(commandTopic(alice.id, 'session/start'), '{"sessionId":"x"}', 1);
    await until(() => (received.length ? true : undefined), 'command');
    expect(received).toEqual([{ topic: commandTopic(alice.id, 'session/start'), payload: '{"sessionId":"x"}' }]);
  });

  it('routes internal publishes (IoT data-plane Publish) through the rule too', async () => {
    const id = newId('dev');
    const payload = samplesPayload(id, 5);
    await core.publish(basicIngestTopic(id), payload, 1);
    const record = await until(() => recordsFor(id)[0], 'internal record');
    expect(record).toEqual({ partitionKey: id, topic: telemetryTopic(id), data: payload });
    await expect(core.publish('dt/rehab/+/imu', payload)).rejects.toThrow(TypeError);
  });

  it('keeps each device’s records in publish order even when the action takes varying time', async () => {
    const client = await connect(slow.id, slow.cert);
    for (let seq = 1; seq <= 40; seq++) {
      const topic = seq % 2 ? telemetryTopic(slow.id) : basicIngestTopic(slow.id);
      client.publish(topic, Buffer.from(samplesPayload(slow.id, seq)), { qos: 0 });
    }
    const routed = await until(() => (recordsFor(slow.id).length === 40 ? recordsFor(slow.id) : undefined), '40 records');
    expect(routed.map((r) => seqOf(r.data))).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });

  it('hands a failed rule action to the error action with what IoT Core puts in its error message', async () => {
    const client = await connect(failing.id, failing.cert);
    const payload = samplesPayload(failing.id, 7);
    await client.publishAsync(telemetryTopic(failing.id), Buffer.from(payload), { qos: 1 });
    const failure = await until(() => failures.find((f) => f.partitionKey === failing.id), 'failure');
    expect(failure).toMatchObject({ ruleName: telemetryRule.ruleName, topic: telemetryTopic(failing.id), clientId: failing.id, data: payload });
    expect(recordsFor(failing.id)).toEqual([]);
    const message = ruleErrorActionMessage(failure, 'KinesisAction', 'telemetry');
    expect(message).toEqual({
      ruleName: telemetryRule.ruleName,
      topic: telemetryTopic(failing.id),
      clientId: failing.id,
      base64OriginalPayload: Buffer.from(payload).toString('base64'),
      failures: [{ failedAction: 'KinesisAction', failedResource: 'telemetry', errorMessage: 'ProvisionedThroughputExceededException' }],
    });
  });

  it('disconnects a device on request (its certificate was deactivated)', async () => {
    const client = await connect(bob.id, bob.cert);
    let closed = false;
    client.once('close', () => (closed = true));
    expect(await core.disconnectDevice(bob.id)).toBe(true);
    await until(() => (closed ? true : undefined), 'the broker to disconnect the client');
    expect(await core.disconnectDevice(newId('dev'))).toBe(false);
  });

  it('reuses the persisted CA and server certificate on restart', async () => {
    const again = await startLocalIotCore({
      port: 0,
      caDir: join(dir, 'ca'),
      isCertificateActive: async () => true,
      route: async () => {},
    });
    try {
      expect(again.caCertificatePem).toBe(core.caCertificatePem);
      const client = await mqtt.connectAsync(again.url, connectOptions(again, alice.id, alice.cert), false);
      clients.push(client);
      expect(client.connected).toBe(true);
    } finally {
      await Promise.all(clients.splice(0).map((client) => client.endAsync(true)));
      await again.close();
    }
  });
});

describe('local IoT Core with kinesalite', () => {
  let dir: string;
  let kinesisServer: Server;
  let kinesis: KinesisClient;
  let core: LocalIotCore;
  const streamName = 'telemetry';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iot-kinesis-'));
    kinesisServer = kinesalite({ path: join(dir, 'kinesis'), createStreamMs: 0 }) as Server;
    await new Promise<void>((resolve) => kinesisServer.listen(0, '127.0.0.1', () => resolve()));
    const { port } = kinesisServer.address() as AddressInfo;
    kinesis = new KinesisClient({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      // kinesalite speaks HTTP/1.1 only.
      requestHandler: new NodeHttpHandler(),
    });
    await kinesis.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: 2 }));
    await until(async () => {
      const { StreamDescription } = await kinesis.send(new DescribeStreamCommand({ StreamName: streamName }));
      return StreamDescription?.StreamStatus === 'ACTIVE' ? true : undefined;
    }, 'stream ACTIVE');
    core = await startLocalIotCore({
      port: 0,
      caDir: join(dir, 'ca'),
      isCertificateActive: async () => true,
      route: kinesisRuleAction(kinesis, streamName),
    });
  });

  afterAll(async () => {
    await core?.close();
    kinesis?.destroy();
    await new Promise<void>((resolve) => (kinesisServer ? kinesisServer.close(() => resolve()) : resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  async function readAll(): Promise<{ partitionKey: string; data: Uint8Array }[]> {
    const { StreamDescription } = await kinesis.send(new DescribeStreamCommand({ StreamName: streamName }));
    const out: { partitionKey: string; data: Uint8Array }[] = [];
    for (const shard of StreamDescription!.Shards!) {
      const { ShardIterator } = await kinesis.send(
        new GetShardIteratorCommand({ StreamName: streamName, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }),
      );
      const { Records } = await kinesis.send(new GetRecordsCommand({ ShardIterator }));
      for (const record of Records ?? []) out.push({ partitionKey: record.PartitionKey!, data: record.Data! });
    }
    return out;
  }

  it('puts device publishes into the stream with the device id as partition key, in order', async () => {
    const ca = await loadOrCreateLocalCa(join(dir, 'ca'));
    const deviceId = newId('dev');
    const cert = await ca.issueDeviceCertificate(deviceId);
    const client = await mqtt.connectAsync(core.url, connectOptions(core, deviceId, cert), false);
    const payloads = [1, 2, 3, 4].map((seq) => samplesPayload(deviceId, seq));
    try {
      for (const [i, payload] of payloads.entries()) {
        await client.publishAsync(i % 2 ? basicIngestTopic(deviceId) : telemetryTopic(deviceId), Buffer.from(payload), { qos: 1 });
      }
    } finally {
      await client.endAsync();
    }
    const stored = await until(async () => {
      const all = await readAll();
      return all.length >= payloads.length ? all : undefined;
    }, 'records in the stream');
    expect(stored.map((r) => r.partitionKey)).toEqual(payloads.map(() => deviceId));
    expect(stored.map((r) => Buffer.from(r.data).toString('hex'))).toEqual(payloads.map((p) => Buffer.from(p).toString('hex')));
    expect(stored.map((r) => seqOf(r.data))).toEqual([1, 2, 3, 4]);
  });
});
