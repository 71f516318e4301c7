/**
 * Segment and joint angles from orientation.
 *
 * A segment's inclination is the angle, about its hinge axis, between world up and the segment's neutral up
 * direction (sensor z), both seen from the sensor. Only the gravity direction is used, so heading drift
 * (unobservable without a magnetometer) cannot leak into the angle, and a small mounting error about any
 * axis other than the hinge only changes the angle to second order. Hinge axes are horizontal in the
 * neutral pose (z component 0), which holds for every exercise in the catalogue.
 */

/** Inclination in radians, in (-π, π], from world up in the sensor frame and the hinge axis (x, y) in the sensor frame. */
export function inclinationFromUp(upX: number, upY: number, upZ: number, axisX: number, axisY: number): number {
  // Component of up along (sensor z) x axis, against its component along sensor z.
  return Math.atan2(upY * axisX - upX * axisY, upZ);
}

const TWO_PI = 2 * Math.PI;

/** The representative of `wrapped` (mod 2π) nearest to `previous`, so angles past ±180° stay continuous. */
export function unwrapAngle(previous: number, wrapped: number): number {
  return wrapped + TWO_PI * Math.round((previous - wrapped) / TWO_PI);
}
