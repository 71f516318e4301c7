/** Exact IMU samples for hinge rotations, built from first principles for the rehab tests. */
import { rotate } from '../../../device-firmware-sim/physics/session.js';
import type { Vector3 } from '../../../lambdas/rehab/exercises.js';

const DEGREES = Math.PI / 180;

/**
 * A sensor (no lever arm, so no motion acceleration) whose orientation is a rotation by angleDeg(t) about
 * `axis`, an axis fixed in both the world and the sensor frame. The accelerometer sees world up rotated into
 * the sensor frame; the gyroscope sees axis x angular rate.
 */
export function hingeSamples(axis: Vector3, angleDeg: (timeS: number) => number, seconds: number, sampleRateHz: number): Float32Array {
  const count = Math.round(seconds * sampleRateHz);
  const samples = new Float32Array(count * 6);
  const step = 1e-5;
  for (let index = 0; index < count; index += 1) {
    const time = index / sampleRateHz;
    const angle = angleDeg(time) * DEGREES;
    const rate = ((angleDeg(time + step) - angleDeg(time - step)) / (2 * step)) * DEGREES;
    const up = rotate(axis, -angle, [0, 0, 1]);
    samples.set([up[0], up[1], up[2], axis[0] * rate, axis[1] * rate, axis[2] * rate], index * 6);
  }
  return samples;
}

export function staticSamples(axis: Vector3, angleDeg: number, seconds: number, sampleRateHz: number): Float32Array {
  return hingeSamples(axis, () => angleDeg, seconds, sampleRateHz);
}

/** Angle between two 3-vectors in degrees. */
export function angleBetweenDeg(a: readonly number[], b: readonly number[]): number {
  const dot = a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!;
  const norms = Math.hypot(a[0]!, a[1]!, a[2]!) * Math.hypot(b[0]!, b[1]!, b[2]!);
  return Math.acos(Math.min(1, Math.max(-1, dot / norms))) / DEGREES;
}

export function concatSamples(...parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
