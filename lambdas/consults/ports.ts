import type { Page, PageRequest } from '../records/dynamo-support.js';
import type { NoteAddendum, NoteVersion } from './domain/notes.js';
import type { Capabilities } from './domain/participants.js';
import type { TimelineEntry } from './domain/timeline.js';
import type { ChimeAttendee, ChimeMeeting, StoredConsult, StoredInvite, StoredParticipant } from './model.js';

/**
 * Storage ports of consults. Every change is a conditional write on one item (no transactions: dynalite has none,
 * and none is needed): `undefined`/`false` means the condition failed and the caller re-reads.
 */
export interface ConsultStore {
  get(id: string): Promise<StoredConsult | undefined>;
  consultIdOfAppointment(appointmentId: string): Promise<string | undefined>;
  /** Links the appointment to `consultId` unless it is linked already; returns the consult id it is linked to. */
  linkAppointment(appointmentId: string, consultId: string, now: Date): Promise<string>;
  /** False when a consult with this id exists. */
  create(consult: StoredConsult): Promise<boolean>;
  /** Changes fields (`null` removes one), only if the consult is still at `consult.version`. */
  update(consult: StoredConsult, changes: ConsultChanges, now: Date): Promise<StoredConsult | undefined>;
  /** Takes a place if fewer than `max` are taken. */
  takeSeat(consultId: string, max: number): Promise<boolean>;
  releaseSeat(consultId: string): Promise<void>;
  linkMeeting(meetingId: string, consultId: string): Promise<void>;
  consultIdOfMeeting(meetingId: string): Promise<string | undefined>;
  /** Forgets the meeting, only if it is still this one (Chime ended it). */
  clearMeeting(consultId: string, meetingId: string, now: Date): Promise<boolean>;

  listParticipants(consultId: string): Promise<StoredParticipant[]>;
  getParticipant(consultId: string, participantId: string): Promise<StoredParticipant | undefined>;
  /** False when the participant exists. */
  createParticipant(participant: StoredParticipant): Promise<boolean>;
  /** Changes fields, only if the participant is still at `participant.version`; returns the item as written. */
  updateParticipant(participant: StoredParticipant, changes: ParticipantChanges): Promise<StoredParticipant | undefined>;
  /** Records the participant's Chime attendee, only while they are admitted. */
  setAttendee(consultId: string, participantId: string, attendee: { attendeeId: string; attendeeMeetingId: string; capabilities: Capabilities }): Promise<boolean>;

  /** False when the entry exists already (a redelivered event). */
  appendTimeline(entry: TimelineEntry): Promise<boolean>;
  listTimeline(consultId: string, page: PageRequest): Promise<Page<TimelineEntry>>;
  allTimeline(consultId: string): Promise<TimelineEntry[]>;
}

export type ConsultChanges = Partial<{
  [K in 'status' | 'endedAt' | 'endedBy' | 'durationSeconds' | 'meetingGeneration' | 'meeting' | 'lastMeetingId']: StoredConsult[K] | null;
}>;

export type ParticipantChanges = Partial<
  Pick<StoredParticipant, 'status' | 'statusChangedAt' | 'statusChangedBy' | 'admittedAt' | 'guestSessionHash' | 'guestSessionValidUntil'>
>;

export interface NoteStore {
  latest(consultId: string): Promise<NoteVersion | undefined>;
  /** False when this version number exists (someone saved first). */
  putVersion(version: NoteVersion): Promise<boolean>;
  /** Newest first. */
  listVersions(consultId: string, page: PageRequest): Promise<Page<NoteVersion>>;
  putAddendum(addendum: NoteAddendum): Promise<void>;
  listAddenda(consultId: string): Promise<NoteAddendum[]>;
}

export interface InviteStore {
  put(invite: StoredInvite): Promise<void>;
  get(tokenHash: string): Promise<StoredInvite | undefined>;
  /** Marks the invite used, only if unused and still valid at `now`: the single use. */
  consume(tokenHash: string, now: Date): Promise<StoredInvite | undefined>;
}

export interface RateLimiter {
  /** Counts one attempt in the current window; false when the limit was already reached. */
  hit(scope: string, limit: number, windowSeconds: number, now: Date): Promise<boolean>;
}

/** The Chime SDK meetings control plane, as consults use it. */
export interface Meetings {
  /** Idempotent on the client request token: the same token returns the same meeting. */
  createMeeting(input: { clientRequestToken: string; externalMeetingId: string; mediaRegion: string; maxAttendees: number }): Promise<ChimeMeeting>;
  /** Idempotent on the external user id: while the attendee exists, the same attendee. Throws MeetingGone. */
  createAttendee(meetingId: string, externalUserId: string, capabilities: Capabilities): Promise<ChimeAttendee>;
  updateCapabilities(meetingId: string, attendeeId: string, capabilities: Capabilities): Promise<ChimeAttendee>;
  /** Already gone is fine. */
  deleteAttendee(meetingId: string, attendeeId: string): Promise<void>;
  /** Already gone is fine. */
  deleteMeeting(meetingId: string): Promise<void>;
}

/** The meeting no longer exists in Chime (ended by Chime, or deleted). */
export class MeetingGone extends Error {
  constructor() {
    super('meeting not found');
    this.name = 'MeetingGone';
  }
}
