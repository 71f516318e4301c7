import { z } from 'zod';
import { idSchema, pageQuery, specialtySchema, timeZoneSchema } from '../records/schemas.js';
import { APPOINTMENT_TYPES } from './domain/appointment.js';
import { MAX_EXCEPTIONS, MAX_RULES } from './domain/availability.js';
import { intakeAnswersSchema } from './domain/intake.js';
import { MAX_RANGE_DAYS } from './domain/slots.js';
import type { Weekday } from './domain/time-zones.js';
import { CANCEL_REASONS } from './model.js';

/**
 * Request schemas of the scheduling capability. The shape is checked here; the meaning of an availability document
 * (times on the 5-minute grid, no overlaps, ...) by domain/availability.ts, whose field errors are reported the same way.
 */

/** RFC 3339 in UTC ('Z'), as CONVENTIONS.md asks. */
export const utcDateTime = z.iso.datetime({ message: 'must be an RFC 3339 UTC date-time such as 2026-11-23T02:00:00Z' });

const WEEKDAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const satisfies readonly Weekday[];
const localTime = z.string().max(5);
const minutes = z.number().int('must be a whole number of minutes');

export const availabilityRuleSchema = z.strictObject({
  days: z.array(z.enum(WEEKDAY_NAMES)).max(7, 'must have at most 7 entries'),
  start: localTime,
  end: localTime,
  slotMinutes: minutes,
  bufferMinutes: minutes.optional(),
  types: z.array(z.enum(APPOINTMENT_TYPES)).max(APPOINTMENT_TYPES.length, `must have at most ${APPOINTMENT_TYPES.length} entries`).optional(),
});

export const availabilityExceptionSchema = z.strictObject({
  date: z.string().max(10),
  kind: z.enum(['unavailable', 'extra']),
  start: localTime.optional(),
  end: localTime.optional(),
  slotMinutes: minutes.optional(),
  bufferMinutes: minutes.optional(),
});

export const putAvailabilityBody = z.strictObject({
  /** Optional: always the practitioner's zone; a different one is refused. */
  timeZone: timeZoneSchema.optional(),
  rules: z.array(availabilityRuleSchema).max(MAX_RULES, `must have at most ${MAX_RULES} entries`),
  exceptions: z.array(availabilityExceptionSchema).max(MAX_EXCEPTIONS, `must have at most ${MAX_EXCEPTIONS} entries`).default([]),
});

const MAX_RANGE_MS = MAX_RANGE_DAYS * 24 * 3600 * 1000;
/** An agenda is read a day or a week at a time; a month is plenty. */
export const MAX_AGENDA_DAYS = 31;

function checkRange(ctx: z.RefinementCtx, from: string | undefined, to: string | undefined, maxDays: number): void {
  if (from === undefined || to === undefined) return;
  const span = Date.parse(to) - Date.parse(from);
  if (span <= 0) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
  else if (span > maxDays * 24 * 3600 * 1000) ctx.addIssue({ code: 'custom', path: ['to'], message: `must be at most ${maxDays} days after from` });
}

export const searchSlotsQuery = z
  .strictObject({
    practitionerId: idSchema('prac').optional(),
    specialty: specialtySchema.optional(),
    facilityId: idSchema('fac').optional(),
    from: utcDateTime,
    to: utcDateTime,
    type: z.enum(APPOINTMENT_TYPES).optional(),
    ...pageQuery,
  })
  .superRefine((query, ctx) => {
    if ((query.practitionerId === undefined) === (query.specialty === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['practitionerId'], message: 'give either practitionerId, or specialty (with an optional facilityId)' });
    }
    if (query.practitionerId !== undefined && query.facilityId !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['facilityId'], message: 'goes with specialty, not with practitionerId' });
    }
    checkRange(ctx, query.from, query.to, MAX_RANGE_MS / (24 * 3600 * 1000));
  });

export const createAppointmentBody = z.strictObject({
  patientId: idSchema('pat'),
  practitionerId: idSchema('prac'),
  start: utcDateTime,
  type: z.enum(APPOINTMENT_TYPES),
});

export const listAppointmentsQuery = z
  .strictObject({
    patientId: idSchema('pat').optional(),
    practitionerId: idSchema('prac').optional(),
    from: utcDateTime.optional(),
    to: utcDateTime.optional(),
    ...pageQuery,
  })
  .superRefine((query, ctx) => {
    if ((query.patientId === undefined) === (query.practitionerId === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['patientId'], message: 'give exactly one of patientId and practitionerId' });
    }
    if (query.practitionerId !== undefined) {
      if (query.from === undefined) ctx.addIssue({ code: 'custom', path: ['from'], message: 'is required for an agenda' });
      if (query.to === undefined) ctx.addIssue({ code: 'custom', path: ['to'], message: 'is required for an agenda' });
      checkRange(ctx, query.from, query.to, MAX_AGENDA_DAYS);
    } else {
      checkRange(ctx, query.from, query.to, Number.POSITIVE_INFINITY);
    }
  });

export const cancelAppointmentBody = z.strictObject({ reason: z.enum(CANCEL_REASONS).optional() }).optional();

export const rescheduleAppointmentBody = z.strictObject({ start: utcDateTime });

export const checkInBody = intakeAnswersSchema;
