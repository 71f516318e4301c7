import { Conflict, Forbidden } from '../../shared/errors.js';

/**
 * Who takes part in a consult and how they get in. The Chime SDK has no waiting room: admission is ours, and a
 * participant only ever receives a join token (a Chime attendee) once admitted.
 */
export const PARTICIPANT_KINDS = ['host', 'patient', 'practitioner', 'caregiver', 'interpreter', 'other'] as const;
export type ParticipantKind = (typeof PARTICIPANT_KINDS)[number];

/** Kinds the host may invite; host and patient come from the appointment itself. */
export const INVITEE_KINDS = ['practitioner', 'caregiver', 'interpreter', 'other'] as const;
export type InviteeKind = (typeof INVITEE_KINDS)[number];

/**
 * Admission status. Presence (in the meeting or not) is separate and comes from Chime's events, so a patient whose
 * connection drops on a poor network is still admitted and rejoins without going back to the lobby.
 */
export const PARTICIPANT_STATUSES = ['invited', 'waiting', 'admitted', 'denied', 'removed'] as const;
export type ParticipantStatus = (typeof PARTICIPANT_STATUSES)[number];

export type ModerationAction = 'admit' | 'deny' | 'remove';

/** Clinicians (the host and invited practitioners) go straight in; patients, caregivers, interpreters and guests wait. */
export function admittedOnJoin(kind: ParticipantKind): boolean {
  return kind === 'host' || kind === 'practitioner';
}

/** Statuses that count against the consult's participant cap. Denied and removed people free their place. */
export function holdsSeat(status: ParticipantStatus): boolean {
  return status === 'invited' || status === 'waiting' || status === 'admitted';
}

/** +1 when the change takes a place, -1 when it frees one. */
export function seatDelta(from: ParticipantStatus, to: ParticipantStatus): number {
  return Number(holdsSeat(to)) - Number(holdsSeat(from));
}

/** What a join request leads to: in (a join token) or the lobby. Denied and removed participants are refused. */
export function joinOutcome(kind: ParticipantKind, status: ParticipantStatus): 'admitted' | 'waiting' {
  if (status === 'denied') throw new Forbidden('the host did not admit you to this consult');
  if (status === 'removed') throw new Forbidden('you were removed from this consult');
  if (status === 'admitted' || admittedOnJoin(kind)) return 'admitted';
  return 'waiting';
}

/**
 * The status after a host's decision; the same status again means "already so" (a retried request is harmless).
 * Throws Conflict when the decision makes no sense from here.
 */
export function moderate(kind: ParticipantKind, current: ParticipantStatus, action: ModerationAction): ParticipantStatus {
  if (kind === 'host') throw new Conflict('the host cannot be admitted, denied or removed');
  switch (action) {
    case 'admit':
      return 'admitted';
    case 'deny':
      if (current === 'admitted') throw new Conflict('this participant is already admitted; remove them instead');
      if (current === 'removed') throw new Conflict('this participant was removed');
      return 'denied';
    case 'remove':
      return 'removed';
  }
}

export type Capability = 'SendReceive' | 'Send' | 'Receive' | 'None';

/** Chime attendee capabilities, exactly as CreateAttendee takes them. */
export interface Capabilities {
  Audio: Capability;
  Video: Capability;
  Content: Capability;
}

/**
 * Audio-only for low bandwidth: no video either way and no screen share (Chime allows content only with video).
 * Otherwise everything both ways.
 */
export function capabilitiesFor(audioOnly: boolean): Capabilities {
  return audioOnly
    ? { Audio: 'SendReceive', Video: 'None', Content: 'None' }
    : { Audio: 'SendReceive', Video: 'SendReceive', Content: 'SendReceive' };
}

export function sameCapabilities(a: Partial<Capabilities> | undefined, b: Capabilities): boolean {
  return a?.Audio === b.Audio && a?.Video === b.Video && a?.Content === b.Content;
}

/** One person may hold several participant records (say, the patient invited as a caregiver too): the strongest wins. */
const PRECEDENCE: readonly ParticipantKind[] = ['host', 'patient', 'practitioner', 'caregiver', 'interpreter', 'other'];

export function strongest<T extends { kind: ParticipantKind }>(candidates: readonly T[]): T | undefined {
  return [...candidates].sort((a, b) => PRECEDENCE.indexOf(a.kind) - PRECEDENCE.indexOf(b.kind))[0];
}

/**
 * Chime's ExternalUserId: our user id (2-64 characters of Chime's pattern), never a name. Guests have no account, so
 * theirs is their participant id (an opaque `inv_` id). User ids that do not fit Chime's rules also fall back to it.
 */
const CHIME_EXTERNAL_ID = /^[-_&@+=,(){}[\]/«».:|'"#a-zA-Z0-9À-ÿ\s]{2,64}$/;

export function externalUserIdFor(participant: { participantId: string; userId?: string }): string {
  const { userId } = participant;
  if (userId && CHIME_EXTERNAL_ID.test(userId) && !userId.toLowerCase().startsWith('aws:')) return userId;
  return participant.participantId;
}
