import { PutItemCommand, QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { decodeCursor, encodeCursor, type Page, type PageRequest } from '../records/dynamo-support.js';
import type { AuditEntry, AuditLog } from './audit-log.js';

/** Audit table keys: pk `PATIENT#<patientId>`, sk `<at>#<auditId>`; index byActor (actorId, sk). */
export const auditKeys = {
  partition: (patientId: string) => `PATIENT#${patientId}`,
  sort: (entry: Pick<AuditEntry, 'at' | 'auditId'>) => `${entry.at}#${entry.auditId}`,
};

export class DynamoAuditLog implements AuditLog {
  constructor(
    private readonly db: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async append(entry: AuditEntry): Promise<void> {
    await this.db.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: marshall({ pk: auditKeys.partition(entry.patientId), sk: auditKeys.sort(entry), ...entry }),
        // Append-only even against a colliding id: an existing entry is never overwritten.
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async listForPatient(patientId: string, page: PageRequest): Promise<Page<AuditEntry>> {
    const partition = auditKeys.partition(patientId);
    const result = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: partition } },
        ScanIndexForward: false,
        Limit: page.limit,
        ExclusiveStartKey: decodeCursor(page.cursor, { keyNames: ['pk', 'sk'], partition: { name: 'pk', value: partition } }),
      }),
    );
    const items = (result.Items ?? []).map((item) => {
      const { pk: _pk, sk: _sk, ...entry } = unmarshall(item);
      return entry as AuditEntry;
    });
    const nextCursor = encodeCursor(result.LastEvaluatedKey);
    return nextCursor ? { items, nextCursor } : { items };
  }
}
