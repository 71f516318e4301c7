import { PatientAccess } from '../access/patient-access.js';
import type { Operations } from '../api/operation.js';
import { DynamoAuditLog } from '../audit/dynamo-audit-log.js';
import { DynamoRecordsStore } from '../records/dynamo-records.js';
import type { Deps } from '../runtime/deps.js';
import { BookingService } from './booking.js';
import { DynamoAppointmentStore } from './dynamo-appointments.js';
import { DynamoAvailabilityStore } from './dynamo-availability.js';
import { DynamoSlotLockStore } from './dynamo-slot-locks.js';
import { createSchedulingOperations } from './operations.js';
import { SlotSearch } from './slot-search.js';

/** The scheduling function's adapters, built from the runtime's deps (AWS or local: the same code). */
export function schedulingOperationsFrom(deps: Deps): Operations {
  const table = deps.config.recordsTableName;
  const records = new DynamoRecordsStore(deps.dynamodb, table, deps.now);
  const appointments = new DynamoAppointmentStore(deps.dynamodb, table);
  const availability = new DynamoAvailabilityStore(deps.dynamodb, table);
  return createSchedulingOperations({
    records,
    access: new PatientAccess(records),
    audit: new DynamoAuditLog(deps.dynamodb, deps.config.auditTableName),
    appointments,
    availability,
    booking: new BookingService(appointments, new DynamoSlotLockStore(deps.dynamodb, table, deps.now), deps.now),
    slots: new SlotSearch(records, availability, appointments, deps.now),
    now: deps.now,
  });
}
