import type { ExerciseId } from './exercises.js';

/** One repetition. Times are seconds from the session's first sample; angles are the exercise's angle in degrees. */
export interface RepetitionMetrics {
  /** 1-based, in order of completion. */
  index: number;
  /** 1-based set number. */
  set: number;
  startTimeS: number;
  /** When the angle was furthest from the start. */
  peakTimeS: number;
  endTimeS: number;
  durationS: number;
  startAngleDeg: number;
  /** The extreme angle reached (the smallest for exercises whose angle shrinks, such as knee extension). */
  peakAngleDeg: number;
  /** Excursion |peak - start|. */
  romDeg: number;
  peakAngularVelocityDps: number;
  /** The excursion fell short of incompleteFraction x target range of motion. */
  incomplete: boolean;
}

export interface SessionSummary {
  repetitionCount: number;
  setCount: number;
  incompleteCount: number;
  /** 0 when there are no repetitions (JSON has no NaN). */
  meanRomDeg: number;
  bestRomDeg: number;
  /** Tempo: mean start-to-end duration of a repetition. */
  meanRepDurationS: number;
  /** Time spent inside repetitions. */
  activeTimeS: number;
  meanPeakAngularVelocityDps: number;
  sampleCount: number;
  durationS: number;
}

export interface SessionMetrics {
  exercise: ExerciseId;
  targetRomDeg: number;
  repetitions: RepetitionMetrics[];
  summary: SessionSummary;
}

export function summarize(repetitions: readonly RepetitionMetrics[], sampleCount: number, sampleRateHz: number): SessionSummary {
  let romSum = 0;
  let bestRom = 0;
  let durationSum = 0;
  let speedSum = 0;
  let incompleteCount = 0;
  let setCount = 0;
  for (const repetition of repetitions) {
    romSum += repetition.romDeg;
    bestRom = Math.max(bestRom, repetition.romDeg);
    durationSum += repetition.durationS;
    speedSum += repetition.peakAngularVelocityDps;
    if (repetition.incomplete) incompleteCount += 1;
    setCount = Math.max(setCount, repetition.set);
  }
  const count = repetitions.length;
  return {
    repetitionCount: count,
    setCount,
    incompleteCount,
    meanRomDeg: count > 0 ? romSum / count : 0,
    bestRomDeg: bestRom,
    meanRepDurationS: count > 0 ? durationSum / count : 0,
    activeTimeS: durationSum,
    meanPeakAngularVelocityDps: count > 0 ? speedSum / count : 0,
    sampleCount,
    durationS: sampleCount / sampleRateHz,
  };
}
