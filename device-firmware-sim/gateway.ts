/**
 * Simulated gateways on the wire: one MQTT connection per device over TLS with the device's client certificate
 * (client id = device id, as the device policy requires), publishing its schedule (messages.ts) in real time or
 * `speed` times faster, to its telemetry topic or the Basic Ingest form of it. A connection publishes at most
 * `maxPublishesPerSecond` (IoT Core: 100 per connection); faster schedules are held back, never dropped.
 */
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import mqtt, { type MqttClient } from 'mqtt';
import { encodeTelemetry } from '../lambdas/telemetry/codec.js';
import { basicIngestTopic, telemetryTopic } from '../lambdas/telemetry/topics.js';
import type { Schedule } from './messages.js';

/** IoT Core's limit of publishes per second per connection. */
export const IOT_CORE_PUBLISHES_PER_SECOND = 100;

/** What a device needs to connect (saved by provisioning, or given on the command line). */
export interface DeviceConnection {
  readonly deviceId: string;
  readonly host: string;
  readonly port: number;
  readonly certificatePem: string;
  readonly privateKeyPem: string;
  /** Verifies the broker: the local CA; absent for IoT Core, whose Amazon Root CA 1 is in Node's trust store. */
  readonly caCertificatePem?: string;
}

/** Shared counters of a fleet run (also what the progress line prints). */
export interface FleetStats {
  devices: number;
  connected: number;
  /** Connections that were up at some point. */
  everConnected: number;
  published: number;
  acked: number;
  bytes: number;
  errors: number;
  completed: number;
  failed: number;
  /** Publishes held back by the per-connection rate limit. */
  throttled: number;
  lastError?: string;
}

export function newFleetStats(devices: number): FleetStats {
  return { devices, connected: 0, everConnected: 0, published: 0, acked: 0, bytes: 0, errors: 0, completed: 0, failed: 0, throttled: 0 };
}

export interface GatewayRunOptions {
  readonly connection: DeviceConnection;
  readonly schedule: Schedule;
  /** 1 = real time. */
  readonly speed: number;
  readonly basicIngest?: boolean;
  readonly qos?: 0 | 1;
  readonly maxPublishesPerSecond?: number;
  /** Unacknowledged publishes allowed at once. */
  readonly maxInFlight?: number;
  readonly stats: FleetStats;
  /** Called once connected, before the first publish (fleets ramp connections with it). */
  readonly onConnected?: () => void;
  /** Called with each message's seq when it is handed to the connection (benchmarks time end to end from it). */
  readonly onPublish?: (seq: number, sentAt: number) => void;
  readonly signal?: AbortSignal;
  readonly connectTimeoutMs?: number;
}

export interface GatewayResult {
  readonly deviceId: string;
  readonly ok: boolean;
  readonly published: number;
  readonly error?: string;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    // The listener goes when the timer fires, so a long run does not pile thousands of them on one signal.
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

export function mqttOptions(connection: DeviceConnection, connectTimeoutMs = 10_000) {
  return {
    clientId: connection.deviceId,
    key: connection.privateKeyPem,
    cert: connection.certificatePem,
    ...(connection.caCertificatePem ? { ca: connection.caCertificatePem } : {}),
    // SNI carries host names only (RFC 6066); for an IP address TLS checks the certificate's IP entries.
    ...(isIP(connection.host) ? {} : { servername: connection.host }),
    rejectUnauthorized: true,
    // MQTT 3.1.1: what IoT Core and the local broker (aedes) both speak.
    protocolVersion: 4 as const,
    clean: true,
    keepalive: 60,
    reconnectPeriod: 0,
    connectTimeout: connectTimeoutMs,
  };
}

export function brokerUrl(connection: Pick<DeviceConnection, 'host' | 'port'>): string {
  const host = connection.host.includes(':') ? `[${connection.host}]` : connection.host;
  return `mqtts://${host}:${connection.port}`;
}

export async function connectDevice(connection: DeviceConnection, connectTimeoutMs?: number): Promise<MqttClient> {
  return mqtt.connectAsync(brokerUrl(connection), mqttOptions(connection, connectTimeoutMs), false);
}

/** Connects, publishes the whole schedule, waits for the acknowledgements, disconnects. Never throws. */
export async function runGateway(options: GatewayRunOptions): Promise<GatewayResult> {
  const { connection, schedule, stats } = options;
  const deviceId = connection.deviceId;
  const qos = options.qos ?? 1;
  const minIntervalMs = 1000 / (options.maxPublishesPerSecond ?? IOT_CORE_PUBLISHES_PER_SECOND);
  const maxInFlight = options.maxInFlight ?? 32;
  const topic = options.basicIngest ? basicIngestTopic(deviceId) : telemetryTopic(deviceId);
  let client: MqttClient | undefined;
  let published = 0;
  let inFlight = 0;
  let failure: string | undefined;
  let drained: (() => void) | undefined;
  const fail = (error: unknown) => {
    failure ??= error instanceof Error ? error.message : String(error);
    stats.errors += 1;
    stats.lastError = failure;
  };
  try {
    client = await connectDevice(connection, options.connectTimeoutMs);
    stats.connected += 1;
    stats.everConnected += 1;
    let up = true;
    client.on('close', () => {
      if (up) stats.connected -= 1;
      up = false;
      if (!failure && published < schedule.messages.length) fail(new Error('connection closed by the broker'));
      drained?.();
    });
    client.on('error', fail);
    options.onConnected?.();
    const start = performance.now();
    let lastSentAt = -Infinity;
    for (const { atMs, message } of schedule.messages) {
      if (options.signal?.aborted || failure) break;
      const due = Math.max(start + atMs / options.speed, lastSentAt + minIntervalMs);
      if (lastSentAt + minIntervalMs > start + atMs / options.speed) stats.throttled += 1;
      await sleep(due - performance.now(), options.signal);
      while (inFlight >= maxInFlight && !failure) await new Promise<void>((resolve) => (drained = resolve));
      if (failure) break;
      const bytes = encodeTelemetry(message);
      const payload = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      lastSentAt = performance.now();
      inFlight += 1;
      published += 1;
      stats.published += 1;
      stats.bytes += payload.length;
      options.onPublish?.(message.seq, Date.now());
      client.publish(topic, payload, { qos }, (error) => {
        inFlight -= 1;
        if (error) fail(error);
        else stats.acked += 1;
        drained?.();
      });
    }
    while (inFlight > 0 && !failure) await new Promise<void>((resolve) => (drained = resolve));
    up = false;
    stats.connected -= 1;
    await client.endAsync();
  } catch (error) {
    fail(error);
    await client?.endAsync(true).catch(() => undefined);
  }
  const ok = failure === undefined && published === schedule.messages.length;
  if (ok) stats.completed += 1;
  else stats.failed += 1;
  return { deviceId, ok, published, ...(failure ? { error: failure } : {}) };
}

/** One progress line: connections, publish rate since the last line, errors. */
export function progressLine(stats: FleetStats, previous: { published: number; at: number } | undefined, now: number, startedAt: number): string {
  const rate = previous ? ((stats.published - previous.published) * 1000) / Math.max(1, now - previous.at) : 0;
  const parts = [
    `[${((now - startedAt) / 1000).toFixed(1).padStart(6)} s]`,
    `connected ${stats.connected}/${stats.devices}`,
    `published ${stats.published} (${rate.toFixed(0)}/s)`,
    `acked ${stats.acked}`,
    `done ${stats.completed}/${stats.devices}`,
    `errors ${stats.errors}`,
  ];
  if (stats.throttled > 0) parts.push(`rate-limited ${stats.throttled}`);
  if (stats.errors > 0 && stats.lastError) parts.push(`(last: ${stats.lastError})`);
  return parts.join('  ');
}
