import type { Page, PageRequest } from '../records/dynamo-support.js';
import type { Availability } from './domain/availability.js';
import type { Interval, LockHolder, PendingMove, StoredAppointment, StoredAvailability } from './model.js';

/** A time range over appointment starts: from inclusive, to exclusive, either open. */
export interface StartRange {
  from?: string;
  to?: string;
}

/** Storage port for appointments. Every change is a conditional write on one item; `undefined`/`false` = condition failed. */
export interface AppointmentStore {
  get(id: string): Promise<StoredAppointment | undefined>;
  /** Writes a new appointment in `pending` state; it is in no listing until confirmed. */
  createPending(appointment: StoredAppointment): Promise<void>;
  /** pending → booked, version 1, into the listings; refused once the booking was fenced off (abandoned). */
  confirm(appointment: StoredAppointment, now: Date): Promise<StoredAppointment | undefined>;
  /** pending → abandoned, only if still pending since `pendingSince`. */
  abandon(id: string, pendingSince: string, now: Date): Promise<boolean>;
  /** Records a reschedule's target, only if the appointment is still at `version` and `status`. */
  beginMove(appointment: StoredAppointment, move: PendingMove, now: Date): Promise<StoredAppointment | undefined>;
  /** Drops a reschedule's target, only if it is still this move. */
  clearMove(id: string, moveId: string): Promise<boolean>;
  /** Moves the appointment to its pending move's interval (status booked), only if still at `version` with this move. */
  completeMove(appointment: StoredAppointment, move: PendingMove, now: Date): Promise<StoredAppointment | undefined>;
  /** A lifecycle change, only if still at `version` and `status`. */
  update(
    appointment: StoredAppointment,
    changes: Partial<Pick<StoredAppointment, 'status' | 'intake' | 'checkedInAt' | 'cancelledAt' | 'cancelReason'>>,
    now: Date,
  ): Promise<StoredAppointment | undefined>;
  listByPatient(patientId: string, range: StartRange, page: PageRequest): Promise<Page<StoredAppointment>>;
  listByPractitioner(practitionerId: string, range: StartRange, page: PageRequest): Promise<Page<StoredAppointment>>;
  /** Intervals of the practitioner's appointments that still occupy time and start in the range. */
  occupiedIntervals(practitionerId: string, range: Required<StartRange>): Promise<Interval[]>;
}

/** Storage port for slot locks: each a conditional write on its own item. */
export interface SlotLockStore {
  /** Takes a free lock; when it is held, says by whom. */
  acquire(lockKey: string, appointmentId: string, expiresAtSeconds: number): Promise<{ acquired: true } | { acquired: false; holder?: LockHolder }>;
  /** Re-takes a lock, only if it is still exactly the write `seen` (same appointment and token). */
  takeOver(lockKey: string, seen: LockHolder, appointmentId: string, expiresAtSeconds: number): Promise<boolean>;
  /** Frees a lock, only if this appointment holds it. */
  release(lockKey: string, appointmentId: string): Promise<void>;
}

export interface AvailabilityStore {
  get(practitionerId: string): Promise<StoredAvailability | undefined>;
  getMany(practitionerIds: readonly string[]): Promise<Map<string, StoredAvailability>>;
  /**
   * Creates (expectedVersion undefined), or replaces the version `expectedVersion` ('*': whichever exists).
   * Throws PreconditionFailed when that is not the state found.
   */
  save(practitionerId: string, availability: Availability, expectedVersion: number | '*' | undefined, now: Date): Promise<StoredAvailability>;
}
