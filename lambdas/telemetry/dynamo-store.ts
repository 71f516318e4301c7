/**
 * The stream processor's storage on the records table (see keys.ts for the layout). No transactions: items are
 * idempotent (the same records always yield the same items) and the per-device state is the commit point,
 * written last with a condition on its version.
 */
import {
  BatchWriteItemCommand,
  GetItemCommand,
  PutItemCommand,
  type DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { isConditionFailure } from '../records/dynamo-support.js';
import { telemetryKeys } from './keys.js';
import type { DeviceChanges, DeviceState, RehabSession, TelemetryStore } from './model.js';
import { deflateRawSync, inflateRawSync } from 'node:zlib';

/** BatchWriteItem takes at most 25 items. */
const BATCH_WRITE_LIMIT = 25;
/** Batches in flight at once per commit: enough to hide latency, few enough not to throttle one partition. */
const PARALLEL_BATCHES = 4;
const UNPROCESSED_RETRIES = 6;
/** Devices whose last committed state a container keeps (a shard carries a few hundred devices). */
const CACHED_STATES = 5_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function sessionSummaryItem(session: RehabSession): Record<string, unknown> {
  return {
    ...telemetryKeys.sessionSummary(session.sessionId),
    entity: 'rehab-session',
    gsi1pk: telemetryKeys.patientSessions(session.patientId),
    gsi1sk: telemetryKeys.patientSessionSort(session.startedAt, session.sessionId),
    // Sparse: only an active session is in gsi2 (a put of the closed summary drops it), so the sweeper finds them without a scan.
    ...(session.status === 'active'
      ? { gsi2pk: telemetryKeys.activeSessions(), gsi2sk: telemetryKeys.activeSessionSort(session.lastMessageAt, session.sessionId) }
      : {}),
    ...session,
  };
}

export class DynamoTelemetryStore implements TelemetryStore {
  /**
   * The state this container last committed per device. Kinesis sends a shard's batches to one invocation at a time,
   * so the next batch usually continues it and the read is saved. Used only when the batch starts at or before the
   * next seq (so the base never skips records the stream holds); any other writer since is caught by the version.
   */
  private readonly committed = new Map<string, DeviceState>();
  /** Sessions this container has seen claimed, by device: a claim is written once per session, not per batch. */
  private readonly claimed = new Map<string, string>();

  constructor(
    private readonly db: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async loadDeviceState(deviceId: string, hint: { readonly firstSeq?: number } = {}): Promise<DeviceState | undefined> {
    const cached = this.committed.get(deviceId);
    // Taken out either way: the caller mutates it, and only a successful commit puts a state back.
    this.committed.delete(deviceId);
    if (cached && cached.lastSeq !== undefined && hint.firstSeq !== undefined && hint.firstSeq <= cached.lastSeq + 1) return cached;
    // Consistent: deduplication must see the latest committed sequence number.
    const result = await this.db.send(
      new GetItemCommand({ TableName: this.tableName, Key: marshall(telemetryKeys.deviceState(deviceId)), ConsistentRead: true }),
    );
    if (!result.Item) return undefined;
    return deviceStateFromItem(unmarshall(result.Item));
  }

  async claimSession(sessionId: string, deviceId: string): Promise<boolean> {
    if (this.claimed.get(sessionId) === deviceId) return true;
    try {
      await this.db.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall({ ...telemetryKeys.sessionOwner(sessionId), entity: 'rehab-session-owner', sessionId, deviceId }),
          ConditionExpression: 'attribute_not_exists(pk) OR deviceId = :device',
          ExpressionAttributeValues: { ':device': { S: deviceId } },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
    if (this.claimed.size >= CACHED_STATES) this.claimed.delete(this.claimed.keys().next().value!);
    this.claimed.set(sessionId, deviceId);
    return true;
  }

  async commit(changes: DeviceChanges): Promise<'committed' | 'conflict'> {
    const items: Record<string, unknown>[] = [];
    for (const { sessionId, seq, data } of changes.raw) {
      items.push({ ...telemetryKeys.sessionRaw(sessionId, seq), entity: 'rehab-raw', sessionId, seq, data });
    }
    for (const { sessionId, repetition } of changes.repetitions) {
      items.push({ ...telemetryKeys.sessionRepetition(sessionId, repetition.index), entity: 'rehab-repetition', sessionId, ...repetition });
    }
    await this.putAll(items);
    await Promise.all(changes.sessions.map((session) => this.putSummary(session)));

    const { version, ...state } = changes.state;
    try {
      await this.db.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall(deviceStateItem(changes.deviceId, version, state)),
          ...(changes.expectedVersion === undefined
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : { ConditionExpression: '#version = :expected', ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':expected': { N: String(changes.expectedVersion) } } }),
        }),
      );
      if (this.committed.size >= CACHED_STATES) this.committed.delete(this.committed.keys().next().value!);
      this.committed.set(changes.deviceId, changes.state);
      return 'committed';
    } catch (error) {
      if (isConditionFailure(error)) return 'conflict';
      throw error;
    }
  }

  /** Never replaces a summary that has seen a later message (an overlapping retry may run behind). */
  private async putSummary(session: RehabSession): Promise<void> {
    try {
      await this.db.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall(sessionSummaryItem(session), { removeUndefinedValues: true }),
          ConditionExpression: 'attribute_not_exists(pk) OR lastSeq <= :lastSeq',
          ExpressionAttributeValues: { ':lastSeq': { N: String(session.lastSeq) } },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  private async putAll(items: readonly Record<string, unknown>[]): Promise<void> {
    const batches: WriteRequest[][] = [];
    for (let start = 0; start < items.length; start += BATCH_WRITE_LIMIT) {
      batches.push(items.slice(start, start + BATCH_WRITE_LIMIT).map((item) => ({ PutRequest: { Item: marshall(item, { removeUndefinedValues: true }) } })));
    }
    let next = 0;
    const worker = async () => {
      while (next < batches.length) await this.writeBatch(batches[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_BATCHES, batches.length) }, worker));
  }

  private async writeBatch(requests: WriteRequest[]): Promise<void> {
    let pending: WriteRequest[] = requests;
    for (let attempt = 0; ; attempt += 1) {
      const result = await this.db.send(new BatchWriteItemCommand({ RequestItems: { [this.tableName]: pending } }));
      const unprocessed = result.UnprocessedItems?.[this.tableName] ?? [];
      if (unprocessed.length === 0) return;
      // Throttled items: back off and retry; still refused after that, the record is retried by the event source.
      if (attempt >= UNPROCESSED_RETRIES) throw new Error(`${unprocessed.length} items left unprocessed after ${UNPROCESSED_RETRIES} retries`);
      pending = unprocessed;
      await sleep(Math.min(1000, 25 * 2 ** attempt) * (0.5 + Math.random() / 2));
    }
  }
}

/**
 * The per-device state item. The state is JSON text, so the analyzer state comes back bit for bit (DynamoDB numbers
 * would normalise), deflated: the item is rewritten for every device in every batch, and its size is the largest
 * share of the processor's write units (scripts/cost.ts measures it through this function).
 */
export function deviceStateItem(deviceId: string, version: number, state: Omit<DeviceState, 'version'>): Record<string, unknown> {
  return { ...telemetryKeys.deviceState(deviceId), entity: 'device-state', deviceId, version, stateDeflated: deflateRawSync(JSON.stringify(state)) };
}

/** Reads both forms: deflated, and the plain JSON text that earlier versions wrote. */
export function deviceStateFromItem(item: Record<string, unknown>): DeviceState {
  const { state, stateDeflated, version } = item as { state?: string; stateDeflated?: Uint8Array; version: number };
  const text = stateDeflated ? inflateRawSync(stateDeflated).toString('utf8') : state!;
  return { ...(JSON.parse(text) as Omit<DeviceState, 'version'>), version } as DeviceState;
}
