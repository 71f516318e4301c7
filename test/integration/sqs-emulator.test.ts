import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  PurgeQueueCommand,
  QueueDoesNotExist,
  QueueNameExists,
  ReceiptHandleIsInvalid,
  ReceiveMessageCommand,
  SQSClient,
  SendMessageBatchCommand,
  SendMessageCommand,
  TooManyEntriesInBatchRequest,
  BatchEntryIdsNotDistinct,
} from '@aws-sdk/client-sqs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSqsEmulator, type SqsEmulator } from '../../local/emulators/sqs.js';

describe('SQS emulator with the real SQS client', () => {
  let dir: string;
  let emulator: SqsEmulator;
  let sqs: SQSClient;
  let clock = Date.UTC(2026, 10, 23, 2, 0, 0);
  const now = () => clock;

  const client = (url: string) => new SQSClient({ region: 'us-east-1', endpoint: url, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  const create = async (name: string, attributes?: Record<string, string>) =>
    (await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl!;
  const count = async (url: string) => {
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
    return { visible: Number(Attributes!.ApproximateNumberOfMessages), inFlight: Number(Attributes!.ApproximateNumberOfMessagesNotVisible) };
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sqs-emulator-'));
    emulator = await startSqsEmulator({ dataFile: join(dir, 'queues.json'), port: 0, now });
    sqs = client(emulator.url);
  });
  afterAll(async () => {
    sqs?.destroy();
    await emulator?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('creates queues idempotently, finds them by name, refuses a different definition and unknown queues', async () => {
    const url = await create('dead-letters', { MessageRetentionPeriod: '1209600' });
    expect(url).toBe(`${emulator.url}/000000000000/dead-letters`);
    expect(await create('dead-letters', { MessageRetentionPeriod: '1209600' })).toBe(url);
    await expect(create('dead-letters', { MessageRetentionPeriod: '60' })).rejects.toBeInstanceOf(QueueNameExists);
    expect((await sqs.send(new GetQueueUrlCommand({ QueueName: 'dead-letters' }))).QueueUrl).toBe(url);
    await expect(sqs.send(new GetQueueUrlCommand({ QueueName: 'nope' }))).rejects.toBeInstanceOf(QueueDoesNotExist);
    await expect(sqs.send(new SendMessageCommand({ QueueUrl: `${emulator.url}/000000000000/nope`, MessageBody: 'x' }))).rejects.toBeInstanceOf(QueueDoesNotExist);
  });

  it('sends with MD5s the client verifies, receives with visibility timeout, deletes', async () => {
    const url = await create('visibility', { VisibilityTimeout: '30' });
    const sent = await sqs.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: '{"reason":"bad-magic"}', MessageAttributes: { reason: { DataType: 'String', StringValue: 'bad-magic' } } }),
    );
    expect(sent.MessageId).toBeTruthy();
    expect(sent.MD5OfMessageAttributes).toMatch(/^[0-9a-f]{32}$/);

    const first = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['All'] }));
    expect(first.Messages).toHaveLength(1);
    const [message] = first.Messages!;
    expect(message).toMatchObject({ MessageId: sent.MessageId, Body: '{"reason":"bad-magic"}', MessageAttributes: { reason: { DataType: 'String', StringValue: 'bad-magic' } } });
    expect(message!.Attributes).toMatchObject({ ApproximateReceiveCount: '1', SentTimestamp: String(clock) });
    expect(await count(url)).toEqual({ visible: 0, inFlight: 1 });
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages).toBeUndefined();

    clock += 31_000;
    const again = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }));
    expect(again.Messages![0]!.Attributes).toEqual({ ApproximateReceiveCount: '2' });
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: again.Messages![0]!.ReceiptHandle }));
    expect(await count(url)).toEqual({ visible: 0, inFlight: 0 });
    // Deleting again with a stale handle succeeds, as in SQS; a handle that is not one fails.
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: again.Messages![0]!.ReceiptHandle }));
    await expect(sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: 'garbage' }))).rejects.toBeInstanceOf(ReceiptHandleIsInvalid);
  });

  it('makes a message visible again with ChangeMessageVisibility 0', async () => {
    const url = await create('change-visibility');
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'a' }));
    const [message] = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages!;
    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: message!.ReceiptHandle, VisibilityTimeout: 0 }));
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages?.[0]?.Body).toBe('a');
  });

  it('sends batches of up to 10 with distinct ids and reports per-entry failures', async () => {
    const url = await create('batches');
    const result = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'a', MessageBody: 'one' },
          { Id: 'b', MessageBody: 'two' },
          { Id: 'c', MessageBody: 'bad \u0000 char' },
        ],
      }),
    );
    expect(result.Successful!.map((entry) => entry.Id)).toEqual(['a', 'b']);
    expect(result.Failed).toEqual([expect.objectContaining({ Id: 'c', SenderFault: true, Code: 'InvalidMessageContents' })]);
    const entries = Array.from({ length: 11 }, (_, i) => ({ Id: `m${i}`, MessageBody: String(i) }));
    await expect(sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries }))).rejects.toBeInstanceOf(TooManyEntriesInBatchRequest);
    await expect(sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [entries[0]!, entries[0]!] }))).rejects.toBeInstanceOf(BatchEntryIdsNotDistinct);
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    expect(received.Messages!.map((m) => m.Body)).toEqual(['one', 'two']);
    await sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
    expect(await count(url)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('long-polls: a waiting receive answers as soon as a message arrives', async () => {
    const url = await create('long-poll');
    const started = Date.now();
    const waiting = sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 5 }));
    await new Promise((resolve) => setTimeout(resolve, 150));
    await client(emulator.url).send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'late' }));
    const { Messages } = await waiting;
    expect(Messages?.[0]?.Body).toBe('late');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('keeps messages across a restart', async () => {
    const url = await create('durable');
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'kept' }));
    await emulator.close();
    emulator = await startSqsEmulator({ dataFile: join(dir, 'queues.json'), port: 0, now });
    sqs.destroy();
    sqs = client(emulator.url);
    const moved = (await sqs.send(new GetQueueUrlCommand({ QueueName: 'durable' }))).QueueUrl!;
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: moved }))).Messages?.[0]?.Body).toBe('kept');
  });
});
