import { z } from 'zod';
import { idSchema, pageQuery, text, userIdSchema } from '../records/schemas.js';
import { INVITEE_KINDS } from './domain/participants.js';
import { SECRET_PATTERN } from './domain/secrets.js';

/** Request schemas of consults. Strict objects; messages never echo what was sent. */

const ULID = '[0-9A-HJKMNP-TV-Z]{26}';

export const consultParams = z.strictObject({ id: idSchema('cons') });

export const startConsultBody = z.strictObject({ appointmentId: idSchema('appt') });

/** Optional: an empty join is a full audio and video join. */
export const joinConsultBody = z.strictObject({ audioOnly: z.boolean().optional() }).optional();

export const participantIdSchema = z.string().regex(new RegExp(`^(prac|pat|inv)_${ULID}$`), 'must be a participant id (prac_…, pat_… or inv_…)');

export const participantBody = z.strictObject({ participantId: participantIdSchema });

export const inviteBody = z
  .strictObject({
    kind: z.enum(INVITEE_KINDS),
    /** A practitioner (of any facility), for kind `practitioner`. */
    practitionerId: idSchema('prac').optional(),
    /** Someone with an account (a caregiver, an interpreter); without one, the invite is a one-time guest link. */
    userId: userIdSchema.optional(),
  })
  .superRefine((body, ctx) => {
    if (body.kind === 'practitioner') {
      if (!body.practitionerId) ctx.addIssue({ code: 'custom', path: ['practitionerId'], message: 'is required to invite a practitioner' });
      if (body.userId) ctx.addIssue({ code: 'custom', path: ['userId'], message: 'goes with caregivers, interpreters and others; a practitioner is named by practitionerId' });
    } else if (body.practitionerId) {
      ctx.addIssue({ code: 'custom', path: ['practitionerId'], message: 'goes with kind practitioner only' });
    }
  });

const soapSection = z.string().max(20_000, 'must be at most 20000 characters');

export const putNoteBody = z.strictObject({ subjective: soapSection, objective: soapSection, assessment: soapSection, plan: soapSection });

export const addendumBody = z.strictObject({ text: text(20_000) });

export const consultPageQuery = z.strictObject({ ...pageQuery });

export const redeemInviteBody = z.strictObject({ token: z.string().regex(SECRET_PATTERN, 'must be an invite token') });

export const guestJoinBody = z.strictObject({
  session: z.string().regex(new RegExp(`^inv_${ULID}\\.[A-Za-z0-9_-]{43}$`), 'must be the guest session from redeeming the invite'),
  audioOnly: z.boolean().optional(),
});
