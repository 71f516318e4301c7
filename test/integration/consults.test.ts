import { GetAttendeeCommand, GetMeetingCommand, NotFoundException } from '@aws-sdk/client-chime-sdk-meetings';
import { MeetingSessionConfiguration } from 'amazon-chime-sdk-js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { consultEventsHandlerFrom } from '../../lambdas/consults/compose.js';
import { CONSULT_ENV } from '../../lambdas/consults/settings.js';
import { newUserId, World, type PatientActor, type PractitionerActor } from './scheduling-world.js';

/**
 * Video consults through the local stack: the HTTP API, the same Lambda handlers, dynalite, and the Chime emulator
 * (whose meeting events reach the consult-events handler asynchronously, hence vi.waitFor).
 */
const CAP = 4;
let world: World;
let previousCap: string | undefined;

beforeAll(async () => {
  // A small participant cap, to reach it cheaply; settings are read when the handlers are built.
  previousCap = process.env[CONSULT_ENV.maxParticipants];
  process.env[CONSULT_ENV.maxParticipants] = String(CAP);
  world = await World.start();
});
afterAll(async () => {
  if (previousCap === undefined) delete process.env[CONSULT_ENV.maxParticipants];
  else process.env[CONSULT_ENV.maxParticipants] = previousCap;
  await world?.close();
});

interface Scenario {
  doc: PractitionerActor;
  patient: PatientActor;
  appointment: { id: string };
}

async function checkedInAppointment(): Promise<Scenario> {
  const doc = await world.practitioner();
  const patient = await world.patient();
  const appointment = await world.book(patient, doc);
  await world.ok(200, 'POST', `/appointments/${appointment.id}/check-in`, {
    token: patient.token,
    body: { reasonForVisit: 'follow-up', symptoms: [], currentMedications: [], consentToRemoteConsultation: true },
  });
  return { doc, patient, appointment };
}

async function started(): Promise<Scenario & { consult: any }> {
  const scenario = await checkedInAppointment();
  const consult = await world.ok(201, 'POST', '/consults', { token: scenario.doc.token, body: { appointmentId: scenario.appointment.id } });
  return { ...scenario, consult };
}

/** An account that is neither practitioner nor patient record: a caregiver or interpreter with a login. */
async function accountHolder(label: string) {
  const userId = newUserId(label);
  return { userId, token: await world.token(userId, 'patient') };
}

const presence = (meetingId: string, attendeeId: string, action: 'join' | 'leave' | 'drop') =>
  fetch(`${world.stack.endpoints.chime}/_local/meetings/${meetingId}/attendees/${attendeeId}/${action}`, { method: 'POST' }).then((response) => {
    if (response.status !== 204) throw new Error(`presence ${action}: ${response.status}`);
  });

describe('start', () => {
  it('needs a checked-in video appointment, then creates the consult and its Chime meeting once', async () => {
    const { doc, patient, appointment } = await checkedInAppointment();
    const booked = await world.book(patient, doc);
    const early = await world.call('POST', '/consults', { token: doc.token, body: { appointmentId: booked.id } });
    expect(early.status).toBe(409);
    expect(early.body.detail).toMatch(/checked in/);

    const first = await world.call('POST', '/consults', { token: doc.token, body: { appointmentId: appointment.id } });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ appointmentId: appointment.id, patientId: patient.patientId, practitionerId: doc.practitionerId, status: 'live', maxParticipants: CAP });
    expect(first.body.id).toMatch(/^cons_/);
    expect(first.body.meeting.meetingId).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.body.participants.map((p: any) => [p.kind, p.status])).toEqual([
      ['host', 'admitted'],
      ['patient', 'invited'],
    ]);

    const again = await world.call('POST', '/consults', { token: doc.token, body: { appointmentId: appointment.id } });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expect(again.body.meeting.meetingId).toBe(first.body.meeting.meetingId);

    const meeting = await world.stack.deps.chime.send(new GetMeetingCommand({ MeetingId: first.body.meeting.meetingId }));
    expect(meeting.Meeting).toMatchObject({ ExternalMeetingId: appointment.id, MediaRegion: world.stack.config.chimeMediaRegion, MeetingFeatures: { Attendee: { MaxCount: CAP } } });

    const after = await world.ok(200, 'GET', `/appointments/${appointment.id}`, { token: doc.token });
    expect(after.status).toBe('in-progress');
    const found = await world.ok(200, 'GET', `/appointments/${appointment.id}/consult`, { token: patient.token });
    expect(found.id).toBe(first.body.id);
  });

  it('gives concurrent starts one consult and one meeting (conditional writes, no transactions)', async () => {
    const { doc, appointment } = await checkedInAppointment();
    const results = await Promise.all(Array.from({ length: 5 }, () => world.call('POST', '/consults', { token: doc.token, body: { appointmentId: appointment.id } })));
    expect(results.map((result) => result.status).sort()).toEqual([200, 200, 200, 200, 201]);
    expect(new Set(results.map((result) => result.body.id)).size).toBe(1);
    expect(new Set(results.map((result) => result.body.meeting.meetingId)).size).toBe(1);
  });

  it('is for the appointment practitioner only', async () => {
    const { appointment, patient } = await checkedInAppointment();
    const stranger = await world.practitioner();
    expect((await world.call('POST', '/consults', { token: stranger.token, body: { appointmentId: appointment.id } })).status).toBe(404);
    expect((await world.call('POST', '/consults', { token: patient.token, body: { appointmentId: appointment.id } })).status).toBe(403);
    expect((await world.call('POST', '/consults', { token: world.admin.token, body: { appointmentId: appointment.id } })).status).toBe(403);
  });
});

describe('join, lobby, admit', () => {
  it('admits the host straight away, keeps the patient in the lobby until admitted, and returns the same attendee again', async () => {
    const { doc, patient, consult } = await started();
    const hostJoin = await world.ok(200, 'POST', `/consults/${consult.id}/join`, { token: doc.token });
    expect(hostJoin.status).toBe('admitted');
    expect(hostJoin.meeting.MeetingId).toBe(consult.meeting.meetingId);
    expect(hostJoin.meeting.MediaPlacement.SignalingUrl).toMatch(/^wss:/);
    expect(hostJoin.attendee).toMatchObject({ ExternalUserId: doc.userId, JoinToken: expect.any(String), AttendeeId: expect.any(String) });
    const hostAgain = await world.ok(200, 'POST', `/consults/${consult.id}/join`, { token: doc.token });
    expect(hostAgain.attendee.AttendeeId).toBe(hostJoin.attendee.AttendeeId);

    const waiting = await world.ok(200, 'POST', `/consults/${consult.id}/join`, { token: patient.token, body: { audioOnly: true } });
    expect(waiting).toEqual({ status: 'waiting', participantId: patient.patientId });
    const lobby = await world.ok(200, 'GET', `/consults/${consult.id}/lobby`, { token: doc.token });
    expect(lobby.items.map((p: any) => p.participantId)).toEqual([patient.patientId]);
    expect((await world.call('GET', `/consults/${consult.id}/lobby`, { token: patient.token })).status).toBe(403);

    const admitted = await world.ok(200, 'POST', `/consults/${consult.id}/admit`, { token: doc.token, body: { participantId: patient.patientId } });
    expect(admitted.status).toBe('admitted');
    expect((await world.ok(200, 'GET', `/consults/${consult.id}/lobby`, { token: doc.token })).items).toEqual([]);

    const audioOnly = await world.ok(200, 'POST', `/consults/${consult.id}/join`, { token: patient.token, body: { audioOnly: true } });
    expect(audioOnly.status).toBe('admitted');
    expect(audioOnly.attendee.ExternalUserId).toBe(patient.userId);
    expect(audioOnly.attendee.Capabilities).toEqual({ Audio: 'SendReceive', Video: 'None', Content: 'None' });
    // Bandwidth came back: the same attendee, now with video.
    const full = await world.ok(200, 'POST', `/consults/${consult.id}/join`, { token: patient.token });
    expect(full.attendee.AttendeeId).toBe(audioOnly.attendee.AttendeeId);
    expect(full.attendee.Capabilities).toEqual({ Audio: 'SendReceive', Video: 'SendReceive', Content: 'SendReceive' });
  });

  it('answers what the amazon-chime-sdk-js MeetingSessionConfiguration takes as is', async () => {
    const { doc, consult } = await started();
    const join = await world.ok(200, 'POST', `/consults/${consult.id}/join`, { token: doc.token });
    const configuration = new MeetingSessionConfiguration(join.meeting, join.attendee);
    expect(configuration.meetingId).toBe(join.meeting.MeetingId);
    expect(configuration.externalMeetingId).toBe(consult.appointmentId);
    expect(configuration.urls?.audioHostURL).toBe(join.meeting.MediaPlacement.AudioHostUrl);
    expect(configuration.urls?.signalingURL).toBe(join.meeting.MediaPlacement.SignalingUrl);
    expect(configuration.urls?.turnControlURL).toBe(join.meeting.MediaPlacement.TurnControlUrl);
    expect(configuration.credentials).toMatchObject({ attendeeId: join.attendee.AttendeeId, externalUserId: doc.userId, joinToken: join.attendee.JoinToken });
  });
});

describe('invites, deny, remove, participant cap', () => {
  it('lets invited practitioners straight in and sends caregivers and interpreters to the lobby, where they may be denied or removed', async () => {
    const { doc, consult } = await started();
    const specialist = await world.practitioner({ facilityId: world.spokeId });
    const invitedDoc = await world.ok(201, 'POST', `/consults/${consult.id}/invite`, { token: doc.token, body: { kind: 'practitioner', practitionerId: specialist.practitionerId } });
    expect(invitedDoc).toEqual({ participant: expect.objectContaining({ participantId: specialist.practitionerId, kind: 'practitioner', status: 'invited', guest: false }) });
    const specialistJoin = await world.ok(200, 'POST', `/consults/${consult.id}/join`, { token: specialist.token });
    expect(specialistJoin.status).toBe('admitted');

    const caregiver = await accountHolder('caregiver');
    const invited = await world.ok(201, 'POST', `/consults/${consult.id}/invite`, { token: doc.token, body: { kind: 'caregiver', userId: caregiver.userId } });
    expect(invited.invite).toBeUndefined();
    const caregiverId = invited.participant.participantId;
    expect(caregiverId).toMatch(/^inv_/);
    // The same account again is the same participant.
    const again = await world.call('POST', `/consults/${consult.id}/invite`, { token: doc.token, body: { kind: 'caregiver', userId: caregiver.userId } });
    expect(again.status).toBe(200);
    expect(again.body.participant.participantId).toBe(caregiverId);

    expect(await world.ok(200, 'POST', `/consults/${consult.id}/join`, { token: caregiver.token })).toEqual({ status: 'waiting', participantId: caregiverId });
    expect((await world.ok(200, 'GET', `/consults/${consult.id}`, { token: caregiver.token })).id).toBe(consult.id);
    expect((await world.ok(200, 'POST', `/consults/${consult.id}/deny`, { token: doc.token, body: { participantId: caregiverId } })).status).toBe('denied');
    const refused = await world.call('POST', `/consults/${consult.id}/join`, { token: caregiver.token });
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toMatch(/did not admit/);

    // Readmitted, joined, then removed: the Chime attendee goes too.
    await world.ok(200, 'POST', `/consults/${consult.id}/admit`, { token: doc.token, body: { participantId: caregiverId } });
    const joined = await world.ok(200, 'POST', `/consults/${consult.id}/join`, { token: caregiver.token });
    expect(joined.status).toBe('admitted');
    const removed = await world.ok(200, 'POST', `/consults/${consult.id}/remove`, { token: doc.token, body: { participantId: caregiverId } });
    expect(removed.status).toBe('removed');
    await expect(
      world.stack.deps.chime.send(new GetAttendeeCommand({ MeetingId: joined.meeting.MeetingId, AttendeeId: joined.attendee.AttendeeId })),
    ).rejects.toBeInstanceOf(NotFoundException);
    expect((await world.call('POST', `/consults/${consult.id}/join`, { token: caregiver.token })).status).toBe(403);
    expect((await world.call('POST', `/consults/${consult.id}/remove`, { token: doc.token, body: { participantId: doc.practitionerId } })).status).toBe(409);
  });

  it('never lets concurrent invitations exceed the cap', async () => {
    const { doc, consult } = await started();
    const results = await Promise.all(Array.from({ length: 5 }, () => world.call('POST', `/consults/${consult.id}/invite`, { token: doc.token, body: { kind: 'other' } })));
    expect(results.filter((result) => result.status === 201)).toHaveLength(CAP - 2);
    expect(results.filter((result) => result.status === 409)).toHaveLength(5 - (CAP - 2));
    const view = await world.ok(200, 'GET', `/consults/${consult.id}`, { token: doc.token });
    expect(view.participants).toHaveLength(CAP);
  });

  it(`refuses a participant beyond the cap (${CAP}) with 409, and counts again once someone is removed`, async () => {
    const { doc, consult } = await started();
    const invite = () => world.call('POST', `/consults/${consult.id}/invite`, { token: doc.token, body: { kind: 'interpreter' } });
    const first = await invite();
    expect(first.status).toBe(201);
    expect((await invite()).status).toBe(201);
    const full = await invite();
    expect(full.status).toBe(409);
    expect(full.body.detail).toMatch(/full/);
    await world.ok(200, 'POST', `/consults/${consult.id}/remove`, { token: doc.token, body: { participantId: first.body.participant.participantId } });
    expect((await invite()).status).toBe(201);
    // Readmitting the removed one would exceed the cap again.
    expect((await world.call('POST', `/consults/${consult.id}/admit`, { token: doc.token, body: { participantId: first.body.participant.participantId } })).status).toBe(409);
  });
});

describe('meeting events, timeline and end', () => {
  it('records joins, leaves and drops from Chime events, ignores redeliveries, and closes every session at the end', async () => {
    const { doc, patient, appointment, consult } = await started();
    const host = await world.ok(200, 'POST', `/consults/${consult.id}/join`, { token: doc.token });
    await world.ok(200, 'POST', `/consults/${consult.id}/join`, { token: patient.token });
    await world.ok(200, 'POST', `/consults/${consult.id}/admit`, { token: doc.token, body: { participantId: patient.patientId } });
    const pat = await world.ok(200, 'POST', `/consults/${consult.id}/join`, { token: patient.token });
    const meetingId = host.meeting.MeetingId;

    await presence(meetingId, host.attendee.AttendeeId, 'join');
    await presence(meetingId, pat.attendee.AttendeeId, 'join');
    await presence(meetingId, pat.attendee.AttendeeId, 'drop');
    await presence(meetingId, pat.attendee.AttendeeId, 'join');
    const sessionsOf = (view: any, participantId: string) => view.participants.find((p: any) => p.participantId === participantId).sessions;
    const live = await vi.waitFor(
      async () => {
        const view = await world.ok(200, 'GET', `/consults/${consult.id}`, { token: doc.token });
        expect(sessionsOf(view, patient.patientId)).toHaveLength(2);
        expect(view.participants.find((p: any) => p.participantId === patient.patientId).present).toBe(true);
        return view;
      },
      { timeout: 5000, interval: 50 },
    );
    expect(sessionsOf(live, patient.patientId)[0]).toMatchObject({ endedBy: 'dropped' });
    expect(sessionsOf(live, doc.practitionerId)).toEqual([{ joinedAt: expect.any(String) }]);

    // EventBridge delivers at least once: the same event again changes nothing.
    const record = consultEventsHandlerFrom(world.stack.deps);
    const redelivered = {
      version: '0', id: 'evt-fixed-1', 'detail-type': 'Chime Meeting State Change', source: 'aws.chime', account: '000000000000',
      time: new Date().toISOString(), region: 'us-east-1', resources: [],
      detail: { version: '0', eventType: 'chime:AttendeeLeft', timestamp: Date.now(), meetingId, attendeeId: pat.attendee.AttendeeId, externalUserId: patient.userId, mediaRegion: 'us-east-1' },
    };
    await record(redelivered);
    await record(redelivered);
    const timeline = await world.ok(200, 'GET', `/consults/${consult.id}/timeline?limit=200`, { token: doc.token });
    expect(timeline.items.filter((entry: any) => entry.entryId === 'chime-evt-fixed-1')).toHaveLength(1);
    expect(timeline.items.map((entry: any) => entry.type)).toEqual(
      expect.arrayContaining(['consult-started', 'meeting-created', 'lobby-entered', 'admitted', 'joined', 'dropped', 'left']),
    );
    expect(timeline.items.find((entry: any) => entry.type === 'dropped')).toMatchObject({ participantId: patient.patientId, attendeeId: pat.attendee.AttendeeId, source: 'chime' });
    const paged = await world.ok(200, 'GET', `/consults/${consult.id}/timeline?limit=2`, { token: doc.token });
    expect(paged.items).toHaveLength(2);
    const next = await world.ok(200, 'GET', `/consults/${consult.id}/timeline?limit=2&cursor=${paged.nextCursor}`, { token: doc.token });
    expect(next.items[0].entryId).toBe(timeline.items[2].entryId);

    const endedConsult = await world.ok(200, 'POST', `/consults/${consult.id}/end`, { token: doc.token });
    expect(endedConsult).toMatchObject({ status: 'ended', endedAt: expect.any(String), durationSeconds: expect.any(Number) });
    expect(endedConsult.meeting).toBeUndefined();
    for (const participant of endedConsult.participants) {
      for (const session of participant.sessions) expect(session.leftAt).toEqual(expect.any(String));
    }
    await expect(world.stack.deps.chime.send(new GetMeetingCommand({ MeetingId: meetingId }))).rejects.toBeInstanceOf(NotFoundException);
    expect((await world.ok(200, 'GET', `/appointments/${appointment.id}`, { token: doc.token })).status).toBe('completed');
    // Chime's MeetingEnded event arrives too.
    await vi.waitFor(async () => {
      const after = await world.ok(200, 'GET', `/consults/${consult.id}/timeline?limit=200`, { token: doc.token });
      expect(after.items.map((entry: any) => entry.type)).toEqual(expect.arrayContaining(['consult-ended', 'meeting-ended']));
    });

    expect((await world.call('POST', `/consults/${consult.id}/join`, { token: patient.token })).status).toBe(409);
    expect((await world.call('POST', '/consults', { token: doc.token, body: { appointmentId: appointment.id } })).status).toBe(409);
    const endAgain = await world.ok(200, 'POST', `/consults/${consult.id}/end`, { token: doc.token });
    expect(endAgain.endedAt).toBe(endedConsult.endedAt);
  });

  it('makes a new meeting when Chime ended the empty one by itself', async () => {
    const { doc, consult } = await started();
    const first = await world.ok(200, 'POST', `/consults/${consult.id}/join`, { token: doc.token });
    // As Chime does after minutes without attendees; the MeetingEnded event follows.
    await world.stack.deps.chime.send(new (await import('@aws-sdk/client-chime-sdk-meetings')).DeleteMeetingCommand({ MeetingId: first.meeting.MeetingId }));
    await vi.waitFor(async () => expect((await world.ok(200, 'GET', `/consults/${consult.id}`, { token: doc.token })).meeting).toBeUndefined());
    const second = await world.ok(200, 'POST', `/consults/${consult.id}/join`, { token: doc.token });
    expect(second.meeting.MeetingId).not.toBe(first.meeting.MeetingId);
    expect(second.attendee.AttendeeId).not.toBe(first.attendee.AttendeeId);
  });
});

describe('authorization', () => {
  it('hides a consult from other patients and strangers, and lets the care team read but not join', async () => {
    const { doc, patient, consult } = await started();
    const otherPatient = await world.patient();
    const stranger = await world.practitioner();
    const colleague = await world.practitioner();
    await world.ok(201, 'POST', `/patients/${patient.patientId}/care-team`, { token: world.admin.token, body: { practitionerId: colleague.practitionerId } });

    for (const [method, path] of [
      ['GET', `/consults/${consult.id}`],
      ['POST', `/consults/${consult.id}/join`],
      ['GET', `/appointments/${consult.appointmentId}/consult`],
    ] as const) {
      const other = await world.call(method, path, { token: otherPatient.token });
      expect(other.status, `${method} ${path}`).toBe(404);
      expect(other.body.detail).toBe('consult not found');
      expect((await world.call(method, path, { token: stranger.token })).status, `${method} ${path}`).toBe(404);
    }
    expect((await world.call('POST', `/consults/${consult.id}/admit`, { token: stranger.token, body: { participantId: patient.patientId } })).status).toBe(404);

    expect((await world.call('GET', `/consults/${consult.id}`, { token: colleague.token })).status).toBe(200);
    expect((await world.call('GET', `/consults/${consult.id}/timeline`, { token: colleague.token })).status).toBe(200);
    expect((await world.call('POST', `/consults/${consult.id}/join`, { token: colleague.token })).status).toBe(403);
    expect((await world.call('GET', `/consults/${consult.id}/lobby`, { token: colleague.token })).status).toBe(403);
    expect((await world.call('POST', `/consults/${consult.id}/end`, { token: colleague.token })).status).toBe(403);

    expect((await world.call('GET', `/consults/${consult.id}`, { token: world.admin.token })).status).toBe(200);
    expect((await world.call('POST', `/consults/${consult.id}/join`, { token: world.admin.token })).status).toBe(403);
    expect((await world.call('GET', `/consults/${consult.id}`)).status).toBe(401);
    expect((await world.call('GET', `/consults/${consult.id}/timeline`, { token: patient.token })).status).toBe(403);
    expect((await world.call('POST', `/consults/${consult.id}/end`, { token: patient.token })).status).toBe(403);
    expect((await world.call('GET', '/consults/cons_01JD40A1B2C3D4E5F6G7H8J9KM', { token: doc.token })).status).toBe(404);
  });

  it("puts every consult action in the patient's audit trail", async () => {
    const { doc, patient, consult } = await started();
    await world.ok(200, 'POST', `/consults/${consult.id}/join`, { token: patient.token });
    const other = await world.patient();
    await world.call('GET', `/consults/${consult.id}`, { token: other.token });
    const trail = await world.ok(200, 'GET', `/patients/${patient.patientId}/audit?limit=200`, { token: world.admin.token });
    const consultEntries = trail.items.filter((entry: any) => entry.resourceType === 'consult');
    expect(consultEntries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'startConsult', actorId: doc.userId, actorRole: 'clinician', resourceId: consult.id, outcome: 'allowed' }),
        expect.objectContaining({ action: 'joinConsult', actorId: patient.userId, actorRole: 'patient', resourceId: consult.id, outcome: 'allowed' }),
        expect.objectContaining({ action: 'getConsult', actorId: other.userId, outcome: 'denied' }),
      ]),
    );
  });
});
