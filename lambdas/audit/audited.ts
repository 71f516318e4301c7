import { callerOf, type ApiRequest } from '../api/operation.js';
import { newId } from '../shared/ids.js';
import { logger } from '../shared/observability.js';
import { outcomeOf, type AuditLog, type AuditOutcome, type AuditResourceType } from './audit-log.js';

/** What an operation touches; filled in as it learns (an appointment's patient is known only once it is read). */
export interface AuditTarget {
  patientId?: string;
  resourceType: AuditResourceType;
  resourceId?: string;
}

export interface Auditing {
  readonly log: AuditLog;
  readonly now: () => Date;
}

async function append(auditing: Auditing, request: ApiRequest, target: AuditTarget, outcome: AuditOutcome, patientId: string): Promise<void> {
  const caller = callerOf(request);
  const at = auditing.now();
  await auditing.log.append({
    auditId: newId('aud', at.getTime()),
    at: at.toISOString(),
    patientId,
    actorId: caller.userId,
    actorRole: caller.role,
    action: request.operationId,
    resourceType: target.resourceType,
    resourceId: target.resourceId ?? patientId,
    outcome,
    requestId: request.requestId,
  });
}

/**
 * Runs an operation on patient data and appends its audit record: after success, before the response leaves (an audit
 * write that fails turns the response into a 500, so no patient data is served unaudited); after a refusal or fault,
 * with its outcome. Nothing is recorded when no patient was identified (e.g. an unknown appointment id), nor for a
 * request refused as invalid.
 */
export async function audited<T>(auditing: Auditing, request: ApiRequest, target: AuditTarget, work: (target: AuditTarget) => Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await work(target);
  } catch (error) {
    const outcome = outcomeOf(error);
    // A request refused as malformed (400) served and changed nothing, so it is not recorded: a rejected request
    // writes nothing at all. Access is decided before any such check, so a denial is always recorded first.
    if (target.patientId && outcome !== 'invalid') {
      await append(auditing, request, target, outcome, target.patientId).catch((auditError: unknown) =>
        logger.error('audit append failed', { operationId: request.operationId, errorName: (auditError as Error)?.name }),
      );
    }
    throw error;
  }
  if (target.patientId) await append(auditing, request, target, 'allowed', target.patientId);
  return result;
}

/** One record per patient for an operation that read several (a practitioner's agenda). */
export async function auditEach(auditing: Auditing, request: ApiRequest, patientIds: Iterable<string>, resourceType: AuditResourceType, resourceId: string): Promise<void> {
  await Promise.all([...new Set(patientIds)].map((patientId) => append(auditing, request, { resourceType, resourceId }, 'allowed', patientId)));
}
