import type { Caller } from '../api/operation.js';
import { CARE_TEAM } from '../api/roles.js';
import type { CareRelationship, Patient, UserProfileClaim } from '../records/model.js';
import { Forbidden, NotFound } from '../shared/errors.js';
import { decideAppointmentAction, decidePatientAccess, NotYours, type AccessFacts, type AppointmentAction, type Decision, type PatientAction } from './policy.js';

/** What the access checks read: implemented by the records store. */
export interface AccessDirectory {
  getPatient(id: string): Promise<Patient | undefined>;
  getUserClaim(userId: string): Promise<UserProfileClaim | undefined>;
  getCareRelationship(patientId: string, practitionerId: string): Promise<CareRelationship | undefined>;
}

/** The caller's own profile ids, from their account's claim. */
export interface CallerProfile {
  readonly patientId?: string;
  readonly practitionerId?: string;
}

export const PATIENT_NOT_FOUND = 'patient not found';

/**
 * A found claim is remembered by the container for a while: claims only ever change when one was orphaned by a crash
 * (its record never written) and is taken over, so a short memory saves a read on most requests of practitioners.
 */
const CLAIM_MEMORY_MS = 5 * 60_000;
const MAX_REMEMBERED_CLAIMS = 10_000;

export class PatientAccess {
  private readonly claims = new Map<string, { claim: UserProfileClaim; until: number }>();

  constructor(
    private readonly directory: AccessDirectory,
    private readonly clock: () => number = Date.now,
  ) {}

  async profileOf(caller: Caller): Promise<CallerProfile> {
    const remembered = this.claims.get(caller.userId);
    let claim = remembered && remembered.until > this.clock() ? remembered.claim : undefined;
    if (!claim) {
      claim = await this.directory.getUserClaim(caller.userId);
      if (!claim) return {};
      if (this.claims.size >= MAX_REMEMBERED_CLAIMS) this.claims.clear();
      this.claims.set(caller.userId, { claim, until: this.clock() + CLAIM_MEMORY_MS });
    }
    return claim.kind === 'patient' ? { patientId: claim.recordId } : { practitionerId: claim.recordId };
  }

  /** The caller's practitioner id, or a 403 for a practitioner-role account without a practitioner profile. */
  async requirePractitionerProfile(caller: Caller): Promise<string> {
    const { practitionerId } = await this.profileOf(caller);
    if (!practitionerId) throw new Forbidden('your account has no practitioner profile');
    return practitionerId;
  }

  /** The facts about the caller and this patient that the policy decides on. */
  async factsFor(caller: Caller, patient: Patient, appointmentPractitionerId?: string): Promise<AccessFacts> {
    const isPatientSelf = caller.role === 'patient' && patient.userId === caller.userId;
    let isCareTeam = false;
    let isAppointmentPractitioner = false;
    if (CARE_TEAM.includes(caller.role)) {
      const { practitionerId } = await this.profileOf(caller);
      if (practitionerId) {
        isAppointmentPractitioner = practitionerId === appointmentPractitionerId;
        isCareTeam = isAppointmentPractitioner || (await this.directory.getCareRelationship(patient.id, practitionerId)) !== undefined;
      }
    }
    return { role: caller.role, isPatientSelf, isCareTeam, isAppointmentPractitioner };
  }

  /**
   * The patient, when the caller may do `action` for them; otherwise NotFound (missing), NotYours (hidden, also a
   * 404) or Forbidden (the caller may see the patient but not do this). `hiddenAs` is the message of the 404, so a
   * hidden appointment reads exactly like a missing one.
   */
  async requirePatient(
    caller: Caller,
    patientId: string,
    action: PatientAction,
    options: { appointmentPractitionerId?: string; hiddenAs?: string } = {},
  ): Promise<{ patient: Patient; facts: AccessFacts }> {
    const hiddenAs = options.hiddenAs ?? PATIENT_NOT_FOUND;
    const patient = await this.directory.getPatient(patientId);
    if (!patient) throw new NotFound(hiddenAs);
    const facts = await this.factsFor(caller, patient, options.appointmentPractitionerId);
    enforce(decidePatientAccess(facts, action), hiddenAs, `your role may not ${action.replace(/-/g, ' ')} for this patient`);
    return { patient, facts };
  }

  requireAppointmentAction(facts: AccessFacts, action: AppointmentAction, hiddenAs: string): void {
    enforce(decideAppointmentAction(facts, action), hiddenAs, action === 'conduct' ? 'only the appointment\'s practitioner may do this' : 'you may not mark this appointment a no-show');
  }
}

function enforce(decision: Decision, hiddenAs: string, forbiddenMessage: string): void {
  if (decision === 'hide') throw new NotYours(hiddenAs);
  if (decision === 'forbid') throw new Forbidden(forbiddenMessage);
}
