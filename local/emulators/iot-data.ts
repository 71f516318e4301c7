/**
 * Local emulator of the AWS IoT data plane's Publish operation (`POST /topics/{topic}?qos=&retain=`), driven by
 * the real `@aws-sdk/client-iot-data-plane` client. It enforces the IoT Core broker's rules for topics, QoS and
 * payload size, then hands the message to `publish`, which delivers it into the local MQTT broker.
 * Errors carry `x-amzn-errortype` and a `{ message }` body, as the SDK reads them.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenHttp } from '../net.js';

export interface IotDataEmulatorOptions {
  port?: number;
  host?: string;
  /**
   * Delivers an accepted message. Basic Ingest topics (`$aws/rules/{rule}/...`) arrive with their prefix: in AWS
   * they go to the named rule only, never to subscribers, so the receiver decides what that means locally.
   */
  publish: (topic: string, payload: Buffer, qos: 0 | 1, retain: boolean) => Promise<void>;
}

export interface IotDataEmulator {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** IoT Core broker quotas. */
const MAX_PAYLOAD_BYTES = 128 * 1024;
const MAX_TOPIC_BYTES = 256;
const MAX_TOPIC_SLASHES = 7;
/** The prefix does not count toward the topic limits. */
const BASIC_INGEST = /^\$aws\/rules\/[a-zA-Z0-9_]{1,128}(?:\/|$)/;
const SIGV4_AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=[^,\s]+,\s*SignedHeaders=[^,\s]+,\s*Signature=[0-9a-f]+$/;
const TOPICS_PATH = '/topics/';

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const invalidRequest = (message: string) => new ApiError(400, 'InvalidRequestException', message);

export async function startIotDataEmulator(options: IotDataEmulatorOptions): Promise<IotDataEmulator> {
  const host = options.host ?? '127.0.0.1';

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (req.method !== 'POST' || !url.pathname.startsWith(TOPICS_PATH)) {
        throw new ApiError(404, 'UnknownOperationException', 'Unknown operation');
      }
      authenticate(req);
      // The SDK encodes `/` inside the topic as %2F; plain HTTP clients often send it unencoded. Both mean the same.
      const topic = validTopic(decodeTopic(url.pathname.slice(TOPICS_PATH.length)));
      const qos = qosOf(url.searchParams.get('qos'));
      const retain = retainOf(url.searchParams.get('retain'));
      const payload = await readBody(req, MAX_PAYLOAD_BYTES);
      if (!payload) throw new ApiError(413, 'RequestEntityTooLargeException', `Payload exceeds the limit of ${MAX_PAYLOAD_BYTES} bytes`);
      await options.publish(topic, payload, qos, retain);
      send(res, 200, {}, requestId);
    } catch (error) {
      if (error instanceof ApiError) return sendError(res, error, requestId);
      console.error('iot-data emulator: publish failed', requestId, error);
      sendError(res, new ApiError(500, 'InternalFailureException', 'internal error'), requestId);
    }
  }

  const listening = await listenHttp(createServer((req, res) => void handle(req, res)), options.port ?? 0, host);
  let closing: Promise<void> | undefined;
  return { url: listening.url, port: listening.port, close: () => (closing ??= listening.stop()) };
}

function authenticate(req: IncomingMessage): void {
  const authorization = req.headers.authorization;
  // Signatures are not verified: any well-formed SigV4 header passes, as with any local credentials.
  if (!authorization) throw new ApiError(403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
  if (!SIGV4_AUTHORIZATION.test(authorization)) {
    throw new ApiError(403, 'IncompleteSignatureException', 'Authorization header is not a complete AWS Signature Version 4 header');
  }
}

function decodeTopic(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw invalidRequest('Malformed topic encoding');
  }
}

function validTopic(topic: string): string {
  if (topic.length === 0) throw invalidRequest('Topic must not be empty');
  if (/[+#]/.test(topic)) throw invalidRequest('Topic must not contain the wildcard characters + or #');
  if (topic.includes('\u0000')) throw invalidRequest('Topic must not contain the null character');
  const ingest = BASIC_INGEST.exec(topic);
  if (topic.startsWith('$') && !ingest) throw invalidRequest('Topics beginning with $ are reserved; only Basic Ingest ($aws/rules/{rule}/...) may be published to');
  const rest = ingest ? topic.slice(ingest[0].length) : topic;
  if (Buffer.byteLength(rest, 'utf8') > MAX_TOPIC_BYTES) throw invalidRequest(`Topic exceeds ${MAX_TOPIC_BYTES} bytes`);
  if (rest.split('/').length - 1 > MAX_TOPIC_SLASHES) throw invalidRequest(`Topic has more than ${MAX_TOPIC_SLASHES} forward slashes`);
  return topic;
}

function qosOf(value: string | null): 0 | 1 {
  if (value === null || value === '0') return 0;
  if (value === '1') return 1;
  throw invalidRequest('qos must be 0 or 1');
}

function retainOf(value: string | null): boolean {
  if (value === null || value === 'false') return false;
  if (value === 'true') return true;
  throw invalidRequest('retain must be true or false');
}

/** Reads the whole body but keeps at most `limit` bytes; undefined when it was larger. */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= limit) chunks.push(chunk as Buffer);
  }
  return size > limit ? undefined : Buffer.concat(chunks);
}

function send(res: ServerResponse, status: number, body: unknown, requestId: string): void {
  const json = JSON.stringify(body);
  res
    .writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json), 'x-amzn-requestid': requestId })
    .end(json);
}

function sendError(res: ServerResponse, error: ApiError, requestId: string): void {
  res.setHeader('x-amzn-errortype', error.type);
  send(res, error.status, { message: error.message }, requestId);
}
