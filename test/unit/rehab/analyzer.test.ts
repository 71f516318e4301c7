import { describe, expect, it } from 'vitest';
import { generateSession, type SimulatedSession } from '../../../device-firmware-sim/physics/index.js';
import { createSessionAnalyzer, type AnalyzerConfig, type SessionAnalyzer } from '../../../lambdas/rehab/analyzer.js';
import { EXERCISES, type ExerciseId } from '../../../lambdas/rehab/exercises.js';

function configFor(session: SimulatedSession, exercise: ExerciseId): AnalyzerConfig {
  return { exercise, sampleRateHz: session.sampleRateHz, placements: session.placements };
}

function chunk(samples: Float32Array[], from: number, to: number): Float32Array[] {
  return samples.map((values) => values.subarray(from * 6, to * 6));
}

function sampleCount(session: SimulatedSession): number {
  return session.samples[0]!.length / 6;
}

/** Pushes the session in chunks of `size` samples. */
function pushInChunks(analyzer: SessionAnalyzer, session: SimulatedSession, size: number): void {
  const total = sampleCount(session);
  for (let from = 0; from < total; from += size) analyzer.push(chunk(session.samples, from, Math.min(total, from + size)));
}

describe('session analyzer on simulated sessions', () => {
  it.each(Object.keys(EXERCISES) as ExerciseId[])('%s, clean: exact count, range of motion within 2°, sets and flags right', (exercise) => {
    const session = generateSession({ exercise, noise: 'clean', seed: 21, sets: 2, repsPerSet: 4, tempo: ['normal', 'fast'], partialRepProbability: 0.3 });
    const analyzer = createSessionAnalyzer(configFor(session, exercise));
    analyzer.push(session.samples);
    const metrics = analyzer.finish();
    const truth = session.groundTruth.repetitions;
    expect(metrics.repetitions).toHaveLength(truth.length);
    metrics.repetitions.forEach((found, position) => {
      expect(Math.abs(found.romDeg - truth[position]!.romDeg)).toBeLessThan(2);
      expect(found.set).toBe(truth[position]!.set);
      expect(found.incomplete).toBe(truth[position]!.incomplete);
    });
    expect(metrics.summary.setCount).toBe(2);
    expect(metrics.summary.incompleteCount).toBe(truth.filter((repetition) => repetition.incomplete).length);
    expect(metrics.summary.sampleCount).toBe(sampleCount(session));
  });

  it('high noise, slow tempo: count within ±1 and range of motion within 5°', () => {
    const session = generateSession({ exercise: 'knee-extension', noise: 'high', seed: 4, sets: 2, repsPerSet: 5, tempo: 'slow' });
    const analyzer = createSessionAnalyzer(configFor(session, 'knee-extension'));
    analyzer.push(session.samples);
    const found = analyzer.finish().repetitions;
    const truth = session.groundTruth.repetitions;
    expect(Math.abs(found.length - truth.length)).toBeLessThanOrEqual(1);
    const errors = found.slice(0, truth.length).map((repetition, position) => repetition.romDeg - truth[position]!.romDeg);
    expect(Math.sqrt(errors.reduce((sum, error) => sum + error * error, 0) / errors.length)).toBeLessThan(5);
  });

  it('summarises the session from its repetitions', () => {
    const session = generateSession({ exercise: 'elbow-flexion', noise: 'low', seed: 8, sets: 2, repsPerSet: 3 });
    const analyzer = createSessionAnalyzer(configFor(session, 'elbow-flexion'));
    analyzer.push(session.samples);
    const { repetitions, summary } = analyzer.finish();
    const roms = repetitions.map((repetition) => repetition.romDeg);
    const durations = repetitions.map((repetition) => repetition.durationS);
    expect(summary.repetitionCount).toBe(6);
    expect(summary.meanRomDeg).toBeCloseTo(roms.reduce((sum, rom) => sum + rom, 0) / roms.length, 9);
    expect(summary.bestRomDeg).toBe(Math.max(...roms));
    expect(summary.activeTimeS).toBeCloseTo(durations.reduce((sum, duration) => sum + duration, 0), 9);
    expect(summary.meanRepDurationS).toBeCloseTo(summary.activeTimeS / 6, 9);
    expect(summary.durationS).toBeCloseTo(sampleCount(session) / session.sampleRateHz, 9);
    expect(repetitions.map((repetition) => repetition.index)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe('continuity across messages', () => {
  const session = generateSession({ exercise: 'sit-to-stand', noise: 'high', seed: 31, sets: 2, repsPerSet: 3, pauseBetweenSetsS: [12, 14] });
  const config = configFor(session, 'sit-to-stand');
  const whole = createSessionAnalyzer(config);
  whole.push(session.samples);

  it('gives identical results for any message size', () => {
    expect(whole.finish().repetitions).toHaveLength(6);
    for (const size of [1, 7, 100, 1000]) {
      const analyzer = createSessionAnalyzer(config);
      pushInChunks(analyzer, session, size);
      expect(analyzer.result()).toEqual(whole.result());
      expect(analyzer.finish()).toEqual(whole.finish());
      expect(analyzer.state()).toEqual(whole.state());
    }
  });

  it('resumes exactly from a JSON round trip of its state', () => {
    const total = sampleCount(session);
    let analyzer = createSessionAnalyzer(config);
    // Irregular batches, with the analyzer rebuilt from stored JSON between every batch, as the Lambda does.
    const sizes = [250, 1, 977, 30, 4000];
    let from = 0;
    for (let batch = 0; from < total; batch += 1) {
      const to = Math.min(total, from + sizes[batch % sizes.length]!);
      analyzer.push(chunk(session.samples, from, to));
      from = to;
      analyzer = createSessionAnalyzer(config, JSON.parse(JSON.stringify(analyzer.state())));
    }
    expect(analyzer.finish()).toEqual(whole.finish());
    expect(JSON.stringify(analyzer.state())).toBe(JSON.stringify(whole.state()));
  });

  it('does not count a repetition in progress until it ends; finish closes it without changing the state', () => {
    const truth = session.groundTruth.repetitions;
    const cutSample = Math.round(((truth[2]!.peakTimeS + truth[2]!.endTimeS) / 2) * session.sampleRateHz);
    const analyzer = createSessionAnalyzer(config);
    analyzer.push(chunk(session.samples, 0, cutSample));
    const before = JSON.stringify(analyzer.state());
    expect(analyzer.result().repetitions).toHaveLength(2);
    expect(analyzer.finish().repetitions).toHaveLength(3);
    expect(JSON.stringify(analyzer.state())).toBe(before);
    analyzer.push(chunk(session.samples, cutSample, sampleCount(session)));
    expect(analyzer.finish()).toEqual(whole.finish());
  });
});

describe('input checks', () => {
  const session = generateSession({ exercise: 'knee-extension', noise: 'clean', seed: 1, sets: 1, repsPerSet: 1 });
  const config = configFor(session, 'knee-extension');

  it('rejects placements that do not fit the exercise', () => {
    expect(() => createSessionAnalyzer({ ...config, placements: ['right-upper-arm'] })).toThrow(/plays no part/);
    expect(() => createSessionAnalyzer({ ...config, placements: ['right-thigh'] })).toThrow(/needs a sensor on the shank/);
    expect(() => createSessionAnalyzer({ ...config, placements: ['left-thigh', 'right-shank'] })).toThrow(/both sides/);
    expect(() => createSessionAnalyzer({ ...config, sampleRateHz: 0 })).toThrow(/sampleRateHz/);
  });

  it('rejects a state recorded for another set-up', () => {
    const state = createSessionAnalyzer(config).state();
    expect(() => createSessionAnalyzer({ ...config, exercise: 'sit-to-stand' }, state)).toThrow(/another exercise/);
    expect(() => createSessionAnalyzer({ ...config, sampleRateHz: 50 }, state)).toThrow(/sample rate/);
  });

  it('rejects a bad batch without changing the state', () => {
    const analyzer = createSessionAnalyzer(config);
    analyzer.push(chunk(session.samples, 0, 50));
    const before = JSON.stringify(analyzer.state());
    const corrupt = chunk(session.samples, 50, 60).map((values) => Float32Array.from(values));
    corrupt[1]![13] = Number.NaN;
    expect(() => analyzer.push(corrupt)).toThrow(/non-finite/);
    expect(() => analyzer.push([chunk(session.samples, 50, 60)[0]!])).toThrow(/2 sensor/);
    expect(() => analyzer.push([chunk(session.samples, 50, 60)[0]!, chunk(session.samples, 50, 59)[1]!])).toThrow(/different sample counts/);
    expect(JSON.stringify(analyzer.state())).toBe(before);
  });
});
