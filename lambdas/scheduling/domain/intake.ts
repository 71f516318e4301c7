import { z } from 'zod';
import { toUtcString } from './time-zones.js';

/**
 * Answers a patient gives when checking in remotely. Strict objects: an unknown field is a 400, which is also how a
 * client-sent `consentedAt` is refused — the server stamps consent time itself (`toIntakeRecord`).
 * Custom messages never repeat what was sent: answers are patient data.
 */
const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

export const medicationSchema = z.strictObject({
  name: text(200),
  dose: text(100).optional(),
  frequency: text(100).optional(),
});

export const intakeAnswersSchema = z.strictObject({
  reasonForVisit: text(2000),
  symptoms: z.array(text(200)).max(50, 'must have at most 50 entries'),
  currentMedications: z.array(medicationSchema).max(50, 'must have at most 50 entries'),
  allergies: z.array(text(200)).max(50, 'must have at most 50 entries').optional(),
  consentToRemoteConsultation: z.literal(true, { error: 'consent to remote consultation is required' }),
});

export type Medication = z.infer<typeof medicationSchema>;
export type IntakeAnswers = z.infer<typeof intakeAnswersSchema>;

export interface IntakeRecord extends IntakeAnswers {
  /** RFC 3339 UTC, set from the server's clock when the answers are accepted. */
  consentedAt: string;
}

/** Stamps validated answers with the server-side consent time. */
export function toIntakeRecord(answers: IntakeAnswers, now: Date): IntakeRecord {
  return { ...answers, consentedAt: toUtcString(now) };
}
