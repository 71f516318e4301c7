import { describe, expect, it } from 'vitest';
import { parseOrThrow } from '../../../lambdas/api/validation.js';
import { ValidationError } from '../../../lambdas/shared/errors.js';
import { intakeAnswersSchema, toIntakeRecord } from '../../../lambdas/scheduling/domain/intake.js';

const valid = {
  reasonForVisit: 'Knee pain after a fall',
  symptoms: ['swelling', 'pain when climbing stairs'],
  currentMedications: [{ name: 'ibuprofen', dose: '400 mg', frequency: 'twice a day' }, { name: 'vitamin D' }],
  allergies: ['penicillin'],
  consentToRemoteConsultation: true,
};

function issuePaths(input: unknown): string[] {
  const result = intakeAnswersSchema.safeParse(input);
  expect(result.success).toBe(false);
  return result.error!.issues.map((issue) => issue.path.join('.'));
}

describe('intake answers', () => {
  it('accepts a complete answer set, and one without the optional parts', () => {
    expect(intakeAnswersSchema.parse(valid)).toEqual(valid);
    const minimal = { reasonForVisit: 'Follow-up', symptoms: [], currentMedications: [], consentToRemoteConsultation: true };
    expect(intakeAnswersSchema.parse(minimal)).toEqual(minimal);
  });

  it('trims text and refuses text that is only blanks', () => {
    expect(intakeAnswersSchema.parse({ ...valid, reasonForVisit: '  Follow-up \n' }).reasonForVisit).toBe('Follow-up');
    expect(issuePaths({ ...valid, reasonForVisit: '   ' })).toEqual(['reasonForVisit']);
  });

  it('requires consent to be exactly true', () => {
    expect(issuePaths({ ...valid, consentToRemoteConsultation: false })).toEqual(['consentToRemoteConsultation']);
    expect(issuePaths({ ...valid, consentToRemoteConsultation: 'true' })).toEqual(['consentToRemoteConsultation']);
    const { consentToRemoteConsultation: _, ...withoutConsent } = valid;
    expect(issuePaths(withoutConsent)).toEqual(['consentToRemoteConsultation']);
  });

  it('refuses a client-sent consentedAt and any other unknown field, at every level', () => {
    const top = intakeAnswersSchema.safeParse({ ...valid, consentedAt: '2026-03-09T13:00:00Z' });
    expect(top.success).toBe(false);
    expect(top.error!.issues).toEqual([expect.objectContaining({ code: 'unrecognized_keys', keys: ['consentedAt'] })]);
    expect(issuePaths({ ...valid, currentMedications: [{ name: 'x', route: 'oral' }] })).toEqual(['currentMedications.0']);
  });

  it('enforces the length limits', () => {
    expect(intakeAnswersSchema.safeParse({ ...valid, reasonForVisit: 'a'.repeat(2000) }).success).toBe(true);
    expect(issuePaths({ ...valid, reasonForVisit: 'a'.repeat(2001) })).toEqual(['reasonForVisit']);
    expect(intakeAnswersSchema.safeParse({ ...valid, symptoms: Array(50).fill('cough') }).success).toBe(true);
    expect(issuePaths({ ...valid, symptoms: Array(51).fill('cough') })).toEqual(['symptoms']);
    expect(issuePaths({ ...valid, symptoms: ['ok', 's'.repeat(201)] })).toEqual(['symptoms.1']);
    expect(issuePaths({ ...valid, currentMedications: [{ name: 'n'.repeat(201) }] })).toEqual(['currentMedications.0.name']);
    expect(issuePaths({ ...valid, currentMedications: [{ name: 'x', dose: 'd'.repeat(101) }] })).toEqual([
      'currentMedications.0.dose',
    ]);
    expect(issuePaths({ ...valid, currentMedications: [{ name: 'x', frequency: 'f'.repeat(101) }] })).toEqual([
      'currentMedications.0.frequency',
    ]);
    expect(issuePaths({ ...valid, allergies: ['a'.repeat(201)] })).toEqual(['allergies.0']);
  });

  it('requires the reason, the symptom list and the medication list', () => {
    expect(issuePaths({ consentToRemoteConsultation: true }).sort()).toEqual(['currentMedications', 'reasonForVisit', 'symptoms']);
  });

  it('becomes a 400 through the API validation without echoing the answers', () => {
    const secret = 'very private reason';
    try {
      parseOrThrow(intakeAnswersSchema, { ...valid, reasonForVisit: `${secret}${'x'.repeat(2000)}`, consentToRemoteConsultation: false }, 'body');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      const validation = error as ValidationError;
      expect(validation.status).toBe(400);
      expect(validation.errors.map((e) => e.field).sort()).toEqual(['body.consentToRemoteConsultation', 'body.reasonForVisit']);
      expect(JSON.stringify(validation.errors)).not.toContain(secret);
    }
  });
});

describe('toIntakeRecord', () => {
  it('stamps consent time from the server clock', () => {
    const record = toIntakeRecord(intakeAnswersSchema.parse(valid), new Date('2026-03-09T13:02:03.456Z'));
    expect(record).toEqual({ ...valid, consentedAt: '2026-03-09T13:02:03Z' });
  });
});
