/** The devices function's adapters, built from the runtime's deps: AWS IoT in AWS, the local CA and broker locally. */
import { PatientAccess } from '../access/patient-access.js';
import type { Operations } from '../api/operation.js';
import { DynamoAuditLog } from '../audit/dynamo-audit-log.js';
import { DynamoRecordsStore } from '../records/dynamo-records.js';
import type { Deps } from '../runtime/deps.js';
import { DynamoIdempotencyStore } from '../shared/idempotency.js';
import { DynamoDeviceRegistry } from './dynamo-registry.js';
import { IotDeviceProvisioner } from './iot-provisioner.js';
import { createDevicesOperations } from './operations.js';
import type { DeviceProvisioner } from './ports.js';
import { devicesSettingsFrom } from './settings.js';

/** AWS: IoT things and certificates; the settings come from the environment the CDK construct sets. */
export function iotDeviceProvisionerFrom(deps: Deps, env: Readonly<Record<string, string | undefined>> = process.env): DeviceProvisioner {
  const settings = devicesSettingsFrom(env);
  return new IotDeviceProvisioner(deps.iot, settings.devicePolicyName, settings.iotEndpoint);
}

export function devicesOperationsFrom(deps: Deps): Operations {
  const table = deps.config.recordsTableName;
  const records = new DynamoRecordsStore(deps.dynamodb, table, deps.now);
  return createDevicesOperations({
    registry: new DynamoDeviceRegistry(deps.dynamodb, table),
    // The local composition root passes its own (local CA + broker); AWS entry points have none and use IoT.
    provisioner: deps.deviceProvisioner ?? iotDeviceProvisionerFrom(deps),
    access: new PatientAccess(records),
    audit: new DynamoAuditLog(deps.dynamodb, deps.config.auditTableName),
    idempotency: new DynamoIdempotencyStore(deps.dynamodb, table, deps.now),
    now: deps.now,
  });
}
