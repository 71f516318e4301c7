import { BatchGetItemCommand, GetItemCommand, PutItemCommand, type AttributeValue, type BatchGetItemCommandOutput, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { isConditionFailure, withoutStorageAttributes } from '../records/dynamo-support.js';
import { PreconditionFailed } from '../shared/errors.js';
import type { Availability } from './domain/availability.js';
import { schedulingKeys } from './keys.js';
import type { StoredAvailability } from './model.js';
import type { AvailabilityStore } from './ports.js';

/** A practitioner's availability: one item `PRAC#<id>` / `AVAIL`, versioned for If-Match. */
export class DynamoAvailabilityStore implements AvailabilityStore {
  constructor(
    private readonly db: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async get(practitionerId: string): Promise<StoredAvailability | undefined> {
    const result = await this.db.send(
      new GetItemCommand({ TableName: this.tableName, Key: marshall(schedulingKeys.availability(practitionerId)), ConsistentRead: true }),
    );
    return result.Item ? withoutStorageAttributes<StoredAvailability>(unmarshall(result.Item)) : undefined;
  }

  async getMany(practitionerIds: readonly string[]): Promise<Map<string, StoredAvailability>> {
    const found = new Map<string, StoredAvailability>();
    const unique = [...new Set(practitionerIds)];
    for (let offset = 0; offset < unique.length; offset += 100) {
      let keys: Array<Record<string, AttributeValue>> | undefined = unique.slice(offset, offset + 100).map((id) => marshall(schedulingKeys.availability(id)));
      for (let attempt = 0; keys && keys.length > 0; attempt++) {
        if (attempt > 8) throw new Error('BatchGetItem kept returning unprocessed keys');
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** attempt)));
        const result: BatchGetItemCommandOutput = await this.db.send(new BatchGetItemCommand({ RequestItems: { [this.tableName]: { Keys: keys } } }));
        for (const item of result.Responses?.[this.tableName] ?? []) {
          const availability = withoutStorageAttributes<StoredAvailability>(unmarshall(item));
          found.set(availability.practitionerId, availability);
        }
        keys = result.UnprocessedKeys?.[this.tableName]?.Keys;
      }
    }
    return found;
  }

  async save(practitionerId: string, availability: Availability, expectedVersion: number | '*' | undefined, now: Date): Promise<StoredAvailability> {
    const current = typeof expectedVersion === 'number' ? expectedVersion : expectedVersion === '*' ? (await this.get(practitionerId))?.version : 0;
    if (current === undefined) throw new PreconditionFailed('no availability exists yet; send no If-Match to create it');
    const stored: StoredAvailability = {
      practitionerId,
      timeZone: availability.timeZone,
      rules: availability.rules,
      exceptions: availability.exceptions,
      version: current + 1,
      updatedAt: now.toISOString(),
    };
    try {
      await this.db.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall({ ...schedulingKeys.availability(practitionerId), entity: 'availability', ...stored }, { removeUndefinedValues: true }),
          ...(expectedVersion === undefined
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : { ConditionExpression: 'version = :version', ExpressionAttributeValues: { ':version': { N: String(current) } } }),
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      throw new PreconditionFailed(
        expectedVersion === undefined
          ? 'availability already exists; send If-Match with its version to replace it'
          : 'availability has changed since that version; fetch it and retry with the current version',
      );
    }
    return stored;
  }
}
