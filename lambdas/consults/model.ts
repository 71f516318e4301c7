import type { Attendee, Meeting } from '@aws-sdk/client-chime-sdk-meetings';
import type { Capabilities, ParticipantKind, ParticipantStatus } from './domain/participants.js';

export type ChimeMeeting = Meeting;
export type ChimeAttendee = Attendee;

/** Appointment types held as video consults. */
export const CONSULT_APPOINTMENT_TYPES = ['video', 'telerehab'] as const;

export type ConsultStatus = 'live' | 'ended';

export interface StoredConsult {
  id: string;
  appointmentId: string;
  patientId: string;
  practitionerId: string;
  facilityId: string;
  status: ConsultStatus;
  startedAt: string;
  /** User id of the host who started it. */
  startedBy: string;
  endedAt?: string;
  endedBy?: string;
  durationSeconds?: number;
  /** The cap when the consult started (a later settings change does not shrink a running consult). */
  maxParticipants: number;
  /** Places taken (participants invited, waiting or admitted): a counter moved by conditional updates. */
  seats: number;
  /** Meetings created so far. Chime ends an empty meeting by itself; the next join creates the next one. */
  meetingGeneration: number;
  /** The current Chime meeting, as CreateMeeting returned it; absent before the first and after the last. */
  meeting?: ChimeMeeting;
  lastMeetingId?: string;
  /** Bumped by every change of the fields above except `seats`; conditional updates compare it. */
  version: number;
  updatedAt: string;
}

export interface StoredParticipant {
  consultId: string;
  /** `prac_…` for the host and invited practitioners, `pat_…` for the patient, `inv_…` for other invitees and guests. */
  participantId: string;
  kind: ParticipantKind;
  status: ParticipantStatus;
  /** The account; absent for guests. */
  userId?: string;
  guest: boolean;
  /** Chime's ExternalUserId for this participant (domain/participants.ts: externalUserIdFor). */
  externalUserId: string;
  attendeeId?: string;
  /** The meeting the attendee belongs to (a later meeting of the consult needs a new attendee). */
  attendeeMeetingId?: string;
  capabilities?: Capabilities;
  createdAt: string;
  invitedBy?: string;
  statusChangedAt: string;
  statusChangedBy?: string;
  admittedAt?: string;
  /** Guests: SHA-256 of the session secret handed out on redemption, and until when it is valid. */
  guestSessionHash?: string;
  guestSessionValidUntil?: string;
  version: number;
}

/** A guest invite link: found by the SHA-256 of its token, used once, valid until `validUntil`. */
export interface StoredInvite {
  tokenHash: string;
  consultId: string;
  participantId: string;
  validUntil: string;
  createdAt: string;
  usedAt?: string;
}
