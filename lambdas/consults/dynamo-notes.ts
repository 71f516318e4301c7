import { PutItemCommand, QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { decodeCursor, encodeCursor, isConditionFailure, RECORDS_TABLE_KEYS, withoutStorageAttributes, type Page, type PageRequest } from '../records/dynamo-support.js';
import type { NoteAddendum, NoteVersion } from './domain/notes.js';
import { consultKeys } from './keys.js';
import type { NoteStore } from './ports.js';

/** Note versions and addenda: immutable items in the consult's partition, each written once. */
export class DynamoNoteStore implements NoteStore {
  constructor(
    private readonly db: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async latest(consultId: string): Promise<NoteVersion | undefined> {
    const page = await this.listVersions(consultId, { limit: 1 }, true);
    return page.items[0];
  }

  async putVersion(version: NoteVersion): Promise<boolean> {
    try {
      await this.db.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall({ ...consultKeys.noteVersion(version.consultId, version.version), entity: 'consult-note', ...version }, { removeUndefinedValues: true }),
          // The version number is the lock: of two saves based on the same version, exactly one writes.
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async listVersions(consultId: string, page: PageRequest, consistent = false): Promise<Page<NoteVersion>> {
    const partition = consultKeys.partition(consultId);
    const result = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: marshall({ ':pk': partition, ':prefix': consultKeys.noteVersionPrefix }),
        ScanIndexForward: false,
        ConsistentRead: consistent,
        Limit: page.limit,
        ExclusiveStartKey: decodeCursor(page.cursor, {
          keyNames: RECORDS_TABLE_KEYS,
          partition: { name: 'pk', value: partition },
          accept: (key) => key.sk!.startsWith(consultKeys.noteVersionPrefix),
        }),
      }),
    );
    const items = (result.Items ?? []).map((item) => withoutStorageAttributes<NoteVersion>(unmarshall(item)));
    const nextCursor = encodeCursor(result.LastEvaluatedKey);
    return nextCursor ? { items, nextCursor } : { items };
  }

  async putAddendum(addendum: NoteAddendum): Promise<void> {
    await this.db.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: marshall({ ...consultKeys.noteAddendum(addendum.consultId, addendum.addendumId), entity: 'consult-note-addendum', ...addendum }),
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async listAddenda(consultId: string): Promise<NoteAddendum[]> {
    const addenda: NoteAddendum[] = [];
    let start: Record<string, any> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: marshall({ ':pk': consultKeys.partition(consultId), ':prefix': consultKeys.noteAddendumPrefix }),
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) addenda.push(withoutStorageAttributes<NoteAddendum>(unmarshall(item)));
      start = page.LastEvaluatedKey;
    } while (start);
    return addenda;
  }
}
