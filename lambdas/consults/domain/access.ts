import { CARE_TEAM, type Role } from '../../api/roles.js';
import type { Decision } from '../../access/policy.js';
import type { ParticipantKind, ParticipantStatus } from './participants.js';

/**
 * Object-level access to a consult, as a pure decision over facts (the access policy of records and scheduling
 * decides who is on the patient's care team; this adds the consult's own relations).
 *
 * - The host (the appointment's practitioner) does everything: moderates, writes and signs the note.
 * - The patient reads and joins their own consult and reads its note (subject to the visibility setting).
 * - Invitees (practitioners, caregivers, interpreters with an account) read and join while not denied or removed.
 * - Other practitioners of the patient's care team read the consult, its timeline and note, and add addenda; they
 *   join only when invited.
 * - Admins read the consult and its timeline (operations), not the note (clinical).
 * - Anyone else, another patient included, gets a 404 that reads like a missing consult.
 */
export const CONSULT_ACTIONS = ['read', 'join', 'moderate', 'write-notes', 'read-notes', 'read-note-history', 'add-addendum', 'read-timeline'] as const;
export type ConsultAction = (typeof CONSULT_ACTIONS)[number];

export interface ConsultFacts {
  readonly role: Role;
  /** The caller is the appointment's practitioner. */
  readonly isHost: boolean;
  /** The caller's account is the consult's patient. */
  readonly isPatientSelf: boolean;
  /** The caller is a practitioner on the patient's care team. */
  readonly isCareTeam: boolean;
  /** The caller's own participant record (other than host and patient), when invited. */
  readonly participant?: { readonly kind: ParticipantKind; readonly status: ParticipantStatus };
}

type Relation = 'host' | 'patient' | 'invitee' | 'former-invitee' | 'care-team' | 'admin';

const RIGHTS: Readonly<Record<Relation, readonly ConsultAction[]>> = {
  host: CONSULT_ACTIONS,
  patient: ['read', 'join', 'read-notes'],
  invitee: ['read', 'join'],
  // Denied or removed: they know the consult exists (403, not 404) but may do nothing more.
  'former-invitee': [],
  'care-team': ['read', 'read-notes', 'read-note-history', 'add-addendum', 'read-timeline'],
  admin: ['read', 'read-timeline'],
};

function relationsOf(facts: ConsultFacts): Relation[] {
  const relations: Relation[] = [];
  const practitionerRole = CARE_TEAM.includes(facts.role);
  if (facts.isHost && practitionerRole) relations.push('host');
  if (facts.isPatientSelf && facts.role === 'patient') relations.push('patient');
  if (facts.participant) {
    const active = facts.participant.status !== 'denied' && facts.participant.status !== 'removed';
    relations.push(active ? 'invitee' : 'former-invitee');
  }
  if (facts.isCareTeam && practitionerRole) relations.push('care-team');
  if (facts.role === 'admin') relations.push('admin');
  return relations;
}

export function decideConsultAccess(facts: ConsultFacts, action: ConsultAction): Decision {
  const relations = relationsOf(facts);
  if (relations.length === 0) return 'hide';
  return relations.some((relation) => RIGHTS[relation].includes(action)) ? 'allow' : 'forbid';
}
