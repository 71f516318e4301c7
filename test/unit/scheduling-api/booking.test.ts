import { describe, expect, it } from 'vitest';
import { BookingService, SlotTaken, type BookingDraft } from '../../../lambdas/scheduling/booking.js';
import type { Slot } from '../../../lambdas/scheduling/domain/slots.js';
import { PENDING_TIMEOUT_MS, lockKeysOf } from '../../../lambdas/scheduling/lock-liveness.js';
import type { StoredAppointment } from '../../../lambdas/scheduling/model.js';
import { Conflict } from '../../../lambdas/shared/errors.js';
import { newId } from '../../../lambdas/shared/ids.js';
import { MemoryAppointments, MemoryLocks, clock } from './fakes.js';

const PRAC = newId('prac');
const PRAC_2 = newId('prac');
const FAC = newId('fac');

function slot(start: string, minutes = 30): Slot {
  const end = new Date(Date.parse(start) + minutes * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return { start, end, timeZone: 'UTC', localStart: start.slice(0, 16), types: ['video'] };
}

function setup() {
  const time = clock();
  const appointments = new MemoryAppointments();
  const locks = new MemoryLocks();
  const booking = new BookingService(appointments, locks, time.now);
  const draft = (patientId: string, at: Slot, practitionerId = PRAC): BookingDraft => ({
    patientId,
    practitionerId,
    facilityId: FAC,
    type: 'video',
    slot: at,
    bookedBy: 'user-1',
  });
  return { time, appointments, locks, booking, draft };
}

function overlaps(a: { start: string; end: string }, b: { start: string; end: string }): boolean {
  return a.start < b.end && b.start < a.end;
}

/** The invariant: no practitioner and no patient holds two appointments that overlap. */
function expectNoDoubleBooking(appointments: MemoryAppointments): void {
  const live = appointments.live();
  for (let i = 0; i < live.length; i++) {
    for (let j = i + 1; j < live.length; j++) {
      const [a, b] = [live[i]!, live[j]!];
      if (a.practitionerId === b.practitionerId || a.patientId === b.patientId) expect(overlaps(a, b), `${a.id} and ${b.id} overlap`).toBe(false);
    }
  }
}

/** A booking that crashed after writing its pending appointment and some of its locks (the practitioner's first). */
async function crashedBooking(ctx: ReturnType<typeof setup>, patientId: string, at: Slot, lockCount: number): Promise<StoredAppointment> {
  const now = ctx.time.now().toISOString();
  const appointment: StoredAppointment = {
    id: newId('appt'), patientId, practitionerId: PRAC, facilityId: FAC, type: 'video', start: at.start, end: at.end, timeZone: 'UTC',
    localStart: at.localStart, status: 'pending', version: 0, createdAt: now, updatedAt: now, bookedBy: 'user-1', pendingSince: now,
  };
  await ctx.appointments.createPending(appointment);
  const keys = lockKeysOf(appointment, appointment).sort((a, b) => Number(b.startsWith(PRAC)) - Number(a.startsWith(PRAC)));
  for (const key of keys.slice(0, lockCount)) await ctx.locks.acquire(key, appointment.id);
  return appointment;
}

describe('BookingService.book', () => {
  it('writes the appointment, then one lock per 5-minute bucket for the practitioner and for the patient', async () => {
    const ctx = setup();
    const patientId = newId('pat');
    const booked = await ctx.booking.book(ctx.draft(patientId, slot('2026-03-02T09:00:00Z')));
    expect(booked).toMatchObject({ status: 'booked', version: 1, start: '2026-03-02T09:00:00Z', end: '2026-03-02T09:30:00Z' });
    expect(booked.pendingSince).toBeUndefined();
    const keys = ctx.locks.heldBy(booked.id);
    expect(keys).toHaveLength(12);
    expect(keys.filter((key) => key.startsWith(PRAC))).toHaveLength(6);
    expect(keys.filter((key) => key.startsWith(patientId))).toHaveLength(6);
  });

  it('refuses an overlapping booking of the practitioner (409), leaving nothing of the loser behind', async () => {
    const ctx = setup();
    const first = await ctx.booking.book(ctx.draft(newId('pat'), slot('2026-03-02T09:00:00Z')));
    // A 45-minute booking starting inside the first one: a different slot length still collides on a bucket.
    const attempt = ctx.booking.book(ctx.draft(newId('pat'), slot('2026-03-02T09:15:00Z', 45)));
    await expect(attempt).rejects.toThrow(SlotTaken);
    await expect(attempt).rejects.toThrow('the practitioner is not free at that time');
    const loser = [...ctx.appointments.items.values()].find((item) => item.id !== first.id)!;
    expect(loser.status).toBe('abandoned');
    expect(ctx.locks.heldBy(loser.id)).toEqual([]);
    expect(ctx.locks.heldBy(first.id)).toHaveLength(12);
  });

  it('allows back-to-back appointments (half-open intervals)', async () => {
    const ctx = setup();
    await ctx.booking.book(ctx.draft(newId('pat'), slot('2026-03-02T09:00:00Z')));
    await expect(ctx.booking.book(ctx.draft(newId('pat'), slot('2026-03-02T09:30:00Z')))).resolves.toMatchObject({ status: 'booked' });
  });

  it('refuses a patient two overlapping appointments, even with different practitioners', async () => {
    const ctx = setup();
    const patientId = newId('pat');
    await ctx.booking.book(ctx.draft(patientId, slot('2026-03-02T09:00:00Z')));
    await expect(ctx.booking.book(ctx.draft(patientId, slot('2026-03-02T09:20:00Z'), PRAC_2))).rejects.toThrow('the patient already has an appointment at that time');
  });

  it('gives exactly one of 100 concurrent bookings of one slot', async () => {
    const ctx = setup();
    const results = await Promise.allSettled(Array.from({ length: 100 }, () => ctx.booking.book(ctx.draft(newId('pat'), slot('2026-03-02T09:00:00Z')))));
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    for (const result of results) if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(Conflict);
    expect(ctx.locks.items.size).toBe(12);
    expectNoDoubleBooking(ctx.appointments);
  });

  it('never double-books under random concurrent overlapping bookings of varying lengths', async () => {
    const ctx = setup();
    const patients = Array.from({ length: 6 }, () => newId('pat'));
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const drafts = Array.from({ length: 150 }, () => {
      const start = new Date(Date.parse('2026-03-02T09:00:00Z') + Math.floor(random() * 24) * 5 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      return ctx.draft(patients[Math.floor(random() * patients.length)]!, slot(start, [15, 30, 45][Math.floor(random() * 3)]!), random() < 0.5 ? PRAC : PRAC_2);
    });
    const results = await Promise.allSettled(drafts.map((draft) => ctx.booking.book(draft)));
    expect(results.some((result) => result.status === 'fulfilled')).toBe(true);
    expectNoDoubleBooking(ctx.appointments);
    // Every lock left belongs to a live appointment and lies in its interval.
    const live = new Map(ctx.appointments.live().map((item) => [item.id, item]));
    for (const [key, holder] of ctx.locks.items) expect(lockKeysOf(live.get(holder.appointmentId)!, live.get(holder.appointmentId)!)).toContain(key);
  });

  it('releases what it took and rethrows when the database fails midway', async () => {
    const ctx = setup();
    ctx.locks.failNext = { method: 'acquire', remaining: 1 };
    await ctx.booking.book(ctx.draft(newId('pat'), slot('2026-03-02T09:00:00Z'))).catch(() => undefined);
    ctx.locks.failNext = undefined;
    // The first acquire failed: nothing held. Now fail the 4th acquire.
    let calls = 0;
    const original = ctx.locks.acquire.bind(ctx.locks);
    ctx.locks.acquire = async (...args) => {
      calls += 1;
      if (calls === 4) throw new Error('simulated network failure');
      return original(...args);
    };
    await expect(ctx.booking.book(ctx.draft(newId('pat'), slot('2026-03-02T09:00:00Z')))).rejects.toThrow('simulated network failure');
    expect(ctx.locks.items.size).toBe(0);
    expect([...ctx.appointments.items.values()].every((item) => item.status === 'abandoned')).toBe(true);
  });
});

describe('crash recovery: orphaned locks are recognised and taken over', () => {
  it('a crashed pending booking blocks its slot until PENDING_TIMEOUT_MS, then is fenced off and taken over', async () => {
    const ctx = setup();
    const at = slot('2026-03-02T09:00:00Z');
    const crashed = await crashedBooking(ctx, newId('pat'), at, 5);
    await expect(ctx.booking.book(ctx.draft(newId('pat'), at))).rejects.toThrow(Conflict);
    ctx.time.advance(PENDING_TIMEOUT_MS + 1);
    const booked = await ctx.booking.book(ctx.draft(newId('pat'), at));
    expect(ctx.appointments.items.get(crashed.id)!.status).toBe('abandoned');
    expect(ctx.locks.heldBy(booked.id)).toHaveLength(12);
    expect(ctx.locks.heldBy(crashed.id)).toEqual([]);
  });

  it('a slow (not dead) booking that was fenced off cannot confirm afterwards', async () => {
    const ctx = setup();
    const at = slot('2026-03-02T09:00:00Z');
    const slow = await crashedBooking(ctx, newId('pat'), at, 12);
    ctx.time.advance(PENDING_TIMEOUT_MS + 1);
    await ctx.booking.book(ctx.draft(newId('pat'), at));
    // The slow request wakes up and tries to confirm: refused, since it was abandoned by the fence.
    expect(await ctx.appointments.confirm(slow, ctx.time.now())).toBeUndefined();
    expectNoDoubleBooking(ctx.appointments);
  });

  it('locks left by a cancellation that crashed before releasing them are taken over at once', async () => {
    const ctx = setup();
    const at = slot('2026-03-02T09:00:00Z');
    const first = await ctx.booking.book(ctx.draft(newId('pat'), at));
    await ctx.appointments.update(first, { status: 'cancelled' }, ctx.time.now());
    await expect(ctx.booking.book(ctx.draft(newId('pat'), at))).resolves.toMatchObject({ status: 'booked' });
  });

  it('locks of an abandoned or missing holder are taken over at once', async () => {
    const ctx = setup();
    const at = slot('2026-03-02T09:00:00Z');
    const crashed = await crashedBooking(ctx, newId('pat'), at, 3);
    ctx.appointments.items.delete(crashed.id);
    await expect(ctx.booking.book(ctx.draft(newId('pat'), at))).resolves.toMatchObject({ status: 'booked' });
  });
});

describe('BookingService.reschedule', () => {
  it('moves the appointment and only then frees the old time', async () => {
    const ctx = setup();
    const patientId = newId('pat');
    const booked = await ctx.booking.book(ctx.draft(patientId, slot('2026-03-02T09:00:00Z')));
    const oldKeys = ctx.locks.heldBy(booked.id);
    const moved = await ctx.booking.reschedule(booked, slot('2026-03-02T11:00:00Z'));
    expect(moved).toMatchObject({ start: '2026-03-02T11:00:00Z', status: 'booked', version: 3 });
    expect(moved.pendingMove).toBeUndefined();
    const newKeys = ctx.locks.heldBy(booked.id);
    expect(newKeys).toEqual(lockKeysOf(moved, moved).sort());
    expect(newKeys.some((key) => oldKeys.includes(key))).toBe(false);
    // The old time is bookable again.
    await expect(ctx.booking.book(ctx.draft(newId('pat'), slot('2026-03-02T09:00:00Z')))).resolves.toMatchObject({ status: 'booked' });
  });

  it('keeps the old time when the new one is taken (409), holding no new locks', async () => {
    const ctx = setup();
    const booked = await ctx.booking.book(ctx.draft(newId('pat'), slot('2026-03-02T09:00:00Z')));
    await ctx.booking.book(ctx.draft(newId('pat'), slot('2026-03-02T11:00:00Z')));
    const before = ctx.locks.heldBy(booked.id);
    await expect(ctx.booking.reschedule(booked, slot('2026-03-02T11:00:00Z'))).rejects.toThrow(SlotTaken);
    const after = ctx.appointments.items.get(booked.id)!;
    expect(after).toMatchObject({ start: '2026-03-02T09:00:00Z', status: 'booked' });
    expect(after.pendingMove).toBeUndefined();
    expect(ctx.locks.heldBy(booked.id)).toEqual(before);
  });

  it('moves within an overlapping time, keeping the shared buckets', async () => {
    const ctx = setup();
    const booked = await ctx.booking.book(ctx.draft(newId('pat'), slot('2026-03-02T09:00:00Z')));
    const moved = await ctx.booking.reschedule(booked, slot('2026-03-02T09:15:00Z'));
    expect(ctx.locks.heldBy(booked.id)).toEqual(lockKeysOf(moved, moved).sort());
  });

  it('against a competing booking of the target slot, exactly one wins and the old time stays held until then', async () => {
    for (let round = 0; round < 25; round++) {
      const ctx = setup();
      const booked = await ctx.booking.book(ctx.draft(newId('pat'), slot('2026-03-02T09:00:00Z')));
      const [move, competitor, oldSlotGrab] = await Promise.allSettled([
        ctx.booking.reschedule(booked, slot('2026-03-02T10:00:00Z')),
        ctx.booking.book(ctx.draft(newId('pat'), slot('2026-03-02T10:00:00Z'))),
        ctx.booking.book(ctx.draft(newId('pat'), slot('2026-03-02T09:00:00Z'))),
      ]);
      expect([move.status, competitor.status].filter((status) => status === 'fulfilled')).toHaveLength(1);
      const current = ctx.appointments.items.get(booked.id)!;
      expect(current.status).toBe('booked');
      expect(current.start).toBe(move.status === 'fulfilled' ? '2026-03-02T10:00:00Z' : '2026-03-02T09:00:00Z');
      // The appointment always holds the locks of wherever it is.
      for (const key of lockKeysOf(current, current)) expect(ctx.locks.items.get(key)?.appointmentId).toBe(booked.id);
      if (move.status === 'rejected') expect(oldSlotGrab.status).toBe('rejected');
      expectNoDoubleBooking(ctx.appointments);
    }
  });

  it('a crashed reschedule blocks its target until the timeout, then the target is taken over and the move cannot finish', async () => {
    const ctx = setup();
    const booked = await ctx.booking.book(ctx.draft(newId('pat'), slot('2026-03-02T09:00:00Z')));
    // Crash after the move was recorded and one new lock taken.
    const move = { moveId: 'move-1', ...slot('2026-03-02T10:00:00Z'), since: ctx.time.now().toISOString() };
    const moving = (await ctx.appointments.beginMove(booked, move, ctx.time.now()))!;
    await ctx.locks.acquire(lockKeysOf(booked, move).find((key) => key.startsWith(PRAC))!, booked.id);
    const target = slot('2026-03-02T10:00:00Z');
    const intruderPatient = newId('pat');
    await expect(ctx.booking.book(ctx.draft(intruderPatient, target))).rejects.toThrow(Conflict);
    ctx.time.advance(PENDING_TIMEOUT_MS + 1);
    await expect(ctx.booking.book(ctx.draft(intruderPatient, target))).resolves.toMatchObject({ status: 'booked' });
    expect(await ctx.appointments.completeMove(moving, move, ctx.time.now())).toBeUndefined();
    expectNoDoubleBooking(ctx.appointments);
  });

  it('old locks left by a reschedule that crashed before releasing them are free at once', async () => {
    const ctx = setup();
    const booked = await ctx.booking.book(ctx.draft(newId('pat'), slot('2026-03-02T09:00:00Z')));
    ctx.locks.failNext = { method: 'release', remaining: 100 };
    await ctx.booking.reschedule(booked, slot('2026-03-02T10:00:00Z'));
    ctx.locks.failNext = undefined;
    expect(ctx.locks.heldBy(booked.id)).toHaveLength(24);
    await expect(ctx.booking.book(ctx.draft(newId('pat'), slot('2026-03-02T09:00:00Z')))).resolves.toMatchObject({ status: 'booked' });
  });
});
