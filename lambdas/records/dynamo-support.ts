import { ConditionalCheckFailedException, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { ValidationError } from '../shared/errors.js';

/**
 * Small helpers every DynamoDB adapter of records, scheduling and audit uses: telling a refused conditional write
 * apart from a fault, and the list convention (CONVENTIONS.md: limit + opaque cursor).
 */

export function isConditionFailure(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException || (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';
}

export interface PageRequest {
  readonly limit: number;
  readonly cursor?: string;
}

export interface Page<T> {
  readonly items: T[];
  readonly nextCursor?: string;
}

export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 200;

/** The cursor is the LastEvaluatedKey (string attributes only in this design), as base64url JSON. */
export function encodeCursor(lastEvaluatedKey: Record<string, AttributeValue> | undefined): string | undefined {
  if (!lastEvaluatedKey) return undefined;
  const plain: Record<string, string> = {};
  for (const [name, value] of Object.entries(lastEvaluatedKey)) {
    if (value.S === undefined) throw new Error('cursor keys must be strings');
    plain[name] = value.S;
  }
  return Buffer.from(JSON.stringify(plain), 'utf8').toString('base64url');
}

function invalidCursor(): ValidationError {
  return new ValidationError('invalid cursor', [{ field: 'query.cursor', message: 'is not a cursor returned by this list' }]);
}

/**
 * Turns a client's cursor back into an ExclusiveStartKey, checking that it has exactly the key attributes of the
 * queried table or index and that its partition is the one being queried: a cursor from another list (say, another
 * patient's) is refused with a 400 instead of reaching DynamoDB.
 */
export function decodeCursor(
  cursor: string | undefined,
  expected: {
    readonly keyNames: readonly string[];
    readonly partition: { readonly name: string; readonly value: string };
    /** Further checks, e.g. that the sort key lies inside the queried range (DynamoDB refuses a start key outside it). */
    readonly accept?: (key: Readonly<Record<string, string>>) => boolean;
  },
): Record<string, AttributeValue> | undefined {
  if (cursor === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalidCursor();
  const entries = Object.entries(parsed as Record<string, unknown>);
  const names = new Set(expected.keyNames);
  if (entries.length !== names.size || entries.some(([name, value]) => !names.has(name) || typeof value !== 'string' || value.length > 1024)) {
    throw invalidCursor();
  }
  const key = parsed as Record<string, string>;
  if (key[expected.partition.name] !== expected.partition.value) throw invalidCursor();
  if (expected.accept && !expected.accept(key)) throw invalidCursor();
  return Object.fromEntries(entries.map(([name, value]) => [name, { S: value as string }]));
}

/** Key attribute names of the records table and its indexes: a Query on an index pages by both keys. */
export const RECORDS_TABLE_KEYS = ['pk', 'sk'] as const;
export const GSI1_KEYS = ['pk', 'sk', 'gsi1pk', 'gsi1sk'] as const;
export const GSI2_KEYS = ['pk', 'sk', 'gsi2pk', 'gsi2sk'] as const;

/** Attributes that are storage plumbing, never part of a resource. */
const STORAGE_ATTRIBUTES = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'entity', 'expiresAt']);

export function withoutStorageAttributes<T>(item: Record<string, unknown>): T {
  return Object.fromEntries(Object.entries(item).filter(([name]) => !STORAGE_ATTRIBUTES.has(name))) as T;
}
