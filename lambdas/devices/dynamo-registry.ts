/**
 * The device registry on the records table. The item is the telemetry pipeline's `DeviceRecord`
 * (lambdas/telemetry/devices.ts: pk `DEVICE#<deviceId>`, sk `DEVICE`, entity `device`, the shape `putDevice` writes)
 * plus the API's own attributes and gsi1 keys: `PATIENT#<patientId>#DEVICES` / `<deviceId>`, so a patient's devices
 * are one Query, oldest first (device ids are time-sortable).
 */
import { GetItemCommand, PutItemCommand, QueryCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { decodeCursor, encodeCursor, GSI1_KEYS, isConditionFailure, withoutStorageAttributes, type Page, type PageRequest } from '../records/dynamo-support.js';
import { telemetryKeys } from '../telemetry/keys.js';
import type { StoredDevice } from './model.js';
import type { DeviceRegistry } from './ports.js';

export const deviceKeys = {
  item: telemetryKeys.device,
  /** gsi1 of the device item: one patient's devices. */
  patientDevices: (patientId: string) => `PATIENT#${patientId}#DEVICES`,
} as const;

/** The item as stored: what `putDevice` writes, and more. */
export function deviceItem(device: StoredDevice): Record<string, unknown> {
  return {
    ...deviceKeys.item(device.deviceId),
    entity: 'device',
    gsi1pk: deviceKeys.patientDevices(device.patientId),
    gsi1sk: device.deviceId,
    ...device,
    placements: [...device.placements],
  };
}

function fromItem(item: Record<string, unknown>): StoredDevice {
  return withoutStorageAttributes<StoredDevice>(item);
}

export class DynamoDeviceRegistry implements DeviceRegistry {
  constructor(
    private readonly db: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async create(device: StoredDevice): Promise<boolean> {
    try {
      await this.db.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall(deviceItem(device), { removeUndefinedValues: true }),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async get(deviceId: string): Promise<StoredDevice | undefined> {
    const result = await this.db.send(new GetItemCommand({ TableName: this.tableName, Key: marshall(deviceKeys.item(deviceId)), ConsistentRead: true }));
    return result.Item ? fromItem(unmarshall(result.Item)) : undefined;
  }

  async listByPatient(patientId: string, page: PageRequest): Promise<Page<StoredDevice>> {
    const partition = deviceKeys.patientDevices(patientId);
    const result = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :p',
        ExpressionAttributeValues: { ':p': { S: partition } },
        Limit: page.limit,
        ExclusiveStartKey: decodeCursor(page.cursor, { keyNames: GSI1_KEYS, partition: { name: 'gsi1pk', value: partition } }),
      }),
    );
    const items = (result.Items ?? []).map((item) => fromItem(unmarshall(item)));
    const nextCursor = encodeCursor(result.LastEvaluatedKey);
    return nextCursor ? { items, nextCursor } : { items };
  }

  async deactivate(deviceId: string, at: string): Promise<StoredDevice | undefined> {
    try {
      const result = await this.db.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(deviceKeys.item(deviceId)),
          // Deactivating again keeps the first time.
          UpdateExpression: 'SET #status = :inactive, updatedAt = :at, deactivatedAt = if_not_exists(deactivatedAt, :at)',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: marshall({ ':inactive': 'inactive', ':at': at }),
          ReturnValues: 'ALL_NEW',
        }),
      );
      return result.Attributes ? fromItem(unmarshall(result.Attributes)) : undefined;
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  async replaceCertificate(deviceId: string, from: string, to: string, at: string): Promise<StoredDevice | undefined> {
    try {
      const result = await this.db.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(deviceKeys.item(deviceId)),
          UpdateExpression: 'SET certificateId = :to, updatedAt = :at',
          ConditionExpression: 'certificateId = :from AND #status = :active',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: marshall({ ':from': from, ':to': to, ':at': at, ':active': 'active' }),
          ReturnValues: 'ALL_NEW',
        }),
      );
      return result.Attributes ? fromItem(unmarshall(result.Attributes)) : undefined;
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }
}
