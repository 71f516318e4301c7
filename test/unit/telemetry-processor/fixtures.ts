/**
 * Test fixtures of the telemetry processor: simulated sessions as a device sends them (start, 1 s sample
 * messages, end), Kinesis events in Lambda's shape, and in-memory ports (unit tests only).
 */
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { generateSession, type GenerateSessionOptions, type SimulatedSession } from '../../../device-firmware-sim/physics/index.js';
import type { ExerciseId } from '../../../lambdas/rehab/exercises.js';
import { newId } from '../../../lambdas/shared/ids.js';
import { encodeTelemetry, type TelemetryMessage } from '../../../lambdas/telemetry/codec.js';
import type { DeviceDirectory, DeviceRecord } from '../../../lambdas/telemetry/devices.js';
import type { DeadLetter, DeadLetterQueue, DeviceChanges, DeviceState, RehabSession, TelemetryStore } from '../../../lambdas/telemetry/model.js';
import type { RepetitionMetrics } from '../../../lambdas/rehab/metrics.js';

export const T0 = Date.UTC(2026, 10, 23, 2, 0, 0);

export interface DeviceSession {
  readonly deviceId: string;
  readonly sessionId: string;
  readonly simulated: SimulatedSession;
  readonly messages: TelemetryMessage[];
  readonly payloads: Uint8Array[];
  /** Seq of the last message (the end). */
  readonly lastSeq: number;
}

export interface DeviceSessionOptions extends Partial<Omit<GenerateSessionOptions, 'exercise'>> {
  readonly deviceId: string;
  readonly exercise?: ExerciseId;
  readonly sessionId?: string;
  readonly firstSeq?: number;
  readonly startedAt?: number;
  /** Samples per message, per sensor; default one second. */
  readonly samplesPerMessage?: number;
}

/** A simulated session as the firmware sends it: session-start, samples in 1 s messages, session-end. */
export function deviceSession(options: DeviceSessionOptions): DeviceSession {
  const exercise = options.exercise ?? 'elbow-flexion';
  const simulated = generateSession({ noise: 'low', seed: 1, sets: 2, repsPerSet: 4, pauseBetweenSetsS: [4, 6], ...options, exercise });
  const sessionId = options.sessionId ?? newId('rsess', options.startedAt ?? T0);
  const startedAt = options.startedAt ?? T0;
  const rate = simulated.sampleRateHz;
  const perMessage = options.samplesPerMessage ?? rate;
  const total = simulated.samples[0]!.length / 6;
  const base = { deviceId: options.deviceId, sessionId, exerciseId: exercise };
  let seq = options.firstSeq ?? 1;
  const messages: TelemetryMessage[] = [{ ...base, kind: 'session-start', seq: seq++, startedAt, sampleRateHz: rate, placements: simulated.placements }];
  for (let first = 0; first < total; first += perMessage) {
    const count = Math.min(perMessage, total - first);
    messages.push({
      ...base,
      kind: 'samples',
      seq: seq++,
      sampleRateHz: rate,
      firstSampleTime: startedAt + 100 + Math.round((first * 1000) / rate),
      placements: simulated.placements,
      sampleCount: count,
      samples: simulated.samples.map((sensor) => sensor.slice(first * 6, (first + count) * 6)),
    });
  }
  const lastSeq = seq;
  messages.push({ ...base, kind: 'session-end', seq, endedAt: startedAt + 200 + Math.round((total * 1000) / rate), totalSamples: total, lastSeq: seq - 1 });
  return { deviceId: options.deviceId, sessionId, simulated, messages, payloads: messages.map(encodeTelemetry), lastSeq };
}

export interface RecordInput {
  readonly partitionKey: string;
  readonly data: Uint8Array;
}

let sequenceCounter = 0n;
/** Kinesis-like sequence numbers: 56 digits, increasing. */
export function nextSequenceNumber(): string {
  sequenceCounter += 1n;
  return `4959${String(sequenceCounter).padStart(52, '0')}`;
}

export const STREAM_ARN = 'arn:aws:kinesis:us-east-1:000000000000:stream/telehealth-test-telemetry';

export function kinesisRecord(input: RecordInput, sequenceNumber = nextSequenceNumber(), shardId = 'shardId-000000000000'): KinesisStreamRecord {
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: input.partitionKey,
      sequenceNumber,
      data: Buffer.from(input.data).toString('base64'),
      approximateArrivalTimestamp: T0 / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${shardId}:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::000000000000:role/telemetry-processor',
    awsRegion: 'us-east-1',
    eventSourceARN: STREAM_ARN,
  };
}

export function kinesisEvent(records: readonly KinesisStreamRecord[]): KinesisStreamEvent {
  return { Records: [...records] };
}

export const recordsOf = (session: DeviceSession): KinesisStreamRecord[] =>
  session.payloads.map((data) => kinesisRecord({ partitionKey: session.deviceId, data }));

/** Interleaves several devices' records the way a shard carries them: one message of each in turn. */
export function interleave(...lists: KinesisStreamRecord[][]): KinesisStreamRecord[] {
  const out: KinesisStreamRecord[] = [];
  for (let index = 0; lists.some((list) => index < list.length); index += 1) {
    for (const list of lists) if (index < list.length) out.push(list[index]!);
  }
  return out;
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += size) out.push(items.slice(start, start + size));
  return out;
}

export function device(overrides: Partial<DeviceRecord> = {}): DeviceRecord {
  return {
    deviceId: newId('dev'),
    patientId: newId('pat'),
    placements: ['right-upper-arm', 'right-forearm'],
    status: 'active',
    certificateId: 'a'.repeat(64),
    ...overrides,
  };
}

// ---------------------------------------------------------------------------------------------
// In-memory ports: unit tests only. They keep what the DynamoDB adapter keeps, through JSON like it.

export class MemoryDevices implements DeviceDirectory {
  readonly devices = new Map<string, DeviceRecord>();
  constructor(...devices: DeviceRecord[]) {
    for (const d of devices) this.devices.set(d.deviceId, d);
  }
  async get(deviceId: string) {
    return this.devices.get(deviceId);
  }
}

export class MemoryDeadLetters implements DeadLetterQueue {
  readonly letters: DeadLetter[] = [];
  async send(letters: readonly DeadLetter[]) {
    this.letters.push(...letters);
  }
}

export class MemoryTelemetryStore implements TelemetryStore {
  readonly states = new Map<string, string>();
  readonly sessions = new Map<string, RehabSession>();
  readonly repetitions = new Map<string, Map<number, RepetitionMetrics>>();
  readonly raw = new Map<string, Map<number, Uint8Array>>();
  commits = 0;
  /** Called before each commit: throw to fail it, return 'conflict' to report one. */
  beforeCommit?: (changes: DeviceChanges) => void | 'conflict' | Promise<void | 'conflict'>;

  async loadDeviceState(deviceId: string): Promise<DeviceState | undefined> {
    const json = this.states.get(deviceId);
    return json === undefined ? undefined : (JSON.parse(json) as DeviceState);
  }

  /** Unit-test double of the session claim: first device to use a session id owns it. */
  readonly owners = new Map<string, string>();
  async claimSession(sessionId: string, deviceId: string): Promise<boolean> {
    const owner = this.owners.get(sessionId) ?? deviceId;
    this.owners.set(sessionId, owner);
    return owner === deviceId;
  }

  async commit(changes: DeviceChanges): Promise<'committed' | 'conflict'> {
    if ((await this.beforeCommit?.(changes)) === 'conflict') return 'conflict';
    for (const { sessionId, seq, data } of changes.raw) {
      if (!this.raw.has(sessionId)) this.raw.set(sessionId, new Map());
      this.raw.get(sessionId)!.set(seq, new Uint8Array(data));
    }
    for (const { sessionId, repetition } of changes.repetitions) {
      if (!this.repetitions.has(sessionId)) this.repetitions.set(sessionId, new Map());
      this.repetitions.get(sessionId)!.set(repetition.index, JSON.parse(JSON.stringify(repetition)) as RepetitionMetrics);
    }
    for (const session of changes.sessions) {
      const existing = this.sessions.get(session.sessionId);
      if (!existing || existing.lastSeq <= session.lastSeq) this.sessions.set(session.sessionId, JSON.parse(JSON.stringify(session)) as RehabSession);
    }
    const current = this.states.has(changes.deviceId) ? (JSON.parse(this.states.get(changes.deviceId)!) as DeviceState).version : undefined;
    if (current !== changes.expectedVersion) return 'conflict';
    this.states.set(changes.deviceId, JSON.stringify(changes.state));
    this.commits += 1;
    return 'committed';
  }

  /** What a reader sees: sessions and repetitions, for comparing runs. */
  snapshot() {
    return {
      sessions: [...this.sessions.values()].sort((a, b) => a.sessionId.localeCompare(b.sessionId)),
      repetitions: Object.fromEntries([...this.repetitions].map(([id, reps]) => [id, [...reps.values()].sort((a, b) => a.index - b.index)])),
      raw: Object.fromEntries([...this.raw].map(([id, raw]) => [id, [...raw.keys()].sort((a, b) => a - b)])),
    };
  }

  rawPayloads(sessionId: string): Uint8Array[] {
    return [...(this.raw.get(sessionId) ?? new Map<number, Uint8Array>())].sort(([a], [b]) => a - b).map(([, data]) => data);
  }
}
