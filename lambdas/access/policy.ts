import { CARE_TEAM, type Role } from '../api/roles.js';
import { NotFound } from '../shared/errors.js';

/**
 * Object-level access to patient data, as a pure decision over facts the caller's request establishes.
 *
 * - A patient acts on their own record only (patient.userId = token sub).
 * - A clinician or therapist acts on patients whose care team they are on: a care relationship (made by booking an
 *   appointment, at registration, or by an admin), or being the practitioner of the appointment concerned.
 * - An admin administers: reads demographics and appointments, books, cancels and reschedules, assigns care teams and
 *   reads the audit trail, but not clinical content (intake answers) and does not check patients in.
 *
 * Outcomes: `allow`; `hide` (404, the very body of a missing record: the caller cannot learn it exists);
 * `forbid` (403, only for callers who may already see the record, so nothing is revealed).
 */
export type PatientAction =
  | 'read'
  | 'read-clinical'
  | 'book'
  | 'manage-appointments'
  | 'check-in'
  | 'assign-care-team'
  | 'read-audit';

/** Appointment actions reserved to the appointment's own practitioner (and no-show also to admins). */
export type AppointmentAction = 'conduct' | 'mark-no-show';

export interface AccessFacts {
  readonly role: Role;
  /** The caller's account is the patient's own. */
  readonly isPatientSelf: boolean;
  /** The caller is a practitioner on the patient's care team. */
  readonly isCareTeam: boolean;
  /** The caller is the practitioner of the appointment concerned (when there is one). */
  readonly isAppointmentPractitioner?: boolean;
}

export type Decision = 'allow' | 'hide' | 'forbid';

type Relation = 'self' | 'care-team' | 'admin' | 'none';

const RIGHTS: Readonly<Record<Exclude<Relation, 'none'>, readonly PatientAction[]>> = {
  self: ['read', 'read-clinical', 'book', 'manage-appointments', 'check-in'],
  'care-team': ['read', 'read-clinical', 'book', 'manage-appointments', 'check-in'],
  admin: ['read', 'book', 'manage-appointments', 'assign-care-team', 'read-audit'],
};

function relationOf(facts: AccessFacts): Relation {
  if (facts.role === 'patient') return facts.isPatientSelf ? 'self' : 'none';
  if (CARE_TEAM.includes(facts.role)) return facts.isCareTeam || facts.isAppointmentPractitioner ? 'care-team' : 'none';
  if (facts.role === 'admin') return 'admin';
  return 'none';
}

export function decidePatientAccess(facts: AccessFacts, action: PatientAction): Decision {
  const relation = relationOf(facts);
  if (relation === 'none') return 'hide';
  return RIGHTS[relation].includes(action) ? 'allow' : 'forbid';
}

export function decideAppointmentAction(facts: AccessFacts, action: AppointmentAction): Decision {
  if (CARE_TEAM.includes(facts.role) && facts.isAppointmentPractitioner) return 'allow';
  if (action === 'mark-no-show' && facts.role === 'admin') return 'allow';
  return decidePatientAccess(facts, 'read') === 'allow' ? 'forbid' : 'hide';
}

/**
 * "Exists but not yours": a 404 indistinguishable from a missing record (same name, title and message), told apart
 * only inside the process so that the audit trail can record a denial.
 */
export class NotYours extends NotFound {
  constructor(message: string) {
    super(message);
    this.name = 'NotFound';
  }
}
