/**
 * Joint-angle trajectories: rest, then repetitions (minimum-jerk rise, hold, minimum-jerk return), with rests
 * between repetitions and longer pauses between sets. Minimum jerk has zero velocity and acceleration at both
 * ends, so the whole trajectory is twice differentiable and the simulated accelerometer has no artificial spikes.
 */

/** One movement of the plan, in seconds from the session start. */
export interface PlannedRepetition {
  /** 1-based. */
  index: number;
  /** 1-based. */
  set: number;
  startTimeS: number;
  peakTimeS: number;
  /** End of the hold at the peak, start of the return. */
  returnTimeS: number;
  endTimeS: number;
  /** Excursion in degrees (positive). */
  romDeg: number;
}

export interface MotionPlan {
  repetitions: PlannedRepetition[];
  durationS: number;
}

/** How a plan is described: durations of each phase, in order. */
export interface RepetitionSpec {
  romDeg: number;
  riseS: number;
  holdS: number;
  returnS: number;
  /** Rest after this repetition (before the next, or before the end of the session). */
  restAfterS: number;
  /** 1-based; defaults to the previous repetition's set (1 for the first). */
  set?: number;
}

export function buildMotionPlan(initialRestS: number, repetitions: readonly RepetitionSpec[]): MotionPlan {
  const planned: PlannedRepetition[] = [];
  let time = initialRestS;
  let set = 1;
  repetitions.forEach((spec, position) => {
    if (!(spec.romDeg >= 0 && spec.riseS > 0 && spec.returnS > 0 && spec.holdS >= 0 && spec.restAfterS >= 0)) {
      throw new RangeError(`repetition ${position + 1}: durations must be positive and the range of motion non-negative`);
    }
    set = spec.set ?? set;
    const startTimeS = time;
    const peakTimeS = startTimeS + spec.riseS;
    const returnTimeS = peakTimeS + spec.holdS;
    const endTimeS = returnTimeS + spec.returnS;
    planned.push({ index: position + 1, set, startTimeS, peakTimeS, returnTimeS, endTimeS, romDeg: spec.romDeg });
    time = endTimeS + spec.restAfterS;
  });
  return { repetitions: planned, durationS: time };
}

/** Minimum-jerk position profile on [0, 1]: s(0) = 0, s(1) = 1, zero velocity and acceleration at both ends. */
export function minimumJerk(progress: number): number {
  if (progress <= 0) return 0;
  if (progress >= 1) return 1;
  const p3 = progress * progress * progress;
  return p3 * (10 - 15 * progress + 6 * progress * progress);
}

/** The repetition whose span (start to the next repetition's start) contains t, or undefined during the initial rest. */
export function repetitionAt(plan: MotionPlan, timeS: number): PlannedRepetition | undefined {
  const repetitions = plan.repetitions;
  let low = 0;
  let high = repetitions.length - 1;
  let found: PlannedRepetition | undefined;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const candidate = repetitions[middle]!;
    if (candidate.startTimeS <= timeS) {
      found = candidate;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return found;
}

/** Excursion from the start angle (degrees, >= 0) at time t. */
export function excursionAt(plan: MotionPlan, timeS: number): number {
  const repetition = repetitionAt(plan, timeS);
  if (repetition === undefined) return 0;
  return repetitionExcursion(repetition, timeS);
}

export function repetitionExcursion(repetition: PlannedRepetition, timeS: number): number {
  if (timeS <= repetition.startTimeS || timeS >= repetition.endTimeS) return 0;
  if (timeS < repetition.peakTimeS) {
    return repetition.romDeg * minimumJerk((timeS - repetition.startTimeS) / (repetition.peakTimeS - repetition.startTimeS));
  }
  if (timeS <= repetition.returnTimeS) return repetition.romDeg;
  return repetition.romDeg * (1 - minimumJerk((timeS - repetition.returnTimeS) / (repetition.endTimeS - repetition.returnTimeS)));
}

/**
 * The exercise angle sampled at a rate, with its angular velocity (central difference of the exact
 * trajectory): the input a repetition detector sees when orientation is perfect.
 */
export function sampleAngleTrajectory(
  plan: MotionPlan,
  options: { sampleRateHz: number; startAngleDeg: number; direction: 1 | -1 },
): { angleDeg: Float64Array; angularVelocityDps: Float64Array } {
  const count = Math.round(plan.durationS * options.sampleRateHz);
  const angleDeg = new Float64Array(count);
  const angularVelocityDps = new Float64Array(count);
  const step = 1e-4;
  for (let index = 0; index < count; index += 1) {
    const time = index / options.sampleRateHz;
    angleDeg[index] = options.startAngleDeg + options.direction * excursionAt(plan, time);
    angularVelocityDps[index] = (options.direction * (excursionAt(plan, time + step) - excursionAt(plan, time - step))) / (2 * step);
  }
  return { angleDeg, angularVelocityDps };
}
