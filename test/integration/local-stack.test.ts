import { CreateAttendeeCommand, CreateMeetingCommand, DeleteMeetingCommand, GetMeetingCommand, NotFoundException } from '@aws-sdk/client-chime-sdk-meetings';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { SignJWT, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_AUDIENCE, LOCAL_ISSUER } from '../../local/token.js';
import { apiClient, startTestStack, type ApiClient } from '../helpers/local-stack.js';

describe('local stack', () => {
  let stack: Awaited<ReturnType<typeof startTestStack>>;
  let api: ApiClient;
  beforeAll(async () => {
    stack = await startTestStack();
    api = apiClient(stack);
  });
  afterAll(async () => stack?.dispose());

  it('serves /health without a token', async () => {
    const response = await api.call('GET', '/health');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: 'ok', stage: 'local' });
    expect(response.headers.get('x-request-id')).toBeTruthy();
  });

  it('answers /me from the token, and 401 without a valid one', async () => {
    const token = await api.token('user-123', 'clinician');
    const me = await api.call('GET', '/me', { token });
    expect(me).toMatchObject({ status: 200, body: { userId: 'user-123', role: 'clinician', groups: ['clinician'] } });

    const none = await api.call('GET', '/me');
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toBe('application/problem+json');
    expect(none.body).toMatchObject({ status: 401, title: 'Unauthorized' });

    const tampered = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect((await api.call('GET', '/me', { token: tampered })).status).toBe(401);

    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({ 'cognito:groups': ['admin'], token_use: 'id' })
      .setProtectedHeader({ alg: 'RS256' }).setSubject('intruder').setIssuer(LOCAL_ISSUER).setAudience(LOCAL_AUDIENCE).setExpirationTime('1h').sign(privateKey);
    expect((await api.call('GET', '/me', { token: forged })).status).toBe(401);

    const expired = await stack.issuer.issue({ sub: 'user-123', role: 'patient', ttlSeconds: 1 });
    await new Promise((resolve) => setTimeout(resolve, 2100));
    expect((await api.call('GET', '/me', { token: expired })).status).toBe(401);
  });

  it('answers unknown routes, bad methods and unknown query parameters with problem+json', async () => {
    expect((await api.call('GET', '/nowhere')).status).toBe(404);
    expect((await api.call('DELETE', '/health')).status).toBe(405);
    const token = await api.token('user-1', 'patient');
    const withQuery = await api.call('GET', '/me?unexpected=1', { token });
    expect(withQuery.status).toBe(400);
    expect(withQuery.body.errors[0].field).toBe('query');
  });

  it('answers a malformed %-escape in a path parameter with a 400 on that field, not a 5xx', async () => {
    const token = await api.token('user-1', 'patient');
    const response = await api.call('GET', '/patients/%E0%A4%A', { token });
    expect(response.status).toBe(400);
    expect(response.body.errors[0].field).toBe('path.id');
  });

  it('serves an OpenAPI document listing every route', async () => {
    const { status, body } = await api.call('GET', '/openapi.json');
    expect(status).toBe(200);
    expect(body.openapi).toMatch(/^3\./);
    expect(body.paths['/me'].get.security).toEqual([{ bearer: [] }]);
    expect(body.paths['/health'].get.security).toEqual([]);
  });

  it('answers CORS preflights for allowed origins only', async () => {
    const allowed = await fetch(`${stack.endpoints.http}/me`, { method: 'OPTIONS', headers: { origin: 'http://localhost:5173' } });
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    const denied = await fetch(`${stack.endpoints.http}/me`, { method: 'OPTIONS', headers: { origin: 'https://evil.example' } });
    expect(denied.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('round-trips DynamoDB through the real SDK client', async () => {
    const { dynamodb, config } = stack.deps;
    await dynamodb.send(new PutItemCommand({ TableName: config.recordsTableName, Item: { pk: { S: 'TEST#1' }, sk: { S: 'A' }, value: { N: '42' } } }));
    const read = await dynamodb.send(new GetItemCommand({ TableName: config.recordsTableName, Key: { pk: { S: 'TEST#1' }, sk: { S: 'A' } } }));
    expect(read.Item?.value).toEqual({ N: '42' });
  });

  it('round-trips Kinesis through the real SDK client', async () => {
    const { kinesis, config } = stack.deps;
    const data = new TextEncoder().encode('hello stream');
    const put = await kinesis.send(new PutRecordCommand({ StreamName: config.telemetryStreamName, PartitionKey: 'dev_1', Data: data }));
    const iterator = await kinesis.send(
      new GetShardIteratorCommand({ StreamName: config.telemetryStreamName, ShardId: put.ShardId!, ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: put.SequenceNumber! }),
    );
    const records = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator.ShardIterator! }));
    expect(new TextDecoder().decode(records.Records![0]!.Data)).toBe('hello stream');
    expect(records.Records![0]!.PartitionKey).toBe('dev_1');
    const shards = await kinesis.send(new ListShardsCommand({ StreamName: config.telemetryStreamName }));
    expect(shards.Shards).toHaveLength(2);
  });

  it('round-trips a Chime meeting through the real SDK client', async () => {
    const { chime } = stack.deps;
    const created = await chime.send(new CreateMeetingCommand({ ClientRequestToken: 'appt-1', ExternalMeetingId: 'appt-1', MediaRegion: 'eu-central-1' }));
    const again = await chime.send(new CreateMeetingCommand({ ClientRequestToken: 'appt-1', ExternalMeetingId: 'appt-1', MediaRegion: 'eu-central-1' }));
    expect(again.Meeting?.MeetingId).toBe(created.Meeting?.MeetingId);
    const attendee = await chime.send(new CreateAttendeeCommand({ MeetingId: created.Meeting!.MeetingId!, ExternalUserId: 'user-123' }));
    expect(attendee.Attendee?.JoinToken).toBeTruthy();
    await chime.send(new DeleteMeetingCommand({ MeetingId: created.Meeting!.MeetingId! }));
    await expect(chime.send(new GetMeetingCommand({ MeetingId: created.Meeting!.MeetingId! }))).rejects.toBeInstanceOf(NotFoundException);
  });
});

describe('local stack restart', () => {
  it('keeps acknowledged writes, tokens and meetings across a restart', async () => {
    const first = await startTestStack();
    const { dynamodb, config, chime } = first.deps;
    const items = Array.from({ length: 50 }, (_, i) => i);
    await Promise.all(
      items.map((i) => dynamodb.send(new PutItemCommand({ TableName: config.recordsTableName, Item: { pk: { S: `KEEP#${i}` }, sk: { S: 'A' }, n: { N: String(i) } } }))),
    );
    const meeting = await chime.send(new CreateMeetingCommand({ ClientRequestToken: 'keep-1', ExternalMeetingId: 'keep-1', MediaRegion: 'us-east-1' }));
    const token = await first.issuer.issue({ sub: 'user-9', role: 'admin' });
    await first.close();

    const second = await startTestStack({ dataDir: first.dataDir });
    try {
      for (const i of items) {
        const read = await second.deps.dynamodb.send(new GetItemCommand({ TableName: config.recordsTableName, Key: { pk: { S: `KEEP#${i}` }, sk: { S: 'A' } } }));
        expect(read.Item?.n).toEqual({ N: String(i) });
      }
      const kept = await second.deps.chime.send(new GetMeetingCommand({ MeetingId: meeting.Meeting!.MeetingId! }));
      expect(kept.Meeting?.ExternalMeetingId).toBe('keep-1');
      const me = await apiClient(second).call('GET', '/me', { token });
      expect(me.body).toMatchObject({ userId: 'user-9', role: 'admin' });
    } finally {
      await second.dispose();
    }
  });
});
