/**
 * Orientation of one IMU from accelerometer (g) and gyroscope (rad/s): Madgwick's gradient-descent filter
 * (IMU form, no magnetometer), with
 *  - a warm-up: the quaternion starts from the first accelerometer sample and the gain starts high, so the
 *    tilt is right within the first second;
 *  - gyroscope bias estimation while the sensor is still;
 *  - gating of the accelerometer correction during movement, when the accelerometer also measures motion
 *    acceleration (tangential and centripetal) and would pull the tilt away from gravity.
 *
 * The quaternion q = (q0, q1, q2, q3) rotates sensor coordinates into world coordinates (z up). Heading is
 * unobservable without a magnetometer and is never used: every angle derived from q depends on tilt only.
 *
 * State is a Float64Array of plain numbers so it can be stored as JSON between Lambda batches and the hot
 * loop allocates nothing.
 */

export interface OrientationSettings {
  /** Nominal Madgwick gain (rad/s): how fast the accelerometer corrects gyroscope drift. */
  beta: number;
  /** Gain at the first sample, decaying linearly to `beta` over the warm-up. */
  warmupBeta: number;
  warmupS: number;
  /** Deviation of |a| from 1 g at which the accelerometer correction is switched off entirely. */
  accelGateG: number;
  /** Angular rate (rad/s) at which the accelerometer correction is halved; faster movement trusts the gyroscope. */
  rateGateRadS: number;
  /** Time constant of the smoothing used by the stillness test. */
  smoothingS: number;
  /** Still: smoothed |gyro - bias| below this (rad/s) ... */
  stillGyroRadS: number;
  /** ... and smoothed |a| within this of 1 g ... */
  stillAccelG: number;
  /** ... for at least this long. */
  stillMinS: number;
  /** Time constant of the bias average once enough still samples have been seen. */
  biasTimeConstantS: number;
}

export const DEFAULT_ORIENTATION_SETTINGS: Readonly<OrientationSettings> = {
  beta: 0.05,
  warmupBeta: 0.5,
  warmupS: 1,
  accelGateG: 0.25,
  rateGateRadS: 0.3,
  smoothingS: 0.1,
  stillGyroRadS: 0.08,
  stillAccelG: 0.05,
  stillMinS: 0.5,
  biasTimeConstantS: 2,
};

/** Constants derived once per analyzer from the settings and the sample rate. */
export interface OrientationConstants {
  dt: number;
  beta: number;
  warmupBeta: number;
  warmupSamples: number;
  accelGateG: number;
  inverseRateGateSq: number;
  smoothingAlpha: number;
  stillGyroSq: number;
  stillAccelG: number;
  stillMinSamples: number;
  biasMinWeight: number;
}

export function orientationConstants(sampleRateHz: number, settings: OrientationSettings = DEFAULT_ORIENTATION_SETTINGS): OrientationConstants {
  const dt = 1 / sampleRateHz;
  return {
    dt,
    beta: settings.beta,
    warmupBeta: settings.warmupBeta,
    warmupSamples: Math.max(1, Math.round(settings.warmupS * sampleRateHz)),
    accelGateG: settings.accelGateG,
    inverseRateGateSq: 1 / (settings.rateGateRadS * settings.rateGateRadS),
    smoothingAlpha: 1 - Math.exp(-dt / settings.smoothingS),
    stillGyroSq: settings.stillGyroRadS * settings.stillGyroRadS,
    stillAccelG: settings.stillAccelG,
    stillMinSamples: Math.max(1, Math.round(settings.stillMinS * sampleRateHz)),
    biasMinWeight: Math.min(1, dt / settings.biasTimeConstantS),
  };
}

// Layout of the per-sensor state vector.
export const Q0 = 0;
export const Q1 = 1;
export const Q2 = 2;
export const Q3 = 3;
export const BIAS_X = 4;
export const BIAS_Y = 5;
export const BIAS_Z = 6;
const SMOOTH_GX = 7;
const SMOOTH_GY = 8;
const SMOOTH_GZ = 9;
const SMOOTH_AX = 10;
const SMOOTH_AY = 11;
const SMOOTH_AZ = 12;
const STILL_SAMPLES = 13;
const BIAS_UPDATES = 14;
const INITIALIZED = 15;
/** Bias-corrected gyroscope of the latest sample, for callers that need angular velocity. */
export const RATE_X = 16;
export const RATE_Y = 17;
export const RATE_Z = 18;
export const ORIENTATION_STATE_SIZE = 19;

export function createOrientationState(): Float64Array {
  const state = new Float64Array(ORIENTATION_STATE_SIZE);
  state[Q0] = 1;
  return state;
}

/**
 * One Madgwick IMU step on a unit quaternion stored at q[0..3] (sensor-to-world), gyroscope in rad/s,
 * accelerometer in any unit. Madgwick's published update, with the normalised gradient step.
 */
export function madgwickUpdate(
  q: Float64Array,
  gx: number,
  gy: number,
  gz: number,
  ax: number,
  ay: number,
  az: number,
  beta: number,
  dt: number,
): void {
  let q0 = q[0];
  let q1 = q[1];
  let q2 = q[2];
  let q3 = q[3];
  let qDot0 = 0.5 * (-q1 * gx - q2 * gy - q3 * gz);
  let qDot1 = 0.5 * (q0 * gx + q2 * gz - q3 * gy);
  let qDot2 = 0.5 * (q0 * gy - q1 * gz + q3 * gx);
  let qDot3 = 0.5 * (q0 * gz + q1 * gy - q2 * gx);

  const accelNormSq = ax * ax + ay * ay + az * az;
  if (beta > 0 && accelNormSq > 0) {
    const inverseAccelNorm = 1 / Math.sqrt(accelNormSq);
    ax *= inverseAccelNorm;
    ay *= inverseAccelNorm;
    az *= inverseAccelNorm;
    const twoQ0 = 2 * q0;
    const twoQ1 = 2 * q1;
    const twoQ2 = 2 * q2;
    const twoQ3 = 2 * q3;
    const fourQ0 = 4 * q0;
    const fourQ1 = 4 * q1;
    const fourQ2 = 4 * q2;
    const eightQ1 = 8 * q1;
    const eightQ2 = 8 * q2;
    const q0q0 = q0 * q0;
    const q1q1 = q1 * q1;
    const q2q2 = q2 * q2;
    const q3q3 = q3 * q3;
    // Gradient of |estimated gravity - measured gravity|^2 with respect to q.
    let s0 = fourQ0 * q2q2 + twoQ2 * ax + fourQ0 * q1q1 - twoQ1 * ay;
    let s1 = fourQ1 * q3q3 - twoQ3 * ax + 4 * q0q0 * q1 - twoQ0 * ay - fourQ1 + eightQ1 * q1q1 + eightQ1 * q2q2 + fourQ1 * az;
    let s2 = 4 * q0q0 * q2 + twoQ0 * ax + fourQ2 * q3q3 - twoQ3 * ay - fourQ2 + eightQ2 * q1q1 + eightQ2 * q2q2 + fourQ2 * az;
    let s3 = 4 * q1q1 * q3 - twoQ1 * ax + 4 * q2q2 * q3 - twoQ2 * ay;
    const gradientNormSq = s0 * s0 + s1 * s1 + s2 * s2 + s3 * s3;
    // Exactly aligned: no correction (normalising a zero gradient would produce NaN).
    if (gradientNormSq > 0) {
      const step = beta / Math.sqrt(gradientNormSq);
      s0 *= step;
      s1 *= step;
      s2 *= step;
      s3 *= step;
      qDot0 -= s0;
      qDot1 -= s1;
      qDot2 -= s2;
      qDot3 -= s3;
    }
  }

  q0 += qDot0 * dt;
  q1 += qDot1 * dt;
  q2 += qDot2 * dt;
  q3 += qDot3 * dt;
  const inverseNorm = 1 / Math.sqrt(q0 * q0 + q1 * q1 + q2 * q2 + q3 * q3);
  q[0] = q0 * inverseNorm;
  q[1] = q1 * inverseNorm;
  q[2] = q2 * inverseNorm;
  q[3] = q3 * inverseNorm;
}

/** Sets q to the smallest rotation that takes the measured gravity direction onto world z (heading 0). */
export function alignToGravity(q: Float64Array, ax: number, ay: number, az: number): void {
  const norm = Math.sqrt(ax * ax + ay * ay + az * az);
  if (!(norm > 0)) {
    q[0] = 1;
    q[1] = 0;
    q[2] = 0;
    q[3] = 0;
    return;
  }
  ax /= norm;
  ay /= norm;
  az /= norm;
  // Rotation axis a x z = (ay, -ax, 0), cos = az; the half-angle quaternion is (1 + cos, axis) normalised.
  let w = 1 + az;
  let x = ay;
  let y = 0 - ax;
  if (w < 1e-9) {
    // Upside down: any horizontal axis works; x is as good as any.
    w = 0;
    x = 1;
    y = 0;
  }
  const inverseNorm = 1 / Math.sqrt(w * w + x * x + y * y);
  q[0] = w * inverseNorm;
  q[1] = x * inverseNorm;
  q[2] = y * inverseNorm;
  q[3] = 0;
}

/**
 * Advances one sensor's state by one sample. `sampleIndex` is the sample's position in the session; it
 * drives the warm-up so results do not depend on how the session was split into messages.
 */
export function updateOrientation(
  state: Float64Array,
  constants: OrientationConstants,
  sampleIndex: number,
  ax: number,
  ay: number,
  az: number,
  gxRaw: number,
  gyRaw: number,
  gzRaw: number,
): void {
  if (state[INITIALIZED] === 0) {
    alignToGravity(state, ax, ay, az);
    state[SMOOTH_GX] = gxRaw;
    state[SMOOTH_GY] = gyRaw;
    state[SMOOTH_GZ] = gzRaw;
    state[SMOOTH_AX] = ax;
    state[SMOOTH_AY] = ay;
    state[SMOOTH_AZ] = az;
    state[INITIALIZED] = 1;
  }

  // Stillness test on smoothed signals, so single noisy samples neither start nor break a still period.
  const alpha = constants.smoothingAlpha;
  const sgx = (state[SMOOTH_GX] += alpha * (gxRaw - state[SMOOTH_GX]));
  const sgy = (state[SMOOTH_GY] += alpha * (gyRaw - state[SMOOTH_GY]));
  const sgz = (state[SMOOTH_GZ] += alpha * (gzRaw - state[SMOOTH_GZ]));
  const sax = (state[SMOOTH_AX] += alpha * (ax - state[SMOOTH_AX]));
  const say = (state[SMOOTH_AY] += alpha * (ay - state[SMOOTH_AY]));
  const saz = (state[SMOOTH_AZ] += alpha * (az - state[SMOOTH_AZ]));
  let biasX = state[BIAS_X];
  let biasY = state[BIAS_Y];
  let biasZ = state[BIAS_Z];
  const dgx = sgx - biasX;
  const dgy = sgy - biasY;
  const dgz = sgz - biasZ;
  const smoothAccelNorm = Math.sqrt(sax * sax + say * say + saz * saz);
  const still =
    dgx * dgx + dgy * dgy + dgz * dgz < constants.stillGyroSq && Math.abs(smoothAccelNorm - 1) < constants.stillAccelG;
  if (still) {
    const stillSamples = ++state[STILL_SAMPLES];
    if (stillSamples >= constants.stillMinSamples) {
      // Running mean at first, then an exponential average that follows slow bias drift (temperature).
      const updates = ++state[BIAS_UPDATES];
      const weight = Math.max(1 / updates, constants.biasMinWeight);
      biasX += weight * (gxRaw - biasX);
      biasY += weight * (gyRaw - biasY);
      biasZ += weight * (gzRaw - biasZ);
      state[BIAS_X] = biasX;
      state[BIAS_Y] = biasY;
      state[BIAS_Z] = biasZ;
    }
  } else {
    state[STILL_SAMPLES] = 0;
  }

  const gx = gxRaw - biasX;
  const gy = gyRaw - biasY;
  const gz = gzRaw - biasZ;
  state[RATE_X] = gx;
  state[RATE_Y] = gy;
  state[RATE_Z] = gz;

  let beta = constants.beta;
  if (sampleIndex < constants.warmupSamples) {
    beta += (constants.warmupBeta - constants.beta) * (1 - sampleIndex / constants.warmupSamples);
  }
  const accelNorm = Math.sqrt(ax * ax + ay * ay + az * az);
  const accelWeight = 1 - Math.abs(accelNorm - 1) / constants.accelGateG;
  if (accelWeight <= 0) {
    beta = 0;
  } else {
    const rateSq = gx * gx + gy * gy + gz * gz;
    beta *= accelWeight / (1 + rateSq * constants.inverseRateGateSq);
  }
  madgwickUpdate(state, gx, gy, gz, ax, ay, az, beta, constants.dt);
}

/** World "up" expressed in the sensor frame: the third row of the sensor-to-world rotation. */
export function upInSensorFrame(q: ArrayLike<number>): [number, number, number] {
  const q0 = q[0];
  const q1 = q[1];
  const q2 = q[2];
  const q3 = q[3];
  return [2 * (q1 * q3 - q0 * q2), 2 * (q0 * q1 + q2 * q3), q0 * q0 - q1 * q1 - q2 * q2 + q3 * q3];
}
