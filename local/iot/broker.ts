/**
 * Local stand-in for AWS IoT Core: an MQTT broker (aedes) behind mutual TLS with the local CA, the same
 * per-device policy as AWS (lambdas/telemetry/topics.ts) and the same telemetry topic rule, whose action
 * the caller supplies (`kinesisRuleAction` puts records into local Kinesis, as the AWS rule does).
 * What it mirrors from IoT Core: client id must be the certificate's device id, the certificate must be
 * active, devices publish only to their own topics and subscribe only to their own commands, Basic
 * Ingest messages go to the rule and never to subscribers, no QoS 2, no retained publishes (the policy
 * grants no iot:RetainPublish), payloads up to 128 KB. aedes speaks MQTT 3.1/3.1.1 only, so an
 * unauthorized publish closes the connection (as IoT Core does with MQTT 3.1.1).
 */
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createServer, type TLSSocket } from 'node:tls';
import { PutRecordCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { Aedes, type AuthenticateError, type Client, type PublishPacket } from 'aedes';
import { isDeviceAllowed, isDeviceId, matchTelemetryRule, telemetryRule, type TelemetryRule } from '../../lambdas/telemetry/topics.js';
import { loadOrCreateLocalCa } from './ca.js';

/** IoT Core's payload limit. */
export const MAX_PAYLOAD_BYTES = 128 * 1024;

export interface RuleRecord {
  /** The rule's partition key (`${topic(3)}`): the device id. */
  readonly partitionKey: string;
  /** The payload, byte for byte (`SELECT *` passes binary through). */
  readonly data: Uint8Array;
  /** The topic as the rule saw it (without a Basic Ingest prefix). */
  readonly topic: string;
}

export interface RuleFailure extends RuleRecord {
  readonly ruleName: string;
  /** The publishing device, or undefined for an internal publish. */
  readonly clientId: string | undefined;
  readonly error: unknown;
}

export interface LocalIotCoreOptions {
  /** mqtts (mutual TLS) port; 0 picks a free one. Default 8883, IoT Core's MQTT port. */
  readonly port?: number;
  readonly host?: string;
  /** Where the local CA lives (created on first use); see ca.ts. */
  readonly caDir: string;
  /** Is this certificate registered to this device and active? Checked on every CONNECT. */
  readonly isCertificateActive: (certificateId: string, deviceId: string) => Promise<boolean>;
  /** The rule action, called in publish order per partition key (one call at a time per device). */
  readonly route: (record: RuleRecord) => Promise<void>;
  /** The rule's error action (AWS: a dead-letter queue). Without it, failures are logged without payload. */
  readonly onRuleError?: (failure: RuleFailure) => Promise<void>;
  readonly rule?: TelemetryRule;
}

export interface LocalIotCore {
  readonly port: number;
  readonly url: string;
  /** Devices must trust this CA to verify the broker. */
  readonly caCertificatePem: string;
  /** Internal publish (the IoT data-plane Publish emulator): no device policy, but the rule applies. */
  publish(topic: string, payload: Uint8Array | string, qos?: 0 | 1): Promise<void>;
  /** Drops a device's connection, e.g. after its certificate was deactivated. True if it was connected. */
  disconnectDevice(deviceId: string): Promise<boolean>;
  /** Stops accepting, closes connections, then waits for rule actions in flight. */
  close(): Promise<void>;
}

function notAuthorized(returnCode: 3 | 5): AuthenticateError {
  // 5 = not authorized, 3 = server unavailable (MQTT 3.1.1 CONNACK return codes).
  return Object.assign(new Error(returnCode === 5 ? 'not authorized' : 'server unavailable'), { returnCode }) as AuthenticateError;
}

function validPublishTopic(topic: string): boolean {
  return topic.length > 0 && !topic.includes('+') && !topic.includes('#');
}

function logRuleFailure(failure: RuleFailure, stage: string): void {
  // Ids and the error only: the payload is sensor data (PHI) and stays out of logs.
  const message = failure.error instanceof Error ? failure.error.message : String(failure.error);
  console.error(`[local-iot] rule ${failure.ruleName} ${stage} failed for topic ${failure.topic}: ${message}`);
}

export async function startLocalIotCore(options: LocalIotCoreOptions): Promise<LocalIotCore> {
  const rule = options.rule ?? telemetryRule;
  const host = options.host ?? '127.0.0.1';
  const ca = await loadOrCreateLocalCa(options.caDir);
  const serverCert = await ca.serverCertificate();

  const devices = new Map<string, Client>();
  /** Tail of each partition key's action chain, so one device's records reach the action in order. */
  const queues = new Map<string, Promise<void>>();
  const inFlight = new Set<Promise<void>>();

  async function runAction(record: RuleRecord, clientId: string | undefined): Promise<void> {
    try {
      await options.route(record);
    } catch (error) {
      const failure: RuleFailure = { ...record, ruleName: rule.ruleName, clientId, error };
      if (!options.onRuleError) return logRuleFailure(failure, 'action');
      try {
        await options.onRuleError(failure);
      } catch (errorActionError) {
        logRuleFailure({ ...failure, error: errorActionError }, 'error action');
      }
    }
  }

  function enqueue(record: RuleRecord, clientId: string | undefined): void {
    const key = record.partitionKey;
    const run = (queues.get(key) ?? Promise.resolve()).then(() => runAction(record, clientId));
    queues.set(key, run);
    inFlight.add(run);
    void run.finally(() => {
      inFlight.delete(run);
      if (queues.get(key) === run) queues.delete(key);
    });
  }

  const broker = await Aedes.createBroker({
    authenticate(client, _username, _password, done) {
      const socket = client.conn as TLSSocket;
      const peer = socket.authorized ? socket.getPeerCertificate() : undefined;
      const deviceId = peer?.subject?.CN;
      // Connect only as yourself: the client id must be the device id the certificate was issued to.
      if (!peer?.raw || typeof deviceId !== 'string' || !isDeviceId(deviceId) || client.id !== deviceId) {
        return done(notAuthorized(5), false);
      }
      const certificateId = createHash('sha256').update(peer.raw).digest('hex');
      options.isCertificateActive(certificateId, deviceId).then(
        (active) => (active ? done(null, true) : done(notAuthorized(5), false)),
        () => done(notAuthorized(3), false),
      );
    },
    authorizePublish(client, packet, done) {
      const allowed =
        client !== null &&
        packet.qos !== 2 && // IoT Core has no QoS 2
        !packet.retain && // the policy grants no iot:RetainPublish
        Buffer.byteLength(packet.payload) <= MAX_PAYLOAD_BYTES &&
        isDeviceAllowed('publish', client.id, packet.topic, rule.ruleName);
      done(allowed ? null : new Error('publish not authorized'));
    },
    authorizeSubscribe(client, subscription, done) {
      // A null subscription makes aedes answer SUBACK 0x80 (failure) for that filter, as IoT Core does.
      // QoS 2 needs no downgrade here: QoS 2 publishes are refused, so nothing is delivered at QoS 2.
      done(null, isDeviceAllowed('subscribe', client.id, subscription.topic, rule.ruleName) ? subscription : null);
    },
    authorizeForward(client, packet) {
      // Basic Ingest topics skip the broker: nothing is delivered to subscribers.
      if (packet.topic.startsWith('$aws/rules/')) return null;
      return isDeviceAllowed('receive', client.id, packet.topic, rule.ruleName) ? packet : null;
    },
    published(packet, client, done) {
      // The rules engine works asynchronously from the publisher's acknowledgement, as in IoT Core.
      done();
      const match = matchTelemetryRule(packet.topic, rule);
      if (!match) return;
      // A copy: the action runs later and must not see a buffer the broker might still own.
      const data = typeof packet.payload === 'string' ? new TextEncoder().encode(packet.payload) : new Uint8Array(packet.payload);
      enqueue({ partitionKey: match.partitionKey, data, topic: match.topic }, client?.id);
    },
  });
  broker.on('clientReady', (client) => devices.set(client.id, client));
  broker.on('clientDisconnect', (client) => {
    if (devices.get(client.id) === client) devices.delete(client.id);
  });

  const server = createServer(
    {
      key: serverCert.privateKeyPem,
      cert: serverCert.certificatePem,
      ca: [ca.caCertificatePem],
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
    },
    (socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      broker.handle(socket);
    },
  );
  const sockets = new Set<TLSSocket>();
  // A failed handshake (no or untrusted client certificate) only concerns that connection.
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8883, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    port,
    url: `mqtts://${urlHost}:${port}`,
    caCertificatePem: ca.caCertificatePem,
    publish(topic, payload, qos = 0) {
      if (!validPublishTopic(topic)) return Promise.reject(new TypeError('invalid publish topic'));
      const packet: PublishPacket = {
        cmd: 'publish',
        topic,
        payload: typeof payload === 'string' ? Buffer.from(payload) : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength),
        qos,
        retain: false,
        dup: false,
      };
      return new Promise((resolve, reject) => broker.publish(packet, (error) => (error ? reject(error) : resolve())));
    },
    disconnectDevice(deviceId) {
      const client = devices.get(deviceId);
      if (!client) return Promise.resolve(false);
      return new Promise((resolve) => client.close(() => resolve(true)));
    },
    async close() {
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      // Connections that never completed an MQTT CONNECT are not aedes clients; without this they hold close().
      for (const socket of sockets) socket.destroy();
      await serverClosed;
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}

/** The rule's Kinesis action: PutRecord with the rule's partition key, the payload unchanged. */
export function kinesisRuleAction(kinesis: KinesisClient, streamName: string): (record: RuleRecord) => Promise<void> {
  return async (record) => {
    await kinesis.send(new PutRecordCommand({ StreamName: streamName, PartitionKey: record.partitionKey, Data: record.data }));
  };
}

/**
 * The message IoT Core's error action delivers (e.g. to the dead-letter queue), so the local DLQ
 * holds what the AWS one would.
 */
export function ruleErrorActionMessage(
  failure: RuleFailure,
  failedAction = 'KinesisAction',
  failedResource = '',
): {
  ruleName: string;
  topic: string;
  clientId: string;
  base64OriginalPayload: string;
  failures: { failedAction: string; failedResource: string; errorMessage: string }[];
} {
  return {
    ruleName: failure.ruleName,
    topic: failure.topic,
    clientId: failure.clientId ?? '',
    base64OriginalPayload: Buffer.from(failure.data.buffer, failure.data.byteOffset, failure.data.byteLength).toString('base64'),
    failures: [
      {
        failedAction,
        failedResource,
        errorMessage: failure.error instanceof Error ? failure.error.message : String(failure.error),
      },
    ],
  };
}
