/**
 * The device registry as the devices API keeps it. The stored item is the `DeviceRecord` the telemetry pipeline reads
 * (lambdas/telemetry/devices.ts: pk `DEVICE#<deviceId>`, sk `DEVICE`, read by the stream processor and the local broker)
 * plus what only the API needs: hardware details, times, and the gsi1 keys that list a patient's devices.
 * Nothing here is PHI beyond ids; the private key of a device is never stored anywhere.
 */
import type { DeviceRecord } from '../telemetry/devices.js';

export interface StoredDevice extends DeviceRecord {
  /** Hardware model and serial number of the gateway, as the registering practitioner typed them (optional). */
  readonly model?: string;
  readonly serialNumber?: string;
  /** RFC 3339 UTC. */
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly deactivatedAt?: string;
}

/** A device as the API shows it: never a private key. */
export interface DeviceView {
  readonly id: string;
  readonly patientId: string;
  readonly placements: readonly string[];
  readonly status: DeviceRecord['status'];
  readonly model?: string;
  readonly serialNumber?: string;
  readonly certificateId: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly deactivatedAt?: string;
}

export function deviceView(device: StoredDevice): DeviceView {
  return {
    id: device.deviceId,
    patientId: device.patientId,
    placements: [...device.placements],
    status: device.status,
    ...(device.model !== undefined ? { model: device.model } : {}),
    ...(device.serialNumber !== undefined ? { serialNumber: device.serialNumber } : {}),
    certificateId: device.certificateId,
    createdAt: device.createdAt,
    updatedAt: device.updatedAt,
    ...(device.deactivatedAt !== undefined ? { deactivatedAt: device.deactivatedAt } : {}),
  };
}
