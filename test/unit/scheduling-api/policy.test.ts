import { describe, expect, it } from 'vitest';
import { decideAppointmentAction, decidePatientAccess, NotYours, type AccessFacts, type PatientAction } from '../../../lambdas/access/policy.js';
import { problemFromError } from '../../../lambdas/api/problem.js';
import { NotFound } from '../../../lambdas/shared/errors.js';

const ACTIONS: PatientAction[] = ['read', 'read-clinical', 'book', 'manage-appointments', 'check-in', 'assign-care-team', 'read-audit'];

// Written out independently of the policy's table: A = allow, H = hide (404), F = forbid (403), in ACTIONS order.
const EXPECTED: Array<[string, AccessFacts, string]> = [
  ['own patient', { role: 'patient', isPatientSelf: true, isCareTeam: false }, 'AAAAAFF'],
  ['other patient', { role: 'patient', isPatientSelf: false, isCareTeam: false }, 'HHHHHHH'],
  ['clinician on the care team', { role: 'clinician', isPatientSelf: false, isCareTeam: true }, 'AAAAAFF'],
  ["clinician of the appointment", { role: 'clinician', isPatientSelf: false, isCareTeam: false, isAppointmentPractitioner: true }, 'AAAAAFF'],
  ['clinician not on the care team', { role: 'clinician', isPatientSelf: false, isCareTeam: false }, 'HHHHHHH'],
  ['therapist on the care team', { role: 'therapist', isPatientSelf: false, isCareTeam: true }, 'AAAAAFF'],
  ['therapist not on the care team', { role: 'therapist', isPatientSelf: false, isCareTeam: false }, 'HHHHHHH'],
  ['admin', { role: 'admin', isPatientSelf: false, isCareTeam: false }, 'AFAAFAA'],
  // A patient-role token never gets care-team rights, whatever the facts say.
  ['patient claiming care team', { role: 'patient', isPatientSelf: false, isCareTeam: true }, 'HHHHHHH'],
];
const LETTER = { allow: 'A', hide: 'H', forbid: 'F' } as const;

describe('decidePatientAccess', () => {
  it.each(EXPECTED)('%s', (_name, facts, expected) => {
    expect(ACTIONS.map((action) => LETTER[decidePatientAccess(facts, action)]).join('')).toBe(expected);
  });
});

describe('decideAppointmentAction', () => {
  it('lets only the appointment practitioner conduct it, and admins also mark no-shows', () => {
    const own = { role: 'clinician', isPatientSelf: false, isCareTeam: true, isAppointmentPractitioner: true } as const;
    const colleague = { role: 'clinician', isPatientSelf: false, isCareTeam: true, isAppointmentPractitioner: false } as const;
    const stranger = { role: 'therapist', isPatientSelf: false, isCareTeam: false } as const;
    const admin = { role: 'admin', isPatientSelf: false, isCareTeam: false } as const;
    const patient = { role: 'patient', isPatientSelf: true, isCareTeam: false } as const;
    expect(decideAppointmentAction(own, 'conduct')).toBe('allow');
    expect(decideAppointmentAction(colleague, 'conduct')).toBe('forbid');
    expect(decideAppointmentAction(stranger, 'conduct')).toBe('hide');
    expect(decideAppointmentAction(admin, 'conduct')).toBe('forbid');
    expect(decideAppointmentAction(admin, 'mark-no-show')).toBe('allow');
    expect(decideAppointmentAction(patient, 'mark-no-show')).toBe('forbid');
  });
});

describe('NotYours', () => {
  it('answers exactly like a missing record', () => {
    const hidden = problemFromError(new NotYours('patient not found'), 'r1');
    const missing = problemFromError(new NotFound('patient not found'), 'r1');
    expect(hidden).toEqual(missing);
  });
});
