import { randomUUID } from 'node:crypto';
import type { AuditEntry, AuditLog } from '../../../lambdas/audit/audit-log.js';
import type { NoteAddendum, NoteVersion } from '../../../lambdas/consults/domain/notes.js';
import type { Capabilities } from '../../../lambdas/consults/domain/participants.js';
import type { TimelineEntry } from '../../../lambdas/consults/domain/timeline.js';
import type { ChimeAttendee, ChimeMeeting, StoredConsult, StoredInvite, StoredParticipant } from '../../../lambdas/consults/model.js';
import { MeetingGone, type ConsultChanges, type ConsultStore, type InviteStore, type Meetings, type NoteStore, type ParticipantChanges, type RateLimiter } from '../../../lambdas/consults/ports.js';
import type { Page, PageRequest } from '../../../lambdas/records/dynamo-support.js';
import type { CareRelationship, Patient, Practitioner, UserProfileClaim } from '../../../lambdas/records/model.js';
import type { RecordsStore } from '../../../lambdas/records/store.js';
import type { StoredAppointment } from '../../../lambdas/scheduling/model.js';
import type { AppointmentStore } from '../../../lambdas/scheduling/ports.js';

/**
 * Test-only in-memory adapters with the same one-item conditional semantics as the DynamoDB ones. Every call yields
 * first, so concurrent callers interleave between storage calls as they do over the network.
 */
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
const clone = <T>(value: T): T => structuredClone(value);
const page = <T>(items: T[], request: PageRequest): Page<T> => {
  const start = request.cursor ? Number(request.cursor) : 0;
  const slice = items.slice(start, start + request.limit);
  return start + request.limit < items.length ? { items: slice, nextCursor: String(start + request.limit) } : { items: slice };
};
const notUsed = () => {
  throw new Error('not used by consults');
};

function apply<T extends object>(item: T, changes: Record<string, unknown>): void {
  for (const [field, value] of Object.entries(changes)) {
    if (value === undefined) continue;
    if (value === null) delete (item as Record<string, unknown>)[field];
    else (item as Record<string, unknown>)[field] = clone(value);
  }
}

export class MemoryConsultStore implements ConsultStore {
  readonly consults = new Map<string, StoredConsult>();
  readonly appointmentLinks = new Map<string, string>();
  readonly meetingLinks = new Map<string, string>();
  readonly participants = new Map<string, StoredParticipant>();
  readonly timeline = new Map<string, TimelineEntry>();

  async get(id: string) {
    await tick();
    const consult = this.consults.get(id);
    return consult && clone(consult);
  }
  async consultIdOfAppointment(appointmentId: string) {
    await tick();
    return this.appointmentLinks.get(appointmentId);
  }
  async linkAppointment(appointmentId: string, consultId: string) {
    await tick();
    if (!this.appointmentLinks.has(appointmentId)) this.appointmentLinks.set(appointmentId, consultId);
    return this.appointmentLinks.get(appointmentId)!;
  }
  async create(consult: StoredConsult) {
    await tick();
    if (this.consults.has(consult.id)) return false;
    this.consults.set(consult.id, clone(consult));
    return true;
  }
  async update(consult: StoredConsult, changes: ConsultChanges, now: Date) {
    await tick();
    const item = this.consults.get(consult.id);
    if (!item || item.version !== consult.version) return undefined;
    apply(item, { ...changes, version: consult.version + 1, updatedAt: now.toISOString() });
    return clone(item);
  }
  async takeSeat(consultId: string, max: number) {
    await tick();
    const item = this.consults.get(consultId);
    if (!item || item.seats >= max) return false;
    item.seats += 1;
    return true;
  }
  async releaseSeat(consultId: string) {
    await tick();
    const item = this.consults.get(consultId);
    if (item && item.seats > 0) item.seats -= 1;
  }
  async linkMeeting(meetingId: string, consultId: string) {
    await tick();
    if (!this.meetingLinks.has(meetingId)) this.meetingLinks.set(meetingId, consultId);
  }
  async consultIdOfMeeting(meetingId: string) {
    await tick();
    return this.meetingLinks.get(meetingId);
  }
  async clearMeeting(consultId: string, meetingId: string, now: Date) {
    await tick();
    const item = this.consults.get(consultId);
    if (!item || item.meeting?.MeetingId !== meetingId) return false;
    delete item.meeting;
    Object.assign(item, { lastMeetingId: meetingId, updatedAt: now.toISOString(), version: item.version + 1 });
    return true;
  }
  async listParticipants(consultId: string) {
    await tick();
    return [...this.participants.values()].filter((p) => p.consultId === consultId).map(clone);
  }
  async getParticipant(consultId: string, participantId: string) {
    await tick();
    const item = this.participants.get(`${consultId}#${participantId}`);
    return item && clone(item);
  }
  async createParticipant(participant: StoredParticipant) {
    await tick();
    const key = `${participant.consultId}#${participant.participantId}`;
    if (this.participants.has(key)) return false;
    this.participants.set(key, clone(participant));
    return true;
  }
  async updateParticipant(participant: StoredParticipant, changes: ParticipantChanges) {
    await tick();
    const item = this.participants.get(`${participant.consultId}#${participant.participantId}`);
    if (!item || item.version !== participant.version) return undefined;
    apply(item, { ...changes, version: participant.version + 1 });
    return clone(item);
  }
  async setAttendee(consultId: string, participantId: string, attendee: { attendeeId: string; attendeeMeetingId: string; capabilities: Capabilities }) {
    await tick();
    const item = this.participants.get(`${consultId}#${participantId}`);
    if (!item || item.status !== 'admitted') return false;
    apply(item, attendee);
    return true;
  }
  async appendTimeline(entry: TimelineEntry) {
    await tick();
    const key = `${entry.consultId}#${entry.at}#${entry.entryId}`;
    if (this.timeline.has(key)) return false;
    this.timeline.set(key, clone(entry));
    return true;
  }
  async allTimeline(consultId: string) {
    await tick();
    return [...this.timeline.entries()].filter(([key]) => key.startsWith(`${consultId}#`)).sort(([a], [b]) => (a < b ? -1 : 1)).map(([, entry]) => clone(entry));
  }
  async listTimeline(consultId: string, request: PageRequest) {
    return page(await this.allTimeline(consultId), request);
  }
}

export class MemoryNotes implements NoteStore {
  readonly versions = new Map<string, NoteVersion>();
  readonly addenda: NoteAddendum[] = [];
  private of(consultId: string) {
    return [...this.versions.values()].filter((v) => v.consultId === consultId).sort((a, b) => b.version - a.version);
  }
  async latest(consultId: string) {
    await tick();
    const latest = this.of(consultId)[0];
    return latest && clone(latest);
  }
  async putVersion(version: NoteVersion) {
    await tick();
    const key = `${version.consultId}#${version.version}`;
    if (this.versions.has(key)) return false;
    this.versions.set(key, clone(version));
    return true;
  }
  async listVersions(consultId: string, request: PageRequest) {
    await tick();
    return page(this.of(consultId).map(clone), request);
  }
  async putAddendum(addendum: NoteAddendum) {
    await tick();
    this.addenda.push(clone(addendum));
  }
  async listAddenda(consultId: string) {
    await tick();
    return this.addenda.filter((a) => a.consultId === consultId).map(clone);
  }
}

export class MemoryInvites implements InviteStore {
  readonly invites = new Map<string, StoredInvite>();
  async put(invite: StoredInvite) {
    await tick();
    this.invites.set(invite.tokenHash, clone(invite));
  }
  async get(tokenHash: string) {
    await tick();
    const invite = this.invites.get(tokenHash);
    return invite && clone(invite);
  }
  async consume(tokenHash: string, now: Date) {
    await tick();
    const invite = this.invites.get(tokenHash);
    if (!invite || invite.usedAt || invite.validUntil <= now.toISOString()) return undefined;
    invite.usedAt = now.toISOString();
    return clone(invite);
  }
}

export class MemoryRateLimiter implements RateLimiter {
  readonly hits = new Map<string, number>();
  async hit(scope: string, limit: number) {
    await tick();
    const count = this.hits.get(scope) ?? 0;
    if (count >= limit) return false;
    this.hits.set(scope, count + 1);
    return true;
  }
}

/** Chime, with the behaviours consults rely on: idempotent CreateMeeting (token) and CreateAttendee (ExternalUserId). */
export class FakeMeetings implements Meetings {
  readonly meetings = new Map<string, { meeting: ChimeMeeting; token: string; attendees: ChimeAttendee[] }>();
  readonly deletedAttendees: string[] = [];
  /** Runs inside CreateAttendee, after the attendee exists: a place to stage a race. */
  onCreateAttendee?: () => Promise<void>;

  async createMeeting(input: { clientRequestToken: string; externalMeetingId: string; mediaRegion: string; maxAttendees: number }) {
    await tick();
    const existing = [...this.meetings.values()].find((m) => m.token === input.clientRequestToken);
    if (existing) return clone(existing.meeting);
    const MeetingId = randomUUID();
    const meeting: ChimeMeeting = {
      MeetingId,
      ExternalMeetingId: input.externalMeetingId,
      MediaRegion: input.mediaRegion,
      MediaPlacement: { AudioHostUrl: 'audio.invalid:3478', SignalingUrl: 'wss://signal.invalid', TurnControlUrl: 'https://turn.invalid' },
      MeetingFeatures: { Attendee: { MaxCount: input.maxAttendees } },
    };
    this.meetings.set(MeetingId, { meeting, token: input.clientRequestToken, attendees: [] });
    return clone(meeting);
  }
  async createAttendee(meetingId: string, externalUserId: string, capabilities: Capabilities) {
    await tick();
    const state = this.meetings.get(meetingId);
    if (!state) throw new MeetingGone();
    let attendee = state.attendees.find((a) => a.ExternalUserId === externalUserId);
    if (!attendee) {
      attendee = { ExternalUserId: externalUserId, AttendeeId: randomUUID(), JoinToken: randomUUID(), Capabilities: capabilities };
      state.attendees.push(attendee);
    }
    const hook = this.onCreateAttendee;
    this.onCreateAttendee = undefined;
    await hook?.();
    return clone(attendee);
  }
  async updateCapabilities(meetingId: string, attendeeId: string, capabilities: Capabilities) {
    await tick();
    const attendee = this.meetings.get(meetingId)?.attendees.find((a) => a.AttendeeId === attendeeId);
    if (!attendee) throw new MeetingGone();
    attendee.Capabilities = capabilities;
    return clone(attendee);
  }
  async deleteAttendee(meetingId: string, attendeeId: string) {
    await tick();
    const state = this.meetings.get(meetingId);
    if (state) state.attendees = state.attendees.filter((a) => a.AttendeeId !== attendeeId);
    this.deletedAttendees.push(attendeeId);
  }
  async deleteMeeting(meetingId: string) {
    await tick();
    this.meetings.delete(meetingId);
  }
}

/** The records a consult reads: patients, practitioners, account claims and care relationships. */
export class MemoryRecords implements RecordsStore {
  readonly patients = new Map<string, Patient>();
  readonly practitioners = new Map<string, Practitioner>();
  readonly claims = new Map<string, UserProfileClaim>();
  readonly care = new Map<string, CareRelationship>();

  addPatient(id: string, userId: string) {
    this.patients.set(id, { id, userId, name: { given: 'T', family: 'P' }, birthDate: '1970-01-01', contact: { phone: '+15550000000' }, preferredLanguage: 'en', homeFacilityId: 'fac_1', caregivers: [], createdAt: '2026-01-01T00:00:00Z' });
    this.claims.set(userId, { userId, kind: 'patient', recordId: id, claimedAt: '2026-01-01T00:00:00Z' });
  }
  addPractitioner(id: string, userId: string) {
    this.practitioners.set(id, { id, userId, name: { given: 'T', family: 'D' }, role: 'clinician', specialties: ['gp'], facilityId: 'fac_1', languages: ['en'], timeZone: 'UTC', createdAt: '2026-01-01T00:00:00Z' });
    this.claims.set(userId, { userId, kind: 'practitioner', recordId: id, claimedAt: '2026-01-01T00:00:00Z' });
  }
  async getPatient(id: string) {
    return this.patients.get(id);
  }
  async getPractitioner(id: string) {
    return this.practitioners.get(id);
  }
  async getUserClaim(userId: string) {
    return this.claims.get(userId);
  }
  async getCareRelationship(patientId: string, practitionerId: string) {
    return this.care.get(`${patientId}#${practitionerId}`);
  }
  putFacility = notUsed;
  getFacility = notUsed;
  listFacilities = notUsed;
  createPractitioner = notUsed;
  getPractitioners = notUsed;
  listPractitioners = notUsed;
  createPatient = notUsed;
  ensureCareRelationship = notUsed;
}

export class MemoryAppointments implements AppointmentStore {
  readonly items = new Map<string, StoredAppointment>();
  async get(id: string) {
    await tick();
    const item = this.items.get(id);
    return item && clone(item);
  }
  async update(appointment: StoredAppointment, changes: Partial<StoredAppointment>, now: Date) {
    await tick();
    const item = this.items.get(appointment.id);
    if (!item || item.version !== appointment.version || item.status !== appointment.status) return undefined;
    Object.assign(item, clone(changes), { version: item.version + 1, updatedAt: now.toISOString() });
    return clone(item);
  }
  createPending = notUsed;
  confirm = notUsed;
  abandon = notUsed;
  beginMove = notUsed;
  clearMove = notUsed;
  completeMove = notUsed;
  listByPatient = notUsed;
  listByPractitioner = notUsed;
  occupiedIntervals = notUsed;
}

export class MemoryAuditLog implements AuditLog {
  readonly entries: AuditEntry[] = [];
  async append(entry: AuditEntry) {
    this.entries.push(clone(entry));
  }
  listForPatient = notUsed;
}
