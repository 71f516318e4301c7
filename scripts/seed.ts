/**
 * `npm run seed`: a small demo network on the running local stack (`npm start`), through the HTTP API only.
 *
 *   a hub hospital and two spoke clinics, four practitioners with availability (three time zones), three patients
 *   with care teams, one booked appointment — then a ready token per role, with the ids to try every route.
 *
 * Safe to re-run: records are found by their account (GET /me/profile) or name before anything is created, and
 * creating requests carry Idempotency-Key headers. Env: API_URL (default http://127.0.0.1:3000), DATA_DIR (the
 * stack's data folder, for the local token issuer), TOKEN_TTL_SECONDS (default 12 hours).
 */
import type { Role } from '../lambdas/api/roles.js';
import { localDataDir } from '../local/paths.js';
import { openLocalIssuer } from '../local/token.js';

const API_URL = (process.env.API_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
const TOKEN_TTL_SECONDS = Number(process.env.TOKEN_TTL_SECONDS ?? 12 * 3600);

const issuer = await openLocalIssuer(localDataDir().issuer);
const tokenFor = (sub: string, role: Role) => issuer.issue({ sub, role, ttlSeconds: TOKEN_TTL_SECONDS });

interface Problem {
  status: number;
  detail?: string;
  errors?: unknown;
}

async function call<T = any>(method: string, path: string, token: string | undefined, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
  const response = await fetch(`${API_URL}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as T) : (undefined as T) };
}

async function expectStatus<T = any>(expected: number[], method: string, path: string, token: string, body?: unknown, headers?: Record<string, string>): Promise<T> {
  const result = await call<T>(method, path, token, body, headers);
  if (!expected.includes(result.status)) {
    const problem = result.body as unknown as Problem;
    throw new Error(`${method} ${path} answered ${result.status}: ${problem?.detail ?? ''} ${problem?.errors ? JSON.stringify(problem.errors) : ''}`);
  }
  return result.body;
}

const utc = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');
const idempotent = (key: string) => ({ 'idempotency-key': `seed-${key}` });

// ---- the demo network ------------------------------------------------------------------------------------------

const ADMIN = 'demo-admin';

const FACILITIES = [
  { key: 'hub', name: 'Demo Central Hospital', kind: 'hub', timeZone: 'Asia/Ho_Chi_Minh' },
  { key: 'north', name: 'Demo North Clinic', kind: 'spoke', timeZone: 'Asia/Ho_Chi_Minh' },
  { key: 'river', name: 'Demo Riverside Clinic', kind: 'spoke', timeZone: 'Asia/Ho_Chi_Minh' },
] as const;

const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri'];

const PRACTITIONERS = [
  {
    userId: 'demo-clinician-lan',
    facility: 'hub',
    record: { name: { given: 'Lan', family: 'Nguyen' }, role: 'clinician', specialties: ['cardiology', 'internal-medicine'], languages: ['vi', 'en'], timeZone: 'Asia/Ho_Chi_Minh' },
    availability: {
      rules: [
        { days: weekdays, start: '08:00', end: '12:00', slotMinutes: 30, bufferMinutes: 10 },
        { days: weekdays, start: '13:30', end: '17:00', slotMinutes: 30 },
      ],
      exceptions: [],
    },
  },
  {
    userId: 'demo-clinician-minh',
    facility: 'north',
    record: { name: { given: 'Minh', family: 'Pham' }, role: 'clinician', specialties: ['general-practice'], languages: ['vi'], timeZone: 'Asia/Ho_Chi_Minh' },
    availability: { rules: [{ days: [...weekdays, 'sat'], start: '07:30', end: '11:30', slotMinutes: 20, bufferMinutes: 5 }], exceptions: [] },
  },
  {
    userId: 'demo-therapist-an',
    facility: 'river',
    record: { name: { given: 'An', family: 'Le' }, role: 'therapist', specialties: ['physiotherapy'], languages: ['vi', 'en'], timeZone: 'Asia/Ho_Chi_Minh' },
    availability: { rules: [{ days: ['mon', 'wed', 'fri'], start: '14:00', end: '18:00', slotMinutes: 45, bufferMinutes: 15, types: ['telerehab', 'video'] }], exceptions: [] },
  },
  {
    // A visiting specialist in another zone: slots come out in UTC with her zone beside them.
    userId: 'demo-clinician-sarah',
    facility: 'hub',
    record: { name: { given: 'Sarah', family: 'Okafor' }, role: 'clinician', specialties: ['dermatology'], languages: ['en'], timeZone: 'Europe/London' },
    availability: { rules: [{ days: ['tue', 'thu'], start: '07:00', end: '10:00', slotMinutes: 30 }], exceptions: [] },
  },
] as const;

const PATIENTS = [
  {
    userId: 'demo-patient-hoa',
    facility: 'north',
    careTeam: ['demo-clinician-lan'],
    record: {
      name: { given: 'Hoa', family: 'Tran' },
      birthDate: '1956-03-14',
      contact: { phone: '+84900000001' },
      preferredLanguage: 'vi',
      caregivers: [{ name: { given: 'Binh', family: 'Tran' }, relationship: 'child', contact: { phone: '+84900000011' } }],
    },
  },
  {
    userId: 'demo-patient-quang',
    facility: 'river',
    careTeam: ['demo-therapist-an'],
    record: { name: { given: 'Quang', family: 'Vo' }, birthDate: '1971-09-02', contact: { email: 'quang@example.org' }, preferredLanguage: 'vi', caregivers: [] },
  },
  {
    userId: 'demo-patient-mai',
    facility: 'hub',
    careTeam: [],
    record: { name: { given: 'Mai', family: 'Do' }, birthDate: '1990-12-24', contact: { email: 'mai@example.org', phone: '+84900000003' }, preferredLanguage: 'en', caregivers: [] },
  },
] as const;

async function allPages<T>(path: string, token: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const page = await expectStatus<{ items: T[]; nextCursor?: string }>([200], 'GET', `${path}${separator}limit=200${cursor ? `&cursor=${cursor}` : ''}`, token);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

async function main(): Promise<void> {
  const health = await call('GET', '/health', undefined).catch(() => undefined);
  if (!health || health.status !== 200) {
    console.error(`No API at ${API_URL}: start the local stack first (npm start), or set API_URL.`);
    process.exit(1);
  }
  const admin = await tokenFor(ADMIN, 'admin');

  // Facilities: found by name, else created (hubs first, so spokes can link to them).
  const existing = await allPages<{ id: string; name: string }>('/facilities', admin);
  const facilityIds: Record<string, string> = {};
  for (const facility of FACILITIES) {
    const found = existing.find((candidate) => candidate.name === facility.name);
    const body = { name: facility.name, kind: facility.kind, timeZone: facility.timeZone, ...(facility.kind === 'spoke' ? { hubIds: [facilityIds.hub!] } : {}) };
    facilityIds[facility.key] = found?.id ?? (await expectStatus<{ id: string }>([201], 'POST', '/facilities', admin, body, idempotent(`facility-${facility.key}`))).id;
  }

  // Practitioners: found by their account, else created; availability created or refreshed.
  const practitionerIds: Record<string, string> = {};
  for (const practitioner of PRACTITIONERS) {
    const token = await tokenFor(practitioner.userId, practitioner.record.role);
    const profile = await expectStatus<{ practitionerId?: string }>([200], 'GET', '/me/profile', token);
    const id =
      profile.practitionerId ??
      (
        await expectStatus<{ id: string }>(
          [201],
          'POST',
          '/practitioners',
          admin,
          { ...practitioner.record, facilityId: facilityIds[practitioner.facility], userId: practitioner.userId },
          idempotent(`practitioner-${practitioner.userId}`),
        )
      ).id;
    practitionerIds[practitioner.userId] = id;
    const current = await call<{ version: number }>('GET', `/practitioners/${id}/availability`, token);
    const ifMatch: Record<string, string> = current.status === 200 ? { 'if-match': `"${current.body.version}"` } : {};
    await expectStatus([200], 'PUT', `/practitioners/${id}/availability`, token, practitioner.availability, ifMatch);
  }

  // Patients: found by their account, else registered by the admin; care teams assigned (idempotent).
  const patientIds: Record<string, string> = {};
  for (const patient of PATIENTS) {
    const token = await tokenFor(patient.userId, 'patient');
    const profile = await expectStatus<{ patientId?: string }>([200], 'GET', '/me/profile', token);
    const id =
      profile.patientId ??
      (
        await expectStatus<{ id: string }>(
          [201],
          'POST',
          '/patients',
          admin,
          { ...patient.record, homeFacilityId: facilityIds[patient.facility], userId: patient.userId },
          idempotent(`patient-${patient.userId}`),
        )
      ).id;
    patientIds[patient.userId] = id;
    for (const member of patient.careTeam) {
      await expectStatus([201], 'POST', `/patients/${id}/care-team`, admin, { practitionerId: practitionerIds[member] }, idempotent(`care-${patient.userId}-${member}`));
    }
  }

  // One upcoming appointment for the first patient, unless they already have one: the first free video slot.
  const firstPatient = PATIENTS[0];
  const patientToken = await tokenFor(firstPatient.userId, 'patient');
  const patientId = patientIds[firstPatient.userId]!;
  const now = new Date();
  const upcoming = await allPages<{ id: string; status: string; start: string }>(`/appointments?patientId=${patientId}&from=${utc(now)}`, patientToken);
  let appointment = upcoming.find((item) => item.status === 'booked' || item.status === 'checked-in');
  if (!appointment) {
    const from = utc(new Date(now.getTime() + 3600_000));
    const to = utc(new Date(now.getTime() + 14 * 86_400_000));
    const clinicianId = practitionerIds['demo-clinician-lan']!;
    const slots = await expectStatus<{ items: Array<{ start: string }> }>([200], 'GET', `/slots?practitionerId=${clinicianId}&from=${from}&to=${to}&type=video&limit=1`, patientToken);
    const start = slots.items[0]?.start;
    if (start) {
      appointment = await expectStatus([201], 'POST', '/appointments', patientToken, { patientId, practitionerId: clinicianId, start, type: 'video' }, idempotent(`appointment-${start}`));
    }
  }

  const tokens = {
    admin: { sub: ADMIN, token: admin },
    clinician: { sub: 'demo-clinician-lan', token: await tokenFor('demo-clinician-lan', 'clinician'), practitionerId: practitionerIds['demo-clinician-lan'] },
    therapist: { sub: 'demo-therapist-an', token: await tokenFor('demo-therapist-an', 'therapist'), practitionerId: practitionerIds['demo-therapist-an'] },
    patient: { sub: firstPatient.userId, token: patientToken, patientId },
  };

  const lines = [
    `Demo network ready at ${API_URL}`,
    '',
    'Facilities',
    ...FACILITIES.map((facility) => `  ${facilityIds[facility.key]}  ${facility.kind.padEnd(5)}  ${facility.name}`),
    'Practitioners (user id → practitioner id)',
    ...PRACTITIONERS.map((p) => `  ${p.userId.padEnd(22)} ${practitionerIds[p.userId]}  ${p.record.role}, ${p.record.specialties.join('/')}, ${p.record.timeZone}`),
    'Patients (user id → patient id; care team)',
    ...PATIENTS.map((p) => `  ${p.userId.padEnd(22)} ${patientIds[p.userId]}  care team: ${p.careTeam.join(', ') || '(none)'}`),
    appointment ? `Appointment  ${appointment.id}  (${firstPatient.userId} with demo-clinician-lan at ${appointment.start})` : 'Appointment  (no free slot in the next two weeks)',
    '',
    `Tokens (valid ${Math.round(TOKEN_TTL_SECONDS / 3600)} h) — export them, then try for example:`,
    ...Object.entries(tokens).map(([role, entry]) => `  export ${role.toUpperCase()}_TOKEN=${entry.token}`),
    '',
    `  curl -s ${API_URL}/me/profile -H "authorization: Bearer $PATIENT_TOKEN"`,
    `  curl -s "${API_URL}/slots?specialty=cardiology&from=${utc(now)}&to=${utc(new Date(now.getTime() + 7 * 86_400_000))}&limit=5" -H "authorization: Bearer $PATIENT_TOKEN"`,
    `  curl -s "${API_URL}/appointments?patientId=${patientId}" -H "authorization: Bearer $CLINICIAN_TOKEN"`,
    `  curl -s ${API_URL}/patients/${patientId}/audit -H "authorization: Bearer $ADMIN_TOKEN"`,
    `  curl -s ${API_URL}/openapi.json`,
  ];
  console.log(lines.join('\n'));
}

await main();
