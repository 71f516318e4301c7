import { describe, expect, it } from 'vitest';
import { EXERCISES, defaultPlacements, type ExerciseId } from '../../../lambdas/rehab/exercises.js';
import { newId } from '../../../lambdas/shared/ids.js';
import {
  ACCEL_SCALE_G,
  GYRO_FULL_SCALE_RAD_S,
  GYRO_SCALE_RAD_S,
  IOT_METERING_STEP_BYTES,
  MAX_SAMPLES_PER_MESSAGE,
  TelemetryDecodeError,
  TelemetryEncodeError,
  decodeTelemetry,
  encodeTelemetry,
  type SamplesMessage,
  type SessionEndMessage,
  type SessionStartMessage,
  type TelemetryErrorReason,
  type TelemetryMessage,
} from '../../../lambdas/telemetry/codec.js';

/** Deterministic PRNG, so a failing fuzz case can be replayed from its seed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const deviceId = 'dev_01JD3X6Q8N4W5T7V9Y2Z3A4B5C';
const sessionId = 'rsess_01JD3X6Q8N4W5T7V9Y2Z3A4B5D';
const T0 = Date.UTC(2026, 10, 23, 2, 0, 0);

function randomSensor(sampleCount: number, random: () => number, accelRange = 16, gyroRange = GYRO_FULL_SCALE_RAD_S): Float32Array {
  const values = new Float32Array(sampleCount * 6);
  for (let i = 0; i < values.length; i++) {
    const range = i % 6 < 3 ? accelRange : gyroRange;
    values[i] = (random() * 2 - 1) * range;
  }
  return values;
}

function samplesMessage(overrides: Partial<SamplesMessage> = {}): SamplesMessage {
  const random = mulberry32(1);
  const sampleCount = overrides.sampleCount ?? 100;
  const placements = overrides.placements ?? ['left-upper-arm', 'left-forearm'];
  return {
    kind: 'samples',
    deviceId,
    seq: 42,
    sessionId,
    exerciseId: 'shoulder-abduction',
    sampleRateHz: 100,
    firstSampleTime: T0,
    placements,
    sampleCount,
    samples: placements.map(() => randomSensor(sampleCount, random)),
    ...overrides,
  };
}

const startMessage: SessionStartMessage = {
  kind: 'session-start',
  deviceId,
  seq: 41,
  sessionId,
  exerciseId: 'shoulder-abduction',
  startedAt: T0 - 10,
  sampleRateHz: 100,
  placements: ['right-shank'],
};

const endMessage: SessionEndMessage = {
  kind: 'session-end',
  deviceId,
  seq: 43,
  sessionId,
  exerciseId: 'shoulder-abduction',
  endedAt: T0 + 1000,
  totalSamples: 100,
  lastSeq: 42,
};

function decodeReason(bytes: Uint8Array): TelemetryErrorReason | 'decoded' {
  try {
    decodeTelemetry(bytes);
    return 'decoded';
  } catch (error) {
    if (error instanceof TelemetryDecodeError) return error.reason;
    throw error;
  }
}

function encodeReason(message: TelemetryMessage): TelemetryErrorReason | 'encoded' {
  try {
    encodeTelemetry(message);
    return 'encoded';
  } catch (error) {
    if (error instanceof TelemetryEncodeError) return error.reason;
    throw error;
  }
}

/**
 * Builds messages byte by byte from the layout in docs/telemetry-format.md, independently of the
 * encoder, so tests can both pin the layout and write values the encoder would refuse.
 */
interface Raw {
  magic?: [number, number];
  version?: number;
  kind?: number;
  seq?: number;
  time?: number;
  accelScale?: number;
  gyroScale?: number;
  rate?: number;
  sampleCount?: number;
  sensorCount?: number;
  reserved?: number;
  int16?: number[];
  totalSamples?: number;
  lastSeq?: number;
  strings?: (string | number[])[];
}

function raw(kind: 'samples' | 'start' | 'end', r: Raw = {}): Uint8Array {
  const out: number[] = [];
  const dv = new DataView(new ArrayBuffer(8));
  const push = (n: number, write: (v: DataView) => void) => {
    write(dv);
    for (let i = 0; i < n; i++) out.push(dv.getUint8(i));
  };
  const u8 = (v: number) => out.push(v & 0xff);
  const u16 = (v: number) => push(2, (d) => d.setUint16(0, v, true));
  const u32 = (v: number) => push(4, (d) => d.setUint32(0, v, true));
  const f32 = (v: number) => push(4, (d) => d.setFloat32(0, v, true));
  const f64 = (v: number) => push(8, (d) => d.setFloat64(0, v, true));
  const i16 = (v: number) => push(2, (d) => d.setInt16(0, v, true));
  const magic = r.magic ?? [0x52, 0x54];
  u8(magic[0]);
  u8(magic[1]);
  u8(r.version ?? 1);
  u8(r.kind ?? { start: 1, samples: 2, end: 3 }[kind]);
  u32(r.seq ?? 42);
  f64(r.time ?? T0);
  const sensorCount = r.sensorCount ?? 1;
  const sampleCount = r.sampleCount ?? 1;
  if (kind === 'samples') {
    f32(r.accelScale ?? ACCEL_SCALE_G);
    f32(r.gyroScale ?? GYRO_SCALE_RAD_S);
    u16(r.rate ?? 100);
    u16(sampleCount);
    u8(sensorCount);
    u8(r.reserved ?? 0);
    const values = r.int16 ?? Array.from({ length: sensorCount * sampleCount * 6 }, (_, i) => i - 3);
    for (const v of values) i16(v);
  } else if (kind === 'start') {
    u16(r.rate ?? 100);
    u8(sensorCount);
    u8(r.reserved ?? 0);
  } else {
    u32(r.totalSamples ?? 10);
    u32(r.lastSeq ?? 41);
  }
  const defaults = [deviceId, sessionId, 'shoulder-abduction', ...(kind === 'end' ? [] : ['left-upper-arm', 'right-shank'].slice(0, sensorCount))];
  for (const s of r.strings ?? defaults) {
    const bytes = typeof s === 'string' ? [...s].map((c) => c.charCodeAt(0)) : s;
    u8(bytes.length);
    for (const b of bytes) u8(b);
  }
  return Uint8Array.from(out);
}

describe('telemetry codec: round trip', () => {
  it('round-trips a samples message with two sensors, metadata exactly', () => {
    const message = samplesMessage();
    const decoded = decodeTelemetry(encodeTelemetry(message));
    expect(decoded).toMatchObject({
      kind: 'samples',
      deviceId,
      seq: 42,
      sessionId,
      exerciseId: 'shoulder-abduction',
      sampleRateHz: 100,
      firstSampleTime: T0,
      placements: ['left-upper-arm', 'left-forearm'],
      sampleCount: 100,
    });
    const samples = (decoded as SamplesMessage).samples;
    expect(samples).toHaveLength(2);
    expect(samples.map((s) => s.length)).toEqual([600, 600]);
    expect(samples[0]).toBeInstanceOf(Float32Array);
  });

  it('round-trips session start and end markers exactly', () => {
    expect(decodeTelemetry(encodeTelemetry(startMessage))).toEqual(startMessage);
    expect(decodeTelemetry(encodeTelemetry(endMessage))).toEqual(endMessage);
  });

  it('round-trips one sensor and the largest sample count', () => {
    const message = samplesMessage({ placements: ['right-shank'], sampleCount: MAX_SAMPLES_PER_MESSAGE, sampleRateHz: 1000, seq: 0xffffffff });
    const decoded = decodeTelemetry(encodeTelemetry(message)) as SamplesMessage;
    expect(decoded.sampleCount).toBe(MAX_SAMPLES_PER_MESSAGE);
    expect(decoded.samples).toHaveLength(1);
    expect(decoded.seq).toBe(0xffffffff);
    expect(decoded.sampleRateHz).toBe(1000);
  });

  it('keeps quantization error within half a step (4.9e-4 g, 1.07e-3 rad/s full steps)', () => {
    const message = samplesMessage();
    const decoded = decodeTelemetry(encodeTelemetry(message)) as SamplesMessage;
    let maxAccelError = 0;
    let maxGyroError = 0;
    message.samples.forEach((sensor, s) => {
      sensor.forEach((value, i) => {
        const error = Math.abs(decoded.samples[s]![i]! - value);
        if (i % 6 < 3) maxAccelError = Math.max(maxAccelError, error);
        else maxGyroError = Math.max(maxGyroError, error);
      });
    });
    // Half a step, plus float32 rounding of the product (relative 2^-24 of at most full scale).
    expect(maxAccelError).toBeLessThanOrEqual(ACCEL_SCALE_G / 2 + 16 * 2 ** -23);
    expect(maxGyroError).toBeLessThanOrEqual(GYRO_SCALE_RAD_S / 2 + 35 * 2 ** -23);
    // And not trivially zero: values really are quantized.
    expect(maxAccelError).toBeGreaterThan(ACCEL_SCALE_G / 10);
    expect(ACCEL_SCALE_G).toBeLessThan(5e-4);
    expect(GYRO_SCALE_RAD_S).toBeLessThan(1.1e-3);
  });

  it('represents zero and ± full scale exactly and saturates beyond', () => {
    const sensor = Float32Array.from([0, 16, -16, 0, GYRO_FULL_SCALE_RAD_S, -GYRO_FULL_SCALE_RAD_S, 100, -100, Infinity, 50, -50, -Infinity]);
    const decoded = decodeTelemetry(encodeTelemetry(samplesMessage({ placements: ['left-hand'], sampleCount: 2, samples: [sensor] }))) as SamplesMessage;
    const accelFull = 32767 * ACCEL_SCALE_G;
    const gyroFull = 32767 * GYRO_SCALE_RAD_S;
    expect([...decoded.samples[0]!]).toEqual(
      [0, accelFull, -accelFull, 0, gyroFull, -gyroFull, accelFull, -accelFull, accelFull, gyroFull, -gyroFull, -gyroFull].map(Math.fround),
    );
    expect(Math.abs(accelFull - 16)).toBeLessThan(1e-5);
  });

  it('fits 1 s at 100 Hz from 2 sensors in one 5 KB IoT metering step', () => {
    const bytes = encodeTelemetry(samplesMessage({ sampleCount: 100 }));
    // 30-byte header + 2 × 100 × 6 int16 + length-prefixed ids and placements.
    const strings = [deviceId, sessionId, 'shoulder-abduction', 'left-upper-arm', 'left-forearm'].reduce((n, s) => n + 1 + s.length, 0);
    expect(bytes.length).toBe(30 + 2400 + strings);
    expect(bytes.length).toBeLessThan(IOT_METERING_STEP_BYTES);
    // Two seconds still fit, with the longest ids and placements the format allows.
    const long = encodeTelemetry(
      samplesMessage({ sampleCount: 200, exerciseId: 'x'.repeat(64), placements: ['a'.repeat(32), 'b'.repeat(32)] }),
    );
    expect(long.length).toBeLessThan(IOT_METERING_STEP_BYTES);
  });

  it('decodes from an odd byte offset and from a Buffer, and never aliases the input', () => {
    const bytes = encodeTelemetry(samplesMessage());
    const expected = decodeTelemetry(bytes) as SamplesMessage;
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    const odd = shifted.subarray(1);
    expect(odd.byteOffset % 2).toBe(1);
    expect(decodeTelemetry(odd)).toEqual(expected);
    const buffer = Buffer.from(bytes);
    const fromBuffer = decodeTelemetry(buffer) as SamplesMessage;
    expect(fromBuffer).toEqual(expected);
    buffer.fill(0);
    expect(fromBuffer).toEqual(expected);
  });

  it('pins the byte layout of the documentation', () => {
    const message = samplesMessage({ placements: ['left-upper-arm'], sampleCount: 1, samples: [Float32Array.from([1, -1, 0.5, 1, -1, 0])] });
    const bytes = encodeTelemetry(message);
    const a = (g: number) => Math.round(g / ACCEL_SCALE_G);
    const g = (r: number) => Math.round(r / GYRO_SCALE_RAD_S);
    const expected = raw('samples', {
      int16: [a(1), a(-1), a(0.5), g(1), g(-1), 0],
      strings: [deviceId, sessionId, 'shoulder-abduction', 'left-upper-arm'],
    });
    expect(Buffer.from(bytes).toString('hex')).toBe(Buffer.from(expected).toString('hex'));
    expect(Buffer.from(encodeTelemetry(endMessage)).toString('hex')).toBe(
      Buffer.from(raw('end', { seq: 43, time: T0 + 1000, totalSamples: 100, lastSeq: 42 })).toString('hex'),
    );
    expect(Buffer.from(encodeTelemetry(startMessage)).toString('hex')).toBe(
      Buffer.from(raw('start', { seq: 41, time: T0 - 10, strings: [deviceId, sessionId, 'shoulder-abduction', 'right-shank'] })).toString('hex'),
    );
  });

  it('applies the scales in the header (a future sensor with finer steps needs no new version)', () => {
    const decoded = decodeTelemetry(raw('samples', { accelScale: 1 / 2048, gyroScale: 0.001, int16: [2048, -1024, 1, 1000, -1000, 1] })) as SamplesMessage;
    expect([...decoded.samples[0]!]).toEqual([1, -0.5, 1 / 2048, 1, -1, 0.001].map(Math.fround));
  });

  it('decodes each device’s own ids when messages of several devices interleave', () => {
    const other = newId('dev');
    const otherSession = newId('rsess');
    const a = encodeTelemetry(samplesMessage({ placements: ['left-upper-arm'], sampleCount: 2 }));
    const b = encodeTelemetry(samplesMessage({ deviceId: other, sessionId: otherSession, placements: ['right-thigh'], sampleCount: 2 }));
    for (let i = 0; i < 3; i++) {
      expect(decodeTelemetry(a)).toMatchObject({ deviceId, sessionId, placements: ['left-upper-arm'] });
      expect(decodeTelemetry(b)).toMatchObject({ deviceId: other, sessionId: otherSession, placements: ['right-thigh'] });
    }
    // A message that differs from the previous one only in its trailer is validated again, not served from memory.
    decodeTelemetry(a);
    const corrupted = a.slice();
    corrupted[corrupted.length - 1] = 0x41; // 'A' in a placement
    expect(decodeReason(corrupted)).toBe('bad-placement');
  });

  it('carries every exercise id and sensor placement of the catalogue', () => {
    for (const exerciseId of Object.keys(EXERCISES) as ExerciseId[]) {
      for (const side of ['left', 'right'] as const) {
        const placements = defaultPlacements(exerciseId, side);
        const message = samplesMessage({ exerciseId, placements, sampleCount: 1, samples: placements.map(() => new Float32Array(6)) });
        expect(decodeTelemetry(encodeTelemetry(message))).toMatchObject({ exerciseId, placements });
      }
    }
  });

  it('hands out placements that callers cannot modify (they are shared between decoded messages)', () => {
    const decoded = decodeTelemetry(encodeTelemetry(samplesMessage())) as SamplesMessage;
    expect(Object.isFrozen(decoded.placements)).toBe(true);
  });
});

describe('telemetry codec: decode validation', () => {
  const cases: [string, Uint8Array, TelemetryErrorReason][] = [
    ['empty', new Uint8Array(0), 'truncated'],
    ['shorter than the common header', raw('samples').subarray(0, 15), 'truncated'],
    ['samples header cut', raw('samples').subarray(0, 29), 'truncated'],
    ['start header cut', raw('start').subarray(0, 19), 'truncated'],
    ['end header cut', raw('end').subarray(0, 23), 'truncated'],
    ['sample block cut', raw('samples', { sampleCount: 100, strings: [] }), 'truncated'],
    ['string cut', raw('samples').subarray(0, raw('samples').length - 1), 'truncated'],
    ['string length past the end', Uint8Array.from([...raw('end', { strings: [deviceId, sessionId] }), 5, 0x61]), 'truncated'],
    ['missing placement', raw('samples', { sensorCount: 2, strings: [deviceId, sessionId, 'squat', 'left-hand'] }), 'truncated'],
    ['a byte too many', Uint8Array.from([...raw('samples'), 0]), 'trailing-bytes'],
    ['an extra string on an end marker', raw('end', { strings: [deviceId, sessionId, 'squat', 'left-hand'] }), 'trailing-bytes'],
    ['wrong magic', raw('samples', { magic: [0x7b, 0x22] }), 'bad-magic'],
    ['version 0', raw('samples', { version: 0 }), 'unsupported-version'],
    ['version 2', raw('samples', { version: 2 }), 'unsupported-version'],
    ['kind 0', raw('samples', { kind: 0 }), 'unknown-kind'],
    ['kind 4', raw('samples', { kind: 4 }), 'unknown-kind'],
    ['samples reserved byte', raw('samples', { reserved: 1 }), 'bad-reserved'],
    ['start reserved byte', raw('start', { reserved: 0x80 }), 'bad-reserved'],
    ['time NaN', raw('samples', { time: NaN }), 'bad-time'],
    ['time fractional', raw('samples', { time: T0 + 0.5 }), 'bad-time'],
    ['time before 2020', raw('start', { time: Date.UTC(2019, 11, 31) }), 'bad-time'],
    ['time in 2100', raw('end', { time: Date.UTC(2100, 0, 1) }), 'bad-time'],
    ['sample rate 0', raw('samples', { rate: 0 }), 'bad-sample-rate'],
    ['sample rate 1001', raw('start', { rate: 1001 }), 'bad-sample-rate'],
    ['no sensor', raw('samples', { sensorCount: 0 }), 'bad-sensor-count'],
    ['three sensors', raw('start', { sensorCount: 3 }), 'bad-sensor-count'],
    ['no samples', raw('samples', { sampleCount: 0 }), 'bad-sample-count'],
    ['too many samples', raw('samples', { sampleCount: MAX_SAMPLES_PER_MESSAGE + 1 }), 'bad-sample-count'],
    ['accel scale 0', raw('samples', { accelScale: 0 }), 'bad-scale'],
    ['accel scale negative', raw('samples', { accelScale: -ACCEL_SCALE_G }), 'bad-scale'],
    ['accel scale NaN', raw('samples', { accelScale: NaN }), 'bad-scale'],
    ['accel full scale over 64 g', raw('samples', { accelScale: 65 / 32767 }), 'bad-scale'],
    ['gyro scale infinite', raw('samples', { gyroScale: Infinity }), 'bad-scale'],
    ['gyro full scale over 4000 dps', raw('samples', { gyroScale: 0.01 }), 'bad-scale'],
    ['patient id as device id', raw('samples', { strings: ['pat_01JD3X6Q8N4W5T7V9Y2Z3A4B5C', sessionId, 'squat', 'left-hand'] }), 'bad-device-id'],
    ['empty device id', raw('end', { strings: ['', sessionId, 'squat'] }), 'bad-device-id'],
    ['non-ASCII byte in device id', raw('end', { strings: [[...Buffer.from(deviceId.slice(0, 29)), 0xc3], sessionId, 'squat'] }), 'bad-device-id'],
    ['device id with a space', raw('end', { strings: ['dev_01JD3X6Q8N4W5T7V9Y2Z3A4B5 ', sessionId, 'squat'] }), 'bad-device-id'],
    ['device id as session id', raw('start', { strings: [deviceId, deviceId, 'squat', 'left-hand'] }), 'bad-session-id'],
    ['exercise id with a slash', raw('start', { strings: [deviceId, sessionId, 'squat/1', 'left-hand'] }), 'bad-exercise-id'],
    ['exercise id too long', raw('end', { strings: [deviceId, sessionId, 'x'.repeat(65)] }), 'bad-exercise-id'],
    ['upper-case placement', raw('samples', { strings: [deviceId, sessionId, 'squat', 'Left-Hand'] }), 'bad-placement'],
    ['placement with a NUL', raw('samples', { strings: [deviceId, sessionId, 'squat', [0x61, 0x00]] }), 'bad-placement'],
    ['placement too long', raw('samples', { strings: [deviceId, sessionId, 'squat', 'a'.repeat(33)] }), 'bad-placement'],
    ['duplicate placement', raw('start', { sensorCount: 2, strings: [deviceId, sessionId, 'squat', 'left-hand', 'left-hand'] }), 'duplicate-placement'],
    ['last seq equal to seq', raw('end', { seq: 7, lastSeq: 7 }), 'bad-last-seq'],
    ['last seq after seq', raw('end', { seq: 7, lastSeq: 8 }), 'bad-last-seq'],
  ];

  it.each(cases)('rejects %s', (_name, bytes, reason) => {
    expect(decodeReason(bytes)).toBe(reason);
  });

  it('accepts the unmodified raw messages these cases start from', () => {
    expect(decodeReason(raw('samples'))).toBe('decoded');
    expect(decodeReason(raw('start'))).toBe('decoded');
    expect(decodeReason(raw('end'))).toBe('decoded');
    expect(decodeReason(raw('samples', { sensorCount: 2 }))).toBe('decoded');
  });

  it('rejects what is not a byte array', () => {
    expect(decodeReason('RT' as unknown as Uint8Array)).toBe('not-bytes');
    expect(decodeReason(new ArrayBuffer(40) as unknown as Uint8Array)).toBe('not-bytes');
    expect(decodeReason(null as unknown as Uint8Array)).toBe('not-bytes');
  });

  it('says why, never what: the error message holds the reason and no payload contents', () => {
    const bytes = raw('samples', { strings: ['pat_01JD3X6Q8N4W5T7V9Y2Z3A4B5C', sessionId, 'squat', 'left-hand'] });
    const error = (() => {
      try {
        decodeTelemetry(bytes);
      } catch (e) {
        return e as TelemetryDecodeError;
      }
    })();
    expect(error).toBeInstanceOf(TelemetryDecodeError);
    expect(error!.message).toBe('telemetry decode failed: bad-device-id');
    expect(error!.name).toBe('TelemetryDecodeError');
  });
});

describe('telemetry codec: encode validation', () => {
  const base = samplesMessage({ placements: ['left-hand'], sampleCount: 1, samples: [new Float32Array(6)] });
  const cases: [string, TelemetryMessage, TelemetryErrorReason][] = [
    ['a patient id as device id', { ...base, deviceId: 'pat_01JD3X6Q8N4W5T7V9Y2Z3A4B5C' }, 'bad-device-id'],
    ['a negative seq', { ...base, seq: -1 }, 'bad-seq'],
    ['a seq over uint32', { ...base, seq: 2 ** 32 }, 'bad-seq'],
    ['a fractional seq', { ...base, seq: 1.5 }, 'bad-seq'],
    ['a bad session id', { ...base, sessionId: 'session-1' }, 'bad-session-id'],
    ['a bad exercise id', { ...base, exerciseId: 'Squat!' }, 'bad-exercise-id'],
    ['no placements', { ...base, placements: [], samples: [] }, 'bad-sensor-count'],
    ['three placements', { ...base, placements: ['a', 'b', 'c'], samples: [] }, 'bad-sensor-count'],
    ['a non-ASCII placement', { ...base, placements: ['épaule'] }, 'bad-placement'],
    ['duplicate placements', { ...base, placements: ['left-hand', 'left-hand'], samples: [new Float32Array(6), new Float32Array(6)] }, 'duplicate-placement'],
    ['sample rate 0', { ...base, sampleRateHz: 0 }, 'bad-sample-rate'],
    ['sample rate 99.5', { ...base, sampleRateHz: 99.5 }, 'bad-sample-rate'],
    ['a time in seconds', { ...base, firstSampleTime: Math.floor(T0 / 1000) }, 'bad-time'],
    ['no samples', { ...base, sampleCount: 0, samples: [new Float32Array(0)] }, 'bad-sample-count'],
    ['too many samples', { ...base, sampleCount: MAX_SAMPLES_PER_MESSAGE + 1 }, 'bad-sample-count'],
    ['samples shorter than sampleCount × 6', { ...base, sampleCount: 2 }, 'bad-samples-length'],
    ['fewer sample arrays than placements', { ...base, samples: [] }, 'bad-samples-length'],
    ['a NaN sample', { ...base, samples: [Float32Array.from([0, 0, NaN, 0, 0, 0])] }, 'bad-sample-value'],
    ['a start with rate 2000', { ...startMessage, sampleRateHz: 2000 }, 'bad-sample-rate'],
    ['a start in 1970', { ...startMessage, startedAt: 0 }, 'bad-time'],
    ['an end with negative total', { ...endMessage, totalSamples: -1 }, 'bad-total-samples'],
    ['an end whose lastSeq is its own seq', { ...endMessage, lastSeq: endMessage.seq }, 'bad-last-seq'],
    ['an unknown kind', { ...endMessage, kind: 'heartbeat' } as unknown as TelemetryMessage, 'unknown-kind'],
  ];

  it.each(cases)('refuses %s', (_name, message, reason) => {
    expect(encodeReason(message)).toBe(reason);
  });

  it('accepts the base message these cases start from', () => {
    expect(encodeReason(base)).toBe('encoded');
  });
});

describe('telemetry codec: fuzz', () => {
  const seed = 20261123;
  const random = mulberry32(seed);
  const int = (n: number) => Math.floor(random() * n);

  function check(bytes: Uint8Array, label: string): 'decoded' | 'rejected' {
    let decoded: TelemetryMessage;
    try {
      decoded = decodeTelemetry(bytes);
    } catch (error) {
      if (error instanceof TelemetryDecodeError) return 'rejected';
      throw new Error(`seed ${seed}, ${label}: ${String(error)}`);
    }
    // Whatever the decoder accepts, the encoder can carry: the two apply the same rules.
    expect(() => encodeTelemetry(decoded), `seed ${seed}, ${label}`).not.toThrow();
    return 'decoded';
  }

  it('random byte strings only ever fail with TelemetryDecodeError', () => {
    for (let i = 0; i < 20_000; i++) {
      const bytes = new Uint8Array(int(300));
      for (let j = 0; j < bytes.length; j++) bytes[j] = int(256);
      // Give half of them a valid magic and version so they get past the first checks.
      if (i % 2 && bytes.length >= 4) bytes.set([0x52, 0x54, 1, 1 + int(3)]);
      check(bytes, `random #${i}`);
    }
  });

  it('mutated valid messages only ever fail with TelemetryDecodeError', () => {
    const valid = [encodeTelemetry(samplesMessage({ sampleCount: 3 })), encodeTelemetry(startMessage), encodeTelemetry(endMessage)];
    const outcomes = { decoded: 0, rejected: 0 };
    for (let i = 0; i < 30_000; i++) {
      const source = valid[i % valid.length]!;
      let bytes = source.slice();
      const mutation = int(3);
      if (mutation === 0) {
        for (let k = 0, n = 1 + int(3); k < n; k++) bytes[int(bytes.length)] = int(256);
      } else if (mutation === 1) {
        bytes = bytes.slice(0, int(bytes.length));
      } else {
        bytes = Uint8Array.from([...bytes, ...Array.from({ length: 1 + int(4) }, () => int(256))]);
      }
      outcomes[check(bytes, `mutation #${i}`)]++;
    }
    // Both paths exercised: some mutations (inside sample data) still decode, most do not.
    expect(outcomes.decoded).toBeGreaterThan(100);
    expect(outcomes.rejected).toBeGreaterThan(1000);
  });
});
