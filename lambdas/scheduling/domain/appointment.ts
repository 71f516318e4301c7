import { Conflict } from '../../shared/errors.js';

export const APPOINTMENT_TYPES = ['video', 'phone', 'in-person', 'telerehab'] as const;
export type AppointmentType = (typeof APPOINTMENT_TYPES)[number];

export const APPOINTMENT_STATUSES = ['booked', 'checked-in', 'in-progress', 'completed', 'cancelled', 'no-show'] as const;
export type AppointmentStatus = (typeof APPOINTMENT_STATUSES)[number];

export const APPOINTMENT_ACTIONS = ['check-in', 'start', 'complete', 'cancel', 'no-show', 'reschedule'] as const;
export type AppointmentAction = (typeof APPOINTMENT_ACTIONS)[number];

export function isAppointmentType(value: unknown): value is AppointmentType {
  return (APPOINTMENT_TYPES as readonly unknown[]).includes(value);
}

/**
 * The whole lifecycle: booked → checked-in → in-progress → completed, or cancelled / no-show.
 * - no-show is allowed from checked-in too: remote check-in (intake) may be done hours ahead and the patient
 *   may still never join.
 * - reschedule keeps the appointment but moves it, so it returns to booked: a check-in belongs to the old time.
 * - once in progress, the only way out is complete.
 * Anything missing here is refused.
 */
const TRANSITIONS: Readonly<Record<AppointmentStatus, Partial<Record<AppointmentAction, AppointmentStatus>>>> = {
  booked: { 'check-in': 'checked-in', cancel: 'cancelled', 'no-show': 'no-show', reschedule: 'booked' },
  'checked-in': { start: 'in-progress', cancel: 'cancelled', 'no-show': 'no-show', reschedule: 'booked' },
  'in-progress': { complete: 'completed' },
  completed: {},
  cancelled: {},
  'no-show': {},
};

/** The status after `action`; throws Conflict (409) when the action is not allowed from `current`. */
export function transition(current: AppointmentStatus, action: AppointmentAction): AppointmentStatus {
  const next = TRANSITIONS[current]?.[action];
  if (next === undefined) throw new Conflict(`cannot ${action} an appointment that is ${current}`);
  return next;
}

export function allowedActions(current: AppointmentStatus): AppointmentAction[] {
  return APPOINTMENT_ACTIONS.filter((action) => TRANSITIONS[current]?.[action] !== undefined);
}

/** Completed, cancelled and no-show appointments never change again. */
export function isTerminal(status: AppointmentStatus): boolean {
  return allowedActions(status).length === 0;
}

/**
 * Statuses that still occupy time: their lock keys are held. Cancelled and no-show release them (no-show so the
 * rest of that slot is not blocked; it is in the past anyway); completed keeps them as history, harmlessly.
 */
export function occupiesTime(status: AppointmentStatus): boolean {
  return status !== 'cancelled' && status !== 'no-show';
}

export const DEFAULT_LOCK_GRANULARITY_MINUTES = 5;

/**
 * The time buckets an appointment of `ownerId` (a practitioner or a patient) occupies, one key per bucket:
 * `${ownerId}#${bucketStartUtc}`, e.g. `prac_01J…#2026-03-09T14:05Z`.
 *
 * Why buckets: the database can only refuse a write whose exact key already exists. Slot lengths and starts change
 * when availability is edited, so a new 45-minute booking must still collide with an existing 30-minute one that it
 * overlaps; two bookings can only collide if they write a common key. Writing every bucket an interval touches gives
 * that: overlapping intervals share at least the bucket where the later one starts.
 *
 * Exact (keys intersect ⇔ intervals overlap) when start and end are multiples of the granularity — availability
 * validation keeps every slot on 5-minute boundaries for that reason. Otherwise the interval is widened to whole
 * buckets: never a missed overlap, at worst a refused booking that merely shares a bucket.
 *
 * Cost: one item per bucket (a 30-minute appointment = 6 keys per owner), each taken by its own conditional write
 * (no transactions: see lambdas/scheduling/booking.ts and docs/data-model.md).
 * Every appointment of one owner must use the same granularity, or overlaps can be missed.
 */
export function slotLockKeys(
  ownerId: string,
  start: Date | string,
  end: Date | string,
  granularityMinutes: number = DEFAULT_LOCK_GRANULARITY_MINUTES,
): string[] {
  if (ownerId.length === 0 || ownerId.includes('#')) throw new RangeError('invalid owner id');
  if (!Number.isInteger(granularityMinutes) || granularityMinutes < 1 || granularityMinutes > 1440) {
    throw new RangeError('granularity must be a whole number of minutes between 1 and 1440');
  }
  const startMs = new Date(start).getTime();
  const endMs = new Date(end).getTime();
  if (Number.isNaN(startMs) || Number.isNaN(endMs)) throw new RangeError('invalid date');
  if (endMs <= startMs) throw new RangeError('end must be after start');

  const bucketMs = granularityMinutes * 60_000;
  // Buckets are aligned to the Unix epoch, so every caller computes the same boundaries.
  const first = Math.floor(startMs / bucketMs) * bucketMs;
  const last = Math.ceil(endMs / bucketMs) * bucketMs;
  if ((last - first) / bucketMs > 1000) throw new RangeError('interval too long to lock');

  const keys: string[] = [];
  for (let bucket = first; bucket < last; bucket += bucketMs) {
    keys.push(`${ownerId}#${new Date(bucket).toISOString().slice(0, 16)}Z`);
  }
  return keys;
}
