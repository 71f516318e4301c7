import { Conflict, PreconditionFailed } from '../../shared/errors.js';

/**
 * Consult notes in SOAP form. Every save is a new version (history is kept, never overwritten); signing is itself a
 * version, so one sequence of version numbers orders edits and the signature: a write based on a stale version and a
 * write after the signature are both refused by the same conditional put.
 */
export interface SoapNote {
  subjective: string;
  objective: string;
  assessment: string;
  plan: string;
}

export type NoteStatus = 'draft' | 'signed';

export interface NoteVersion {
  consultId: string;
  /** 1, 2, 3...: the ETag. */
  version: number;
  status: NoteStatus;
  soap: SoapNote;
  /** User id of whoever saved (or signed) this version. */
  authorId: string;
  createdAt: string;
  signedAt?: string;
}

export interface NoteAddendum {
  consultId: string;
  addendumId: string;
  text: string;
  authorId: string;
  createdAt: string;
}

/** If-Match: absent, `*`, or the version as an entity tag (`"3"`, `W/"3"`, `3`). */
export type ExpectedVersion = number | '*' | undefined;

/** The version number a save gets. Signed notes are locked (409) before any version question (412) is asked. */
export function versionForSave(latest: NoteVersion | undefined, expected: ExpectedVersion): number {
  if (!latest) {
    if (typeof expected === 'number') throw new PreconditionFailed('there is no note yet; save the first version without If-Match');
    return 1;
  }
  if (latest.status === 'signed') throw new Conflict('the note is signed and locked; add an addendum instead');
  if (expected === undefined) throw new PreconditionFailed('a note exists: send If-Match with its version');
  if (expected !== '*' && expected !== latest.version) throw new PreconditionFailed('the note changed meanwhile; fetch it and try again');
  return latest.version + 1;
}

/** Signing names the exact version reviewed: If-Match with a version number is required. */
export function versionForSigning(latest: NoteVersion | undefined, expected: ExpectedVersion): number {
  if (!latest) throw new Conflict('there is no note to sign');
  if (latest.status === 'signed') throw new Conflict('the note is already signed');
  if (typeof expected !== 'number') throw new PreconditionFailed('send If-Match with the version you are signing');
  if (expected !== latest.version) throw new PreconditionFailed('the note changed meanwhile; review it again before signing');
  return latest.version + 1;
}

export function requireSigned(latest: NoteVersion | undefined): NoteVersion {
  if (!latest || latest.status !== 'signed') throw new Conflict('addenda are added to a signed note; sign the note first');
  return latest;
}

/** What the patient sees of their consult's note: configurable, by default only once signed. */
export const PATIENT_NOTE_VISIBILITIES = ['never', 'after-signing', 'always'] as const;
export type PatientNoteVisibility = (typeof PATIENT_NOTE_VISIBILITIES)[number];

export function patientMaySee(visibility: PatientNoteVisibility, latest: NoteVersion): boolean {
  if (visibility === 'always') return true;
  if (visibility === 'after-signing') return latest.status === 'signed';
  return false;
}

export function parseIfMatch(header: string | undefined): ExpectedVersion | 'invalid' {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (value === '*') return '*';
  const match = /^(?:W\/)?"?(\d{1,9})"?$/.exec(value);
  return match ? Number(match[1]) : 'invalid';
}
