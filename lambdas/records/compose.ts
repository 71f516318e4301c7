import { PatientAccess } from '../access/patient-access.js';
import type { Operations } from '../api/operation.js';
import { DynamoAuditLog } from '../audit/dynamo-audit-log.js';
import type { Deps } from '../runtime/deps.js';
import { DynamoRecordsStore } from './dynamo-records.js';
import { createRecordsOperations } from './operations.js';

/** The records function's adapters, built from the runtime's deps (AWS or local: the same code). */
export function recordsOperationsFrom(deps: Deps): Operations {
  const records = new DynamoRecordsStore(deps.dynamodb, deps.config.recordsTableName, deps.now);
  return createRecordsOperations({
    records,
    access: new PatientAccess(records),
    audit: new DynamoAuditLog(deps.dynamodb, deps.config.auditTableName),
    now: deps.now,
  });
}
