// `npm run sim -- [options]`: simulated wearable gateways (one or two IMUs each) doing an exercise programme, publishing
// the binary telemetry format over MQTT with TLS client certificates, to the local broker or to AWS IoT Core.
// Run with --help for the options. The modules it drives are pure (programme, messages, csv, plan) and tested.
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isSegment, type Segment, type Side } from '../lambdas/rehab/exercises.js';
import { isDeviceId } from '../lambdas/telemetry/topics.js';
import { parseImuCsv, recordingAsSession, replayPlacement } from './csv.js';
import { runFleet, type FleetMember } from './fleet.js';
import { IOT_CORE_PUBLISHES_PER_SECOND, type DeviceConnection } from './gateway.js';
import { scheduleProgramme } from './messages.js';
import { planGateway, SessionCache, truthFile, type DeviceTruth, type SimulationSettings } from './plan.js';
import { exercisesForDevice, isExercise, NOISE_LEVELS, placementsFor } from './programme.js';
import { createDemoPatients, loadCredentials, loadNextSeq, mapLimit, registerDevice, saveCredentials, saveNextSeq, type ApiTarget, type RegisteredDevice } from './provision.js';
import type { NoiseLevel, Tempo } from './physics/index.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const HELP = `Simulated rehab gateways.

Where the devices come from (one of):
  --api URL --token T --patient ID [--devices N]   register N gateways to a patient through the API (POST /devices)
  --api URL --provision N [--token ADMIN]          create N demo patients with one gateway each (locally the token
                                                    is minted from DATA_DIR's issuer when omitted)
  --credentials DIR --reuse                        gateways registered earlier (saved in DIR)
  --endpoint HOST --device-id ID --cert F --key F [--ca F] [--port 8883]
                                                    one gateway with given credentials (e.g. AWS IoT Core)

What they do:
  --exercise LIST|mixed   comma-separated programme of every gateway, or mixed (gateway i: i-th exercise). Default mixed
                          exercises: shoulder-abduction, forward-elevation, elbow-flexion, knee-extension, sit-to-stand
  --sets N --reps N       per session (default 3 x 8)
  --noise clean|low|high  sensor noise (default low)
  --rom-variation F       sd of a full repetition's ROM as a fraction of the target (default 0.06)
  --pause S               pause between sets, seconds (default 15-25 drawn)
  --rest S                rest between sessions of a programme, seconds (default 5)
  --side left|right       default right
  --rate HZ               sample rate (default 100)
  --seed N                default 1
  --variants N            distinct generated sessions per exercise shared by the fleet (default 64)
  --replay FILE.csv       replay a recorded IMU file (ax,ay,az g; gx,gy,gz rad/s) as one gateway, at --rate Hz;
                          --exercise names the exercise, --placement the segment (default its moving segment)

How:
  --speed N               N times real time (default 1); a connection never exceeds ${IOT_CORE_PUBLISHES_PER_SECOND} publishes/s
  --message-seconds S     seconds of samples per message (default 1)
  --basic-ingest          publish to $aws/rules/<rule>/dt/rehab/<id>/imu (no messaging charge in IoT Core)
  --qos 0|1               default 1
  --connect-concurrency N connections opened at once (default 20)
  --credentials DIR       where credentials and each gateway's next sequence number are kept (default sim-out/credentials)
  --truth FILE            write the ground truth (per device: sessions, repetitions, per-repetition ROM)
  --progress S            progress line every S seconds (default 5)
`;

function fail(message: string): never {
  process.stderr.write(`sim: ${message}\n(npm run sim -- --help for the options)\n`);
  process.exit(2);
}

const parsed = (() => {
  try {
    return parseArgs({
      options: {
        help: { type: 'boolean', short: 'h' },
        api: { type: 'string' },
        token: { type: 'string' },
        patient: { type: 'string' },
        devices: { type: 'string', default: '1' },
        provision: { type: 'string' },
        credentials: { type: 'string', default: 'sim-out/credentials' },
        reuse: { type: 'boolean' },
        endpoint: { type: 'string' },
        port: { type: 'string', default: '8883' },
        'device-id': { type: 'string' },
        cert: { type: 'string' },
        key: { type: 'string' },
        ca: { type: 'string' },
        exercise: { type: 'string', default: 'mixed' },
        sets: { type: 'string', default: '3' },
        reps: { type: 'string', default: '8' },
        noise: { type: 'string', default: 'low' },
        'rom-variation': { type: 'string' },
        pause: { type: 'string' },
        rest: { type: 'string', default: '5' },
        side: { type: 'string', default: 'right' },
        rate: { type: 'string', default: '100' },
        seed: { type: 'string', default: '1' },
        variants: { type: 'string', default: '64' },
        replay: { type: 'string' },
        placement: { type: 'string' },
        speed: { type: 'string', default: '1' },
        'message-seconds': { type: 'string', default: '1' },
        'basic-ingest': { type: 'boolean' },
        qos: { type: 'string', default: '1' },
        'connect-concurrency': { type: 'string', default: '20' },
        truth: { type: 'string' },
        progress: { type: 'string', default: '5' },
      },
      strict: true,
    });
  } catch (error) {
    return fail((error as Error).message);
  }
})();
const { values } = parsed;

if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

const number = (name: string, value: string | undefined, min: number, max: number, integer = false): number => {
  const parsed = Number(value);
  if (value === undefined || !Number.isFinite(parsed) || parsed < min || parsed > max || (integer && !Number.isInteger(parsed))) {
    fail(`--${name}: ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}`);
  }
  return parsed;
};

const noise = values.noise as NoiseLevel;
if (!NOISE_LEVELS.includes(noise)) fail('--noise: clean, low or high');
const side = values.side as Side;
if (side !== 'left' && side !== 'right') fail('--side: left or right');
const pause = values.pause !== undefined ? number('pause', values.pause, 0, 600) : undefined;
const settings: SimulationSettings = {
  noise,
  seed: number('seed', values.seed, 0, 2 ** 32 - 1, true),
  sampleRateHz: number('rate', values.rate, 1, 1000, true),
  sets: number('sets', values.sets, 1, 20, true),
  repsPerSet: number('reps', values.reps, 1, 50, true),
  side,
  ...(values['rom-variation'] !== undefined ? { romVariation: number('rom-variation', values['rom-variation'], 0, 0.5) } : {}),
  ...(pause !== undefined ? { pauseBetweenSetsS: [pause, pause] as const } : {}),
  tempo: 'mixed' as Tempo | 'mixed',
  messageSeconds: number('message-seconds', values['message-seconds'], 0.01, 40),
  restBetweenSessionsS: number('rest', values.rest, 0, 3600),
  variants: number('variants', values.variants, 1, 100_000, true),
  startTime: Date.now(),
};
const speed = number('speed', values.speed, 0.01, 10_000);
const qos = number('qos', values.qos, 0, 1, true) as 0 | 1;
const connectConcurrency = number('connect-concurrency', values['connect-concurrency'], 1, 1000, true);
const progressMs = number('progress', values.progress, 0, 3600) * 1000;
const credentialsDir = resolve(values.credentials!);

/** The gateways to run, with each one's exercises. */
async function devices(): Promise<Array<{ connection: DeviceConnection & { patientId?: string }; index: number }>> {
  if (values.endpoint) {
    const deviceId = values['device-id'];
    if (!deviceId || !isDeviceId(deviceId)) fail('--device-id: the thing name of the gateway (dev_…), which is its MQTT client id');
    if (!values.cert || !values.key) fail('--endpoint needs --cert and --key');
    const connection: DeviceConnection = {
      deviceId,
      host: values.endpoint,
      port: number('port', values.port, 1, 65535, true),
      certificatePem: await readFile(values.cert, 'utf8'),
      privateKeyPem: await readFile(values.key, 'utf8'),
      ...(values.ca ? { caCertificatePem: await readFile(values.ca, 'utf8') } : {}),
    };
    return [{ connection, index: 0 }];
  }
  if (values.reuse) {
    const saved = await loadCredentials(credentialsDir).catch(() => fail(`no saved credentials in ${credentialsDir}`));
    if (saved.length === 0) fail(`no saved credentials in ${credentialsDir}`);
    return saved.map((connection, index) => ({ connection, index }));
  }
  if (!values.api) fail('say where the gateways come from: --api with --patient or --provision, --reuse, or --endpoint');
  const count = values.provision !== undefined ? number('provision', values.provision, 1, 100_000, true) : number('devices', values.devices, 1, 100_000, true);
  const token = values.token ?? (values.provision !== undefined ? await localAdminToken() : fail('--token: a bearer token (admin, or a clinician or therapist of the patient)'));
  const api: ApiTarget = { baseUrl: values.api, token };
  let patients: string[];
  if (values.provision !== undefined) {
    process.stdout.write(`creating ${count} demo patients…\n`);
    patients = await createDemoPatients(api, count);
  } else {
    if (!values.patient) fail('--patient: the patient the gateways are registered to (or --provision N for demo patients)');
    patients = Array.from({ length: count }, () => values.patient!);
  }
  process.stdout.write(`registering ${count} gateways…\n`);
  const started = Date.now();
  const registered = await mapLimit(patients, 8, async (patientId, index) => {
    const placements = values.replay ? [replayPlacementArg()] : placementsFor(exercisesForDevice(values.exercise!, index), side);
    const device = await registerDevice(api, { patientId, placements, serialNumber: `SIM-${String(index + 1).padStart(6, '0')}`, idempotencyKey: randomUUID() });
    await saveCredentials(credentialsDir, device);
    return device;
  });
  process.stdout.write(`registered ${registered.length} gateways in ${((Date.now() - started) / 1000).toFixed(1)} s; credentials in ${credentialsDir}\n`);
  return registered.map((connection: RegisteredDevice, index) => ({ connection, index }));
}

async function localAdminToken(): Promise<string> {
  const { localDataDir } = await import('../local/paths.js');
  const { openLocalIssuer } = await import('../local/token.js');
  const issuer = await openLocalIssuer(localDataDir().issuer);
  process.stdout.write('no --token: minted a local admin token from the local issuer\n');
  return issuer.issue({ sub: `sim-admin-${randomUUID()}`, role: 'admin' });
}

function replayPlacementArg(): Segment {
  if (values.placement === undefined) return replayPlacement(replayExercise(), side);
  if (!isSegment(values.placement)) fail('--placement: a limb segment such as right-forearm');
  return values.placement;
}

function replayExercise() {
  const exercise = values.exercise === 'mixed' ? 'shoulder-abduction' : values.exercise!;
  if (!isExercise(exercise)) fail(`--exercise: unknown exercise ${exercise}`);
  return exercise;
}

const fleet = await devices();
const cache = new SessionCache(settings);
const members: FleetMember[] = [];
const truths: DeviceTruth[] = [];
if (values.replay) {
  if (fleet.length !== 1) fail('--replay plays one recording as one gateway');
  const recording = parseImuCsv(await readFile(values.replay, 'utf8'));
  const session = recordingAsSession(recording, { exercise: replayExercise(), sampleRateHz: settings.sampleRateHz!, placement: replayPlacementArg(), side });
  const { connection } = fleet[0]!;
  const firstSeq = await loadNextSeq(credentialsDir, connection.deviceId);
  const schedule = scheduleProgramme([session], { deviceId: connection.deviceId, firstSeq, startTime: settings.startTime!, messageSeconds: settings.messageSeconds });
  members.push({ connection, schedule });
  // Recorded data has no ground truth: the truth file names the session only.
  truths.push({
    deviceId: connection.deviceId,
    ...(connection.patientId ? { patientId: connection.patientId } : {}),
    sessions: [{ sessionId: schedule.sessionIds[0]!, exercise: session.exercise, placements: session.placements, durationS: session.durationS, replayedFrom: values.replay }],
  });
  process.stdout.write(`replaying ${recording.sampleCount} samples (${session.durationS.toFixed(1)} s at ${settings.sampleRateHz} Hz) from ${values.replay}\n`);
} else {
  for (const { connection, index } of fleet) {
    const exercises = exercisesForDevice(values.exercise!, index);
    const { member, truth } = planGateway(index, connection, exercises, settings, cache, await loadNextSeq(credentialsDir, connection.deviceId));
    members.push(member);
    truths.push(truth);
  }
}

if (values.truth) {
  await mkdir(dirname(resolve(values.truth)), { recursive: true });
  await writeFile(values.truth, `${JSON.stringify(truthFile(settings, truths), null, 2)}\n`);
  process.stdout.write(`ground truth in ${values.truth}\n`);
}

const longest = Math.max(...members.map((member) => member.schedule.durationMs));
const messages = members.reduce((sum, member) => sum + member.schedule.messages.length, 0);
process.stdout.write(
  `simulating ${members.length} gateway(s): ${messages} messages over ${(longest / 1000 / speed).toFixed(1)} s (speed ${speed}x)${values['basic-ingest'] ? ' via Basic Ingest' : ''}\n`,
);
if (speed > IOT_CORE_PUBLISHES_PER_SECOND * settings.messageSeconds!) {
  process.stdout.write(`note: at ${speed}x a gateway would publish ${(speed / settings.messageSeconds!).toFixed(0)} messages/s; each connection is held to ${IOT_CORE_PUBLISHES_PER_SECOND}/s\n`);
}

const abort = new AbortController();
process.on('SIGINT', () => {
  process.stdout.write('\nSIGINT: stopping after the messages in flight…\n');
  abort.abort();
});
const result = await runFleet({
  members,
  speed,
  basicIngest: values['basic-ingest'],
  qos,
  connectConcurrency,
  progressIntervalMs: progressMs,
  signal: abort.signal,
});
// Whatever was sent, the next run starts after this one's numbers (a gap is harmless, a reused number is not).
await mapLimit(members, 32, (member) => saveNextSeq(credentialsDir, member.connection.deviceId, member.schedule.nextSeq));
const failed = result.results.filter((item) => !item.ok);
process.stdout.write(
  `done in ${(result.elapsedMs / 1000).toFixed(1)} s: ${result.stats.published} published, ${result.stats.acked} acknowledged, ${failed.length} gateway(s) failed\n`,
);
for (const item of failed.slice(0, 10)) process.stdout.write(`  ${item.deviceId}: ${item.error ?? 'stopped'}\n`);
process.exit(failed.length > 0 ? 1 : 0);
