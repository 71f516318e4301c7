import { describe, expect, it } from 'vitest';
import { defaultPlacements } from '../../../lambdas/rehab/exercises.js';
import { buildProgramme, EXERCISE_IDS, exercisesForDevice, placementsFor, sessionTruth } from '../../../device-firmware-sim/programme.js';

const short = { noise: 'low' as const, seed: 7, sets: 2, repsPerSet: 3, pauseBetweenSetsS: [4, 4] as const, initialRestS: 3, finalRestS: 2 };

describe('exercise programme', () => {
  it('generates one physics session per exercise, in order, with its ground truth', () => {
    const sessions = buildProgramme({ ...short, exercises: ['elbow-flexion', 'shoulder-abduction'] });
    expect(sessions.map((session) => session.exercise)).toEqual(['elbow-flexion', 'shoulder-abduction']);
    expect(sessions[0]!.placements).toEqual(['right-upper-arm', 'right-forearm']);
    expect(sessions[1]!.placements).toEqual(['right-upper-arm']);
    for (const session of sessions) {
      expect(session.samples).toHaveLength(session.placements.length);
      expect(session.samples[0]!.length).toBe(Math.round(session.durationS * 100) * 6);
      expect(session.groundTruth.repetitions).toHaveLength(6);
      expect(session.groundTruth.sets).toBe(2);
      // Pauses between sets: the first repetition of set 2 starts at least the pause after the last of set 1 ends.
      const [lastOfSet1, firstOfSet2] = [session.groundTruth.repetitions[2]!, session.groundTruth.repetitions[3]!];
      expect(firstOfSet2.startTimeS - lastOfSet1.endTimeS).toBeGreaterThanOrEqual(4);
    }
  });

  it('is reproducible from its seed and varies range of motion per repetition', () => {
    const a = buildProgramme({ ...short, exercises: ['knee-extension'] })[0]!;
    const b = buildProgramme({ ...short, exercises: ['knee-extension'] })[0]!;
    const c = buildProgramme({ ...short, seed: 8, exercises: ['knee-extension'] })[0]!;
    expect(Buffer.from(a.samples[0]!.buffer).equals(Buffer.from(b.samples[0]!.buffer))).toBe(true);
    expect(Buffer.from(a.samples[0]!.buffer).equals(Buffer.from(c.samples[0]!.buffer))).toBe(false);
    const roms = a.groundTruth.repetitions.map((repetition) => repetition.romDeg);
    expect(new Set(roms.map((rom) => rom.toFixed(3))).size).toBe(roms.length);
    const clean = buildProgramme({ ...short, noise: 'clean', romVariation: 0, partialRepProbability: 0, exercises: ['knee-extension'] })[0]!;
    const cleanRoms = clean.groundTruth.repetitions.map((repetition) => repetition.romDeg);
    expect(Math.max(...cleanRoms) - Math.min(...cleanRoms)).toBeLessThan(1);
  });

  it('covers every catalogue exercise', () => {
    expect([...EXERCISE_IDS].sort()).toEqual(['elbow-flexion', 'forward-elevation', 'knee-extension', 'shoulder-abduction', 'sit-to-stand']);
    for (const exercise of EXERCISE_IDS) {
      const [session] = buildProgramme({ ...short, sets: 1, repsPerSet: 1, exercises: [exercise] });
      expect(session!.placements).toEqual(defaultPlacements(exercise));
    }
  });

  it('assigns exercises to gateways: a list for every gateway, or mixed round robin', () => {
    expect(exercisesForDevice('mixed', 0)).toEqual([EXERCISE_IDS[0]]);
    expect(exercisesForDevice('mixed', 6)).toEqual([EXERCISE_IDS[1]]);
    expect(exercisesForDevice('elbow-flexion, shoulder-abduction', 3)).toEqual(['elbow-flexion', 'shoulder-abduction']);
    expect(() => exercisesForDevice('elbow-flexion,jumping-jacks', 0)).toThrow(/jumping-jacks/);
    expect(() => exercisesForDevice(',', 0)).toThrow(RangeError);
  });

  it('registers the union of the sensor placements, at most two', () => {
    expect(placementsFor(['elbow-flexion', 'shoulder-abduction', 'forward-elevation'])).toEqual(['right-upper-arm', 'right-forearm']);
    expect(placementsFor(['knee-extension', 'sit-to-stand'], 'left')).toEqual(['left-thigh', 'left-shank']);
    expect(() => placementsFor(['elbow-flexion', 'knee-extension'])).toThrow(/at most 2/);
  });

  it('summarises the ground truth of a session for the truth file', () => {
    const [session] = buildProgramme({ ...short, partialRepProbability: 0.5, exercises: ['forward-elevation'] });
    const truth = sessionTruth('rsess_01JD3ZB2C3D4E5F6G7H8J9KMNP', session!);
    expect(truth).toMatchObject({ exercise: 'forward-elevation', repetitions: 6, sets: 2, targetRomDeg: 120 });
    expect(truth.romDeg).toHaveLength(6);
    expect(truth.completeRepetitions).toBe(truth.incomplete.filter((flag) => !flag).length);
  });
});
