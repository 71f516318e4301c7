/**
 * Read side of rehab sessions for the query API: a patient's sessions with their summaries, one session with its
 * repetitions, and the recomputation of a session from its stored raw window. Queries only, never a scan.
 * Access control is the caller's: these return what is stored, with the patient id to check against.
 */
import { GetItemCommand, QueryCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { createSessionAnalyzer } from '../rehab/analyzer.js';
import type { RepetitionMetrics, SessionMetrics } from '../rehab/metrics.js';
import {
  DEFAULT_PAGE_LIMIT,
  GSI1_KEYS,
  MAX_PAGE_LIMIT,
  decodeCursor,
  encodeCursor,
  withoutStorageAttributes,
  type Page,
} from '../records/dynamo-support.js';
import { decodeTelemetry } from './codec.js';
import { RAW_PREFIX, REP_PREFIX, SUMMARY_SK, telemetryKeys } from './keys.js';
import type { RehabSession, RehabSessionDetail } from './model.js';

export interface ListSessionsOptions {
  /** 1..200, default 50 (CONVENTIONS.md). */
  readonly limit?: number;
  /** `nextCursor` of the previous page. */
  readonly cursor?: string;
}

/** Port of the query API. */
export interface RehabSessionReader {
  /** Newest first. A cursor from another list is refused with a ValidationError (400). */
  listSessionsByPatient(patientId: string, options?: ListSessionsOptions): Promise<Page<RehabSession>>;
  getSession(sessionId: string): Promise<RehabSessionDetail | undefined>;
}

/**
 * The metrics a session's raw window gives when replayed through a fresh analyzer, in seq order: finish() for a
 * closed session, result() for one still recording (as the processor stored them).
 */
export function recomputeFromRaw(session: Pick<RehabSession, 'sessionId' | 'exercise' | 'sampleRateHz' | 'placements' | 'status'>, raw: Iterable<Uint8Array>): SessionMetrics {
  const analyzer = createSessionAnalyzer({ exercise: session.exercise, sampleRateHz: session.sampleRateHz, placements: session.placements });
  for (const data of raw) {
    const message = decodeTelemetry(data);
    if (message.kind === 'samples' && message.sessionId === session.sessionId) analyzer.push(message.samples as Float32Array[]);
  }
  return session.status === 'active' ? analyzer.result() : analyzer.finish();
}

const stripRepetition = (item: Record<string, unknown>): RepetitionMetrics => {
  const { sessionId: _sessionId, ...repetition } = withoutStorageAttributes<RepetitionMetrics & { sessionId: string }>(item);
  return repetition;
};

export class DynamoRehabSessions implements RehabSessionReader {
  constructor(
    private readonly db: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async listSessionsByPatient(patientId: string, options: ListSessionsOptions = {}): Promise<Page<RehabSession>> {
    const limit = Math.min(MAX_PAGE_LIMIT, Math.max(1, Math.trunc(options.limit ?? DEFAULT_PAGE_LIMIT)));
    const partition = telemetryKeys.patientSessions(patientId);
    const result = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :p',
        ExpressionAttributeValues: { ':p': { S: partition } },
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: decodeCursor(options.cursor, { keyNames: GSI1_KEYS, partition: { name: 'gsi1pk', value: partition } }),
      }),
    );
    const items = (result.Items ?? []).map((item) => withoutStorageAttributes<RehabSession>(unmarshall(item)));
    const nextCursor = encodeCursor(result.LastEvaluatedKey);
    return nextCursor ? { items, nextCursor } : { items };
  }

  async getSession(sessionId: string): Promise<RehabSessionDetail | undefined> {
    // One partition, sort keys REP#0001.. then SUMMARY: the repetitions and the summary, paged by DynamoDB only.
    const items = await this.queryAll(sessionId, 'sk BETWEEN :from AND :to', { ':from': { S: REP_PREFIX }, ':to': { S: SUMMARY_SK } });
    const summary = items.find((item) => item.sk === SUMMARY_SK);
    if (!summary) return undefined;
    const repetitions = items.filter((item) => typeof item.sk === 'string' && item.sk.startsWith(REP_PREFIX)).map(stripRepetition);
    return { session: withoutStorageAttributes<RehabSession>(summary), repetitions };
  }

  /**
   * Replays the session's raw window through a fresh analyzer: the metrics it gives must equal the stored ones
   * (finish() for a closed session, result() for one still recording).
   */
  async recomputeSession(sessionId: string): Promise<SessionMetrics | undefined> {
    const stored = await this.db.send(new GetItemCommand({ TableName: this.tableName, Key: marshall(telemetryKeys.sessionSummary(sessionId)), ConsistentRead: true }));
    if (!stored.Item) return undefined;
    const session = withoutStorageAttributes<RehabSession>(unmarshall(stored.Item));
    // Sort keys RAW#<seq, zero-padded> come back in seq order.
    const raw = await this.queryAll(sessionId, 'begins_with(sk, :raw)', { ':raw': { S: RAW_PREFIX } }, true);
    return recomputeFromRaw(session, raw.map((item) => item.data as Uint8Array));
  }

  private async queryAll(
    sessionId: string,
    sortCondition: string,
    values: Record<string, AttributeValue>,
    consistent = false,
  ): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: `pk = :pk AND ${sortCondition}`,
          ExpressionAttributeValues: { ':pk': { S: telemetryKeys.sessionPartition(sessionId) }, ...values },
          ExclusiveStartKey: start,
          ConsistentRead: consistent,
        }),
      );
      for (const item of page.Items ?? []) items.push(unmarshall(item));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }
}
