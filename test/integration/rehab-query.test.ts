/**
 * The rehab session query routes on the local stack, over sessions written by the stream processor's own store
 * (DynamoTelemetryStore.commit): newest first with summaries, paging, one session with its repetitions; the patient
 * and their care team only; hidden reads exactly like missing; audited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RepetitionMetrics } from '../../lambdas/rehab/metrics.js';
import { newId } from '../../lambdas/shared/ids.js';
import { DynamoTelemetryStore } from '../../lambdas/telemetry/dynamo-store.js';
import type { RehabSession } from '../../lambdas/telemetry/model.js';
import { World, type PatientActor, type PractitionerActor } from './scheduling-world.js';

function repetition(index: number, romDeg: number): RepetitionMetrics {
  const startTimeS = 3 + index * 3;
  return {
    index,
    set: 1,
    startTimeS,
    peakTimeS: startTimeS + 1,
    endTimeS: startTimeS + 2,
    durationS: 2,
    startAngleDeg: 10,
    peakAngleDeg: 10 + romDeg,
    romDeg,
    peakAngularVelocityDps: 120,
    incomplete: romDeg < 96,
  };
}

function session(patientId: string, startedAt: string, roms: number[]): RehabSession {
  const repetitions = roms.map((rom, position) => repetition(position + 1, rom));
  return {
    sessionId: newId('rsess', Date.parse(startedAt)),
    patientId,
    deviceId: newId('dev'),
    exercise: 'elbow-flexion',
    sampleRateHz: 100,
    placements: ['right-upper-arm', 'right-forearm'],
    targetRomDeg: 120,
    status: 'completed',
    startedAt,
    endedAt: new Date(Date.parse(startedAt) + 60_000).toISOString(),
    lastMessageAt: new Date(Date.parse(startedAt) + 59_990).toISOString(),
    startReceived: true,
    endReceived: true,
    firstSeq: 1,
    lastSeq: 62,
    messageCount: 62,
    reportedTotalSamples: 6000,
    gaps: [],
    gapCount: 0,
    missingMessages: 0,
    summary: {
      repetitionCount: repetitions.length,
      setCount: 1,
      incompleteCount: repetitions.filter((item) => item.incomplete).length,
      meanRomDeg: roms.reduce((a, b) => a + b, 0) / roms.length,
      bestRomDeg: Math.max(...roms),
      meanRepDurationS: 2,
      activeTimeS: 2 * roms.length,
      meanPeakAngularVelocityDps: 120,
      sampleCount: 6000,
      durationS: 60,
    },
  };
}

describe('rehab session queries', () => {
  let world: World;
  let therapist: PractitionerActor;
  let outsider: PractitionerActor;
  let patient: PatientActor;
  let otherPatient: PatientActor;
  const stored: RehabSession[] = [];

  beforeAll(async () => {
    world = await World.start();
    [therapist, outsider] = await Promise.all([
      world.practitioner({ role: 'therapist', specialties: ['physiotherapy'], availability: null }),
      world.practitioner({ role: 'clinician', availability: null }),
    ]);
    [patient, otherPatient] = await Promise.all([world.patient({ careTeam: [therapist.practitionerId] }), world.patient()]);
    const store = new DynamoTelemetryStore(world.stack.deps.dynamodb, world.stack.config.recordsTableName);
    const days = ['2026-11-20T02:00:00.000Z', '2026-11-21T02:00:00.000Z', '2026-11-22T02:00:00.000Z'];
    stored.push(...days.map((day, position) => session(patient.patientId, day, [110, 118, 90, 121].slice(0, position + 2))));
    stored.push(session(otherPatient.patientId, '2026-11-22T03:00:00.000Z', [100]));
    for (const item of stored) {
      const repetitions = Array.from({ length: item.summary.repetitionCount }, (_, position) => ({
        sessionId: item.sessionId,
        repetition: repetition(position + 1, [110, 118, 90, 121, 100][position]!),
      }));
      const outcome = await store.commit({
        deviceId: item.deviceId,
        expectedVersion: undefined,
        state: { deviceId: item.deviceId, version: 1, lastSeq: item.lastSeq, gapCount: 0, missingMessages: 0 },
        raw: [],
        repetitions,
        sessions: [item],
      });
      expect(outcome).toBe('committed');
    }
  });
  afterAll(async () => world?.close());

  it("lists the patient's sessions newest first with their summaries, page by page", async () => {
    const first = await world.call('GET', `/patients/${patient.patientId}/rehab-sessions?limit=2`, { token: patient.token });
    expect(first.status).toBe(200);
    expect(first.body.items.map((item: { id: string }) => item.id)).toEqual([stored[2]!.sessionId, stored[1]!.sessionId]);
    expect(first.body.items[0]).toMatchObject({ patientId: patient.patientId, exercise: 'elbow-flexion', status: 'completed', summary: { repetitionCount: 4, bestRomDeg: 121 } });
    expect(first.body.items[0]).not.toHaveProperty('sessionId');
    const second = await world.call('GET', `/patients/${patient.patientId}/rehab-sessions?limit=2&cursor=${first.body.nextCursor}`, { token: therapist.token });
    expect(second.status).toBe(200);
    expect(second.body.items.map((item: { id: string }) => item.id)).toEqual([stored[0]!.sessionId]);
    expect(second.body.nextCursor).toBeUndefined();
    const foreignCursor = await world.call('GET', `/patients/${otherPatient.patientId}/rehab-sessions?cursor=${first.body.nextCursor}`, { token: world.admin.token });
    expect(foreignCursor.status).toBe(403);
    const wrongList = await world.call('GET', `/patients/${otherPatient.patientId}/rehab-sessions?cursor=${first.body.nextCursor}`, { token: otherPatient.token });
    expect(wrongList.status).toBe(400);
  });

  it('returns one session with every repetition in order', async () => {
    const target = stored[2]!;
    const { status, body } = await world.call('GET', `/rehab-sessions/${target.sessionId}`, { token: therapist.token });
    expect(status).toBe(200);
    expect(body).toMatchObject({ id: target.sessionId, patientId: patient.patientId, summary: { repetitionCount: 4, incompleteCount: 1 } });
    expect(body.repetitions.map((item: RepetitionMetrics) => [item.index, item.romDeg, item.incomplete])).toEqual([
      [1, 110, false],
      [2, 118, false],
      [3, 90, true],
      [4, 121, false],
    ]);
  });

  it('is for the patient and their care team: others get 404 exactly as for a missing session, admins 403', async () => {
    const target = stored[0]!;
    const strip = (body: Record<string, unknown>) => ({ ...body, requestId: undefined });
    const missing = await world.call('GET', `/rehab-sessions/${newId('rsess')}`, { token: outsider.token });
    expect(missing.status).toBe(404);
    for (const token of [outsider.token, otherPatient.token]) {
      const hidden = await world.call('GET', `/rehab-sessions/${target.sessionId}`, { token });
      expect(hidden.status).toBe(404);
      expect(strip(hidden.body)).toEqual(strip(missing.body));
      expect((await world.call('GET', `/patients/${patient.patientId}/rehab-sessions`, { token })).status).toBe(404);
    }
    expect((await world.call('GET', `/rehab-sessions/${target.sessionId}`, { token: world.admin.token })).status).toBe(403);
    expect((await world.call('GET', `/patients/${patient.patientId}/rehab-sessions`, { token: world.admin.token })).status).toBe(403);
    expect((await world.call('GET', `/rehab-sessions/${stored[3]!.sessionId}`, { token: otherPatient.token })).status).toBe(200);
  });

  it('audits reads and refusals in the patient trail', async () => {
    await world.call('GET', `/rehab-sessions/${stored[1]!.sessionId}`, { token: outsider.token });
    await world.call('GET', `/rehab-sessions/${stored[1]!.sessionId}`, { token: patient.token });
    const trail = await world.call('GET', `/patients/${patient.patientId}/audit?limit=200`, { token: world.admin.token });
    const entries = trail.body.items as Array<{ action: string; resourceType: string; resourceId: string; outcome: string; actorId: string }>;
    expect(entries).toContainEqual(expect.objectContaining({ action: 'getRehabSession', resourceType: 'rehab-session', resourceId: stored[1]!.sessionId, outcome: 'allowed', actorId: patient.userId }));
    expect(entries).toContainEqual(expect.objectContaining({ action: 'getRehabSession', resourceId: stored[1]!.sessionId, outcome: 'denied', actorId: outsider.userId }));
    expect(entries).toContainEqual(expect.objectContaining({ action: 'listPatientRehabSessions', resourceType: 'rehab-session-list', outcome: 'allowed' }));
  });
});
