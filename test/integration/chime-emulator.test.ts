import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  BatchCreateAttendeeCommand,
  ChimeSDKMeetingsClient,
  CreateAttendeeCommand,
  CreateMeetingCommand,
  CreateMeetingWithAttendeesCommand,
  DeleteAttendeeCommand,
  DeleteMeetingCommand,
  GetAttendeeCommand,
  GetMeetingCommand,
  ListAttendeesCommand,
  UpdateAttendeeCapabilitiesCommand,
  paginateListAttendees,
  type Attendee,
} from '@aws-sdk/client-chime-sdk-meetings';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { startChimeEmulator, type ChimeEmulatorOptions, type ChimeMeetingEvent } from '../../local/emulators/chime.js';

async function setup(options: Omit<ChimeEmulatorOptions, 'onEvent'> = {}) {
  const events: ChimeMeetingEvent[] = [];
  const emulator = await startChimeEmulator({ ...options, onEvent: (event) => void events.push(event) });
  // maxAttempts 1: a retried 5xx would hide emulator faults and slow the tests down.
  const chime = new ChimeSDKMeetingsClient({
    region: 'us-east-1',
    endpoint: emulator.url,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  onTestFinished(async () => {
    chime.destroy();
    await emulator.close();
  });
  const eventTypes = () => events.map((event) => event.detail.eventType);
  return { emulator, chime, events, eventTypes };
}

async function newMeeting(chime: ChimeSDKMeetingsClient, extra: Partial<{ ClientRequestToken: string }> = {}) {
  const { Meeting } = await chime.send(new CreateMeetingCommand({ MediaRegion: 'us-east-1', ExternalMeetingId: 'appt-1', ...extra }));
  return Meeting!;
}

async function rejection(promise: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof Error)) throw new Error('expected the call to fail');
  return error;
}

const users = (count: number, prefix = 'user') => Array.from({ length: count }, (_, i) => ({ ExternalUserId: `${prefix}-${i}` }));

describe('Chime SDK Meetings emulator', () => {
  it('round-trips every operation with the real SDK client', async () => {
    const { chime } = await setup();
    const meeting = await newMeeting(chime);
    expect(meeting).toMatchObject({
      MeetingId: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
      ExternalMeetingId: 'appt-1',
      MediaRegion: 'us-east-1',
      MeetingArn: `arn:aws:chime:us-east-1:000000000000:meeting/${meeting.MeetingId}`,
      MediaPlacement: {
        AudioHostUrl: expect.any(String),
        AudioFallbackUrl: expect.stringMatching(/^wss:\/\//),
        SignalingUrl: expect.stringMatching(new RegExp(`^wss://.*${meeting.MeetingId}$`)),
        TurnControlUrl: expect.stringMatching(/^https:\/\//),
        ScreenDataUrl: expect.any(String),
        ScreenViewingUrl: expect.any(String),
        ScreenSharingUrl: expect.any(String),
        EventIngestionUrl: expect.any(String),
      },
    });
    expect((await chime.send(new GetMeetingCommand({ MeetingId: meeting.MeetingId }))).Meeting).toEqual(meeting);

    const { Attendee: attendee } = await chime.send(new CreateAttendeeCommand({ MeetingId: meeting.MeetingId, ExternalUserId: 'patient-1' }));
    expect(attendee).toEqual({
      AttendeeId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      ExternalUserId: 'patient-1',
      JoinToken: expect.stringMatching(/^[a-zA-Z0-9+/]+$/),
      Capabilities: { Audio: 'SendReceive', Video: 'SendReceive', Content: 'SendReceive' },
    });
    const ids = { MeetingId: meeting.MeetingId, AttendeeId: attendee!.AttendeeId };
    expect((await chime.send(new GetAttendeeCommand(ids))).Attendee).toEqual(attendee);
    expect((await chime.send(new ListAttendeesCommand({ MeetingId: meeting.MeetingId }))).Attendees).toEqual([attendee]);

    const capabilities = { Audio: 'SendReceive', Video: 'Receive', Content: 'None' } as const;
    const updated = await chime.send(new UpdateAttendeeCapabilitiesCommand({ ...ids, Capabilities: capabilities }));
    expect(updated.Attendee).toEqual({ ...attendee, Capabilities: capabilities });

    const deletedAttendee = await chime.send(new DeleteAttendeeCommand(ids));
    expect(deletedAttendee.$metadata.httpStatusCode).toBe(204);
    expect((await rejection(chime.send(new GetAttendeeCommand(ids)))).name).toBe('NotFoundException');
    expect((await rejection(chime.send(new DeleteAttendeeCommand(ids)))).name).toBe('NotFoundException');

    const deletedMeeting = await chime.send(new DeleteMeetingCommand({ MeetingId: meeting.MeetingId }));
    expect(deletedMeeting.$metadata.httpStatusCode).toBe(204);
    const gone = await rejection(chime.send(new GetMeetingCommand({ MeetingId: meeting.MeetingId })));
    expect(gone.name).toBe('NotFoundException');
    expect(gone.$metadata?.httpStatusCode).toBe(404);
    for (const call of [
      () => chime.send(new CreateAttendeeCommand({ MeetingId: meeting.MeetingId, ExternalUserId: 'patient-2' })),
      () => chime.send(new ListAttendeesCommand({ MeetingId: meeting.MeetingId })),
      () => chime.send(new DeleteMeetingCommand({ MeetingId: meeting.MeetingId })),
    ]) {
      expect((await rejection(call())).name).toBe('NotFoundException');
    }
  });

  it('creates a meeting with attendees in one call', async () => {
    const { chime } = await setup();
    const created = await chime.send(
      new CreateMeetingWithAttendeesCommand({
        MediaRegion: 'eu-west-1',
        ExternalMeetingId: 'appt-2',
        MeetingFeatures: { Audio: { EchoReduction: 'AVAILABLE' } },
        Attendees: [{ ExternalUserId: 'clinician-1' }, { ExternalUserId: 'patient-1', Capabilities: { Audio: 'SendReceive', Video: 'None', Content: 'None' } }],
      }),
    );
    expect(created.Meeting).toMatchObject({ MediaRegion: 'eu-west-1', MeetingFeatures: { Audio: { EchoReduction: 'AVAILABLE' } } });
    expect(created.Attendees?.map((a) => [a.ExternalUserId, a.Capabilities?.Video])).toEqual([
      ['clinician-1', 'SendReceive'],
      ['patient-1', 'None'],
    ]);
    expect(created.Errors).toEqual([]);
    const listed = await chime.send(new ListAttendeesCommand({ MeetingId: created.Meeting!.MeetingId }));
    expect(listed.Attendees).toEqual(created.Attendees);
  });

  it('is idempotent on ClientRequestToken', async () => {
    const { chime, eventTypes } = await setup();
    const first = await newMeeting(chime, { ClientRequestToken: 'token-1' });
    const again = await newMeeting(chime, { ClientRequestToken: 'token-1' });
    const other = await newMeeting(chime, { ClientRequestToken: 'token-2' });
    expect(again).toEqual(first);
    expect(other.MeetingId).not.toBe(first.MeetingId);
    await vi.waitFor(() => expect(eventTypes()).toEqual(['chime:MeetingStarted', 'chime:MeetingStarted']));
  });

  it('returns the existing attendee for an ExternalUserId already in the meeting', async () => {
    const { chime, eventTypes } = await setup();
    const { MeetingId } = await newMeeting(chime);
    const first = await chime.send(new CreateAttendeeCommand({ MeetingId, ExternalUserId: 'patient-1' }));
    const again = await chime.send(new CreateAttendeeCommand({ MeetingId, ExternalUserId: 'patient-1' }));
    expect(again.Attendee).toEqual(first.Attendee);
    const batch = await chime.send(new BatchCreateAttendeeCommand({ MeetingId, Attendees: [{ ExternalUserId: 'patient-1' }, { ExternalUserId: 'clinician-1' }] }));
    expect(batch.Attendees?.[0]).toEqual(first.Attendee);
    expect((await chime.send(new ListAttendeesCommand({ MeetingId }))).Attendees).toHaveLength(2);
    await vi.waitFor(() => expect(eventTypes()).toEqual(['chime:MeetingStarted', 'chime:AttendeeAdded', 'chime:AttendeeAdded']));

    // After DeleteAttendee the same user gets a fresh attendee.
    await chime.send(new DeleteAttendeeCommand({ MeetingId, AttendeeId: first.Attendee!.AttendeeId }));
    const rejoined = await chime.send(new CreateAttendeeCommand({ MeetingId, ExternalUserId: 'patient-1' }));
    expect(rejoined.Attendee?.AttendeeId).not.toBe(first.Attendee?.AttendeeId);
  });

  it('pages ListAttendees with NextToken and MaxResults', async () => {
    const { chime } = await setup();
    const { MeetingId } = await newMeeting(chime);
    const { Attendees: created } = await chime.send(new BatchCreateAttendeeCommand({ MeetingId, Attendees: users(7) }));
    const first = await chime.send(new ListAttendeesCommand({ MeetingId, MaxResults: 3 }));
    expect(first.Attendees).toEqual(created!.slice(0, 3));
    expect(first.NextToken).toBeTruthy();

    // A deletion between pages must not skip or repeat anyone.
    await chime.send(new DeleteAttendeeCommand({ MeetingId, AttendeeId: created![1]!.AttendeeId }));
    const second = await chime.send(new ListAttendeesCommand({ MeetingId, MaxResults: 3, NextToken: first.NextToken }));
    expect(second.Attendees).toEqual(created!.slice(3, 6));

    const all: Attendee[] = [];
    for await (const page of paginateListAttendees({ client: chime, pageSize: 2 }, { MeetingId })) all.push(...(page.Attendees ?? []));
    expect(all.map((a) => a.ExternalUserId)).toEqual(['user-0', 'user-2', 'user-3', 'user-4', 'user-5', 'user-6']);

    expect((await rejection(chime.send(new ListAttendeesCommand({ MeetingId, NextToken: 'not-a-token' })))).name).toBe('BadRequestException');
    expect((await rejection(chime.send(new ListAttendeesCommand({ MeetingId, MaxResults: 101 })))).name).toBe('BadRequestException');
  });

  it('takes at most 100 attendees per BatchCreateAttendee', async () => {
    const { chime } = await setup();
    const { MeetingId } = await newMeeting(chime);
    const tooMany = await rejection(chime.send(new BatchCreateAttendeeCommand({ MeetingId, Attendees: users(101) })));
    expect(tooMany.name).toBe('BadRequestException');
    expect((await chime.send(new ListAttendeesCommand({ MeetingId }))).Attendees).toEqual([]);
    const hundred = await chime.send(new BatchCreateAttendeeCommand({ MeetingId, Attendees: users(100) }));
    expect(hundred.Attendees).toHaveLength(100);
  });

  it('enforces an overridden attendee limit, freeing a slot on DeleteAttendee', async () => {
    const { chime } = await setup({ attendeeLimit: 3 });
    const { MeetingId } = await newMeeting(chime);
    const { Attendees } = await chime.send(new BatchCreateAttendeeCommand({ MeetingId, Attendees: users(3) }));
    const full = await rejection(chime.send(new CreateAttendeeCommand({ MeetingId, ExternalUserId: 'late' })));
    expect(full.name).toBe('LimitExceededException');
    expect(full.$metadata?.httpStatusCode).toBe(400);
    // Someone already in the meeting still gets their attendee back when it is full.
    const existing = await chime.send(new CreateAttendeeCommand({ MeetingId, ExternalUserId: 'user-0' }));
    expect(existing.Attendee).toEqual(Attendees![0]);

    await chime.send(new DeleteAttendeeCommand({ MeetingId, AttendeeId: Attendees![0]!.AttendeeId }));
    await chime.send(new CreateAttendeeCommand({ MeetingId, ExternalUserId: 'late' }));

    // CreateMeetingWithAttendees over the limit leaves no meeting behind.
    const rejected = await rejection(
      chime.send(new CreateMeetingWithAttendeesCommand({ MediaRegion: 'us-east-1', ExternalMeetingId: 'appt-3', ClientRequestToken: 'big', Attendees: users(4) })),
    );
    expect(rejected.name).toBe('LimitExceededException');
    const retry = await chime.send(
      new CreateMeetingWithAttendeesCommand({ MediaRegion: 'us-east-1', ExternalMeetingId: 'appt-3', ClientRequestToken: 'big', Attendees: users(3) }),
    );
    expect(retry.Attendees).toHaveLength(3);
  });

  it('honours MeetingFeatures.Attendee.MaxCount below the service limit', async () => {
    const { chime } = await setup();
    const { Meeting } = await chime.send(
      new CreateMeetingCommand({ MediaRegion: 'us-east-1', ExternalMeetingId: 'appt-4', MeetingFeatures: { Attendee: { MaxCount: 2 } } }),
    );
    await chime.send(new BatchCreateAttendeeCommand({ MeetingId: Meeting!.MeetingId, Attendees: users(2) }));
    const full = await rejection(chime.send(new CreateAttendeeCommand({ MeetingId: Meeting!.MeetingId, ExternalUserId: 'late' })));
    expect(full.name).toBe('LimitExceededException');
  });

  it('enforces the default 250-attendee limit', async () => {
    const { chime } = await setup();
    const { MeetingId } = await newMeeting(chime);
    for (const batch of [0, 1]) {
      await chime.send(new BatchCreateAttendeeCommand({ MeetingId, Attendees: users(100, `batch${batch}`) }));
    }
    const overflow = await rejection(chime.send(new BatchCreateAttendeeCommand({ MeetingId, Attendees: users(51, 'batch2') })));
    expect(overflow.name).toBe('LimitExceededException');
    await chime.send(new BatchCreateAttendeeCommand({ MeetingId, Attendees: users(50, 'batch2') }));
    const full = await rejection(chime.send(new CreateAttendeeCommand({ MeetingId, ExternalUserId: 'one-too-many' })));
    expect(full.name).toBe('LimitExceededException');
    const all: Attendee[] = [];
    for await (const page of paginateListAttendees({ client: chime }, { MeetingId })) all.push(...(page.Attendees ?? []));
    expect(all).toHaveLength(250);
  });

  it('emits meeting events in order, including simulated presence from the local control API', async () => {
    const { chime, emulator, events, eventTypes } = await setup({ mediaRegion: 'us-east-1' });
    const meeting = await newMeeting(chime);
    const { Attendee: attendee } = await chime.send(new CreateAttendeeCommand({ MeetingId: meeting.MeetingId, ExternalUserId: 'patient-1' }));
    const presence = (action: string, attendeeId = attendee!.AttendeeId, meetingId = meeting.MeetingId!) =>
      fetch(`${emulator.url}/_local/meetings/${meetingId}/attendees/${attendeeId}/${action}`, { method: 'POST' });
    for (const action of ['join', 'drop', 'join', 'leave']) expect((await presence(action)).status).toBe(204);
    await chime.send(new DeleteAttendeeCommand({ MeetingId: meeting.MeetingId, AttendeeId: attendee!.AttendeeId }));
    await chime.send(new DeleteMeetingCommand({ MeetingId: meeting.MeetingId }));

    await vi.waitFor(() =>
      expect(eventTypes()).toEqual([
        'chime:MeetingStarted',
        'chime:AttendeeAdded',
        'chime:AttendeeJoined',
        'chime:AttendeeDropped',
        'chime:AttendeeJoined',
        'chime:AttendeeLeft',
        'chime:AttendeeDeleted',
        'chime:MeetingEnded',
      ]),
    );
    expect(events[0]).toEqual({
      version: '0',
      id: expect.any(String),
      'detail-type': 'Chime Meeting State Change',
      source: 'aws.chime',
      account: '000000000000',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      region: 'us-east-1',
      resources: [],
      detail: {
        version: '0',
        eventType: 'chime:MeetingStarted',
        timestamp: expect.any(Number),
        meetingId: meeting.MeetingId,
        externalMeetingId: 'appt-1',
        mediaRegion: 'us-east-1',
      },
    });
    expect(events[2]?.detail).toEqual({
      version: '0',
      eventType: 'chime:AttendeeJoined',
      timestamp: expect.any(Number),
      meetingId: meeting.MeetingId,
      attendeeId: attendee!.AttendeeId,
      externalUserId: 'patient-1',
      networkType: 'Voip',
      externalMeetingId: 'appt-1',
      mediaRegion: 'us-east-1',
    });
    expect(events[6]?.detail).toMatchObject({ attendeeId: attendee!.AttendeeId, externalUserId: 'patient-1' });

    // Unknown meeting or attendee: 404 in the API's error shape.
    const unknown = await presence('join', '11111111-1111-1111-1111-111111111111');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('x-amzn-errortype')).toBe('NotFoundException');
    expect((await presence('dance')).status).toBe(404);
  });

  it('keeps answering when onEvent throws', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    onTestFinished(() => logged.mockRestore());
    const emulator = await startChimeEmulator({
      onEvent: () => {
        throw new Error('subscriber down');
      },
    });
    const chime = new ChimeSDKMeetingsClient({ region: 'us-east-1', endpoint: emulator.url, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
    onTestFinished(async () => {
      chime.destroy();
      await emulator.close();
    });
    const meeting = await newMeeting(chime);
    await chime.send(new CreateAttendeeCommand({ MeetingId: meeting.MeetingId, ExternalUserId: 'patient-1' }));
    expect((await chime.send(new GetMeetingCommand({ MeetingId: meeting.MeetingId }))).Meeting).toEqual(meeting);
    await vi.waitFor(() => expect(logged).toHaveBeenCalledTimes(2));
  });

  it('persists state to dataFile and reloads it on restart', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'chime-emulator-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const dataFile = path.join(dir, 'nested', 'chime.json');

    const before = await setup({ dataFile });
    const kept = await newMeeting(before.chime, { ClientRequestToken: 'kept' });
    const dropped = await newMeeting(before.chime, { ClientRequestToken: 'dropped' });
    const { Attendees } = await before.chime.send(new BatchCreateAttendeeCommand({ MeetingId: kept.MeetingId, Attendees: users(3) }));
    await before.chime.send(new DeleteAttendeeCommand({ MeetingId: kept.MeetingId, AttendeeId: Attendees![2]!.AttendeeId }));
    await before.chime.send(new DeleteMeetingCommand({ MeetingId: dropped.MeetingId }));
    await before.emulator.close();
    expect(JSON.parse(await readFile(dataFile, 'utf8'))).toMatchObject({ version: 1 });
    expect(await readdir(path.dirname(dataFile))).toEqual(['chime.json']);

    const after = await setup({ dataFile });
    expect((await after.chime.send(new GetMeetingCommand({ MeetingId: kept.MeetingId }))).Meeting).toEqual(kept);
    expect((await after.chime.send(new ListAttendeesCommand({ MeetingId: kept.MeetingId }))).Attendees).toEqual(Attendees!.slice(0, 2));
    expect((await rejection(after.chime.send(new GetMeetingCommand({ MeetingId: dropped.MeetingId })))).name).toBe('NotFoundException');
    expect(await newMeeting(after.chime, { ClientRequestToken: 'kept' })).toEqual(kept);
    // ListAttendees paging carries on from the persisted sequence.
    const added = await after.chime.send(new CreateAttendeeCommand({ MeetingId: kept.MeetingId, ExternalUserId: 'after-restart' }));
    const page = await after.chime.send(new ListAttendeesCommand({ MeetingId: kept.MeetingId, MaxResults: 2 }));
    const rest = await after.chime.send(new ListAttendeesCommand({ MeetingId: kept.MeetingId, NextToken: page.NextToken }));
    expect(rest.Attendees).toEqual([added.Attendee]);
  });

  it('rejects invalid input with BadRequestException', async () => {
    const { chime } = await setup();
    const { MeetingId } = await newMeeting(chime);
    const noVideo = await chime.send(
      new CreateMeetingCommand({ MediaRegion: 'us-east-1', ExternalMeetingId: 'audio-only', MeetingFeatures: { Video: { MaxResolution: 'None' }, Content: { MaxResolution: 'None' } } }),
    );
    const calls: [string, () => Promise<unknown>][] = [
      ['ExternalUserId too short', () => chime.send(new CreateAttendeeCommand({ MeetingId, ExternalUserId: 'x' }))],
      ['ExternalUserId too long', () => chime.send(new CreateAttendeeCommand({ MeetingId, ExternalUserId: 'x'.repeat(65) }))],
      ['ExternalUserId reserved prefix', () => chime.send(new CreateAttendeeCommand({ MeetingId, ExternalUserId: 'AWS:someone' }))],
      ['ExternalUserId bad character', () => chime.send(new CreateAttendeeCommand({ MeetingId, ExternalUserId: 'semi;colon' }))],
      ['ExternalUserId missing', () => chime.send(new CreateAttendeeCommand({ MeetingId, ExternalUserId: undefined }))],
      ['ClientRequestToken too short', () => chime.send(new CreateMeetingCommand({ MediaRegion: 'us-east-1', ExternalMeetingId: 'appt', ClientRequestToken: 'x' }))],
      ['ClientRequestToken too long', () => chime.send(new CreateMeetingCommand({ MediaRegion: 'us-east-1', ExternalMeetingId: 'appt', ClientRequestToken: 'x'.repeat(65) }))],
      ['MediaRegion unknown', () => chime.send(new CreateMeetingCommand({ MediaRegion: 'mars-north-1', ExternalMeetingId: 'appt' }))],
      ['MediaRegion missing', () => chime.send(new CreateMeetingCommand({ MediaRegion: undefined, ExternalMeetingId: 'appt' }))],
      ['ExternalMeetingId missing', () => chime.send(new CreateMeetingCommand({ MediaRegion: 'us-east-1', ExternalMeetingId: undefined }))],
      ['ExternalMeetingId too long', () => chime.send(new CreateMeetingCommand({ MediaRegion: 'us-east-1', ExternalMeetingId: 'm'.repeat(65) }))],
      ['MaxCount out of range', () => chime.send(new CreateMeetingCommand({ MediaRegion: 'us-east-1', ExternalMeetingId: 'appt', MeetingFeatures: { Attendee: { MaxCount: 251 } } }))],
      ['Attendees empty', () => chime.send(new CreateMeetingWithAttendeesCommand({ MediaRegion: 'us-east-1', ExternalMeetingId: 'appt', Attendees: [] }))],
      ['Attendees over 20', () => chime.send(new CreateMeetingWithAttendeesCommand({ MediaRegion: 'us-east-1', ExternalMeetingId: 'appt', Attendees: users(21) }))],
      ['malformed MeetingId', () => chime.send(new GetMeetingCommand({ MeetingId: 'not-a-uuid' }))],
      [
        'content without video',
        () => chime.send(new CreateAttendeeCommand({ MeetingId, ExternalUserId: 'patient-1', Capabilities: { Audio: 'SendReceive', Video: 'Send', Content: 'Receive' } })),
      ],
      [
        'capability not allowed by meeting features',
        () => chime.send(
          new CreateAttendeeCommand({ MeetingId: noVideo.Meeting!.MeetingId, ExternalUserId: 'patient-1', Capabilities: { Audio: 'SendReceive', Video: 'Receive', Content: 'None' } }),
        ),
      ],
      ['capability value', () => chime.send(new CreateAttendeeCommand({ MeetingId, ExternalUserId: 'patient-1', Capabilities: { Audio: 'Loud', Video: 'None', Content: 'None' } as never }))],
    ];
    for (const [label, call] of calls) {
      const error = await rejection(call());
      expect({ label, name: error.name, status: error.$metadata?.httpStatusCode }).toEqual({ label, name: 'BadRequestException', status: 400 });
    }
    expect((await chime.send(new ListAttendeesCommand({ MeetingId }))).Attendees).toEqual([]);
    // Defaults follow the meeting's features.
    const audioOnly = await chime.send(new CreateAttendeeCommand({ MeetingId: noVideo.Meeting!.MeetingId, ExternalUserId: 'patient-1' }));
    expect(audioOnly.Attendee?.Capabilities).toEqual({ Audio: 'SendReceive', Video: 'None', Content: 'None' });
  });

  it('rejects unsigned requests like AWS and answers errors in the SDK error shape', async () => {
    const { emulator } = await setup();
    const unsigned = await fetch(`${emulator.url}/meetings`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(unsigned.status).toBe(403);
    expect(unsigned.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');

    const missing = await fetch(`${emulator.url}/meetings/11111111-1111-1111-1111-111111111111`, {
      headers: { authorization: 'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/chime/aws4_request, SignedHeaders=host, Signature=00ff' },
    });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-amzn-errortype')).toBe('NotFoundException');
    expect(await missing.json()).toEqual({ Code: 'NotFound', Message: expect.any(String), RequestId: expect.any(String) });
  });
});
