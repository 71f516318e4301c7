import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { World, countItems, type PatientActor } from './scheduling-world.js';

let world: World;
beforeAll(async () => {
  world = await World.start();
});
afterAll(async () => {
  await world?.close();
});

async function inBatches<T>(count: number, size: number, make: (index: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let offset = 0; offset < count; offset += size) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(size, count - offset) }, (_, i) => make(offset + i)))));
  }
  return out;
}

function overlaps(a: { start: string; end: string }, b: { start: string; end: string }): boolean {
  return a.start < b.end && b.start < a.end;
}

describe('booking under concurrency (through the local stack)', () => {
  it('gives exactly one 201 of 120 concurrent bookings of one slot; the rest 409, no 5xx', async () => {
    const practitioner = await world.practitioner();
    const patients = await inBatches(120, 20, () => world.patient());
    const start = world.nextSlot();
    const results = await Promise.all(
      patients.map((patient) =>
        world.call('POST', '/appointments', {
          token: patient.token,
          body: { patientId: patient.patientId, practitionerId: practitioner.practitionerId, start, type: 'video' },
        }),
      ),
    );
    const statuses = results.map((result) => result.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(119);
    for (const result of results.filter((r) => r.status === 409)) expect(result.body.detail).toBe('the practitioner is not free at that time');

    const agenda = await world.ok(200, 'GET', `/appointments?practitionerId=${practitioner.practitionerId}&from=${start}&to=${new Date(Date.parse(start) + 86_400_000).toISOString()}`, {
      token: practitioner.token,
    });
    expect(agenda.items).toHaveLength(1);
    // Only the winner's practitioner locks remain: the 119 losers released everything they took.
    expect(await countItems(world, `LOCK#${practitioner.practitionerId}#`)).toBe(6);
  });

  it('never lets one patient hold two overlapping appointments, across practitioners', async () => {
    const practitioners = await inBatches(15, 15, () => world.practitioner());
    const patient = await world.patient();
    const start = world.nextSlot();
    const results = await Promise.all(
      practitioners.map((practitioner) =>
        world.call('POST', '/appointments', {
          token: patient.token,
          body: { patientId: patient.patientId, practitionerId: practitioner.practitionerId, start, type: 'phone' },
        }),
      ),
    );
    expect(results.filter((result) => result.status === 201)).toHaveLength(1);
    expect(results.filter((result) => result.status === 409)).toHaveLength(14);
  });

  it('reschedule is atomic under a competing booking: the old slot is freed only once the new one is held', async () => {
    const practitioner = await world.practitioner();
    const mover = await world.patient();
    let moved = 0;
    let lost = 0;
    for (let round = 0; round < 12; round++) {
      const [competitor, oldSlotHunter] = await Promise.all([world.patient(), world.patient()]);
      const oldStart = world.nextSlot();
      const newStart = world.nextSlot();
      const appointment = await world.book(mover, practitioner, oldStart, mover.token);
      const [reschedule, competing, hunting] = await Promise.all([
        world.call('POST', `/appointments/${appointment.id}/reschedule`, { token: mover.token, body: { start: newStart } }),
        world.call('POST', '/appointments', {
          token: competitor.token,
          body: { patientId: competitor.patientId, practitionerId: practitioner.practitionerId, start: newStart, type: 'video' },
        }),
        world.call('POST', '/appointments', {
          token: oldSlotHunter.token,
          body: { patientId: oldSlotHunter.patientId, practitionerId: practitioner.practitionerId, start: oldStart, type: 'video' },
        }),
      ]);
      for (const result of [reschedule, competing, hunting]) expect([200, 201, 409]).toContain(result.status);
      // Exactly one of the two contenders for the new slot wins.
      expect([reschedule.status === 200, competing.status === 201].filter(Boolean)).toHaveLength(1);
      const current = await world.ok(200, 'GET', `/appointments/${appointment.id}`, { token: mover.token });
      if (reschedule.status === 200) {
        moved += 1;
        expect(current.start).toBe(newStart);
      } else {
        lost += 1;
        // The move failed: the appointment kept its time, and nobody could take it meanwhile.
        expect(current.start).toBe(oldStart);
        expect(hunting.status).toBe(409);
      }
      expect(current.status).toBe('booked');
    }
    expect(moved + lost).toBe(12);

    const from = new Date(world.base).toISOString();
    const to = new Date(world.base + 30 * 86_400_000).toISOString();
    const agenda = await world.ok(200, 'GET', `/appointments?practitionerId=${practitioner.practitionerId}&from=${from}&to=${to}&limit=200`, { token: practitioner.token });
    const live = agenda.items.filter((item: { status: string }) => item.status !== 'cancelled');
    for (let i = 0; i < live.length; i++) for (let j = i + 1; j < live.length; j++) expect(overlaps(live[i], live[j])).toBe(false);
  });
});

describe('lifecycle', () => {
  let clinician: Awaited<ReturnType<World['practitioner']>>;
  let patient: PatientActor;
  beforeAll(async () => {
    clinician = await world.practitioner();
    patient = await world.patient({ careTeam: [clinician.practitionerId] });
  });

  const intake = { reasonForVisit: 'cough for a week', symptoms: ['cough'], currentMedications: [], consentToRemoteConsultation: true };

  it('runs booked → checked-in → in-progress → completed, refusing steps out of order with 409', async () => {
    const appointment = await world.book(patient, clinician, undefined, patient.token);
    expect(appointment.allowedActions).toEqual(['check-in', 'cancel', 'no-show', 'reschedule']);
    expect((await world.call('POST', `/appointments/${appointment.id}/start`, { token: clinician.token })).status).toBe(409);
    expect((await world.call('POST', `/appointments/${appointment.id}/complete`, { token: clinician.token })).status).toBe(409);

    const checkedIn = await world.ok(200, 'POST', `/appointments/${appointment.id}/check-in`, { token: patient.token, body: intake });
    expect(checkedIn.status).toBe('checked-in');
    expect(checkedIn.intake).toMatchObject({ ...intake, consentedAt: expect.stringMatching(/Z$/) });
    expect((await world.call('POST', `/appointments/${appointment.id}/check-in`, { token: patient.token, body: intake })).status).toBe(409);

    expect((await world.ok(200, 'POST', `/appointments/${appointment.id}/start`, { token: clinician.token })).status).toBe('in-progress');
    expect((await world.call('POST', `/appointments/${appointment.id}/cancel`, { token: patient.token })).status).toBe(409);
    expect((await world.call('POST', `/appointments/${appointment.id}/reschedule`, { token: patient.token, body: { start: world.nextSlot() } })).status).toBe(409);
    const completed = await world.ok(200, 'POST', `/appointments/${appointment.id}/complete`, { token: clinician.token });
    expect(completed).toMatchObject({ status: 'completed', allowedActions: [] });

    // The clinician sees the intake answers; an admin sees the appointment without them.
    expect((await world.ok(200, 'GET', `/appointments/${appointment.id}`, { token: clinician.token })).intake).toBeDefined();
    expect((await world.ok(200, 'GET', `/appointments/${appointment.id}`, { token: world.admin.token })).intake).toBeUndefined();
  });

  it('frees the time on cancel and on no-show', async () => {
    for (const action of ['cancel', 'no-show'] as const) {
      const start = world.nextSlot();
      const appointment = await world.book(patient, clinician, start, patient.token);
      const other = await world.patient();
      const blocked = await world.call('POST', '/appointments', {
        token: other.token,
        body: { patientId: other.patientId, practitionerId: clinician.practitionerId, start, type: 'video' },
      });
      expect(blocked.status).toBe(409);
      const token = action === 'cancel' ? patient.token : clinician.token;
      const changed = await world.ok(200, 'POST', `/appointments/${appointment.id}/${action}`, { token, ...(action === 'cancel' ? { body: { reason: 'patient-request' } } : {}) });
      expect(changed.status).toBe(action === 'cancel' ? 'cancelled' : 'no-show');
      await world.book(other, clinician, start, other.token);
    }
  });

  it('refuses a start that is not a slot of the practitioner (409) and a practitioner with no availability', async () => {
    const start = new Date(Date.parse(world.nextSlot()) + 10 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const offGrid = await world.call('POST', '/appointments', {
      token: patient.token,
      body: { patientId: patient.patientId, practitionerId: clinician.practitionerId, start, type: 'video' },
    });
    expect(offGrid.status).toBe(409);
    const past = await world.call('POST', '/appointments', {
      token: patient.token,
      body: { patientId: patient.patientId, practitionerId: clinician.practitionerId, start: '2020-01-01T09:00:00Z', type: 'video' },
    });
    expect(past.status).toBe(409);
    const idle = await world.practitioner({ availability: null });
    const none = await world.call('POST', '/appointments', {
      token: patient.token,
      body: { patientId: patient.patientId, practitionerId: idle.practitionerId, start: world.nextSlot(), type: 'video' },
    });
    expect(none.status).toBe(409);
  });

  it('replays a retried booking with the same Idempotency-Key, and refuses the key with another body (422)', async () => {
    const start = world.nextSlot();
    const body = { patientId: patient.patientId, practitionerId: clinician.practitionerId, start, type: 'video' };
    const headers = { 'idempotency-key': `book-${start}` };
    const first = await world.call('POST', '/appointments', { token: patient.token, body, headers });
    const retry = await world.call('POST', '/appointments', { token: patient.token, body, headers });
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    const reused = await world.call('POST', '/appointments', { token: patient.token, body: { ...body, type: 'phone' }, headers });
    expect(reused.status).toBe(422);
  });
});
