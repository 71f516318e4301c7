/**
 * A gateway's exercise programme: which sessions it records, in order, each a physics-based simulated session
 * (physics/session.ts) with its ground truth. Pure: same options, same samples.
 */
import { EXERCISES, defaultPlacements, type ExerciseId, type Segment, type Side } from '../lambdas/rehab/exercises.js';
import { generateSession, type GroundTruth, type NoiseLevel, type Tempo } from './physics/index.js';

export const EXERCISE_IDS = Object.keys(EXERCISES) as ExerciseId[];
export const NOISE_LEVELS: readonly NoiseLevel[] = ['clean', 'low', 'high'];
/** A gateway carries at most two IMUs (docs/telemetry-format.md). */
export const MAX_SENSORS = 2;

export interface ProgrammeOptions {
  /** One session per entry, in order. */
  readonly exercises: readonly ExerciseId[];
  readonly noise: NoiseLevel;
  /** Seeds the whole programme; session i uses seed + i. */
  readonly seed: number;
  readonly sampleRateHz?: number;
  readonly sets?: number;
  readonly repsPerSet?: number;
  readonly side?: Side;
  /** Standard deviation of a full repetition's range of motion, as a fraction of the target (physics default 0.06). */
  readonly romVariation?: number;
  /** Probability that a repetition (not the first) is partial (physics default 0.1). */
  readonly partialRepProbability?: number;
  /** Pause between sets, seconds: [min, max] (physics default [15, 25]). */
  readonly pauseBetweenSetsS?: readonly [number, number];
  readonly tempo?: Tempo | 'mixed';
  /** Rest before the first and after the last repetition, seconds (physics defaults 3 and 2). */
  readonly initialRestS?: number;
  readonly finalRestS?: number;
}

export interface ProgrammedSession {
  readonly exercise: ExerciseId;
  readonly sampleRateHz: number;
  /** In sensor order; what the session-start and samples messages carry. */
  readonly placements: readonly Segment[];
  /** One per sensor: interleaved ax, ay, az (g), gx, gy, gz (rad/s). */
  readonly samples: readonly Float32Array[];
  readonly groundTruth: GroundTruth;
  readonly durationS: number;
}

export function isExercise(value: string): value is ExerciseId {
  return (EXERCISE_IDS as readonly string[]).includes(value);
}

/** The sessions of one gateway's programme, generated from the physics model. */
export function buildProgramme(options: ProgrammeOptions): ProgrammedSession[] {
  if (options.exercises.length === 0) throw new RangeError('a programme needs at least one exercise');
  return options.exercises.map((exercise, index) => {
    if (!isExercise(exercise)) throw new RangeError(`unknown exercise: ${String(exercise)}`);
    const session = generateSession({
      exercise,
      noise: options.noise,
      seed: (options.seed + index) >>> 0,
      sampleRateHz: options.sampleRateHz,
      sets: options.sets,
      repsPerSet: options.repsPerSet,
      side: options.side,
      romVariation: options.romVariation,
      partialRepProbability: options.partialRepProbability,
      pauseBetweenSetsS: options.pauseBetweenSetsS,
      tempo: options.tempo,
      initialRestS: options.initialRestS,
      finalRestS: options.finalRestS,
    });
    const sampleCount = session.samples[0]!.length / 6;
    return {
      exercise,
      sampleRateHz: session.sampleRateHz,
      placements: session.placements,
      samples: session.samples,
      groundTruth: session.groundTruth,
      durationS: sampleCount / session.sampleRateHz,
    };
  });
}

/**
 * The segments a gateway must be registered with to record these exercises on one side: the union of their standard
 * placements, in first-use order. More than two is a programme no single gateway can record.
 */
export function placementsFor(exercises: readonly ExerciseId[], side: Side = 'right'): Segment[] {
  const union: Segment[] = [];
  for (const exercise of exercises) {
    for (const segment of defaultPlacements(exercise, side)) if (!union.includes(segment)) union.push(segment);
  }
  if (union.length > MAX_SENSORS) throw new RangeError(`these exercises need ${union.length} sensors (${union.join(', ')}); a gateway has at most ${MAX_SENSORS}`);
  return union;
}

/**
 * Parses `--exercise`: a comma-separated list (the programme of every gateway), or `mixed`: gateway i does the i-th
 * exercise of the catalogue (round robin), so a fleet covers every exercise.
 */
export function exercisesForDevice(spec: string, deviceIndex: number): ExerciseId[] {
  if (spec === 'mixed') return [EXERCISE_IDS[deviceIndex % EXERCISE_IDS.length]!];
  const list = spec.split(',').map((item) => item.trim()).filter(Boolean);
  if (list.length === 0) throw new RangeError('--exercise: at least one exercise');
  for (const item of list) if (!isExercise(item)) throw new RangeError(`--exercise: unknown exercise ${item} (one of ${EXERCISE_IDS.join(', ')}, or mixed)`);
  return list as ExerciseId[];
}

/** Ground truth of one session as the truth file holds it: counts and per-repetition range of motion. */
export interface SessionTruth {
  readonly sessionId: string;
  readonly exercise: ExerciseId;
  readonly placements: readonly Segment[];
  readonly targetRomDeg: number;
  readonly repetitions: number;
  readonly completeRepetitions: number;
  readonly sets: number;
  /** Per repetition, in order. */
  readonly romDeg: readonly number[];
  readonly incomplete: readonly boolean[];
  readonly durationS: number;
}

export function sessionTruth(sessionId: string, session: ProgrammedSession): SessionTruth {
  const repetitions = session.groundTruth.repetitions;
  return {
    sessionId,
    exercise: session.exercise,
    placements: session.placements,
    targetRomDeg: session.groundTruth.targetRomDeg,
    repetitions: repetitions.length,
    completeRepetitions: repetitions.filter((repetition) => !repetition.incomplete).length,
    sets: session.groundTruth.sets,
    romDeg: repetitions.map((repetition) => Math.round(repetition.romDeg * 100) / 100),
    incomplete: repetitions.map((repetition) => repetition.incomplete),
    durationS: session.durationS,
  };
}
