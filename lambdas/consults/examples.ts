import { EXAMPLE_IDS } from '../records/examples.js';

/** OpenAPI examples of the consults routes (ids are examples; the meeting and attendee objects are Chime's shape). */
export const CONSULT_EXAMPLE_IDS = {
  consult: 'cons_01JD40A1B2C3D4E5F6G7H8J9KM',
  invitation: 'inv_01JD40B1C2D3E4F5G6H7J8K9MN',
  addendum: 'note_01JD40C1D2E3F4G5H6J7K8M9NP',
  meeting: '4a6b2c1e-7d3f-4e5a-9b8c-0d1e2f3a4b5c',
  attendee: '9f8e7d6c-5b4a-4392-8a1b-0c9d8e7f6a5b',
} as const;

const session = (joinedAt: string, leftAt?: string) => (leftAt ? { joinedAt, leftAt, endedBy: 'left' } : { joinedAt });

export const exampleParticipants = [
  {
    participantId: EXAMPLE_IDS.practitioner,
    kind: 'host',
    guest: false,
    status: 'admitted',
    attendeeId: CONSULT_EXAMPLE_IDS.attendee,
    capabilities: { Audio: 'SendReceive', Video: 'SendReceive', Content: 'SendReceive' },
    statusChangedAt: '2026-11-23T02:00:01.000Z',
    admittedAt: '2026-11-23T02:00:01.000Z',
    present: true,
    sessions: [session('2026-11-23T02:00:05.000Z')],
  },
  {
    participantId: EXAMPLE_IDS.patient,
    kind: 'patient',
    guest: false,
    status: 'waiting',
    statusChangedAt: '2026-11-23T02:01:00.000Z',
    present: false,
    sessions: [],
  },
];

export const exampleConsult = {
  id: CONSULT_EXAMPLE_IDS.consult,
  appointmentId: EXAMPLE_IDS.appointment,
  patientId: EXAMPLE_IDS.patient,
  practitionerId: EXAMPLE_IDS.practitioner,
  facilityId: EXAMPLE_IDS.hub,
  status: 'live',
  startedAt: '2026-11-23T02:00:01.000Z',
  maxParticipants: 10,
  meeting: { meetingId: CONSULT_EXAMPLE_IDS.meeting, mediaRegion: 'ap-southeast-1' },
  participants: exampleParticipants,
};

export const exampleMeeting = {
  MeetingId: CONSULT_EXAMPLE_IDS.meeting,
  ExternalMeetingId: EXAMPLE_IDS.appointment,
  MediaRegion: 'ap-southeast-1',
  MediaPlacement: {
    AudioHostUrl: 'e1f2a3b4c5d6.k.m3.as1.app.chime.aws:3478',
    AudioFallbackUrl: 'wss://haxrp.m3.as1.app.chime.aws:443/calls/4a6b2c1e-7d3f-4e5a-9b8c-0d1e2f3a4b5c',
    SignalingUrl: 'wss://signal.m3.as1.app.chime.aws/control/4a6b2c1e-7d3f-4e5a-9b8c-0d1e2f3a4b5c',
    TurnControlUrl: 'https://2713.cell.ap-southeast-1.meetings.chime.aws/v2/turn_sessions',
    EventIngestionUrl: 'https://data.svc.as1.ingest.chime.aws/v1/client-events',
  },
  MeetingFeatures: { Attendee: { MaxCount: 10 } },
  MeetingArn: 'arn:aws:chime:us-east-1:111122223333:meeting/4a6b2c1e-7d3f-4e5a-9b8c-0d1e2f3a4b5c',
};

export const exampleAttendee = {
  ExternalUserId: EXAMPLE_IDS.patientUser,
  AttendeeId: CONSULT_EXAMPLE_IDS.attendee,
  JoinToken: 'ZTkyNjE4NDctMjM0NS00YjJhLWE4YjQtMmE0NzJiNmE4ZjJk',
  Capabilities: { Audio: 'SendReceive', Video: 'None', Content: 'None' },
};

export const exampleSoap = {
  subjective: 'Headaches in the morning for two weeks.',
  objective: 'Home BP readings 150/95 average over 7 days.',
  assessment: 'Uncontrolled hypertension.',
  plan: 'Increase amlodipine to 10 mg daily; review in 4 weeks.',
};

export const exampleNote = {
  consultId: CONSULT_EXAMPLE_IDS.consult,
  version: 2,
  status: 'draft',
  ...exampleSoap,
  authorId: EXAMPLE_IDS.practitionerUser,
  updatedAt: '2026-11-23T02:40:00.000Z',
  addenda: [],
};

export const exampleTimeline = [
  { entryId: 'started', at: '2026-11-23T02:00:01.000Z', type: 'consult-started', actorId: EXAMPLE_IDS.practitionerUser, source: 'api' },
  { entryId: 'chime-2b4c6d8e-0f1a-4b3c-8d5e-7f9a1b3c5d7e', at: '2026-11-23T02:00:05.000Z', type: 'joined', participantId: EXAMPLE_IDS.practitioner, attendeeId: CONSULT_EXAMPLE_IDS.attendee, meetingId: CONSULT_EXAMPLE_IDS.meeting, source: 'chime' },
];
