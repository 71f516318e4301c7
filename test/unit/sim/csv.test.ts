import { describe, expect, it } from 'vitest';
import { CsvError, parseImuCsv, recordingAsSession, replayPlacement } from '../../../device-firmware-sim/csv.js';

describe('IMU CSV replay parsing', () => {
  it('reads the six channels by header name, in any order, ignoring other columns, comments and blank lines', () => {
    const text = ['# recorded 2026-11-20', 'time,gz,gy,gx,az,ay,ax', '0.00,0.3,0.2,0.1,1.0,0.02,0.01', '', '0.01,0.6,0.5,0.4,0.98,0.05,0.04', ''].join('\n');
    const recording = parseImuCsv(text);
    expect(recording.sampleCount).toBe(2);
    expect(Array.from(recording.samples)).toEqual(Array.from(Float32Array.from([0.01, 0.02, 1.0, 0.1, 0.2, 0.3, 0.04, 0.05, 0.98, 0.4, 0.5, 0.6])));
  });

  it('takes the first six columns in order without a header, with ; or tab separators and CRLF lines', () => {
    expect(Array.from(parseImuCsv('0;0;1;0;0;0.5\r\n0\t0\t1\t0\t0\t0.25\r\n').samples)).toEqual([0, 0, 1, 0, 0, 0.5, 0, 0, 1, 0, 0, 0.25]);
  });

  it('says which line is wrong and why', () => {
    expect(() => parseImuCsv('ax,ay,az,gx,gy\n1,2,3,4,5')).toThrow(/line 1: header has no gz/);
    expect(() => parseImuCsv('ax,ay,az,gx,gy,gz\n0,0,1,0,0,0\n0,0,x,0,0,0')).toThrow(/line 3: az is not a number/);
    expect(() => parseImuCsv('0,0,1,0,0\n')).toThrow(/line 1: missing gz/);
    expect(() => parseImuCsv('0,0,9.81,0,0,0\n0,0,981,0,0,0')).toThrow(/line 2: az is beyond ±64/);
    expect(() => parseImuCsv('# nothing\n\n')).toThrow(CsvError);
  });

  it('turns a recording into a one-sensor session on the moving segment of the exercise', () => {
    const recording = parseImuCsv('0,0,1,0,0,0\n0,0,1,0,0,0.1\n0,0,1,0,0,0.2\n0,0,1,0,0,0.3\n');
    const session = recordingAsSession(recording, { exercise: 'elbow-flexion', sampleRateHz: 50 });
    expect(session.placements).toEqual(['right-forearm']);
    expect(session.durationS).toBeCloseTo(0.08);
    expect(session.samples[0]).toBe(recording.samples);
    expect(replayPlacement('sit-to-stand', 'left')).toBe('left-thigh');
    expect(recordingAsSession(recording, { exercise: 'knee-extension', sampleRateHz: 100, placement: 'left-shank' }).placements).toEqual(['left-shank']);
    expect(() => recordingAsSession(recording, { exercise: 'knee-extension', sampleRateHz: 100, placement: 'left-thigh' })).toThrow(/shank/);
    expect(() => recordingAsSession(recording, { exercise: 'knee-extension', sampleRateHz: 0 })).toThrow(/--rate/);
  });
});
