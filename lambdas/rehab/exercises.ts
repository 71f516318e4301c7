/**
 * Exercise catalogue shared by the stream processor, the query API and the device simulator.
 *
 * Frames (see docs/rehab-metrics.md): the body frame is x anterior, y to the patient's left, z up, standing
 * in the anatomical neutral pose. Every sensor is worn with its axes aligned to that frame when its segment is
 * in the neutral pose (z along the segment toward the head). Segment inclination is the rotation of the
 * segment away from neutral about the exercise's hinge axis; the measured angle is
 * `jointSign * (inclination(distal) - inclination(proximal))`.
 */

export type ExerciseId = 'shoulder-abduction' | 'forward-elevation' | 'elbow-flexion' | 'knee-extension' | 'sit-to-stand';

/** The limb segments a sensor can be strapped to: the one list the device registry, codec users and metrics share. */
export const SEGMENTS = [
  'left-upper-arm',
  'right-upper-arm',
  'left-forearm',
  'right-forearm',
  'left-thigh',
  'right-thigh',
  'left-shank',
  'right-shank',
  'trunk',
] as const;
export type Segment = (typeof SEGMENTS)[number];

export type SegmentKind = 'upper-arm' | 'forearm' | 'thigh' | 'shank' | 'trunk';
export type Side = 'left' | 'right';
export type Vector3 = readonly [number, number, number];

export interface ExerciseDefinition {
  id: ExerciseId;
  displayName: string;
  /** What the reported angle is, for people reading the metrics. */
  angleName: string;
  plane: 'frontal' | 'sagittal';
  /** Hinge axis in the body frame for the right side; the left side is mirrored (see hingeAxisFor). */
  hingeAxisRight: Vector3;
  proximal: SegmentKind;
  distal: SegmentKind;
  /** Segments that carry a sensor in the standard set-up, proximal first. */
  sensorSegments: readonly SegmentKind[];
  /** The segment whose sensor cannot be left out: the one that moves. */
  requiredSegment: SegmentKind;
  /** Inclination assumed for a segment of this exercise that has no sensor, in degrees. */
  assumedInclinationDeg: Partial<Record<SegmentKind, number>>;
  jointSign: 1 | -1;
  /** +1 when the angle grows during the movement, -1 when it shrinks (extension from a flexed start). */
  movementDirection: 1 | -1;
  /** Typical angle at the start of each repetition. */
  startAngleDeg: number;
  defaultTargetRomDeg: number;
  /** Largest excursion the joint allows from the start angle; the simulator never exceeds it. */
  maxRomDeg: number;
}

export const EXERCISES: Record<ExerciseId, ExerciseDefinition> = {
  'shoulder-abduction': {
    id: 'shoulder-abduction',
    displayName: 'Shoulder abduction',
    angleName: 'arm elevation in the frontal plane (0° = arm hanging)',
    plane: 'frontal',
    // Raising the right arm sideways turns it about the posterior axis.
    hingeAxisRight: [-1, 0, 0],
    proximal: 'trunk',
    distal: 'upper-arm',
    sensorSegments: ['upper-arm'],
    requiredSegment: 'upper-arm',
    assumedInclinationDeg: { trunk: 0 },
    jointSign: 1,
    movementDirection: 1,
    startAngleDeg: 0,
    defaultTargetRomDeg: 120,
    maxRomDeg: 170,
  },
  'forward-elevation': {
    id: 'forward-elevation',
    displayName: 'Forward elevation (shoulder flexion)',
    angleName: 'arm elevation in the sagittal plane (0° = arm hanging)',
    plane: 'sagittal',
    // Flexion brings the distal end forward: a rotation about the right-pointing axis.
    hingeAxisRight: [0, -1, 0],
    proximal: 'trunk',
    distal: 'upper-arm',
    sensorSegments: ['upper-arm'],
    requiredSegment: 'upper-arm',
    assumedInclinationDeg: { trunk: 0 },
    jointSign: 1,
    movementDirection: 1,
    startAngleDeg: 0,
    defaultTargetRomDeg: 120,
    maxRomDeg: 170,
  },
  'elbow-flexion': {
    id: 'elbow-flexion',
    displayName: 'Elbow flexion',
    angleName: 'elbow flexion (0° = straight)',
    plane: 'sagittal',
    hingeAxisRight: [0, -1, 0],
    proximal: 'upper-arm',
    distal: 'forearm',
    sensorSegments: ['upper-arm', 'forearm'],
    requiredSegment: 'forearm',
    assumedInclinationDeg: { 'upper-arm': 0 },
    jointSign: 1,
    movementDirection: 1,
    startAngleDeg: 10,
    defaultTargetRomDeg: 120,
    maxRomDeg: 135,
  },
  'knee-extension': {
    id: 'knee-extension',
    displayName: 'Seated knee extension',
    angleName: 'knee flexion (0° = straight, 90° = seated)',
    plane: 'sagittal',
    hingeAxisRight: [0, -1, 0],
    proximal: 'thigh',
    distal: 'shank',
    sensorSegments: ['thigh', 'shank'],
    requiredSegment: 'shank',
    // Seated: thigh horizontal.
    assumedInclinationDeg: { thigh: 90 },
    // Knee flexion is the shank turning backwards relative to the thigh.
    jointSign: -1,
    movementDirection: -1,
    startAngleDeg: 90,
    defaultTargetRomDeg: 80,
    maxRomDeg: 90,
  },
  'sit-to-stand': {
    id: 'sit-to-stand',
    displayName: 'Sit to stand',
    angleName: 'knee flexion (90° = seated, 0° = standing)',
    plane: 'sagittal',
    hingeAxisRight: [0, -1, 0],
    proximal: 'thigh',
    distal: 'shank',
    // The thigh carries the movement; the shank sensor removes its forward lean from the knee angle.
    sensorSegments: ['thigh', 'shank'],
    requiredSegment: 'thigh',
    assumedInclinationDeg: { shank: 0 },
    jointSign: -1,
    movementDirection: -1,
    startAngleDeg: 90,
    defaultTargetRomDeg: 85,
    maxRomDeg: 90,
  },
};

const EXERCISE_IDS = new Set<string>(Object.keys(EXERCISES));
const SEGMENT_SET = new Set<string>(SEGMENTS);

export function isExerciseId(value: unknown): value is ExerciseId {
  return typeof value === 'string' && EXERCISE_IDS.has(value);
}

export function isSegment(value: unknown): value is Segment {
  return typeof value === 'string' && SEGMENT_SET.has(value);
}

export function segmentKind(segment: Segment): SegmentKind {
  if (segment === 'trunk') return 'trunk';
  return segment.slice(segment.indexOf('-') + 1) as SegmentKind;
}

export function segmentSide(segment: Segment): Side | undefined {
  if (segment.startsWith('left-')) return 'left';
  if (segment.startsWith('right-')) return 'right';
  return undefined;
}

export function segmentOn(kind: SegmentKind, side: Side): Segment {
  return kind === 'trunk' ? 'trunk' : (`${side}-${kind}` as Segment);
}

/**
 * Hinge axis in the body frame for one side. Mirroring the body across the sagittal plane flips y, and a
 * rotation axis is a pseudo-vector, so it maps (x, y, z) -> (-x, y, -z).
 */
export function hingeAxisFor(exercise: ExerciseId, side: Side): Vector3 {
  const [x, y, z] = EXERCISES[exercise].hingeAxisRight;
  // `0 - v` rather than `-v` so a zero component stays +0 (state must survive JSON, which drops -0).
  return side === 'right' ? [x, y, z] : [0 - x, y, 0 - z];
}

/** The standard sensor placements for an exercise, in sensor order (proximal first). */
export function defaultPlacements(exercise: ExerciseId, side: Side = 'right'): Segment[] {
  return EXERCISES[exercise].sensorSegments.map((kind) => segmentOn(kind, side));
}
