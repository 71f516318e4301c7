import { randomUUID } from 'node:crypto';
import { Conflict } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { logger } from '../shared/observability.js';
import type { AppointmentType } from './domain/appointment.js';
import type { Slot } from './domain/slots.js';
import { compareLockKeys, judgeLock, lockKeysOf } from './lock-liveness.js';
import type { Interval, PendingMove, StoredAppointment } from './model.js';
import type { AppointmentStore, SlotLockStore } from './ports.js';

/**
 * Booking without double-booking and without transactions (dynalite has none, and the product must behave the same
 * locally and in AWS). The database refuses the second writer of a slot-lock item (conditional PutItem), so two
 * appointments that overlap for the same practitioner, or for the same patient, can never both hold their locks.
 *
 *   book:       appointment item (pending) → locks, one at a time in one global order → confirm (pending → booked)
 *   reschedule: record the move → take the new locks → move the appointment → free the old locks
 *   cancel:     status → free the locks
 *
 * Any refusal releases what this request took and answers 409. A crash at any point leaves only locks whose holder is
 * pending-too-old, abandoned, cancelled or elsewhere: lock-liveness.ts recognises them and the next booking takes
 * them over. docs/data-model.md walks through each crash point.
 */

/** Lock items outlive their appointment by a week (TTL in AWS); by then the time is long past and unbookable. */
const LOCK_RETENTION_SECONDS = 7 * 24 * 3600;

export interface BookingDraft {
  readonly patientId: string;
  readonly practitionerId: string;
  readonly facilityId: string;
  readonly type: AppointmentType;
  readonly slot: Slot;
  readonly bookedBy: string;
}

/** 409 naming whose time is taken (ids never appear: the key's owner is only compared). */
export class SlotTaken extends Conflict {
  constructor(readonly owner: 'practitioner' | 'patient') {
    super(owner === 'practitioner' ? 'the practitioner is not free at that time' : 'the patient already has an appointment at that time');
    this.name = 'Conflict';
  }
}

function expiresAtSeconds(interval: Interval): number {
  return Math.floor(Date.parse(interval.end) / 1000) + LOCK_RETENTION_SECONDS;
}

export class BookingService {
  constructor(
    private readonly appointments: AppointmentStore,
    private readonly locks: SlotLockStore,
    private readonly now: () => Date,
  ) {}

  async book(draft: BookingDraft): Promise<StoredAppointment> {
    const started = this.now();
    const at = started.toISOString();
    const appointment: StoredAppointment = {
      id: newId('appt', started.getTime()),
      patientId: draft.patientId,
      practitionerId: draft.practitionerId,
      facilityId: draft.facilityId,
      type: draft.type,
      start: draft.slot.start,
      end: draft.slot.end,
      timeZone: draft.slot.timeZone,
      localStart: draft.slot.localStart,
      status: 'pending',
      version: 0,
      createdAt: at,
      updatedAt: at,
      bookedBy: draft.bookedBy,
      pendingSince: at,
    };
    // The holder is written before any lock, so every lock names an appointment that can be judged.
    await this.appointments.createPending(appointment);
    let held: string[] = [];
    try {
      held = await this.acquireAll(appointment, lockKeysOf(appointment, appointment), expiresAtSeconds(appointment));
      const confirmed = await this.appointments.confirm(appointment, this.now());
      // Refused only if another booking judged this one crashed and fenced it off (it ran past PENDING_TIMEOUT_MS).
      if (!confirmed) throw new Conflict('the booking took too long and was given up; try again');
      return confirmed;
    } catch (error) {
      await this.releaseAll(appointment.id, held);
      await this.appointments.abandon(appointment.id, at, this.now()).catch(() => false);
      throw error;
    }
  }

  /** Moves a booked or checked-in appointment to `slot`; the old slot stays held until the new one is. */
  async reschedule(appointment: StoredAppointment, slot: Slot): Promise<StoredAppointment> {
    const move: PendingMove = { moveId: randomUUID(), start: slot.start, end: slot.end, localStart: slot.localStart, since: this.now().toISOString() };
    const moving = await this.appointments.beginMove(appointment, move, this.now());
    if (!moving) throw new Conflict('the appointment changed meanwhile; fetch it and try again');
    const oldKeys = new Set(lockKeysOf(appointment, appointment));
    const newKeys = lockKeysOf(appointment, move);
    let held: string[] = [];
    try {
      // Buckets shared by the old and new times are held already; only the others are taken.
      held = await this.acquireAll(moving, newKeys.filter((key) => !oldKeys.has(key)), expiresAtSeconds(move));
      const moved = await this.appointments.completeMove(moving, move, this.now());
      if (!moved) throw new Conflict('the appointment changed meanwhile; fetch it and try again');
      // Only now is the old time given up. A failure here leaves locks that lock-liveness judges stale.
      const newKeySet = new Set(newKeys);
      await this.releaseAll(appointment.id, [...oldKeys].filter((key) => !newKeySet.has(key)));
      return moved;
    } catch (error) {
      await this.releaseAll(appointment.id, held);
      await this.appointments.clearMove(appointment.id, move.moveId).catch(() => false);
      throw error;
    }
  }

  /** Frees the locks of an appointment that no longer occupies its time (cancelled, no-show). */
  async releaseLocksOf(appointment: StoredAppointment): Promise<void> {
    await this.releaseAll(appointment.id, lockKeysOf(appointment, appointment));
  }

  /**
   * Takes every lock one conditional write at a time, in the global lock order (compareLockKeys). The same order for
   * every request means that of two contenders, whoever wins their first shared key wins them all: one of many
   * concurrent bookings of a slot succeeds, not none. Returns the keys written; on a refusal, releases them and throws
   * SlotTaken.
   */
  private async acquireAll(holder: StoredAppointment, keys: readonly string[], expiresAt: number): Promise<string[]> {
    const held: string[] = [];
    try {
      for (const key of [...keys].sort(compareLockKeys)) {
        if (!(await this.acquireOne(holder, key, expiresAt))) {
          throw new SlotTaken(key.startsWith(`${holder.practitionerId}#`) ? 'practitioner' : 'patient');
        }
        held.push(key);
      }
      return held;
    } catch (error) {
      await this.releaseAll(holder.id, held);
      throw error;
    }
  }

  private async acquireOne(holder: StoredAppointment, key: string, expiresAt: number): Promise<boolean> {
    // A lock can vanish between the refused write and the read (released meanwhile): try again, a bounded number of times.
    for (let attempt = 0; attempt < 3; attempt++) {
      const result = await this.locks.acquire(key, holder.id, expiresAt);
      if (result.acquired) return true;
      const seen = result.holder;
      if (!seen) continue;
      if (seen.appointmentId !== holder.id) {
        const verdict = judgeLock(key, await this.appointments.get(seen.appointmentId), this.now());
        if (verdict.live) return false;
        if (verdict.fence?.kind === 'abandon' && !(await this.appointments.abandon(seen.appointmentId, verdict.fence.pendingSince, this.now()))) return false;
        if (verdict.fence?.kind === 'clear-move' && !(await this.appointments.clearMove(seen.appointmentId, verdict.fence.moveId))) return false;
        logger.info('took over a stale slot lock', { appointmentId: holder.id, staleHolder: seen.appointmentId });
      }
      // Our own leftover (an earlier reschedule that crashed) is re-stamped too, so a concurrent takeover that judged
      // it stale from an older read cannot also succeed: the takeover is conditional on the exact write it saw.
      return this.locks.takeOver(key, seen, holder.id, expiresAt);
    }
    return false;
  }

  private async releaseAll(appointmentId: string, keys: readonly string[]): Promise<void> {
    // Reverse order, best effort: a lock left behind is recognised as stale by the next booking.
    for (const key of [...keys].reverse()) {
      await this.locks.release(key, appointmentId).catch((error: unknown) => {
        logger.warn('slot lock release failed', { appointmentId, errorName: (error as Error)?.name });
      });
    }
  }
}
