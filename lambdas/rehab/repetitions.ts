/**
 * Repetition detection on an angle signal, one sample at a time.
 *
 * A hysteresis state machine on the angle measured from the rest baseline, in the direction the exercise
 * moves (so knee extension, whose angle shrinks, is handled like the others):
 *
 *   rest ──(angle - baseline >= onset threshold)──▶ rising ──(back within returnFraction of the excursion)──▶
 *   returning ──(still for endStillS, or a new rise of reboundDeg from the lowest point)──▶ rest
 *
 * - The baseline is the lowest angle since the last repetition; once the limb has been still for
 *   baselineStillS it also drifts toward the limb's angle (time constant baselineFollowS), so a patient who
 *   slowly settles a little higher does not trigger a repetition. A repetition starts at the later of the
 *   baseline's last update and the last still sample; it ends when the limb is still again (or turns).
 * - Pauses of any length between repetitions are simply rest; a pause longer than setGapS starts a new set.
 * - A rise followed by stillness longer than restShiftS (default 15 s, longer than any prescribed hold) is a
 *   change of rest position, not a repetition.
 * - Tempo does not enter any threshold: thresholds are angles, and stillness is an angular velocity.
 * - Everything is decided from the current sample and the state, never from later samples, so the result
 *   does not depend on how the signal is split into messages.
 */
import type { RepetitionMetrics } from './metrics.js';

export interface RepetitionDetectorSettings {
  sampleRateHz: number;
  targetRomDeg: number;
  /** A repetition whose excursion is below this fraction of the target is flagged incomplete. */
  incompleteFraction: number;
  /** +1 when the angle grows during the movement, -1 when it shrinks. */
  movementDirection: 1 | -1;
  /** Excursion from the baseline that starts a repetition. Default: max(5°, 15% of the target). */
  onsetThresholdDeg?: number;
  /** The repetition is returning once back within this fraction of its excursion from the start. */
  returnFraction?: number;
  /** Angular speed under which the limb counts as still. */
  stillVelocityDps?: number;
  /** How long the limb must be still before the baseline follows it. */
  baselineStillS?: number;
  /** Time constant with which the baseline follows a still limb. */
  baselineFollowS?: number;
  /** How long the limb must be still after returning for the repetition to end. */
  endStillS?: number;
  /** Still this long without returning: not a hold but a new rest position; the rise is not a repetition. */
  restShiftS?: number;
  /** A rise this far above the lowest point of the return starts the next repetition. Default: max(3°, 5% of the target). */
  reboundDeg?: number;
  /** Shorter excursions are twitches or knocks, not repetitions. */
  minRepDurationS?: number;
  /** A rest longer than this between repetitions starts a new set. */
  setGapS?: number;
}

export const DEFAULT_INCOMPLETE_FRACTION = 0.8;
export const DEFAULT_SET_GAP_S = 10;

interface ResolvedSettings {
  sampleRateHz: number;
  targetRomDeg: number;
  incompleteFraction: number;
  direction: 1 | -1;
  onsetThreshold: number;
  returnFraction: number;
  stillVelocity: number;
  baselineStillSamples: number;
  baselineFollowWeight: number;
  endStillSamples: number;
  restShiftSamples: number;
  rebound: number;
  minRepSamples: number;
  setGapSamples: number;
}

function resolveSettings(settings: RepetitionDetectorSettings): ResolvedSettings {
  const rate = settings.sampleRateHz;
  const target = settings.targetRomDeg;
  return {
    sampleRateHz: rate,
    targetRomDeg: target,
    incompleteFraction: settings.incompleteFraction,
    direction: settings.movementDirection,
    onsetThreshold: settings.onsetThresholdDeg ?? Math.max(5, 0.15 * target),
    returnFraction: settings.returnFraction ?? 0.35,
    stillVelocity: settings.stillVelocityDps ?? 10,
    baselineStillSamples: Math.max(1, Math.round((settings.baselineStillS ?? 0.5) * rate)),
    baselineFollowWeight: Math.min(1, 1 / ((settings.baselineFollowS ?? 0.5) * rate)),
    endStillSamples: Math.max(1, Math.round((settings.endStillS ?? 0.2) * rate)),
    restShiftSamples: Math.max(1, Math.round((settings.restShiftS ?? 15) * rate)),
    rebound: settings.reboundDeg ?? Math.max(3, 0.05 * target),
    minRepSamples: Math.round((settings.minRepDurationS ?? 0.4) * rate),
    setGapSamples: Math.round((settings.setGapS ?? DEFAULT_SET_GAP_S) * rate),
  };
}

type Phase = 'rest' | 'rising' | 'returning';

/**
 * Everything the detector needs to resume. Plain JSON; angles are in the movement direction
 * (direction x angle), indexes count samples from the session start, -1 means "none".
 */
export interface RepetitionDetectorState {
  phase: Phase;
  sampleCount: number;
  hasBaseline: boolean;
  baseline: number;
  baselineIndex: number;
  lastStillIndex: number;
  stillRun: number;
  stillRunStartIndex: number;
  speedSinceBaseline: number;
  startValue: number;
  startIndex: number;
  peakValue: number;
  peakIndex: number;
  peakSpeed: number;
  lowestValue: number;
  lowestIndex: number;
  lastEndIndex: number;
  repetitions: RepetitionMetrics[];
}

export function initialRepetitionState(): RepetitionDetectorState {
  return {
    phase: 'rest',
    sampleCount: 0,
    hasBaseline: false,
    baseline: 0,
    baselineIndex: 0,
    lastStillIndex: -1,
    stillRun: 0,
    stillRunStartIndex: -1,
    speedSinceBaseline: 0,
    startValue: 0,
    startIndex: 0,
    peakValue: 0,
    peakIndex: 0,
    peakSpeed: 0,
    lowestValue: 0,
    lowestIndex: 0,
    lastEndIndex: -1,
    repetitions: [],
  };
}

export class RepetitionDetector {
  private readonly settings: ResolvedSettings;
  private readonly s: RepetitionDetectorState;

  constructor(settings: RepetitionDetectorSettings, state?: RepetitionDetectorState) {
    this.settings = resolveSettings(settings);
    this.s = state ? cloneRepetitionState(state) : initialRepetitionState();
  }

  /** Feeds one sample: the exercise angle (degrees) and its rate of change (degrees per second). */
  step(angleDeg: number, angularVelocityDps: number): void {
    const settings = this.settings;
    const s = this.s;
    const index = s.sampleCount++;
    // `+ 0` turns -0 into 0: state goes through JSON, which cannot carry -0.
    const value = settings.direction * angleDeg + 0;
    const speed = Math.abs(angularVelocityDps);
    const still = speed < settings.stillVelocity;
    if (still) {
      if (s.stillRun === 0) s.stillRunStartIndex = index;
      s.stillRun += 1;
    } else {
      s.stillRun = 0;
      s.stillRunStartIndex = -1;
    }

    if (s.phase === 'rest') {
      if (!s.hasBaseline) {
        s.hasBaseline = true;
        this.setBaseline(value, index);
      }
      if (still) s.lastStillIndex = index;
      if (value <= s.baseline) {
        this.setBaseline(value, index);
      } else if (s.stillRun >= settings.baselineStillSamples) {
        // Follow a still limb slowly: fast enough for a new rest position, too slow to be dragged up by the
        // first, slow degrees of a repetition that are still under the speed threshold.
        s.baseline += settings.baselineFollowWeight * (value - s.baseline);
        s.baselineIndex = index;
      }
      if (speed > s.speedSinceBaseline) s.speedSinceBaseline = speed;
      if (value - s.baseline >= settings.onsetThreshold) {
        s.phase = 'rising';
        s.startValue = s.baseline;
        s.startIndex = Math.max(s.baselineIndex, s.lastStillIndex);
        s.peakValue = value;
        s.peakIndex = index;
        s.peakSpeed = s.speedSinceBaseline;
      }
      return;
    }

    if (speed > s.peakSpeed) s.peakSpeed = speed;

    if (s.phase === 'rising') {
      if (value > s.peakValue) {
        s.peakValue = value;
        s.peakIndex = index;
      }
      if (value - s.startValue <= settings.returnFraction * (s.peakValue - s.startValue)) {
        s.phase = 'returning';
        s.lowestValue = value;
        s.lowestIndex = index;
      } else if (s.stillRun >= settings.restShiftSamples) {
        // Still away from the old rest for longer than any hold: the patient has settled into a new rest
        // position. Without this, every later repetition would merge into this one.
        this.enterRest(value, index);
        s.lastStillIndex = index;
      }
      return;
    }

    // returning
    if (value < s.lowestValue) {
      s.lowestValue = value;
      s.lowestIndex = index;
    }
    if (s.stillRun >= settings.endStillSamples) {
      closeRepetition(s, settings, s.stillRunStartIndex);
      this.enterRest(value, index);
      s.lastStillIndex = index;
    } else if (value - s.lowestValue >= settings.rebound) {
      // Moving again without a pause: the repetition ended at the turning point.
      closeRepetition(s, settings, s.lowestIndex);
      this.enterRest(s.lowestValue, s.lowestIndex);
      s.lastStillIndex = -1;
    }
  }

  /** Repetitions completed so far. */
  repetitions(): RepetitionMetrics[] {
    return this.s.repetitions.map((repetition) => ({ ...repetition }));
  }

  /** Repetitions including the one in progress, closed as if the session ended now; the state is unchanged. */
  repetitionsAtEnd(): RepetitionMetrics[] {
    const s = cloneRepetitionState(this.s);
    const lastIndex = s.sampleCount - 1;
    if (s.phase === 'rising') closeRepetition(s, this.settings, lastIndex);
    if (s.phase === 'returning') closeRepetition(s, this.settings, s.stillRunStartIndex >= 0 ? s.stillRunStartIndex : s.lowestIndex);
    return s.repetitions;
  }

  sampleCount(): number {
    return this.s.sampleCount;
  }

  state(): RepetitionDetectorState {
    return cloneRepetitionState(this.s);
  }

  private setBaseline(value: number, index: number): void {
    this.s.baseline = value;
    this.s.baselineIndex = index;
    this.s.speedSinceBaseline = 0;
  }

  private enterRest(baseline: number, baselineIndex: number): void {
    this.s.phase = 'rest';
    this.setBaseline(baseline, baselineIndex);
  }
}

function closeRepetition(s: RepetitionDetectorState, settings: ResolvedSettings, endIndex: number): void {
  const rate = settings.sampleRateHz;
  if (endIndex - s.startIndex >= settings.minRepSamples) {
    const previous = s.repetitions[s.repetitions.length - 1];
    const set =
      previous === undefined ? 1 : s.startIndex - s.lastEndIndex > settings.setGapSamples ? previous.set + 1 : previous.set;
    const romDeg = s.peakValue - s.startValue;
    s.repetitions.push({
      index: s.repetitions.length + 1,
      set,
      startTimeS: s.startIndex / rate,
      peakTimeS: s.peakIndex / rate,
      endTimeS: endIndex / rate,
      durationS: (endIndex - s.startIndex) / rate,
      startAngleDeg: settings.direction * s.startValue + 0,
      peakAngleDeg: settings.direction * s.peakValue + 0,
      romDeg,
      peakAngularVelocityDps: s.peakSpeed,
      incomplete: romDeg < settings.incompleteFraction * settings.targetRomDeg,
    });
    s.lastEndIndex = endIndex;
  }
  s.phase = 'rest';
}

export function cloneRepetitionState(state: RepetitionDetectorState): RepetitionDetectorState {
  return { ...state, repetitions: state.repetitions.map((repetition) => ({ ...repetition })) };
}
