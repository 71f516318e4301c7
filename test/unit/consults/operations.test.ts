import { describe, expect, it } from 'vitest';
import { PatientAccess } from '../../../lambdas/access/patient-access.js';
import type { ApiRequest, ApiResponse, Caller } from '../../../lambdas/api/operation.js';
import { recordMeetingEvent } from '../../../lambdas/consults/events.js';
import { createConsultOperations } from '../../../lambdas/consults/operations.js';
import { DEFAULT_CONSULT_SETTINGS, type ConsultSettings } from '../../../lambdas/consults/settings.js';
import { DomainError } from '../../../lambdas/shared/errors.js';
import { FakeMeetings, MemoryAppointments, MemoryAuditLog, MemoryConsultStore, MemoryInvites, MemoryNotes, MemoryRateLimiter, MemoryRecords } from './fakes.js';

const ULID = '01JD40A1B2C3D4E5F6G7H8J9KM';
const IDS = { patient: `pat_${ULID}`, practitioner: `prac_${ULID}`, appointment: `appt_${ULID}` };
const doctor: Caller = { userId: 'doctor-1', role: 'clinician', groups: ['clinician'] };
const patient: Caller = { userId: 'patient-1', role: 'patient', groups: ['patient'] };

function setup(settings: Partial<ConsultSettings> = {}) {
  const records = new MemoryRecords();
  records.addPatient(IDS.patient, patient.userId);
  records.addPractitioner(IDS.practitioner, doctor.userId);
  const appointments = new MemoryAppointments();
  appointments.items.set(IDS.appointment, {
    id: IDS.appointment, patientId: IDS.patient, practitionerId: IDS.practitioner, facilityId: 'fac_1', type: 'video',
    start: '2026-11-23T02:00:00Z', end: '2026-11-23T02:30:00Z', timeZone: 'UTC', localStart: '2026-11-23T02:00', status: 'checked-in',
    version: 2, createdAt: '2026-11-20T00:00:00Z', updatedAt: '2026-11-20T00:00:00Z', bookedBy: patient.userId,
  });
  const ports = {
    records,
    access: new PatientAccess(records),
    audit: new MemoryAuditLog(),
    appointments,
    consults: new MemoryConsultStore(),
    notes: new MemoryNotes(),
    invites: new MemoryInvites(),
    rateLimits: new MemoryRateLimiter(),
    meetings: new FakeMeetings(),
    settings: { ...DEFAULT_CONSULT_SETTINGS, ...settings },
    mediaRegion: 'eu-central-1',
    now: () => new Date(),
  };
  const operations = createConsultOperations(ports);
  /** Calls an operation as the HTTP layer would, with problem statuses for domain errors. */
  const call = async (operationId: string, caller: Caller | null, options: { params?: Record<string, string>; body?: unknown; headers?: Record<string, string>; query?: Record<string, unknown> } = {}) => {
    const request: ApiRequest = { requestId: 'r', operationId, caller, params: options.params ?? {}, query: options.query ?? { limit: 50 }, body: options.body, headers: options.headers ?? {} };
    try {
      return await operations[operationId]!(request);
    } catch (error) {
      if (error instanceof DomainError) return { status: error.status, body: { detail: error.message } } satisfies ApiResponse;
      throw error;
    }
  };
  const start = async () => (await call('startConsult', doctor, { body: { appointmentId: IDS.appointment } })).body as any;
  return { ports, call, start };
}

describe('consult operations', () => {
  it('start in the configured media region, with the cap as the meeting attendee limit, and move the appointment', async () => {
    const { ports, start } = setup({ maxParticipants: 7 });
    const consult = await start();
    const [meeting] = [...ports.meetings.meetings.values()];
    expect(meeting!.token).toBe(IDS.appointment);
    expect(meeting!.meeting).toMatchObject({ ExternalMeetingId: IDS.appointment, MediaRegion: 'eu-central-1', MeetingFeatures: { Attendee: { MaxCount: 7 } } });
    expect(consult.meeting.meetingId).toBe(meeting!.meeting.MeetingId);
    expect(ports.appointments.items.get(IDS.appointment)!.status).toBe('in-progress');
  });

  it('do not leave an attendee behind when the participant is removed while joining', async () => {
    const { ports, call, start } = setup();
    const consult = await start();
    await call('joinConsult', patient, { params: { id: consult.id } });
    await call('admitConsultParticipant', doctor, { params: { id: consult.id }, body: { participantId: IDS.patient } });
    // The host removes the patient after Chime made the attendee and before the join records it.
    ports.meetings.onCreateAttendee = async () => {
      expect((await call('removeConsultParticipant', doctor, { params: { id: consult.id }, body: { participantId: IDS.patient } })).status).toBe(200);
    };
    const join = await call('joinConsult', patient, { params: { id: consult.id } });
    expect(join.status).toBe(403);
    const meeting = [...ports.meetings.meetings.values()][0]!;
    expect(meeting.attendees.map((a) => a.ExternalUserId)).not.toContain(patient.userId);
    expect(ports.meetings.deletedAttendees).toHaveLength(1);
  });

  it('make a new meeting when Chime ended the last one before its event arrived', async () => {
    const { ports, call, start } = setup();
    const consult = await start();
    await ports.meetings.deleteMeeting(consult.meeting.meetingId);
    const join = (await call('joinConsult', doctor, { params: { id: consult.id } })) as any;
    expect(join.body.status).toBe('admitted');
    expect(join.body.meeting.MeetingId).not.toBe(consult.meeting.meetingId);
    expect([...ports.meetings.meetings.values()].map((m) => m.token)).toEqual([`${IDS.appointment}-2`]);
    expect(ports.consults.meetingLinks.get(join.body.meeting.MeetingId)).toBe(consult.id);
  });

  it('let one of two concurrent saves of the same version win, the other 412', async () => {
    const { call, start } = setup();
    const consult = await start();
    const soap = { subjective: 's', objective: 'o', assessment: 'a', plan: 'p' };
    await call('putConsultNote', doctor, { params: { id: consult.id }, body: soap });
    const results = await Promise.all(
      ['p2', 'p3'].map((plan) => call('putConsultNote', doctor, { params: { id: consult.id }, body: { ...soap, plan }, headers: { 'if-match': '"1"' } })),
    );
    expect(results.map((result) => result.status).sort()).toEqual([200, 412]);
  });

  it('let a guest link be redeemed once, even by two at the same moment', async () => {
    const { call, start } = setup();
    const consult = await start();
    const invited = (await call('inviteToConsult', doctor, { params: { id: consult.id }, body: { kind: 'other' } })) as any;
    const results = await Promise.all([1, 2].map(() => call('redeemConsultInvite', null, { body: { token: invited.body.invite.token } })));
    expect(results.map((result) => result.status).sort()).toEqual([201, 404]);
  });

  it.each([
    ['never', 403, 403],
    ['after-signing', 404, 200],
    ['always', 200, 200],
  ] as const)('show the note to the patient per setting (%s): draft %i, signed %i', async (visibility, draft, signed) => {
    const { call, start } = setup({ notesPatientVisibility: visibility });
    const consult = await start();
    await call('putConsultNote', doctor, { params: { id: consult.id }, body: { subjective: 's', objective: 'o', assessment: 'a', plan: 'p' } });
    expect((await call('getConsultNote', patient, { params: { id: consult.id } })).status).toBe(draft);
    await call('signConsultNote', doctor, { params: { id: consult.id }, headers: { 'if-match': '"1"' } });
    expect((await call('getConsultNote', patient, { params: { id: consult.id } })).status).toBe(signed);
  });
});

describe('refusals that must not tell anything apart', () => {
  const soap = { subjective: 's', objective: 'o', assessment: 'a', plan: 'p' };

  it.each(['never', 'after-signing'] as const)('answer a patient the same whether there is no note or one they may not see (%s)', async (visibility) => {
    const { call, start } = setup({ notesPatientVisibility: visibility });
    const consult = await start();
    const none = await call('getConsultNote', patient, { params: { id: consult.id } });
    await call('putConsultNote', doctor, { params: { id: consult.id }, body: soap });
    const draft = await call('getConsultNote', patient, { params: { id: consult.id } });
    expect(draft.status).toBeGreaterThanOrEqual(400);
    expect({ status: draft.status, body: draft.body }).toEqual({ status: none.status, body: none.body });
  });

  it('answer used and expired links of an ended consult exactly like unknown ones', async () => {
    const { ports, call, start } = setup();
    const consult = await start();
    const invite = async () => ((await call('inviteToConsult', doctor, { params: { id: consult.id }, body: { kind: 'other' } })) as any).body.invite.token as string;
    const [used, expired] = [await invite(), await invite()];
    expect((await call('redeemConsultInvite', null, { body: { token: used } })).status).toBe(201);
    for (const stored of ports.invites.invites.values()) if (!stored.usedAt) stored.validUntil = new Date(Date.now() - 1000).toISOString();
    expect((await call('endConsult', doctor, { params: { id: consult.id } })).status).toBe(200);
    const unknown = await call('redeemConsultInvite', null, { body: { token: 'x'.repeat(43) } });
    expect(unknown.status).toBe(404);
    for (const token of [used, expired]) {
      const answer = await call('redeemConsultInvite', null, { body: { token } });
      expect({ status: answer.status, body: answer.body }).toEqual({ status: unknown.status, body: unknown.body });
    }
  });

  it('write nothing, not even an audit record, for a request refused as invalid', async () => {
    const { ports, call, start } = setup();
    const consult = await start();
    const before = ports.audit.entries.length;
    expect((await call('putConsultNote', doctor, { params: { id: consult.id }, body: soap, headers: { 'if-match': 'not-a-version' } })).status).toBe(400);
    expect((await call('inviteToConsult', doctor, { params: { id: consult.id }, body: { kind: 'practitioner', practitionerId: `prac_${'0'.repeat(26)}` } })).status).toBe(400);
    expect(ports.audit.entries.slice(before)).toEqual([]);
  });
});

describe('meeting events', () => {
  const event = (id: string, eventType: string, meetingId: string, extra: Record<string, unknown> = {}) => ({
    version: '0', id, 'detail-type': 'Chime Meeting State Change', source: 'aws.chime', account: '1', time: '2026-11-23T02:00:00Z', region: 'us-east-1', resources: [],
    detail: { version: '0', eventType, timestamp: Date.parse('2026-11-23T02:00:00Z'), meetingId, mediaRegion: 'us-east-1', ...extra },
  });

  it('record each event once, map the attendee to its participant, and forget a meeting Chime ended', async () => {
    const { ports, call, start } = setup();
    const consult = await start();
    const join = (await call('joinConsult', doctor, { params: { id: consult.id } })) as any;
    const meetingId = join.body.meeting.MeetingId;
    const joined = event('e1', 'chime:AttendeeJoined', meetingId, { attendeeId: join.body.attendee.AttendeeId, externalUserId: doctor.userId });
    expect(await recordMeetingEvent(ports, joined)).toBe('recorded');
    expect(await recordMeetingEvent(ports, joined)).toBe('duplicate');
    expect(await recordMeetingEvent(ports, event('e2', 'chime:AttendeeJoined', 'another-apps-meeting'))).toBe('ignored');
    expect(await recordMeetingEvent(ports, event('e3', 'chime:AttendeeAdded', meetingId))).toBe('ignored');
    const entries = await ports.consults.allTimeline(consult.id);
    expect(entries.filter((entry) => entry.source === 'chime')).toEqual([expect.objectContaining({ type: 'joined', participantId: IDS.practitioner })]);

    expect(await recordMeetingEvent(ports, event('e4', 'chime:MeetingEnded', meetingId))).toBe('recorded');
    expect((await ports.consults.get(consult.id))!.meeting).toBeUndefined();
  });
});
