/**
 * `npm run sim` against the local stack, as a user runs it: the CLI registers a gateway through the API, publishes a
 * short programme over MQTT with the gateway's certificate (20x real time), and writes the ground truth; the stream
 * processor's result is then visible through GET /patients/{id}/rehab-sessions with the true repetition count.
 * A second run reuses the saved credentials, continues the sequence numbers and goes through Basic Ingest; a third
 * replays a recorded IMU CSV file.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TruthFile } from '../../device-firmware-sim/plan.js';
import { buildProgramme } from '../../device-firmware-sim/programme.js';
import type { SessionTruth } from '../../device-firmware-sim/programme.js';
import { World, type PatientActor, type PractitionerActor } from './scheduling-world.js';

const run = promisify(execFile);
const cli = join(import.meta.dirname, '..', '..', 'device-firmware-sim', 'cli.ts');
const tsx = join(import.meta.dirname, '..', '..', 'node_modules', '.bin', 'tsx');

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('device simulator CLI against the local stack', () => {
  let world: World;
  let therapist: PractitionerActor;
  let patient: PatientActor;
  let dir: string;

  const sim = async (...args: string[]) => {
    const { stdout } = await run(tsx, [cli, ...args], { env: { ...process.env, DATA_DIR: join(dir, 'unused') }, timeout: 50_000 });
    return stdout;
  };
  const sessionsOf = async (count: number) =>
    until(async () => {
      const { body } = await world.call('GET', `/patients/${patient.patientId}/rehab-sessions`, { token: patient.token });
      const done = (body.items as Array<{ status: string }>).filter((item) => item.status === 'completed');
      return done.length >= count ? (body.items as Array<{ id: string; deviceId: string; exercise: string; summary: { repetitionCount: number }; gapCount: number; endReceived: boolean }>) : undefined;
    }, `${count} completed session(s)`);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sim-'));
    world = await World.start();
    therapist = await world.practitioner({ role: 'therapist', specialties: ['physiotherapy'], availability: null });
    patient = await world.patient({ careTeam: [therapist.practitionerId] });
  });
  afterAll(async () => {
    await world?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('registers a gateway, streams a session and the API shows it with the ground-truth repetition count', async () => {
    const stdout = await sim(
      '--api', world.stack.endpoints.http, '--token', therapist.token, '--patient', patient.patientId, '--devices', '1',
      '--exercise', 'elbow-flexion', '--sets', '2', '--reps', '3', '--pause', '4', '--noise', 'clean', '--seed', '5',
      '--speed', '20', '--progress', '0', '--credentials', join(dir, 'credentials'), '--truth', join(dir, 'truth.json'),
    );
    expect(stdout).toMatch(/registered 1 gateways/);
    expect(stdout).toMatch(/0 gateway\(s\) failed/);
    const truth = JSON.parse(await readFile(join(dir, 'truth.json'), 'utf8')) as TruthFile;
    expect(truth.devices).toHaveLength(1);
    const [device] = truth.devices;
    const session = device!.sessions[0] as SessionTruth;
    expect(session).toMatchObject({ exercise: 'elbow-flexion', repetitions: 6, sets: 2 });
    expect(session.romDeg).toHaveLength(6);
    expect(await readdir(join(dir, 'credentials', device!.deviceId))).toEqual(expect.arrayContaining(['certificate.pem', 'private-key.pem', 'ca.pem', 'device.json', 'next-seq']));

    await world.stack.telemetry.poller.idle();
    const [stored] = await sessionsOf(1);
    expect(stored).toMatchObject({ id: session.sessionId, deviceId: device!.deviceId, exercise: 'elbow-flexion', gapCount: 0, endReceived: true });
    expect(stored!.summary.repetitionCount).toBe(session.repetitions);

    const detail = await world.call('GET', `/rehab-sessions/${session.sessionId}`, { token: therapist.token });
    expect(detail.body.repetitions).toHaveLength(session.repetitions);
    detail.body.repetitions.forEach((repetition: { romDeg: number }, index: number) => expect(Math.abs(repetition.romDeg - session.romDeg[index]!)).toBeLessThan(10));
  });

  it('reuses the saved credentials, continues the sequence numbers and publishes through Basic Ingest', async () => {
    const stdout = await sim(
      '--reuse', '--credentials', join(dir, 'credentials'), '--basic-ingest', '--exercise', 'shoulder-abduction', '--sets', '1', '--reps', '2',
      '--noise', 'low', '--speed', '20', '--progress', '0', '--truth', join(dir, 'truth-2.json'),
    );
    expect(stdout).toMatch(/via Basic Ingest/);
    const truth = JSON.parse(await readFile(join(dir, 'truth-2.json'), 'utf8')) as TruthFile;
    const session = truth.devices[0]!.sessions[0] as SessionTruth;
    await world.stack.telemetry.poller.idle();
    const items = await sessionsOf(2);
    const stored = items.find((item) => item.id === session.sessionId)!;
    // Nothing was dropped as a duplicate and no gap was seen: the numbering continued where the first run stopped.
    expect(stored).toMatchObject({ exercise: 'shoulder-abduction', gapCount: 0, endReceived: true });
    expect(stored.summary.repetitionCount).toBe(session.repetitions);
  });
  it('replays a recorded IMU CSV file as one gateway', async () => {
    // A "recording": one sensor on the right upper arm doing shoulder abduction, written as the CSV a logger would.
    const [session] = buildProgramme({ exercises: ['shoulder-abduction'], noise: 'low', seed: 21, sets: 1, repsPerSet: 3 });
    const samples = session!.samples[0]!;
    const lines = ['time,ax,ay,az,gx,gy,gz'];
    for (let i = 0; i < samples.length / 6; i++) lines.push([(i / 100).toFixed(2), ...Array.from(samples.subarray(i * 6, i * 6 + 6), (value) => value.toFixed(5))].join(','));
    await writeFile(join(dir, 'recording.csv'), `${lines.join('\n')}\n`);

    const stdout = await sim('--reuse', '--credentials', join(dir, 'credentials'), '--replay', join(dir, 'recording.csv'), '--rate', '100', '--exercise', 'shoulder-abduction', '--speed', '20', '--progress', '0', '--truth', join(dir, 'truth-3.json'));
    expect(stdout).toMatch(/replaying \d+ samples/);
    const truth = JSON.parse(await readFile(join(dir, 'truth-3.json'), 'utf8')) as TruthFile;
    const sessionId = truth.devices[0]!.sessions[0]!.sessionId;
    await world.stack.telemetry.poller.idle();
    const items = await sessionsOf(3);
    const stored = items.find((item) => item.id === sessionId)!;
    expect(stored).toMatchObject({ exercise: 'shoulder-abduction', endReceived: true, gapCount: 0 });
    expect(stored.summary.repetitionCount).toBe(session!.groundTruth.repetitions.length);
  });
});
