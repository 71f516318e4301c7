import { occupiesTime, slotLockKeys } from './domain/appointment.js';
import type { Interval, StoredAppointment } from './model.js';

/**
 * Whether a slot lock still protects its holder, judged from the holder appointment alone. A lock is live when its
 * appointment still occupies the lock's bucket: a young pending booking, a booked (or later) appointment whose interval
 * covers the bucket, or a young reschedule whose target covers it. Anything else is debris of a crash, a cancellation
 * or a finished reschedule, and may be taken over — after a fence, when the holder could still come back to life.
 */

/** A booking or reschedule runs within one function invocation (10 s timeout); older ones crashed. */
export const PENDING_TIMEOUT_MS = 60_000;

export type LockVerdict =
  | { readonly live: true }
  | {
      readonly live: false;
      /**
       * A conditional write on the holder that must succeed before the takeover, so a slow (not dead) holder cannot
       * finish afterwards: abandon its booking, or clear its move.
       */
      readonly fence?: { readonly kind: 'abandon'; readonly pendingSince: string } | { readonly kind: 'clear-move'; readonly moveId: string };
    };

/**
 * The one global order in which every request takes its locks: practitioners' buckets before patients', then by key.
 * Any total order shared by all requests guarantees progress; this one also makes losers cheap, since contention is
 * on practitioners' popular slots and a loser then fails on its first write, before taking any patient lock.
 */
export function compareLockKeys(a: string, b: string): number {
  const rank = (key: string) => (key.startsWith('prac_') ? 0 : 1);
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** Every lock key an appointment holds over an interval: its practitioner's and its patient's, in lock order. */
export function lockKeysOf(appointment: Pick<StoredAppointment, 'practitionerId' | 'patientId'>, interval: Interval): string[] {
  return [...slotLockKeys(appointment.practitionerId, interval.start, interval.end), ...slotLockKeys(appointment.patientId, interval.start, interval.end)].sort(compareLockKeys);
}

function isYoung(since: string | undefined, now: Date): boolean {
  return since !== undefined && now.getTime() - Date.parse(since) < PENDING_TIMEOUT_MS;
}

export function judgeLock(lockKey: string, holder: StoredAppointment | undefined, now: Date): LockVerdict {
  if (!holder || holder.status === 'abandoned') return { live: false };
  const covers = (interval: Interval) => lockKeysOf(holder, interval).includes(lockKey);
  if (holder.status === 'pending') {
    if (!covers(holder)) return { live: false };
    return isYoung(holder.pendingSince, now) ? { live: true } : { live: false, fence: { kind: 'abandon', pendingSince: holder.pendingSince ?? '' } };
  }
  if (!occupiesTime(holder.status)) return { live: false };
  if (covers(holder)) return { live: true };
  const move = holder.pendingMove;
  if (move && covers(move)) return isYoung(move.since, now) ? { live: true } : { live: false, fence: { kind: 'clear-move', moveId: move.moveId } };
  return { live: false };
}
