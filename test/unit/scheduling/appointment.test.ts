import { describe, expect, it } from 'vitest';
import { Conflict } from '../../../lambdas/shared/errors.js';
import {
  APPOINTMENT_ACTIONS,
  APPOINTMENT_STATUSES,
  allowedActions,
  isTerminal,
  occupiesTime,
  slotLockKeys,
  transition,
  type AppointmentAction,
  type AppointmentStatus,
} from '../../../lambdas/scheduling/domain/appointment.js';

// Written out independently of the implementation's table: every status × action, null = refused.
const EXPECTED: Record<AppointmentStatus, Record<AppointmentAction, AppointmentStatus | null>> = {
  booked: { 'check-in': 'checked-in', start: null, complete: null, cancel: 'cancelled', 'no-show': 'no-show', reschedule: 'booked' },
  'checked-in': { 'check-in': null, start: 'in-progress', complete: null, cancel: 'cancelled', 'no-show': 'no-show', reschedule: 'booked' },
  'in-progress': { 'check-in': null, start: null, complete: 'completed', cancel: null, 'no-show': null, reschedule: null },
  completed: { 'check-in': null, start: null, complete: null, cancel: null, 'no-show': null, reschedule: null },
  cancelled: { 'check-in': null, start: null, complete: null, cancel: null, 'no-show': null, reschedule: null },
  'no-show': { 'check-in': null, start: null, complete: null, cancel: null, 'no-show': null, reschedule: null },
};

const cases = APPOINTMENT_STATUSES.flatMap((status) =>
  APPOINTMENT_ACTIONS.map((action) => [status, action, EXPECTED[status][action]] as const),
);

describe('transition', () => {
  it('covers all 36 status × action pairs', () => expect(cases).toHaveLength(36));

  it.each(cases)('%s + %s → %s', (status, action, expected) => {
    if (expected === null) {
      expect(() => transition(status, action)).toThrow(Conflict);
    } else {
      expect(transition(status, action)).toBe(expected);
    }
  });

  it('refuses with a 409 that names the action and the status', () => {
    try {
      transition('completed', 'cancel');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(Conflict);
      expect((error as Conflict).status).toBe(409);
      expect((error as Conflict).message).toBe('cannot cancel an appointment that is completed');
    }
  });

  it('lists allowed actions and terminal statuses consistently with the table', () => {
    for (const status of APPOINTMENT_STATUSES) {
      const allowed = APPOINTMENT_ACTIONS.filter((action) => EXPECTED[status][action] !== null);
      expect(allowedActions(status)).toEqual(allowed);
      expect(isTerminal(status)).toBe(allowed.length === 0);
    }
    expect(APPOINTMENT_STATUSES.filter(isTerminal)).toEqual(['completed', 'cancelled', 'no-show']);
  });

  it('releases time only for cancelled and no-show appointments', () => {
    expect(APPOINTMENT_STATUSES.filter((status) => !occupiesTime(status))).toEqual(['cancelled', 'no-show']);
  });
});

function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PRAC = 'prac_01JQ0000000000000000000000';

describe('slotLockKeys', () => {
  it('gives one key per 5-minute bucket: a 30-minute appointment holds 6', () => {
    expect(slotLockKeys(PRAC, new Date('2026-03-09T13:00:00Z'), new Date('2026-03-09T13:30:00Z'))).toEqual([
      `${PRAC}#2026-03-09T13:00Z`,
      `${PRAC}#2026-03-09T13:05Z`,
      `${PRAC}#2026-03-09T13:10Z`,
      `${PRAC}#2026-03-09T13:15Z`,
      `${PRAC}#2026-03-09T13:20Z`,
      `${PRAC}#2026-03-09T13:25Z`,
    ]);
  });

  it('accepts RFC 3339 strings the same as dates', () => {
    expect(slotLockKeys(PRAC, '2026-03-09T13:00:00Z', '2026-03-09T13:30:00Z')).toEqual(
      slotLockKeys(PRAC, new Date('2026-03-09T13:00:00Z'), new Date('2026-03-09T13:30:00Z')),
    );
  });

  it('widens an interval off the grid to whole buckets, so it can only over-lock', () => {
    expect(slotLockKeys(PRAC, '2026-03-09T13:03:00Z', '2026-03-09T13:11:00Z')).toEqual([
      `${PRAC}#2026-03-09T13:00Z`,
      `${PRAC}#2026-03-09T13:05Z`,
      `${PRAC}#2026-03-09T13:10Z`,
    ]);
  });

  it('uses a coarser grid when asked', () => {
    expect(slotLockKeys(PRAC, '2026-03-09T13:00:00Z', '2026-03-09T14:00:00Z', 15)).toHaveLength(4);
  });

  it('lets back-to-back appointments through and keeps owners apart', () => {
    const first = slotLockKeys(PRAC, '2026-03-09T13:00:00Z', '2026-03-09T13:30:00Z');
    const next = slotLockKeys(PRAC, '2026-03-09T13:30:00Z', '2026-03-09T14:15:00Z');
    const otherOwner = slotLockKeys('pat_01JQ0000000000000000000000', '2026-03-09T13:00:00Z', '2026-03-09T13:30:00Z');
    expect(first.filter((key) => next.includes(key))).toEqual([]);
    expect(first.filter((key) => otherOwner.includes(key))).toEqual([]);
  });

  it('collides exactly when two 5-minute-aligned intervals of different lengths overlap (random)', () => {
    const random = seeded(42);
    const base = Date.UTC(2026, 2, 9, 12);
    const interval = () => {
      const start = base + Math.floor(random() * 96) * 5 * 60_000; // within 8 hours
      const end = start + (1 + Math.floor(random() * 48)) * 5 * 60_000; // 5 to 240 minutes
      return { start, end };
    };
    let overlapping = 0;
    for (let i = 0; i < 2000; i++) {
      const a = interval();
      const b = interval();
      const overlap = a.start < b.end && b.start < a.end;
      const keysA = new Set(slotLockKeys(PRAC, new Date(a.start), new Date(a.end)));
      const shared = slotLockKeys(PRAC, new Date(b.start), new Date(b.end)).some((key) => keysA.has(key));
      expect(shared).toBe(overlap);
      if (overlap) overlapping++;
    }
    // Both outcomes were exercised.
    expect(overlapping).toBeGreaterThan(200);
    expect(overlapping).toBeLessThan(1800);
  });

  it('refuses an empty or reversed interval, a bad owner id or granularity', () => {
    expect(() => slotLockKeys(PRAC, '2026-03-09T13:00:00Z', '2026-03-09T13:00:00Z')).toThrow(RangeError);
    expect(() => slotLockKeys(PRAC, '2026-03-09T13:30:00Z', '2026-03-09T13:00:00Z')).toThrow(RangeError);
    expect(() => slotLockKeys(PRAC, 'soon', '2026-03-09T13:00:00Z')).toThrow(RangeError);
    expect(() => slotLockKeys('', '2026-03-09T13:00:00Z', '2026-03-09T13:30:00Z')).toThrow(RangeError);
    expect(() => slotLockKeys('a#b', '2026-03-09T13:00:00Z', '2026-03-09T13:30:00Z')).toThrow(RangeError);
    expect(() => slotLockKeys(PRAC, '2026-03-09T13:00:00Z', '2026-03-09T13:30:00Z', 0)).toThrow(RangeError);
    expect(() => slotLockKeys(PRAC, '2026-03-09T13:00:00Z', '2026-03-09T13:30:00Z', 2.5)).toThrow(RangeError);
  });
});
