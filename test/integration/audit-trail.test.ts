import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../lambdas/api/routes.js';
import { World, type PatientActor, type PractitionerActor } from './scheduling-world.js';

let world: World;
let clinician: PractitionerActor;
let outsider: PractitionerActor;
let patient: PatientActor;
let otherPatient: PatientActor;

beforeAll(async () => {
  world = await World.start();
  [clinician, outsider] = await Promise.all([world.practitioner(), world.practitioner()]);
  [patient, otherPatient] = await Promise.all([world.patient({ careTeam: [clinician.practitionerId] }), world.patient()]);
});
afterAll(async () => {
  await world?.close();
});

interface AuditEntry {
  actorId: string;
  actorRole: string;
  action: string;
  resourceType: string;
  resourceId: string;
  outcome: string;
  patientId: string;
  at: string;
  requestId: string;
}

async function trail(patientId: string): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  let cursor: string | undefined;
  do {
    const page = await world.ok(200, 'GET', `/patients/${patientId}/audit?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: world.admin.token });
    entries.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return entries;
}

describe('audit trail', () => {
  it('records reads and writes of patient data with who, role, action, resource, time and outcome', async () => {
    const appointment = await world.book(patient, clinician, undefined, patient.token);
    await world.ok(200, 'GET', `/patients/${patient.patientId}`, { token: clinician.token });
    await world.ok(200, 'GET', `/appointments/${appointment.id}`, { token: clinician.token });
    await world.ok(200, 'POST', `/appointments/${appointment.id}/check-in`, {
      token: patient.token,
      body: { reasonForVisit: 'dizziness', symptoms: ['dizziness'], currentMedications: [], consentToRemoteConsultation: true },
    });
    await world.ok(200, 'POST', `/appointments/${appointment.id}/cancel`, { token: world.admin.token });

    const entries = await trail(patient.patientId);
    const find = (action: string, actorId: string) => entries.find((entry) => entry.action === action && entry.actorId === actorId);
    expect(find('createPatient', world.admin.userId)).toMatchObject({ actorRole: 'admin', outcome: 'allowed', resourceType: 'patient' });
    expect(find('createAppointment', patient.userId)).toMatchObject({ actorRole: 'patient', outcome: 'allowed', resourceType: 'appointment', resourceId: appointment.id });
    expect(find('getPatient', clinician.userId)).toMatchObject({ actorRole: 'clinician', outcome: 'allowed', resourceId: patient.patientId });
    expect(find('getAppointment', clinician.userId)).toMatchObject({ outcome: 'allowed', resourceId: appointment.id });
    expect(find('checkInAppointment', patient.userId)).toMatchObject({ outcome: 'allowed' });
    expect(find('cancelAppointment', world.admin.userId)).toMatchObject({ actorRole: 'admin', outcome: 'allowed' });
    expect(find('addCareTeamMember', world.admin.userId)).toMatchObject({ resourceType: 'care-relationship', resourceId: clinician.practitionerId });
    // Newest first, with server times.
    const times = entries.map((entry) => entry.at);
    expect(times).toEqual([...times].sort().reverse());
    for (const entry of entries) expect(entry.at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('records denied and not-found attempts and conflicts, under the patient concerned', async () => {
    expect((await world.call('GET', `/patients/${otherPatient.patientId}`, { token: outsider.token })).status).toBe(404);
    expect((await world.call('GET', `/patients/${otherPatient.patientId}`, { token: patient.token })).status).toBe(404);
    const taken = world.nextSlot();
    await world.book(otherPatient, clinician, taken);
    const conflict = await world.call('POST', '/appointments', {
      token: patient.token,
      body: { patientId: patient.patientId, practitionerId: clinician.practitionerId, start: taken, type: 'video' },
    });
    expect(conflict.status).toBe(409);

    const other = await trail(otherPatient.patientId);
    expect(other.filter((entry) => entry.action === 'getPatient' && entry.outcome === 'denied').map((entry) => entry.actorId).sort()).toEqual(
      [outsider.userId, patient.userId].sort(),
    );
    const own = await trail(patient.patientId);
    expect(own.find((entry) => entry.action === 'createAppointment' && entry.outcome === 'conflict')).toMatchObject({ actorId: patient.userId });

    const missing = 'pat_01ARZ3NDEKTSV4RRFFQ69G5FAV';
    expect((await world.call('GET', `/patients/${missing}`, { token: clinician.token })).status).toBe(404);
    // The trail of a patient that does not exist is a 404 through the API; the attempt is still on record.
    expect((await world.call('GET', `/patients/${missing}/audit`, { token: world.admin.token })).status).toBe(404);
    const stored = await world.stack.deps.dynamodb.send(
      new QueryCommand({
        TableName: world.stack.config.auditTableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: `PATIENT#${missing}` } },
      }),
    );
    expect((stored.Items ?? []).map((item) => unmarshall(item))).toContainEqual(expect.objectContaining({ action: 'getPatient', actorId: clinician.userId, outcome: 'not-found' }));
  });

  it("records one entry per patient when a practitioner reads their agenda", async () => {
    const agendaOwner = await world.practitioner();
    const [a, b] = await Promise.all([world.patient(), world.patient()]);
    await world.book(a, agendaOwner);
    await world.book(b, agendaOwner);
    const from = new Date(world.base).toISOString();
    const to = new Date(world.base + 20 * 86_400_000).toISOString();
    await world.ok(200, 'GET', `/appointments?practitionerId=${agendaOwner.practitionerId}&from=${from}&to=${to}`, { token: agendaOwner.token });
    for (const reader of [a, b]) {
      const entries = await trail(reader.patientId);
      expect(entries.find((entry) => entry.action === 'listAppointments' && entry.actorId === agendaOwner.userId)).toMatchObject({
        resourceType: 'appointment-list',
        resourceId: agendaOwner.practitionerId,
      });
    }
  });

  it('holds ids, never patient data', async () => {
    const entries = await trail(patient.patientId);
    const text = JSON.stringify(entries);
    for (const phi of ['1970-01-01', 'patient@example.org', 'dizziness', '"given"', '"family"', 'birthDate']) expect(text).not.toContain(phi);
    expect(Object.keys(entries[0]!).sort()).toEqual(['action', 'actorId', 'actorRole', 'at', 'auditId', 'outcome', 'patientId', 'requestId', 'resourceId', 'resourceType']);
  });

  it('is readable by admins only, and nothing in the API can change or delete it', async () => {
    for (const token of [patient.token, clinician.token]) {
      expect((await world.call('GET', `/patients/${patient.patientId}/audit`, { token })).status).toBe(403);
    }
    const auditRoutes = routes.filter((route) => route.path.includes('audit'));
    expect(auditRoutes.map((route) => route.method)).toEqual(['GET']);
    for (const method of ['PUT', 'PATCH', 'DELETE', 'POST']) {
      expect((await world.call(method, `/patients/${patient.patientId}/audit`, { token: world.admin.token })).status).toBe(405);
    }
  });
});
