/**
 * What the stream processor keeps and writes, and the ports it writes through. Adapters: dynamo-store.ts
 * (DynamoDB) and dead-letters.ts (SQS).
 */
import type { AnalyzerState } from '../rehab/analyzer.js';
import type { ExerciseId, Segment } from '../rehab/exercises.js';
import type { RepetitionMetrics, SessionSummary } from '../rehab/metrics.js';
import type { TelemetryErrorReason } from './codec.js';

/** Missing sequence numbers `fromSeq..toSeq` (inclusive): messages the device sent that never arrived. */
export interface SessionGap {
  readonly fromSeq: number;
  readonly toSeq: number;
}

/** Gaps listed per session; beyond this only the counts grow (an item stays far below DynamoDB's 400 KB). */
export const MAX_LISTED_GAPS = 100;

/** A session being recorded, as the per-device state carries it from one batch to the next. */
export interface OpenSession {
  readonly sessionId: string;
  readonly patientId: string;
  readonly exercise: ExerciseId;
  readonly sampleRateHz: number;
  readonly placements: Segment[];
  readonly targetRomDeg: number;
  /** Epoch ms, device clock: the session-start message, or the first samples when the start never arrived. */
  readonly startedAt: number;
  readonly startReceived: boolean;
  readonly firstSeq: number;
  lastSeq: number;
  messageCount: number;
  /** Epoch ms, device clock, of the end of the latest samples. */
  lastMessageAt: number;
  /** Repetitions already written as REP# items. */
  repetitionsWritten: number;
  gaps: SessionGap[];
  gapCount: number;
  missingMessages: number;
  analyzer: AnalyzerState;
}

/** The stream processor's state of one device (item `DEVICE#<id>` / `STATE`). */
export interface DeviceState {
  readonly deviceId: string;
  /** Optimistic-concurrency version: each commit writes version + 1 on condition that the stored one is unchanged. */
  readonly version: number;
  /** Highest sequence number applied; anything at or below it is a duplicate. */
  readonly lastSeq?: number;
  readonly gapCount: number;
  readonly missingMessages: number;
  readonly session?: OpenSession;
}

export type RehabSessionStatus = 'active' | 'completed' | 'interrupted';

/** A rehab session as stored (`RSESS#<id>` / `SUMMARY`) and served by the query API. Times are RFC 3339 UTC. */
export interface RehabSession {
  readonly sessionId: string;
  readonly patientId: string;
  readonly deviceId: string;
  readonly exercise: ExerciseId;
  readonly sampleRateHz: number;
  readonly placements: Segment[];
  readonly targetRomDeg: number;
  /** active: still recording; completed: its end arrived; interrupted: another session started (or samples of one) before its end. */
  readonly status: RehabSessionStatus;
  readonly startedAt: string;
  readonly endedAt?: string;
  readonly lastMessageAt: string;
  readonly startReceived: boolean;
  readonly endReceived: boolean;
  readonly firstSeq: number;
  /** The latest message applied: a summary write never replaces one with a higher lastSeq. */
  readonly lastSeq: number;
  readonly messageCount: number;
  /** Samples per sensor the device says it sent (session-end); compare with summary.sampleCount. */
  readonly reportedTotalSamples?: number;
  readonly gaps: SessionGap[];
  readonly gapCount: number;
  readonly missingMessages: number;
  /** result() while active (completed repetitions), finish() once closed. */
  readonly summary: SessionSummary;
}

export interface RehabSessionDetail {
  readonly session: RehabSession;
  readonly repetitions: RepetitionMetrics[];
}

/** Everything one device's records of one batch produce, committed together by `TelemetryStore.commit`. */
export interface DeviceChanges {
  readonly deviceId: string;
  /** The version the state was read at; undefined when the device had no state. */
  readonly expectedVersion: number | undefined;
  readonly state: DeviceState;
  readonly raw: ReadonlyArray<{ readonly sessionId: string; readonly seq: number; readonly data: Uint8Array }>;
  readonly repetitions: ReadonlyArray<{ readonly sessionId: string; readonly repetition: RepetitionMetrics }>;
  readonly sessions: readonly RehabSession[];
}

/** Port: per-device state and the session items. */
export interface TelemetryStore {
  /**
   * The device's committed state. `firstSeq` (the lowest seq of the device's messages in the batch) lets an adapter
   * use a state it committed itself earlier instead of reading it, when the batch continues that state.
   */
  loadDeviceState(deviceId: string, hint?: { readonly firstSeq?: number }): Promise<DeviceState | undefined>;
  /**
   * Writes the items (idempotent: the same records always produce the same items), then the state on condition
   * that its version is still `expectedVersion`. 'conflict' when another invocation committed first: the caller
   * reloads and reapplies (what that invocation applied is then dropped as duplicates).
   */
  commit(changes: DeviceChanges): Promise<'committed' | 'conflict'>;
  /**
   * Binds a session id to the device that first used it (session ids are chosen by devices), so no device can write
   * into another device's (another patient's) session. False when the session belongs to another device.
   */
  claimSession(sessionId: string, deviceId: string): Promise<boolean>;
}

export type RejectReason =
  | TelemetryErrorReason
  /** Not registered, or not active. */
  | 'unknown-device'
  /** The payload names another device than the topic it was published on. */
  | 'device-mismatch'
  /** Not in the exercise catalogue (lambdas/rehab/exercises.ts). */
  | 'unknown-exercise'
  /** Placements that are not segments, or that the exercise cannot use. */
  | 'invalid-session'
  /** Samples at another rate or from other placements than the session they claim to belong to. */
  | 'session-mismatch'
  /** A session id that another device already uses. */
  | 'foreign-session';

/** A record the processor will not process, as the dead-letter queue receives it. No decoded sample values. */
export interface DeadLetter {
  readonly source: 'telemetry-processor';
  readonly reason: RejectReason;
  /** When the payload decoded far enough to name it. */
  readonly deviceId?: string;
  readonly partitionKey: string;
  readonly sequenceNumber: string;
  readonly shardId: string;
  /** RFC 3339. */
  readonly approximateArrivalTimestamp: string;
  readonly eventSourceARN: string;
  readonly payloadBase64: string;
}

/** Port: where rejected records go. */
export interface DeadLetterQueue {
  send(letters: readonly DeadLetter[]): Promise<void>;
}
