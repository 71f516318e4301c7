/**
 * Rehab session queries: a patient's sessions with their summaries (newest first) and one session with its
 * repetitions, from the stream processor's storage (lambdas/telemetry/rehab-sessions.ts). Sensor-derived metrics are
 * clinical data: the patient themself, or a clinician or therapist on their care team (access action `read-clinical`;
 * admins are refused at the route). Every call that identifies a patient is audited.
 */
import type { PatientAccess } from '../access/patient-access.js';
import { callerOf, type Operations } from '../api/operation.js';
import type { AuditLog, AuditResourceType } from '../audit/audit-log.js';
import { audited, type Auditing } from '../audit/audited.js';
import { NotFound } from '../shared/errors.js';
import type { RehabSession } from '../telemetry/model.js';
import type { RehabSessionReader } from '../telemetry/rehab-sessions.js';
import type { ListRehabSessionsQuery } from './schemas.js';

export interface RehabQueryPorts {
  readonly sessions: RehabSessionReader;
  readonly access: PatientAccess;
  readonly audit: AuditLog;
  readonly now: () => Date;
}

export const REHAB_SESSION_NOT_FOUND = 'rehab session not found';

/** audit-log.ts predates rehab sessions; the stored entry has the same shape. */
const SESSION_RESOURCE = 'rehab-session' as AuditResourceType;
const SESSION_LIST_RESOURCE = 'rehab-session-list' as AuditResourceType;

/** A session as the API shows it: `id` like every other resource. */
export function rehabSessionView(session: RehabSession) {
  const { sessionId, ...rest } = session;
  return { id: sessionId, ...rest };
}

export function createRehabQueryOperations(ports: RehabQueryPorts): Operations {
  const { sessions, access } = ports;
  const auditing: Auditing = { log: ports.audit, now: ports.now };

  return {
    listPatientRehabSessions: async (request) => {
      const caller = callerOf(request);
      const patientId = request.params.id!;
      const query = request.query as ListRehabSessionsQuery;
      return audited(auditing, request, { patientId, resourceType: SESSION_LIST_RESOURCE, resourceId: patientId }, async () => {
        await access.requirePatient(caller, patientId, 'read-clinical');
        const page = await sessions.listSessionsByPatient(patientId, { limit: query.limit, cursor: query.cursor });
        return { status: 200, body: { ...page, items: page.items.map(rehabSessionView) } };
      });
    },

    getRehabSession: async (request) => {
      const caller = callerOf(request);
      const sessionId = request.params.id!;
      return audited(auditing, request, { resourceType: SESSION_RESOURCE, resourceId: sessionId }, async (target) => {
        const detail = await sessions.getSession(sessionId);
        if (!detail) throw new NotFound(REHAB_SESSION_NOT_FOUND);
        target.patientId = detail.session.patientId;
        // Hidden exactly like a missing session.
        await access.requirePatient(caller, detail.session.patientId, 'read-clinical', { hiddenAs: REHAB_SESSION_NOT_FOUND });
        return { status: 200, body: { ...rehabSessionView(detail.session), repetitions: detail.repetitions } };
      });
    },
  };
}
