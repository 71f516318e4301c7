/**
 * What a gateway sends for its programme, and when: per session a session-start, one samples message per second of
 * data (the last one shorter), and a session-end, with the per-device sequence number increasing by one for every
 * message across sessions (docs/telemetry-format.md, "Ordering and sequence numbers"). Pure: the schedule is data;
 * the gateway (gateway.ts) encodes and publishes it.
 */
import { newId } from '../lambdas/shared/ids.js';
import type { SamplesMessage, SessionEndMessage, SessionStartMessage, TelemetryMessage } from '../lambdas/telemetry/codec.js';
import { MAX_SAMPLES_PER_MESSAGE } from '../lambdas/telemetry/codec.js';
import type { ProgrammedSession } from './programme.js';

export interface ScheduledMessage {
  /** When to send, in simulated milliseconds from the start of the programme. */
  readonly atMs: number;
  readonly message: TelemetryMessage;
}

export interface ScheduleOptions {
  readonly deviceId: string;
  /** Sequence number of the first message (a gateway resumes after the last one it used). Default 1. */
  readonly firstSeq?: number;
  /** Device clock at the start of the programme, epoch ms. */
  readonly startTime: number;
  /** Seconds of samples per message (1 s: latency; 2 s: cost). Default 1. */
  readonly messageSeconds?: number;
  /** Rest between two sessions of the programme, seconds. Default 5. */
  readonly restBetweenSessionsS?: number;
  /** Session ids; default fresh `rsess_` ids. */
  readonly sessionIds?: readonly string[];
}

export interface Schedule {
  readonly messages: readonly ScheduledMessage[];
  readonly sessionIds: readonly string[];
  /** The seq the gateway uses next. */
  readonly nextSeq: number;
  /** Simulated duration of the whole programme, ms. */
  readonly durationMs: number;
}

/**
 * Splits each session into messages. A samples message is sent once its last sample was taken (the gateway buffers
 * a second of data), the start marker when the session starts, the end marker right after the last samples.
 */
export function scheduleProgramme(sessions: readonly ProgrammedSession[], options: ScheduleOptions): Schedule {
  const messageSeconds = options.messageSeconds ?? 1;
  if (!(messageSeconds > 0)) throw new RangeError('messageSeconds must be positive');
  const restMs = (options.restBetweenSessionsS ?? 5) * 1000;
  let seq = options.firstSeq ?? 1;
  if (!Number.isInteger(seq) || seq < 0 || seq > 0xffffffff) throw new RangeError('firstSeq must be a uint32');
  const messages: ScheduledMessage[] = [];
  const sessionIds: string[] = [];
  let offsetMs = 0;

  sessions.forEach((session, index) => {
    const sessionId = options.sessionIds?.[index] ?? newId('rsess', options.startTime + offsetMs);
    sessionIds.push(sessionId);
    const sessionStart = options.startTime + Math.round(offsetMs);
    const common = { deviceId: options.deviceId, sessionId, exerciseId: session.exercise };
    const start: SessionStartMessage = {
      kind: 'session-start',
      ...common,
      seq: seq++,
      startedAt: sessionStart,
      sampleRateHz: session.sampleRateHz,
      placements: session.placements,
    };
    messages.push({ atMs: offsetMs, message: start });

    const totalSamples = session.samples[0]!.length / 6;
    const perMessage = Math.min(MAX_SAMPLES_PER_MESSAGE, Math.max(1, Math.round(messageSeconds * session.sampleRateHz)));
    let lastSeq = start.seq;
    for (let first = 0; first < totalSamples; first += perMessage) {
      const count = Math.min(perMessage, totalSamples - first);
      const samples: SamplesMessage = {
        kind: 'samples',
        ...common,
        seq: seq++,
        sampleRateHz: session.sampleRateHz,
        firstSampleTime: sessionStart + Math.round((first * 1000) / session.sampleRateHz),
        placements: session.placements,
        sampleCount: count,
        // Views into the session's arrays: nothing is copied until the codec encodes.
        samples: session.samples.map((sensor) => sensor.subarray(first * 6, (first + count) * 6)),
      };
      lastSeq = samples.seq;
      messages.push({ atMs: offsetMs + ((first + count) * 1000) / session.sampleRateHz, message: samples });
    }
    const endOffset = offsetMs + (totalSamples * 1000) / session.sampleRateHz;
    const end: SessionEndMessage = {
      kind: 'session-end',
      ...common,
      seq: seq++,
      endedAt: options.startTime + Math.round(endOffset),
      totalSamples,
      lastSeq,
    };
    messages.push({ atMs: endOffset, message: end });
    offsetMs = endOffset + (index < sessions.length - 1 ? restMs : 0);
  });
  return { messages, sessionIds, nextSeq: seq, durationMs: offsetMs };
}
