import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../lambdas/shared/errors.js';
import {
  availabilityErrors,
  validateAvailability,
  type Availability,
  type AvailabilityRule,
} from '../../../lambdas/scheduling/domain/availability.js';

const weekdays: AvailabilityRule = { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '12:00', slotMinutes: 30, bufferMinutes: 10 };

function doc(overrides: Partial<Availability> = {}): Availability {
  return { timeZone: 'America/New_York', rules: [weekdays], exceptions: [], ...overrides };
}

/** Field paths of the errors for a document that is expected to be invalid. */
function fields(input: unknown): string[] {
  return availabilityErrors(input).map((error) => error.field);
}

describe('validateAvailability', () => {
  it('returns a valid document as it is', () => {
    const valid = doc({
      rules: [weekdays, { days: ['mon', 'wed'], start: '13:00', end: '24:00', slotMinutes: 60, types: ['in-person'] }],
      exceptions: [
        { date: '2026-03-10', kind: 'unavailable' },
        { date: '2026-03-11', kind: 'unavailable', start: '09:00', end: '10:00' },
        { date: '2026-03-14', kind: 'extra', start: '10:00', end: '12:00', slotMinutes: 20, bufferMinutes: 5 },
      ],
    });
    expect(validateAvailability(valid)).toBe(valid);
    expect(availabilityErrors(valid)).toEqual([]);
  });

  it('throws a 400 listing every problem at once', () => {
    const invalid = doc({ timeZone: 'Mars/Olympus_Mons', rules: [{ ...weekdays, end: '08:00', slotMinutes: 1000 }] });
    try {
      validateAvailability(invalid);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).status).toBe(400);
      expect((error as ValidationError).errors.map((e) => e.field)).toEqual(['timeZone', 'rules[0].end', 'rules[0].slotMinutes']);
    }
  });

  it('refuses something that is not a document', () => {
    expect(fields(null)).toEqual(['']);
    expect(fields({ timeZone: 'UTC', rules: 'mon', exceptions: {} })).toEqual(['rules', 'exceptions']);
    expect(fields(doc({ rules: [7 as unknown as AvailabilityRule] }))).toEqual(['rules[0]']);
  });
});

describe('rules', () => {
  it.each([
    ['end before start', { end: '08:00' }, 'rules[0].end'],
    ['end equal to start', { end: '09:00' }, 'rules[0].end'],
    ['start at 24:00', { start: '24:00' }, 'rules[0].start'],
    ['malformed time', { start: '9:00' }, 'rules[0].start'],
    ['time off the 5-minute grid', { end: '11:58' }, 'rules[0].end'],
    ['slot under 5 minutes', { slotMinutes: 4 }, 'rules[0].slotMinutes'],
    ['slot over 480 minutes', { slotMinutes: 485 }, 'rules[0].slotMinutes'],
    ['slot not a multiple of 5', { slotMinutes: 32 }, 'rules[0].slotMinutes'],
    ['fractional slot', { slotMinutes: 30.5 }, 'rules[0].slotMinutes'],
    ['slot longer than the window', { slotMinutes: 240 }, 'rules[0].slotMinutes'],
    ['negative buffer', { bufferMinutes: -5 }, 'rules[0].bufferMinutes'],
    ['buffer over 240', { bufferMinutes: 245 }, 'rules[0].bufferMinutes'],
    ['no days', { days: [] }, 'rules[0].days'],
    ['unknown day', { days: ['mon', 'monday'] }, 'rules[0].days[1]'],
    ['day twice', { days: ['mon', 'tue', 'mon'] }, 'rules[0].days[2]'],
    ['empty types', { types: [] }, 'rules[0].types'],
    ['unknown type', { types: ['video', 'carrier-pigeon'] }, 'rules[0].types[1]'],
    ['type twice', { types: ['video', 'video'] }, 'rules[0].types[1]'],
  ])('refuses %s', (_, change, field) => {
    expect(fields(doc({ rules: [{ ...weekdays, ...change } as AvailabilityRule] }))).toEqual([field]);
  });

  it('accepts the limits', () => {
    expect(fields(doc({ rules: [{ ...weekdays, slotMinutes: 5, bufferMinutes: 0 }] }))).toEqual([]);
    expect(fields(doc({ rules: [{ days: ['sat'], start: '00:00', end: '24:00', slotMinutes: 480, bufferMinutes: 240 }] }))).toEqual([]);
  });

  it('refuses rules that overlap on a shared day, naming the later one', () => {
    const overlapping = { days: ['fri', 'sat'], start: '11:30', end: '13:00', slotMinutes: 30 } as AvailabilityRule;
    expect(availabilityErrors(doc({ rules: [weekdays, overlapping] }))).toEqual([
      { field: 'rules[1]', message: 'overlaps rules[0] on a shared weekday' },
    ]);
  });

  it('allows the same hours on other days, and adjacent hours on the same day', () => {
    const weekend = { ...weekdays, days: ['sat', 'sun'] } as AvailabilityRule;
    const afternoon = { ...weekdays, start: '12:00', end: '17:00' };
    expect(fields(doc({ rules: [weekdays, weekend, afternoon] }))).toEqual([]);
  });

  it('refuses more than 50 rules', () => {
    expect(fields(doc({ rules: Array(51).fill(weekdays) }))).toEqual(['rules']);
  });
});

describe('exceptions', () => {
  it.each([
    ['an impossible date', { date: '2026-02-30', kind: 'unavailable' }, ['exceptions[0].date']],
    ['an unknown kind', { date: '2026-03-10', kind: 'holiday' }, ['exceptions[0].kind']],
    ['leave with only a start', { date: '2026-03-10', kind: 'unavailable', start: '09:00' }, ['exceptions[0].end']],
    ['leave with only an end', { date: '2026-03-10', kind: 'unavailable', end: '10:00' }, ['exceptions[0].start']],
    ['leave ending before it starts', { date: '2026-03-10', kind: 'unavailable', start: '10:00', end: '09:00' }, ['exceptions[0].end']],
    ['leave with a slot length', { date: '2026-03-10', kind: 'unavailable', slotMinutes: 30 }, ['exceptions[0].slotMinutes']],
    ['leave with a buffer', { date: '2026-03-10', kind: 'unavailable', bufferMinutes: 5 }, ['exceptions[0].bufferMinutes']],
    [
      'extra hours without times or slot length',
      { date: '2026-03-14', kind: 'extra' },
      ['exceptions[0].start', 'exceptions[0].end', 'exceptions[0].slotMinutes'],
    ],
    ['extra hours with a bad slot length', { date: '2026-03-14', kind: 'extra', start: '10:00', end: '12:00', slotMinutes: 500 }, ['exceptions[0].slotMinutes']],
    ['extra hours with a bad buffer', { date: '2026-03-14', kind: 'extra', start: '10:00', end: '12:00', slotMinutes: 30, bufferMinutes: 3 }, ['exceptions[0].bufferMinutes']],
    ['extra hours too short for a slot', { date: '2026-03-14', kind: 'extra', start: '10:00', end: '10:20', slotMinutes: 30 }, ['exceptions[0].slotMinutes']],
  ])('refuses %s', (_, exception, expected) => {
    expect(fields(doc({ exceptions: [exception as never] }))).toEqual(expected);
  });

  it('refuses duplicate and overlapping exceptions of one kind on one date', () => {
    expect(
      fields(
        doc({
          exceptions: [
            { date: '2026-03-10', kind: 'unavailable' },
            { date: '2026-03-11', kind: 'unavailable' },
            { date: '2026-03-10', kind: 'unavailable' },
            { date: '2026-03-11', kind: 'unavailable', start: '10:00', end: '11:00' },
            { date: '2026-03-14', kind: 'extra', start: '10:00', end: '12:00', slotMinutes: 30 },
            { date: '2026-03-14', kind: 'extra', start: '11:30', end: '13:00', slotMinutes: 30 },
            { date: '2026-03-14', kind: 'extra', start: '13:00', end: '14:00', slotMinutes: 30 },
          ],
        }),
      ),
    ).toEqual(['exceptions[2]', 'exceptions[3]', 'exceptions[5]']);
  });

  it('refuses extra hours on top of weekly hours that still stand', () => {
    // 2026-03-10 is a Tuesday.
    const extra = { date: '2026-03-10', kind: 'extra', start: '11:00', end: '13:00', slotMinutes: 30 } as const;
    expect(availabilityErrors(doc({ exceptions: [extra] }))).toEqual([
      { field: 'exceptions[0]', message: 'overlaps the weekly hours of rules[0] (add leave for them first)' },
    ]);
    // Leave over only part of the shared hour is not enough.
    expect(fields(doc({ exceptions: [extra, { date: '2026-03-10', kind: 'unavailable', start: '11:00', end: '11:30' }] }))).toEqual([
      'exceptions[0]',
    ]);
  });

  it('allows extra hours that replace weekly hours under leave, and extra hours outside them', () => {
    const replaced = doc({
      exceptions: [
        { date: '2026-03-10', kind: 'unavailable', start: '09:00', end: '12:00' },
        { date: '2026-03-10', kind: 'extra', start: '09:00', end: '12:00', slotMinutes: 15 },
        { date: '2026-03-11', kind: 'unavailable', start: '11:00', end: '12:00' },
        { date: '2026-03-11', kind: 'unavailable', start: '09:00', end: '11:00' },
        { date: '2026-03-11', kind: 'extra', start: '10:00', end: '12:30', slotMinutes: 30 },
        { date: '2026-03-12', kind: 'extra', start: '12:00', end: '13:00', slotMinutes: 30 },
      ],
    });
    expect(fields(replaced)).toEqual([]);
  });
});

it('never echoes the submitted values in messages', () => {
  const odd = 'Zz9_marker';
  const errors = availabilityErrors({
    timeZone: `Mars/${odd}`,
    rules: [{ days: [odd], start: odd, end: odd, slotMinutes: odd, bufferMinutes: odd, types: [odd] }],
    exceptions: [{ date: odd, kind: odd }],
  });
  expect(errors.length).toBeGreaterThan(5);
  for (const error of errors) expect(error.message).not.toContain(odd);
});
