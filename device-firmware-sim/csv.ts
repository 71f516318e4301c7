/**
 * Recorded IMU data for replay (`--replay file.csv --rate 100`): one sensor, one sample per line, columns
 * ax, ay, az in g and gx, gy, gz in rad/s. With a header the columns may come in any order among others (a time
 * column, say, is ignored); without one the first six columns are taken in that order. Blank lines and lines
 * starting with `#` are skipped; `,`, `;` or tabs separate. Pure.
 */
import { EXERCISES, segmentKind, segmentOn, type ExerciseId, type Segment, type Side } from '../lambdas/rehab/exercises.js';
import type { GroundTruth } from './physics/index.js';
import type { ProgrammedSession } from './programme.js';

export const IMU_COLUMNS = ['ax', 'ay', 'az', 'gx', 'gy', 'gz'] as const;

export class CsvError extends Error {
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(line === undefined ? message : `line ${line}: ${message}`);
    this.name = 'CsvError';
  }
}

export interface ImuRecording {
  /** Interleaved ax, ay, az, gx, gy, gz per sample. */
  readonly samples: Float32Array;
  readonly sampleCount: number;
}

function split(line: string): string[] {
  return line.split(/[,;\t]/).map((cell) => cell.trim().replace(/^"(.*)"$/, '$1'));
}

/** Readings a consumer IMU cannot produce: beyond what the wire format can carry is surely a unit mix-up. */
const LIMITS = { accelG: 64, gyroRadS: 69.8 };

export function parseImuCsv(text: string): ImuRecording {
  const lines = text.split(/\r?\n/);
  let columns: number[] | undefined;
  const values: number[] = [];
  let sampleCount = 0;
  lines.forEach((raw, index) => {
    const line = raw.trim();
    const lineNumber = index + 1;
    if (line === '' || line.startsWith('#')) return;
    const cells = split(line);
    if (!columns) {
      const lower = cells.map((cell) => cell.toLowerCase());
      const isHeader = lower.some((cell) => cell !== '' && Number.isNaN(Number(cell)));
      if (isHeader) {
        columns = IMU_COLUMNS.map((name) => {
          const position = lower.indexOf(name);
          if (position < 0) throw new CsvError(`header has no ${name} column (needs ${IMU_COLUMNS.join(', ')})`, lineNumber);
          return position;
        });
        return;
      }
      columns = [0, 1, 2, 3, 4, 5];
    }
    const row = columns.map((position, channel) => {
      const cell = cells[position];
      if (cell === undefined || cell === '') throw new CsvError(`missing ${IMU_COLUMNS[channel]}`, lineNumber);
      const value = Number(cell);
      if (!Number.isFinite(value)) throw new CsvError(`${IMU_COLUMNS[channel]} is not a number`, lineNumber);
      const limit = channel < 3 ? LIMITS.accelG : LIMITS.gyroRadS;
      if (Math.abs(value) > limit) throw new CsvError(`${IMU_COLUMNS[channel]} is beyond ±${limit} (${channel < 3 ? 'g' : 'rad/s'} expected)`, lineNumber);
      return value;
    });
    values.push(...row);
    sampleCount += 1;
  });
  if (sampleCount === 0) throw new CsvError('no samples');
  return { samples: Float32Array.from(values), sampleCount };
}

/** The segment a single recorded sensor stands for: the exercise's moving segment on that side. */
export function replayPlacement(exercise: ExerciseId, side: Side = 'right'): Segment {
  return segmentOn(EXERCISES[exercise].requiredSegment, side);
}

/** A recording as a one-sensor session of the programme (no ground truth: it is real data). */
export function recordingAsSession(recording: ImuRecording, options: { exercise: ExerciseId; sampleRateHz: number; placement?: Segment; side?: Side }): ProgrammedSession {
  if (!(Number.isInteger(options.sampleRateHz) && options.sampleRateHz >= 1 && options.sampleRateHz <= 1000)) {
    throw new RangeError('--rate: a whole number of Hz from 1 to 1000');
  }
  const placement = options.placement ?? replayPlacement(options.exercise, options.side);
  // A single sensor must be on the segment that moves (the analyzer cannot do without it).
  if (segmentKind(placement) !== EXERCISES[options.exercise].requiredSegment) {
    throw new RangeError(`--placement: a single sensor for ${options.exercise} goes on the ${EXERCISES[options.exercise].requiredSegment}`);
  }
  const groundTruth: GroundTruth = { exercise: options.exercise, targetRomDeg: EXERCISES[options.exercise].defaultTargetRomDeg, repetitions: [], sets: 0 };
  return {
    exercise: options.exercise,
    sampleRateHz: options.sampleRateHz,
    placements: [placement],
    samples: [recording.samples],
    groundTruth,
    durationS: recording.sampleCount / options.sampleRateHz,
  };
}
