import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { PatientAccess } from '../access/patient-access.js';
import { NotYours } from '../access/policy.js';
import { callerOf, type ApiRequest, type ApiResponse, type Caller, type Operations } from '../api/operation.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Auditing } from '../audit/audited.js';
import type { RecordsStore } from '../records/store.js';
import { isLifecycleStatus, type StoredAppointment } from '../scheduling/model.js';
import type { AppointmentStore } from '../scheduling/ports.js';
import { Conflict, Forbidden, NotFound, PreconditionFailed, TooManyRequests, Unauthorized, ValidationError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { completeAppointment, startAppointment } from './appointment-link.js';
import { auditedConsult, type ConsultActor, type ConsultAuditTarget } from './audit.js';
import { decideConsultAccess, type ConsultAction, type ConsultFacts } from './domain/access.js';
import { parseIfMatch, patientMaySee, requireSigned, versionForSave, versionForSigning, type ExpectedVersion, type NoteVersion } from './domain/notes.js';
import {
  capabilitiesFor,
  externalUserIdFor,
  joinOutcome,
  moderate,
  sameCapabilities,
  seatDelta,
  strongest,
  type ModerationAction,
} from './domain/participants.js';
import { guestSessionToken, hashSecret, newSecret, parseGuestSession, secretMatches } from './domain/secrets.js';
import { durationSeconds, type TimelineEntry, type TimelineType } from './domain/timeline.js';
import { CONSULT_APPOINTMENT_TYPES, type ChimeAttendee, type StoredConsult, type StoredParticipant } from './model.js';
import { MeetingGone, type ConsultStore, type InviteStore, type Meetings, type NoteStore, type RateLimiter } from './ports.js';
import type {
  addendumBody,
  consultPageQuery,
  guestJoinBody,
  inviteBody,
  joinConsultBody,
  participantBody,
  putNoteBody,
  redeemInviteBody,
  startConsultBody,
} from './schemas.js';
import type { ConsultSettings } from './settings.js';
import { consultView, etag, noteVersionView, noteView, participantView, timelineEntryView } from './views.js';

export interface ConsultPorts {
  readonly records: RecordsStore;
  readonly access: PatientAccess;
  readonly audit: AuditLog;
  readonly appointments: AppointmentStore;
  readonly consults: ConsultStore;
  readonly notes: NoteStore;
  readonly invites: InviteStore;
  readonly rateLimits: RateLimiter;
  readonly meetings: Meetings;
  readonly settings: ConsultSettings;
  /** Where meeting media is hosted (RuntimeConfig.chimeMediaRegion). */
  readonly mediaRegion: string;
  readonly now: () => Date;
}

const CONSULT_NOT_FOUND = 'consult not found';
const APPOINTMENT_NOT_FOUND = 'appointment not found';
/** One answer for unknown, used and expired links: the caller learns nothing about which. */
const INVITE_INVALID = 'this invite link is not valid (unknown, already used or expired); ask the host for a new one';
const GUEST_SESSION_INVALID = 'the guest session is not valid; open the invite link again or ask the host for a new one';

const FORBIDDEN: Readonly<Record<ConsultAction, string>> = {
  read: 'you may not read this consult',
  join: 'you are not a participant of this consult',
  moderate: "only the consult's host may do this",
  'write-notes': "only the consult's host writes and signs its note",
  'read-notes': "you may not read this consult's note",
  'read-note-history': "only the patient's care team reads a note's history",
  'add-addendum': "only the patient's care team adds addenda",
  'read-timeline': "you may not read this consult's timeline",
};

const ended = () => new Conflict('this consult has ended');
const changedMeanwhile = () => new Conflict('the consult changed meanwhile; try again');
const actorOf = (caller: Caller): ConsultActor => ({ id: caller.userId, role: caller.role });

function ifMatch(request: ApiRequest): ExpectedVersion {
  const expected = parseIfMatch(request.headers['if-match']);
  if (expected === 'invalid') throw new ValidationError('invalid If-Match', [{ field: 'header.if-match', message: 'must be the version from the ETag, e.g. "3"' }]);
  return expected;
}

interface Authorized {
  consult: StoredConsult;
  participants: StoredParticipant[];
  /** The caller's own participant record, if any (host, patient or invitee). */
  me?: StoredParticipant;
  facts: ConsultFacts;
}

export function createConsultOperations(ports: ConsultPorts): Operations {
  const { records, access, appointments, consults, notes, invites, rateLimits, meetings, settings, now } = ports;
  const auditing: Auditing = { log: ports.audit, now };
  const iso = () => now().toISOString();

  /** Appends an API entry to the timeline; deterministic ids (start, end) make a retried request write it once. */
  async function record(consultId: string, type: TimelineType, fields: Partial<Omit<TimelineEntry, 'consultId' | 'type' | 'source'>> = {}): Promise<void> {
    await consults.appendTimeline({ entryId: randomUUID(), at: iso(), ...fields, consultId, type, source: 'api' });
  }

  async function authorize(caller: Caller, consultId: string, action: ConsultAction, target: ConsultAuditTarget): Promise<Authorized> {
    const consult = await consults.get(consultId);
    if (!consult) throw new NotFound(CONSULT_NOT_FOUND);
    target.patientId = consult.patientId;
    target.resourceId ??= consult.id;
    const patient = await records.getPatient(consult.patientId);
    if (!patient) throw new NotFound(CONSULT_NOT_FOUND);
    // Care team and "is this the patient" come from the shared access policy; the consult adds host and invitees.
    const patientFacts = await access.factsFor(caller, patient, consult.practitionerId);
    const participants = await consults.listParticipants(consult.id);
    const mine = participants.filter((participant) => participant.userId === caller.userId);
    const invitee = strongest(mine.filter((participant) => participant.kind !== 'host' && participant.kind !== 'patient'));
    const facts: ConsultFacts = {
      role: caller.role,
      isHost: patientFacts.isAppointmentPractitioner === true,
      isPatientSelf: patientFacts.isPatientSelf,
      isCareTeam: patientFacts.isCareTeam,
      ...(invitee ? { participant: { kind: invitee.kind, status: invitee.status } } : {}),
    };
    const decision = decideConsultAccess(facts, action);
    if (decision === 'hide') throw new NotYours(CONSULT_NOT_FOUND);
    if (decision === 'forbid') {
      // A denied or removed invitee is told why rather than that they are no participant.
      if (invitee && (invitee.status === 'denied' || invitee.status === 'removed')) joinOutcome(invitee.kind, invitee.status);
      throw new Forbidden(FORBIDDEN[action]);
    }
    return { consult, participants, me: strongest(mine), facts };
  }

  async function reread(consultId: string): Promise<StoredConsult> {
    const consult = await consults.get(consultId);
    if (!consult) throw new NotFound(CONSULT_NOT_FOUND);
    return consult;
  }

  async function fullView(consult: StoredConsult) {
    const [participants, timeline] = await Promise.all([consults.listParticipants(consult.id), consults.allTimeline(consult.id)]);
    return consultView(consult, participants, timeline);
  }

  /** The consult of an appointment, created with its host and patient; a crash halfway is completed by the retry. */
  async function createConsult(appointment: StoredAppointment, caller: Caller): Promise<{ consult: StoredConsult; created: boolean }> {
    const at = now();
    const consultId = await consults.linkAppointment(appointment.id, newId('cons', at.getTime()), at);
    const found = await consults.get(consultId);
    if (found) return { consult: found, created: false };
    const [practitioner, patient] = await Promise.all([records.getPractitioner(appointment.practitionerId), records.getPatient(appointment.patientId)]);
    if (!practitioner || !patient) throw new NotFound(APPOINTMENT_NOT_FOUND);
    const stamp = at.toISOString();
    const base = { consultId, guest: false, createdAt: stamp, statusChangedAt: stamp, version: 1 };
    const host: StoredParticipant = {
      ...base,
      participantId: practitioner.id,
      kind: 'host',
      status: 'admitted',
      admittedAt: stamp,
      userId: practitioner.userId,
      externalUserId: externalUserIdFor({ participantId: practitioner.id, userId: practitioner.userId }),
    };
    const patientParticipant: StoredParticipant = {
      ...base,
      participantId: patient.id,
      kind: 'patient',
      status: 'invited',
      userId: patient.userId,
      externalUserId: externalUserIdFor({ participantId: patient.id, userId: patient.userId }),
    };
    // Participants before the consult item: once the consult exists, so do they.
    await Promise.all([consults.createParticipant(host), consults.createParticipant(patientParticipant)]);
    const consult: StoredConsult = {
      id: consultId,
      appointmentId: appointment.id,
      patientId: appointment.patientId,
      practitionerId: appointment.practitionerId,
      facilityId: appointment.facilityId,
      status: 'live',
      startedAt: stamp,
      startedBy: caller.userId,
      maxParticipants: settings.maxParticipants,
      seats: 2,
      meetingGeneration: 0,
      version: 1,
      updatedAt: stamp,
    };
    if (!(await consults.create(consult))) return { consult: await reread(consultId), created: false };
    await record(consultId, 'consult-started', { entryId: 'started', at: stamp, actorId: caller.userId });
    return { consult, created: true };
  }

  /**
   * The consult's live Chime meeting, created when there is none: at the start, and again after Chime ended an empty
   * meeting by itself. The client request token (the appointment id, plus the generation after the first) makes
   * concurrent creators get the same meeting; the conditional update makes one of them record it.
   */
  async function ensureMeeting(consult: StoredConsult): Promise<StoredConsult & { meeting: NonNullable<StoredConsult['meeting']> }> {
    let current = consult;
    for (let attempt = 0; attempt < 4; attempt += 1) {
      if (current.status !== 'live') throw ended();
      if (current.meeting?.MeetingId) return current as StoredConsult & { meeting: NonNullable<StoredConsult['meeting']> };
      const generation = current.meetingGeneration + 1;
      const meeting = await meetings.createMeeting({
        clientRequestToken: generation === 1 ? current.appointmentId : `${current.appointmentId}-${generation}`,
        externalMeetingId: current.appointmentId,
        mediaRegion: ports.mediaRegion,
        maxAttendees: current.maxParticipants,
      });
      // The link first: events of the meeting may arrive as soon as anyone joins it.
      await consults.linkMeeting(meeting.MeetingId!, current.id);
      const updated = await consults.update(current, { meeting, meetingGeneration: generation }, now());
      if (updated) {
        await record(current.id, 'meeting-created', { entryId: `meeting-${generation}`, meetingId: meeting.MeetingId });
        current = updated;
      } else {
        current = await reread(current.id);
      }
    }
    throw changedMeanwhile();
  }

  /** Brings a participant in (a Chime attendee of their own), or into the lobby. Shared by account holders and guests. */
  async function join(consult: StoredConsult, participant: StoredParticipant, audioOnly: boolean, actorId: string): Promise<ApiResponse> {
    if (consult.status !== 'live') throw ended();
    let current = participant;
    for (let attempt = 0; ; attempt += 1) {
      const outcome = joinOutcome(current.kind, current.status);
      if (outcome === current.status) break;
      const at = iso();
      const updated = await consults.updateParticipant(current, {
        status: outcome,
        statusChangedAt: at,
        statusChangedBy: actorId,
        ...(outcome === 'admitted' ? { admittedAt: at } : {}),
      });
      if (updated) {
        await record(consult.id, outcome === 'admitted' ? 'admitted' : 'lobby-entered', { at, participantId: current.participantId, actorId });
        current = updated;
        break;
      }
      if (attempt >= 2) throw changedMeanwhile();
      current = (await consults.getParticipant(consult.id, current.participantId)) ?? current;
    }
    if (current.status === 'waiting') return { status: 200, body: { status: 'waiting', participantId: current.participantId } };

    const capabilities = capabilitiesFor(audioOnly);
    let live = await ensureMeeting(consult);
    let attendee: ChimeAttendee;
    try {
      attendee = await meetings.createAttendee(live.meeting.MeetingId!, current.externalUserId, capabilities);
    } catch (error) {
      if (!(error instanceof MeetingGone)) throw error;
      // Chime ended the meeting before its event reached us: forget it and make the next one.
      await consults.clearMeeting(live.id, live.meeting.MeetingId!, now());
      live = await ensureMeeting(await reread(live.id));
      attendee = await meetings.createAttendee(live.meeting.MeetingId!, current.externalUserId, capabilities);
    }
    const meetingId = live.meeting.MeetingId!;
    // Joining again returns the same attendee; a change between audio-only and full is applied to it.
    if (!sameCapabilities(attendee.Capabilities, capabilities)) attendee = await meetings.updateCapabilities(meetingId, attendee.AttendeeId!, capabilities);
    const saved = await consults.setAttendee(consult.id, current.participantId, { attendeeId: attendee.AttendeeId!, attendeeMeetingId: meetingId, capabilities });
    if (!saved) {
      // Removed while joining: the attendee just made must not outlive the decision.
      await meetings.deleteAttendee(meetingId, attendee.AttendeeId!);
      throw new Forbidden('you were removed from this consult');
    }
    return { status: 200, body: { status: 'admitted', participantId: current.participantId, meeting: live.meeting, attendee } };
  }

  /** Admit, deny or remove: the status change, the place it takes or frees, and the attendee it disconnects. */
  function moderation(action: ModerationAction, timelineType: TimelineType) {
    return (request: ApiRequest) => {
      const caller = callerOf(request);
      const { participantId } = request.body as z.infer<typeof participantBody>;
      return auditedConsult(auditing, request, actorOf(caller), { resourceType: 'consult-participant', resourceId: participantId }, async (target) => {
        const { consult } = await authorize(caller, request.params.id!, 'moderate', target);
        target.resourceId = participantId;
        if (consult.status !== 'live') throw ended();
        for (let attempt = 0; attempt < 3; attempt += 1) {
          const participant = await consults.getParticipant(consult.id, participantId);
          if (!participant) throw new NotFound('participant not found');
          const next = moderate(participant.kind, participant.status, action);
          if (next === participant.status) return { status: 200, body: participantView(participant) };
          const delta = seatDelta(participant.status, next);
          if (delta > 0 && !(await consults.takeSeat(consult.id, consult.maxParticipants))) {
            throw new Conflict(`the consult is full (${consult.maxParticipants} participants)`);
          }
          const at = iso();
          const updated = await consults.updateParticipant(participant, {
            status: next,
            statusChangedAt: at,
            statusChangedBy: caller.userId,
            ...(next === 'admitted' ? { admittedAt: at } : {}),
          });
          if (!updated) {
            if (delta > 0) await consults.releaseSeat(consult.id);
            continue;
          }
          if (delta < 0) await consults.releaseSeat(consult.id);
          // The attendee as written (ALL_NEW), not as read: a join may have recorded one in between.
          if (next === 'removed' && updated.attendeeId && updated.attendeeMeetingId) await meetings.deleteAttendee(updated.attendeeMeetingId, updated.attendeeId);
          await record(consult.id, timelineType, { at, participantId, actorId: caller.userId });
          return { status: 200, body: participantView(updated) };
        }
        throw changedMeanwhile();
      });
    };
  }

  /** Note operations share loading and audit. */
  function noteOperation(action: ConsultAction, work: (authorized: Authorized, request: ApiRequest, caller: Caller) => Promise<ApiResponse>) {
    return (request: ApiRequest) => {
      const caller = callerOf(request);
      return auditedConsult(auditing, request, actorOf(caller), { resourceType: 'consult-note' }, async (target) =>
        work(await authorize(caller, request.params.id!, action, target), request, caller),
      );
    };
  }

  const noteChangedMeanwhile = async (consultId: string) => {
    const latest = await notes.latest(consultId);
    return latest?.status === 'signed'
      ? new Conflict('the note is signed and locked; add an addendum instead')
      : new PreconditionFailed('the note changed meanwhile; fetch it and try again');
  };

  return {
    startConsult: async (request) => {
      const caller = callerOf(request);
      const body = request.body as z.infer<typeof startConsultBody>;
      return auditedConsult(auditing, request, actorOf(caller), { resourceType: 'consult' }, async (target) => {
        const appointment = await appointments.get(body.appointmentId);
        if (!appointment || !isLifecycleStatus(appointment.status)) throw new NotFound(APPOINTMENT_NOT_FOUND);
        target.patientId = appointment.patientId;
        target.resourceId = appointment.id;
        const { facts } = await access.requirePatient(caller, appointment.patientId, 'read', {
          appointmentPractitionerId: appointment.practitionerId,
          hiddenAs: APPOINTMENT_NOT_FOUND,
        });
        access.requireAppointmentAction(facts, 'conduct', APPOINTMENT_NOT_FOUND);
        if (!(CONSULT_APPOINTMENT_TYPES as readonly string[]).includes(appointment.type)) {
          throw new Conflict('only video and telerehab appointments are held as video consults');
        }
        const existingId = await consults.consultIdOfAppointment(appointment.id);
        const existing = existingId ? await consults.get(existingId) : undefined;
        if (existing?.status === 'ended') throw ended();
        // The appointment first: a retry after a crash finds it in progress and carries on with the consult.
        if (!existing) await startAppointment(appointments, appointment, now());
        const { consult, created } = existing ? { consult: existing, created: false } : await createConsult(appointment, caller);
        target.resourceId = consult.id;
        const live = await ensureMeeting(consult);
        // 201 for the request that created it; every other start (repeated or concurrent) gets the same consult.
        return { status: created ? 201 : 200, body: await fullView(live) };
      });
    },

    getConsult: async (request) => {
      const caller = callerOf(request);
      return auditedConsult(auditing, request, actorOf(caller), { resourceType: 'consult' }, async (target) => {
        const { consult } = await authorize(caller, request.params.id!, 'read', target);
        return { status: 200, body: await fullView(consult) };
      });
    },

    getAppointmentConsult: async (request) => {
      const caller = callerOf(request);
      return auditedConsult(auditing, request, actorOf(caller), { resourceType: 'consult' }, async (target) => {
        // No consult and not yours read alike: both 404.
        const consultId = await consults.consultIdOfAppointment(request.params.id!);
        if (!consultId) throw new NotFound(CONSULT_NOT_FOUND);
        const { consult } = await authorize(caller, consultId, 'read', target);
        return { status: 200, body: await fullView(consult) };
      });
    },

    joinConsult: async (request) => {
      const caller = callerOf(request);
      const body = request.body as z.infer<typeof joinConsultBody>;
      return auditedConsult(auditing, request, actorOf(caller), { resourceType: 'consult' }, async (target) => {
        const { consult, me } = await authorize(caller, request.params.id!, 'join', target);
        if (!me) throw new Forbidden(FORBIDDEN.join);
        return join(consult, me, body?.audioOnly === true, caller.userId);
      });
    },

    getConsultLobby: async (request) => {
      const caller = callerOf(request);
      return auditedConsult(auditing, request, actorOf(caller), { resourceType: 'consult' }, async (target) => {
        const { participants } = await authorize(caller, request.params.id!, 'moderate', target);
        const waiting = participants.filter((participant) => participant.status === 'waiting');
        waiting.sort((a, b) => (a.statusChangedAt < b.statusChangedAt ? -1 : a.statusChangedAt > b.statusChangedAt ? 1 : 0));
        return { status: 200, body: { items: waiting.map((participant) => participantView(participant)) } };
      });
    },

    admitConsultParticipant: moderation('admit', 'admitted'),
    denyConsultParticipant: moderation('deny', 'denied'),
    removeConsultParticipant: moderation('remove', 'removed'),

    inviteToConsult: async (request) => {
      const caller = callerOf(request);
      const body = request.body as z.infer<typeof inviteBody>;
      return auditedConsult(auditing, request, actorOf(caller), { resourceType: 'consult-invite' }, async (target) => {
        const { consult, participants } = await authorize(caller, request.params.id!, 'moderate', target);
        if (consult.status !== 'live') throw ended();
        const at = now();
        const stamp = at.toISOString();
        let participant: StoredParticipant;
        if (body.kind === 'practitioner') {
          const practitioner = await records.getPractitioner(body.practitionerId!);
          if (!practitioner) throw new ValidationError('invalid body', [{ field: 'body.practitionerId', message: 'is not a known practitioner' }]);
          if (practitioner.id === consult.practitionerId) throw new Conflict('the host is in this consult already');
          const existing = participants.find((candidate) => candidate.participantId === practitioner.id);
          if (existing) return { status: 200, body: { participant: participantView(existing) } };
          participant = {
            consultId: consult.id,
            participantId: practitioner.id,
            kind: 'practitioner',
            status: 'invited',
            userId: practitioner.userId,
            guest: false,
            externalUserId: externalUserIdFor({ participantId: practitioner.id, userId: practitioner.userId }),
            createdAt: stamp,
            invitedBy: caller.userId,
            statusChangedAt: stamp,
            statusChangedBy: caller.userId,
            version: 1,
          };
        } else {
          if (body.userId) {
            const existing = participants.find((candidate) => candidate.userId === body.userId);
            if (existing?.kind === 'host' || existing?.kind === 'patient') throw new Conflict('this person is in this consult already');
            // The same account invited again is the same participant: a retry changes nothing.
            if (existing) return { status: 200, body: { participant: participantView(existing) } };
          }
          const participantId = newId('inv', at.getTime());
          participant = {
            consultId: consult.id,
            participantId,
            kind: body.kind,
            status: 'invited',
            ...(body.userId ? { userId: body.userId } : {}),
            guest: !body.userId,
            externalUserId: externalUserIdFor({ participantId, userId: body.userId }),
            createdAt: stamp,
            invitedBy: caller.userId,
            statusChangedAt: stamp,
            statusChangedBy: caller.userId,
            version: 1,
          };
        }
        target.resourceId = participant.participantId;
        if (!(await consults.takeSeat(consult.id, consult.maxParticipants))) throw new Conflict(`the consult is full (${consult.maxParticipants} participants)`);
        if (!(await consults.createParticipant(participant))) {
          await consults.releaseSeat(consult.id);
          const existing = await consults.getParticipant(consult.id, participant.participantId);
          return { status: 200, body: { participant: participantView(existing ?? participant) } };
        }
        let invite: { token: string; expiresAt: string } | undefined;
        if (participant.guest) {
          // The token is shown once, here; only its hash is kept.
          const token = newSecret();
          const validUntil = new Date(at.getTime() + settings.inviteTtlSeconds * 1000).toISOString();
          await invites.put({ tokenHash: hashSecret(token), consultId: consult.id, participantId: participant.participantId, validUntil, createdAt: stamp });
          invite = { token, expiresAt: validUntil };
        }
        await record(consult.id, 'invited', { at: stamp, participantId: participant.participantId, actorId: caller.userId });
        return { status: 201, body: { participant: participantView(participant), ...(invite ? { invite } : {}) } };
      });
    },

    endConsult: async (request) => {
      const caller = callerOf(request);
      return auditedConsult(auditing, request, actorOf(caller), { resourceType: 'consult' }, async (target) => {
        let { consult } = await authorize(caller, request.params.id!, 'moderate', target);
        for (let attempt = 0; consult.status === 'live'; attempt += 1) {
          if (attempt >= 3) throw changedMeanwhile();
          const endedAt = iso();
          const updated = await consults.update(
            consult,
            {
              status: 'ended',
              endedAt,
              endedBy: caller.userId,
              durationSeconds: durationSeconds(consult.startedAt, endedAt),
              meeting: null,
              lastMeetingId: consult.meeting?.MeetingId,
            },
            now(),
          );
          consult = updated ?? (await reread(consult.id));
        }
        // Every step from here is idempotent, so ending again finishes what an interrupted end left undone.
        if (consult.lastMeetingId) await meetings.deleteMeeting(consult.lastMeetingId);
        await record(consult.id, 'consult-ended', { entryId: 'ended', at: consult.endedAt!, actorId: consult.endedBy });
        await completeAppointment(appointments, consult.appointmentId, now());
        return { status: 200, body: await fullView(consult) };
      });
    },

    getConsultTimeline: async (request) => {
      const caller = callerOf(request);
      const query = request.query as z.infer<typeof consultPageQuery>;
      return auditedConsult(auditing, request, actorOf(caller), { resourceType: 'consult' }, async (target) => {
        const { consult } = await authorize(caller, request.params.id!, 'read-timeline', target);
        const page = await consults.listTimeline(consult.id, query);
        return { status: 200, body: { ...page, items: page.items.map(timelineEntryView) } };
      });
    },

    getConsultNote: noteOperation('read-notes', async ({ consult, facts }) => {
      // Patients learn nothing about a note they may not see: the setting first, and a hidden note reads like none.
      if (facts.role === 'patient' && settings.notesPatientVisibility === 'never') throw new Forbidden("consult notes are not shared with patients");
      const latest = await notes.latest(consult.id);
      if (!latest) throw new NotFound('this consult has no note yet');
      if (facts.role === 'patient' && !patientMaySee(settings.notesPatientVisibility, latest)) throw new NotFound('this consult has no note yet');
      return { status: 200, body: noteView(latest, await notes.listAddenda(consult.id)), headers: etag(latest.version) };
    }),

    putConsultNote: noteOperation('write-notes', async ({ consult }, request, caller) => {
      const soap = request.body as z.infer<typeof putNoteBody>;
      const latest = await notes.latest(consult.id);
      const version = versionForSave(latest, ifMatch(request));
      const note: NoteVersion = { consultId: consult.id, version, status: 'draft', soap, authorId: caller.userId, createdAt: iso() };
      if (!(await notes.putVersion(note))) throw await noteChangedMeanwhile(consult.id);
      return { status: 200, body: noteView(note, []), headers: etag(version) };
    }),

    signConsultNote: noteOperation('write-notes', async ({ consult }, request, caller) => {
      const latest = await notes.latest(consult.id);
      const version = versionForSigning(latest, ifMatch(request));
      const at = iso();
      const signed: NoteVersion = { ...latest!, version, status: 'signed', authorId: caller.userId, createdAt: at, signedAt: at };
      if (!(await notes.putVersion(signed))) throw await noteChangedMeanwhile(consult.id);
      return { status: 200, body: noteView(signed, await notes.listAddenda(consult.id)), headers: etag(version) };
    }),

    addConsultNoteAddendum: noteOperation('add-addendum', async ({ consult }, request, caller) => {
      const { text } = request.body as z.infer<typeof addendumBody>;
      requireSigned(await notes.latest(consult.id));
      const at = now();
      const addendum = { consultId: consult.id, addendumId: newId('note', at.getTime()), text, authorId: caller.userId, createdAt: at.toISOString() };
      await notes.putAddendum(addendum);
      const { consultId: _consultId, ...view } = addendum;
      return { status: 201, body: view };
    }),

    listConsultNoteVersions: noteOperation('read-note-history', async ({ consult }, request) => {
      const query = request.query as z.infer<typeof consultPageQuery>;
      const page = await notes.listVersions(consult.id, query);
      return { status: 200, body: { ...page, items: page.items.map(noteVersionView) } };
    }),

    redeemConsultInvite: async (request) => {
      const { token } = request.body as z.infer<typeof redeemInviteBody>;
      const tokenHash = hashSecret(token);
      const at = now();
      if (!(await rateLimits.hit(`redeem-token#${tokenHash}`, settings.redeemPerToken.limit, settings.redeemPerToken.windowSeconds, at))) {
        throw new TooManyRequests('too many attempts with this invite link; try again later');
      }
      const invite = await invites.get(tokenHash);
      const consult = invite && (await consults.get(invite.consultId));
      if (!invite || !consult) throw new NotFound(INVITE_INVALID);
      const actor: ConsultActor = { id: invite.participantId, role: 'guest' };
      const target: ConsultAuditTarget = { patientId: consult.patientId, resourceType: 'consult-invite', resourceId: invite.participantId };
      return auditedConsult(auditing, request, actor, target, async () => {
        // Used and expired links read exactly like unknown ones, whatever became of the consult since (consume re-checks).
        if (invite.usedAt !== undefined || invite.validUntil <= at.toISOString()) throw new NotFound(INVITE_INVALID);
        if (!(await rateLimits.hit(`redeem-consult#${consult.id}`, settings.redeemPerConsult.limit, settings.redeemPerConsult.windowSeconds, at))) {
          throw new TooManyRequests('too many invite redemptions for this consult; try again later');
        }
        if (consult.status !== 'live') throw ended();
        if (!(await invites.consume(tokenHash, at))) throw new NotFound(INVITE_INVALID);
        const participant = await consults.getParticipant(consult.id, invite.participantId);
        // Removed (or denied) before the link was used: the link died with the invitation.
        if (!participant || participant.status !== 'invited') throw new NotFound(INVITE_INVALID);
        const secret = newSecret();
        const stamp = at.toISOString();
        const sessionValidUntil = new Date(at.getTime() + settings.guestSessionTtlSeconds * 1000).toISOString();
        const updated = await consults.updateParticipant(participant, {
          status: 'waiting',
          statusChangedAt: stamp,
          statusChangedBy: participant.participantId,
          guestSessionHash: hashSecret(secret),
          guestSessionValidUntil: sessionValidUntil,
        });
        if (!updated) throw new Conflict('the invitation changed meanwhile; ask the host for a new link');
        await record(consult.id, 'lobby-entered', { at: stamp, participantId: participant.participantId, actorId: participant.participantId });
        return {
          status: 201,
          body: { consultId: consult.id, participantId: participant.participantId, status: 'waiting', session: guestSessionToken(participant.participantId, secret), sessionValidUntil },
        };
      });
    },

    joinConsultAsGuest: async (request) => {
      const body = request.body as z.infer<typeof guestJoinBody>;
      const session = parseGuestSession(body.session);
      const consultId = request.params.id!;
      const participant = session && (await consults.getParticipant(consultId, session.participantId));
      const valid =
        session !== undefined &&
        participant?.guest === true &&
        secretMatches(session.secret, participant.guestSessionHash) &&
        participant.guestSessionValidUntil !== undefined &&
        participant.guestSessionValidUntil > iso();
      const consult = valid ? await consults.get(consultId) : undefined;
      if (!valid || !participant || !consult) throw new Unauthorized(GUEST_SESSION_INVALID);
      const actor: ConsultActor = { id: participant.participantId, role: 'guest' };
      return auditedConsult(auditing, request, actor, { patientId: consult.patientId, resourceType: 'consult', resourceId: consult.id }, async () => {
        const limit = settings.guestJoinPerParticipant;
        if (!(await rateLimits.hit(`guest-join#${participant.participantId}`, limit.limit, limit.windowSeconds, now()))) {
          throw new TooManyRequests('too many join attempts; wait a little between them');
        }
        return join(consult, participant, body.audioOnly === true, participant.participantId);
      });
    },
  };
}
