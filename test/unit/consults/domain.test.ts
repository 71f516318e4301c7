import { describe, expect, it } from 'vitest';
import { decideConsultAccess, CONSULT_ACTIONS, type ConsultFacts } from '../../../lambdas/consults/domain/access.js';
import { parseMeetingEvent } from '../../../lambdas/consults/domain/meeting-events.js';
import { parseIfMatch, patientMaySee, requireSigned, versionForSave, versionForSigning, type NoteVersion } from '../../../lambdas/consults/domain/notes.js';
import {
  capabilitiesFor,
  externalUserIdFor,
  joinOutcome,
  moderate,
  sameCapabilities,
  seatDelta,
  strongest,
} from '../../../lambdas/consults/domain/participants.js';
import { guestSessionToken, hashSecret, newSecret, parseGuestSession, secretMatches } from '../../../lambdas/consults/domain/secrets.js';
import { durationSeconds, sessionsByParticipant, type TimelineEntry } from '../../../lambdas/consults/domain/timeline.js';
import { consultSettingsFrom, CONSULT_ENV, DEFAULT_CONSULT_SETTINGS } from '../../../lambdas/consults/settings.js';
import { Conflict, Forbidden, PreconditionFailed } from '../../../lambdas/shared/errors.js';

describe('consult access', () => {
  const base = { isHost: false, isPatientSelf: false, isCareTeam: false } as const;
  // Written out independently of the policy: A allow, H hide (404), F forbid (403), in CONSULT_ACTIONS order:
  // read, join, moderate, write-notes, read-notes, read-note-history, add-addendum, read-timeline.
  const EXPECTED: Array<[string, ConsultFacts, string]> = [
    ['host', { ...base, role: 'clinician', isHost: true, isCareTeam: true }, 'AAAAAAAA'],
    ['own patient', { ...base, role: 'patient', isPatientSelf: true }, 'AAFFAFFF'],
    ['other patient', { ...base, role: 'patient' }, 'HHHHHHHH'],
    ['care-team colleague', { ...base, role: 'clinician', isCareTeam: true }, 'AFFFAAAA'],
    ['invited practitioner', { ...base, role: 'clinician', participant: { kind: 'practitioner', status: 'invited' } }, 'AAFFFFFF'],
    ['invited caregiver', { ...base, role: 'patient', participant: { kind: 'caregiver', status: 'waiting' } }, 'AAFFFFFF'],
    ['removed interpreter', { ...base, role: 'patient', participant: { kind: 'interpreter', status: 'removed' } }, 'FFFFFFFF'],
    ['denied caregiver', { ...base, role: 'patient', participant: { kind: 'caregiver', status: 'denied' } }, 'FFFFFFFF'],
    ['stranger clinician', { ...base, role: 'therapist' }, 'HHHHHHHH'],
    ['admin', { ...base, role: 'admin' }, 'AFFFFFFA'],
    // A patient-role token never gets host or care-team rights, whatever the facts say.
    ['patient claiming host', { ...base, role: 'patient', isHost: true, isCareTeam: true }, 'HHHHHHHH'],
  ];
  const LETTER = { allow: 'A', hide: 'H', forbid: 'F' } as const;
  it.each(EXPECTED)('%s', (_name, facts, expected) => {
    expect(CONSULT_ACTIONS.map((action) => LETTER[decideConsultAccess(facts, action)]).join('')).toBe(expected);
  });
});

describe('participants', () => {
  it('admit practitioners on join and send everyone else to the lobby', () => {
    expect(joinOutcome('host', 'admitted')).toBe('admitted');
    expect(joinOutcome('practitioner', 'invited')).toBe('admitted');
    for (const kind of ['patient', 'caregiver', 'interpreter', 'other'] as const) {
      expect(joinOutcome(kind, 'invited')).toBe('waiting');
      expect(joinOutcome(kind, 'waiting')).toBe('waiting');
      expect(joinOutcome(kind, 'admitted')).toBe('admitted');
    }
    expect(() => joinOutcome('patient', 'denied')).toThrow(Forbidden);
    expect(() => joinOutcome('practitioner', 'removed')).toThrow(/removed/);
  });

  it('moderate: admit from anywhere, deny only before admission, never touch the host', () => {
    expect(moderate('patient', 'waiting', 'admit')).toBe('admitted');
    expect(moderate('caregiver', 'removed', 'admit')).toBe('admitted');
    expect(moderate('caregiver', 'waiting', 'deny')).toBe('denied');
    expect(moderate('caregiver', 'denied', 'deny')).toBe('denied');
    expect(() => moderate('caregiver', 'admitted', 'deny')).toThrow(Conflict);
    expect(moderate('patient', 'admitted', 'remove')).toBe('removed');
    expect(() => moderate('host', 'admitted', 'remove')).toThrow(Conflict);
  });

  it('count places for invited, waiting and admitted people only', () => {
    expect(seatDelta('waiting', 'admitted')).toBe(0);
    expect(seatDelta('admitted', 'removed')).toBe(-1);
    expect(seatDelta('denied', 'admitted')).toBe(1);
    expect(seatDelta('removed', 'denied')).toBe(0);
  });

  it('ask Chime for audio only, or everything', () => {
    expect(capabilitiesFor(true)).toEqual({ Audio: 'SendReceive', Video: 'None', Content: 'None' });
    expect(sameCapabilities({ Audio: 'SendReceive', Video: 'SendReceive', Content: 'SendReceive' }, capabilitiesFor(false))).toBe(true);
    expect(sameCapabilities(undefined, capabilitiesFor(false))).toBe(false);
  });

  it('use the user id as ExternalUserId, the participant id for guests and ids Chime would refuse', () => {
    expect(externalUserIdFor({ participantId: 'pat_1', userId: '3f0c7d52-6a61-4c3e-9d1b-5c2e0b7a9d11' })).toBe('3f0c7d52-6a61-4c3e-9d1b-5c2e0b7a9d11');
    expect(externalUserIdFor({ participantId: 'inv_1' })).toBe('inv_1');
    expect(externalUserIdFor({ participantId: 'inv_2', userId: 'x'.repeat(65) })).toBe('inv_2');
    expect(externalUserIdFor({ participantId: 'inv_3', userId: 'aws:reserved' })).toBe('inv_3');
  });

  it('take the strongest record of one person', () => {
    expect(strongest([{ kind: 'caregiver' as const }, { kind: 'patient' as const }])?.kind).toBe('patient');
    expect(strongest([])).toBeUndefined();
  });
});

describe('timeline sessions', () => {
  let n = 0;
  const entry = (type: TimelineEntry['type'], at: string, participantId?: string): TimelineEntry => ({
    consultId: 'cons_1',
    entryId: `e${(n += 1)}`,
    at: `2026-11-23T02:${at}.000Z`,
    type,
    ...(participantId ? { participantId } : {}),
    source: 'chime',
  });

  it('pairs joins with leaves and drops, whatever order the events arrived in', () => {
    const sessions = sessionsByParticipant([
      entry('left', '10:00', 'a'),
      entry('joined', '01:00', 'a'),
      entry('dropped', '05:00', 'b'),
      entry('joined', '02:00', 'b'),
      entry('joined', '06:00', 'b'),
      // A reconnect while still in: no second session.
      entry('joined', '07:00', 'b'),
    ]);
    expect(sessions.get('a')).toEqual([{ joinedAt: '2026-11-23T02:01:00.000Z', leftAt: '2026-11-23T02:10:00.000Z', endedBy: 'left' }]);
    expect(sessions.get('b')).toEqual([
      { joinedAt: '2026-11-23T02:02:00.000Z', leftAt: '2026-11-23T02:05:00.000Z', endedBy: 'dropped' },
      { joinedAt: '2026-11-23T02:06:00.000Z' },
    ]);
  });

  it('closes every open session when the meeting or consult ends, and on removal', () => {
    const sessions = sessionsByParticipant([
      entry('joined', '01:00', 'a'),
      entry('joined', '01:30', 'b'),
      entry('removed', '02:00', 'b'),
      entry('meeting-ended', '03:00'),
      entry('joined', '04:00', 'a'),
      entry('consult-ended', '05:00'),
    ]);
    expect(sessions.get('a')!.map((session) => session.endedBy)).toEqual(['meeting-ended', 'consult-ended']);
    expect(sessions.get('b')![0]!.endedBy).toBe('removed');
  });

  it('measures duration in whole seconds', () => {
    expect(durationSeconds('2026-11-23T02:00:00.000Z', '2026-11-23T02:30:59.600Z')).toBe(1860);
    expect(durationSeconds('2026-11-23T02:00:00Z', '2026-11-23T01:00:00Z')).toBe(0);
  });
});

describe('notes', () => {
  const note = (version: number, status: NoteVersion['status'] = 'draft'): NoteVersion => ({
    consultId: 'cons_1',
    version,
    status,
    soap: { subjective: '', objective: '', assessment: '', plan: '' },
    authorId: 'u',
    createdAt: '2026-11-23T02:00:00.000Z',
  });

  it('number saves: first without If-Match, then with the current version', () => {
    expect(versionForSave(undefined, undefined)).toBe(1);
    expect(() => versionForSave(undefined, 3)).toThrow(PreconditionFailed);
    expect(versionForSave(note(2), 2)).toBe(3);
    expect(versionForSave(note(2), '*')).toBe(3);
    expect(() => versionForSave(note(2), undefined)).toThrow(PreconditionFailed);
    expect(() => versionForSave(note(2), 1)).toThrow(PreconditionFailed);
  });

  it('lock a signed note (409 before any version question) and take addenda only then', () => {
    expect(() => versionForSave(note(3, 'signed'), 1)).toThrow(Conflict);
    expect(() => versionForSigning(note(3, 'signed'), 3)).toThrow(Conflict);
    expect(() => versionForSigning(undefined, 1)).toThrow(Conflict);
    expect(() => versionForSigning(note(2), '*')).toThrow(PreconditionFailed);
    expect(versionForSigning(note(2), 2)).toBe(3);
    expect(() => requireSigned(note(2))).toThrow(Conflict);
    expect(requireSigned(note(3, 'signed')).version).toBe(3);
  });

  it('show the patient what the setting allows', () => {
    expect(patientMaySee('after-signing', note(1))).toBe(false);
    expect(patientMaySee('after-signing', note(2, 'signed'))).toBe(true);
    expect(patientMaySee('always', note(1))).toBe(true);
    expect(patientMaySee('never', note(2, 'signed'))).toBe(false);
  });

  it('read If-Match as a version', () => {
    expect(parseIfMatch(undefined)).toBeUndefined();
    expect(parseIfMatch('"4"')).toBe(4);
    expect(parseIfMatch('W/"4"')).toBe(4);
    expect(parseIfMatch('*')).toBe('*');
    expect(parseIfMatch('abc')).toBe('invalid');
  });
});

describe('secrets', () => {
  it('are 256-bit base64url, stored as SHA-256, compared in constant time', () => {
    const secret = newSecret();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
    expect(newSecret()).not.toBe(secret);
    const hash = hashSecret(secret);
    expect(hash).not.toContain(secret);
    expect(secretMatches(secret, hash)).toBe(true);
    expect(secretMatches(newSecret(), hash)).toBe(false);
    expect(secretMatches(secret, undefined)).toBe(false);
  });

  it('make guest sessions of a participant id and a secret', () => {
    const secret = newSecret();
    expect(parseGuestSession(guestSessionToken('inv_1', secret))).toEqual({ participantId: 'inv_1', secret });
    expect(parseGuestSession('inv_1')).toBeUndefined();
    expect(parseGuestSession('inv_1.short')).toBeUndefined();
  });
});

describe('meeting events', () => {
  const envelope = (eventType: string, detail: Record<string, unknown> = {}) => ({
    version: '0',
    id: 'e-1',
    'detail-type': 'Chime Meeting State Change',
    source: 'aws.chime',
    account: '111122223333',
    time: '2026-11-23T02:00:05Z',
    region: 'us-east-1',
    resources: [],
    detail: { version: '0', eventType, timestamp: 1_795_399_205_123, meetingId: 'm-1', attendeeId: 'a-1', externalUserId: 'user-1', mediaRegion: 'us-east-1', ...detail },
  });

  it('map the Chime event types the timeline keeps', () => {
    expect(parseMeetingEvent(envelope('chime:AttendeeJoined'))).toEqual({
      eventId: 'e-1',
      type: 'joined',
      meetingId: 'm-1',
      attendeeId: 'a-1',
      externalUserId: 'user-1',
      at: new Date(1_795_399_205_123).toISOString(),
    });
    expect(parseMeetingEvent(envelope('chime:AttendeeDropped'))?.type).toBe('dropped');
    expect(parseMeetingEvent(envelope('chime:MeetingEnded', { attendeeId: undefined, externalUserId: undefined }))?.type).toBe('meeting-ended');
  });

  it('ignore other events and malformed input', () => {
    expect(parseMeetingEvent(envelope('chime:AttendeeAdded'))).toBeUndefined();
    expect(parseMeetingEvent({ ...envelope('chime:AttendeeJoined'), source: 'aws.s3' })).toBeUndefined();
    expect(parseMeetingEvent(envelope('chime:AttendeeJoined', { meetingId: '' }))).toBeUndefined();
    expect(parseMeetingEvent(null)).toBeUndefined();
    expect(parseMeetingEvent('text')).toBeUndefined();
  });
});

describe('settings', () => {
  it('default, and read the environment', () => {
    expect(consultSettingsFrom({})).toEqual(DEFAULT_CONSULT_SETTINGS);
    const settings = consultSettingsFrom({ [CONSULT_ENV.maxParticipants]: '4', [CONSULT_ENV.notesPatientVisibility]: 'never', [CONSULT_ENV.inviteTtlSeconds]: '3600' });
    expect(settings).toMatchObject({ maxParticipants: 4, notesPatientVisibility: 'never', inviteTtlSeconds: 3600 });
  });

  it('refuse values outside their range, the cap at Chime\'s 250 included', () => {
    expect(() => consultSettingsFrom({ [CONSULT_ENV.maxParticipants]: '250' })).toThrow(CONSULT_ENV.maxParticipants);
    expect(() => consultSettingsFrom({ [CONSULT_ENV.maxParticipants]: '1' })).toThrow();
    expect(() => consultSettingsFrom({ [CONSULT_ENV.maxParticipants]: 'ten' })).toThrow();
    expect(() => consultSettingsFrom({ [CONSULT_ENV.notesPatientVisibility]: 'sometimes' })).toThrow(CONSULT_ENV.notesPatientVisibility);
  });
});
