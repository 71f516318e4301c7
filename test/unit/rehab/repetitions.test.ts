import { describe, expect, it } from 'vitest';
import {
  buildMotionPlan,
  createRandom,
  minimumJerk,
  sampleAngleTrajectory,
  type MotionPlan,
  type RepetitionSpec,
} from '../../../device-firmware-sim/physics/index.js';
import { RepetitionDetector, type RepetitionDetectorSettings } from '../../../lambdas/rehab/repetitions.js';
import type { RepetitionMetrics } from '../../../lambdas/rehab/metrics.js';

const RATE = 100;
const TARGET = 120;

function detect(
  plan: MotionPlan,
  options: { startAngleDeg?: number; direction?: 1 | -1; noiseDeg?: number; settings?: Partial<RepetitionDetectorSettings> } = {},
): { completed: RepetitionMetrics[]; atEnd: RepetitionMetrics[] } {
  const direction = options.direction ?? 1;
  const { angleDeg, angularVelocityDps } = sampleAngleTrajectory(plan, { sampleRateHz: RATE, startAngleDeg: options.startAngleDeg ?? 0, direction });
  const detector = new RepetitionDetector({
    sampleRateHz: RATE,
    targetRomDeg: TARGET,
    incompleteFraction: 0.8,
    movementDirection: direction,
    ...options.settings,
  });
  const random = createRandom(5);
  const noise = options.noiseDeg ?? 0;
  for (let index = 0; index < angleDeg.length; index += 1) {
    // Angle noise with the matching velocity noise of a differentiated signal at this rate.
    detector.step(angleDeg[index]! + noise * random.gaussian(), angularVelocityDps[index]! + noise * 3 * random.gaussian());
  }
  return { completed: detector.repetitions(), atEnd: detector.repetitionsAtEnd() };
}

function repetition(romDeg: number, durationS: number, restAfterS: number, set?: number): RepetitionSpec {
  return { romDeg, riseS: 0.45 * durationS, holdS: 0.1 * durationS, returnS: 0.45 * durationS, restAfterS, set };
}

function expectMatchesPlan(found: RepetitionMetrics[], plan: MotionPlan, romToleranceDeg: number): void {
  expect(found).toHaveLength(plan.repetitions.length);
  found.forEach((detected, position) => {
    const truth = plan.repetitions[position]!;
    expect(Math.abs(detected.romDeg - truth.romDeg)).toBeLessThan(romToleranceDeg);
    expect(detected.startTimeS).toBeGreaterThanOrEqual(truth.startTimeS - 0.05);
    expect(detected.startTimeS).toBeLessThan(truth.peakTimeS);
    expect(detected.peakTimeS).toBeGreaterThanOrEqual(truth.peakTimeS - 0.05);
    expect(detected.peakTimeS).toBeLessThanOrEqual(truth.returnTimeS + 0.05);
    expect(detected.endTimeS).toBeGreaterThan(truth.returnTimeS);
    expect(detected.endTimeS).toBeLessThanOrEqual(truth.endTimeS + 0.3);
  });
}

describe('trajectory helpers', () => {
  it('minimum jerk runs from 0 to 1, symmetric about the midpoint', () => {
    expect(minimumJerk(0)).toBe(0);
    expect(minimumJerk(1)).toBe(1);
    expect(minimumJerk(0.5)).toBeCloseTo(0.5, 12);
    expect(minimumJerk(0.2) + minimumJerk(0.8)).toBeCloseTo(1, 12);
  });
});

describe('repetition detection', () => {
  it('counts repetitions and measures their range of motion and timing', () => {
    const plan = buildMotionPlan(2, [repetition(110, 2, 1), repetition(125, 2, 1), repetition(118, 2, 1), repetition(121, 2, 2)]);
    const { completed } = detect(plan);
    expectMatchesPlan(completed, plan, 0.5);
    for (const found of completed) {
      expect(found.incomplete).toBe(false);
      expect(found.set).toBe(1);
      // Minimum jerk peaks at 1.875 x mean speed: rom / rise time.
      const rise = 0.9;
      expect(found.peakAngularVelocityDps).toBeCloseTo((1.875 * found.romDeg) / rise, -1);
    }
  });

  it('splits sets at long pauses and keeps short pauses within a set', () => {
    const plan = buildMotionPlan(2, [
      repetition(120, 2, 1),
      repetition(120, 2, 6), // 6 s pause: same set
      repetition(120, 2, 20), // 20 s pause: next set
      repetition(120, 2, 1, 2),
      repetition(120, 2, 25),
      repetition(120, 2, 2, 3),
    ]);
    const { completed } = detect(plan);
    expectMatchesPlan(completed, plan, 0.5);
    expect(completed.map((found) => found.set)).toEqual([1, 1, 1, 2, 2, 3]);
  });

  it('handles slow and fast tempo in the same session', () => {
    const plan = buildMotionPlan(2, [repetition(120, 4.5, 1), repetition(115, 1, 0.3), repetition(125, 0.8, 0.2), repetition(118, 4, 1)]);
    const { completed } = detect(plan);
    expectMatchesPlan(completed, plan, 0.5);
    expect(completed[0]!.durationS).toBeGreaterThan(3.5);
    expect(completed[2]!.durationS).toBeLessThan(1);
  });

  it('counts back-to-back repetitions with no rest between them', () => {
    const plan = buildMotionPlan(2, [repetition(120, 2, 0), repetition(110, 2, 0), repetition(118, 2, 0), repetition(122, 2, 2)]);
    const { completed } = detect(plan);
    expectMatchesPlan(completed, plan, 0.5);
  });

  it('counts partial repetitions and flags those short of the incomplete fraction', () => {
    const plan = buildMotionPlan(2, [repetition(120, 2, 1), repetition(60, 2, 1), repetition(100, 2, 1), repetition(40, 1.5, 1), repetition(90, 2, 2)]);
    const { completed } = detect(plan);
    expectMatchesPlan(completed, plan, 0.5);
    // Target 120°, incomplete below 96°.
    expect(completed.map((found) => found.incomplete)).toEqual([false, true, false, true, true]);
  });

  it('ignores movements below the onset threshold', () => {
    const plan = buildMotionPlan(2, [repetition(120, 2, 1), repetition(10, 1, 1), repetition(120, 2, 2)]);
    const { completed } = detect(plan);
    expect(completed.map((found) => Math.round(found.romDeg))).toEqual([120, 120]);
  });

  it('is robust to measurement noise on the angle', () => {
    const random = createRandom(17);
    const specs = Array.from({ length: 12 }, (_, position) =>
      repetition(TARGET * (0.9 + 0.2 * random.next()), position % 2 === 0 ? 1.2 : 3.5, 0.3 + random.next(), undefined),
    );
    const plan = buildMotionPlan(2, specs);
    // 1° white noise is ~30 times what the orientation filter leaves on the angle at the high noise level.
    const { completed } = detect(plan, { noiseDeg: 1 });
    expect(completed).toHaveLength(12);
    // Peak and start are extremes of noisy samples, each biased by up to ~3 sigma.
    completed.forEach((found, position) => expect(Math.abs(found.romDeg - plan.repetitions[position]!.romDeg)).toBeLessThan(6));
  });

  it('handles exercises whose angle decreases (knee extension from 90°)', () => {
    const plan = buildMotionPlan(2, [repetition(80, 2, 1), repetition(75, 3, 1), repetition(40, 2, 2)]);
    const { completed } = detect(plan, { startAngleDeg: 90, direction: -1, settings: { targetRomDeg: 80 } });
    expect(completed).toHaveLength(3);
    expect(completed[0]!.startAngleDeg).toBeCloseTo(90, 1);
    expect(completed[0]!.peakAngleDeg).toBeCloseTo(10, 1);
    expect(completed[0]!.romDeg).toBeCloseTo(80, 1);
    expect(completed.map((found) => found.incomplete)).toEqual([false, false, true]);
  });

  it('does not count a repetition until it has ended; closes it at the end of the session', () => {
    // The session stops while the arm is still up.
    const plan = buildMotionPlan(2, [repetition(120, 2, 1), { romDeg: 110, riseS: 1, holdS: 3, returnS: 1, restAfterS: 0 }]);
    const cut: MotionPlan = { ...plan, durationS: plan.repetitions[1]!.peakTimeS + 1 };
    const { completed, atEnd } = detect(cut);
    expect(completed).toHaveLength(1);
    expect(atEnd).toHaveLength(2);
    expect(atEnd[1]!.romDeg).toBeCloseTo(110, 0);
  });

  it('treats settling into a new rest position as rest, not as a repetition', () => {
    // The arm settles 30° higher for 20 s, then does two repetitions from there.
    const settle = (timeS: number) => 30 * minimumJerk((timeS - 2) / 1);
    const plan = buildMotionPlan(25, [repetition(100, 2, 1), repetition(100, 2, 2)]);
    const count = Math.round(plan.durationS * RATE);
    const detector = new RepetitionDetector({ sampleRateHz: RATE, targetRomDeg: TARGET, incompleteFraction: 0.8, movementDirection: 1 });
    const trajectory = sampleAngleTrajectory(plan, { sampleRateHz: RATE, startAngleDeg: 0, direction: 1 });
    for (let index = 0; index < count; index += 1) {
      const time = index / RATE;
      const settleRate = (settle(time + 1e-4) - settle(time - 1e-4)) / 2e-4;
      detector.step(settle(time) + trajectory.angleDeg[index]!, settleRate + trajectory.angularVelocityDps[index]!);
    }
    const found = detector.repetitions();
    expect(found).toHaveLength(2);
    for (const repetitionFound of found) {
      expect(repetitionFound.startAngleDeg).toBeCloseTo(30, 0);
      expect(repetitionFound.romDeg).toBeCloseTo(100, 0);
    }
  });

  it('gives the same result whether fed in one go or resumed from a JSON round trip of its state', () => {
    const plan = buildMotionPlan(2, [repetition(120, 2, 1), repetition(60, 1, 0), repetition(118, 4, 15), repetition(121, 2, 2, 2)]);
    const { angleDeg, angularVelocityDps } = sampleAngleTrajectory(plan, { sampleRateHz: RATE, startAngleDeg: 0, direction: 1 });
    const settings: RepetitionDetectorSettings = { sampleRateHz: RATE, targetRomDeg: TARGET, incompleteFraction: 0.8, movementDirection: 1 };
    const whole = new RepetitionDetector(settings);
    for (let index = 0; index < angleDeg.length; index += 1) whole.step(angleDeg[index]!, angularVelocityDps[index]!);

    let resumed = new RepetitionDetector(settings);
    for (let index = 0; index < angleDeg.length; index += 1) {
      if (index % 333 === 0) resumed = new RepetitionDetector(settings, JSON.parse(JSON.stringify(resumed.state())));
      resumed.step(angleDeg[index]!, angularVelocityDps[index]!);
    }
    expect(whole.repetitions()).toHaveLength(4);
    expect(resumed.repetitions()).toEqual(whole.repetitions());
    expect(resumed.state()).toEqual(whole.state());
  });
});
