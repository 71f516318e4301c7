import { CreateStreamCommand, KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { telemetryEventSource } from '../../lambdas/telemetry/event-source.js';
import { startKinesalite, type ListeningServer } from '../../local/aws-services.js';
import { startKinesisPoller, type KinesisPoller, type StreamOnFailureRecord } from '../../local/kinesis-poller.js';

/** A scripted stand-in for the function: records every invocation and answers as told. */
function scriptedHandler(answer: (event: KinesisStreamEvent, call: number) => KinesisStreamBatchResponse | 'throw' | void) {
  const calls: string[][] = [];
  const events: KinesisStreamEvent[] = [];
  const handler = async (event: KinesisStreamEvent) => {
    calls.push(event.Records.map((r) => Buffer.from(r.kinesis.data, 'base64').toString()));
    events.push(event);
    const result = answer(event, calls.length);
    if (result === 'throw') throw new Error('function error');
    return result ?? { batchItemFailures: [] };
  };
  return { handler, calls, events };
}

describe('local Kinesis event source mapping (poller)', () => {
  let dir: string;
  let server: ListeningServer;
  let kinesis: KinesisClient;
  let streams = 0;
  const pollers: KinesisPoller[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'poller-'));
    server = await startKinesalite(join(dir, 'kinesis'), 0, '127.0.0.1');
    kinesis = new KinesisClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' }, requestHandler: new NodeHttpHandler() });
  });
  afterAll(async () => {
    await Promise.all(pollers.map((poller) => poller.stop()));
    kinesis?.destroy();
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function stream(records: string[], shards = 1): Promise<string> {
    const name = `stream-${++streams}`;
    await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await put(name, records);
    return name;
  }
  async function put(name: string, records: string[], partitionKey = 'dev-a') {
    if (records.length) await kinesis.send(new PutRecordsCommand({ StreamName: name, Records: records.map((data) => ({ PartitionKey: partitionKey, Data: Buffer.from(data) })) }));
  }

  async function poll(name: string, handler: ReturnType<typeof scriptedHandler>['handler'], extra: Partial<Parameters<typeof startKinesisPoller>[0]> = {}) {
    const failures: StreamOnFailureRecord[] = [];
    const poller = await startKinesisPoller({
      kinesis,
      streamName: name,
      handler,
      onFailure: async (record) => void failures.push(record),
      pollIntervalMs: 20,
      retryDelayMs: 5,
      ...extra,
      settings: { maxBatchingWindowSeconds: 0.05, ...extra.settings },
    });
    pollers.push(poller);
    return { poller, failures };
  }

  const numbered = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `r${from + i}`);

  it('uses the event source definition the CDK mapping uses', async () => {
    expect(telemetryEventSource).toMatchObject({ parallelizationFactor: 1, bisectBatchOnError: true, reportBatchItemFailures: true });
    expect(telemetryEventSource.retryAttempts).toBeGreaterThan(0);
  });

  it('invokes with Lambda’s Kinesis event shape, in shard order, in batches of at most batchSize', async () => {
    const name = await stream(numbered(25));
    const { handler, calls, events } = scriptedHandler(() => undefined);
    const { poller } = await poll(name, handler, { settings: { batchSize: 10 } });
    await poller.idle();
    expect(calls.flat()).toEqual(numbered(25));
    expect(Math.max(...calls.map((c) => c.length))).toBeLessThanOrEqual(10);
    const record = events[0]!.Records[0]!;
    expect(record).toMatchObject({
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventName: 'aws:kinesis:record',
      awsRegion: 'us-east-1',
      eventSourceARN: expect.stringMatching(new RegExp(`^arn:aws:kinesis:us-east-1:\\d{12}:stream/${name}$`)),
      kinesis: { kinesisSchemaVersion: '1.0', partitionKey: 'dev-a', data: Buffer.from('r0').toString('base64') },
    });
    expect(record.eventID).toBe(`shardId-000000000000:${record.kinesis.sequenceNumber}`);
    expect(record.kinesis.approximateArrivalTimestamp).toBeCloseTo(Date.now() / 1000, -2);
  });

  it('retries from the reported failure, not before it', async () => {
    const name = await stream(numbered(6));
    const { handler, calls } = scriptedHandler((event, call) =>
      call === 1 ? { batchItemFailures: [{ itemIdentifier: event.Records[3]!.kinesis.sequenceNumber }, { itemIdentifier: event.Records[5]!.kinesis.sequenceNumber }] } : undefined,
    );
    const { poller, failures } = await poll(name, handler);
    await poller.idle();
    expect(calls).toEqual([numbered(6), numbered(3, 3)]);
    expect(failures).toEqual([]);
  });

  it('bisects a batch whose invocation throws, and sends the record that keeps failing to the on-failure destination', async () => {
    const name = await stream(numbered(8));
    const { handler, calls } = scriptedHandler((event) => (event.Records.some((r) => Buffer.from(r.kinesis.data, 'base64').toString() === 'r5') ? 'throw' : undefined));
    const { poller, failures } = await poll(name, handler, { settings: { retryAttempts: 3 } });
    await poller.idle();
    // Every other record is delivered exactly once, in order; r5 alone is tried until the retries run out.
    const delivered = calls.filter((c) => !c.includes('r5')).flat();
    expect(delivered).toEqual(numbered(8).filter((r) => r !== 'r5'));
    expect(calls.filter((c) => c.length === 1 && c[0] === 'r5').length).toBeGreaterThanOrEqual(1);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({
      requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 4, functionArn: expect.stringContaining(':function:') },
      responseContext: { statusCode: 200, functionError: 'Unhandled' },
      version: '1.0',
      KinesisBatchInfo: { shardId: 'shardId-000000000000', batchSize: 1, streamArn: expect.stringContaining(name) },
    });
    expect(failures[0]!.KinesisBatchInfo.startSequenceNumber).toBe(failures[0]!.KinesisBatchInfo.endSequenceNumber);
  });

  it('treats an unknown item identifier as a failure of the whole batch', async () => {
    const name = await stream(numbered(3));
    const { handler, calls } = scriptedHandler((_event, call) => (call === 1 ? { batchItemFailures: [{ itemIdentifier: 'not-a-sequence-number' }] } : undefined));
    const { poller } = await poll(name, handler);
    await poller.idle();
    expect(calls).toEqual([numbered(3), numbered(3)]);
  });

  it('resumes after its checkpoint on restart, and reads every shard', async () => {
    const name = await stream([], 2);
    const checkpointFile = join(dir, `${name}.json`);
    for (const key of ['dev-a', 'dev-b', 'dev-c', 'dev-d']) await put(name, numbered(5).map((r) => `${key}:${r}`), key);
    const first = scriptedHandler(() => undefined);
    const { poller } = await poll(name, first.handler, { checkpointFile });
    await poller.idle();
    expect(first.calls.flat().sort()).toHaveLength(20);
    await poller.stop();

    await put(name, ['dev-a:late'], 'dev-a');
    const second = scriptedHandler(() => undefined);
    const restarted = await poll(name, second.handler, { checkpointFile });
    await restarted.poller.idle();
    expect(second.calls.flat()).toEqual(['dev-a:late']);
  });
});
