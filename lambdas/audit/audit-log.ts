import type { Role } from '../api/roles.js';
import { Conflict, DomainError, Forbidden, NotFound, PreconditionFailed, ValidationError } from '../shared/errors.js';
import type { Page, PageRequest } from '../records/dynamo-support.js';
import { NotYours } from '../access/policy.js';

/**
 * The audit trail of patient data: who (user id and role) did what (operation) to which resource (ids only), when,
 * and how it ended. Append-only: the port has no update or delete, and in AWS the functions' IAM role has only
 * PutItem and Query on the audit table.
 */
export const AUDIT_OUTCOMES = ['allowed', 'denied', 'not-found', 'conflict', 'invalid', 'error'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** Resource kinds of records and scheduling; other capabilities record their own kinds (e.g. consult). */
export type AuditResourceType = 'patient' | 'appointment' | 'appointment-list' | 'care-relationship' | 'audit-trail';

export interface AuditEntry {
  readonly auditId: string;
  /** RFC 3339 UTC with milliseconds, so entries of one patient sort by time. */
  readonly at: string;
  readonly patientId: string;
  /** A user id, or for callers without an account (a consult guest) an id of theirs. */
  readonly actorId: string;
  readonly actorRole: Role | 'guest';
  /** The operationId, e.g. getPatient, createAppointment. */
  readonly action: string;
  /** What kind of resource `resourceId` names: an AuditResourceType or another capability's kind. */
  readonly resourceType: AuditResourceType | (string & {});
  readonly resourceId: string;
  readonly outcome: AuditOutcome;
  readonly requestId: string;
}

export interface AuditLog {
  append(entry: AuditEntry): Promise<void>;
  /** A patient's trail, newest first. */
  listForPatient(patientId: string, page: PageRequest): Promise<Page<AuditEntry>>;
}

/** How an operation that touched patient data ended, from the error it threw (or none). */
export function outcomeOf(error: unknown): AuditOutcome {
  if (error === undefined) return 'allowed';
  if (error instanceof NotYours || error instanceof Forbidden) return 'denied';
  if (error instanceof NotFound) return 'not-found';
  if (error instanceof Conflict || error instanceof PreconditionFailed) return 'conflict';
  if (error instanceof ValidationError) return 'invalid';
  if (error instanceof DomainError) return 'denied';
  return 'error';
}
