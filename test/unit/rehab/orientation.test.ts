import { describe, expect, it } from 'vitest';
import { createRandom, rotate } from '../../../device-firmware-sim/physics/index.js';
import type { Vector3 } from '../../../lambdas/rehab/exercises.js';
import {
  BIAS_X,
  BIAS_Y,
  BIAS_Z,
  alignToGravity,
  createOrientationState,
  madgwickUpdate,
  orientationConstants,
  upInSensorFrame,
  updateOrientation,
} from '../../../lambdas/rehab/orientation.js';
import { angleBetweenDeg, hingeSamples, staticSamples } from './synthetic-imu.js';

const RATE = 100;
const DEGREES = Math.PI / 180;

/** Runs the full per-sensor update over interleaved samples; calls `check` after each sample. */
function runFilter(samples: Float32Array, check?: (state: Float64Array, index: number) => void): Float64Array {
  const state = createOrientationState();
  const constants = orientationConstants(RATE);
  for (let index = 0; index * 6 < samples.length; index += 1) {
    const base = index * 6;
    updateOrientation(state, constants, index, samples[base]!, samples[base + 1]!, samples[base + 2]!, samples[base + 3]!, samples[base + 4]!, samples[base + 5]!);
    check?.(state, index);
  }
  return state;
}

function normalize(vector: Vector3): Vector3 {
  const norm = Math.hypot(...vector);
  return [vector[0] / norm, vector[1] / norm, vector[2] / norm];
}

describe('orientation filter', () => {
  it.each([
    { axis: [1, 0, 0] as Vector3, angleDeg: 30 },
    { axis: [0, 1, 0] as Vector3, angleDeg: -60 },
    { axis: normalize([1, 1, 0]), angleDeg: 50 },
    { axis: normalize([1, -2, 0.5]), angleDeg: 120 },
  ])('recovers a static tilt of $angleDeg° about $axis', ({ axis, angleDeg }) => {
    const samples = staticSamples(axis, angleDeg, 3, RATE);
    const state = runFilter(samples);
    const trueUp = rotate(axis, -angleDeg * DEGREES, [0, 0, 1]);
    expect(angleBetweenDeg(upInSensorFrame(state), trueUp)).toBeLessThan(0.2);
  });

  it('starts from the first accelerometer sample, so the tilt is right from the first update', () => {
    const axis: Vector3 = [0, 1, 0];
    const samples = staticSamples(axis, 70, 0.01, RATE);
    const state = runFilter(samples);
    expect(angleBetweenDeg(upInSensorFrame(state), rotate(axis, -70 * DEGREES, [0, 0, 1]))).toBeLessThan(0.5);
  });

  it('aligns to gravity even when the sensor starts upside down', () => {
    const quaternion = new Float64Array(4);
    alignToGravity(quaternion, 0, 0, -1);
    expect(angleBetweenDeg(upInSensorFrame(quaternion), [0, 0, -1])).toBeLessThan(1e-6);
    alignToGravity(quaternion, 0.3, -0.5, 0.2);
    expect(angleBetweenDeg(upInSensorFrame(quaternion), [0.3, -0.5, 0.2])).toBeLessThan(1e-6);
  });

  it('tracks a constant rotation about an axis', () => {
    const axis = normalize([0.2, 1, 0]);
    const rateDps = 45;
    const samples = hingeSamples(axis, (time) => rateDps * Math.max(0, time - 1), 5, RATE);
    let worstDeg = 0;
    runFilter(samples, (state, index) => {
      // The orientation after sample `index` includes the rotation up to the next sample time.
      const trueAngle = rateDps * Math.max(0, (index + 1) / RATE - 1);
      const trueUp = rotate(axis, -trueAngle * DEGREES, [0, 0, 1]);
      worstDeg = Math.max(worstDeg, angleBetweenDeg(upInSensorFrame(state), trueUp));
    });
    expect(worstDeg).toBeLessThan(1);
  });

  it('estimates a constant gyroscope bias while still, and the orientation does not drift with it', () => {
    const bias: Vector3 = [0.02, -0.015, 0.025];
    const axis: Vector3 = [1, 0, 0];
    const still = staticSamples(axis, 20, 4, RATE);
    for (let base = 0; base < still.length; base += 6) {
      still[base + 3]! += bias[0];
      still[base + 4]! += bias[1];
      still[base + 5]! += bias[2];
    }
    const state = runFilter(still);
    expect(state[BIAS_X]).toBeCloseTo(bias[0], 3);
    expect(state[BIAS_Y]).toBeCloseTo(bias[1], 3);
    expect(state[BIAS_Z]).toBeCloseTo(bias[2], 3);
    expect(angleBetweenDeg(upInSensorFrame(state), rotate(axis, -20 * DEGREES, [0, 0, 1]))).toBeLessThan(0.3);
  });

  it('averages accelerometer and gyroscope noise down to a small tilt error', () => {
    const random = createRandom(99);
    const axis: Vector3 = [0, 1, 0];
    const samples = staticSamples(axis, 35, 6, RATE);
    // 0.02 g and 0.02 rad/s per sample: the simulator's high noise level.
    for (let index = 0; index < samples.length; index += 1) samples[index]! += 0.02 * random.gaussian();
    const trueUp = rotate(axis, -35 * DEGREES, [0, 0, 1]);
    let worstAfterWarmupDeg = 0;
    runFilter(samples, (state, index) => {
      if (index >= 2 * RATE) worstAfterWarmupDeg = Math.max(worstAfterWarmupDeg, angleBetweenDeg(upInSensorFrame(state), trueUp));
    });
    expect(worstAfterWarmupDeg).toBeLessThan(1);
  });

  it('bare Madgwick step keeps the quaternion unit length and follows the gyroscope when beta is 0', () => {
    const quaternion = new Float64Array([1, 0, 0, 0]);
    for (let step = 0; step < 100; step += 1) madgwickUpdate(quaternion, 0, 0.5 * Math.PI, 0, 0, 0, 1, 0, 0.01);
    expect(Math.hypot(...quaternion)).toBeCloseTo(1, 12);
    // 100 steps of 0.01 s at 90°/s about y: up seen from the sensor turned by -90° about y.
    expect(angleBetweenDeg(upInSensorFrame(quaternion), [-1, 0, 0])).toBeLessThan(0.5);
  });
});
