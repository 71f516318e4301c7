import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { newId } from '../../../lambdas/shared/ids.js';
import { encodeTelemetry } from '../../../lambdas/telemetry/codec.js';
import { createTelemetryProcessor, createTelemetryProcessorHandler } from '../../../lambdas/telemetry/processor-handler.js';
import { recomputeFromRaw } from '../../../lambdas/telemetry/rehab-sessions.js';
import {
  MemoryDeadLetters,
  MemoryDevices,
  MemoryTelemetryStore,
  T0,
  chunks,
  device,
  deviceSession,
  interleave,
  kinesisEvent,
  kinesisRecord,
  recordsOf,
} from './fixtures.js';

function setup(...devices: ReturnType<typeof device>[]) {
  const store = new MemoryTelemetryStore();
  const deadLetters = new MemoryDeadLetters();
  const directory = new MemoryDevices(...devices);
  const processBatch = createTelemetryProcessor({ store, devices: directory, deadLetters });
  return { store, deadLetters, directory, processBatch };
}

describe('telemetry stream processor', () => {
  it('turns a device session into a completed session with the ground-truth repetitions, raw window and state', async () => {
    const dev = device();
    const session = deviceSession({ deviceId: dev.deviceId });
    const { store, deadLetters, processBatch } = setup(dev);

    const { response, report } = await processBatch(kinesisEvent(recordsOf(session)));

    expect(response).toEqual({ batchItemFailures: [] });
    expect(deadLetters.letters).toEqual([]);
    expect(report).toMatchObject({ records: session.messages.length, devices: 1, applied: session.messages.length, duplicates: 0, gaps: 0, deadLettered: 0 });
    expect(report.samples).toBe(session.simulated.samples[0]!.length / 6);
    const stored = store.sessions.get(session.sessionId)!;
    expect(stored).toMatchObject({
      sessionId: session.sessionId,
      patientId: dev.patientId,
      deviceId: dev.deviceId,
      exercise: 'elbow-flexion',
      status: 'completed',
      startedAt: new Date(T0).toISOString(),
      startReceived: true,
      endReceived: true,
      firstSeq: 1,
      lastSeq: session.lastSeq,
      messageCount: session.messages.length,
      reportedTotalSamples: stored.summary.sampleCount,
      gaps: [],
      gapCount: 0,
    });
    expect(stored.summary.repetitionCount).toBe(session.simulated.groundTruth.repetitions.length);
    expect(store.snapshot().repetitions[session.sessionId]).toHaveLength(stored.summary.repetitionCount);
    expect(store.snapshot().raw[session.sessionId]).toEqual(session.messages.map((m) => m.seq));
    const state = await store.loadDeviceState(dev.deviceId);
    expect(state).toMatchObject({ deviceId: dev.deviceId, version: 1, lastSeq: session.lastSeq, gapCount: 0 });
    expect(state!.session).toBeUndefined();

    // Recomputing from the stored raw window gives the stored numbers exactly.
    const recomputed = recomputeFromRaw(stored, store.rawPayloads(session.sessionId));
    expect(recomputed.summary).toEqual(stored.summary);
    expect(recomputed.repetitions).toEqual(store.snapshot().repetitions[session.sessionId]);
  });

  it('gives identical results however the records are split into batches', async () => {
    const first = device();
    const second = device({ placements: ['right-thigh', 'right-shank'] });
    const a = deviceSession({ deviceId: first.deviceId, seed: 2 });
    const b = deviceSession({ deviceId: second.deviceId, exercise: 'knee-extension', seed: 3, firstSeq: 1000 });
    const records = interleave(recordsOf(a), recordsOf(b));

    const whole = setup(first, second);
    await whole.processBatch(kinesisEvent(records));
    for (const size of [1, 7, 25]) {
      const split = setup(first, second);
      for (const batch of chunks(records, size)) {
        expect((await split.processBatch(kinesisEvent(batch))).response.batchItemFailures).toEqual([]);
      }
      expect(split.store.snapshot()).toEqual(whole.store.snapshot());
    }
    // While a session is recording, its summary is what the analyzer has completed so far, and recomputable too.
    const partial = setup(first);
    await partial.processBatch(kinesisEvent(recordsOf(a).slice(0, 30)));
    const active = partial.store.sessions.get(a.sessionId)!;
    expect(active.status).toBe('active');
    expect(recomputeFromRaw(active, partial.store.rawPayloads(a.sessionId)).summary).toEqual(active.summary);
  });

  it('changes nothing when a batch is replayed: every record is a counted duplicate', async () => {
    const dev = device();
    const session = deviceSession({ deviceId: dev.deviceId });
    const { store, deadLetters, processBatch } = setup(dev);
    await processBatch(kinesisEvent(recordsOf(session)));
    const before = { snapshot: store.snapshot(), state: store.states.get(dev.deviceId), commits: store.commits };

    // A replay: the same payloads, re-put (new sequence numbers), in two overlapping batches.
    const replayed = recordsOf(session);
    const one = await processBatch(kinesisEvent(replayed.slice(0, 30)));
    const two = await processBatch(kinesisEvent(replayed.slice(20)));

    expect(one.report.duplicates + two.report.duplicates).toBe(replayed.length + 10);
    expect(one.report.applied + two.report.applied).toBe(0);
    expect({ snapshot: store.snapshot(), state: store.states.get(dev.deviceId), commits: store.commits }).toEqual(before);
    expect(deadLetters.letters).toEqual([]);
  });

  it('dead-letters malformed records with their reason and processes the rest of the batch', async () => {
    const dev = device();
    const session = deviceSession({ deviceId: dev.deviceId });
    const { store, deadLetters, processBatch } = setup(dev);
    const records = recordsOf(session);
    const garbage = kinesisRecord({ partitionKey: dev.deviceId, data: new TextEncoder().encode('{"not":"telemetry"}') });
    const truncated = kinesisRecord({ partitionKey: dev.deviceId, data: session.payloads[5]!.subarray(0, 40) });
    const batch = [...records.slice(0, 10), garbage, ...records.slice(10, 20), truncated, ...records.slice(20)];

    const { response, report } = await processBatch(kinesisEvent(batch));

    expect(response.batchItemFailures).toEqual([]);
    expect(report.deadLettered).toBe(2);
    expect(deadLetters.letters).toEqual([
      {
        source: 'telemetry-processor',
        reason: 'bad-magic',
        deviceId: dev.deviceId,
        partitionKey: dev.deviceId,
        sequenceNumber: garbage.kinesis.sequenceNumber,
        shardId: 'shardId-000000000000',
        approximateArrivalTimestamp: new Date(T0).toISOString(),
        eventSourceARN: garbage.eventSourceARN,
        payloadBase64: garbage.kinesis.data,
      },
      expect.objectContaining({ reason: 'truncated', sequenceNumber: truncated.kinesis.sequenceNumber }),
    ]);
    const stored = store.sessions.get(session.sessionId)!;
    expect(stored).toMatchObject({ status: 'completed', messageCount: session.messages.length, gapCount: 0 });
    expect(stored.summary.repetitionCount).toBe(session.simulated.groundTruth.repetitions.length);
  });

  it('dead-letters records of unknown and inactive devices, and payloads naming another device', async () => {
    const known = device();
    const inactive = device({ status: 'inactive' });
    const stranger = newId('dev');
    const { store, deadLetters, processBatch } = setup(known, inactive);
    const fromStranger = deviceSession({ deviceId: stranger }).payloads.slice(0, 2);
    const fromInactive = deviceSession({ deviceId: inactive.deviceId }).payloads.slice(0, 2);
    // Published on the known device's topic, claiming to be another device.
    const spoofed = deviceSession({ deviceId: stranger, firstSeq: 50 }).payloads[0]!;
    const records = [
      ...fromStranger.map((data) => kinesisRecord({ partitionKey: stranger, data })),
      ...fromInactive.map((data) => kinesisRecord({ partitionKey: inactive.deviceId, data })),
      kinesisRecord({ partitionKey: known.deviceId, data: spoofed }),
    ];
    const { response } = await processBatch(kinesisEvent(records));
    expect(response.batchItemFailures).toEqual([]);
    expect(deadLetters.letters.map((l) => [l.reason, l.deviceId, l.partitionKey])).toEqual([
      ['unknown-device', stranger, stranger],
      ['unknown-device', stranger, stranger],
      ['unknown-device', inactive.deviceId, inactive.deviceId],
      ['unknown-device', inactive.deviceId, inactive.deviceId],
      ['device-mismatch', stranger, known.deviceId],
    ]);
    // Nothing is kept for devices that are not ours; the spoofed record changed nothing either.
    expect(store.states.size).toBe(0);
    expect(store.sessions.size).toBe(0);
  });

  it("refuses a device writing into another device's session: dead-lettered, the owner's session untouched", async () => {
    const owner = device();
    const intruder = device();
    const { store, deadLetters, processBatch } = setup(owner, intruder);
    const session = deviceSession({ deviceId: owner.deviceId });
    await processBatch(kinesisEvent(recordsOf(session)));
    const before = JSON.stringify(store.snapshot());
    // Same session id (they are chosen by devices), published on the intruder's own topic.
    const hijack = deviceSession({ deviceId: intruder.deviceId, sessionId: session.sessionId });
    await processBatch(kinesisEvent(recordsOf(hijack)));
    expect(new Set(deadLetters.letters.map((l) => [l.reason, l.deviceId].join(' ')))).toEqual(new Set([`foreign-session ${intruder.deviceId}`]));
    expect(deadLetters.letters).toHaveLength(hijack.messages.length);
    expect(JSON.stringify(store.snapshot())).toBe(before);
  });

  it('dead-letters a session of an exercise outside the catalogue and everything it sends', async () => {
    const dev = device();
    const session = deviceSession({ deviceId: dev.deviceId });
    const foreign = session.messages.slice(0, 3).map((message) => encodeTelemetry({ ...message, exerciseId: 'shoulder-flexion' }));
    const { deadLetters, processBatch, store } = setup(dev);
    await processBatch(kinesisEvent(foreign.map((data) => kinesisRecord({ partitionKey: dev.deviceId, data }))));
    expect(deadLetters.letters.map((l) => l.reason)).toEqual(['unknown-exercise', 'unknown-exercise', 'unknown-exercise']);
    expect(store.sessions.size).toBe(0);
    // Their sequence numbers count as seen: a replay does not dead-letter them again.
    await processBatch(kinesisEvent(foreign.map((data) => kinesisRecord({ partitionKey: dev.deviceId, data }))));
    expect(deadLetters.letters).toHaveLength(3);
  });

  it('records a gap (missing sequence numbers) on the session and the device, without filling it in', async () => {
    const dev = device();
    const session = deviceSession({ deviceId: dev.deviceId });
    const { store, processBatch } = setup(dev);
    const records = recordsOf(session);
    const withGap = [...records.slice(0, 10), ...records.slice(13)];
    const { report } = await processBatch(kinesisEvent(withGap));
    expect(report).toMatchObject({ gaps: 1, missingMessages: 3 });
    const stored = store.sessions.get(session.sessionId)!;
    expect(stored).toMatchObject({ status: 'completed', gaps: [{ fromSeq: 11, toSeq: 13 }], gapCount: 1, missingMessages: 3, messageCount: records.length - 3 });
    expect(stored.summary.sampleCount).toBeLessThan(stored.reportedTotalSamples!);
    expect(await store.loadDeviceState(dev.deviceId)).toMatchObject({ gapCount: 1, missingMessages: 3 });
    expect(recomputeFromRaw(stored, store.rawPayloads(session.sessionId)).summary).toEqual(stored.summary);
  });

  it('opens a session whose start was lost, and closes an unfinished session as interrupted when the next one starts', async () => {
    const dev = device();
    const first = deviceSession({ deviceId: dev.deviceId, seed: 4 });
    const second = deviceSession({ deviceId: dev.deviceId, seed: 5, firstSeq: first.lastSeq + 1, startedAt: T0 + 600_000 });
    const third = deviceSession({ deviceId: dev.deviceId, seed: 6, firstSeq: second.lastSeq + 1, startedAt: T0 + 1_200_000 });
    const { store, processBatch } = setup(dev);
    const records = [
      ...recordsOf(first).slice(0, -1), // the end of the first session is lost
      ...recordsOf(second),
      ...recordsOf(third).slice(1), // the start of the third is lost
    ];
    const { report } = await processBatch(kinesisEvent(records));
    expect(report.gaps).toBe(2);
    expect(store.sessions.get(first.sessionId)).toMatchObject({ status: 'interrupted', endReceived: false, gaps: [{ fromSeq: first.lastSeq, toSeq: first.lastSeq }] });
    expect(store.sessions.get(second.sessionId)).toMatchObject({ status: 'completed', gapCount: 0 });
    expect(store.sessions.get(third.sessionId)).toMatchObject({
      status: 'completed',
      startReceived: false,
      startedAt: new Date(T0 + 1_200_000 + 100).toISOString(),
      gaps: [{ fromSeq: third.messages[0]!.seq, toSeq: third.messages[0]!.seq }],
    });
    for (const session of [first, second, third]) {
      const stored = store.sessions.get(session.sessionId)!;
      expect(stored.patientId).toBe(dev.patientId);
      expect(recomputeFromRaw(stored, store.rawPayloads(session.sessionId)).summary).toEqual(stored.summary);
    }
  });

  it('fails back the first record of a device whose commit failed; the retry from there ends as a clean run', async () => {
    const first = device();
    const second = device();
    const a = deviceSession({ deviceId: first.deviceId, seed: 7 });
    const b = deviceSession({ deviceId: second.deviceId, seed: 8 });
    const records = interleave(recordsOf(a).slice(0, 20), recordsOf(b).slice(0, 20));
    const rest = interleave(recordsOf(a).slice(20), recordsOf(b).slice(20));
    const { store, processBatch } = setup(first, second);
    let failures = 0;
    store.beforeCommit = (changes) => {
      if (changes.deviceId === second.deviceId && failures++ === 0) throw Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' });
    };

    const { response, report } = await processBatch(kinesisEvent(records));
    // b's first record is the 2nd of the batch: Lambda checkpoints before it and retries everything after.
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: records[1]!.kinesis.sequenceNumber }]);
    expect(report.failedRecords).toBe(20);
    expect(await store.loadDeviceState(first.deviceId)).toMatchObject({ lastSeq: 20 });
    expect(await store.loadDeviceState(second.deviceId)).toBeUndefined();

    const retried = await processBatch(kinesisEvent(records.slice(1)));
    expect(retried.response.batchItemFailures).toEqual([]);
    expect(retried.report.duplicates).toBe(19);
    await processBatch(kinesisEvent(rest));

    const clean = setup(first, second);
    await clean.processBatch(kinesisEvent([...records, ...rest]));
    expect(store.snapshot()).toEqual(clean.store.snapshot());
  });

  it('reloads and reapplies when an overlapping invocation committed first', async () => {
    const dev = device();
    const session = deviceSession({ deviceId: dev.deviceId });
    const records = recordsOf(session);
    const { store, processBatch } = setup(dev);
    const overlapping = setup(dev);
    let raced = false;
    store.beforeCommit = async () => {
      if (raced) return;
      raced = true;
      // Another invocation (a retry that overlaps) commits the first half meanwhile, into the same store.
      overlapping.store.states.clear();
      const other = createTelemetryProcessor({ store, devices: overlapping.directory, deadLetters: overlapping.deadLetters });
      store.beforeCommit = undefined;
      await other(kinesisEvent(records.slice(0, 20)));
    };
    const { response, report } = await processBatch(kinesisEvent(records));
    expect(response.batchItemFailures).toEqual([]);
    expect(report.conflicts).toBe(1);
    expect(report.duplicates).toBe(20);
    const clean = setup(dev);
    await clean.processBatch(kinesisEvent(records));
    expect(store.snapshot()).toEqual(clean.store.snapshot());
    expect(JSON.parse(store.states.get(dev.deviceId)!).version).toBe(2);
  });

  it('runs as a Lambda handler (middleware on) and answers the partial-batch response', async () => {
    const dev = device();
    const session = deviceSession({ deviceId: dev.deviceId });
    const store = new MemoryTelemetryStore();
    const handler = createTelemetryProcessorHandler({ store, devices: new MemoryDevices(dev), deadLetters: new MemoryDeadLetters() });
    const context = { functionName: 'telemetry-processor', awsRequestId: 'req-1', getRemainingTimeInMillis: () => 60_000 } as unknown as Context;
    expect(await handler(kinesisEvent(recordsOf(session)), context)).toEqual({ batchItemFailures: [] });
    expect(store.sessions.get(session.sessionId)?.status).toBe('completed');
  });
});
