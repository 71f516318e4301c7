import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordsTable } from '../../lambdas/definitions/tables.js';
import { DynamoDeviceDirectory, isCertificateActive, putDevice } from '../../lambdas/telemetry/devices.js';
import { DynamoTelemetryStore } from '../../lambdas/telemetry/dynamo-store.js';
import { telemetryKeys } from '../../lambdas/telemetry/keys.js';
import type { DeviceChanges, DeviceState, RehabSession } from '../../lambdas/telemetry/model.js';
import { createTelemetryProcessor } from '../../lambdas/telemetry/processor-handler.js';
import { DynamoRehabSessions } from '../../lambdas/telemetry/rehab-sessions.js';
import { ensureTable, startDynalite, type ListeningServer } from '../../local/aws-services.js';
import { MemoryDeadLetters, chunks, device, deviceSession, kinesisEvent, recordsOf } from '../unit/telemetry-processor/fixtures.js';

describe('telemetry storage on DynamoDB (dynalite)', () => {
  let dir: string;
  let server: ListeningServer;
  let db: DynamoDBClient;
  const table = 'telehealth-test-records';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'telemetry-store-'));
    server = await startDynalite(join(dir, 'db'), 0, '127.0.0.1');
    db = new DynamoDBClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
    await ensureTable(db, table, recordsTable);
  });
  afterAll(async () => {
    db?.destroy();
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const stateChanges = (deviceId: string, expectedVersion: number | undefined, lastSeq: number): DeviceChanges => ({
    deviceId,
    expectedVersion,
    state: { deviceId, version: (expectedVersion ?? 0) + 1, lastSeq, gapCount: 0, missingMessages: 0 },
    raw: [],
    repetitions: [],
    sessions: [],
  });

  it('commits state on its version only: a second container that read the same version gets a conflict', async () => {
    const deviceId = device().deviceId;
    const one = new DynamoTelemetryStore(db, table);
    const two = new DynamoTelemetryStore(db, table);
    expect(await one.commit(stateChanges(deviceId, undefined, 5))).toBe('committed');
    expect(await two.commit(stateChanges(deviceId, undefined, 5))).toBe('conflict');
    expect(await two.loadDeviceState(deviceId)).toEqual<DeviceState>({ deviceId, version: 1, lastSeq: 5, gapCount: 0, missingMessages: 0 });
    expect(await two.commit(stateChanges(deviceId, 1, 9))).toBe('committed');
    // Container one still holds version 1: whatever it computes on top is refused.
    expect(await one.commit(stateChanges(deviceId, 1, 12))).toBe('conflict');
  });

  it('binds a session id to the first device that claims it, across containers', async () => {
    const sessionId = 'rsess_01JD3X6Q8N4W5T7V9Y2Z3A4B5E';
    const [owner, other] = [device().deviceId, device().deviceId];
    expect(await new DynamoTelemetryStore(db, table).claimSession(sessionId, owner)).toBe(true);
    expect(await new DynamoTelemetryStore(db, table).claimSession(sessionId, owner)).toBe(true);
    expect(await new DynamoTelemetryStore(db, table).claimSession(sessionId, other)).toBe(false);
  });

  it('reuses the state it committed only for a batch that continues it', async () => {
    const deviceId = device().deviceId;
    const one = new DynamoTelemetryStore(db, table);
    const other = new DynamoTelemetryStore(db, table);
    await one.commit(stateChanges(deviceId, undefined, 10));
    await other.commit(stateChanges(deviceId, 1, 20)); // another container moved on (e.g. after a reshard)
    // A batch starting at 11 continues what `one` committed: its own copy is used, and its commit is refused later.
    expect((await one.loadDeviceState(deviceId, { firstSeq: 11 }))?.lastSeq).toBe(10);
    await one.commit(stateChanges(deviceId, 1, 10)).then((result) => expect(result).toBe('conflict'));
    // A batch starting after a hole is read fresh, so it never builds on a state that skips records.
    await one.commit(stateChanges(deviceId, 2, 20));
    expect((await one.loadDeviceState(deviceId, { firstSeq: 30 }))?.version).toBe(3);
  });

  it('never replaces a session summary with one that has seen fewer messages', async () => {
    const deviceId = device().deviceId;
    const store = new DynamoTelemetryStore(db, table);
    const summary = (lastSeq: number, messageCount: number) => ({ sessionId: 'rsess_01JD3X6Q8N4W5T7V9Y2Z3A4B5D', patientId: 'pat_x', lastSeq, messageCount, startedAt: '2026-11-23T02:00:00.000Z' }) as unknown as RehabSession;
    await store.commit({ ...stateChanges(deviceId, undefined, 20), sessions: [summary(20, 20)] });
    await store.commit({ ...stateChanges(deviceId, 1, 20), sessions: [summary(12, 12)] });
    const { Item } = await db.send(new GetItemCommand({ TableName: table, Key: marshall(telemetryKeys.sessionSummary('rsess_01JD3X6Q8N4W5T7V9Y2Z3A4B5D')) }));
    expect(unmarshall(Item!)).toMatchObject({ lastSeq: 20, messageCount: 20, gsi1pk: 'PATIENT#pat_x#RSESS', gsi1sk: '2026-11-23T02:00:00.000Z#rsess_01JD3X6Q8N4W5T7V9Y2Z3A4B5D' });
  });

  it('stores what the processor computes so that reads and recomputation agree, batch after batch', async () => {
    const dev = device();
    await putDevice(db, table, dev);
    const session = deviceSession({ deviceId: dev.deviceId, seed: 21 });
    const processBatch = createTelemetryProcessor({ store: new DynamoTelemetryStore(db, table), devices: new DynamoDeviceDirectory(db, table), deadLetters: new MemoryDeadLetters() });
    const reader = new DynamoRehabSessions(db, table);
    for (const batch of chunks(recordsOf(session), 9)) {
      expect((await processBatch(kinesisEvent(batch))).response.batchItemFailures).toEqual([]);
      const detail = await reader.getSession(session.sessionId);
      const recomputed = await reader.recomputeSession(session.sessionId);
      expect(recomputed!.summary).toEqual(detail!.session.summary);
      expect(recomputed!.repetitions).toEqual(detail!.repetitions);
    }
    const final = await reader.getSession(session.sessionId);
    expect(final!.session.status).toBe('completed');
    expect(final!.session.summary.repetitionCount).toBe(session.simulated.groundTruth.repetitions.length);
  });

  it('answers the broker’s certificate check from the registry', async () => {
    const dev = device({ certificateId: 'c'.repeat(64) });
    await putDevice(db, table, dev);
    const directory = new DynamoDeviceDirectory(db, table, { cacheMs: 0, missCacheMs: 0 });
    expect(await isCertificateActive(directory, 'c'.repeat(64), dev.deviceId)).toBe(true);
    expect(await isCertificateActive(directory, 'd'.repeat(64), dev.deviceId)).toBe(false);
    await putDevice(db, table, { ...dev, status: 'inactive' });
    expect(await isCertificateActive(directory, 'c'.repeat(64), dev.deviceId)).toBe(false);
    expect(await directory.get(device().deviceId)).toBeUndefined();
  });
});
