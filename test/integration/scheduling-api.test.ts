import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { utcOffsetMinutes } from '../../lambdas/scheduling/domain/time-zones.js';
import { ROUND_THE_CLOCK, World } from './scheduling-world.js';

let world: World;
beforeAll(async () => {
  world = await World.start();
});
afterAll(async () => {
  await world?.close();
});

const DAY_MS = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

describe('facilities and practitioners', () => {
  it('lists facilities by kind, paginated with an opaque cursor', async () => {
    const all = await world.ok(200, 'GET', '/facilities?limit=1', { token: world.admin.token });
    expect(all.items).toHaveLength(1);
    expect(all.nextCursor).toEqual(expect.any(String));
    const next = await world.ok(200, 'GET', `/facilities?limit=1&cursor=${all.nextCursor}`, { token: world.admin.token });
    expect(next.items[0].id).not.toBe(all.items[0].id);
    const spokes = await world.ok(200, 'GET', '/facilities?kind=spoke', { token: world.admin.token });
    expect(spokes.items.map((f: { id: string }) => f.id)).toEqual([world.spokeId]);
    expect(spokes.items[0].hubIds).toEqual([world.hubId]);
    const tampered = await world.call('GET', `/facilities?kind=spoke&cursor=${all.nextCursor}`, { token: world.admin.token });
    expect(tampered.status).toBe(400);
  });

  it('refuses to link a spoke to a facility that is not a hub', async () => {
    const result = await world.call('POST', '/facilities', { token: world.admin.token, body: { name: 'X', kind: 'spoke', hubIds: [world.spokeId], timeZone: 'UTC' } });
    expect(result.status).toBe(400);
    expect(result.body.errors).toEqual([{ field: 'body.hubIds.0', message: 'is not a known hub facility' }]);
  });

  it('finds practitioners by specialty and facility; the account id is shown to admins and to the practitioner only', async () => {
    const hubCardio = await world.practitioner({ specialties: ['cardiology', 'internal-medicine'] });
    const spokeCardio = await world.practitioner({ specialties: ['cardiology'], facilityId: world.spokeId });
    const physio = await world.practitioner({ role: 'therapist', specialties: ['physiotherapy'], facilityId: world.spokeId });
    const patient = await world.patient();
    const ids = (body: { items: Array<{ id: string }> }) => body.items.map((item) => item.id).sort();

    expect(ids(await world.ok(200, 'GET', '/practitioners?specialty=cardiology', { token: patient.token }))).toEqual([hubCardio.practitionerId, spokeCardio.practitionerId].sort());
    expect(ids(await world.ok(200, 'GET', `/practitioners?specialty=cardiology&facilityId=${world.spokeId}`, { token: patient.token }))).toEqual([spokeCardio.practitionerId]);
    expect(ids(await world.ok(200, 'GET', `/practitioners?facilityId=${world.spokeId}`, { token: patient.token }))).toEqual(
      [spokeCardio.practitionerId, physio.practitionerId].sort(),
    );
    const seenByPatient = await world.ok(200, 'GET', `/practitioners/${physio.practitionerId}`, { token: patient.token });
    expect(seenByPatient).toMatchObject({ role: 'therapist', specialties: ['physiotherapy'], timeZone: 'UTC' });
    expect(seenByPatient.userId).toBeUndefined();
    expect((await world.ok(200, 'GET', `/practitioners/${physio.practitionerId}`, { token: physio.token })).userId).toBe(physio.userId);
    expect((await world.ok(200, 'GET', `/practitioners/${physio.practitionerId}`, { token: world.admin.token })).userId).toBe(physio.userId);
    expect((await world.call('GET', '/practitioners/prac_01ARZ3NDEKTSV4RRFFQ69G5FAV', { token: patient.token })).status).toBe(404);
  });

  it('keeps one profile per account (409), and tells an app its own ids', async () => {
    const practitioner = await world.practitioner();
    const duplicate = await world.call('POST', '/patients', {
      token: world.admin.token,
      body: { name: { given: 'A', family: 'B' }, birthDate: '1990-02-03', contact: { phone: '+15551234567' }, preferredLanguage: 'en', homeFacilityId: world.hubId, userId: practitioner.userId },
    });
    expect(duplicate.status).toBe(409);
    expect(await world.ok(200, 'GET', '/me/profile', { token: practitioner.token })).toEqual({ userId: practitioner.userId, role: 'clinician', practitionerId: practitioner.practitionerId });
    const stranger = await world.token('nobody-at-all', 'patient');
    expect(await world.ok(200, 'GET', '/me/profile', { token: stranger })).toEqual({ userId: 'nobody-at-all', role: 'patient' });
  });

  it('lets a patient register their own account only, and a registering clinician join the care team', async () => {
    const body = (userId: string) => ({
      name: { given: 'Self', family: 'Registered' },
      birthDate: '1985-06-07',
      contact: { email: 'self@example.org' },
      preferredLanguage: 'vi',
      homeFacilityId: world.spokeId,
      caregivers: [{ name: { given: 'Care', family: 'Giver' }, relationship: 'spouse', contact: { phone: '+84901111111' } }],
      userId,
    });
    const token = await world.token('self-registering-user', 'patient');
    expect((await world.call('POST', '/patients', { token, body: body('someone-else') })).status).toBe(403);
    const created = await world.ok(201, 'POST', '/patients', { token, body: body('self-registering-user') });
    expect(await world.ok(200, 'GET', `/patients/${created.id}`, { token })).toEqual(created);

    const clinician = await world.practitioner();
    const registered = await world.ok(201, 'POST', '/patients', { token: clinician.token, body: body('registered-by-clinician') });
    expect((await world.call('GET', `/patients/${registered.id}`, { token: clinician.token })).status).toBe(200);
    const noProfile = await world.token('clinician-without-profile', 'clinician');
    expect((await world.call('POST', '/patients', { token: noProfile, body: body('another-user') })).status).toBe(403);
  });
});

describe('availability', () => {
  it('is versioned: created without If-Match, replaced with it, 412 when stale or missing', async () => {
    const clinician = await world.practitioner({ availability: null });
    const path = `/practitioners/${clinician.practitionerId}/availability`;
    expect((await world.call('GET', path, { token: clinician.token })).status).toBe(404);
    const created = await world.call('PUT', path, { token: clinician.token, body: ROUND_THE_CLOCK });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ version: 1, timeZone: 'UTC', practitionerId: clinician.practitionerId });
    expect(created.headers.get('etag')).toBe('"1"');
    expect((await world.call('PUT', path, { token: clinician.token, body: ROUND_THE_CLOCK })).status).toBe(412);
    const replaced = await world.call('PUT', path, { token: clinician.token, body: ROUND_THE_CLOCK, headers: { 'if-match': '"1"' } });
    expect(replaced.status).toBe(200);
    expect(replaced.headers.get('etag')).toBe('"2"');
    expect((await world.call('PUT', path, { token: clinician.token, body: ROUND_THE_CLOCK, headers: { 'if-match': '"1"' } })).status).toBe(412);
    expect((await world.call('PUT', path, { token: clinician.token, body: ROUND_THE_CLOCK, headers: { 'if-match': 'soon' } })).status).toBe(400);
    const fetched = await world.call('GET', path, { token: clinician.token });
    expect(fetched.headers.get('etag')).toBe('"2"');
    // Another practitioner may not edit it; a zone other than the practitioner's is refused.
    const other = await world.practitioner({ availability: null });
    expect((await world.call('PUT', path, { token: other.token, body: ROUND_THE_CLOCK, headers: { 'if-match': '*' } })).status).toBe(403);
    const wrongZone = await world.call('PUT', path, { token: clinician.token, body: { ...ROUND_THE_CLOCK, timeZone: 'Europe/Paris' }, headers: { 'if-match': '*' } });
    expect(wrongZone.status).toBe(400);
    expect(wrongZone.body.errors[0].field).toBe('body.timeZone');
  });

  it('reports domain errors per field', async () => {
    const clinician = await world.practitioner({ availability: null });
    const result = await world.call('PUT', `/practitioners/${clinician.practitionerId}/availability`, {
      token: clinician.token,
      body: {
        rules: [
          { days: ['mon'], start: '09:07', end: '12:00', slotMinutes: 30 },
          { days: ['tue'], start: '09:00', end: '12:00', slotMinutes: 30 },
          { days: ['tue'], start: '11:00', end: '13:00', slotMinutes: 30 },
        ],
      },
    });
    expect(result.status).toBe(400);
    expect(result.body.errors).toEqual(
      expect.arrayContaining([
        { field: 'body.rules.0.start', message: 'must be on a 5-minute boundary' },
        { field: 'body.rules.2', message: 'overlaps rules[1] on a shared weekday' },
      ]),
    );
  });

  it("generates slots in the practitioner's zone across a daylight-saving change, with leave and extra hours", async () => {
    // The next clock change in New York after tomorrow, found rather than hard-coded so the test never expires.
    const zone = 'America/New_York';
    let day = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate() + 2, 12);
    while (utcOffsetMinutes(new Date(day), zone) === utcOffsetMinutes(new Date(day + DAY_MS), zone)) day += DAY_MS;
    const changeDay = day + DAY_MS; // noon UTC of the first day on the new offset
    const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const leaveDate = dateOf(changeDay + 2 * DAY_MS);
    const extraDate = dateOf(changeDay + 3 * DAY_MS);
    const clinician = await world.practitioner({
      timeZone: zone,
      availability: {
        rules: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '09:00', end: '12:00', slotMinutes: 30, bufferMinutes: 10 }],
        exceptions: [
          { date: leaveDate, kind: 'unavailable' },
          { date: extraDate, kind: 'extra', start: '14:00', end: '15:00', slotMinutes: 20 },
        ],
      },
    });
    const from = iso(changeDay - 3 * DAY_MS - 12 * 3600_000);
    const to = iso(changeDay + 5 * DAY_MS - 12 * 3600_000);
    const slots = await world.ok(200, 'GET', `/slots?practitionerId=${clinician.practitionerId}&from=${from}&to=${to}&limit=200`, { token: world.admin.token });
    const byDate = new Map<string, Array<{ start: string; localStart: string; timeZone: string }>>();
    for (const slot of slots.items) byDate.set(slot.localStart.slice(0, 10), [...(byDate.get(slot.localStart.slice(0, 10)) ?? []), slot]);

    const before = byDate.get(dateOf(changeDay - DAY_MS))!;
    const after = byDate.get(dateOf(changeDay))!;
    // 09:00, 09:40, 10:20, 11:00 on the wall clock on both sides of the change; the UTC hour moves by one.
    for (const daySlots of [before, after]) expect(daySlots.map((slot) => slot.localStart.slice(11))).toEqual(['09:00', '09:40', '10:20', '11:00']);
    expect(Math.abs(Number(before[0]!.start.slice(11, 13)) - Number(after[0]!.start.slice(11, 13)))).toBe(1);
    expect(before[0]!.timeZone).toBe(zone);
    expect(byDate.get(leaveDate)).toBeUndefined();
    expect(byDate.get(extraDate)!.map((slot) => slot.localStart.slice(11))).toEqual(['09:00', '09:40', '10:20', '11:00', '14:00', '14:20', '14:40']);
  });
});

describe('slot search', () => {
  it('shows only free slots, by practitioner or by specialty and facility, paginated', async () => {
    const spokeA = await world.practitioner({ specialties: ['dermatology'], facilityId: world.spokeId });
    const spokeB = await world.practitioner({ specialties: ['dermatology'], facilityId: world.spokeId });
    const hub = await world.practitioner({ specialties: ['dermatology'] });
    const patient = await world.patient();
    const from = iso(world.base + 20 * DAY_MS);
    const to = iso(world.base + 20 * DAY_MS + 2 * 3600_000);
    await world.book(patient, spokeA, from);

    const mine = await world.ok(200, 'GET', `/slots?practitionerId=${spokeA.practitionerId}&from=${from}&to=${to}`, { token: patient.token });
    expect(mine.items.map((slot: { start: string }) => slot.start)).toEqual([1, 2, 3].map((n) => iso(Date.parse(from) + n * 1800_000)));

    const search = `/slots?specialty=dermatology&facilityId=${world.spokeId}&from=${from}&to=${to}&type=video`;
    const first = await world.ok(200, 'GET', `${search}&limit=4`, { token: patient.token });
    const second = await world.ok(200, 'GET', `${search}&limit=4&cursor=${first.nextCursor}`, { token: patient.token });
    const all = [...first.items, ...second.items];
    expect(second.nextCursor).toBeUndefined();
    expect(all).toHaveLength(7);
    expect(new Set(all.map((slot: { practitionerId: string }) => slot.practitionerId))).toEqual(new Set([spokeA.practitionerId, spokeB.practitionerId]));
    expect(all.some((slot: { practitionerId: string }) => slot.practitionerId === hub.practitionerId)).toBe(false);
    expect(all.map((slot: { start: string }) => slot.start)).toEqual([...all.map((slot: { start: string }) => slot.start)].sort());
  });
});

describe('listings', () => {
  it("pages a patient's appointments and a practitioner's agenda; agendas are for their practitioner and admins", async () => {
    const clinician = await world.practitioner();
    const colleague = await world.practitioner();
    const patient = await world.patient();
    const starts = [world.nextSlot(), world.nextSlot(), world.nextSlot()];
    for (const start of starts) await world.book(patient, clinician, start, patient.token);

    const page1 = await world.ok(200, 'GET', `/appointments?patientId=${patient.patientId}&limit=2`, { token: patient.token });
    const page2 = await world.ok(200, 'GET', `/appointments?patientId=${patient.patientId}&limit=2&cursor=${page1.nextCursor}`, { token: patient.token });
    expect([...page1.items, ...page2.items].map((item: { start: string }) => item.start)).toEqual(starts);
    expect(page1.items[0].intake).toBeUndefined();

    const week = `/appointments?practitionerId=${clinician.practitionerId}&from=${iso(world.base)}&to=${iso(world.base + 7 * DAY_MS)}`;
    expect((await world.ok(200, 'GET', week, { token: clinician.token })).items).toHaveLength(3);
    expect((await world.ok(200, 'GET', week, { token: world.admin.token })).items).toHaveLength(3);
    expect((await world.call('GET', week, { token: colleague.token })).status).toBe(403);
    expect((await world.call('GET', week, { token: patient.token })).status).toBe(403);
    const day = `/appointments?practitionerId=${clinician.practitionerId}&from=${starts[1]}&to=${starts[2]}`;
    expect((await world.ok(200, 'GET', day, { token: clinician.token })).items.map((item: { start: string }) => item.start)).toEqual([starts[1]]);
    const tooLong = `/appointments?practitionerId=${clinician.practitionerId}&from=${iso(world.base)}&to=${iso(world.base + 40 * DAY_MS)}`;
    expect((await world.call('GET', tooLong, { token: clinician.token })).status).toBe(400);
  });

  it('serves the OpenAPI document with every scheduling and records route', async () => {
    const document = await world.ok(200, 'GET', '/openapi.json');
    expect(document.openapi).toMatch(/^3\./);
    expect(document.paths['/appointments'].post.operationId).toBe('createAppointment');
    expect(document.paths['/appointments/{id}/reschedule'].post.requestBody.content['application/json'].example).toEqual({ start: expect.any(String) });
    expect(document.paths['/slots'].get.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['practitionerId', 'specialty', 'from', 'to', 'limit', 'cursor']));
  });
});
