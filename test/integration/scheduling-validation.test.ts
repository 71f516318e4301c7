import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { World, type PatientActor, type PractitionerActor } from './scheduling-world.js';

let world: World;
let clinician: PractitionerActor;
let patient: PatientActor;
let appointmentId: string;

beforeAll(async () => {
  world = await World.start();
  clinician = await world.practitioner();
  patient = await world.patient({ careTeam: [clinician.practitionerId] });
  appointmentId = (await world.book(patient, clinician)).id;
});
afterAll(async () => {
  await world?.close();
});

/** Every item of both tables, as one string per item: a rejected request must change none. */
async function snapshot(): Promise<string[]> {
  const items: string[] = [];
  for (const table of [world.stack.config.recordsTableName, world.stack.config.auditTableName]) {
    let start: Record<string, any> | undefined;
    do {
      const page = await world.stack.deps.dynamodb.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
      items.push(...(page.Items ?? []).map((item) => JSON.stringify(item)));
      start = page.LastEvaluatedKey;
    } while (start);
  }
  return items.sort();
}

const SECRET = 'Zebediah-Quxworth';

type Case = [name: string, method: string, path: () => string, body: unknown, field: string | RegExp, as?: 'admin' | 'patient' | 'clinician'];

const validPatient = () => ({
  name: { given: SECRET, family: 'Doe' },
  birthDate: '1970-01-01',
  contact: { email: 'a@example.org' },
  preferredLanguage: 'en',
  homeFacilityId: world.spokeId,
  userId: 'new-user-for-validation',
});
const booking = () => ({ patientId: patient.patientId, practitionerId: clinician.practitionerId, start: world.nextSlot(), type: 'video' });
const week = () => `from=${new Date(world.base).toISOString()}&to=${new Date(world.base + 7 * 86_400_000).toISOString()}`;

const CASES: Case[] = [
  ['booking: unknown field', 'POST', () => '/appointments', () => ({ ...booking(), note: SECRET }), 'body'],
  ['booking: missing type', 'POST', () => '/appointments', () => ({ ...booking(), type: undefined }), 'body.type'],
  ['booking: unknown type', 'POST', () => '/appointments', () => ({ ...booking(), type: 'carrier-pigeon' }), 'body.type'],
  ['booking: start with an offset, not UTC', 'POST', () => '/appointments', () => ({ ...booking(), start: '2030-01-01T09:00:00+07:00' }), 'body.start'],
  ['booking: malformed patient id', 'POST', () => '/appointments', () => ({ ...booking(), patientId: SECRET }), 'body.patientId'],
  ['booking: unknown practitioner', 'POST', () => '/appointments', () => ({ ...booking(), practitionerId: 'prac_01ARZ3NDEKTSV4RRFFQ69G5FAV' }), 'body.practitionerId', 'admin'],
  ['booking: no body', 'POST', () => '/appointments', () => undefined, 'body'],
  ['patient: birth date not a date', 'POST', () => '/patients', () => ({ ...validPatient(), birthDate: '1970-02-30' }), 'body.birthDate', 'admin'],
  ['patient: birth date in the future', 'POST', () => '/patients', () => ({ ...validPatient(), birthDate: '2999-01-01' }), 'body.birthDate', 'admin'],
  ['patient: contact without email or phone', 'POST', () => '/patients', () => ({ ...validPatient(), contact: {} }), 'body.contact', 'admin'],
  ['patient: unknown nested field', 'POST', () => '/patients', () => ({ ...validPatient(), name: { given: SECRET, family: 'Doe', middle: SECRET } }), 'body.name', 'admin'],
  ['patient: bad phone', 'POST', () => '/patients', () => ({ ...validPatient(), contact: { phone: SECRET } }), 'body.contact.phone', 'admin'],
  ['patient: unknown home facility', 'POST', () => '/patients', () => ({ ...validPatient(), homeFacilityId: 'fac_01ARZ3NDEKTSV4RRFFQ69G5FAV' }), 'body.homeFacilityId', 'admin'],
  ['facility: hub linked to hubs', 'POST', () => '/facilities', () => ({ name: 'H', kind: 'hub', hubIds: [world.hubId], timeZone: 'UTC' }), 'body.hubIds', 'admin'],
  ['facility: unknown zone', 'POST', () => '/facilities', () => ({ name: 'H', kind: 'hub', timeZone: 'Mars/Olympus_Mons' }), 'body.timeZone', 'admin'],
  [
    'practitioner: no specialty',
    'POST',
    () => '/practitioners',
    () => ({ name: { given: 'A', family: 'B' }, role: 'clinician', specialties: [], facilityId: world.hubId, languages: ['en'], timeZone: 'UTC', userId: 'u-x' }),
    'body.specialties',
    'admin',
  ],
  [
    'practitioner: admin is not a practitioner role',
    'POST',
    () => '/practitioners',
    () => ({ name: { given: 'A', family: 'B' }, role: 'admin', specialties: ['x1'], facilityId: world.hubId, languages: ['en'], timeZone: 'UTC', userId: 'u-y' }),
    'body.role',
    'admin',
  ],
  ['availability: unknown field', 'PUT', () => `/practitioners/${clinician.practitionerId}/availability`, () => ({ rules: [], version: 3 }), 'body', 'admin'],
  [
    'availability: end before start',
    'PUT',
    () => `/practitioners/${clinician.practitionerId}/availability`,
    () => ({ rules: [{ days: ['mon'], start: '12:00', end: '09:00', slotMinutes: 30 }] }),
    'body.rules.0.end',
    'admin',
  ],
  ['check-in: no consent', 'POST', () => `/appointments/${appointmentId}/check-in`, () => ({ reasonForVisit: SECRET, symptoms: [], currentMedications: [], consentToRemoteConsultation: false }), 'body.consentToRemoteConsultation'],
  [
    'check-in: client-sent consent time',
    'POST',
    () => `/appointments/${appointmentId}/check-in`,
    () => ({ reasonForVisit: SECRET, symptoms: [], currentMedications: [], consentToRemoteConsultation: true, consentedAt: '2020-01-01T00:00:00Z' }),
    'body',
  ],
  ['reschedule: no start', 'POST', () => `/appointments/${appointmentId}/reschedule`, () => ({}), 'body.start'],
  ['cancel: free-text reason', 'POST', () => `/appointments/${appointmentId}/cancel`, () => ({ reason: SECRET }), 'body.reason'],
  ['start: takes no body', 'POST', () => `/appointments/${appointmentId}/start`, () => ({ now: true }), 'body', 'clinician'],
  ['slots: neither practitioner nor specialty', 'GET', () => `/slots?${week()}`, undefined, 'query.practitionerId'],
  ['slots: more than 62 days', 'GET', () => `/slots?practitionerId=${clinician.practitionerId}&from=2030-01-01T00:00:00Z&to=2030-03-15T00:00:00Z`, undefined, 'query.to'],
  ['slots: to before from', 'GET', () => `/slots?practitionerId=${clinician.practitionerId}&from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z`, undefined, 'query.to'],
  ['slots: unknown parameter', 'GET', () => `/slots?practitionerId=${clinician.practitionerId}&${week()}&name=${SECRET}`, undefined, 'query'],
  ['slots: limit 0', 'GET', () => `/slots?practitionerId=${clinician.practitionerId}&${week()}&limit=0`, undefined, 'query.limit'],
  ['slots: limit 201', 'GET', () => `/slots?practitionerId=${clinician.practitionerId}&${week()}&limit=201`, undefined, 'query.limit'],
  ['slots: forged cursor', 'GET', () => `/slots?practitionerId=${clinician.practitionerId}&${week()}&cursor=bm90LWEtY3Vyc29y`, undefined, 'query.cursor'],
  ['appointments: both patient and practitioner', 'GET', () => `/appointments?patientId=${patient.patientId}&practitionerId=${clinician.practitionerId}&${week()}`, undefined, 'query.patientId'],
  ['appointments: agenda without a range', 'GET', () => `/appointments?practitionerId=${clinician.practitionerId}`, undefined, 'query.from', 'clinician'],
  ['appointments: cursor of another list', 'GET', () => `/appointments?patientId=${patient.patientId}&cursor=eyJwayI6IkFQUFQjYSIsInNrIjoiQVBQVCIsImdzaTFwayI6IlBBVCN4I0FQUFRTIiwiZ3NpMXNrIjoiYSJ9`, undefined, 'query.cursor'],
  ['path: malformed patient id', 'GET', () => `/patients/${SECRET}`, undefined, 'path.id', 'admin'],
  ['path: appointment id of the wrong type', 'GET', () => `/appointments/${patient.patientId}`, undefined, 'path.id'],
];

describe('malformed input', () => {
  it.each(CASES)('%s → 400 with a field reason, nothing written, nothing echoed', async (_name, method, path, body, field, as) => {
    const token = as === 'admin' ? world.admin.token : as === 'clinician' ? clinician.token : patient.token;
    const before = await snapshot();
    const payload = typeof body === 'function' ? (body as () => unknown)() : body;
    const result = await world.call(method, path(), { token, ...(payload !== undefined ? { body: payload } : {}) });
    expect(result.status, JSON.stringify(result.body)).toBe(400);
    expect(result.headers.get('content-type')).toBe('application/problem+json');
    expect(result.body.errors.map((error: { field: string }) => error.field)).toContainEqual(field);
    expect(JSON.stringify(result.body)).not.toContain(SECRET);
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a body that is not JSON', async () => {
    const result = await world.call('POST', '/appointments', { token: patient.token, rawBody: '{"patientId": ', headers: { 'content-type': 'application/json' } });
    expect(result.status).toBe(400);
    expect(result.body.errors).toEqual([{ field: 'body', message: 'must be a JSON document' }]);
  });
});
