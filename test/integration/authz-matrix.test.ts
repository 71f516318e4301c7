import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, type Role } from '../../lambdas/api/roles.js';
import type { RouteDefinition } from '../../lambdas/api/route.js';
import { routes } from '../../lambdas/api/routes.js';
import { newId } from '../../lambdas/shared/ids.js';
import { DynamoTelemetryStore } from '../../lambdas/telemetry/dynamo-store.js';
import type { RehabSession } from '../../lambdas/telemetry/model.js';
import { ROUND_THE_CLOCK, World, newUserId, type Actor, type PatientActor, type PractitionerActor } from './scheduling-world.js';

/**
 * The authorization matrix: every route of the route table × every role × the caller's own resource and someone
 * else's, plus no token at all. It is generated from `routes`, so a new route cannot skip it: a route without an
 * entry in MATRIX fails here by name.
 *
 * ADDING A ROUTE: add an entry keyed by its operationId. `build` returns the request a caller of `role` makes on
 * their `own` resource or an `other` one (fresh state per call when the request changes it); `expect` gives the
 * status per role as [own, other]. The fixture (class Fixture) has a patient with their care team (a clinician and a
 * therapist) whose records are "own", and a second patient with another clinician whose records are "other".
 */

type Ownership = 'own' | 'other';
type Expected = Record<Role, readonly [own: number, other: number]>;

interface RequestPlan {
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Another token for the caller of this role (e.g. an account without a profile yet). */
  token?: string;
}

interface MatrixEntry {
  build(fixture: Fixture, role: Role, ownership: Ownership): Promise<RequestPlan>;
  expect: Expected;
}

const same = (status: number): Expected => ({ patient: [status, status], clinician: [status, status], therapist: [status, status], admin: [status, status] });
const adminOnly = (status: number): Expected => ({ patient: [403, 403], clinician: [403, 403], therapist: [403, 403], admin: [status, status] });
/** Patient data: own (or cared-for) patients only for patients and the care team; any for admins. */
const ownPatient = (status: number): Expected => ({ patient: [status, 404], clinician: [status, 404], therapist: [status, 404], admin: [status, status] });
/** Conducting an appointment: its own practitioner only. */
const conduct = (status: number): Expected => ({ patient: [403, 403], clinician: [status, 404], therapist: [status, 404], admin: [403, 403] });

class Fixture {
  /** The caller of each role. */
  actors!: Record<Role, Actor>;
  ownPatient!: PatientActor;
  otherPatient!: PatientActor;
  clinician!: PractitionerActor;
  therapist!: PractitionerActor;
  otherClinician!: PractitionerActor;
  /** The admin's "own" practitioner: no admin has a practitioner record, and this keeps its cells apart from others'. */
  adminsPractitioner!: PractitionerActor;
  ownAppointmentId!: string;
  otherAppointmentId!: string;

  constructor(readonly world: World) {}

  async setUp(): Promise<void> {
    const { world } = this;
    [this.clinician, this.therapist, this.otherClinician, this.adminsPractitioner] = await Promise.all([
      world.practitioner(),
      world.practitioner({ role: 'therapist', specialties: ['physiotherapy'] }),
      world.practitioner(),
      world.practitioner(),
    ]);
    [this.ownPatient, this.otherPatient] = await Promise.all([
      world.patient({ careTeam: [this.clinician.practitionerId, this.therapist.practitionerId] }),
      world.patient({ careTeam: [this.otherClinician.practitionerId] }),
    ]);
    this.actors = { patient: this.ownPatient, clinician: this.clinician, therapist: this.therapist, admin: world.admin };
    this.ownAppointmentId = (await world.book(this.ownPatient, this.clinician)).id;
    this.otherAppointmentId = (await world.book(this.otherPatient, this.otherClinician)).id;
  }

  patient(ownership: Ownership): PatientActor {
    return ownership === 'own' ? this.ownPatient : this.otherPatient;
  }

  /** The caller's own practitioner record (for a patient: their clinician), or another practitioner's. */
  practitioner(role: Role, ownership: Ownership): PractitionerActor {
    if (ownership === 'other') return this.otherClinician;
    return { therapist: this.therapist, clinician: this.clinician, patient: this.clinician, admin: this.adminsPractitioner }[role];
  }

  /** A fresh appointment of the own or other patient, with the caller's own practitioner or the other one. */
  async appointment(role: Role, ownership: Ownership, state: 'booked' | 'checked-in' | 'in-progress' = 'booked'): Promise<string> {
    const patient = this.patient(ownership);
    const practitioner = this.practitioner(role, ownership);
    const { id } = await this.world.book(patient, practitioner);
    if (state !== 'booked') await this.world.ok(200, 'POST', `/appointments/${id}/check-in`, { token: patient.token, body: INTAKE });
    if (state === 'in-progress') await this.world.ok(200, 'POST', `/appointments/${id}/start`, { token: practitioner.token });
    return id;
  }

  range(): string {
    return `from=${new Date(this.world.base).toISOString()}&to=${new Date(this.world.base + 86_400_000).toISOString()}`;
  }
}

const INTAKE = { reasonForVisit: 'matrix', symptoms: [], currentMedications: [], consentToRemoteConsultation: true };

const patientBody = (world: World, userId: string) => ({
  name: { given: 'Matrix', family: 'Patient' },
  birthDate: '1980-01-01',
  contact: { phone: '+15550000000' },
  preferredLanguage: 'en',
  homeFacilityId: world.spokeId,
  userId,
});

// ---- devices and rehab sessions: one gateway and one stored session per patient, made once and shared by the cells.
const devicesOf = new Map<string, Promise<string>>();
/** A gateway of the own or other patient, registered by an admin (`purpose` keeps deactivated ones apart from read ones). */
function deviceOf(f: Fixture, ownership: Ownership, purpose: 'read' | 'deactivate'): Promise<string> {
  const key = `${ownership}#${purpose}`;
  let pending = devicesOf.get(key);
  if (!pending) {
    pending = f.world.ok(201, 'POST', '/devices', { token: f.world.admin.token, body: { patientId: f.patient(ownership).patientId, placements: ['trunk'] } }).then((device) => device.id as string);
    devicesOf.set(key, pending);
  }
  return pending;
}
const rehabSessionsOf = new Map<Ownership, Promise<string>>();
/** A rehab session of the own or other patient, written by the stream processor's store. */
function rehabSessionOf(f: Fixture, ownership: Ownership): Promise<string> {
  let pending = rehabSessionsOf.get(ownership);
  if (!pending) {
    const deviceId = newId('dev');
    const at = '2026-11-22T02:00:00.000Z';
    const session: RehabSession = {
      sessionId: newId('rsess'), patientId: f.patient(ownership).patientId, deviceId, exercise: 'shoulder-abduction', sampleRateHz: 100,
      placements: ['right-upper-arm'], targetRomDeg: 120, status: 'completed', startedAt: at, endedAt: at, lastMessageAt: at,
      startReceived: true, endReceived: true, firstSeq: 1, lastSeq: 2, messageCount: 2, gaps: [], gapCount: 0, missingMessages: 0,
      summary: { repetitionCount: 0, setCount: 0, incompleteCount: 0, meanRomDeg: 0, bestRomDeg: 0, meanRepDurationS: 0, activeTimeS: 0, meanPeakAngularVelocityDps: 0, sampleCount: 0, durationS: 0 },
    };
    const store = new DynamoTelemetryStore(f.world.stack.deps.dynamodb, f.world.stack.config.recordsTableName);
    pending = store
      .commit({ deviceId, expectedVersion: undefined, state: { deviceId, version: 1, lastSeq: 2, gapCount: 0, missingMessages: 0 }, raw: [], repetitions: [], sessions: [session] })
      .then(() => session.sessionId);
    rehabSessionsOf.set(ownership, pending);
  }
  return pending;
}
/** Managing gateways: the care team of the patient, or any admin; patients never. */
const careTeamOrAdmin = (status: number): Expected => ({ patient: [403, 403], clinician: [status, 404], therapist: [status, 404], admin: [status, status] });
/** Clinical data: the patient and their care team; admins administer and do not read it. */
const clinicalRead = (status: number): Expected => ({ patient: [status, 404], clinician: [status, 404], therapist: [status, 404], admin: [403, 403] });

// ---- consults: a started consult per caller and ownership, hosted by `practitioner(role, ownership)` for
// `patient(ownership)`; read cells share one per purpose, state-changing cells (deny, remove, end, sign) take a fresh one.
const SOAP = { subjective: 'matrix', objective: 'matrix', assessment: 'matrix', plan: 'matrix' };
async function startedConsult(f: Fixture, role: Role, ownership: Ownership): Promise<{ id: string; appointmentId: string; hostToken: string }> {
  const appointmentId = await f.appointment(role, ownership, 'checked-in');
  const hostToken = f.practitioner(role, ownership).token;
  const consult = await f.world.ok(201, 'POST', '/consults', { token: hostToken, body: { appointmentId } });
  return { id: consult.id as string, appointmentId, hostToken };
}
const consultsOf = new Map<string, Promise<{ id: string; appointmentId: string; hostToken: string }>>();
function consultOf(f: Fixture, role: Role, ownership: Ownership, purpose: 'read' | 'draft' | 'signed' | 'guests' = 'read') {
  const key = `${role}#${ownership}#${purpose}`;
  let pending = consultsOf.get(key);
  if (!pending) {
    pending = startedConsult(f, role, ownership).then(async (consult) => {
      if (purpose === 'draft' || purpose === 'signed') await f.world.ok(200, 'PUT', `/consults/${consult.id}/notes`, { token: consult.hostToken, body: SOAP });
      if (purpose === 'signed') await f.world.ok(200, 'POST', `/consults/${consult.id}/notes/sign`, { token: consult.hostToken, headers: { 'if-match': '"1"' } });
      return consult;
    });
    consultsOf.set(key, pending);
  }
  return pending;
}
/** A fresh guest invite link token on the caller's consult (redeemable once). */
async function guestInviteToken(f: Fixture, role: Role, ownership: Ownership): Promise<string> {
  const consult = await consultOf(f, role, ownership, 'guests');
  const invited = await f.world.ok(201, 'POST', `/consults/${consult.id}/invite`, { token: consult.hostToken, body: { kind: 'interpreter' } });
  return invited.invite.token as string;
}
/** Consult moderation and notes writing: the consult's host (the appointment's practitioner) only. */
const host = conduct;

export const MATRIX: Record<string, MatrixEntry> = {
  // ---- system ----------------------------------------------------------------------------------------------------
  getHealth: { build: async () => ({ path: '/health' }), expect: same(200) },
  getOpenApi: { build: async () => ({ path: '/openapi.json' }), expect: same(200) },
  getMe: { build: async () => ({ path: '/me' }), expect: same(200) },

  // ---- records ---------------------------------------------------------------------------------------------------
  createFacility: { build: async () => ({ path: '/facilities', body: { name: 'Matrix Clinic', kind: 'hub', timeZone: 'UTC' } }), expect: adminOnly(201) },
  listFacilities: { build: async () => ({ path: '/facilities?limit=5' }), expect: same(200) },
  createPractitioner: {
    build: async (f) => ({
      path: '/practitioners',
      body: { name: { given: 'M', family: 'P' }, role: 'clinician', specialties: ['matrix'], facilityId: f.world.hubId, languages: ['en'], timeZone: 'UTC', userId: newUserId('matrix') },
    }),
    expect: adminOnly(201),
  },
  listPractitioners: {
    build: async (f, _role, ownership) => ({ path: ownership === 'own' ? `/practitioners?facilityId=${f.world.hubId}` : '/practitioners?specialty=physiotherapy' }),
    expect: same(200),
  },
  getPractitioner: { build: async (f, role, ownership) => ({ path: `/practitioners/${f.practitioner(role, ownership).practitionerId}` }), expect: same(200) },
  createPatient: {
    // Own: registering one's own (new) account; other: someone else's. A patient may only do the former.
    build: async (f, role, ownership) => {
      const account = newUserId('matrix-patient');
      if (role !== 'patient') return { path: '/patients', body: patientBody(f.world, account) };
      return { path: '/patients', token: await f.world.token(account, 'patient'), body: patientBody(f.world, ownership === 'own' ? account : newUserId('someone')) };
    },
    expect: { patient: [201, 403], clinician: [201, 201], therapist: [201, 201], admin: [201, 201] },
  },
  getPatient: { build: async (f, _role, ownership) => ({ path: `/patients/${f.patient(ownership).patientId}` }), expect: ownPatient(200) },
  addCareTeamMember: {
    // Adds the other clinician, who never calls in this matrix: no caller's access changes for the later routes.
    build: async (f, _role, ownership) => ({ path: `/patients/${f.patient(ownership).patientId}/care-team`, body: { practitionerId: f.otherClinician.practitionerId } }),
    expect: adminOnly(201),
  },
  listPatientAudit: { build: async (f, _role, ownership) => ({ path: `/patients/${f.patient(ownership).patientId}/audit` }), expect: adminOnly(200) },
  getMyProfile: { build: async () => ({ path: '/me/profile' }), expect: same(200) },

  // ---- scheduling ------------------------------------------------------------------------------------------------
  getAvailability: { build: async (f, role, ownership) => ({ path: `/practitioners/${f.practitioner(role, ownership).practitionerId}/availability` }), expect: same(200) },
  putAvailability: {
    build: async (f, role, ownership) => ({
      path: `/practitioners/${f.practitioner(role, ownership).practitionerId}/availability`,
      body: ROUND_THE_CLOCK,
      headers: { 'if-match': '*' },
    }),
    expect: { patient: [403, 403], clinician: [200, 403], therapist: [200, 403], admin: [200, 200] },
  },
  searchSlots: { build: async (f, role, ownership) => ({ path: `/slots?practitionerId=${f.practitioner(role, ownership).practitionerId}&${f.range()}` }), expect: same(200) },
  createAppointment: {
    build: async (f, role, ownership) => ({
      path: '/appointments',
      body: { patientId: f.patient(ownership).patientId, practitionerId: f.practitioner(role, ownership).practitionerId, start: f.world.nextSlot(), type: 'video' },
    }),
    expect: ownPatient(201),
  },
  listAppointments: { build: async (f, _role, ownership) => ({ path: `/appointments?patientId=${f.patient(ownership).patientId}` }), expect: ownPatient(200) },
  getAppointment: {
    build: async (f, _role, ownership) => ({ path: `/appointments/${ownership === 'own' ? f.ownAppointmentId : f.otherAppointmentId}` }),
    expect: ownPatient(200),
  },
  cancelAppointment: { build: async (f, role, ownership) => ({ path: `/appointments/${await f.appointment(role, ownership)}/cancel` }), expect: ownPatient(200) },
  rescheduleAppointment: {
    build: async (f, role, ownership) => ({ path: `/appointments/${await f.appointment(role, ownership)}/reschedule`, body: { start: f.world.nextSlot() } }),
    expect: ownPatient(200),
  },
  checkInAppointment: {
    build: async (f, role, ownership) => ({ path: `/appointments/${await f.appointment(role, ownership)}/check-in`, body: INTAKE }),
    expect: { patient: [200, 404], clinician: [200, 404], therapist: [200, 404], admin: [403, 403] },
  },
  startAppointment: { build: async (f, role, ownership) => ({ path: `/appointments/${await f.appointment(role, ownership, 'checked-in')}/start` }), expect: conduct(200) },
  completeAppointment: { build: async (f, role, ownership) => ({ path: `/appointments/${await f.appointment(role, ownership, 'in-progress')}/complete` }), expect: conduct(200) },
  markAppointmentNoShow: {
    build: async (f, role, ownership) => ({ path: `/appointments/${await f.appointment(role, ownership)}/no-show` }),
    expect: { patient: [403, 403], clinician: [200, 404], therapist: [200, 404], admin: [200, 200] },
  },
  // ---- devices ---------------------------------------------------------------------------------------------------
  registerDevice: {
    build: async (f, _role, ownership) => ({ path: '/devices', body: { patientId: f.patient(ownership).patientId, placements: ['trunk'] } }),
    expect: careTeamOrAdmin(201),
  },
  listDevices: { build: async (f, _role, ownership) => ({ path: `/devices?patientId=${f.patient(ownership).patientId}` }), expect: careTeamOrAdmin(200) },
  getDevice: { build: async (f, _role, ownership) => ({ path: `/devices/${await deviceOf(f, ownership, 'read')}` }), expect: careTeamOrAdmin(200) },
  // Deactivating is idempotent: every allowed cell answers 200 for the same gateway.
  deactivateDevice: { build: async (f, _role, ownership) => ({ path: `/devices/${await deviceOf(f, ownership, 'deactivate')}` }), expect: careTeamOrAdmin(200) },

  // ---- rehab sessions --------------------------------------------------------------------------------------------
  listPatientRehabSessions: { build: async (f, _role, ownership) => ({ path: `/patients/${f.patient(ownership).patientId}/rehab-sessions` }), expect: clinicalRead(200) },
  getRehabSession: { build: async (f, _role, ownership) => ({ path: `/rehab-sessions/${await rehabSessionOf(f, ownership)}` }), expect: clinicalRead(200) },

  // ---- consults --------------------------------------------------------------------------------------------------
  startConsult: { build: async (f, role, ownership) => ({ path: '/consults', body: { appointmentId: await f.appointment(role, ownership, 'checked-in') } }), expect: host(201) },
  getConsult: { build: async (f, role, ownership) => ({ path: `/consults/${(await consultOf(f, role, ownership)).id}` }), expect: ownPatient(200) },
  getAppointmentConsult: { build: async (f, role, ownership) => ({ path: `/appointments/${(await consultOf(f, role, ownership)).appointmentId}/consult` }), expect: ownPatient(200) },
  // Admins read consults but are no participants: joining is refused.
  joinConsult: { build: async (f, role, ownership) => ({ path: `/consults/${(await consultOf(f, role, ownership)).id}/join` }), expect: { patient: [200, 404], clinician: [200, 404], therapist: [200, 404], admin: [403, 403] } },
  getConsultLobby: { build: async (f, role, ownership) => ({ path: `/consults/${(await consultOf(f, role, ownership)).id}/lobby` }), expect: host(200) },
  admitConsultParticipant: {
    build: async (f, role, ownership) => ({ path: `/consults/${(await startedConsult(f, role, ownership)).id}/admit`, body: { participantId: f.patient(ownership).patientId } }),
    expect: host(200),
  },
  denyConsultParticipant: {
    build: async (f, role, ownership) => ({ path: `/consults/${(await startedConsult(f, role, ownership)).id}/deny`, body: { participantId: f.patient(ownership).patientId } }),
    expect: host(200),
  },
  removeConsultParticipant: {
    build: async (f, role, ownership) => ({ path: `/consults/${(await startedConsult(f, role, ownership)).id}/remove`, body: { participantId: f.patient(ownership).patientId } }),
    expect: host(200),
  },
  inviteToConsult: { build: async (f, role, ownership) => ({ path: `/consults/${(await consultOf(f, role, ownership)).id}/invite`, body: { kind: 'interpreter' } }), expect: host(201) },
  endConsult: { build: async (f, role, ownership) => ({ path: `/consults/${(await startedConsult(f, role, ownership)).id}/end` }), expect: host(200) },
  getConsultTimeline: { build: async (f, role, ownership) => ({ path: `/consults/${(await consultOf(f, role, ownership)).id}/timeline` }), expect: careTeamOrAdmin(200) },
  // Patients see their consult's note once signed (the default setting); admins never read clinical notes.
  getConsultNote: { build: async (f, role, ownership) => ({ path: `/consults/${(await consultOf(f, role, ownership, 'signed')).id}/notes` }), expect: clinicalRead(200) },
  putConsultNote: {
    build: async (f, role, ownership) => ({ path: `/consults/${(await consultOf(f, role, ownership, 'draft')).id}/notes`, body: SOAP, headers: { 'if-match': '*' } }),
    expect: host(200),
  },
  signConsultNote: {
    build: async (f, role, ownership) => {
      const consult = await startedConsult(f, role, ownership);
      await f.world.ok(200, 'PUT', `/consults/${consult.id}/notes`, { token: consult.hostToken, body: SOAP });
      return { path: `/consults/${consult.id}/notes/sign`, headers: { 'if-match': '"1"' } };
    },
    expect: host(200),
  },
  addConsultNoteAddendum: { build: async (f, role, ownership) => ({ path: `/consults/${(await consultOf(f, role, ownership, 'signed')).id}/notes/addenda`, body: { text: 'matrix' } }), expect: host(201) },
  listConsultNoteVersions: { build: async (f, role, ownership) => ({ path: `/consults/${(await consultOf(f, role, ownership, 'signed')).id}/notes/versions` }), expect: host(200) },
  // Public: guests have no account; the link token (or the guest session) is the credential, whoever calls.
  redeemConsultInvite: { build: async (f, role, ownership) => ({ path: '/consult-invites/redeem', body: { token: await guestInviteToken(f, role, ownership) } }), expect: same(201) },
  joinConsultAsGuest: {
    build: async (f, role, ownership) => {
      const redeemed = await f.world.ok(201, 'POST', '/consult-invites/redeem', { body: { token: await guestInviteToken(f, role, ownership) } });
      return { path: `/consults/${redeemed.consultId}/guest-join`, body: { session: redeemed.session } };
    },
    expect: same(200),
  },
};

let world: World;
let fixture: Fixture;
beforeAll(async () => {
  world = await World.start();
  fixture = new Fixture(world);
  await fixture.setUp();
});
afterAll(async () => {
  await world?.close();
});

async function send(route: RouteDefinition, plan: RequestPlan, token: string | undefined): Promise<{ status: number; body: any }> {
  return world.call(route.method, plan.path, { token, headers: plan.headers, ...(plan.body !== undefined ? { body: plan.body } : {}) });
}

describe('authorization matrix', () => {
  it('has exactly one entry per route of the route table', () => {
    const operationIds = routes.map((route) => route.operationId);
    const uncovered = operationIds.filter((id) => !(id in MATRIX));
    const stale = Object.keys(MATRIX).filter((id) => !operationIds.includes(id));
    expect({ uncovered, stale }, `add entries to MATRIX in ${import.meta.filename} for: ${uncovered.join(', ')}`).toEqual({ uncovered: [], stale: [] });
  });

  it.each(routes.map((route) => [route.operationId, route] as const))('%s', async (operationId, route) => {
    const entry = MATRIX[operationId];
    if (!entry) throw new Error(`no authorization matrix entry for ${operationId}: add one to MATRIX`);
    const cells = ROLES.flatMap((role) => (['own', 'other'] as const).map((ownership) => ({ role, ownership })));
    const outcomes = await Promise.all(
      cells.map(async ({ role, ownership }) => {
        const plan = await entry.build(fixture, role, ownership);
        const result = await send(route, plan, plan.token ?? fixture.actors[role].token);
        return { role, ownership, status: result.status, detail: result.body?.detail };
      }),
    );
    const actual = Object.fromEntries(ROLES.map((role) => [role, (['own', 'other'] as const).map((o) => outcomes.find((c) => c.role === role && c.ownership === o)!.status)]));
    const expected = Object.fromEntries(ROLES.map((role) => [role, [...entry.expect[role]]]));
    const mismatches = outcomes.filter((c) => c.status !== entry.expect[c.role][c.ownership === 'own' ? 0 : 1]);
    expect(actual, `unexpected: ${JSON.stringify(mismatches)}`).toEqual(expected);

    // Without a token: 401 on every user route (the gateway's answer), the public ones still answer.
    const anonymous = await send(route, await entry.build(fixture, 'admin', 'own'), undefined);
    expect(anonymous.status).toBe(route.auth === 'public' ? entry.expect.admin[0] : 401);
  });

  it('answers a hidden record exactly as a missing one', async () => {
    const hidden = await world.call('GET', `/patients/${fixture.otherPatient.patientId}`, { token: fixture.clinician.token });
    const missing = await world.call('GET', '/patients/pat_01ARZ3NDEKTSV4RRFFQ69G5FAV', { token: fixture.clinician.token });
    const strip = (body: Record<string, unknown>) => ({ ...body, requestId: undefined });
    expect(strip(hidden.body)).toEqual(strip(missing.body));
    const hiddenAppointment = await world.call('GET', `/appointments/${fixture.otherAppointmentId}`, { token: fixture.ownPatient.token });
    const missingAppointment = await world.call('GET', '/appointments/appt_01ARZ3NDEKTSV4RRFFQ69G5FAV', { token: fixture.ownPatient.token });
    expect(strip(hiddenAppointment.body)).toEqual(strip(missingAppointment.body));
  });
});
