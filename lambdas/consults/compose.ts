import { PatientAccess } from '../access/patient-access.js';
import type { Operations } from '../api/operation.js';
import { DynamoAuditLog } from '../audit/dynamo-audit-log.js';
import { DynamoRecordsStore } from '../records/dynamo-records.js';
import type { Deps } from '../runtime/deps.js';
import { DynamoAppointmentStore } from '../scheduling/dynamo-appointments.js';
import { ChimeMeetings } from './chime-meetings.js';
import { DynamoConsultStore } from './dynamo-consults.js';
import { DynamoInviteStore, DynamoRateLimiter } from './dynamo-invites.js';
import { DynamoNoteStore } from './dynamo-notes.js';
import { recordMeetingEvent } from './events.js';
import { createConsultOperations } from './operations.js';
import { consultSettingsFrom } from './settings.js';

/** The consults function's adapters, built from the runtime's deps (AWS or local: the same code). */
export function consultsOperationsFrom(deps: Deps): Operations {
  const table = deps.config.recordsTableName;
  const records = new DynamoRecordsStore(deps.dynamodb, table, deps.now);
  return createConsultOperations({
    records,
    access: new PatientAccess(records),
    audit: new DynamoAuditLog(deps.dynamodb, deps.config.auditTableName),
    appointments: new DynamoAppointmentStore(deps.dynamodb, table),
    consults: new DynamoConsultStore(deps.dynamodb, table),
    notes: new DynamoNoteStore(deps.dynamodb, table),
    invites: new DynamoInviteStore(deps.dynamodb, table),
    rateLimits: new DynamoRateLimiter(deps.dynamodb, table),
    meetings: new ChimeMeetings(deps.chime),
    // Settings are read when the function is built: the Lambda's environment in AWS, the process's locally.
    settings: consultSettingsFrom(process.env),
    mediaRegion: deps.config.chimeMediaRegion,
    now: deps.now,
  });
}

/** The meeting-events consumer: the EventBridge target in AWS, the Chime emulator's `onEvent` locally. */
export function consultEventsHandlerFrom(deps: Deps): (event: unknown) => Promise<void> {
  const ports = { consults: new DynamoConsultStore(deps.dynamodb, deps.config.recordsTableName), now: deps.now };
  return async (event) => {
    await recordMeetingEvent(ports, event);
  };
}
