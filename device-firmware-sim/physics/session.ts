/**
 * Simulated IMU sessions with ground truth.
 *
 * A joint-angle trajectory (trajectory.ts) drives a small rigid-body model of the limb: a chain of segments
 * hinged about the exercise's axis from a fixed root (shoulder, hip or ankle). Each sensor then reads
 *   gyroscope     = segment angular velocity in the sensor frame + constant bias + white noise  (rad/s)
 *   accelerometer = (sensor linear acceleration / g + up) in the sensor frame + bias + white noise  (g)
 * where the linear acceleration is the tangential and centripetal acceleration of the sensor's lever arm
 * along the chain, and each sensor is mounted with a small fixed misalignment from the nominal orientation.
 * Frames and angle definitions are those of lambdas/rehab/exercises.ts.
 */
import {
  EXERCISES,
  defaultPlacements,
  hingeAxisFor,
  segmentKind,
  type ExerciseId,
  type Segment,
  type SegmentKind,
  type Side,
  type Vector3,
} from '../../lambdas/rehab/exercises.js';
import { createRandom, type Random } from './random.js';
import { buildMotionPlan, excursionAt, repetitionAt, type MotionPlan, type RepetitionSpec } from './trajectory.js';

export type NoiseLevel = 'clean' | 'low' | 'high';
export type Tempo = 'slow' | 'normal' | 'fast';

export interface NoiseModel {
  gyroNoiseRadS: number;
  /** Each axis of the gyroscope bias is uniform in [-max, max]. */
  gyroBiasMaxRadS: number;
  accelNoiseG: number;
  accelBiasMaxG: number;
}

/** Typical consumer MEMS figures (per sample at 100 Hz); clean has none. */
export const NOISE_MODELS: Record<NoiseLevel, NoiseModel> = {
  clean: { gyroNoiseRadS: 0, gyroBiasMaxRadS: 0, accelNoiseG: 0, accelBiasMaxG: 0 },
  low: { gyroNoiseRadS: 0.005, gyroBiasMaxRadS: 0.01, accelNoiseG: 0.005, accelBiasMaxG: 0.005 },
  high: { gyroNoiseRadS: 0.02, gyroBiasMaxRadS: 0.03, accelNoiseG: 0.02, accelBiasMaxG: 0.01 },
};

/** Repetition duration (rise + hold + return) and hold per tempo, seconds. */
export const TEMPOS: Record<Tempo, { repetitionS: number; holdS: number; restBetweenS: readonly [number, number] }> = {
  slow: { repetitionS: 4, holdS: 0.4, restBetweenS: [0.5, 1.5] },
  normal: { repetitionS: 2, holdS: 0.2, restBetweenS: [0.4, 1.2] },
  fast: { repetitionS: 1, holdS: 0.05, restBetweenS: [0.1, 0.5] },
};

export interface GenerateSessionOptions {
  exercise: ExerciseId;
  sampleRateHz?: number;
  noise: NoiseLevel;
  seed: number;
  /** Default 3. */
  sets?: number;
  /** Default 8. */
  repsPerSet?: number;
  side?: Side;
  targetRomDeg?: number;
  /** Standard deviation of a full repetition's range of motion, as a fraction of the target. Default 0.06. */
  romVariation?: number;
  /** Probability that a repetition (other than the first) is partial. Default 0.1. */
  partialRepProbability?: number;
  /** A partial repetition reaches a fraction of the target drawn from this range. Default [0.4, 0.65]. */
  partialFraction?: readonly [number, number];
  /** One tempo for every set, one per set (cycled), or 'mixed' (normal, slow, fast, ...). Default 'mixed'. */
  tempo?: Tempo | 'mixed' | readonly Tempo[];
  /** Random per-repetition variation of the duration, as a fraction. Default 0.1. */
  tempoJitter?: number;
  /** Pause between sets, seconds. Default [15, 25]. */
  pauseBetweenSetsS?: readonly [number, number];
  /** Default 3 s, long enough for the analyzer's warm-up and bias estimate. */
  initialRestS?: number;
  /** Default 2 s. */
  finalRestS?: number;
  /** Largest angle of each sensor's random mounting misalignment. Default 5°. */
  mountingMisalignmentDeg?: number;
  /** Ground truth flags repetitions below this fraction of the target. Default 0.8. */
  incompleteFraction?: number;
}

export interface GroundTruthRepetition {
  index: number;
  set: number;
  startTimeS: number;
  peakTimeS: number;
  endTimeS: number;
  startAngleDeg: number;
  peakAngleDeg: number;
  romDeg: number;
  incomplete: boolean;
}

export interface GroundTruth {
  exercise: ExerciseId;
  targetRomDeg: number;
  repetitions: GroundTruthRepetition[];
  sets: number;
}

export interface SimulatedSession {
  sampleRateHz: number;
  placements: Segment[];
  /** One per sensor: interleaved ax, ay, az (g), gx, gy, gz (rad/s). */
  samples: Float32Array[];
  groundTruth: GroundTruth;
  /** The exercise angle actually performed, per sample (degrees). */
  angleDeg: Float64Array;
  plan: MotionPlan;
}

const STANDARD_GRAVITY = 9.80665;
const DEGREES = Math.PI / 180;

/** A rigid segment of the simulated limb, hinged at its root-side joint. Vectors are in the segment frame, right side. */
interface SegmentModel {
  kind: SegmentKind;
  /** Inclination about the hinge axis (degrees) for excursion e of a repetition with range romDeg. */
  inclinationDeg(excursionDeg: number, repetitionRomDeg: number, targetRomDeg: number): number;
  toNextJointM: Vector3;
  sensorOffsetM: Vector3;
}

/** Limb models, from the fixed root outwards. Small secondary movements make the second sensor matter. */
const BODY_MODELS: Record<ExerciseId, SegmentModel[]> = {
  'shoulder-abduction': [
    { kind: 'upper-arm', inclinationDeg: (e) => e, toNextJointM: [0, 0, -0.3], sensorOffsetM: [0, -0.04, -0.17] },
  ],
  'forward-elevation': [
    { kind: 'upper-arm', inclinationDeg: (e) => e, toNextJointM: [0, 0, -0.3], sensorOffsetM: [0, -0.04, -0.17] },
  ],
  'elbow-flexion': [
    // The shoulder flexes a little as the elbow does (a common compensation).
    { kind: 'upper-arm', inclinationDeg: (e, _rom, target) => (6 * e) / target, toNextJointM: [0, 0, -0.3], sensorOffsetM: [0, -0.04, -0.15] },
    {
      kind: 'forearm',
      inclinationDeg: (e, _rom, target) => (6 * e) / target + 10 + e,
      toNextJointM: [0, 0, -0.26],
      sensorOffsetM: [0, -0.03, -0.18],
    },
  ],
  'knee-extension': [
    // Seated: the thigh is horizontal and lifts slightly as the knee extends.
    { kind: 'thigh', inclinationDeg: (e, _rom, target) => 90 + (4 * e) / target, toNextJointM: [0, 0, -0.45], sensorOffsetM: [0, -0.07, -0.25] },
    {
      kind: 'shank',
      inclinationDeg: (e, _rom, target) => (4 * e) / target + e,
      toNextJointM: [0, 0, -0.43],
      sensorOffsetM: [0.04, 0, -0.15],
    },
  ],
  'sit-to-stand': [
    // Rooted at the ankle: the shank leans forward (negative inclination) mid-rise, the thigh rises to vertical.
    { kind: 'shank', inclinationDeg: (e, rom) => -shankLeanDeg(e, rom), toNextJointM: [0, 0, 0.43], sensorOffsetM: [0.04, 0, 0.25] },
    { kind: 'thigh', inclinationDeg: (e, rom) => 90 - e - shankLeanDeg(e, rom), toNextJointM: [0, 0, 0.45], sensorOffsetM: [0, -0.07, 0.2] },
  ],
};

function shankLeanDeg(excursionDeg: number, repetitionRomDeg: number): number {
  if (repetitionRomDeg <= 0) return 0;
  const progress = excursionDeg / repetitionRomDeg;
  return 15 * 4 * progress * (1 - progress);
}

export function generateSession(options: GenerateSessionOptions): SimulatedSession {
  const exercise = EXERCISES[options.exercise];
  if (exercise === undefined) throw new RangeError(`unknown exercise: ${String(options.exercise)}`);
  const sampleRateHz = options.sampleRateHz ?? 100;
  if (!(sampleRateHz > 0)) throw new RangeError('sampleRateHz must be positive');
  const side = options.side ?? 'right';
  const targetRomDeg = options.targetRomDeg ?? exercise.defaultTargetRomDeg;
  const incompleteFraction = options.incompleteFraction ?? 0.8;
  const random = createRandom(options.seed);

  const plan = planSession(options, targetRomDeg, random);
  const model = BODY_MODELS[options.exercise];
  const placements = defaultPlacements(options.exercise, side);
  const axis = hingeAxisFor(options.exercise, side);
  const mirror = (vector: Vector3): Vector3 => (side === 'right' ? vector : [vector[0], 0 - vector[1], vector[2]]);

  const noise = NOISE_MODELS[options.noise];
  if (noise === undefined) throw new RangeError(`unknown noise level: ${String(options.noise)}`);
  const sensors = placements.map((placement) => {
    const chainIndex = model.findIndex((segment) => segment.kind === segmentKind(placement));
    const misalignment = randomRotation(random, (options.mountingMisalignmentDeg ?? 5) * DEGREES);
    const gyroBias = randomVector(random, noise.gyroBiasMaxRadS);
    const accelBias = randomVector(random, noise.accelBiasMaxG);
    return { chainIndex, misalignment, gyroBias, accelBias };
  });

  const sampleCount = Math.round(plan.durationS * sampleRateHz);
  const samples = placements.map(() => new Float32Array(sampleCount * 6));
  const angleDeg = new Float64Array(sampleCount);
  const step = 1e-4;
  const toNext = model.map((segment) => mirror(segment.toNextJointM));
  const offsets = model.map((segment) => mirror(segment.sensorOffsetM));

  for (let index = 0; index < sampleCount; index += 1) {
    const time = index / sampleRateHz;
    const now = inclinations(model, plan, targetRomDeg, time);
    const before = inclinations(model, plan, targetRomDeg, time - step);
    const after = inclinations(model, plan, targetRomDeg, time + step);
    angleDeg[index] = exerciseAngle(options.exercise, model, now);

    // Walk the chain from the fixed root: each joint's acceleration plus the segment's rotation about it.
    let jointAcceleration: Vector3 = [0, 0, 0];
    const sensorAcceleration: Vector3[] = [];
    const angularVelocity: Vector3[] = [];
    for (let segment = 0; segment < model.length; segment += 1) {
      const angle = now[segment]! * DEGREES;
      const rate = ((after[segment]! - before[segment]!) / (2 * step)) * DEGREES;
      const acceleration = ((after[segment]! - 2 * now[segment]! + before[segment]!) / (step * step)) * DEGREES;
      const omega = scale(axis, rate);
      const alpha = scale(axis, acceleration);
      const leverToSensor = rotate(axis, angle, offsets[segment]!);
      const leverToNext = rotate(axis, angle, toNext[segment]!);
      sensorAcceleration.push(add(jointAcceleration, rigidAcceleration(omega, alpha, leverToSensor)));
      angularVelocity.push(omega);
      jointAcceleration = add(jointAcceleration, rigidAcceleration(omega, alpha, leverToNext));
    }

    sensors.forEach((sensor, sensorIndex) => {
      const segment = sensor.chainIndex;
      const angle = now[segment]! * DEGREES;
      const acceleration = sensorAcceleration[segment]!;
      const specificForceWorld: Vector3 = [
        acceleration[0] / STANDARD_GRAVITY,
        acceleration[1] / STANDARD_GRAVITY,
        acceleration[2] / STANDARD_GRAVITY + 1,
      ];
      // World -> segment frame (inverse hinge rotation) -> sensor frame (inverse mounting).
      const accel = transposeTimes(sensor.misalignment, rotate(axis, -angle, specificForceWorld));
      const gyro = transposeTimes(sensor.misalignment, rotate(axis, -angle, angularVelocity[segment]!));
      const out = samples[sensorIndex]!;
      const base = index * 6;
      for (let component = 0; component < 3; component += 1) {
        out[base + component] = accel[component]! + sensor.accelBias[component]! + noise.accelNoiseG * random.gaussian();
        out[base + 3 + component] = gyro[component]! + sensor.gyroBias[component]! + noise.gyroNoiseRadS * random.gaussian();
      }
    });
  }

  const repetitions: GroundTruthRepetition[] = plan.repetitions.map((repetition) => {
    const startAngleDeg = exerciseAngle(options.exercise, model, inclinations(model, plan, targetRomDeg, repetition.startTimeS));
    const peakAngleDeg = exerciseAngle(options.exercise, model, inclinations(model, plan, targetRomDeg, repetition.peakTimeS));
    return {
      index: repetition.index,
      set: repetition.set,
      startTimeS: repetition.startTimeS,
      peakTimeS: repetition.peakTimeS,
      endTimeS: repetition.endTimeS,
      startAngleDeg,
      peakAngleDeg,
      romDeg: Math.abs(peakAngleDeg - startAngleDeg),
      incomplete: repetition.romDeg < incompleteFraction * targetRomDeg,
    };
  });
  const sets = plan.repetitions.reduce((highest, repetition) => Math.max(highest, repetition.set), 0);

  return {
    sampleRateHz,
    placements,
    samples,
    groundTruth: { exercise: options.exercise, targetRomDeg, repetitions, sets },
    angleDeg,
    plan,
  };
}

/** Draws the repetitions (range of motion, tempo, rests) of a session. */
export function planSession(options: GenerateSessionOptions, targetRomDeg: number, random: Random): MotionPlan {
  const exercise = EXERCISES[options.exercise];
  const sets = options.sets ?? 3;
  const repsPerSet = options.repsPerSet ?? 8;
  if (!(Number.isInteger(sets) && sets >= 1 && Number.isInteger(repsPerSet) && repsPerSet >= 1)) {
    throw new RangeError('sets and repsPerSet must be positive integers');
  }
  const romVariation = options.romVariation ?? 0.06;
  const partialProbability = options.partialRepProbability ?? 0.1;
  const [partialLow, partialHigh] = options.partialFraction ?? [0.4, 0.65];
  const jitter = options.tempoJitter ?? 0.1;
  const [pauseLow, pauseHigh] = options.pauseBetweenSetsS ?? [15, 25];
  const tempoOption = options.tempo ?? 'mixed';
  const tempos: readonly Tempo[] =
    tempoOption === 'mixed' ? ['normal', 'slow', 'fast'] : typeof tempoOption === 'string' ? [tempoOption] : tempoOption;
  const maxRomDeg = exercise.maxRomDeg;

  const specs: RepetitionSpec[] = [];
  for (let set = 1; set <= sets; set += 1) {
    const tempo = TEMPOS[tempos[(set - 1) % tempos.length]!];
    for (let repetition = 1; repetition <= repsPerSet; repetition += 1) {
      const partial = specs.length > 0 && random.next() < partialProbability;
      const fraction = partial
        ? random.uniform(partialLow, partialHigh)
        : // Full repetitions stay clearly above the incomplete threshold so ground truth is unambiguous.
          Math.max(0.85, 1 + romVariation * random.gaussian());
      const romDeg = Math.min(maxRomDeg, fraction * targetRomDeg);
      const durationS = tempo.repetitionS * (1 + jitter * (2 * random.next() - 1));
      const movingS = Math.max(0.2, durationS - tempo.holdS);
      const riseShare = 0.5 + 0.05 * (2 * random.next() - 1);
      const lastInSet = repetition === repsPerSet;
      specs.push({
        set,
        romDeg,
        riseS: movingS * riseShare,
        holdS: tempo.holdS,
        returnS: movingS * (1 - riseShare),
        restAfterS: lastInSet
          ? set === sets
            ? (options.finalRestS ?? 2)
            : random.uniform(pauseLow, pauseHigh)
          : random.uniform(tempo.restBetweenS[0], tempo.restBetweenS[1]),
      });
    }
  }
  return buildMotionPlan(options.initialRestS ?? 3, specs);
}

function inclinations(model: readonly SegmentModel[], plan: MotionPlan, targetRomDeg: number, timeS: number): number[] {
  const excursion = excursionAt(plan, timeS);
  const repetitionRom = repetitionAt(plan, timeS)?.romDeg ?? 0;
  return model.map((segment) => segment.inclinationDeg(excursion, repetitionRom, targetRomDeg));
}

/** The exercise angle from segment inclinations, by the catalogue's definition. */
function exerciseAngle(exerciseId: ExerciseId, model: readonly SegmentModel[], inclinationDeg: readonly number[]): number {
  const exercise = EXERCISES[exerciseId];
  const inclinationOf = (kind: SegmentKind): number => {
    const position = model.findIndex((segment) => segment.kind === kind);
    return position >= 0 ? inclinationDeg[position]! : (exercise.assumedInclinationDeg[kind] ?? 0);
  };
  return exercise.jointSign * (inclinationOf(exercise.distal) - inclinationOf(exercise.proximal));
}

function rigidAcceleration(omega: Vector3, alpha: Vector3, lever: Vector3): Vector3 {
  // Tangential alpha x r plus centripetal omega x (omega x r).
  return add(cross(alpha, lever), cross(omega, cross(omega, lever)));
}

/** Rodrigues: v rotated by angle about the unit axis. */
export function rotate(axis: Vector3, angle: number, vector: Vector3): Vector3 {
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const axisCrossVector = cross(axis, vector);
  const projection = dot(axis, vector) * (1 - cos);
  return [
    vector[0] * cos + axisCrossVector[0] * sin + axis[0] * projection,
    vector[1] * cos + axisCrossVector[1] * sin + axis[1] * projection,
    vector[2] * cos + axisCrossVector[2] * sin + axis[2] * projection,
  ];
}

type Matrix3 = readonly [Vector3, Vector3, Vector3];

/** A rotation about a random axis by an angle uniform in [0, maxAngle]. */
function randomRotation(random: Random, maxAngleRad: number): Matrix3 {
  let axis: Vector3 = [random.gaussian(), random.gaussian(), random.gaussian()];
  const norm = Math.hypot(...axis);
  axis = norm > 0 ? scale(axis, 1 / norm) : [1, 0, 0];
  const angle = random.uniform(0, maxAngleRad);
  // Columns are the rotated basis vectors; stored as rows of the transpose for transposeTimes.
  const columnX = rotate(axis, angle, [1, 0, 0]);
  const columnY = rotate(axis, angle, [0, 1, 0]);
  const columnZ = rotate(axis, angle, [0, 0, 1]);
  return [columnX, columnY, columnZ];
}

/** M^T v for a rotation M given by its columns: the vector in the rotated (sensor) frame. */
function transposeTimes(columns: Matrix3, vector: Vector3): Vector3 {
  return [dot(columns[0], vector), dot(columns[1], vector), dot(columns[2], vector)];
}

function randomVector(random: Random, maxComponent: number): Vector3 {
  return [random.uniform(-maxComponent, maxComponent), random.uniform(-maxComponent, maxComponent), random.uniform(-maxComponent, maxComponent)];
}

function add(a: Vector3, b: Vector3): Vector3 {
  return [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
}

function scale(a: Vector3, factor: number): Vector3 {
  return [a[0] * factor, a[1] * factor, a[2] * factor];
}

function dot(a: Vector3, b: Vector3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

function cross(a: Vector3, b: Vector3): Vector3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}
