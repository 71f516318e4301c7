import { describe, expect, it } from 'vitest';
import {
  addDays,
  eachLocalDate,
  formatLocalDateTime,
  isValidLocalDate,
  isValidLocalTime,
  isValidTimeZone,
  localDateOf,
  localToUtc,
  resolveLocal,
  toUtcString,
  utcOffsetMinutes,
  utcToLocal,
  weekdayOf,
} from '../../../lambdas/scheduling/domain/time-zones.js';

const NY = 'America/New_York';
const iso = (dates: Date[]) => dates.map(toUtcString);

/** Deterministic PRNG so a failing random case can be replayed. */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('isValidTimeZone', () => {
  it.each(['America/New_York', 'Asia/Ho_Chi_Minh', 'Europe/London', 'UTC', 'America/Argentina/Buenos_Aires', 'Etc/GMT+5'])(
    'accepts %s',
    (zone) => expect(isValidTimeZone(zone)).toBe(true),
  );

  it.each(['Mars/Olympus_Mons', '', 'america/new_york', '+07:00', 'Asia/Ho Chi Minh', 'UTC ', 'A'.repeat(65)])(
    'rejects %j',
    (zone) => expect(isValidTimeZone(zone)).toBe(false),
  );

  it.each([undefined, null, 7, {}])('rejects the non-string %j', (zone) => expect(isValidTimeZone(zone)).toBe(false));
});

describe('UTC offsets', () => {
  it('follow daylight saving in New York', () => {
    expect(utcOffsetMinutes(new Date('2026-03-08T06:59:00Z'), NY)).toBe(-300);
    expect(utcOffsetMinutes(new Date('2026-03-08T07:00:00Z'), NY)).toBe(-240);
    expect(utcOffsetMinutes(new Date('2026-11-01T05:59:00Z'), NY)).toBe(-240);
    expect(utcOffsetMinutes(new Date('2026-11-01T06:00:00Z'), NY)).toBe(-300);
  });

  it('stay fixed where there is no daylight saving, including non-hour offsets', () => {
    for (const month of ['01', '04', '07', '10']) {
      const instant = new Date(`2026-${month}-15T12:00:00Z`);
      expect(utcOffsetMinutes(instant, 'Asia/Ho_Chi_Minh')).toBe(420);
      expect(utcOffsetMinutes(instant, 'Asia/Kathmandu')).toBe(345);
      expect(utcOffsetMinutes(instant, 'UTC')).toBe(0);
    }
  });
});

describe('resolveLocal', () => {
  it('finds no instant for a time skipped by spring forward', () => {
    expect(resolveLocal('2026-03-08', '02:00', NY)).toEqual([]);
    expect(resolveLocal('2026-03-08', '02:30', NY)).toEqual([]);
    expect(resolveLocal('2026-03-29', '01:30', 'Europe/London')).toEqual([]);
  });

  it('finds both instants, earliest first, for a time repeated by fall back', () => {
    expect(iso(resolveLocal('2026-11-01', '01:30', NY))).toEqual(['2026-11-01T05:30:00Z', '2026-11-01T06:30:00Z']);
    expect(iso(resolveLocal('2026-10-25', '01:00', 'Europe/London'))).toEqual(['2026-10-25T00:00:00Z', '2026-10-25T01:00:00Z']);
  });

  it('finds exactly one instant either side of a transition', () => {
    expect(iso(resolveLocal('2026-03-08', '01:59', NY))).toEqual(['2026-03-08T06:59:00Z']);
    expect(iso(resolveLocal('2026-03-08', '03:00', NY))).toEqual(['2026-03-08T07:00:00Z']);
    expect(iso(resolveLocal('2026-11-01', '02:00', NY))).toEqual(['2026-11-01T07:00:00Z']);
  });

  it('contains the instant a wall-clock reading came from (random instants, several zones)', () => {
    const random = seeded(20260308);
    const zones = [NY, 'Europe/London', 'Asia/Ho_Chi_Minh', 'Australia/Lord_Howe', 'America/Santiago', 'Asia/Kathmandu'];
    const start = Date.UTC(2026, 0, 1);
    for (let i = 0; i < 400; i++) {
      const zone = zones[i % zones.length]!;
      const instant = new Date(start + Math.floor(random() * 365 * 24 * 60) * 60_000);
      const { date, time } = utcToLocal(instant, zone);
      expect(iso(resolveLocal(date, time, zone))).toContain(toUtcString(instant));
    }
  });
});

describe('localToUtc', () => {
  it('moves 09:00 in New York from 14:00Z to 13:00Z at spring forward and back at fall back', () => {
    expect(toUtcString(localToUtc('2026-03-06', '09:00', NY))).toBe('2026-03-06T14:00:00Z');
    expect(toUtcString(localToUtc('2026-03-09', '09:00', NY))).toBe('2026-03-09T13:00:00Z');
    expect(toUtcString(localToUtc('2026-10-30', '09:00', NY))).toBe('2026-10-30T13:00:00Z');
    expect(toUtcString(localToUtc('2026-11-02', '09:00', NY))).toBe('2026-11-02T14:00:00Z');
  });

  it('maps a skipped time to the instant the clock jumps over it', () => {
    expect(toUtcString(localToUtc('2026-03-08', '02:30', NY))).toBe('2026-03-08T07:00:00Z');
    // Lord Howe moves its clock by 30 minutes: 02:00 → 02:30.
    expect(toUtcString(localToUtc('2026-10-04', '02:15', 'Australia/Lord_Howe'))).toBe('2026-10-03T15:30:00Z');
    // Santiago skips its midnight: the date begins at 01:00.
    expect(toUtcString(localToUtc('2026-09-06', '00:00', 'America/Santiago'))).toBe('2026-09-06T04:00:00Z');
  });

  it('maps a repeated time to its first occurrence', () => {
    expect(toUtcString(localToUtc('2026-11-01', '01:30', NY))).toBe('2026-11-01T05:30:00Z');
  });

  it('reads 24:00 as the midnight that ends the date', () => {
    expect(toUtcString(localToUtc('2026-03-09', '24:00', 'Asia/Ho_Chi_Minh'))).toBe('2026-03-09T17:00:00Z');
    expect(localToUtc('2026-03-09', '24:00', NY)).toEqual(localToUtc('2026-03-10', '00:00', NY));
  });

  it('never goes backwards as the wall clock moves forward across DST nights', () => {
    for (const [zone, date] of [
      [NY, '2026-03-08'],
      [NY, '2026-11-01'],
      ['Australia/Lord_Howe', '2026-10-04'],
      ['America/Santiago', '2026-04-04'],
    ] as const) {
      let previous = Number.NEGATIVE_INFINITY;
      for (let minute = 0; minute <= 24 * 60; minute += 5) {
        const time = `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
        const instant = localToUtc(date, time, zone).getTime();
        expect(instant).toBeGreaterThanOrEqual(previous);
        previous = instant;
      }
    }
  });

  it('refuses an invalid zone, date or time', () => {
    expect(() => localToUtc('2026-03-09', '09:00', 'Mars/Olympus_Mons')).toThrow(RangeError);
    expect(() => localToUtc('2026-02-30', '09:00', NY)).toThrow(RangeError);
    expect(() => localToUtc('2026-03-09', '9:00', NY)).toThrow(RangeError);
  });
});

describe('instant to wall clock', () => {
  it('formats the local date-time in the zone', () => {
    expect(formatLocalDateTime(new Date('2026-03-09T02:00:00Z'), 'Asia/Ho_Chi_Minh')).toBe('2026-03-09T09:00');
    expect(formatLocalDateTime(new Date('2026-11-01T06:30:00Z'), NY)).toBe('2026-11-01T01:30');
    expect(localDateOf(new Date('2026-03-09T02:00:00Z'), NY)).toBe('2026-03-08');
  });

  it('writes UTC without fractional seconds', () => {
    expect(toUtcString(new Date('2026-03-09T02:00:00.000Z'))).toBe('2026-03-09T02:00:00Z');
    expect(() => toUtcString(new Date('nope'))).toThrow(RangeError);
  });
});

describe('local calendar', () => {
  it('knows weekdays', () => {
    expect(weekdayOf('2026-03-08')).toBe('sun');
    expect(weekdayOf('2026-03-09')).toBe('mon');
    expect(weekdayOf('2026-01-01')).toBe('thu');
    expect(weekdayOf('2028-02-29')).toBe('tue');
  });

  it('adds days across months, years and leap days', () => {
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });

  it('iterates dates inclusively, through DST dates with no missing or repeated day', () => {
    expect(eachLocalDate('2028-02-27', '2028-03-01')).toEqual(['2028-02-27', '2028-02-28', '2028-02-29', '2028-03-01']);
    expect(eachLocalDate('2026-03-07', '2026-03-09')).toEqual(['2026-03-07', '2026-03-08', '2026-03-09']);
    expect(eachLocalDate('2026-03-09', '2026-03-09')).toEqual(['2026-03-09']);
    expect(eachLocalDate('2026-03-10', '2026-03-09')).toEqual([]);
  });

  it('validates dates and times', () => {
    expect(isValidLocalDate('2028-02-29')).toBe(true);
    expect(isValidLocalDate('2026-02-29')).toBe(false);
    expect(isValidLocalDate('2026-13-01')).toBe(false);
    expect(isValidLocalDate('2026-3-9')).toBe(false);
    expect(isValidLocalTime('00:00')).toBe(true);
    expect(isValidLocalTime('23:59')).toBe(true);
    expect(isValidLocalTime('24:00')).toBe(false);
    expect(isValidLocalTime('24:00', true)).toBe(true);
    expect(isValidLocalTime('24:05', true)).toBe(false);
    expect(isValidLocalTime('12:60')).toBe(false);
    expect(isValidLocalTime('9:00')).toBe(false);
  });
});
