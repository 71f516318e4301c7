/**
 * Versioned binary wire format of wearable telemetry (docs/telemetry-format.md has it byte by byte).
 * Samples travel as little-endian int16 at a fixed offset so decoding is one pass over an Int16Array
 * view, with no per-sample allocation: the stream consumer decodes millions of samples per second.
 * Payloads carry device ids only, never patient data.
 */
import { isId } from '../shared/ids.js';

export const TELEMETRY_MAGIC = [0x52, 0x54] as const; // "RT" (rehab telemetry)
export const TELEMETRY_FORMAT_VERSION = 1;

const KIND_SESSION_START = 1;
const KIND_SAMPLES = 2;
const KIND_SESSION_END = 3;

/** Values per sample per sensor: ax, ay, az (g), gx, gy, gz (rad/s). */
export const CHANNELS = 6;
/** int16 range used: symmetric, so +full scale and -full scale are both exact. */
const INT16_MAX = 32767;

/** ±16 g: 4.88e-4 g per step. */
export const ACCEL_FULL_SCALE_G = 16;
/** ±2000 °/s = ±34.9 rad/s: 1.07e-3 rad/s per step (the native resolution of a ±2000 dps IMU). */
export const GYRO_FULL_SCALE_RAD_S = (2000 * Math.PI) / 180;
/** Scales the encoder writes; float32 so encoder and decoder multiply by the very same value. */
export const ACCEL_SCALE_G = Math.fround(ACCEL_FULL_SCALE_G / INT16_MAX);
export const GYRO_SCALE_RAD_S = Math.fround(GYRO_FULL_SCALE_RAD_S / INT16_MAX);
/** Largest full scales a decoder accepts from a header (room for future sensors, bounds on nonsense). */
const MAX_ACCEL_FULL_SCALE_G = 64;
const MAX_GYRO_FULL_SCALE_RAD_S = (4000 * Math.PI) / 180;

export const MIN_SAMPLE_RATE_HZ = 1;
export const MAX_SAMPLE_RATE_HZ = 1000;
export const MIN_SENSORS = 1;
export const MAX_SENSORS = 2;
/** Per sensor per message; 2 sensors × 4096 × 12 bytes stays under IoT Core's 128 KB payload limit. */
export const MAX_SAMPLES_PER_MESSAGE = 4096;
/** IoT Core meters messages in 5 KB steps. */
export const IOT_METERING_STEP_BYTES = 5120;

/** Timestamps are epoch milliseconds; outside 2020..2100 a gateway clock is wrong, not the patient. */
const MIN_TIME_MS = Date.UTC(2020, 0, 1);
const MAX_TIME_MS = Date.UTC(2100, 0, 1);

// Fixed offsets (see docs/telemetry-format.md).
const OFF_VERSION = 2;
const OFF_KIND = 3;
const OFF_SEQ = 4;
const OFF_TIME = 8;
const COMMON_HEADER = 16;
const SAMPLES_OFF_ACCEL_SCALE = 16;
const SAMPLES_OFF_GYRO_SCALE = 20;
const SAMPLES_OFF_RATE = 24;
const SAMPLES_OFF_COUNT = 26;
const SAMPLES_OFF_SENSORS = 28;
const SAMPLES_OFF_RESERVED = 29;
/** Even, so the int16 block is 2-byte aligned whenever the message itself is. */
const SAMPLES_HEADER = 30;
const START_OFF_RATE = 16;
const START_OFF_SENSORS = 18;
const START_OFF_RESERVED = 19;
const START_HEADER = 20;
const END_OFF_TOTAL = 16;
const END_OFF_LAST_SEQ = 20;
const END_HEADER = 24;

const MAX_EXERCISE_ID_LENGTH = 64;
const MAX_PLACEMENT_LENGTH = 32;
// Structural checks only, not catalogue membership (lambdas/rehab/exercises.ts: isExerciseId, isSegment):
// a gateway that knows a newer exercise must not have its data dropped at decode. Consumers narrow the
// decoded strings with those guards. Every catalogue id and segment matches these (tested).
const EXERCISE_ID_PATTERN = /^[A-Za-z0-9]+(?:[-_][A-Za-z0-9]+)*$/;
/** Limb segment the sensor is strapped to, e.g. `left-upper-arm`, `right-shank`. */
const PLACEMENT_PATTERN = /^[a-z]+(?:-[a-z]+)*$/;

/** On the wire: any well-formed id; `ExerciseId` in lambdas/rehab/exercises.ts once checked. */
export type ExerciseId = string;
/** On the wire: any well-formed segment name; `Segment` in lambdas/rehab/exercises.ts once checked. */
export type Placement = string;

interface MessageBase {
  readonly deviceId: string;
  /** Per device, strictly increasing across all of its messages and sessions (uint32). */
  readonly seq: number;
  readonly sessionId: string;
  readonly exerciseId: ExerciseId;
}

export interface SessionStartMessage extends MessageBase {
  readonly kind: 'session-start';
  /** Epoch ms. */
  readonly startedAt: number;
  readonly sampleRateHz: number;
  readonly placements: readonly Placement[];
}

export interface SamplesMessage extends MessageBase {
  readonly kind: 'samples';
  readonly sampleRateHz: number;
  /** Epoch ms of the first sample; sample i is at firstSampleTime + i * 1000 / sampleRateHz. */
  readonly firstSampleTime: number;
  readonly placements: readonly Placement[];
  /** Samples per sensor. */
  readonly sampleCount: number;
  /** One array per placement: [ax, ay, az, gx, gy, gz, ...] in g and rad/s, sampleCount × 6 long. */
  readonly samples: readonly Float32Array[];
}

export interface SessionEndMessage extends MessageBase {
  readonly kind: 'session-end';
  /** Epoch ms. */
  readonly endedAt: number;
  /** Samples per sensor sent in this session (sum of sampleCount of its samples messages). */
  readonly totalSamples: number;
  /** Seq of the last message sent before this one in the session (its last samples, or its start). */
  readonly lastSeq: number;
}

export type TelemetryMessage = SessionStartMessage | SamplesMessage | SessionEndMessage;

export type TelemetryErrorReason =
  | 'not-bytes'
  | 'truncated'
  | 'trailing-bytes'
  | 'bad-magic'
  | 'unsupported-version'
  | 'unknown-kind'
  | 'bad-reserved'
  | 'bad-seq'
  | 'bad-time'
  | 'bad-sample-rate'
  | 'bad-sensor-count'
  | 'bad-sample-count'
  | 'bad-samples-length'
  | 'bad-sample-value'
  | 'bad-scale'
  | 'bad-device-id'
  | 'bad-session-id'
  | 'bad-exercise-id'
  | 'bad-placement'
  | 'duplicate-placement'
  | 'bad-total-samples'
  | 'bad-last-seq';

/** Thrown by `decodeTelemetry` for any malformed input. The message names the reason only, never payload contents. */
export class TelemetryDecodeError extends Error {
  constructor(readonly reason: TelemetryErrorReason) {
    super(`telemetry decode failed: ${reason}`);
    this.name = 'TelemetryDecodeError';
  }
}

/** Thrown by `encodeTelemetry` for a message that the format cannot carry. */
export class TelemetryEncodeError extends Error {
  constructor(readonly reason: TelemetryErrorReason) {
    super(`telemetry encode failed: ${reason}`);
    this.name = 'TelemetryEncodeError';
  }
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

// ---------------------------------------------------------------------------------------------
// Shared field checks (encoder and decoder apply the same rules).

const isUint32 = (n: number) => Number.isInteger(n) && n >= 0 && n <= 0xffffffff;
const validTime = (t: number) => Number.isInteger(t) && t >= MIN_TIME_MS && t < MAX_TIME_MS;
const validRate = (r: number) => Number.isInteger(r) && r >= MIN_SAMPLE_RATE_HZ && r <= MAX_SAMPLE_RATE_HZ;
const validSessionId = (s: string) => isId(s, 'rsess');
const validDeviceId = (s: string) => isId(s, 'dev');
const validExerciseId = (s: string) => s.length <= MAX_EXERCISE_ID_LENGTH && EXERCISE_ID_PATTERN.test(s);
const validPlacement = (s: string) => s.length <= MAX_PLACEMENT_LENGTH && PLACEMENT_PATTERN.test(s);
const validAccelScale = (s: number) => Number.isFinite(s) && s > 0 && s * INT16_MAX <= MAX_ACCEL_FULL_SCALE_G;
const validGyroScale = (s: number) => Number.isFinite(s) && s > 0 && s * INT16_MAX <= MAX_GYRO_FULL_SCALE_RAD_S;

function placementsProblem(placements: readonly string[]): TelemetryErrorReason | undefined {
  if (placements.length < MIN_SENSORS || placements.length > MAX_SENSORS) return 'bad-sensor-count';
  for (const p of placements) if (!validPlacement(p)) return 'bad-placement';
  if (new Set(placements).size !== placements.length) return 'duplicate-placement';
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Encoding

function stringsLength(strings: readonly string[]): number {
  let n = 0;
  for (const s of strings) n += 1 + s.length;
  return n;
}

/** Strings are checked against ASCII-only patterns first, so one char is one byte. */
function writeStrings(bytes: Uint8Array, offset: number, strings: readonly string[]): number {
  for (const s of strings) {
    bytes[offset++] = s.length;
    for (let i = 0; i < s.length; i++) bytes[offset++] = s.charCodeAt(i);
  }
  return offset;
}

function writeCommonHeader(view: DataView, kind: number, seq: number, time: number): void {
  view.setUint8(0, TELEMETRY_MAGIC[0]);
  view.setUint8(1, TELEMETRY_MAGIC[1]);
  view.setUint8(OFF_VERSION, TELEMETRY_FORMAT_VERSION);
  view.setUint8(OFF_KIND, kind);
  view.setUint32(OFF_SEQ, seq, true);
  view.setFloat64(OFF_TIME, time, true);
}

function checkBase(message: MessageBase): void {
  const fail = (reason: TelemetryErrorReason) => {
    throw new TelemetryEncodeError(reason);
  };
  if (!validDeviceId(message.deviceId)) fail('bad-device-id');
  if (!isUint32(message.seq)) fail('bad-seq');
  if (!validSessionId(message.sessionId)) fail('bad-session-id');
  if (!validExerciseId(message.exerciseId)) fail('bad-exercise-id');
}

function quantize(value: number, inverseScale: number): number {
  // NaN would silently become 0; a sensor never saturates to "no value", so refuse it.
  if (Number.isNaN(value)) throw new TelemetryEncodeError('bad-sample-value');
  const q = Math.round(value * inverseScale);
  // Out-of-range readings saturate, as the sensor itself would.
  return q > INT16_MAX ? INT16_MAX : q < -INT16_MAX ? -INT16_MAX : q;
}

function encodeSamples(message: SamplesMessage): Uint8Array {
  const { placements, samples, sampleCount } = message;
  const problem = placementsProblem(placements);
  if (problem) throw new TelemetryEncodeError(problem);
  if (!validRate(message.sampleRateHz)) throw new TelemetryEncodeError('bad-sample-rate');
  if (!validTime(message.firstSampleTime)) throw new TelemetryEncodeError('bad-time');
  if (!Number.isInteger(sampleCount) || sampleCount < 1 || sampleCount > MAX_SAMPLES_PER_MESSAGE) {
    throw new TelemetryEncodeError('bad-sample-count');
  }
  const perSensor = sampleCount * CHANNELS;
  if (samples.length !== placements.length || samples.some((s) => s.length !== perSensor)) {
    throw new TelemetryEncodeError('bad-samples-length');
  }
  const strings = [message.deviceId, message.sessionId, message.exerciseId, ...placements];
  const dataBytes = placements.length * perSensor * 2;
  const bytes = new Uint8Array(SAMPLES_HEADER + dataBytes + stringsLength(strings));
  const view = new DataView(bytes.buffer);
  writeCommonHeader(view, KIND_SAMPLES, message.seq, message.firstSampleTime);
  view.setFloat32(SAMPLES_OFF_ACCEL_SCALE, ACCEL_SCALE_G, true);
  view.setFloat32(SAMPLES_OFF_GYRO_SCALE, GYRO_SCALE_RAD_S, true);
  view.setUint16(SAMPLES_OFF_RATE, message.sampleRateHz, true);
  view.setUint16(SAMPLES_OFF_COUNT, sampleCount, true);
  view.setUint8(SAMPLES_OFF_SENSORS, placements.length);
  view.setUint8(SAMPLES_OFF_RESERVED, 0);
  const inverseAccel = 1 / ACCEL_SCALE_G;
  const inverseGyro = 1 / GYRO_SCALE_RAD_S;
  // `bytes` is fresh (offset 0, SAMPLES_HEADER even), so an Int16Array view is aligned.
  const out = LITTLE_ENDIAN_HOST ? new Int16Array(bytes.buffer, SAMPLES_HEADER, placements.length * perSensor) : undefined;
  let index = 0;
  for (const sensor of samples) {
    for (let i = 0; i < perSensor; i += CHANNELS) {
      for (let c = 0; c < CHANNELS; c++) {
        const q = quantize(sensor[i + c]!, c < 3 ? inverseAccel : inverseGyro);
        if (out) out[index] = q;
        else view.setInt16(SAMPLES_HEADER + index * 2, q, true);
        index++;
      }
    }
  }
  writeStrings(bytes, SAMPLES_HEADER + dataBytes, strings);
  return bytes;
}

function encodeSessionStart(message: SessionStartMessage): Uint8Array {
  const problem = placementsProblem(message.placements);
  if (problem) throw new TelemetryEncodeError(problem);
  if (!validRate(message.sampleRateHz)) throw new TelemetryEncodeError('bad-sample-rate');
  if (!validTime(message.startedAt)) throw new TelemetryEncodeError('bad-time');
  const strings = [message.deviceId, message.sessionId, message.exerciseId, ...message.placements];
  const bytes = new Uint8Array(START_HEADER + stringsLength(strings));
  const view = new DataView(bytes.buffer);
  writeCommonHeader(view, KIND_SESSION_START, message.seq, message.startedAt);
  view.setUint16(START_OFF_RATE, message.sampleRateHz, true);
  view.setUint8(START_OFF_SENSORS, message.placements.length);
  view.setUint8(START_OFF_RESERVED, 0);
  writeStrings(bytes, START_HEADER, strings);
  return bytes;
}

function encodeSessionEnd(message: SessionEndMessage): Uint8Array {
  if (!validTime(message.endedAt)) throw new TelemetryEncodeError('bad-time');
  if (!isUint32(message.totalSamples)) throw new TelemetryEncodeError('bad-total-samples');
  if (!isUint32(message.lastSeq) || message.lastSeq >= message.seq) throw new TelemetryEncodeError('bad-last-seq');
  const strings = [message.deviceId, message.sessionId, message.exerciseId];
  const bytes = new Uint8Array(END_HEADER + stringsLength(strings));
  const view = new DataView(bytes.buffer);
  writeCommonHeader(view, KIND_SESSION_END, message.seq, message.endedAt);
  view.setUint32(END_OFF_TOTAL, message.totalSamples, true);
  view.setUint32(END_OFF_LAST_SEQ, message.lastSeq, true);
  writeStrings(bytes, END_HEADER, strings);
  return bytes;
}

/** Encodes one message in format version 1. Throws `TelemetryEncodeError` for anything the format cannot carry. */
export function encodeTelemetry(message: TelemetryMessage): Uint8Array {
  checkBase(message);
  switch (message.kind) {
    case 'samples':
      return encodeSamples(message);
    case 'session-start':
      return encodeSessionStart(message);
    case 'session-end':
      return encodeSessionEnd(message);
    default:
      throw new TelemetryEncodeError('unknown-kind');
  }
}

// ---------------------------------------------------------------------------------------------
// Decoding

function fail(reason: TelemetryErrorReason): never {
  throw new TelemetryDecodeError(reason);
}

/** Cursor over the string trailer; module-level so decoding allocates no reader object. */
let cursor = 0;

function readString(bytes: Uint8Array, end: number, reason: TelemetryErrorReason): string {
  if (cursor >= end) fail('truncated');
  const length = bytes[cursor++]!;
  if (length === 0) fail(reason);
  if (cursor + length > end) fail('truncated');
  let s = '';
  for (let i = 0; i < length; i++) {
    const c = bytes[cursor++]!;
    // Printable ASCII only; the patterns below then decide, so no byte can smuggle in other text.
    if (c < 0x21 || c > 0x7e) fail(reason);
    s += String.fromCharCode(c);
  }
  return s;
}

/**
 * The string trailer (ids and placements) of the last message decoded. Consecutive messages of a
 * device repeat it byte for byte, so a byte comparison replaces building and pattern-checking five
 * strings: that was most of the per-message cost.
 */
const trailerCache = {
  bytes: new Uint8Array(0),
  length: -1,
  placementCount: -1,
  deviceId: '',
  sessionId: '',
  exerciseId: '',
  placements: Object.freeze([]) as readonly Placement[],
};

function sameTrailer(bytes: Uint8Array, start: number, placementCount: number): boolean {
  const length = bytes.length - start;
  if (length !== trailerCache.length || placementCount !== trailerCache.placementCount) return false;
  const cached = trailerCache.bytes;
  for (let i = 0; i < length; i++) if (cached[i] !== bytes[start + i]) return false;
  return true;
}

/** Reads ids and `placementCount` placements from `start` to the end of `bytes` into `trailerCache`. */
function readTrailer(bytes: Uint8Array, start: number, placementCount: number): void {
  if (sameTrailer(bytes, start, placementCount)) return;
  const end = bytes.length;
  cursor = start;
  const deviceId = readString(bytes, end, 'bad-device-id');
  if (!validDeviceId(deviceId)) fail('bad-device-id');
  const sessionId = readString(bytes, end, 'bad-session-id');
  if (!validSessionId(sessionId)) fail('bad-session-id');
  const exerciseId = readString(bytes, end, 'bad-exercise-id');
  if (!validExerciseId(exerciseId)) fail('bad-exercise-id');
  const placements: Placement[] = [];
  for (let i = 0; i < placementCount; i++) {
    const p = readString(bytes, end, 'bad-placement');
    if (!validPlacement(p)) fail('bad-placement');
    if (placements.includes(p)) fail('duplicate-placement');
    placements.push(p);
  }
  if (cursor !== end) fail('trailing-bytes');
  const length = end - start;
  if (trailerCache.bytes.length < length) trailerCache.bytes = new Uint8Array(Math.max(256, length));
  trailerCache.bytes.set(bytes.subarray(start, end));
  trailerCache.length = length;
  trailerCache.placementCount = placementCount;
  trailerCache.deviceId = deviceId;
  trailerCache.sessionId = sessionId;
  trailerCache.exerciseId = exerciseId;
  // Frozen because decoded messages share it.
  trailerCache.placements = Object.freeze(placements);
}

function readSensorCount(view: DataView, offset: number): number {
  const n = view.getUint8(offset);
  if (n < MIN_SENSORS || n > MAX_SENSORS) fail('bad-sensor-count');
  return n;
}

function readRate(view: DataView, offset: number): number {
  const rate = view.getUint16(offset, true);
  if (!validRate(rate)) fail('bad-sample-rate');
  return rate;
}

/** Scratch space for int16 blocks that arrive at an odd address (an Int16Array view needs alignment). */
let scratch = new ArrayBuffer(0);

function int16Block(bytes: Uint8Array, offset: number, count: number): Int16Array {
  const start = bytes.byteOffset + offset;
  if ((start & 1) === 0) return new Int16Array(bytes.buffer, start, count);
  if (scratch.byteLength < count * 2) scratch = new ArrayBuffer(Math.max(count * 2, scratch.byteLength * 2));
  new Uint8Array(scratch, 0, count * 2).set(bytes.subarray(offset, offset + count * 2));
  return new Int16Array(scratch, 0, count);
}

function decodeSamples(bytes: Uint8Array, view: DataView, seq: number, time: number): SamplesMessage {
  if (bytes.length < SAMPLES_HEADER) fail('truncated');
  const accelScale = view.getFloat32(SAMPLES_OFF_ACCEL_SCALE, true);
  const gyroScale = view.getFloat32(SAMPLES_OFF_GYRO_SCALE, true);
  if (!validAccelScale(accelScale) || !validGyroScale(gyroScale)) fail('bad-scale');
  const sampleRateHz = readRate(view, SAMPLES_OFF_RATE);
  const sampleCount = view.getUint16(SAMPLES_OFF_COUNT, true);
  if (sampleCount < 1 || sampleCount > MAX_SAMPLES_PER_MESSAGE) fail('bad-sample-count');
  const sensorCount = readSensorCount(view, SAMPLES_OFF_SENSORS);
  if (view.getUint8(SAMPLES_OFF_RESERVED) !== 0) fail('bad-reserved');
  const values = sensorCount * sampleCount * CHANNELS;
  const dataEnd = SAMPLES_HEADER + values * 2;
  if (dataEnd > bytes.length) fail('truncated');

  readTrailer(bytes, dataEnd, sensorCount);
  const { deviceId, sessionId, exerciseId, placements } = trailerCache;

  // One allocation for all sensors; each sensor gets a view of it.
  const out = new Float32Array(values);
  if (LITTLE_ENDIAN_HOST) {
    const src = int16Block(bytes, SAMPLES_HEADER, values);
    for (let i = 0; i < values; i += CHANNELS) {
      out[i] = src[i]! * accelScale;
      out[i + 1] = src[i + 1]! * accelScale;
      out[i + 2] = src[i + 2]! * accelScale;
      out[i + 3] = src[i + 3]! * gyroScale;
      out[i + 4] = src[i + 4]! * gyroScale;
      out[i + 5] = src[i + 5]! * gyroScale;
    }
  } else {
    for (let i = 0, o = SAMPLES_HEADER; i < values; i++, o += 2) {
      out[i] = view.getInt16(o, true) * (i % CHANNELS < 3 ? accelScale : gyroScale);
    }
  }
  const perSensor = sampleCount * CHANNELS;
  const samples: Float32Array[] = [];
  for (let s = 0; s < sensorCount; s++) samples.push(out.subarray(s * perSensor, (s + 1) * perSensor));

  return { kind: 'samples', deviceId, seq, sessionId, exerciseId, sampleRateHz, firstSampleTime: time, placements, sampleCount, samples };
}

function decodeSessionStart(bytes: Uint8Array, view: DataView, seq: number, time: number): SessionStartMessage {
  if (bytes.length < START_HEADER) fail('truncated');
  const sampleRateHz = readRate(view, START_OFF_RATE);
  const sensorCount = readSensorCount(view, START_OFF_SENSORS);
  if (view.getUint8(START_OFF_RESERVED) !== 0) fail('bad-reserved');
  readTrailer(bytes, START_HEADER, sensorCount);
  const { deviceId, sessionId, exerciseId, placements } = trailerCache;
  return { kind: 'session-start', deviceId, seq, sessionId, exerciseId, startedAt: time, sampleRateHz, placements };
}

function decodeSessionEnd(bytes: Uint8Array, view: DataView, seq: number, time: number): SessionEndMessage {
  if (bytes.length < END_HEADER) fail('truncated');
  const totalSamples = view.getUint32(END_OFF_TOTAL, true);
  const lastSeq = view.getUint32(END_OFF_LAST_SEQ, true);
  if (lastSeq >= seq) fail('bad-last-seq');
  readTrailer(bytes, END_HEADER, 0);
  const { deviceId, sessionId, exerciseId } = trailerCache;
  return { kind: 'session-end', deviceId, seq, sessionId, exerciseId, endedAt: time, totalSamples, lastSeq };
}

/**
 * Decodes and fully validates one message. Throws `TelemetryDecodeError` (and nothing else) for any
 * malformed input. The returned sample arrays are fresh (they do not alias `bytes`).
 */
export function decodeTelemetry(bytes: Uint8Array): TelemetryMessage {
  if (!(bytes instanceof Uint8Array)) fail('not-bytes');
  if (bytes.length < COMMON_HEADER) fail('truncated');
  if (bytes[0] !== TELEMETRY_MAGIC[0] || bytes[1] !== TELEMETRY_MAGIC[1]) fail('bad-magic');
  if (bytes[OFF_VERSION] !== TELEMETRY_FORMAT_VERSION) fail('unsupported-version');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const seq = view.getUint32(OFF_SEQ, true);
  const time = view.getFloat64(OFF_TIME, true);
  const kind = bytes[OFF_KIND];
  if (kind !== KIND_SAMPLES && kind !== KIND_SESSION_START && kind !== KIND_SESSION_END) fail('unknown-kind');
  if (!validTime(time)) fail('bad-time');
  switch (kind) {
    case KIND_SAMPLES:
      return decodeSamples(bytes, view, seq, time);
    case KIND_SESSION_START:
      return decodeSessionStart(bytes, view, seq, time);
    default:
      return decodeSessionEnd(bytes, view, seq, time);
  }
}
