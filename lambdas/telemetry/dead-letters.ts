/** The dead-letter port on SQS: one JSON message per rejected record, with its reason as a message attribute. */
import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, type SQSClient } from '@aws-sdk/client-sqs';
import type { DeadLetter, DeadLetterQueue } from './model.js';

/** SQS limits of one SendMessageBatch: 10 entries, 256 KiB of bodies and attributes together. */
const MAX_ENTRIES = 10;
const MAX_BATCH_BYTES = 256 * 1024;
/** Room for the attribute and JSON framing per entry. */
const ENTRY_OVERHEAD_BYTES = 128;

export function deadLetterEntry(letter: DeadLetter, id: string): SendMessageBatchRequestEntry {
  return {
    Id: id,
    MessageBody: JSON.stringify({ version: 1, ...letter }),
    MessageAttributes: { reason: { DataType: 'String', StringValue: letter.reason } },
  };
}

export class SqsDeadLetterQueue implements DeadLetterQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    if (!this.queueUrl) throw new Error('telemetry dead-letter queue URL is not configured');
    let batch: SendMessageBatchRequestEntry[] = [];
    let bytes = 0;
    for (const [index, letter] of letters.entries()) {
      const entry = deadLetterEntry(letter, `m${index}`);
      const size = Buffer.byteLength(entry.MessageBody!) + ENTRY_OVERHEAD_BYTES;
      if (batch.length === MAX_ENTRIES || (batch.length > 0 && bytes + size > MAX_BATCH_BYTES)) {
        await this.sendBatch(batch);
        batch = [];
        bytes = 0;
      }
      batch.push(entry);
      bytes += size;
    }
    await this.sendBatch(batch);
  }

  private async sendBatch(entries: SendMessageBatchRequestEntry[]): Promise<void> {
    let pending = entries;
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const result = await this.sqs.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: pending }));
      const failed = new Set((result.Failed ?? []).map((failure) => failure.Id));
      if (failed.size === 0) return;
      // A sender fault will not pass on retry; the record is retried by the event source and alarmed on.
      if ((result.Failed ?? []).some((failure) => failure.SenderFault)) break;
      pending = pending.filter((entry) => failed.has(entry.Id));
    }
    throw new Error('dead-letter queue refused messages');
  }
}
