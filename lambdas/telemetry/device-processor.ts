/**
 * One device's records of one batch, applied in sequence order to its state: pure domain code, no I/O.
 *
 * - Duplicates (seq at or below the last applied) are dropped, so a replayed batch changes nothing.
 * - A jump in seq is a gap: recorded (device counters, and the session it fell in) and never filled in.
 * - session-start opens a session; samples go to the open session's analyzer; session-end closes it. Samples of
 *   a session whose start never arrived open it (start marked missing). A new session closes an open one as
 *   interrupted. Every accepted message is kept as raw so the session can be recomputed.
 * - The idle sweeper (session-sweeper.ts) closes an open session as interrupted through `interruptIdle`, like a new
 *   session would: a later message of it is then refused (session-mismatch), never reopening it.
 * - Semantically invalid messages are rejected with a reason (the caller dead-letters them); their seq still
 *   counts as applied, so a replay does not reject them again.
 */
import { createSessionAnalyzer, type SessionAnalyzer } from '../rehab/analyzer.js';
import { EXERCISES, isExerciseId, isSegment, type Segment } from '../rehab/exercises.js';
import type { RepetitionMetrics, SessionSummary } from '../rehab/metrics.js';
import type { SamplesMessage, SessionEndMessage, SessionStartMessage, TelemetryMessage } from './codec.js';
import type { DeviceRecord } from './devices.js';
import {
  MAX_LISTED_GAPS,
  type DeviceChanges,
  type DeviceState,
  type OpenSession,
  type RehabSession,
  type RehabSessionStatus,
  type RejectReason,
  type SessionGap,
} from './model.js';

export type RecordOutcome =
  | { readonly kind: 'applied'; readonly samples: number }
  | { readonly kind: 'duplicate' }
  /** A session-end of a session this device never started here (its start and samples were lost): nothing to close. */
  | { readonly kind: 'ignored' }
  | { readonly kind: 'rejected'; readonly reason: RejectReason };

/** Sessions closed recently, per device: a late message of one is refused rather than reopening it. */
const REMEMBERED_CLOSED_SESSIONS = 16;

interface DeviceStateWithHistory extends DeviceState {
  readonly closedSessions?: readonly string[];
}

const iso = (epochMs: number) => new Date(epochMs).toISOString();
const applied = (samples: number): RecordOutcome => ({ kind: 'applied', samples });
const rejected = (reason: RejectReason): RecordOutcome => ({ kind: 'rejected', reason });

export class DeviceProcessor {
  private readonly expectedVersion: number | undefined;
  private lastSeq: number | undefined;
  private gapCount: number;
  private missingMessages: number;
  private closedSessions: string[];
  private session: OpenSession | undefined;
  /** Live analyzer of `session`, created on first use and kept for the whole batch. */
  private analyzer: SessionAnalyzer | undefined;
  private sessionTouched = false;
  private dirty = false;
  private readonly raw: { sessionId: string; seq: number; data: Uint8Array }[] = [];
  private readonly repetitions: { sessionId: string; repetition: RepetitionMetrics }[] = [];
  private readonly sessions = new Map<string, RehabSession>();
  /** For metrics. */
  gapsFound = 0;
  missingFound = 0;

  /** Takes ownership of `state` (its open session is updated in place). */
  constructor(
    private readonly device: Pick<DeviceRecord, 'deviceId' | 'patientId'>,
    state: DeviceState | undefined,
  ) {
    const previous = state as DeviceStateWithHistory | undefined;
    this.expectedVersion = previous?.version;
    this.lastSeq = previous?.lastSeq;
    this.gapCount = previous?.gapCount ?? 0;
    this.missingMessages = previous?.missingMessages ?? 0;
    this.closedSessions = [...(previous?.closedSessions ?? [])];
    // Taken over, not copied: the store hands out a fresh object per load, and a conflict reloads.
    this.session = previous?.session;
  }

  /** Whether applying `message` would write into a session other than the open one: a new, new-to-this-device one. */
  entersNewSession(message: TelemetryMessage): boolean {
    if (this.lastSeq !== undefined && message.seq <= this.lastSeq) return false;
    return this.session?.sessionId !== message.sessionId;
  }

  apply(message: TelemetryMessage, data: Uint8Array): RecordOutcome {
    // The topic (partition key) is authenticated by the broker; a payload naming another device is not this device's data.
    if (message.deviceId !== this.device.deviceId) return rejected('device-mismatch');
    const seq = message.seq;
    if (this.lastSeq !== undefined && seq <= this.lastSeq) return { kind: 'duplicate' };
    let gap: SessionGap | undefined;
    if (this.lastSeq !== undefined && seq > this.lastSeq + 1) {
      gap = { fromSeq: this.lastSeq + 1, toSeq: seq - 1 };
      const missing = gap.toSeq - gap.fromSeq + 1;
      this.gapCount += 1;
      this.missingMessages += missing;
      this.gapsFound += 1;
      this.missingFound += missing;
    }
    this.lastSeq = seq;
    this.dirty = true;

    const open = this.session;
    const continues = open !== undefined && open.sessionId === message.sessionId;
    // The missing messages belong to the open session when this one continues it or starts the next (its tail
    // was lost); otherwise to the session this message opens (its start was lost).
    if (gap && open && (continues || message.kind === 'session-start')) {
      addGap(open, gap);
      this.sessionTouched = true;
    }
    const gapForNewSession = gap && !(open && (continues || message.kind === 'session-start')) ? gap : undefined;

    if (!continues && this.closedSessions.includes(message.sessionId)) return rejected('session-mismatch');
    switch (message.kind) {
      case 'session-start':
        return this.start(message, open, continues, seq, data);
      case 'samples':
        return this.samples(message, open, continues, seq, data, gapForNewSession);
      case 'session-end':
        return this.end(message, open, continues, seq, data);
    }
  }

  /**
   * Closes the open session as interrupted (its gateway went silent), if it is `sessionId` and its last applied
   * message is still `lastSeq`; false otherwise (nothing changes). The device's lastSeq is untouched.
   */
  interruptIdle(sessionId: string, lastSeq: number): boolean {
    const open = this.session;
    if (!open || open.sessionId !== sessionId || open.lastSeq !== lastSeq) return false;
    this.close(open, 'interrupted');
    this.dirty = true;
    return true;
  }

  /** The writes this batch produced, or undefined when it changed nothing (all duplicates). Call once, at the end. */
  changes(): DeviceChanges | undefined {
    if (!this.dirty) return undefined;
    const session = this.session;
    if (session && this.sessionTouched) {
      const analyzer = this.analyzerOf(session);
      const metrics = analyzer.result();
      this.recordRepetitions(session, metrics.repetitions);
      this.sessions.set(session.sessionId, this.summaryOf(session, 'active', metrics.summary));
      session.analyzer = analyzer.state();
    }
    const state: DeviceStateWithHistory = {
      deviceId: this.device.deviceId,
      version: (this.expectedVersion ?? 0) + 1,
      ...(this.lastSeq !== undefined ? { lastSeq: this.lastSeq } : {}),
      gapCount: this.gapCount,
      missingMessages: this.missingMessages,
      ...(session ? { session } : {}),
      closedSessions: this.closedSessions,
    };
    return {
      deviceId: this.device.deviceId,
      expectedVersion: this.expectedVersion,
      state,
      raw: this.raw,
      repetitions: this.repetitions,
      sessions: [...this.sessions.values()],
    };
  }

  private start(message: SessionStartMessage, open: OpenSession | undefined, continues: boolean, seq: number, data: Uint8Array): RecordOutcome {
    // A second start of the session being recorded: firmware confusion, not data.
    if (continues) return rejected('session-mismatch');
    if (open) this.close(open, 'interrupted');
    const session = this.open(message, message.startedAt, true, seq);
    if (typeof session === 'string') return rejected(session);
    this.accept(session, seq, data, message.startedAt);
    return applied(0);
  }

  private samples(
    message: SamplesMessage,
    open: OpenSession | undefined,
    continues: boolean,
    seq: number,
    data: Uint8Array,
    gap: SessionGap | undefined,
  ): RecordOutcome {
    let session = continues ? open : undefined;
    if (!session) {
      if (open) this.close(open, 'interrupted');
      const opened = this.open(message, message.firstSampleTime, false, seq);
      if (typeof opened === 'string') return rejected(opened);
      session = opened;
      if (gap) addGap(session, gap);
    }
    if (message.sampleRateHz !== session.sampleRateHz || !samePlacements(message.placements, session.placements)) {
      return rejected('session-mismatch');
    }
    this.analyzerOf(session).push(message.samples as Float32Array[]);
    this.accept(session, seq, data, message.firstSampleTime + Math.round((message.sampleCount * 1000) / message.sampleRateHz));
    return applied(message.sampleCount);
  }

  private end(message: SessionEndMessage, open: OpenSession | undefined, continues: boolean, seq: number, data: Uint8Array): RecordOutcome {
    if (!continues || !open) {
      // The device has moved on: whatever was open will not get its end.
      if (open) this.close(open, 'interrupted');
      return { kind: 'ignored' };
    }
    this.accept(open, seq, data, message.endedAt);
    this.close(open, 'completed', { endedAt: message.endedAt, reportedTotalSamples: message.totalSamples });
    return applied(0);
  }

  private open(message: SessionStartMessage | SamplesMessage, startedAt: number, startReceived: boolean, seq: number): OpenSession | RejectReason {
    const exercise = message.exerciseId;
    if (!isExerciseId(exercise)) return 'unknown-exercise';
    if (!message.placements.every(isSegment)) return 'invalid-session';
    const placements = [...message.placements] as Segment[];
    let analyzer: SessionAnalyzer;
    try {
      analyzer = createSessionAnalyzer({ exercise, sampleRateHz: message.sampleRateHz, placements });
    } catch (error) {
      if (error instanceof RangeError) return 'invalid-session';
      throw error;
    }
    const session: OpenSession = {
      sessionId: message.sessionId,
      patientId: this.device.patientId,
      exercise,
      sampleRateHz: message.sampleRateHz,
      placements,
      targetRomDeg: EXERCISES[exercise].defaultTargetRomDeg,
      startedAt,
      startReceived,
      firstSeq: seq,
      lastSeq: seq,
      messageCount: 0,
      lastMessageAt: startedAt,
      repetitionsWritten: 0,
      gaps: [],
      gapCount: 0,
      missingMessages: 0,
      analyzer: analyzer.state(),
    };
    this.session = session;
    this.analyzer = analyzer;
    this.sessionTouched = true;
    return session;
  }

  private accept(session: OpenSession, seq: number, data: Uint8Array, at: number): void {
    session.messageCount += 1;
    session.lastSeq = seq;
    session.lastMessageAt = Math.max(session.lastMessageAt, at);
    this.raw.push({ sessionId: session.sessionId, seq, data });
    this.sessionTouched = true;
  }

  private close(session: OpenSession, status: Exclude<RehabSessionStatus, 'active'>, end: { endedAt?: number; reportedTotalSamples?: number } = {}): void {
    const metrics = this.analyzerOf(session).finish();
    this.recordRepetitions(session, metrics.repetitions);
    this.sessions.set(session.sessionId, this.summaryOf(session, status, metrics.summary, end));
    this.closedSessions = [...this.closedSessions.filter((id) => id !== session.sessionId), session.sessionId].slice(-REMEMBERED_CLOSED_SESSIONS);
    this.session = undefined;
    this.analyzer = undefined;
    this.sessionTouched = false;
  }

  private analyzerOf(session: OpenSession): SessionAnalyzer {
    this.analyzer ??= createSessionAnalyzer(
      { exercise: session.exercise, sampleRateHz: session.sampleRateHz, placements: session.placements },
      session.analyzer,
    );
    return this.analyzer;
  }

  private recordRepetitions(session: OpenSession, repetitions: readonly RepetitionMetrics[]): void {
    for (let index = session.repetitionsWritten; index < repetitions.length; index += 1) {
      this.repetitions.push({ sessionId: session.sessionId, repetition: repetitions[index]! });
    }
    session.repetitionsWritten = Math.max(session.repetitionsWritten, repetitions.length);
  }

  private summaryOf(
    session: OpenSession,
    status: RehabSessionStatus,
    summary: SessionSummary,
    end: { endedAt?: number; reportedTotalSamples?: number } = {},
  ): RehabSession {
    const endedAt = status === 'completed' ? end.endedAt : status === 'interrupted' ? session.lastMessageAt : undefined;
    return {
      sessionId: session.sessionId,
      patientId: session.patientId,
      deviceId: this.device.deviceId,
      exercise: session.exercise,
      sampleRateHz: session.sampleRateHz,
      placements: [...session.placements],
      targetRomDeg: session.targetRomDeg,
      status,
      startedAt: iso(session.startedAt),
      ...(endedAt !== undefined ? { endedAt: iso(endedAt) } : {}),
      lastMessageAt: iso(session.lastMessageAt),
      startReceived: session.startReceived,
      endReceived: status === 'completed',
      firstSeq: session.firstSeq,
      lastSeq: session.lastSeq,
      messageCount: session.messageCount,
      ...(end.reportedTotalSamples !== undefined ? { reportedTotalSamples: end.reportedTotalSamples } : {}),
      gaps: session.gaps.map((gap) => ({ ...gap })),
      gapCount: session.gapCount,
      missingMessages: session.missingMessages,
      summary,
    };
  }
}

function addGap(session: OpenSession, gap: SessionGap): void {
  session.gapCount += 1;
  session.missingMessages += gap.toSeq - gap.fromSeq + 1;
  if (session.gaps.length < MAX_LISTED_GAPS) session.gaps.push(gap);
}

function samePlacements(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((placement, index) => placement === b[index]);
}
