/**
 * Session analyzer: raw IMU samples in, rehab metrics out. Called by the stream processor once per batch;
 * its state is plain JSON so a session can continue across Lambda invocations.
 *
 * Per sample: each sensor's orientation filter is updated, the segment's inclination in the exercise plane
 * is read from the filter's gravity direction, the joint angle is the signed difference of the two segments'
 * inclinations (or of one segment and the assumed pose of the other), and the repetition detector consumes
 * that angle with its angular velocity from the gyroscopes. Everything is sample by sample, so the result
 * does not depend on how the session is split into messages.
 */
import {
  EXERCISES,
  hingeAxisFor,
  isExerciseId,
  isSegment,
  segmentKind,
  segmentSide,
  type ExerciseDefinition,
  type ExerciseId,
  type Segment,
  type Side,
} from './exercises.js';
import { inclinationFromUp, unwrapAngle } from './angles.js';
import { summarize, type SessionMetrics } from './metrics.js';
import {
  DEFAULT_ORIENTATION_SETTINGS,
  ORIENTATION_STATE_SIZE,
  Q0,
  Q1,
  Q2,
  Q3,
  RATE_X,
  RATE_Y,
  RATE_Z,
  createOrientationState,
  orientationConstants,
  updateOrientation,
  type OrientationConstants,
  type OrientationSettings,
} from './orientation.js';
import {
  DEFAULT_INCOMPLETE_FRACTION,
  DEFAULT_SET_GAP_S,
  RepetitionDetector,
  type RepetitionDetectorSettings,
  type RepetitionDetectorState,
} from './repetitions.js';

export type RepetitionTuning = Partial<
  Omit<RepetitionDetectorSettings, 'sampleRateHz' | 'targetRomDeg' | 'incompleteFraction' | 'movementDirection'>
>;

export interface AnalyzerConfig {
  exercise: ExerciseId;
  sampleRateHz: number;
  /** One per sensor, in sensor order. */
  placements: Segment[];
  targetRomDeg?: number;
  /** Default 0.8. */
  incompleteFraction?: number;
  /** A rest longer than this starts a new set. Default 10 s. */
  setGapS?: number;
  /** Repetition detection tuning (thresholds, stillness, set gap); defaults suit all catalogue exercises. */
  detection?: RepetitionTuning;
  /** Orientation filter tuning; the defaults are what the benchmark measures. */
  orientation?: Partial<OrientationSettings>;
}

export const ANALYZER_STATE_VERSION = 1;
export const VALUES_PER_SAMPLE = 6;

export interface AnalyzerSensorState {
  /** Orientation filter state vector (see orientation.ts for the layout). */
  orientation: number[];
  /** Unwrapped inclination of the segment in the exercise plane, radians. */
  inclinationRad: number;
}

export interface AnalyzerState {
  version: typeof ANALYZER_STATE_VERSION;
  exercise: ExerciseId;
  sampleRateHz: number;
  placements: Segment[];
  sampleCount: number;
  sensors: AnalyzerSensorState[];
  repetitions: RepetitionDetectorState;
}

export interface SessionAnalyzer {
  /** One Float32Array per sensor (interleaved ax, ay, az in g, gx, gy, gz in rad/s), equal sample counts. */
  push(samplesBySensor: Float32Array[]): void;
  state(): AnalyzerState;
  /** Metrics so far; a repetition in progress is not counted until it ends. */
  result(): SessionMetrics;
  /** Metrics with any repetition in progress closed at the last sample. Does not change the state. */
  finish(): SessionMetrics;
  /** The exercise angle at the latest sample (degrees), for live display; undefined before the first sample. */
  currentAngleDeg(): number | undefined;
}

const RADIANS_TO_DEGREES = 180 / Math.PI;

/** How one sensor contributes to the joint angle. */
interface SensorRole {
  /** +1 for the distal segment, -1 for the proximal one: angle = jointSign * (distal - proximal). */
  weight: 1 | -1;
  /** Hinge axis in the sensor frame (nominal mounting: sensor axes = body axes in the neutral pose). */
  axisX: number;
  axisY: number;
  axisZ: number;
}

export function createSessionAnalyzer(config: AnalyzerConfig, state?: AnalyzerState): SessionAnalyzer {
  const definition = validateConfig(config);
  const rate = config.sampleRateHz;
  const targetRomDeg = config.targetRomDeg ?? definition.defaultTargetRomDeg;
  const roles = sensorRoles(definition, config.placements);
  const sensorCount = roles.length;
  // Segments without a sensor contribute their assumed pose (e.g. the trunk upright for shoulder exercises).
  let assumedOffsetDeg = 0;
  const present = new Set(config.placements.map(segmentKind));
  if (!present.has(definition.distal)) assumedOffsetDeg += definition.assumedInclinationDeg[definition.distal] ?? 0;
  if (!present.has(definition.proximal)) assumedOffsetDeg -= definition.assumedInclinationDeg[definition.proximal] ?? 0;
  const jointSign = definition.jointSign;

  const constants: OrientationConstants = orientationConstants(rate, { ...DEFAULT_ORIENTATION_SETTINGS, ...config.orientation });
  const detectorSettings: RepetitionDetectorSettings = {
    ...config.detection,
    sampleRateHz: rate,
    targetRomDeg,
    incompleteFraction: config.incompleteFraction ?? DEFAULT_INCOMPLETE_FRACTION,
    movementDirection: definition.movementDirection,
    setGapS: config.setGapS ?? config.detection?.setGapS ?? DEFAULT_SET_GAP_S,
  };

  const filters: Float64Array[] = [];
  const inclinations = new Float64Array(sensorCount);
  let sampleCount = 0;
  let detector: RepetitionDetector;
  if (state) {
    checkStateMatches(state, config);
    for (const sensor of state.sensors) filters.push(Float64Array.from(sensor.orientation));
    state.sensors.forEach((sensor, index) => (inclinations[index] = sensor.inclinationRad));
    sampleCount = state.sampleCount;
    detector = new RepetitionDetector(detectorSettings, state.repetitions);
  } else {
    for (let index = 0; index < sensorCount; index += 1) filters.push(createOrientationState());
    detector = new RepetitionDetector(detectorSettings);
  }

  function push(samplesBySensor: Float32Array[]): void {
    const samples = checkBatch(samplesBySensor, sensorCount);
    for (let sample = 0; sample < samples; sample += 1) {
      const base = sample * VALUES_PER_SAMPLE;
      let angleRad = 0;
      let rateRadS = 0;
      for (let sensor = 0; sensor < sensorCount; sensor += 1) {
        const values = samplesBySensor[sensor]!;
        const filter = filters[sensor]!;
        const role = roles[sensor]!;
        updateOrientation(
          filter,
          constants,
          sampleCount,
          values[base]!,
          values[base + 1]!,
          values[base + 2]!,
          values[base + 3]!,
          values[base + 4]!,
          values[base + 5]!,
        );
        // World up in the sensor frame (as upInSensorFrame, inlined to keep the loop allocation-free).
        const q0 = filter[Q0]!;
        const q1 = filter[Q1]!;
        const q2 = filter[Q2]!;
        const q3 = filter[Q3]!;
        const upX = 2 * (q1 * q3 - q0 * q2);
        const upY = 2 * (q0 * q1 + q2 * q3);
        const upZ = q0 * q0 - q1 * q1 - q2 * q2 + q3 * q3;
        const wrapped = inclinationFromUp(upX, upY, upZ, role.axisX, role.axisY);
        const inclination = sampleCount > 0 ? unwrapAngle(inclinations[sensor]!, wrapped) : wrapped;
        inclinations[sensor] = inclination;
        angleRad += role.weight * inclination;
        rateRadS += role.weight * (filter[RATE_X]! * role.axisX + filter[RATE_Y]! * role.axisY + filter[RATE_Z]! * role.axisZ);
      }
      detector.step(jointSign * (angleRad * RADIANS_TO_DEGREES + assumedOffsetDeg), jointSign * rateRadS * RADIANS_TO_DEGREES);
      sampleCount += 1;
    }
  }

  function jointAngleDeg(): number {
    let angleRad = 0;
    for (let sensor = 0; sensor < sensorCount; sensor += 1) angleRad += roles[sensor]!.weight * inclinations[sensor]!;
    return jointSign * (angleRad * RADIANS_TO_DEGREES + assumedOffsetDeg);
  }

  function metrics(repetitions: SessionMetrics['repetitions']): SessionMetrics {
    return {
      exercise: config.exercise,
      targetRomDeg,
      repetitions,
      summary: summarize(repetitions, sampleCount, rate),
    };
  }

  return {
    push,
    state(): AnalyzerState {
      return {
        version: ANALYZER_STATE_VERSION,
        exercise: config.exercise,
        sampleRateHz: rate,
        placements: [...config.placements],
        sampleCount,
        sensors: filters.map((filter, index) => ({
          orientation: Array.from(filter, (value) => value + 0),
          inclinationRad: inclinations[index]! + 0,
        })),
        repetitions: detector.state(),
      };
    },
    currentAngleDeg: () => (sampleCount > 0 ? jointAngleDeg() : undefined),
    result: () => metrics(detector.repetitions()),
    finish: () => metrics(detector.repetitionsAtEnd()),
  };
}

function validateConfig(config: AnalyzerConfig): ExerciseDefinition {
  if (!isExerciseId(config.exercise)) throw new RangeError(`unknown exercise: ${String(config.exercise)}`);
  if (!(Number.isFinite(config.sampleRateHz) && config.sampleRateHz > 0)) {
    throw new RangeError('sampleRateHz must be a positive number');
  }
  if (config.targetRomDeg !== undefined && !(Number.isFinite(config.targetRomDeg) && config.targetRomDeg > 0)) {
    throw new RangeError('targetRomDeg must be a positive number');
  }
  const fraction = config.incompleteFraction;
  if (fraction !== undefined && !(Number.isFinite(fraction) && fraction > 0 && fraction <= 1)) {
    throw new RangeError('incompleteFraction must be in (0, 1]');
  }
  if (config.setGapS !== undefined && !(Number.isFinite(config.setGapS) && config.setGapS > 0)) {
    throw new RangeError('setGapS must be a positive number');
  }
  return EXERCISES[config.exercise];
}

function sensorRoles(definition: ExerciseDefinition, placements: readonly Segment[]): SensorRole[] {
  if (!Array.isArray(placements) || placements.length === 0) throw new RangeError('placements: at least one sensor');
  const kinds = new Set<string>();
  let side: Side | undefined;
  for (const placement of placements) {
    if (!isSegment(placement)) throw new RangeError(`placements: unknown segment ${String(placement)}`);
    const kind = segmentKind(placement);
    if (kind !== definition.proximal && kind !== definition.distal) {
      throw new RangeError(`placements: ${placement} plays no part in ${definition.id} (uses ${definition.proximal}, ${definition.distal})`);
    }
    if (kinds.has(kind)) throw new RangeError(`placements: two sensors on the ${kind}`);
    kinds.add(kind);
    const placementSide = segmentSide(placement);
    if (placementSide !== undefined) {
      if (side !== undefined && side !== placementSide) throw new RangeError('placements: sensors on both sides of the body');
      side = placementSide;
    }
  }
  if (!kinds.has(definition.requiredSegment)) {
    throw new RangeError(`placements: ${definition.id} needs a sensor on the ${definition.requiredSegment}`);
  }
  const [axisX, axisY, axisZ] = hingeAxisFor(definition.id, side ?? 'right');
  return placements.map((placement) => ({
    weight: segmentKind(placement) === definition.distal ? 1 : -1,
    axisX,
    axisY,
    axisZ,
  }));
}

function checkStateMatches(state: AnalyzerState, config: AnalyzerConfig): void {
  if (state.version !== ANALYZER_STATE_VERSION) throw new RangeError(`state: unsupported version ${String(state.version)}`);
  if (state.exercise !== config.exercise) throw new RangeError('state: recorded for another exercise');
  if (state.sampleRateHz !== config.sampleRateHz) throw new RangeError('state: recorded at another sample rate');
  const samePlacements =
    state.placements.length === config.placements.length && state.placements.every((placement, index) => placement === config.placements[index]);
  if (!samePlacements) throw new RangeError('state: recorded with other sensor placements');
  if (!Number.isInteger(state.sampleCount) || state.sampleCount < 0) throw new RangeError('state: bad sampleCount');
  if (state.sensors.length !== config.placements.length) throw new RangeError('state: wrong number of sensors');
  for (const sensor of state.sensors) {
    if (sensor.orientation.length !== ORIENTATION_STATE_SIZE || !sensor.orientation.every(Number.isFinite) || !Number.isFinite(sensor.inclinationRad)) {
      throw new RangeError('state: corrupt sensor state');
    }
  }
  if (state.repetitions.sampleCount !== state.sampleCount) throw new RangeError('state: detector out of step with filters');
}

/** Validates a batch before any state changes, so a bad message leaves the analyzer untouched. */
function checkBatch(samplesBySensor: Float32Array[], sensorCount: number): number {
  if (samplesBySensor.length !== sensorCount) {
    throw new RangeError(`expected samples for ${sensorCount} sensor(s), got ${samplesBySensor.length}`);
  }
  const length = samplesBySensor[0]!.length;
  for (const values of samplesBySensor) {
    if (!(values instanceof Float32Array)) throw new TypeError('samples must be Float32Array');
    if (values.length !== length) throw new RangeError('sensors have different sample counts');
    if (values.length % VALUES_PER_SAMPLE !== 0) throw new RangeError(`sample array length must be a multiple of ${VALUES_PER_SAMPLE}`);
    for (let index = 0; index < values.length; index += 1) {
      if (!Number.isFinite(values[index]!)) throw new RangeError('samples contain a non-finite value');
    }
  }
  return length / VALUES_PER_SAMPLE;
}
