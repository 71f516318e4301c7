import { DeleteItemCommand, GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { randomUUID } from 'node:crypto';
import { isConditionFailure } from '../records/dynamo-support.js';
import { schedulingKeys } from './keys.js';
import type { LockHolder } from './model.js';
import type { SlotLockStore } from './ports.js';

/**
 * Slot locks as items `LOCK#<owner>#<bucket>` in the records table. Every write is conditional on the one item, which
 * DynamoDB (and dynalite, under a per-key lock) applies atomically: this is what makes double-booking impossible.
 * Each write carries a fresh token so a takeover can be conditional on the exact write it judged stale.
 */
export class DynamoSlotLockStore implements SlotLockStore {
  constructor(
    private readonly db: DynamoDBClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private item(lockKey: string, appointmentId: string, expiresAtSeconds: number) {
    return marshall({
      ...schedulingKeys.slotLock(lockKey),
      entity: 'slot-lock',
      appointmentId,
      token: randomUUID(),
      acquiredAt: this.now().toISOString(),
      expiresAt: expiresAtSeconds,
    });
  }

  async acquire(lockKey: string, appointmentId: string, expiresAtSeconds: number): Promise<{ acquired: true } | { acquired: false; holder?: LockHolder }> {
    try {
      await this.db.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: this.item(lockKey, appointmentId, expiresAtSeconds),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { acquired: true };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const existing = await this.db.send(new GetItemCommand({ TableName: this.tableName, Key: marshall(schedulingKeys.slotLock(lockKey)), ConsistentRead: true }));
    if (!existing.Item) return { acquired: false };
    const { appointmentId: holder, token } = unmarshall(existing.Item) as LockHolder;
    return { acquired: false, holder: { appointmentId: holder, token } };
  }

  async takeOver(lockKey: string, seen: LockHolder, appointmentId: string, expiresAtSeconds: number): Promise<boolean> {
    try {
      await this.db.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: this.item(lockKey, appointmentId, expiresAtSeconds),
          ConditionExpression: 'appointmentId = :holder AND #token = :token',
          ExpressionAttributeNames: { '#token': 'token' },
          ExpressionAttributeValues: marshall({ ':holder': seen.appointmentId, ':token': seen.token }),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async release(lockKey: string, appointmentId: string): Promise<void> {
    try {
      await this.db.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: marshall(schedulingKeys.slotLock(lockKey)),
          // Only our own: a lock someone took over since is theirs.
          ConditionExpression: 'appointmentId = :mine',
          ExpressionAttributeValues: marshall({ ':mine': appointmentId }),
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
}
