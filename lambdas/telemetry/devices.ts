/**
 * The device registry as the telemetry pipeline reads it. The devices API owns the item (it registers a wearable,
 * attaches its certificate, assigns it to a patient); the stream processor and the local IoT broker only read it.
 * Item: records table, pk `DEVICE#<deviceId>`, sk `DEVICE`.
 */
import { GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { telemetryKeys } from './keys.js';

export type DeviceStatus = 'active' | 'inactive';

export interface DeviceRecord {
  readonly deviceId: string;
  /** The patient wearing it: sessions recorded by the device belong to this patient. */
  readonly patientId: string;
  /** Limb segments its sensors are strapped to (lambdas/rehab/exercises.ts `Segment` names). */
  readonly placements: readonly string[];
  /** Only an active device's telemetry is accepted and only an active device may connect. */
  readonly status: DeviceStatus;
  /** SHA-256 of the device certificate's DER (lower-case hex), the form of an AWS IoT certificate id. */
  readonly certificateId: string;
}

/** Port: who a device is. */
export interface DeviceDirectory {
  get(deviceId: string): Promise<DeviceRecord | undefined>;
}

/** Is this certificate the registered, active one of this device? (The local broker's connect check.) */
export async function isCertificateActive(directory: DeviceDirectory, certificateId: string, deviceId: string): Promise<boolean> {
  const device = await directory.get(deviceId);
  return device !== undefined && device.status === 'active' && device.certificateId === certificateId;
}

export interface DeviceDirectoryOptions {
  /** How long a found device is reused; 0 reads every time. Default 30 s: a deactivation takes effect within it. */
  readonly cacheMs?: number;
  /** How long "no such device" is reused, so a flood from an unregistered id does not become a read flood. Default 5 s. */
  readonly missCacheMs?: number;
  readonly now?: () => number;
}

/** Entries kept per container; devices beyond it are read again (oldest entries go first). */
const MAX_CACHED_DEVICES = 10_000;

export class DynamoDeviceDirectory implements DeviceDirectory {
  private readonly cache = new Map<string, { device: DeviceRecord | undefined; until: number }>();
  private readonly cacheMs: number;
  private readonly missCacheMs: number;
  private readonly now: () => number;

  constructor(
    private readonly db: DynamoDBClient,
    private readonly tableName: string,
    options: DeviceDirectoryOptions = {},
  ) {
    this.cacheMs = options.cacheMs ?? 30_000;
    this.missCacheMs = options.missCacheMs ?? 5_000;
    this.now = options.now ?? Date.now;
  }

  async get(deviceId: string): Promise<DeviceRecord | undefined> {
    const now = this.now();
    const cached = this.cache.get(deviceId);
    if (cached && cached.until > now) return cached.device;
    const result = await this.db.send(new GetItemCommand({ TableName: this.tableName, Key: marshall(telemetryKeys.device(deviceId)) }));
    const device = result.Item ? toDevice(unmarshall(result.Item)) : undefined;
    const ttl = device ? this.cacheMs : this.missCacheMs;
    if (ttl > 0) {
      this.cache.delete(deviceId);
      if (this.cache.size >= MAX_CACHED_DEVICES) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(deviceId, { device, until: now + ttl });
    }
    return device;
  }
}

function toDevice(item: Record<string, unknown>): DeviceRecord | undefined {
  const { deviceId, patientId, placements, status, certificateId } = item;
  if (typeof deviceId !== 'string' || typeof patientId !== 'string' || typeof certificateId !== 'string') return undefined;
  if (status !== 'active' && status !== 'inactive') return undefined;
  return { deviceId, patientId, placements: Array.isArray(placements) ? placements.map(String) : [], status, certificateId };
}

/** Writes a registry item (tests and the local stack; the devices API writes the same shape). */
export async function putDevice(db: DynamoDBClient, tableName: string, device: DeviceRecord): Promise<void> {
  await db.send(
    new PutItemCommand({
      TableName: tableName,
      Item: marshall({ ...telemetryKeys.device(device.deviceId), entity: 'device', ...device, placements: [...device.placements] }),
    }),
  );
}
