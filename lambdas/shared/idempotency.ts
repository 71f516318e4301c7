import { ConditionalCheckFailedException, DeleteItemCommand, GetItemCommand, PutItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createHash } from 'node:crypto';
import { Conflict, IdempotencyKeyReused } from './errors.js';

/** A stored first response for an `Idempotency-Key` (CONVENTIONS.md: retries). */
export interface StoredResponse {
  readonly status: number;
  readonly body?: unknown;
}

export interface IdempotencyStore {
  /**
   * Claims the key for this request. Returns the stored response when the same request already completed;
   * throws 422 when the key was used with another request, 409 while the first is still in flight.
   */
  begin(scope: string, key: string, fingerprint: string): Promise<StoredResponse | undefined>;
  complete(scope: string, key: string, response: StoredResponse): Promise<void>;
  /** Frees the key after a failed attempt so that a retry can run. */
  release(scope: string, key: string): Promise<void>;
}

export function fingerprint(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('base64url');
}

const RETENTION_SECONDS = 24 * 3600;

/** Keys are kept in the records table (pk `IDEMP#<scope>#<key>`), expiring after a day through TTL. */
export class DynamoIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly db: DynamoDBClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private key(scope: string, key: string) {
    return { pk: { S: `IDEMP#${scope}#${fingerprint(key)}` }, sk: { S: 'IDEMP' } };
  }

  async begin(scope: string, key: string, requestFingerprint: string): Promise<StoredResponse | undefined> {
    const nowSeconds = Math.floor(this.now().getTime() / 1000);
    try {
      await this.db.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            ...this.key(scope, key),
            fingerprint: { S: requestFingerprint },
            state: { S: 'in-progress' },
            expiresAt: { N: String(nowSeconds + RETENTION_SECONDS) },
          },
          // Expired keys (TTL not yet swept, or no TTL locally) may be reused.
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
          ExpressionAttributeValues: { ':now': { N: String(nowSeconds) } },
        }),
      );
      return undefined;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    const existing = await this.db.send(new GetItemCommand({ TableName: this.tableName, Key: this.key(scope, key), ConsistentRead: true }));
    const item = existing.Item;
    if (!item) return this.begin(scope, key, requestFingerprint);
    if (item.fingerprint?.S !== requestFingerprint) throw new IdempotencyKeyReused('this Idempotency-Key was used with a different request');
    if (item.state?.S !== 'done') throw new Conflict('a request with this Idempotency-Key is still in progress');
    return JSON.parse(item.response?.S ?? '{}') as StoredResponse;
  }

  async complete(scope: string, key: string, response: StoredResponse): Promise<void> {
    await this.db.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: this.key(scope, key),
        UpdateExpression: 'SET #state = :done, #response = :response',
        ExpressionAttributeNames: { '#state': 'state', '#response': 'response' },
        ExpressionAttributeValues: { ':done': { S: 'done' }, ':response': { S: JSON.stringify(response) } },
      }),
    );
  }

  async release(scope: string, key: string): Promise<void> {
    await this.db.send(new DeleteItemCommand({ TableName: this.tableName, Key: this.key(scope, key) }));
  }
}
