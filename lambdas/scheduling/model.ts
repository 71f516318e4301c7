import { occupiesTime, type AppointmentStatus, type AppointmentType } from './domain/appointment.js';
import type { Availability } from './domain/availability.js';
import type { IntakeRecord } from './domain/intake.js';

/**
 * Storage-level statuses beside the lifecycle's: `pending` while a booking is taking its slot locks, `abandoned` when
 * that booking gave up (or was fenced off as crashed). Neither is ever shown by the API.
 */
export type StoredStatus = AppointmentStatus | 'pending' | 'abandoned';

/** A lifecycle status (not pending, not abandoned): the appointment exists as far as the API is concerned. */
export function isLifecycleStatus(status: StoredStatus): status is AppointmentStatus {
  return status !== 'pending' && status !== 'abandoned';
}

/** A confirmed appointment that still holds its time (pending bookings are judged by lock-liveness.ts instead). */
export function isOccupying(status: StoredStatus): boolean {
  return isLifecycleStatus(status) && occupiesTime(status);
}

export interface Interval {
  /** RFC 3339 UTC, 'YYYY-MM-DDTHH:MM:SSZ': one format, so stored times sort as strings. */
  start: string;
  end: string;
}

/** A reschedule in flight: the target interval whose locks are being taken (see docs/data-model.md). */
export interface PendingMove extends Interval {
  moveId: string;
  localStart: string;
  since: string;
}

export interface StoredAppointment extends Interval {
  id: string;
  patientId: string;
  practitionerId: string;
  facilityId: string;
  type: AppointmentType;
  timeZone: string;
  /** Start on the practitioner's wall clock. */
  localStart: string;
  status: StoredStatus;
  /** Bumped by every change; conditional updates compare it. */
  version: number;
  createdAt: string;
  updatedAt: string;
  /** The user id that booked. */
  bookedBy: string;
  /** Set while `pending`: when the booking began, to recognise a crashed one. */
  pendingSince?: string;
  pendingMove?: PendingMove;
  intake?: IntakeRecord;
  checkedInAt?: string;
  cancelledAt?: string;
  cancelReason?: CancelReason;
}

export const CANCEL_REASONS = ['patient-request', 'practitioner-unavailable', 'facility-closure', 'other'] as const;
export type CancelReason = (typeof CANCEL_REASONS)[number];

export interface StoredAvailability extends Availability {
  practitionerId: string;
  version: number;
  updatedAt: string;
}

/** The lock a slot-lock item records: which appointment holds it, and the token of that very write. */
export interface LockHolder {
  appointmentId: string;
  token: string;
}
