import { describe, expect, it } from 'vitest';
import { newId } from '../../../lambdas/shared/ids.js';
import { decodeTelemetry, encodeTelemetry, IOT_METERING_STEP_BYTES, type SamplesMessage } from '../../../lambdas/telemetry/codec.js';
import { scheduleProgramme } from '../../../device-firmware-sim/messages.js';
import { buildProgramme } from '../../../device-firmware-sim/programme.js';

const sessions = buildProgramme({ exercises: ['elbow-flexion', 'shoulder-abduction'], noise: 'low', seed: 3, sets: 1, repsPerSet: 2, initialRestS: 3, finalRestS: 1.55 });
const deviceId = newId('dev');
const startTime = Date.UTC(2026, 10, 23, 2, 0, 0);

describe('message schedule', () => {
  const schedule = scheduleProgramme(sessions, { deviceId, startTime, firstSeq: 41, restBetweenSessionsS: 10 });

  it('numbers every message of the gateway by one more than the last, across sessions', () => {
    const seqs = schedule.messages.map(({ message }) => message.seq);
    expect(seqs[0]).toBe(41);
    seqs.forEach((seq, index) => index > 0 && expect(seq).toBe(seqs[index - 1]! + 1));
    expect(schedule.nextSeq).toBe(seqs.at(-1)! + 1);
    // A later programme continues the numbering.
    const next = scheduleProgramme(sessions.slice(0, 1), { deviceId, startTime, firstSeq: schedule.nextSeq });
    expect(next.messages[0]!.message.seq).toBe(schedule.nextSeq);
  });

  it('opens each session with a start marker and closes it with an end marker naming its last message and samples', () => {
    expect(schedule.sessionIds).toHaveLength(2);
    schedule.sessionIds.forEach((sessionId, position) => {
      const own = schedule.messages.map(({ message }) => message).filter((message) => message.sessionId === sessionId);
      expect(own[0]!.kind).toBe('session-start');
      expect(own.at(-1)!.kind).toBe('session-end');
      expect(own.slice(1, -1).every((message) => message.kind === 'samples')).toBe(true);
      const samples = own.slice(1, -1) as SamplesMessage[];
      const end = own.at(-1)!;
      if (end.kind !== 'session-end') throw new Error('no end');
      expect(end.totalSamples).toBe(samples.reduce((sum, message) => sum + message.sampleCount, 0));
      expect(end.totalSamples).toBe(sessions[position]!.samples[0]!.length / 6);
      expect(end.lastSeq).toBe(samples.at(-1)!.seq);
      // One second per message, the last one shorter.
      expect(samples.slice(0, -1).every((message) => message.sampleCount === 100)).toBe(true);
      expect(samples.at(-1)!.sampleCount).toBeLessThanOrEqual(100);
      samples.forEach((message, index) => expect(message.firstSampleTime).toBe(own[0]!.kind === 'session-start' ? (own[0] as { startedAt: number }).startedAt + index * 1000 : NaN));
    });
  });

  it('sends in real time: each samples message once its last sample was taken, sessions apart by the rest', () => {
    const times = schedule.messages.map(({ atMs }) => atMs);
    times.forEach((time, index) => index > 0 && expect(time).toBeGreaterThanOrEqual(times[index - 1]!));
    const firstSamples = schedule.messages.find(({ message }) => message.kind === 'samples')!;
    expect(firstSamples.atMs).toBe(1000);
    const secondStart = schedule.messages.filter(({ message }) => message.kind === 'session-start')[1]!;
    const firstEnd = schedule.messages.find(({ message }) => message.kind === 'session-end')!;
    expect(secondStart.atMs - firstEnd.atMs).toBe(10_000);
    expect(schedule.durationMs).toBe(schedule.messages.at(-1)!.atMs);
  });

  it('encodes every message with the codec: decodable, samples intact, one IoT metering step per 1 s message', () => {
    for (const { message } of schedule.messages) {
      const bytes = encodeTelemetry(message);
      const decoded = decodeTelemetry(bytes);
      expect(decoded.kind).toBe(message.kind);
      expect(decoded.seq).toBe(message.seq);
      if (message.kind === 'samples' && decoded.kind === 'samples') {
        expect(bytes.length).toBeLessThanOrEqual(IOT_METERING_STEP_BYTES);
        for (let i = 0; i < message.samples[0]!.length; i++) expect(Math.abs(decoded.samples[0]![i]! - message.samples[0]![i]!)).toBeLessThan(1.1e-3);
      }
    }
  });

  it('packs more seconds per message when asked (cost) and refuses a bad first seq', () => {
    const twoSeconds = scheduleProgramme(sessions.slice(0, 1), { deviceId, startTime, messageSeconds: 2 });
    const samples = twoSeconds.messages.filter(({ message }) => message.kind === 'samples').map(({ message }) => message as SamplesMessage);
    expect(samples[0]!.sampleCount).toBe(200);
    expect(() => scheduleProgramme(sessions, { deviceId, startTime, firstSeq: -1 })).toThrow(RangeError);
  });
});
