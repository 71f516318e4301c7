/**
 * From devices and settings to what each gateway sends and the ground truth of it. Generated sessions are shared
 * between gateways through a small cache (`variants` distinct seeds per exercise): a thousand gateways at 100 Hz
 * would otherwise hold hundreds of megabytes of samples. Pure apart from the cache.
 */
import type { ExerciseId, Side } from '../lambdas/rehab/exercises.js';
import type { NoiseLevel, Tempo } from './physics/index.js';
import type { DeviceConnection } from './gateway.js';
import type { FleetMember } from './fleet.js';
import { scheduleProgramme } from './messages.js';
import { buildProgramme, sessionTruth, type ProgrammedSession, type SessionTruth } from './programme.js';

export interface SimulationSettings {
  readonly noise: NoiseLevel;
  readonly seed: number;
  readonly sampleRateHz?: number;
  readonly sets?: number;
  readonly repsPerSet?: number;
  readonly side?: Side;
  readonly romVariation?: number;
  readonly partialRepProbability?: number;
  readonly pauseBetweenSetsS?: readonly [number, number];
  readonly tempo?: Tempo | 'mixed';
  readonly initialRestS?: number;
  readonly finalRestS?: number;
  /** Seconds of samples per message. Default 1. */
  readonly messageSeconds?: number;
  readonly restBetweenSessionsS?: number;
  /** Distinct generated sessions per exercise, shared by the gateways. Default 64. */
  readonly variants?: number;
  /** Device clock at the start, epoch ms. Default now. */
  readonly startTime?: number;
}

/** A replayed recording: real data, so no ground truth beyond what was sent. */
export interface ReplayTruth {
  readonly sessionId: string;
  readonly exercise: ExerciseId;
  readonly placements: readonly string[];
  readonly durationS: number;
  readonly replayedFrom: string;
}

export interface DeviceTruth {
  readonly deviceId: string;
  readonly patientId?: string;
  readonly sessions: ReadonlyArray<SessionTruth | ReplayTruth>;
}

export interface TruthFile {
  readonly generatedAt: string;
  readonly settings: Omit<SimulationSettings, 'startTime'>;
  readonly devices: readonly DeviceTruth[];
}

export class SessionCache {
  private readonly cache = new Map<string, ProgrammedSession>();
  constructor(private readonly settings: SimulationSettings) {}

  session(exercise: ExerciseId, variant: number): ProgrammedSession {
    const key = `${exercise}#${variant}`;
    let session = this.cache.get(key);
    if (!session) {
      const s = this.settings;
      [session] = buildProgramme({
        exercises: [exercise],
        noise: s.noise,
        seed: (s.seed + variant * 7919) >>> 0,
        sampleRateHz: s.sampleRateHz,
        sets: s.sets,
        repsPerSet: s.repsPerSet,
        side: s.side,
        romVariation: s.romVariation,
        partialRepProbability: s.partialRepProbability,
        pauseBetweenSetsS: s.pauseBetweenSetsS,
        tempo: s.tempo,
        initialRestS: s.initialRestS,
        finalRestS: s.finalRestS,
      });
      this.cache.set(key, session!);
    }
    return session!;
  }
}

/** One gateway: its sessions (from the cache), its schedule, its truth. */
export function planGateway(
  index: number,
  connection: DeviceConnection & { patientId?: string },
  exercises: readonly ExerciseId[],
  settings: SimulationSettings,
  cache: SessionCache,
  firstSeq = 1,
): { member: FleetMember; truth: DeviceTruth } {
  const variants = Math.max(1, settings.variants ?? 64);
  const sessions = exercises.map((exercise, position) => cache.session(exercise, (index + position) % variants));
  const schedule = scheduleProgramme(sessions, {
    deviceId: connection.deviceId,
    firstSeq,
    startTime: settings.startTime ?? Date.now(),
    messageSeconds: settings.messageSeconds,
    restBetweenSessionsS: settings.restBetweenSessionsS,
  });
  return {
    member: { connection, schedule },
    truth: {
      deviceId: connection.deviceId,
      ...(connection.patientId ? { patientId: connection.patientId } : {}),
      sessions: sessions.map((session, position) => sessionTruth(schedule.sessionIds[position]!, session)),
    },
  };
}

export function truthFile(settings: SimulationSettings, devices: readonly DeviceTruth[]): TruthFile {
  const { startTime: _startTime, ...rest } = settings;
  return { generatedAt: new Date().toISOString(), settings: rest, devices };
}
