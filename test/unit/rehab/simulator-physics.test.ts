import { describe, expect, it } from 'vitest';
import { NOISE_MODELS, createRandom, generateSession, mulberry32 } from '../../../device-firmware-sim/physics/index.js';
import { hingeAxisFor } from '../../../lambdas/rehab/exercises.js';

describe('seeded randomness', () => {
  it('is reproducible from the seed and differs between seeds', () => {
    const first = mulberry32(7);
    const again = mulberry32(7);
    const other = mulberry32(8);
    const a = Array.from({ length: 5 }, () => first());
    expect(Array.from({ length: 5 }, () => again())).toEqual(a);
    expect(Array.from({ length: 5 }, () => other())).not.toEqual(a);
    for (const value of a) expect(value >= 0 && value < 1).toBe(true);
  });

  it('produces standard normal values', () => {
    const random = createRandom(3);
    const values = Array.from({ length: 20000 }, () => random.gaussian());
    const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
    const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / values.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });
});

describe('generateSession', () => {
  it('is deterministic from its seed', () => {
    const options = { exercise: 'elbow-flexion', noise: 'high', seed: 12, sets: 1, repsPerSet: 2 } as const;
    const a = generateSession(options);
    const b = generateSession(options);
    const c = generateSession({ ...options, seed: 13 });
    expect(b.samples).toEqual(a.samples);
    expect(b.groundTruth).toEqual(a.groundTruth);
    expect(c.samples[1]).not.toEqual(a.samples[1]);
  });

  it('writes the planned programme as ground truth: sets, repetitions, pauses, partial repetitions', () => {
    const session = generateSession({ exercise: 'shoulder-abduction', noise: 'clean', seed: 5, sets: 3, repsPerSet: 6, partialRepProbability: 0.3 });
    const { repetitions, sets, targetRomDeg } = session.groundTruth;
    expect(sets).toBe(3);
    expect(repetitions).toHaveLength(18);
    expect(repetitions.map((repetition) => repetition.set)).toEqual([1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3]);
    for (let position = 1; position < repetitions.length; position += 1) {
      const gap = repetitions[position]!.startTimeS - repetitions[position - 1]!.endTimeS;
      const newSet = repetitions[position]!.set !== repetitions[position - 1]!.set;
      if (newSet) expect(gap).toBeGreaterThanOrEqual(15);
      else expect(gap).toBeLessThan(2);
    }
    for (const repetition of repetitions) {
      expect(repetition.startTimeS).toBeLessThan(repetition.peakTimeS);
      expect(repetition.peakTimeS).toBeLessThan(repetition.endTimeS);
      expect(repetition.incomplete).toBe(repetition.romDeg < 0.8 * targetRomDeg);
      expect(repetition.romDeg).toBeCloseTo(Math.abs(repetition.peakAngleDeg - repetition.startAngleDeg), 9);
    }
    expect(repetitions.some((repetition) => repetition.incomplete)).toBe(true);
    expect(repetitions.some((repetition) => !repetition.incomplete)).toBe(true);
  });

  it('clean sensors at rest read 1 g of gravity and no rotation', () => {
    const session = generateSession({ exercise: 'knee-extension', noise: 'clean', seed: 2, sets: 1, repsPerSet: 1 });
    for (const values of session.samples) {
      // The first second is rest.
      for (let index = 0; index < 100; index += 1) {
        const base = index * 6;
        expect(Math.hypot(values[base]!, values[base + 1]!, values[base + 2]!)).toBeCloseTo(1, 5);
        expect(Math.hypot(values[base + 3]!, values[base + 4]!, values[base + 5]!)).toBeLessThan(1e-6);
      }
    }
  });

  it('gyroscope rate about the hinge axis integrates to the true range of motion', () => {
    const session = generateSession({ exercise: 'forward-elevation', noise: 'clean', seed: 9, sets: 1, repsPerSet: 3, mountingMisalignmentDeg: 0 });
    const [ax, ay, az] = hingeAxisFor('forward-elevation', 'right');
    const values = session.samples[0]!;
    const rate = session.sampleRateHz;
    for (const repetition of session.groundTruth.repetitions) {
      let integral = 0;
      for (let index = Math.floor(repetition.startTimeS * rate); index < Math.round(repetition.peakTimeS * rate); index += 1) {
        const base = index * 6;
        integral += (values[base + 3]! * ax + values[base + 4]! * ay + values[base + 5]! * az) / rate;
      }
      expect((integral * 180) / Math.PI).toBeCloseTo(repetition.romDeg, 0);
    }
  });

  it('accelerometer adds the centripetal acceleration of the lever arm to gravity', () => {
    const session = generateSession({ exercise: 'forward-elevation', noise: 'clean', seed: 9, sets: 1, repsPerSet: 1, tempo: 'fast', mountingMisalignmentDeg: 0 });
    const values = session.samples[0]!;
    // At peak angular speed (mid-rise of a minimum-jerk movement) the tangential acceleration is zero.
    let fastest = 0;
    for (let index = 0; index * 6 < values.length; index += 1) {
      if (Math.abs(values[index * 6 + 4]!) > Math.abs(values[fastest * 6 + 4]!)) fastest = index;
    }
    const base = fastest * 6;
    const omega = Math.hypot(values[base + 3]!, values[base + 4]!, values[base + 5]!);
    const angle = (session.angleDeg[fastest]! * Math.PI) / 180;
    // Gravity seen from a segment turned by `angle` about the right-pointing axis, in g.
    const gravity = [Math.sin(angle), 0, Math.cos(angle)];
    const motion = Math.hypot(values[base]! - gravity[0]!, values[base + 1]! - gravity[1]!, values[base + 2]! - gravity[2]!);
    // Sensor 0.17 m down the upper arm: |a| = omega^2 r.
    expect(motion * 9.80665).toBeCloseTo(omega * omega * 0.17, 1);
    expect(omega * omega * 0.17).toBeGreaterThan(3);
  });

  it('noise levels add noise of the configured size', () => {
    const clean = generateSession({ exercise: 'shoulder-abduction', noise: 'clean', seed: 4, sets: 1, repsPerSet: 1 });
    const high = generateSession({ exercise: 'shoulder-abduction', noise: 'high', seed: 4, sets: 1, repsPerSet: 1 });
    const differences: number[] = [];
    // Successive differences of a gyro axis during the initial rest cancel the bias and leave sqrt(2) x noise.
    for (let index = 1; index < 250; index += 1) differences.push(high.samples[0]![index * 6 + 3]! - high.samples[0]![(index - 1) * 6 + 3]!);
    const deviation = Math.sqrt(differences.reduce((sum, value) => sum + value * value, 0) / differences.length / 2);
    expect(deviation).toBeGreaterThan(0.7 * NOISE_MODELS.high.gyroNoiseRadS);
    expect(deviation).toBeLessThan(1.3 * NOISE_MODELS.high.gyroNoiseRadS);
    for (let index = 0; index < 250; index += 1) expect(Math.abs(clean.samples[0]![index * 6 + 3]!)).toBeLessThan(1e-9);
  });
});
