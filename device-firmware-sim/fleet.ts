/**
 * Many gateways at once: connections opened a few at a time (a TLS handshake with an RSA client certificate costs a
 * few milliseconds of CPU on both ends), each gateway publishing its own schedule as soon as it is connected, a
 * progress line every few seconds. The result says per device whether everything it had to send was acknowledged.
 */
import { performance } from 'node:perf_hooks';
import { newFleetStats, progressLine, runGateway, type DeviceConnection, type FleetStats, type GatewayResult } from './gateway.js';
import type { Schedule } from './messages.js';

export interface FleetMember {
  readonly connection: DeviceConnection;
  readonly schedule: Schedule;
}

export interface FleetOptions {
  readonly members: readonly FleetMember[];
  readonly speed: number;
  readonly basicIngest?: boolean;
  readonly qos?: 0 | 1;
  /** Connections being opened at once. Default 20. */
  readonly connectConcurrency?: number;
  readonly maxPublishesPerSecond?: number;
  /** Default 5000; 0 prints nothing. */
  readonly progressIntervalMs?: number;
  readonly log?: (line: string) => void;
  readonly onPublish?: (deviceId: string, seq: number, sentAt: number) => void;
  readonly signal?: AbortSignal;
}

export interface FleetResult {
  readonly results: readonly GatewayResult[];
  readonly stats: FleetStats;
  readonly elapsedMs: number;
}

export async function runFleet(options: FleetOptions): Promise<FleetResult> {
  const stats = newFleetStats(options.members.length);
  const log = options.log ?? ((line: string) => console.log(line));
  const startedAt = performance.now();
  let previous: { published: number; at: number } | undefined;
  const interval = options.progressIntervalMs ?? 5000;
  const timer =
    interval > 0
      ? setInterval(() => {
          const now = performance.now();
          log(progressLine(stats, previous, now, startedAt));
          previous = { published: stats.published, at: now };
        }, interval)
      : undefined;

  // A simple gate on connection attempts: a slot is freed once a gateway is connected (or has failed).
  const concurrency = Math.max(1, options.connectConcurrency ?? 20);
  let slots = concurrency;
  const waiting: Array<() => void> = [];
  const acquire = () => (slots > 0 ? (slots--, Promise.resolve()) : new Promise<void>((resolve) => waiting.push(resolve)));
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else slots++;
  };

  try {
    const results = await Promise.all(
      options.members.map(async (member) => {
        await acquire();
        let released = false;
        const free = () => {
          if (!released) (released = true), release();
        };
        try {
          return await runGateway({
            connection: member.connection,
            schedule: member.schedule,
            speed: options.speed,
            basicIngest: options.basicIngest,
            qos: options.qos,
            maxPublishesPerSecond: options.maxPublishesPerSecond,
            stats,
            onConnected: free,
            onPublish: options.onPublish ? (seq, sentAt) => options.onPublish!(member.connection.deviceId, seq, sentAt) : undefined,
            signal: options.signal,
          });
        } finally {
          free();
        }
      }),
    );
    return { results, stats, elapsedMs: performance.now() - startedAt };
  } finally {
    if (timer) clearInterval(timer);
    if (interval > 0) log(progressLine(stats, previous, performance.now(), startedAt));
  }
}
