/** The rehab query function's adapters, built from the runtime's deps (AWS or local: the same code). */
import { PatientAccess } from '../access/patient-access.js';
import type { Operations } from '../api/operation.js';
import { DynamoAuditLog } from '../audit/dynamo-audit-log.js';
import { DynamoRecordsStore } from '../records/dynamo-records.js';
import type { Deps } from '../runtime/deps.js';
import { DynamoRehabSessions } from '../telemetry/rehab-sessions.js';
import { createRehabQueryOperations } from './operations.js';

export function rehabQueryOperationsFrom(deps: Deps): Operations {
  const records = new DynamoRecordsStore(deps.dynamodb, deps.config.recordsTableName, deps.now);
  return createRehabQueryOperations({
    // The reader directly, not telemetry/compose.ts: this function does not bundle the stream processor.
    sessions: new DynamoRehabSessions(deps.dynamodb, deps.config.recordsTableName),
    access: new PatientAccess(records),
    audit: new DynamoAuditLog(deps.dynamodb, deps.config.auditTableName),
    now: deps.now,
  });
}
