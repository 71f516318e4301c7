import { z } from 'zod';
import type { IdPrefix } from '../shared/ids.js';
import { isValidTimeZone } from '../scheduling/domain/time-zones.js';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from './dynamo-support.js';

/**
 * Request schemas of the records capability, and the building blocks the scheduling schemas share.
 * Strict objects everywhere (unknown fields are a 400); custom messages never echo what was sent.
 */

const ULID = '[0-9A-HJKMNP-TV-Z]{26}';
const NOUNS: Record<IdPrefix, string> = {
  fac: 'facility', prac: 'practitioner', pat: 'patient', appt: 'appointment', cons: 'consult', inv: 'invitation',
  dev: 'device', rsess: 'rehab session', aud: 'audit record', note: 'note', req: 'request',
};

export const idSchema = (prefix: IdPrefix) =>
  z.string().regex(new RegExp(`^${prefix}_${ULID}$`), `must be a ${NOUNS[prefix]} id (${prefix}_…)`);

/** A Cognito `sub` (a UUID in AWS; any token-safe string locally). Never contains '#', which separates key parts. */
export const userIdSchema = z.string().regex(/^[A-Za-z0-9._@:-]{1,128}$/, 'must be a user id (letters, digits, . _ @ : -, at most 128)');

export const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

export const timeZoneSchema = z.string().refine(isValidTimeZone, 'must be an IANA time zone name such as Europe/London');

/** BCP 47 language tag: 'en', 'vi', 'pt-BR'. */
export const languageTagSchema = z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$/, 'must be a BCP 47 language tag such as en or pt-BR');

export const specialtySchema = z.string().regex(/^[a-z][a-z0-9-]{1,49}$/, 'must be a lower-case slug such as cardiology');

export const personNameSchema = z.strictObject({ given: text(100), family: text(100) });

const phoneSchema = z.string().regex(/^\+[1-9][0-9]{6,14}$/, 'must be an E.164 phone number such as +84901234567');
const emailSchema = z.email('must be an email address').max(254, 'must be at most 254 characters');

export const contactSchema = z
  .strictObject({ email: emailSchema.optional(), phone: phoneSchema.optional() })
  .refine((contact) => contact.email !== undefined || contact.phone !== undefined, 'must have an email or a phone number');

const unique = <T>(values: readonly T[]) => new Set(values).size === values.length;

export const pageQuery = {
  limit: z.coerce.number().int('must be a whole number').min(1, 'must be at least 1').max(MAX_PAGE_LIMIT, `must be at most ${MAX_PAGE_LIMIT}`).default(DEFAULT_PAGE_LIMIT),
  cursor: z.string().regex(/^[A-Za-z0-9_-]{1,2048}$/, 'must be a cursor returned by this list').optional(),
};

export const idParams = (prefix: IdPrefix) => z.strictObject({ id: idSchema(prefix) });

// ---- facilities ------------------------------------------------------------------------------------------------

export const FACILITY_KINDS = ['hub', 'spoke'] as const;

export const createFacilityBody = z
  .strictObject({
    name: text(200),
    kind: z.enum(FACILITY_KINDS),
    /** Spokes only: the hub hospitals this clinic refers to. */
    hubIds: z.array(idSchema('fac')).max(10, 'must have at most 10 entries').refine(unique, 'must not repeat a facility').optional(),
    timeZone: timeZoneSchema,
  })
  .refine((body) => body.kind === 'spoke' || body.hubIds === undefined || body.hubIds.length === 0, {
    path: ['hubIds'],
    message: 'only a spoke clinic is linked to hubs',
  });
export type CreateFacilityBody = z.infer<typeof createFacilityBody>;

export const listFacilitiesQuery = z.strictObject({ kind: z.enum(FACILITY_KINDS).optional(), ...pageQuery });

// ---- practitioners ---------------------------------------------------------------------------------------------

export const PRACTITIONER_ROLES = ['clinician', 'therapist'] as const;

export const createPractitionerBody = z.strictObject({
  name: personNameSchema,
  role: z.enum(PRACTITIONER_ROLES),
  specialties: z.array(specialtySchema).min(1, 'must list at least one specialty').max(10, 'must have at most 10 entries').refine(unique, 'must not repeat a specialty'),
  facilityId: idSchema('fac'),
  languages: z.array(languageTagSchema).min(1, 'must list at least one language').max(10, 'must have at most 10 entries').refine(unique, 'must not repeat a language'),
  timeZone: timeZoneSchema,
  userId: userIdSchema,
});
export type CreatePractitionerBody = z.infer<typeof createPractitionerBody>;

export const listPractitionersQuery = z.strictObject({ specialty: specialtySchema.optional(), facilityId: idSchema('fac').optional(), ...pageQuery });

// ---- patients --------------------------------------------------------------------------------------------------

export const CAREGIVER_RELATIONSHIPS = ['parent', 'spouse', 'partner', 'child', 'sibling', 'guardian', 'other'] as const;

export const caregiverSchema = z.strictObject({
  name: personNameSchema,
  relationship: z.enum(CAREGIVER_RELATIONSHIPS),
  contact: contactSchema.optional(),
  /** The caregiver's own account, when they have one. */
  userId: userIdSchema.optional(),
});

const birthDateSchema = z.iso
  .date('must be a date YYYY-MM-DD')
  .refine((value) => value >= '1900-01-01' && value <= new Date().toISOString().slice(0, 10), 'must be a date between 1900-01-01 and today');

export const createPatientBody = z.strictObject({
  name: personNameSchema,
  birthDate: birthDateSchema,
  contact: contactSchema,
  preferredLanguage: languageTagSchema,
  homeFacilityId: idSchema('fac'),
  caregivers: z.array(caregiverSchema).max(10, 'must have at most 10 entries').default([]),
  /** The patient's own account: a token whose `sub` is this id acts as this patient. */
  userId: userIdSchema,
});
export type CreatePatientBody = z.infer<typeof createPatientBody>;

export const addCareTeamMemberBody = z.strictObject({ practitionerId: idSchema('prac') });

export const auditQuery = z.strictObject({ ...pageQuery });
