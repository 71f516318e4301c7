import { PATIENT_NOTE_VISIBILITIES, type PatientNoteVisibility } from './domain/notes.js';

/**
 * Settings of the consults capability. In AWS they are environment variables the `Video` construct sets from CDK
 * context; locally the process environment (e.g. `CONSULT_MAX_PARTICIPANTS=4 npm start`). One parser validates both.
 */
export const CONSULT_ENV = {
  maxParticipants: 'CONSULT_MAX_PARTICIPANTS',
  inviteTtlSeconds: 'CONSULT_INVITE_TTL_SECONDS',
  guestSessionTtlSeconds: 'CONSULT_GUEST_SESSION_TTL_SECONDS',
  notesPatientVisibility: 'CONSULT_NOTES_PATIENT_VISIBILITY',
} as const;

export interface RateLimit {
  readonly limit: number;
  readonly windowSeconds: number;
}

export interface ConsultSettings {
  /** Participants a consult may hold at once (host and patient included); below Chime's 250 attendees a meeting. */
  readonly maxParticipants: number;
  readonly inviteTtlSeconds: number;
  readonly guestSessionTtlSeconds: number;
  readonly notesPatientVisibility: PatientNoteVisibility;
  /** Redeem attempts on one invite token, and redemptions into one consult: a leaked or replayed link cannot be hammered. */
  readonly redeemPerToken: RateLimit;
  readonly redeemPerConsult: RateLimit;
  /** A waiting guest polls join; generous for a poll every few seconds, tight enough to stop a loop. */
  readonly guestJoinPerParticipant: RateLimit;
}

/** Chime SDK: 250 attendees a meeting. */
export const CHIME_ATTENDEE_LIMIT = 250;

export const DEFAULT_CONSULT_SETTINGS: ConsultSettings = {
  maxParticipants: 10,
  inviteTtlSeconds: 24 * 3600,
  guestSessionTtlSeconds: 4 * 3600,
  notesPatientVisibility: 'after-signing',
  redeemPerToken: { limit: 5, windowSeconds: 900 },
  redeemPerConsult: { limit: 30, windowSeconds: 900 },
  guestJoinPerParticipant: { limit: 120, windowSeconds: 600 },
};

export class ConsultSettingsError extends Error {}

function integer(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max) throw new ConsultSettingsError(`${name}: a whole number from ${min} to ${max}`);
  return number;
}

/** Reads the settings from environment-like values; a wrong value throws with the variable's name (never silently defaults). */
export function consultSettingsFrom(env: Readonly<Record<string, string | undefined>>): ConsultSettings {
  const visibility = env[CONSULT_ENV.notesPatientVisibility] || DEFAULT_CONSULT_SETTINGS.notesPatientVisibility;
  if (!(PATIENT_NOTE_VISIBILITIES as readonly string[]).includes(visibility)) {
    throw new ConsultSettingsError(`${CONSULT_ENV.notesPatientVisibility}: one of ${PATIENT_NOTE_VISIBILITIES.join(', ')}`);
  }
  return {
    ...DEFAULT_CONSULT_SETTINGS,
    // At least host and patient; below Chime's cap so the meeting itself never refuses an admitted participant.
    maxParticipants: integer(CONSULT_ENV.maxParticipants, env[CONSULT_ENV.maxParticipants], DEFAULT_CONSULT_SETTINGS.maxParticipants, 2, CHIME_ATTENDEE_LIMIT - 1),
    inviteTtlSeconds: integer(CONSULT_ENV.inviteTtlSeconds, env[CONSULT_ENV.inviteTtlSeconds], DEFAULT_CONSULT_SETTINGS.inviteTtlSeconds, 300, 7 * 24 * 3600),
    guestSessionTtlSeconds: integer(CONSULT_ENV.guestSessionTtlSeconds, env[CONSULT_ENV.guestSessionTtlSeconds], DEFAULT_CONSULT_SETTINGS.guestSessionTtlSeconds, 600, 24 * 3600),
    notesPatientVisibility: visibility as PatientNoteVisibility,
  };
}
