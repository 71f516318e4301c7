/**
 * Local emulator of Amazon SQS for the operations this app uses, driven by the real `@aws-sdk/client-sqs`.
 * That client speaks AWS JSON 1.0 (`POST /`, `x-amz-target: AmazonSQS.<Operation>`) in query-compatible mode,
 * so errors carry `__type` in the body and the legacy query code in `x-amzn-query-error`, as SQS sends them.
 *
 * Supported: CreateQueue, GetQueueUrl, ListQueues, DeleteQueue, SendMessage, SendMessageBatch, ReceiveMessage
 * (visibility timeout, MaxNumberOfMessages, WaitTimeSeconds long polling, system attributes), DeleteMessage,
 * ChangeMessageVisibility, GetQueueAttributes, PurgeQueue. Standard queues only (no FIFO), no redrive policies.
 * State is kept in one JSON file written atomically before a change is acknowledged.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFileIfExists, writeFileAtomically } from '../files.js';
import { listenHttp } from '../net.js';

export const LOCAL_ACCOUNT_ID = '000000000000';

export interface SqsEmulatorOptions {
  /** JSON state file; without one, queues live in memory only. */
  readonly dataFile?: string;
  readonly port?: number;
  readonly host?: string;
  readonly region?: string;
  readonly now?: () => number;
}

export interface SqsEmulator {
  readonly url: string;
  readonly port: number;
  /** The URL CreateQueue answers for `name` (queues are addressed by name; any host is accepted). */
  queueUrl(name: string): string;
  close(): Promise<void>;
}

/** SQS quotas and defaults. */
const MAX_MESSAGE_BYTES = 256 * 1024;
const MAX_BATCH_ENTRIES = 10;
const MAX_WAIT_SECONDS = 20;
const MAX_VISIBILITY_SECONDS = 12 * 3600;
const DEFAULTS = {
  VisibilityTimeout: 30,
  MessageRetentionPeriod: 4 * 24 * 3600,
  DelaySeconds: 0,
  ReceiveMessageWaitTimeSeconds: 0,
  MaximumMessageSize: MAX_MESSAGE_BYTES,
} as const;
const QUEUE_NAME = /^[a-zA-Z0-9_-]{1,80}$/;
const BATCH_ENTRY_ID = /^[a-zA-Z0-9_-]{1,80}$/;

type MessageAttributeValue = { DataType: string; StringValue?: string; BinaryValue?: string };

interface StoredMessage {
  id: string;
  body: string;
  md5: string;
  attributes?: Record<string, MessageAttributeValue>;
  md5OfAttributes?: string;
  sentAt: number;
  /** Epoch ms from which the message can be received (delay, then visibility timeouts). */
  visibleAt: number;
  receiveCount: number;
  firstReceivedAt?: number;
  /** The receipt handle of the latest receive. */
  receipt?: string;
}

interface Queue {
  name: string;
  createdAt: number;
  modifiedAt: number;
  attributes: Record<string, string>;
  messages: StoredMessage[];
}

class SqsError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly queryCode: string,
    message: string,
  ) {
    super(message);
  }
}

const errors = {
  noQueue: () => new SqsError(400, 'QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue', 'The specified queue does not exist.'),
  invalid: (message: string) => new SqsError(400, 'InvalidParameterValue', 'InvalidParameterValue', message),
  invalidAttribute: (name: string) => new SqsError(400, 'InvalidAttributeName', 'InvalidAttributeName', `Unknown Attribute ${name}.`),
  invalidAddress: () => new SqsError(404, 'InvalidAddress', 'InvalidAddress', 'The address is not valid for this endpoint.'),
  receipt: () => new SqsError(404, 'ReceiptHandleIsInvalid', 'ReceiptHandleIsInvalid', 'The input receipt handle is invalid.'),
  notInflight: () => new SqsError(400, 'MessageNotInflight', 'AWS.SimpleQueueService.MessageNotInflight', 'The message is not in flight.'),
  exists: () => new SqsError(400, 'QueueNameExists', 'QueueAlreadyExists', 'A queue already exists with the same name and a different value for attribute(s).'),
  emptyBatch: () => new SqsError(400, 'EmptyBatchRequest', 'AWS.SimpleQueueService.EmptyBatchRequest', 'There should be at least one entry in the request.'),
  tooManyEntries: () => new SqsError(400, 'TooManyEntriesInBatchRequest', 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest', `Maximum number of entries per request are ${MAX_BATCH_ENTRIES}.`),
  idsNotDistinct: () => new SqsError(400, 'BatchEntryIdsNotDistinct', 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct', 'Two or more batch entries in the request have the same Id.'),
  badEntryId: () => new SqsError(400, 'InvalidBatchEntryId', 'AWS.SimpleQueueService.InvalidBatchEntryId', 'A batch entry id can only contain alphanumeric characters, hyphens and underscores, at most 80.'),
  batchTooLong: () => new SqsError(400, 'BatchRequestTooLong', 'AWS.SimpleQueueService.BatchRequestTooLong', `Batch requests cannot be longer than ${MAX_MESSAGE_BYTES} bytes.`),
  unsupported: (operation: string) => new SqsError(400, 'UnsupportedOperation', 'AWS.SimpleQueueService.UnsupportedOperation', `${operation} is not supported by the local emulator.`),
};

const md5 = (data: string | Buffer) => createHash('md5').update(data).digest('hex');

/** SQS's digest of message attributes: names sorted, each field length-prefixed (big-endian uint32). */
function md5OfMessageAttributes(attributes: Record<string, MessageAttributeValue>): string {
  const hash = createHash('md5');
  const field = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hash.update(length);
    hash.update(bytes);
  };
  for (const name of Object.keys(attributes).sort()) {
    const value = attributes[name]!;
    field(Buffer.from(name, 'utf8'));
    field(Buffer.from(value.DataType, 'utf8'));
    if (value.BinaryValue !== undefined) {
      hash.update(Buffer.from([2]));
      field(Buffer.from(value.BinaryValue, 'base64'));
    } else {
      hash.update(Buffer.from([1]));
      field(Buffer.from(value.StringValue ?? '', 'utf8'));
    }
  }
  return hash.digest('hex');
}

/** Characters SQS accepts in a body: #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF. */
function validBody(body: string): boolean {
  // eslint-disable-next-line no-control-regex
  return !/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u.test(body);
}

function integer(value: unknown, name: string, min: number, max: number): number {
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) throw errors.invalid(`Value ${String(value)} for parameter ${name} is invalid. Must be an integer from ${min} to ${max}.`);
  return n;
}

const SETTABLE_ATTRIBUTES: Record<string, (value: string) => void> = {
  VisibilityTimeout: (v) => void integer(v, 'VisibilityTimeout', 0, MAX_VISIBILITY_SECONDS),
  MessageRetentionPeriod: (v) => void integer(v, 'MessageRetentionPeriod', 60, 14 * 24 * 3600),
  DelaySeconds: (v) => void integer(v, 'DelaySeconds', 0, 900),
  ReceiveMessageWaitTimeSeconds: (v) => void integer(v, 'ReceiveMessageWaitTimeSeconds', 0, MAX_WAIT_SECONDS),
  MaximumMessageSize: (v) => void integer(v, 'MaximumMessageSize', 1024, MAX_MESSAGE_BYTES),
  // Accepted and reported, with no effect locally: encryption at rest and policies are AWS concerns.
  KmsMasterKeyId: () => undefined,
  KmsDataKeyReusePeriodSeconds: (v) => void integer(v, 'KmsDataKeyReusePeriodSeconds', 60, 86400),
  SqsManagedSseEnabled: () => undefined,
  Policy: () => undefined,
  RedrivePolicy: () => undefined,
};

const SYSTEM_ATTRIBUTES = ['ApproximateReceiveCount', 'ApproximateFirstReceiveTimestamp', 'SentTimestamp', 'SenderId'] as const;

export async function startSqsEmulator(options: SqsEmulatorOptions = {}): Promise<SqsEmulator> {
  const host = options.host ?? '127.0.0.1';
  const region = options.region ?? 'us-east-1';
  const now = options.now ?? Date.now;
  const queues = new Map<string, Queue>();
  for (const queue of options.dataFile ? await load(options.dataFile) : []) queues.set(queue.name, queue);

  let writing: Promise<void> = Promise.resolve();
  let queued: Promise<void> | undefined;
  /** A write not yet started takes the state as it is when it starts, so it covers every change made before. */
  function persist(): Promise<void> {
    if (!options.dataFile) return Promise.resolve();
    if (queued) return queued;
    const file = options.dataFile;
    const write = writing
      .catch(() => undefined)
      .then(() => {
        queued = undefined;
        return writeFileAtomically(file, JSON.stringify({ version: 1, queues: [...queues.values()] }));
      });
    queued = write;
    writing = write;
    return write;
  }

  /** Long-polling receivers, woken when a message may have become receivable. */
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const waiter of [...waiters]) waiter();
  };

  let baseUrl = '';
  const queueUrl = (name: string) => `${baseUrl}/${LOCAL_ACCOUNT_ID}/${name}`;

  function queueFromUrl(url: unknown): Queue {
    if (typeof url !== 'string' || url.length === 0) throw errors.invalid('QueueUrl is required.');
    let path: string;
    try {
      path = new URL(url).pathname;
    } catch {
      throw errors.invalidAddress();
    }
    const [account, name, ...rest] = path.split('/').filter(Boolean);
    if (account !== LOCAL_ACCOUNT_ID || !name || rest.length > 0) throw errors.invalidAddress();
    const queue = queues.get(name);
    if (!queue) throw errors.noQueue();
    return queue;
  }

  function expire(queue: Queue): boolean {
    const oldest = now() - Number(queue.attributes.MessageRetentionPeriod) * 1000;
    const before = queue.messages.length;
    queue.messages = queue.messages.filter((message) => message.sentAt >= oldest);
    return queue.messages.length !== before;
  }

  function checkMessageAttributes(attributes: unknown): Record<string, MessageAttributeValue> | undefined {
    if (attributes === undefined || attributes === null) return undefined;
    if (typeof attributes !== 'object') throw errors.invalid('MessageAttributes must be a map.');
    const entries = Object.entries(attributes as Record<string, MessageAttributeValue>);
    if (entries.length === 0) return undefined;
    if (entries.length > 10) throw errors.invalid('Number of message attributes cannot exceed 10.');
    for (const [name, value] of entries) {
      if (!/^[a-zA-Z0-9_.-]{1,256}$/.test(name) || name.toLowerCase().startsWith('aws.') || name.toLowerCase().startsWith('amazon.')) {
        throw errors.invalid(`Message attribute name ${name} is invalid.`);
      }
      if (!value || typeof value.DataType !== 'string' || !/^(String|Number|Binary)(\..+)?$/.test(value.DataType)) {
        throw errors.invalid(`Message attribute ${name} must have a DataType of String, Number or Binary.`);
      }
      const binary = value.DataType.startsWith('Binary');
      if (binary ? typeof value.BinaryValue !== 'string' : typeof value.StringValue !== 'string') {
        throw errors.invalid(`Message attribute ${name} must have a ${binary ? 'BinaryValue' : 'StringValue'}.`);
      }
    }
    return Object.fromEntries(entries.map(([name, value]) => [name, value.BinaryValue !== undefined ? { DataType: value.DataType, BinaryValue: value.BinaryValue } : { DataType: value.DataType, StringValue: value.StringValue! }]));
  }

  function attributesSize(attributes: Record<string, MessageAttributeValue> | undefined): number {
    let size = 0;
    for (const [name, value] of Object.entries(attributes ?? {})) {
      size += Buffer.byteLength(name) + Buffer.byteLength(value.DataType);
      size += value.BinaryValue !== undefined ? Buffer.from(value.BinaryValue, 'base64').length : Buffer.byteLength(value.StringValue ?? '');
    }
    return size;
  }

  function newMessage(queue: Queue, input: { MessageBody?: unknown; DelaySeconds?: unknown; MessageAttributes?: unknown }): StoredMessage {
    const body = input.MessageBody;
    if (typeof body !== 'string' || body.length === 0) throw errors.invalid('The request must contain the parameter MessageBody.');
    if (!validBody(body)) throw new SqsError(400, 'InvalidMessageContents', 'InvalidMessageContents', 'Invalid characters found in the message body.');
    const attributes = checkMessageAttributes(input.MessageAttributes);
    const size = Buffer.byteLength(body) + attributesSize(attributes);
    if (size > Number(queue.attributes.MaximumMessageSize)) {
      throw errors.invalid(`One or more parameters are invalid. Reason: Message must be shorter than ${queue.attributes.MaximumMessageSize} bytes.`);
    }
    const delay = input.DelaySeconds === undefined ? Number(queue.attributes.DelaySeconds) : integer(input.DelaySeconds, 'DelaySeconds', 0, 900);
    const sentAt = now();
    return {
      id: randomUUID(),
      body,
      md5: md5(body),
      ...(attributes ? { attributes, md5OfAttributes: md5OfMessageAttributes(attributes) } : {}),
      sentAt,
      visibleAt: sentAt + delay * 1000,
      receiveCount: 0,
    };
  }

  const sent = (message: StoredMessage) => ({
    MessageId: message.id,
    MD5OfMessageBody: message.md5,
    ...(message.md5OfAttributes ? { MD5OfMessageAttributes: message.md5OfAttributes } : {}),
  });

  function receipt(message: StoredMessage): string {
    return Buffer.from(`${message.id}:${message.receiveCount}:${randomUUID()}`).toString('base64url');
  }

  function messageIdOfReceipt(handle: unknown): string {
    if (typeof handle !== 'string' || handle.length === 0) throw errors.receipt();
    const [id, count] = Buffer.from(handle, 'base64url').toString('utf8').split(':');
    if (!id || !/^[0-9a-f-]{36}$/.test(id) || !count || !/^\d+$/.test(count)) throw errors.receipt();
    return id;
  }

  /** Takes up to `max` receivable messages, oldest first, and hides them for the visibility timeout. */
  function take(queue: Queue, max: number, visibilitySeconds: number): StoredMessage[] {
    const at = now();
    const taken: StoredMessage[] = [];
    for (const message of queue.messages) {
      if (taken.length >= max) break;
      if (message.visibleAt > at) continue;
      message.receiveCount += 1;
      message.firstReceivedAt ??= at;
      message.visibleAt = at + visibilitySeconds * 1000;
      message.receipt = receipt(message);
      taken.push(message);
    }
    return taken;
  }

  /** The next time a hidden message becomes receivable, so a long poll can wake for it. */
  function nextVisibleAt(queue: Queue): number | undefined {
    let next: number | undefined;
    for (const message of queue.messages) if (next === undefined || message.visibleAt < next) next = message.visibleAt;
    return next;
  }

  function wantedSystemAttributes(input: Record<string, unknown>): Set<string> {
    const names = [
      ...((input.AttributeNames as string[] | undefined) ?? []),
      ...((input.MessageSystemAttributeNames as string[] | undefined) ?? []),
    ];
    return new Set(names.includes('All') ? SYSTEM_ATTRIBUTES : names.filter((name) => (SYSTEM_ATTRIBUTES as readonly string[]).includes(name)));
  }

  function received(message: StoredMessage, systemAttributes: Set<string>, messageAttributeNames: string[]) {
    const attributes: Record<string, string> = {};
    if (systemAttributes.has('ApproximateReceiveCount')) attributes.ApproximateReceiveCount = String(message.receiveCount);
    if (systemAttributes.has('ApproximateFirstReceiveTimestamp')) attributes.ApproximateFirstReceiveTimestamp = String(message.firstReceivedAt);
    if (systemAttributes.has('SentTimestamp')) attributes.SentTimestamp = String(message.sentAt);
    if (systemAttributes.has('SenderId')) attributes.SenderId = LOCAL_ACCOUNT_ID;
    const all = messageAttributeNames.includes('All') || messageAttributeNames.includes('.*');
    const selected = Object.entries(message.attributes ?? {}).filter(
      ([name]) => all || messageAttributeNames.some((wanted) => wanted === name || (wanted.endsWith('.*') && name.startsWith(wanted.slice(0, -1)))),
    );
    return {
      MessageId: message.id,
      ReceiptHandle: message.receipt,
      MD5OfBody: message.md5,
      Body: message.body,
      ...(Object.keys(attributes).length ? { Attributes: attributes } : {}),
      ...(selected.length ? { MessageAttributes: Object.fromEntries(selected), MD5OfMessageAttributes: md5OfMessageAttributes(Object.fromEntries(selected)) } : {}),
    };
  }

  function queueAttributes(queue: Queue, names: string[]): Record<string, string> {
    const at = now();
    const visible = queue.messages.filter((m) => m.visibleAt <= at).length;
    const inFlight = queue.messages.filter((m) => m.visibleAt > at && m.receiveCount > 0).length;
    const delayed = queue.messages.filter((m) => m.visibleAt > at && m.receiveCount === 0).length;
    const all: Record<string, string> = {
      ...queue.attributes,
      ApproximateNumberOfMessages: String(visible),
      ApproximateNumberOfMessagesNotVisible: String(inFlight),
      ApproximateNumberOfMessagesDelayed: String(delayed),
      CreatedTimestamp: String(Math.floor(queue.createdAt / 1000)),
      LastModifiedTimestamp: String(Math.floor(queue.modifiedAt / 1000)),
      QueueArn: `arn:aws:sqs:${region}:${LOCAL_ACCOUNT_ID}:${queue.name}`,
    };
    if (names.includes('All')) return all;
    const out: Record<string, string> = {};
    for (const name of names) {
      if (!(name in all) && !(name in SETTABLE_ATTRIBUTES)) throw errors.invalidAttribute(name);
      if (name in all) out[name] = all[name]!;
    }
    return out;
  }

  async function waitForMessages(queue: Queue, until: number, aborted: () => boolean): Promise<void> {
    while (!aborted() && now() < until && !closing) {
      const next = nextVisibleAt(queue);
      const at = now();
      if (next !== undefined && next <= at) return;
      const sleepMs = Math.max(1, Math.min(until, next ?? until) - at);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, sleepMs);
        function done() {
          clearTimeout(timer);
          waiters.delete(done);
          resolve();
        }
        waiters.add(done);
      });
    }
  }

  type Handler = (input: Record<string, unknown>, aborted: () => boolean) => Promise<{ body: unknown; changed: boolean }>;
  const operations: Record<string, Handler> = {
    async CreateQueue(input) {
      const name = input.QueueName;
      if (typeof name !== 'string' || !QUEUE_NAME.test(name)) {
        throw errors.invalid('Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length.');
      }
      if (name.endsWith('.fifo')) throw errors.unsupported('FIFO queues');
      const requested = (input.Attributes ?? {}) as Record<string, string>;
      for (const [attribute, value] of Object.entries(requested)) {
        const check = SETTABLE_ATTRIBUTES[attribute];
        if (!check) throw errors.invalidAttribute(attribute);
        check(String(value));
      }
      const attributes = Object.fromEntries(Object.entries({ ...DEFAULTS, ...requested }).map(([k, v]) => [k, String(v)]));
      const existing = queues.get(name);
      if (existing) {
        // Same name and attributes: the existing queue (CreateQueue is idempotent); any difference is an error.
        const differs = Object.entries(requested).some(([attribute, value]) => existing.attributes[attribute] !== String(value));
        if (differs) throw errors.exists();
        return { body: { QueueUrl: queueUrl(name) }, changed: false };
      }
      const at = now();
      queues.set(name, { name, createdAt: at, modifiedAt: at, attributes, messages: [] });
      return { body: { QueueUrl: queueUrl(name) }, changed: true };
    },

    async GetQueueUrl(input) {
      const name = input.QueueName;
      if (typeof name !== 'string' || !queues.has(name)) throw errors.noQueue();
      return { body: { QueueUrl: queueUrl(name) }, changed: false };
    },

    async ListQueues(input) {
      const prefix = typeof input.QueueNamePrefix === 'string' ? input.QueueNamePrefix : '';
      const urls = [...queues.keys()].filter((name) => name.startsWith(prefix)).sort().map(queueUrl);
      return { body: urls.length ? { QueueUrls: urls } : {}, changed: false };
    },

    async DeleteQueue(input) {
      const queue = queueFromUrl(input.QueueUrl);
      queues.delete(queue.name);
      return { body: {}, changed: true };
    },

    async SendMessage(input) {
      const queue = queueFromUrl(input.QueueUrl);
      const message = newMessage(queue, input);
      expire(queue);
      queue.messages.push(message);
      return { body: sent(message), changed: true };
    },

    async SendMessageBatch(input) {
      const queue = queueFromUrl(input.QueueUrl);
      const entries = input.Entries as Array<Record<string, unknown>> | undefined;
      if (!Array.isArray(entries) || entries.length === 0) throw errors.emptyBatch();
      if (entries.length > MAX_BATCH_ENTRIES) throw errors.tooManyEntries();
      const ids = entries.map((entry) => entry.Id);
      if (ids.some((id) => typeof id !== 'string' || !BATCH_ENTRY_ID.test(id))) throw errors.badEntryId();
      if (new Set(ids).size !== ids.length) throw errors.idsNotDistinct();
      const total = entries.reduce((sum, entry) => sum + (typeof entry.MessageBody === 'string' ? Buffer.byteLength(entry.MessageBody) : 0), 0);
      if (total > MAX_MESSAGE_BYTES) throw errors.batchTooLong();
      const successful: unknown[] = [];
      const failed: unknown[] = [];
      expire(queue);
      for (const entry of entries) {
        try {
          const message = newMessage(queue, entry);
          queue.messages.push(message);
          successful.push({ Id: entry.Id, ...sent(message) });
        } catch (error) {
          if (!(error instanceof SqsError)) throw error;
          failed.push({ Id: entry.Id, SenderFault: true, Code: error.type, Message: error.message });
        }
      }
      return { body: { Successful: successful, Failed: failed }, changed: successful.length > 0 };
    },

    async ReceiveMessage(input, aborted) {
      const queue = queueFromUrl(input.QueueUrl);
      const max = input.MaxNumberOfMessages === undefined ? 1 : integer(input.MaxNumberOfMessages, 'MaxNumberOfMessages', 1, MAX_BATCH_ENTRIES);
      const visibility = input.VisibilityTimeout === undefined ? Number(queue.attributes.VisibilityTimeout) : integer(input.VisibilityTimeout, 'VisibilityTimeout', 0, MAX_VISIBILITY_SECONDS);
      const waitSeconds = input.WaitTimeSeconds === undefined ? Number(queue.attributes.ReceiveMessageWaitTimeSeconds) : integer(input.WaitTimeSeconds, 'WaitTimeSeconds', 0, MAX_WAIT_SECONDS);
      const systemAttributes = wantedSystemAttributes(input);
      const messageAttributeNames = (input.MessageAttributeNames as string[] | undefined) ?? [];
      const until = now() + waitSeconds * 1000;
      let expired = expire(queue);
      for (;;) {
        const current = queues.get(queue.name);
        if (current !== queue) throw errors.noQueue();
        const taken = take(queue, max, visibility);
        if (taken.length > 0 || now() >= until || aborted() || closing) {
          return { body: taken.length ? { Messages: taken.map((m) => received(m, systemAttributes, messageAttributeNames)) } : {}, changed: taken.length > 0 || expired };
        }
        await waitForMessages(queue, until, aborted);
        expired = expire(queue) || expired;
      }
    },

    async DeleteMessage(input) {
      const queue = queueFromUrl(input.QueueUrl);
      const id = messageIdOfReceipt(input.ReceiptHandle);
      const before = queue.messages.length;
      // A handle of a message already deleted succeeds, as in SQS.
      queue.messages = queue.messages.filter((message) => message.id !== id);
      return { body: {}, changed: queue.messages.length !== before };
    },

    async ChangeMessageVisibility(input) {
      const queue = queueFromUrl(input.QueueUrl);
      const id = messageIdOfReceipt(input.ReceiptHandle);
      const seconds = integer(input.VisibilityTimeout, 'VisibilityTimeout', 0, MAX_VISIBILITY_SECONDS);
      const message = queue.messages.find((m) => m.id === id);
      if (!message || message.receipt !== input.ReceiptHandle || message.visibleAt <= now()) throw errors.notInflight();
      message.visibleAt = now() + seconds * 1000;
      if (seconds === 0) wake();
      return { body: {}, changed: true };
    },

    async GetQueueAttributes(input) {
      const queue = queueFromUrl(input.QueueUrl);
      const expired = expire(queue);
      const names = (input.AttributeNames as string[] | undefined) ?? [];
      return { body: names.length ? { Attributes: queueAttributes(queue, names) } : {}, changed: expired };
    },

    async PurgeQueue(input) {
      const queue = queueFromUrl(input.QueueUrl);
      queue.messages = [];
      queue.modifiedAt = now();
      return { body: {}, changed: true };
    },
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    let aborted = false;
    res.once('close', () => (aborted = true));
    try {
      const target = req.headers['x-amz-target'];
      if (req.method !== 'POST' || typeof target !== 'string' || !target.startsWith('AmazonSQS.')) {
        throw new SqsError(400, 'UnknownOperationException', 'UnknownOperation', 'Only the AWS JSON 1.0 protocol (x-amz-target: AmazonSQS.<Operation>) is served.');
      }
      const operationName = target.slice('AmazonSQS.'.length);
      const operation = operations[operationName];
      if (!operation) throw errors.unsupported(operationName);
      if (!req.headers.authorization) throw new SqsError(400, 'MissingAuthenticationToken', 'MissingAuthenticationToken', 'Request is missing Authentication Token');
      const text = await readBody(req);
      let input: Record<string, unknown>;
      try {
        input = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        throw new SqsError(400, 'SerializationException', 'SerializationException', 'Malformed JSON body.');
      }
      const result = await operation(input, () => aborted);
      // Acknowledged only once on disk, so a restart never loses a message the sender was told about.
      if (result.changed) await persist();
      if (operationName.startsWith('Send') || operationName === 'ChangeMessageVisibility') wake();
      send(res, 200, result.body, requestId);
    } catch (error) {
      if (error instanceof SqsError) {
        res.setHeader('x-amzn-query-error', `${error.queryCode};Sender`);
        return send(res, error.status, { __type: `com.amazonaws.sqs#${error.type}`, message: error.message }, requestId);
      }
      console.error('sqs emulator: request failed', requestId, error);
      send(res, 500, { __type: 'com.amazonaws.sqs#InternalError', message: 'internal error' }, requestId);
    }
  }

  let closing = false;
  const listening = await listenHttp(createServer((req, res) => void handle(req, res)), options.port ?? 0, host);
  const port = listening.port;
  baseUrl = listening.url;
  let closed: Promise<void> | undefined;
  return {
    url: baseUrl,
    port,
    queueUrl,
    close: () =>
      (closed ??= (async () => {
        closing = true;
        // Long polls answer at once with what they have (nothing), so close() does not wait up to 20 s.
        wake();
        await listening.stop();
        await writing.catch(() => undefined);
      })()),
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    // Ten entries of 256 KB in JSON stay well below this; anything larger is not an SQS request.
    if (size > 8 * MAX_MESSAGE_BYTES * MAX_BATCH_ENTRIES) throw new SqsError(413, 'RequestEntityTooLarge', 'RequestEntityTooLarge', 'Request too large.');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, body: unknown, requestId: string): void {
  if (res.destroyed) return;
  const json = JSON.stringify(body);
  res
    .writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'content-length': Buffer.byteLength(json), 'x-amzn-requestid': requestId })
    .end(json);
}

async function load(file: string): Promise<Queue[]> {
  const raw = await readFileIfExists(file);
  if (raw === undefined) return [];
  // An unreadable file is an error, not an empty state: starting empty would silently drop messages.
  const data = JSON.parse(raw) as { version?: unknown; queues?: Queue[] };
  if (data.version !== 1 || !Array.isArray(data.queues)) throw new Error(`sqs emulator: ${file} is not a version 1 state file`);
  return data.queues;
}

