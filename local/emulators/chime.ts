/**
 * Local emulator of the Amazon Chime SDK Meetings control plane (REST-JSON, API version 2021-07-15), driven by
 * the real `@aws-sdk/client-chime-sdk-meetings` client. Paths, status codes, JSON members and error shapes
 * follow the SDK's own serializers: errors carry `x-amzn-errortype` and a `{ Code, Message, RequestId }` body.
 *
 * Operations: CreateMeeting, CreateMeetingWithAttendees, GetMeeting, DeleteMeeting, CreateAttendee,
 * BatchCreateAttendee, GetAttendee, ListAttendees, DeleteAttendee, UpdateAttendeeCapabilities.
 *
 * Meeting events (the EventBridge "Chime Meeting State Change" envelope) go to `onEvent` in order, after the
 * API call has answered, as EventBridge delivers them asynchronously in AWS too.
 *
 * There is no media plane locally, so presence is simulated through a local-only control API (no auth):
 *   POST /_local/meetings/{MeetingId}/attendees/{AttendeeId}/join   → chime:AttendeeJoined
 *   POST /_local/meetings/{MeetingId}/attendees/{AttendeeId}/leave  → chime:AttendeeLeft
 *   POST /_local/meetings/{MeetingId}/attendees/{AttendeeId}/drop   → chime:AttendeeDropped
 * Each answers 204, or 404 NotFoundException for an unknown meeting or attendee.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFileIfExists, writeFileAtomically } from '../files.js';
import { listenHttp } from '../net.js';

export type ChimeMeetingEventType =
  | 'chime:AttendeeJoined'
  | 'chime:AttendeeLeft'
  | 'chime:AttendeeDropped'
  | 'chime:AttendeeDeleted'
  | 'chime:AttendeeAdded'
  | 'chime:MeetingStarted'
  | 'chime:MeetingEnded';

/** The EventBridge event AWS sends for Chime SDK meeting state changes (source `aws.chime`). */
export interface ChimeMeetingEvent {
  version: '0';
  id: string;
  'detail-type': 'Chime Meeting State Change';
  source: 'aws.chime';
  account: string;
  time: string;
  region: string;
  resources: [];
  detail: {
    version: '0';
    eventType: ChimeMeetingEventType;
    /** Epoch milliseconds. */
    timestamp: number;
    meetingId: string;
    externalMeetingId?: string;
    attendeeId?: string;
    externalUserId?: string;
    /** Sent by AWS on join, leave and drop events. */
    networkType?: 'Voip';
    mediaRegion: string;
  };
}

export interface ChimeEmulatorOptions {
  port?: number;
  host?: string;
  /** JSON file the state is kept in, so meetings survive a restart. In memory only when absent. */
  dataFile?: string;
  /** Attendees a meeting may hold at once; 250 in AWS. */
  attendeeLimit?: number;
  /** The AWS Region the emulator stands in for: the `region` of events and of MeetingArns (default us-east-1). */
  mediaRegion?: string;
  onEvent?: (event: ChimeMeetingEvent) => void | Promise<void>;
}

export interface ChimeEmulator {
  url: string;
  port: number;
  close(): Promise<void>;
}

type Capability = 'SendReceive' | 'Send' | 'Receive' | 'None';

interface Capabilities {
  Audio: Capability;
  Video: Capability;
  Content: Capability;
}

interface Attendee {
  ExternalUserId: string;
  AttendeeId: string;
  JoinToken: string;
  Capabilities: Capabilities;
}

interface MeetingFeatures {
  Audio?: { EchoReduction?: string };
  Video?: { MaxResolution?: string };
  Content?: { MaxResolution?: string };
  Attendee?: { MaxCount?: number };
}

interface Meeting {
  MeetingId: string;
  MeetingHostId?: string;
  ExternalMeetingId: string;
  MediaRegion: string;
  MediaPlacement: Record<string, string>;
  MeetingFeatures?: MeetingFeatures;
  PrimaryMeetingId?: string;
  TenantIds?: string[];
  MeetingArn: string;
}

interface MeetingState {
  meeting: Meeting;
  clientRequestToken: string;
  /** In creation order; `seq` orders ListAttendees pages stably across deletions. */
  attendees: { seq: number; attendee: Attendee }[];
  nextSeq: number;
}

interface Reply {
  status: number;
  body?: unknown;
  /** State changed: persist before answering. */
  changed?: boolean;
  events?: ChimeMeetingEvent[];
}

const ACCOUNT_ID = '000000000000';
const DEFAULT_ATTENDEE_LIMIT = 250;
/** Attendee ceiling when a meeting asks for FHD video or UHD content without its own MaxCount. */
const HIGH_RESOLUTION_ATTENDEE_LIMIT = 25;
const MAX_BATCH_ATTENDEES = 100;
const MAX_MEETING_WITH_ATTENDEES = 20;
const MAX_LIST_RESULTS = 100;

const MEDIA_REGIONS = new Set([
  'af-south-1', 'ap-northeast-1', 'ap-northeast-2', 'ap-south-1', 'ap-southeast-1', 'ap-southeast-2',
  'ca-central-1', 'eu-central-1', 'eu-north-1', 'eu-south-1', 'eu-west-1', 'eu-west-2', 'eu-west-3',
  'sa-east-1', 'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'us-gov-east-1', 'us-gov-west-1',
]);
const CAPABILITIES = ['SendReceive', 'Send', 'Receive', 'None'] as const;
const PRESENCE_EVENTS = new Map<string, ChimeMeetingEventType>([
  ['join', 'chime:AttendeeJoined'],
  ['leave', 'chime:AttendeeLeft'],
  ['drop', 'chime:AttendeeDropped'],
]);
const UUID = /^[a-fA-F0-9]{8}(?:-[a-fA-F0-9]{4}){3}-[a-fA-F0-9]{12}$/;
const EXTERNAL_ID = /^[-_&@+=,(){}[\]/«».:|'"#a-zA-Z0-9À-ÿ\s]*$/;
const CLIENT_REQUEST_TOKEN = /^[-_a-zA-Z0-9]*$/;
const TENANT_ID = /^(?!.*?(.)\1{3})[-_!@#$a-zA-Z0-9]*$/;
const SIGV4_AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=[^,\s]+,\s*SignedHeaders=[^,\s]+,\s*Signature=[0-9a-f]+$/;

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const badRequest = (message: string) => new ApiError(400, 'BadRequestException', message);
const notFound = (message: string) => new ApiError(404, 'NotFoundException', message);
/** Worded like the AWS request validator. Values are left out because ExternalUserIds may identify people. */
const invalid = (field: string, constraint: string) =>
  badRequest(`1 validation error detected: Value at '${field}' failed to satisfy constraint: ${constraint}`);

export async function startChimeEmulator(options: ChimeEmulatorOptions = {}): Promise<ChimeEmulator> {
  const host = options.host ?? '127.0.0.1';
  const region = options.mediaRegion ?? 'us-east-1';
  const attendeeLimit = options.attendeeLimit ?? DEFAULT_ATTENDEE_LIMIT;
  const { dataFile, onEvent } = options;
  const meetings = new Map<string, MeetingState>();
  for (const state of dataFile ? await load(dataFile) : []) meetings.set(state.meeting.MeetingId, state);

  let writing: Promise<void> = Promise.resolve();
  /** Writes run one after another, each taking the state as it is then, so the file never goes back in time. */
  function persist(): Promise<void> {
    if (!dataFile) return Promise.resolve();
    writing = writing
      .catch(() => undefined)
      .then(() => writeFileAtomically(dataFile, JSON.stringify({ version: 1, meetings: [...meetings.values()] })));
    return writing;
  }

  let delivering: Promise<void> = Promise.resolve();
  /** A chain rather than awaiting in the request: a handler may call this API again without deadlocking. */
  function emit(events: readonly ChimeMeetingEvent[]): void {
    for (const event of events) {
      delivering = delivering.then(async () => {
        try {
          await onEvent?.(event);
        } catch (error) {
          console.error('chime emulator: onEvent failed', event.detail.eventType, event.detail.meetingId, error);
        }
      });
    }
  }

  function event(eventType: ChimeMeetingEventType, meeting: Meeting, attendee?: Attendee): ChimeMeetingEvent {
    const timestamp = Date.now();
    const presence = eventType === 'chime:AttendeeJoined' || eventType === 'chime:AttendeeLeft' || eventType === 'chime:AttendeeDropped';
    return {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Chime Meeting State Change',
      source: 'aws.chime',
      account: ACCOUNT_ID,
      time: new Date(timestamp).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region,
      resources: [],
      detail: {
        version: '0',
        eventType,
        timestamp,
        meetingId: meeting.MeetingId,
        ...(attendee ? { attendeeId: attendee.AttendeeId, externalUserId: attendee.ExternalUserId } : {}),
        ...(presence ? { networkType: 'Voip' as const } : {}),
        externalMeetingId: meeting.ExternalMeetingId,
        mediaRegion: meeting.MediaRegion,
      },
    };
  }

  function meetingById(meetingId: string): MeetingState {
    if (!UUID.test(meetingId)) throw invalid('meetingId', `Member must satisfy regular expression pattern: ${UUID.source}`);
    const state = meetings.get(meetingId);
    if (!state) throw notFound(`Meeting ${meetingId} not found`);
    return state;
  }

  function attendeeById(state: MeetingState, attendeeId: string): Attendee {
    if (!UUID.test(attendeeId)) throw invalid('attendeeId', `Member must satisfy regular expression pattern: ${UUID.source}`);
    const found = state.attendees.find((entry) => entry.attendee.AttendeeId === attendeeId);
    if (!found) throw notFound(`Attendee ${attendeeId} not found`);
    return found.attendee;
  }

  function limitOf(meeting: Meeting): number {
    const features = meeting.MeetingFeatures;
    const highResolution = features?.Video?.MaxResolution === 'FHD' || features?.Content?.MaxResolution === 'UHD';
    const meetingMax = features?.Attendee?.MaxCount ?? (highResolution ? HIGH_RESOLUTION_ATTENDEE_LIMIT : Infinity);
    return Math.min(attendeeLimit, meetingMax);
  }

  /**
   * All-or-nothing: every item is validated and the limit checked before the meeting changes.
   * `listField` names the request's list in error messages; absent for CreateAttendee's single item.
   */
  function addAttendees(state: MeetingState, items: unknown[], listField?: string): { attendees: Attendee[]; events: ChimeMeetingEvent[] } {
    const requests = items.map((item, index) => {
      const itemField = listField === undefined ? undefined : `${listField}.${index + 1}`;
      const field = (member: string) => (itemField === undefined ? member : `${itemField}.${member}`);
      const request = record(item, itemField ?? 'body');
      return {
        externalUserId: externalId(request.ExternalUserId, field('ExternalUserId'), true),
        capabilities: capabilities(request.Capabilities, field('Capabilities'), state.meeting.MeetingFeatures),
      };
    });
    const existing = (externalUserId: string) =>
      state.attendees.find((entry) => entry.attendee.ExternalUserId === externalUserId)?.attendee;
    const newUsers = new Set(requests.map((r) => r.externalUserId).filter((id) => !existing(id)));
    const limit = limitOf(state.meeting);
    if (state.attendees.length + newUsers.size > limit) {
      throw new ApiError(400, 'LimitExceededException', `The meeting ${state.meeting.MeetingId} has reached its limit of ${limit} attendees`);
    }
    const attendees: Attendee[] = [];
    const events: ChimeMeetingEvent[] = [];
    for (const request of requests) {
      // Chime treats ExternalUserId as an idempotency token within a meeting.
      const found = existing(request.externalUserId);
      if (found) {
        attendees.push(found);
        continue;
      }
      const attendee: Attendee = {
        ExternalUserId: request.externalUserId,
        AttendeeId: randomUUID(),
        JoinToken: randomBytes(48).toString('base64'),
        Capabilities: request.capabilities,
      };
      state.attendees.push({ seq: state.nextSeq++, attendee });
      attendees.push(attendee);
      events.push(event('chime:AttendeeAdded', state.meeting, attendee));
    }
    return { attendees, events };
  }

  function createMeeting(body: Record<string, unknown>, withAttendees: boolean): Reply {
    const mediaRegion = requiredText(body.MediaRegion, 'MediaRegion', { min: 2, max: 64 });
    if (!MEDIA_REGIONS.has(mediaRegion)) throw badRequest(`MediaRegion ${mediaRegion} is not a supported media Region`);
    const externalMeetingId = externalId(body.ExternalMeetingId, 'ExternalMeetingId', true);
    const clientRequestToken = requiredText(body.ClientRequestToken, 'ClientRequestToken', { min: 2, max: 64, pattern: CLIENT_REQUEST_TOKEN });
    const meetingHostId = externalId(body.MeetingHostId, 'MeetingHostId', false);
    const meetingFeatures = features(body.MeetingFeatures);
    const primaryMeetingId = optionalText(body.PrimaryMeetingId, 'PrimaryMeetingId', { min: 2, max: 64 });
    const tenantIds = tenants(body.TenantIds);
    optionalEnum(body.MediaPlacementNetworkType, 'MediaPlacementNetworkType', ['DualStack', 'Ipv4Only']);
    if (body.NotificationsConfiguration != null) record(body.NotificationsConfiguration, 'NotificationsConfiguration');
    const items = withAttendees ? list(body.Attendees, 'Attendees', 1, MAX_MEETING_WITH_ATTENDEES) : [];

    const events: ChimeMeetingEvent[] = [];
    let state = [...meetings.values()].find((m) => m.clientRequestToken === clientRequestToken);
    const created = !state;
    if (!state) {
      const meetingId = randomUUID();
      const meeting: Meeting = {
        MeetingId: meetingId,
        MeetingHostId: meetingHostId,
        ExternalMeetingId: externalMeetingId,
        MediaRegion: mediaRegion,
        MediaPlacement: mediaPlacement(meetingId, mediaRegion),
        MeetingFeatures: meetingFeatures,
        PrimaryMeetingId: primaryMeetingId,
        TenantIds: tenantIds,
        MeetingArn: `arn:aws:chime:${region}:${ACCOUNT_ID}:meeting/${meetingId}`,
      };
      state = { meeting, clientRequestToken, attendees: [], nextSeq: 0 };
      events.push(event('chime:MeetingStarted', meeting));
    }
    // On a new meeting this runs before it is stored, so a rejected attendee list leaves no meeting behind.
    const added = addAttendees(state, items, 'Attendees');
    meetings.set(state.meeting.MeetingId, state);
    events.push(...added.events);
    const response = withAttendees ? { Meeting: state.meeting, Attendees: added.attendees, Errors: [] } : { Meeting: state.meeting };
    return { status: 200, body: response, changed: created || added.events.length > 0, events };
  }

  function listAttendees(state: MeetingState, query: URLSearchParams): Reply {
    const maxResultsParam = query.get('max-results');
    const maxResults = maxResultsParam === null ? MAX_LIST_RESULTS : Number(maxResultsParam);
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > MAX_LIST_RESULTS) {
      throw invalid('maxResults', `Member must have value between 1 and ${MAX_LIST_RESULTS}`);
    }
    const token = query.get('next-token');
    const decoded = token === null ? '-1' : Buffer.from(token, 'base64url').toString('utf8');
    if (!/^(?:-1|\d+)$/.test(decoded)) throw badRequest('Invalid NextToken');
    const after = Number(decoded);
    const remaining = state.attendees.filter((entry) => entry.seq > after);
    const page = remaining.slice(0, maxResults);
    const last = page.at(-1);
    return {
      status: 200,
      body: {
        Attendees: page.map((entry) => entry.attendee),
        ...(remaining.length > page.length && last ? { NextToken: Buffer.from(String(last.seq)).toString('base64url') } : {}),
      },
    };
  }

  function dispatch(method: string, segments: string[], query: URLSearchParams, body: Record<string, unknown>): Reply {
    const [root, meetingId, collection, attendeeId, leaf, ...extra] = segments;
    const operation = query.get('operation');
    if (root !== 'meetings' || extra.length > 0) throw unknownOperation();
    if (meetingId === undefined) {
      if (method === 'POST' && operation === null) return createMeeting(body, false);
      if (method === 'POST' && operation === 'create-attendees') return createMeeting(body, true);
      throw unknownOperation();
    }
    if (collection === undefined) {
      if (method === 'GET') return { status: 200, body: { Meeting: meetingById(meetingId).meeting } };
      if (method === 'DELETE') {
        const state = meetingById(meetingId);
        meetings.delete(meetingId);
        return { status: 204, changed: true, events: [event('chime:MeetingEnded', state.meeting)] };
      }
      throw unknownOperation();
    }
    if (collection !== 'attendees') throw unknownOperation();
    if (attendeeId === undefined) {
      if (method === 'POST' && operation === null) {
        const state = meetingById(meetingId);
        const { attendees, events } = addAttendees(state, [body]);
        return { status: 200, body: { Attendee: attendees[0] }, changed: events.length > 0, events };
      }
      if (method === 'POST' && operation === 'batch-create') {
        const state = meetingById(meetingId);
        const items = list(body.Attendees, 'Attendees', 1, MAX_BATCH_ATTENDEES);
        const { attendees, events } = addAttendees(state, items, 'Attendees');
        return { status: 200, body: { Attendees: attendees, Errors: [] }, changed: events.length > 0, events };
      }
      if (method === 'GET') return listAttendees(meetingById(meetingId), query);
      throw unknownOperation();
    }
    if (leaf === undefined) {
      if (method === 'GET') return { status: 200, body: { Attendee: attendeeById(meetingById(meetingId), attendeeId) } };
      if (method === 'DELETE') {
        const state = meetingById(meetingId);
        const attendee = attendeeById(state, attendeeId);
        state.attendees = state.attendees.filter((entry) => entry.attendee !== attendee);
        return { status: 204, changed: true, events: [event('chime:AttendeeDeleted', state.meeting, attendee)] };
      }
      throw unknownOperation();
    }
    if (leaf === 'capabilities' && method === 'PUT') {
      const state = meetingById(meetingId);
      const attendee = attendeeById(state, attendeeId);
      if (body.Capabilities == null) throw invalid('Capabilities', 'Member must not be null');
      attendee.Capabilities = capabilities(body.Capabilities, 'Capabilities', state.meeting.MeetingFeatures);
      return { status: 200, body: { Attendee: attendee }, changed: true };
    }
    throw unknownOperation();
  }

  function dispatchLocal(method: string, segments: string[]): Reply {
    const [, root, meetingId, collection, attendeeId, action, ...extra] = segments;
    const eventType = action === undefined ? undefined : PRESENCE_EVENTS.get(action);
    if (method !== 'POST' || root !== 'meetings' || collection !== 'attendees' || !meetingId || !attendeeId || !eventType || extra.length) {
      throw unknownOperation();
    }
    const state = meetingById(meetingId);
    return { status: 204, events: [event(eventType, state.meeting, attendeeById(state, attendeeId))] };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const segments = decodeSegments(url.pathname);
      const method = req.method ?? 'GET';
      let reply: Reply;
      if (segments[0] === '_local') {
        await drain(req);
        reply = dispatchLocal(method, segments);
      } else {
        authenticate(req);
        const body = await readJson(req);
        reply = dispatch(method, segments, url.searchParams, body);
      }
      // Should the write fail, memory keeps the change and the next successful write brings the file up to date.
      if (reply.changed) await persist();
      emit(reply.events ?? []);
      send(res, reply.status, reply.body, requestId);
    } catch (error) {
      if (error instanceof ApiError) return sendError(res, error, requestId);
      console.error('chime emulator: request failed', requestId, error);
      sendError(res, new ApiError(500, 'ServiceFailureException', 'internal error'), requestId);
    }
  }

  const listening = await listenHttp(createServer((req, res) => void handle(req, res)), options.port ?? 0, host);
  let closing: Promise<void> | undefined;
  return {
    url: listening.url,
    port: listening.port,
    // Idempotent, so a test's cleanup may close again after a restart test closed it.
    close: () =>
      (closing ??= (async () => {
        await listening.stop();
        await delivering;
        await writing.catch(() => undefined);
      })()),
  };
}

function unknownOperation(): ApiError {
  return new ApiError(404, 'UnknownOperationException', 'Unknown operation');
}

function authenticate(req: IncomingMessage): void {
  const authorization = req.headers.authorization;
  // Signatures are not verified: any well-formed SigV4 header passes, as with any local credentials.
  if (!authorization) throw new ApiError(403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
  if (!SIGV4_AUTHORIZATION.test(authorization)) {
    throw new ApiError(403, 'IncompleteSignatureException', 'Authorization header is not a complete AWS Signature Version 4 header');
  }
}

function decodeSegments(pathname: string): string[] {
  try {
    return pathname.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    throw badRequest('Malformed request path');
  }
}

async function drain(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const raw = await drain(req);
  if (raw.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    throw badRequest('Request body is not valid JSON');
  }
  return record(parsed, 'body');
}

function send(res: ServerResponse, status: number, body: unknown, requestId: string): void {
  res.setHeader('x-amzn-requestid', requestId);
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) }).end(json);
}

function sendError(res: ServerResponse, error: ApiError, requestId: string): void {
  res.setHeader('x-amzn-errortype', error.type);
  send(res, error.status, { Code: error.type.replace(/Exception$/, ''), Message: error.message, RequestId: requestId }, requestId);
}

function record(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(field, 'Member must be a structure');
  return value as Record<string, unknown>;
}

function list(value: unknown, field: string, min: number, max: number): unknown[] {
  if (value == null) throw invalid(field, 'Member must not be null');
  if (!Array.isArray(value)) throw invalid(field, 'Member must be a list');
  if (value.length < min) throw invalid(field, `Member must have length greater than or equal to ${min}`);
  if (value.length > max) throw invalid(field, `Member must have length less than or equal to ${max}`);
  return value;
}

interface TextRule {
  min: number;
  max: number;
  pattern?: RegExp;
}

function optionalText(value: unknown, field: string, rule: TextRule): string | undefined {
  if (value == null) return undefined;
  if (typeof value !== 'string') throw invalid(field, 'Member must be a string');
  const length = [...value].length;
  if (length < rule.min) throw invalid(field, `Member must have length greater than or equal to ${rule.min}`);
  if (length > rule.max) throw invalid(field, `Member must have length less than or equal to ${rule.max}`);
  if (rule.pattern && !rule.pattern.test(value)) throw invalid(field, `Member must satisfy regular expression pattern: ${rule.pattern.source}`);
  return value;
}

function requiredText(value: unknown, field: string, rule: TextRule): string {
  const text = optionalText(value, field, rule);
  if (text === undefined) throw invalid(field, 'Member must not be null');
  return text;
}

/** ExternalUserId, ExternalMeetingId and MeetingHostId share one shape; the `aws:` prefix is reserved. */
function externalId(value: unknown, field: string, required: true): string;
function externalId(value: unknown, field: string, required: false): string | undefined;
function externalId(value: unknown, field: string, required: boolean): string | undefined {
  const rule = { min: 2, max: 64, pattern: EXTERNAL_ID };
  const text = required ? requiredText(value, field, rule) : optionalText(value, field, rule);
  if (text?.toLowerCase().startsWith('aws:')) throw badRequest(`${field} must not begin with the reserved prefix aws:`);
  return text;
}

function optionalEnum<T extends string>(value: unknown, field: string, allowed: readonly T[]): T | undefined {
  if (value == null) return undefined;
  if (!allowed.includes(value as T)) throw invalid(field, `Member must satisfy enum value set: [${allowed.join(', ')}]`);
  return value as T;
}

function requiredEnum<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
  const member = optionalEnum(value, field, allowed);
  if (member === undefined) throw invalid(field, 'Member must not be null');
  return member;
}

function features(value: unknown): MeetingFeatures | undefined {
  if (value == null) return undefined;
  const input = record(value, 'MeetingFeatures');
  const part = (name: string) => (input[name] == null ? undefined : record(input[name], `MeetingFeatures.${name}`));
  const audio = part('Audio');
  const video = part('Video');
  const content = part('Content');
  const attendee = part('Attendee');
  const maxCount = attendee?.MaxCount;
  if (maxCount != null && (!Number.isInteger(maxCount) || (maxCount as number) < 1 || (maxCount as number) > DEFAULT_ATTENDEE_LIMIT)) {
    throw invalid('MeetingFeatures.Attendee.MaxCount', `Member must have value between 1 and ${DEFAULT_ATTENDEE_LIMIT}`);
  }
  return {
    ...(audio ? { Audio: { EchoReduction: optionalEnum(audio.EchoReduction, 'MeetingFeatures.Audio.EchoReduction', ['AVAILABLE', 'UNAVAILABLE']) } } : {}),
    ...(video ? { Video: { MaxResolution: optionalEnum(video.MaxResolution, 'MeetingFeatures.Video.MaxResolution', ['None', 'HD', 'FHD']) } } : {}),
    ...(content ? { Content: { MaxResolution: optionalEnum(content.MaxResolution, 'MeetingFeatures.Content.MaxResolution', ['None', 'FHD', 'UHD']) } } : {}),
    ...(attendee ? { Attendee: { MaxCount: maxCount as number | undefined } } : {}),
  };
}

function tenants(value: unknown): string[] | undefined {
  if (value == null) return undefined;
  return list(value, 'TenantIds', 1, 5).map((id, index) =>
    requiredText(id, `TenantIds.${index + 1}`, { min: 2, max: 256, pattern: TENANT_ID }),
  );
}

/** Applies the rules AWS documents for AttendeeCapabilities against the meeting's features. */
function capabilities(value: unknown, field: string, meetingFeatures: MeetingFeatures | undefined): Capabilities {
  const videoOff = meetingFeatures?.Video?.MaxResolution === 'None';
  const contentOff = meetingFeatures?.Content?.MaxResolution === 'None';
  if (value == null) {
    // Content sharing needs video at least Receive, hence Receive when only video is switched off.
    return {
      Audio: 'SendReceive',
      Video: videoOff ? (contentOff ? 'None' : 'Receive') : 'SendReceive',
      Content: contentOff ? 'None' : 'SendReceive',
    };
  }
  const input = record(value, field);
  const result: Capabilities = {
    Audio: requiredEnum(input.Audio, `${field}.Audio`, CAPABILITIES),
    Video: requiredEnum(input.Video, `${field}.Video`, CAPABILITIES),
    Content: requiredEnum(input.Content, `${field}.Content`, CAPABILITIES),
  };
  if (videoOff && result.Video !== 'None') throw badRequest('Video capability must be None when the meeting video MaxResolution is None');
  if (contentOff && result.Content !== 'None') throw badRequest('Content capability must be None when the meeting content MaxResolution is None');
  const receives = (capability: Capability) => capability === 'SendReceive' || capability === 'Receive';
  if (receives(result.Content) && !receives(result.Video)) {
    throw badRequest('Content capability SendReceive or Receive requires video capability SendReceive or Receive');
  }
  return result;
}

/** Plausible endpoints on the reserved `.invalid` TLD, so nothing ever resolves them by accident. */
function mediaPlacement(meetingId: string, mediaRegion: string): Record<string, string> {
  const host = `${mediaRegion}.local.chime.invalid`;
  return {
    AudioHostUrl: `${randomBytes(8).toString('hex')}.k.audio.${host}:3478`,
    AudioFallbackUrl: `wss://audio.${host}:443/calls/${meetingId}`,
    SignalingUrl: `wss://signal.${host}/control/${meetingId}`,
    TurnControlUrl: `https://turn.${host}/v2/turn_sessions`,
    ScreenDataUrl: `wss://screen.${host}:443/v2/screen/${meetingId}`,
    ScreenViewingUrl: `wss://screen.${host}:443/ws/connect?passcode=null&viewer_uuid=null&X-BitHub-Call-Id=${meetingId}`,
    ScreenSharingUrl: `wss://screen.${host}:443/v2/screen/${meetingId}`,
    EventIngestionUrl: `https://data.${host}/v1/client-events`,
  };
}

async function load(file: string): Promise<MeetingState[]> {
  const raw = await readFileIfExists(file);
  if (raw === undefined) return [];
  // A file we cannot read is an error, not an empty state: starting empty would silently drop meetings.
  const data = JSON.parse(raw) as { version?: unknown; meetings?: MeetingState[] };
  if (data.version !== 1 || !Array.isArray(data.meetings)) throw new Error(`chime emulator: ${file} is not a version 1 state file`);
  return data.meetings;
}

