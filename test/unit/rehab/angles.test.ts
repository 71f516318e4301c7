import { describe, expect, it } from 'vitest';
import { createSessionAnalyzer } from '../../../lambdas/rehab/analyzer.js';
import { inclinationFromUp, unwrapAngle } from '../../../lambdas/rehab/angles.js';
import { hingeAxisFor, type ExerciseId, type Segment, type Side } from '../../../lambdas/rehab/exercises.js';
import { concatSamples, hingeSamples, staticSamples } from './synthetic-imu.js';

const RATE = 100;

/** The analyzer's exercise angle after holding each sensor still at a given segment inclination. */
function angleForPose(exercise: ExerciseId, side: Side, placements: Segment[], inclinationsDeg: number[]): number {
  const axis = hingeAxisFor(exercise, side);
  const analyzer = createSessionAnalyzer({ exercise, sampleRateHz: RATE, placements });
  analyzer.push(inclinationsDeg.map((inclination) => staticSamples(axis, inclination, 2, RATE)));
  return analyzer.currentAngleDeg()!;
}

describe('segment inclination', () => {
  it('reads the rotation of up about the hinge axis, with the sign of the segment rotation', () => {
    // A segment turned by +40° about the right-pointing axis sees up turned by -40°: up = (sin 40°, 0, cos 40°).
    const angle = 40 * (Math.PI / 180);
    expect(inclinationFromUp(Math.sin(angle), 0, Math.cos(angle), 0, -1)).toBeCloseTo(angle, 12);
    expect(inclinationFromUp(0, -Math.sin(angle), Math.cos(angle), -1, 0)).toBeCloseTo(angle, 12);
  });

  it('unwraps across ±180°', () => {
    expect(unwrapAngle(3.1, -3.1)).toBeCloseTo(-3.1 + 2 * Math.PI, 12);
    expect(unwrapAngle(-3.1 + 4 * Math.PI, 3.1)).toBeCloseTo(3.1 + 2 * Math.PI, 12);
    expect(unwrapAngle(0.2, 0.3)).toBe(0.3);
  });
});

describe('exercise angles from one sensor', () => {
  it.each([0, 30, 90, 150])('right shoulder abduction held at %i°', (inclination) => {
    expect(angleForPose('shoulder-abduction', 'right', ['right-upper-arm'], [inclination])).toBeCloseTo(inclination, 1);
  });

  it.each([45, 120])('left shoulder abduction held at %i° (mirrored hinge axis)', (inclination) => {
    expect(angleForPose('shoulder-abduction', 'left', ['left-upper-arm'], [inclination])).toBeCloseTo(inclination, 1);
  });

  it('forward elevation past overhead stays continuous (no jump at 180°)', () => {
    const axis = hingeAxisFor('forward-elevation', 'right');
    const analyzer = createSessionAnalyzer({ exercise: 'forward-elevation', sampleRateHz: RATE, placements: ['right-upper-arm'] });
    // Still, then 200° at 100°/s, then still again.
    const samples = concatSamples(
      staticSamples(axis, 0, 2, RATE),
      hingeSamples(axis, (time) => 100 * time, 2, RATE),
      staticSamples(axis, 200, 2, RATE),
    );
    analyzer.push([samples]);
    expect(analyzer.currentAngleDeg()).toBeCloseTo(200, 0);
  });

  it('a two-sensor exercise with only the moving segment assumes the other segment in its usual pose', () => {
    // Seated knee extension, shank sensor only: the thigh is taken as horizontal (90°).
    expect(angleForPose('knee-extension', 'right', ['right-shank'], [30])).toBeCloseTo(60, 1);
  });
});

describe('joint angles from two sensors', () => {
  it('elbow flexion is forearm minus upper-arm inclination', () => {
    expect(angleForPose('elbow-flexion', 'right', ['right-upper-arm', 'right-forearm'], [20, 100])).toBeCloseTo(80, 1);
  });

  it('knee flexion is thigh minus shank inclination, whatever the sensor order', () => {
    expect(angleForPose('knee-extension', 'left', ['left-thigh', 'left-shank'], [95, 30])).toBeCloseTo(65, 1);
    expect(angleForPose('knee-extension', 'left', ['left-shank', 'left-thigh'], [30, 95])).toBeCloseTo(65, 1);
  });

  it('sit-to-stand knee angle removes the forward lean of the shank', () => {
    expect(angleForPose('sit-to-stand', 'right', ['right-thigh', 'right-shank'], [45, -10])).toBeCloseTo(55, 1);
  });

  it('follows a moving joint: elbow flexed from 10° to 130° while the upper arm swings forward', () => {
    const axis = hingeAxisFor('elbow-flexion', 'right');
    const upperArm = (time: number) => 10 * Math.min(1, time / 2);
    const forearm = (time: number) => upperArm(time) + 10 + 120 * Math.min(1, time / 2);
    const analyzer = createSessionAnalyzer({ exercise: 'elbow-flexion', sampleRateHz: RATE, placements: ['right-upper-arm', 'right-forearm'] });
    analyzer.push([staticSamples(axis, 0, 2, RATE), staticSamples(axis, 10, 2, RATE)]);
    expect(analyzer.currentAngleDeg()).toBeCloseTo(10, 1);
    analyzer.push([hingeSamples(axis, upperArm, 2, RATE), hingeSamples(axis, forearm, 2, RATE)]);
    analyzer.push([staticSamples(axis, 10, 0.5, RATE), staticSamples(axis, 140, 0.5, RATE)]);
    expect(analyzer.currentAngleDeg()).toBeCloseTo(130, 0);
  });
});
