/**
 * Rehab metrics benchmark: accuracy against simulated ground truth, and throughput.
 *
 *   npx tsx bench/metrics.bench.ts
 *
 * (a) For each exercise x noise level, several simulated sessions (3 sets x 8 repetitions, mixed tempo: normal,
 *     slow, fast; some partial repetitions; pauses between sets): true and detected repetition counts, the worst
 *     count error of a session, range-of-motion RMSE over matched repetitions, and pass/fail against the bar
 *     (count exact when clean, within ±1 when noisy; RMSE <= 5°).
 * (b) Samples per second on one core of the full analyzer and of a bare Madgwick loop over the same data.
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { generateSession, type NoiseLevel, type SimulatedSession } from '../device-firmware-sim/physics/index.js';
import { createSessionAnalyzer } from '../lambdas/rehab/analyzer.js';
import { EXERCISES, type ExerciseId } from '../lambdas/rehab/exercises.js';
import type { RepetitionMetrics } from '../lambdas/rehab/metrics.js';
import { madgwickUpdate } from '../lambdas/rehab/orientation.js';

const EXERCISE_IDS = Object.keys(EXERCISES) as ExerciseId[];
const NOISE_LEVELS: NoiseLevel[] = ['clean', 'low', 'high'];
const SEEDS = [1, 2, 3, 4, 5];
const ROM_RMSE_BAR_DEG = 5;

export interface AccuracyRow {
  exercise: ExerciseId;
  noise: NoiseLevel;
  sessions: number;
  trueReps: number;
  detectedReps: number;
  /** Largest |detected - true| over the sessions. */
  worstCountError: number;
  romRmseDeg: number;
  /** Matched repetitions whose incomplete flag agrees with ground truth. */
  flagAgreement: number;
  matched: number;
  pass: boolean;
}

/** Pairs each ground-truth repetition with the unused detected one whose peak is nearest, within the true repetition's span. */
function matchRepetitions(session: SimulatedSession, detected: RepetitionMetrics[]): Array<[number, number, boolean, boolean]> {
  const used = new Set<number>();
  const pairs: Array<[number, number, boolean, boolean]> = [];
  for (const truth of session.groundTruth.repetitions) {
    let best = -1;
    let bestDistance = Infinity;
    detected.forEach((repetition, position) => {
      if (used.has(position)) return;
      if (repetition.peakTimeS < truth.startTimeS || repetition.peakTimeS > truth.endTimeS) return;
      const distance = Math.abs(repetition.peakTimeS - truth.peakTimeS);
      if (distance < bestDistance) {
        bestDistance = distance;
        best = position;
      }
    });
    if (best >= 0) {
      used.add(best);
      pairs.push([truth.romDeg, detected[best]!.romDeg, truth.incomplete, detected[best]!.incomplete]);
    }
  }
  return pairs;
}

export function analyzeSession(session: SimulatedSession, exercise: ExerciseId): RepetitionMetrics[] {
  const analyzer = createSessionAnalyzer({ exercise, sampleRateHz: session.sampleRateHz, placements: session.placements });
  analyzer.push(session.samples);
  return analyzer.finish().repetitions;
}

export function measureAccuracy(seeds: readonly number[] = SEEDS): AccuracyRow[] {
  const rows: AccuracyRow[] = [];
  for (const exercise of EXERCISE_IDS) {
    for (const noise of NOISE_LEVELS) {
      let trueReps = 0;
      let detectedReps = 0;
      let worstCountError = 0;
      let squaredErrorSum = 0;
      let matched = 0;
      let flagAgreement = 0;
      for (const seed of seeds) {
        const session = generateSession({ exercise, noise, seed });
        const detected = analyzeSession(session, exercise);
        trueReps += session.groundTruth.repetitions.length;
        detectedReps += detected.length;
        worstCountError = Math.max(worstCountError, Math.abs(detected.length - session.groundTruth.repetitions.length));
        for (const [trueRom, detectedRom, trueIncomplete, detectedIncomplete] of matchRepetitions(session, detected)) {
          squaredErrorSum += (detectedRom - trueRom) ** 2;
          matched += 1;
          if (trueIncomplete === detectedIncomplete) flagAgreement += 1;
        }
      }
      const romRmseDeg = matched > 0 ? Math.sqrt(squaredErrorSum / matched) : Infinity;
      const countBar = noise === 'clean' ? 0 : 1;
      rows.push({
        exercise,
        noise,
        sessions: seeds.length,
        trueReps,
        detectedReps,
        worstCountError,
        romRmseDeg,
        flagAgreement,
        matched,
        pass: worstCountError <= countBar && romRmseDeg <= ROM_RMSE_BAR_DEG,
      });
    }
  }
  return rows;
}

export interface ThroughputResult {
  /** Sensor samples (one IMU reading) per second. */
  analyzerSamplesPerS: number;
  bareFilterSamplesPerS: number;
  sensorSamples: number;
}

/** Repeats `work` until at least minDurationMs has passed; returns units per second. */
function rate(work: () => number, minDurationMs: number): number {
  work(); // warm the JIT
  let units = 0;
  const started = performance.now();
  let elapsed = 0;
  do {
    units += work();
    elapsed = performance.now() - started;
  } while (elapsed < minDurationMs);
  return units / (elapsed / 1000);
}

export function measureThroughput(minDurationMs = 2000): ThroughputResult {
  const sessions = EXERCISE_IDS.map((exercise) => ({ exercise, session: generateSession({ exercise, noise: 'high', seed: 7 }) }));
  const sensorSamples = sessions.reduce((sum, { session }) => sum + (session.samples.length * session.samples[0]!.length) / 6, 0);
  let sink = 0;

  const analyzerSamplesPerS = rate(() => {
    for (const { exercise, session } of sessions) {
      const analyzer = createSessionAnalyzer({ exercise, sampleRateHz: session.sampleRateHz, placements: session.placements });
      analyzer.push(session.samples);
      sink += analyzer.result().summary.repetitionCount;
    }
    return sensorSamples;
  }, minDurationMs);

  const quaternion = new Float64Array(4);
  const bareFilterSamplesPerS = rate(() => {
    for (const { session } of sessions) {
      const dt = 1 / session.sampleRateHz;
      for (const values of session.samples) {
        quaternion.set([1, 0, 0, 0]);
        for (let base = 0; base < values.length; base += 6) {
          madgwickUpdate(quaternion, values[base + 3]!, values[base + 4]!, values[base + 5]!, values[base]!, values[base + 1]!, values[base + 2]!, 0.05, dt);
        }
        sink += quaternion[0]!;
      }
    }
    return sensorSamples;
  }, minDurationMs);

  if (sink === 42) console.log(''); // keeps the work observable so it is not optimised away
  return { analyzerSamplesPerS, bareFilterSamplesPerS, sensorSamples };
}

function formatRows(rows: AccuracyRow[]): string {
  const header = ['exercise', 'noise', 'sessions', 'true reps', 'detected', 'worst count err', 'ROM RMSE °', 'incomplete flag ok', 'pass'];
  const body = rows.map((row) => [
    row.exercise,
    row.noise,
    String(row.sessions),
    String(row.trueReps),
    String(row.detectedReps),
    String(row.worstCountError),
    row.romRmseDeg.toFixed(2),
    `${row.flagAgreement}/${row.matched}`,
    row.pass ? 'PASS' : 'FAIL',
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...body.map((cells) => cells[column]!.length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ');
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...body.map(line)].join('\n');
}

export async function run(): Promise<void> {
  const rows = measureAccuracy();
  console.log('Rehab metrics accuracy (simulated sessions: 3 sets x 8 reps, mixed tempo, partial reps; bar: count exact clean, ±1 noisy, ROM RMSE <= 5°)');
  console.log(formatRows(rows));
  const failed = rows.filter((row) => !row.pass).length;
  console.log(failed === 0 ? 'accuracy: all rows pass' : `accuracy: ${failed} row(s) FAIL`);

  const throughput = measureThroughput();
  const format = (value: number) => `${(value / 1e6).toFixed(2)} M samples/s`;
  console.log(`\nThroughput, one core, ${throughput.sensorSamples} sensor samples per pass (one sample = one IMU reading of 6 values):`);
  console.log(`  full analyzer (filter + bias + angles + repetitions): ${format(throughput.analyzerSamplesPerS)}`);
  console.log(`  bare Madgwick filter loop:                            ${format(throughput.bareFilterSamplesPerS)}`);
  console.log(`  bar: >= 1.00 M samples/s -> ${throughput.analyzerSamplesPerS >= 1e6 ? 'PASS' : 'FAIL'}`);
}

export default run;

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
