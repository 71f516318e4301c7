import { describe, expect, it } from 'vitest';
import { PENDING_TIMEOUT_MS, judgeLock, lockKeysOf } from '../../../lambdas/scheduling/lock-liveness.js';
import type { StoredAppointment } from '../../../lambdas/scheduling/model.js';

const now = new Date('2026-03-01T08:00:00Z');
const young = new Date(now.getTime() - 1000).toISOString();
const old = new Date(now.getTime() - PENDING_TIMEOUT_MS - 1).toISOString();

const base: StoredAppointment = {
  id: 'appt_1', patientId: 'pat_1', practitionerId: 'prac_1', facilityId: 'fac_1', type: 'video',
  start: '2026-03-02T09:00:00Z', end: '2026-03-02T09:30:00Z', timeZone: 'UTC', localStart: '2026-03-02T09:00',
  status: 'booked', version: 1, createdAt: young, updatedAt: young, bookedBy: 'u',
};
const inside = 'prac_1#2026-03-02T09:10Z';
const patientInside = 'pat_1#2026-03-02T09:25Z';
const outside = 'prac_1#2026-03-02T09:30Z';

describe('judgeLock', () => {
  it("lists the practitioner's buckets, then the patient's, each sorted", () => {
    const keys = lockKeysOf(base, base);
    expect(keys).toHaveLength(12);
    expect(keys.slice(0, 6).every((key) => key.startsWith('prac_1#'))).toBe(true);
    expect(keys.slice(0, 6)).toEqual([...keys.slice(0, 6)].sort());
    expect(keys.slice(6)).toEqual([...keys.slice(6)].sort());
    expect(keys).toContain(inside);
    expect(keys).toContain(patientInside);
    expect(keys).not.toContain(outside);
  });

  it.each([
    ['missing holder', undefined, inside, { live: false }],
    ['abandoned', { ...base, status: 'abandoned' }, inside, { live: false }],
    ['young pending, own bucket', { ...base, status: 'pending', pendingSince: young }, inside, { live: true }],
    ['old pending: fence by abandoning', { ...base, status: 'pending', pendingSince: old }, inside, { live: false, fence: { kind: 'abandon', pendingSince: old } }],
    ['pending, bucket not its own', { ...base, status: 'pending', pendingSince: young }, outside, { live: false }],
    ['booked, own bucket', base, inside, { live: true }],
    ["booked, the patient's bucket", base, patientInside, { live: true }],
    ['checked-in, own bucket', { ...base, status: 'checked-in' }, inside, { live: true }],
    ['completed keeps its time', { ...base, status: 'completed' }, inside, { live: true }],
    ['cancelled', { ...base, status: 'cancelled' }, inside, { live: false }],
    ['no-show', { ...base, status: 'no-show' }, inside, { live: false }],
    ['booked, bucket elsewhere (left by a reschedule)', base, outside, { live: false }],
    [
      'booked, young move covers the bucket',
      { ...base, pendingMove: { moveId: 'm', start: '2026-03-02T09:30:00Z', end: '2026-03-02T10:00:00Z', localStart: '', since: young } },
      outside,
      { live: true },
    ],
    [
      'booked, old move covers the bucket: fence by clearing the move',
      { ...base, pendingMove: { moveId: 'm', start: '2026-03-02T09:30:00Z', end: '2026-03-02T10:00:00Z', localStart: '', since: old } },
      outside,
      { live: false, fence: { kind: 'clear-move', moveId: 'm' } },
    ],
  ] as Array<[string, StoredAppointment | undefined, string, unknown]>)('%s', (_name, holder, key, verdict) => {
    expect(judgeLock(key, holder, now)).toEqual(verdict);
  });
});
