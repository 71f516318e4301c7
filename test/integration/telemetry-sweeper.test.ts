import { DynamoDBClient, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordsTable } from '../../lambdas/definitions/tables.js';
import { DynamoDeviceDirectory, putDevice } from '../../lambdas/telemetry/devices.js';
import { DynamoTelemetryStore, sessionSummaryItem } from '../../lambdas/telemetry/dynamo-store.js';
import { telemetryKeys } from '../../lambdas/telemetry/keys.js';
import type { DeviceState, RehabSession, TelemetryStore } from '../../lambdas/telemetry/model.js';
import { createTelemetryProcessor } from '../../lambdas/telemetry/processor-handler.js';
import { DynamoRehabSessions } from '../../lambdas/telemetry/rehab-sessions.js';
import { SessionSweeper } from '../../lambdas/telemetry/session-sweeper.js';
import { ensureTable, startDynalite, type ListeningServer } from '../../local/aws-services.js';
import { MemoryDeadLetters, T0, device, deviceSession, kinesisEvent, recordsOf } from '../unit/telemetry-processor/fixtures.js';

describe('idle rehab session sweeper on DynamoDB (dynalite)', () => {
  let dir: string;
  let server: ListeningServer;
  let db: DynamoDBClient;
  const table = 'telehealth-test-records';
  const HOURS = 3600_000;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'telemetry-sweeper-'));
    server = await startDynalite(join(dir, 'db'), 0, '127.0.0.1');
    db = new DynamoDBClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
    await ensureTable(db, table, recordsTable);
  });
  afterAll(async () => {
    db?.destroy();
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const processorOf = (deadLetters = new MemoryDeadLetters()) =>
    createTelemetryProcessor({ store: new DynamoTelemetryStore(db, table), devices: new DynamoDeviceDirectory(db, table), deadLetters });
  const sweeperOf = (store: TelemetryStore = new DynamoTelemetryStore(db, table)) => new SessionSweeper(db, table, store);
  const activeIndex = async (): Promise<string[]> => {
    const result = await db.send(
      new QueryCommand({ TableName: table, IndexName: 'gsi2', KeyConditionExpression: 'gsi2pk = :p', ExpressionAttributeValues: { ':p': { S: telemetryKeys.activeSessions() } } }),
    );
    return (result.Items ?? []).map((item) => unmarshall(item).sessionId as string);
  };

  /** A session whose gateway died before its end (and its last samples): everything but the last two messages. */
  async function silentSession(seed: number) {
    const dev = device();
    await putDevice(db, table, dev);
    const session = deviceSession({ deviceId: dev.deviceId, seed, startedAt: T0 });
    const records = recordsOf(session);
    const processBatch = processorOf();
    expect((await processBatch(kinesisEvent(records.slice(0, -2)))).response.batchItemFailures).toEqual([]);
    return { dev, session, records, processBatch };
  }

  it('marks an active session idle beyond the limit interrupted, with its metrics, out of the index and in the listing', async () => {
    const { dev, session, records } = await silentSession(31);
    const reader = new DynamoRehabSessions(db, table);
    const before = (await reader.getSession(session.sessionId))!.session;
    expect(before.status).toBe('active');
    expect(await activeIndex()).toContain(session.sessionId);

    // Not idle long enough yet.
    const lastMessageAt = Date.parse(before.lastMessageAt);
    expect((await sweeperOf().sweepIdleSessions({ now: new Date(lastMessageAt + 29 * 60_000) })).interrupted).not.toContain(session.sessionId);

    const report = await sweeperOf().sweepIdleSessions({ now: new Date(lastMessageAt + 31 * 60_000), idleMinutes: 30 });
    expect(report.interrupted).toContain(session.sessionId);

    const after = (await reader.getSession(session.sessionId))!;
    expect(after.session).toMatchObject({ status: 'interrupted', endReceived: false, endedAt: before.lastMessageAt, lastSeq: before.lastSeq, messageCount: before.messageCount });
    expect(after.session.summary.repetitionCount).toBeGreaterThan(0);
    expect(after.session.summary.repetitionCount).toBeGreaterThanOrEqual(before.summary.repetitionCount);
    // Closed like the processor closes a session: the stored metrics are what its raw window gives.
    const recomputed = (await reader.recomputeSession(session.sessionId))!;
    expect(recomputed.summary).toEqual(after.session.summary);
    expect(recomputed.repetitions).toEqual(after.repetitions);
    expect(await activeIndex()).not.toContain(session.sessionId);

    const listed = await reader.listSessionsByPatient(dev.patientId);
    expect(listed.items.map(({ sessionId, status }) => ({ sessionId, status }))).toEqual([{ sessionId: session.sessionId, status: 'interrupted' }]);

    // The gateway comes back with the rest: refused like any message of a closed session, never reopening it.
    const deadLetters = new MemoryDeadLetters();
    await processorOf(deadLetters)(kinesisEvent(records.slice(-2)));
    expect(deadLetters.letters.map((letter) => letter.reason)).toEqual(['session-mismatch', 'session-mismatch']);
    expect((await reader.getSession(session.sessionId))!.session.status).toBe('interrupted');
    expect(await activeIndex()).not.toContain(session.sessionId);
  });

  it('leaves a session alone when a message is applied after the sweeper read it: the late message wins', async () => {
    const { session, records, processBatch } = await silentSession(32);
    const reader = new DynamoRehabSessions(db, table);
    const before = (await reader.getSession(session.sessionId))!.session;
    const real = new DynamoTelemetryStore(db, table);
    let late = false;
    // Between the sweeper's read of the device state and its commit, the gateway's next message is processed.
    const racing: TelemetryStore = {
      loadDeviceState: async (deviceId, hint) => {
        const state = await real.loadDeviceState(deviceId, hint);
        if (deviceId === session.deviceId && !late) {
          late = true;
          expect((await processBatch(kinesisEvent(records.slice(-2, -1)))).response.batchItemFailures).toEqual([]);
        }
        return state;
      },
      commit: (changes) => real.commit(changes),
      claimSession: (sessionId, deviceId) => real.claimSession(sessionId, deviceId),
    };
    const report = await sweeperOf(racing).sweepIdleSessions({ now: new Date(Date.parse(before.lastMessageAt) + 2 * HOURS) });
    expect(late).toBe(true);
    expect(report.interrupted).not.toContain(session.sessionId);
    const after = (await reader.getSession(session.sessionId))!.session;
    expect(after).toMatchObject({ status: 'active', lastSeq: before.lastSeq + 1 });
    expect(await activeIndex()).toContain(session.sessionId);

    // And its end closes it as completed.
    await processBatch(kinesisEvent(records.slice(-1)));
    expect((await reader.getSession(session.sessionId))!.session.status).toBe('completed');
    expect(await activeIndex()).not.toContain(session.sessionId);
  });

  it('never lists completed sessions in the active index, so the sweeper never touches them', async () => {
    const dev = device();
    await putDevice(db, table, dev);
    const session = deviceSession({ deviceId: dev.deviceId, seed: 33, startedAt: T0 });
    await processorOf()(kinesisEvent(recordsOf(session)));
    expect(await activeIndex()).not.toContain(session.sessionId);
    const report = await sweeperOf().sweepIdleSessions({ now: new Date(T0 + 24 * HOURS) });
    expect(report.interrupted).not.toContain(session.sessionId);
    expect((await new DynamoRehabSessions(db, table).getSession(session.sessionId))!.session.status).toBe('completed');
  });

  it('closes an active summary the device state has moved past by a conditional update, keeping its metrics', async () => {
    const { dev, session } = await silentSession(34);
    const reader = new DynamoRehabSessions(db, table);
    const before = (await reader.getSession(session.sessionId))!.session;
    // The state no longer has the session open (as after a batch that lost its commit to an earlier sweep).
    const state = (await new DynamoTelemetryStore(db, table).loadDeviceState(dev.deviceId))!;
    const { session: _open, version, ...rest } = state;
    const moved: DeviceState = { ...rest, version: version + 1 };
    expect(await new DynamoTelemetryStore(db, table).commit({ deviceId: dev.deviceId, expectedVersion: version, state: moved, raw: [], repetitions: [], sessions: [] })).toBe('committed');

    const report = await sweeperOf().sweepIdleSessions({ now: new Date(Date.parse(before.lastMessageAt) + 2 * HOURS) });
    expect(report.interrupted).toContain(session.sessionId);
    const after = (await reader.getSession(session.sessionId))!.session;
    expect(after).toEqual<RehabSession>({ ...before, status: 'interrupted', endedAt: before.lastMessageAt });
    expect(await activeIndex()).not.toContain(session.sessionId);
  });

  it('does not close a summary whose lastSeq changed after the read', async () => {
    const { session } = await silentSession(35);
    const reader = new DynamoRehabSessions(db, table);
    const before = (await reader.getSession(session.sessionId))!.session;
    // A summary put between the query and the update (no device state has it open: the orphan path).
    const racing: TelemetryStore = {
      loadDeviceState: async () => {
        await db.send(new PutItemCommand({ TableName: table, Item: marshall(sessionSummaryItem({ ...before, lastSeq: before.lastSeq + 1 }), { removeUndefinedValues: true }) }));
        return { deviceId: session.deviceId, version: 99, lastSeq: before.lastSeq + 1, gapCount: 0, missingMessages: 0 };
      },
      commit: async () => 'conflict',
      claimSession: async () => true,
    };
    const report = await sweeperOf(racing).sweepIdleSessions({ now: new Date(Date.parse(before.lastMessageAt) + 2 * HOURS) });
    expect(report.interrupted).not.toContain(session.sessionId);
    expect((await reader.getSession(session.sessionId))!.session).toMatchObject({ status: 'active', lastSeq: before.lastSeq + 1 });
  });
});
