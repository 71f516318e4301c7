import type { ApiRequest } from '../api/operation.js';
import type { Role } from '../api/roles.js';
import { outcomeOf, type AuditEntry, type AuditLog, type AuditOutcome } from '../audit/audit-log.js';
import type { Auditing } from '../audit/audited.js';
import { newId } from '../shared/ids.js';
import { logger } from '../shared/observability.js';

/**
 * Consult actions in the patient's audit trail, through the audit log port: who (user id and role, or a guest's
 * participant id), what (operationId), which resource (consult, note, participant or invite id), how it ended.
 * Like `audited` (audit/audited.ts) but for consult resources and for guests, who have no account and no role.
 */
export type ConsultAuditResource = 'consult' | 'consult-note' | 'consult-participant' | 'consult-invite';

export interface ConsultActor {
  readonly id: string;
  readonly role: Role | 'guest';
}

export interface ConsultAuditTarget {
  patientId?: string;
  resourceType: ConsultAuditResource;
  resourceId?: string;
}

async function append(log: AuditLog, at: Date, request: ApiRequest, actor: ConsultActor, target: ConsultAuditTarget, outcome: AuditOutcome, patientId: string) {
  const entry = {
    auditId: newId('aud', at.getTime()),
    at: at.toISOString(),
    patientId,
    actorId: actor.id,
    actorRole: actor.role,
    action: request.operationId,
    resourceType: target.resourceType,
    resourceId: target.resourceId ?? patientId,
    outcome,
    requestId: request.requestId,
  };
  // audit-log.ts types predate consults (its resource types and Role have no consult resources and no guest); the
  // stored shape is the same, so the entry goes through the same port.
  await log.append(entry satisfies Omit<AuditEntry, 'actorRole' | 'resourceType'> as unknown as AuditEntry);
}

/**
 * Runs the work and appends its audit record once the patient is known: after success before the response leaves
 * (a failed audit write fails the request, so nothing is served unaudited), after a refusal or fault with its outcome;
 * nothing for a request refused as invalid.
 */
export async function auditedConsult<T>(
  auditing: Auditing,
  request: ApiRequest,
  actor: ConsultActor,
  target: ConsultAuditTarget,
  work: (target: ConsultAuditTarget) => Promise<T>,
): Promise<T> {
  let result: T;
  try {
    result = await work(target);
  } catch (error) {
    const outcome = outcomeOf(error);
    // As in `audited`: a request refused as malformed (400) changed nothing, so it writes nothing, audit included.
    if (target.patientId && outcome !== 'invalid') {
      await append(auditing.log, auditing.now(), request, actor, target, outcome, target.patientId).catch((auditError: unknown) =>
        logger.error('audit append failed', { operationId: request.operationId, errorName: (auditError as Error)?.name }),
      );
    }
    throw error;
  }
  if (target.patientId) await append(auditing.log, auditing.now(), request, actor, target, 'allowed', target.patientId);
  return result;
}
