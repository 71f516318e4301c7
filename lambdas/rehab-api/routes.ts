import { defineRoutes } from '../api/route.js';
import type { Role } from '../api/roles.js';
import { EXAMPLE_IDS } from '../records/examples.js';
import { listRehabSessionsQuery, patientParams, rehabSessionParams } from './schemas.js';

/** Sensor-derived metrics are clinical: the patient and their care team; admins administer, they do not read them. */
export const REHAB_READERS: readonly Role[] = ['patient', 'clinician', 'therapist'];

const EXAMPLE_SESSION_ID = 'rsess_01JD3ZB2C3D4E5F6G7H8J9KMNP';

export const exampleRehabSession = {
  id: EXAMPLE_SESSION_ID,
  patientId: EXAMPLE_IDS.patient,
  deviceId: 'dev_01JD3ZA1B2C3D4E5F6G7H8J9KM',
  exercise: 'elbow-flexion',
  sampleRateHz: 100,
  placements: ['right-upper-arm', 'right-forearm'],
  targetRomDeg: 120,
  status: 'completed',
  startedAt: '2026-11-23T02:00:00.000Z',
  endedAt: '2026-11-23T02:03:12.000Z',
  lastMessageAt: '2026-11-23T02:03:11.990Z',
  startReceived: true,
  endReceived: true,
  firstSeq: 1042,
  lastSeq: 1236,
  messageCount: 195,
  reportedTotalSamples: 19200,
  gaps: [],
  gapCount: 0,
  missingMessages: 0,
  summary: {
    repetitionCount: 24,
    setCount: 3,
    incompleteCount: 2,
    meanRomDeg: 112.4,
    bestRomDeg: 127.9,
    meanRepDurationS: 2.3,
    activeTimeS: 55.2,
    meanPeakAngularVelocityDps: 141.7,
    sampleCount: 19200,
    durationS: 192,
  },
} as const;

const exampleRepetition = {
  index: 1,
  set: 1,
  startTimeS: 3.12,
  peakTimeS: 4.05,
  endTimeS: 5.08,
  durationS: 1.96,
  startAngleDeg: 10.4,
  peakAngleDeg: 126.1,
  romDeg: 115.7,
  peakAngularVelocityDps: 152.3,
  incomplete: false,
};

/** Rehab session queries: the `rehab` function (the stream processor writes what these read). */
export const rehabQueryRoutes = defineRoutes([
  {
    operationId: 'listPatientRehabSessions',
    method: 'GET',
    path: '/patients/{id}/rehab-sessions',
    fn: 'rehab',
    tag: 'rehab',
    summary: "A patient's rehab sessions with their summary metrics (repetitions, range of motion, tempo), newest first. The patient or their care team. Audited.",
    auth: 'user',
    roles: REHAB_READERS,
    params: patientParams,
    query: listRehabSessionsQuery,
    success: { status: 200, example: { items: [exampleRehabSession], nextCursor: 'eyJwayI6IlJTRVNTIy4uLiJ9' } },
  },
  {
    operationId: 'getRehabSession',
    method: 'GET',
    path: '/rehab-sessions/{id}',
    fn: 'rehab',
    tag: 'rehab',
    summary: 'One rehab session with every repetition (range of motion, duration, peak angular velocity, complete or not). The patient or their care team. Audited.',
    auth: 'user',
    roles: REHAB_READERS,
    params: rehabSessionParams,
    success: { status: 200, example: { ...exampleRehabSession, repetitions: [exampleRepetition] } },
  },
]);
