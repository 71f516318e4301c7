/**
 * The idle-session sweeper: a session whose gateway went silent before its session-end stays `active` in the device
 * state and its summary forever; the sweeper closes it as `interrupted`, with its metrics so far.
 *
 * Active session summaries carry a sparse gsi2 entry (`RSESS#ACTIVE` / `<lastMessageAt>#<sessionId>`, keys.ts), so
 * the sessions idle longer than the limit are one Query, never a scan. For each:
 *
 * - The device state still has it open at the summary's lastSeq: it is closed through the processor's own code
 *   (`DeviceProcessor.interruptIdle`: finish() metrics, last repetitions, the session remembered as closed) and
 *   committed like a batch: items first, the summary only over one with no later message, the state last on its
 *   version. A message applied after the read bumps the version (the sweep of that session is dropped) or its summary
 *   has a higher lastSeq (it wins): a late message always wins. After the sweep, a later message of the session is
 *   refused like any message of a closed session (session-mismatch, dead-lettered): it never reopens it.
 * - The state has moved past it (the session is no longer open there, e.g. an in-flight batch lost to the sweep
 *   wrote its summary before its state conflict): no message can close it any more, so the summary alone is marked
 *   interrupted by a conditional update (still active, lastSeq unchanged), keeping its metrics.
 * - Otherwise (the state is behind the summary, or at another lastSeq): a batch is in flight; left for the next sweep.
 *
 * Idle is measured on `lastMessageAt`, the device clock (as the session's other times).
 */
import { QueryCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { isConditionFailure } from '../records/dynamo-support.js';
import { DeviceProcessor } from './device-processor.js';
import { telemetryKeys } from './keys.js';
import type { RehabSession, TelemetryStore } from './model.js';

export const DEFAULT_SESSION_IDLE_MINUTES = 30;

export interface SweepOptions {
  readonly now: Date;
  /** Minutes since the last message; default 30. */
  readonly idleMinutes?: number;
}

export interface SweepReport {
  /** Active sessions idle beyond the limit. */
  readonly idle: number;
  /** Closed as interrupted by this sweep. */
  readonly interrupted: readonly string[];
  /** Left active: a message arrived after the read, or a batch is in flight. */
  readonly skipped: number;
}

type ActiveEntry = Pick<RehabSession, 'sessionId' | 'patientId' | 'deviceId' | 'status' | 'lastSeq' | 'lastMessageAt'>;

export class SessionSweeper {
  constructor(
    private readonly db: DynamoDBClient,
    private readonly tableName: string,
    /** Its own store, not the processor's: loads without a hint always read the committed state. */
    private readonly store: TelemetryStore,
  ) {}

  async sweepIdleSessions(options: SweepOptions): Promise<SweepReport> {
    const idleMinutes = options.idleMinutes ?? DEFAULT_SESSION_IDLE_MINUTES;
    const cutoff = new Date(options.now.getTime() - idleMinutes * 60_000).toISOString();
    const entries = await this.idleSince(cutoff);
    const interrupted: string[] = [];
    for (const entry of entries) {
      if (await this.interrupt(entry)) interrupted.push(entry.sessionId);
    }
    return { idle: entries.length, interrupted, skipped: entries.length - interrupted.length };
  }

  /** Active sessions whose last message is before `cutoff` (`<iso>#<id>` sorts below `<cutoff iso>` exactly then). */
  private async idleSince(cutoff: string): Promise<ActiveEntry[]> {
    const entries: ActiveEntry[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'gsi2',
          KeyConditionExpression: 'gsi2pk = :p AND gsi2sk < :cutoff',
          ExpressionAttributeValues: { ':p': { S: telemetryKeys.activeSessions() }, ':cutoff': { S: cutoff } },
          ProjectionExpression: 'sessionId, patientId, deviceId, #status, lastSeq, lastMessageAt',
          ExpressionAttributeNames: { '#status': 'status' },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) {
        const entry = unmarshall(item) as ActiveEntry;
        if (entry.status === 'active') entries.push(entry);
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return entries;
  }

  private async interrupt(entry: ActiveEntry): Promise<boolean> {
    const state = await this.store.loadDeviceState(entry.deviceId);
    const open = state?.session;
    if (state && open?.sessionId === entry.sessionId) {
      if (open.lastSeq !== entry.lastSeq) return false;
      const processor = new DeviceProcessor({ deviceId: entry.deviceId, patientId: open.patientId }, state);
      if (!processor.interruptIdle(entry.sessionId, entry.lastSeq)) return false;
      return (await this.store.commit(processor.changes()!)) === 'committed';
    }
    if (state?.lastSeq === undefined || state.lastSeq < entry.lastSeq) return false;
    return this.markInterrupted(entry);
  }

  /** The summary alone, only while it is still active at the lastSeq read; ended at its last message, as the processor does. */
  private async markInterrupted(entry: ActiveEntry): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(telemetryKeys.sessionSummary(entry.sessionId)),
          UpdateExpression: 'SET #status = :interrupted, endedAt = lastMessageAt REMOVE gsi2pk, gsi2sk',
          ConditionExpression: '#status = :active AND lastSeq = :lastSeq',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':interrupted': { S: 'interrupted' }, ':active': { S: 'active' }, ':lastSeq': { N: String(entry.lastSeq) } },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}
