import { GetItemCommand, PutItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { isConditionFailure, withoutStorageAttributes } from '../records/dynamo-support.js';
import { consultKeys } from './keys.js';
import type { StoredInvite } from './model.js';
import type { InviteStore, RateLimiter } from './ports.js';

/** Invites are kept a week past their validity (TTL in AWS), then swept; an unknown token reads like an expired one. */
const INVITE_RETENTION_SECONDS = 7 * 24 * 3600;

export class DynamoInviteStore implements InviteStore {
  constructor(
    private readonly db: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async put(invite: StoredInvite): Promise<void> {
    await this.db.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: marshall({
          ...consultKeys.invite(invite.tokenHash),
          entity: 'consult-invite',
          ...invite,
          expiresAt: Math.floor(Date.parse(invite.validUntil) / 1000) + INVITE_RETENTION_SECONDS,
        }),
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async get(tokenHash: string): Promise<StoredInvite | undefined> {
    const result = await this.db.send(new GetItemCommand({ TableName: this.tableName, Key: marshall(consultKeys.invite(tokenHash)), ConsistentRead: true }));
    return result.Item ? withoutStorageAttributes<StoredInvite>(unmarshall(result.Item)) : undefined;
  }

  async consume(tokenHash: string, now: Date): Promise<StoredInvite | undefined> {
    try {
      const result = await this.db.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(consultKeys.invite(tokenHash)),
          UpdateExpression: 'SET usedAt = :now',
          // Single use and expiry in one conditional write: of two concurrent redemptions, one wins.
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(usedAt) AND validUntil > :now',
          ExpressionAttributeValues: marshall({ ':now': now.toISOString() }),
          ReturnValues: 'ALL_NEW',
        }),
      );
      return withoutStorageAttributes<StoredInvite>(unmarshall(result.Attributes ?? {}));
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }
}

/** Fixed-window counters in the records table: one item per scope and window, expiring by TTL after the window. */
export class DynamoRateLimiter implements RateLimiter {
  constructor(
    private readonly db: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async hit(scope: string, limit: number, windowSeconds: number, now: Date): Promise<boolean> {
    const nowSeconds = Math.floor(now.getTime() / 1000);
    const windowStart = nowSeconds - (nowSeconds % windowSeconds);
    try {
      await this.db.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(consultKeys.rateWindow(scope, windowStart)),
          UpdateExpression: 'SET expiresAt = :expiresAt ADD hits :one',
          ConditionExpression: 'attribute_not_exists(hits) OR hits < :limit',
          ExpressionAttributeValues: marshall({ ':expiresAt': windowStart + 2 * windowSeconds, ':one': 1, ':limit': limit }),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}
