import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../lambdas/shared/errors.js';
import type { Availability, AvailabilityRule } from '../../../lambdas/scheduling/domain/availability.js';
import { freeSlots, generateSlots, isBookableStart, type Slot } from '../../../lambdas/scheduling/domain/slots.js';
import { WEEKDAYS } from '../../../lambdas/scheduling/domain/time-zones.js';

const NY = 'America/New_York';
const HCM = 'Asia/Ho_Chi_Minh';
const weekdays: AvailabilityRule = { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '12:00', slotMinutes: 30, bufferMinutes: 10 };

function availability(timeZone: string, rules: AvailabilityRule[], exceptions: Availability['exceptions'] = []): Availability {
  return { timeZone, rules, exceptions };
}

function range(from: string, to: string) {
  return { from: new Date(from), to: new Date(to) };
}

const starts = (slots: Slot[]) => slots.map((slot) => slot.start);
const locals = (slots: Slot[]) => slots.map((slot) => slot.localStart);

/** Sorted by start, each slot ending by the next one's start, no start twice. */
function expectNoOverlap(slots: Slot[]): void {
  for (let i = 1; i < slots.length; i++) {
    expect(Date.parse(slots[i]!.start)).toBeGreaterThanOrEqual(Date.parse(slots[i - 1]!.end));
  }
  expect(new Set(starts(slots)).size).toBe(slots.length);
}

function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('generateSlots', () => {
  it('lays out slot, buffer, next slot, and stops when a slot would end after the window', () => {
    // Monday 2026-03-09 in Ho Chi Minh City (+07:00, no DST).
    const slots = generateSlots(availability(HCM, [weekdays]), range('2026-03-08T17:00:00Z', '2026-03-09T17:00:00Z'));
    expect(slots).toEqual([
      { start: '2026-03-09T02:00:00Z', end: '2026-03-09T02:30:00Z', timeZone: HCM, localStart: '2026-03-09T09:00', types: ['video', 'phone', 'in-person', 'telerehab'] },
      { start: '2026-03-09T02:40:00Z', end: '2026-03-09T03:10:00Z', timeZone: HCM, localStart: '2026-03-09T09:40', types: ['video', 'phone', 'in-person', 'telerehab'] },
      { start: '2026-03-09T03:20:00Z', end: '2026-03-09T03:50:00Z', timeZone: HCM, localStart: '2026-03-09T10:20', types: ['video', 'phone', 'in-person', 'telerehab'] },
      { start: '2026-03-09T04:00:00Z', end: '2026-03-09T04:30:00Z', timeZone: HCM, localStart: '2026-03-09T11:00', types: ['video', 'phone', 'in-person', 'telerehab'] },
    ]);
  });

  it('keeps the same UTC times all year where there is no DST', () => {
    for (const [from, to] of [
      ['2026-01-05T00:00:00Z', '2026-01-06T00:00:00Z'],
      ['2026-07-06T00:00:00Z', '2026-07-07T00:00:00Z'],
      ['2026-11-02T00:00:00Z', '2026-11-03T00:00:00Z'],
    ] as const) {
      const slots = generateSlots(availability(HCM, [weekdays]), range(from, to));
      expect(starts(slots).map((start) => start.slice(11))).toEqual(['02:00:00Z', '02:40:00Z', '03:20:00Z', '04:00:00Z']);
    }
  });

  it('only includes weekdays of the rule, in the practitioner zone', () => {
    // Sat 2026-03-07 to Mon 2026-03-09 in New York: only Monday has slots, though Monday 09:00 is already Monday in UTC.
    const slots = generateSlots(availability(NY, [weekdays]), range('2026-03-07T00:00:00Z', '2026-03-10T00:00:00Z'));
    expect(new Set(locals(slots).map((local) => local.slice(0, 10)))).toEqual(new Set(['2026-03-09']));
  });

  describe('across DST in New York', () => {
    it('keeps 09:00 local while UTC moves from 14:00Z to 13:00Z at spring forward', () => {
      const slots = generateSlots(availability(NY, [weekdays]), range('2026-03-05T00:00:00Z', '2026-03-11T00:00:00Z'));
      const firstOfDay = slots.filter((slot) => slot.localStart.endsWith('T09:00'));
      expect(firstOfDay.map((slot) => [slot.localStart, slot.start])).toEqual([
        ['2026-03-05T09:00', '2026-03-05T14:00:00Z'],
        ['2026-03-06T09:00', '2026-03-06T14:00:00Z'],
        ['2026-03-09T09:00', '2026-03-09T13:00:00Z'],
        ['2026-03-10T09:00', '2026-03-10T13:00:00Z'],
      ]);
      expect(slots).toHaveLength(16);
    });

    it('keeps 09:00 local while UTC moves from 13:00Z to 14:00Z at fall back', () => {
      const slots = generateSlots(availability(NY, [weekdays]), range('2026-10-30T00:00:00Z', '2026-11-03T00:00:00Z'));
      expect(slots.filter((slot) => slot.localStart.endsWith('T09:00')).map((slot) => slot.start)).toEqual([
        '2026-10-30T13:00:00Z',
        '2026-11-02T14:00:00Z',
      ]);
      expect(slots.find((slot) => slot.localStart === '2026-11-02T11:00')?.end).toBe('2026-11-02T16:30:00Z');
    });

    it('skips the hour the clock jumps over on the spring-forward night', () => {
      const night = availability(NY, [{ days: ['sun'], start: '01:00', end: '04:00', slotMinutes: 30 }]);
      const slots = generateSlots(night, range('2026-03-08T00:00:00Z', '2026-03-09T00:00:00Z'));
      expect(slots.map((slot) => [slot.localStart, slot.start])).toEqual([
        ['2026-03-08T01:00', '2026-03-08T06:00:00Z'],
        ['2026-03-08T01:30', '2026-03-08T06:30:00Z'],
        ['2026-03-08T03:00', '2026-03-08T07:00:00Z'],
        ['2026-03-08T03:30', '2026-03-08T07:30:00Z'],
      ]);
      expectNoOverlap(slots);
    });

    it('gives no slots for a window that lies inside the skipped hour, and normal ones the week after', () => {
      const gap = availability(NY, [{ days: ['sun'], start: '02:00', end: '03:00', slotMinutes: 30 }]);
      const slots = generateSlots(gap, range('2026-03-07T00:00:00Z', '2026-03-16T00:00:00Z'));
      expect(slots.map((slot) => [slot.localStart, slot.start])).toEqual([
        ['2026-03-15T02:00', '2026-03-15T06:00:00Z'],
        ['2026-03-15T02:30', '2026-03-15T06:30:00Z'],
      ]);
    });

    it('keeps slots with a buffer from overlapping when a slot straddles the jump', () => {
      const night = availability(NY, [{ days: ['sun'], start: '00:00', end: '05:00', slotMinutes: 30, bufferMinutes: 10 }]);
      const slots = generateSlots(night, range('2026-03-08T00:00:00Z', '2026-03-09T00:00:00Z'));
      expectNoOverlap(slots);
      // 4 real hours between 00:00 EST (05:00Z) and 05:00 EDT (09:00Z): 6 slots of 30 + 10.
      expect(starts(slots)).toEqual([
        '2026-03-08T05:00:00Z',
        '2026-03-08T05:40:00Z',
        '2026-03-08T06:20:00Z',
        '2026-03-08T07:00:00Z',
        '2026-03-08T07:40:00Z',
        '2026-03-08T08:20:00Z',
      ]);
      expect(locals(slots)).toContain('2026-03-08T01:20');
      expect(locals(slots)).toContain('2026-03-08T03:00');
    });

    it('works the repeated hour twice on the fall-back night: distinct UTC slots, never overlapping', () => {
      const night = availability(NY, [{ days: ['sun'], start: '01:00', end: '02:00', slotMinutes: 30 }]);
      const slots = generateSlots(night, range('2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z'));
      expect(slots.map((slot) => [slot.localStart, slot.start, slot.end])).toEqual([
        ['2026-11-01T01:00', '2026-11-01T05:00:00Z', '2026-11-01T05:30:00Z'],
        ['2026-11-01T01:30', '2026-11-01T05:30:00Z', '2026-11-01T06:00:00Z'],
        ['2026-11-01T01:00', '2026-11-01T06:00:00Z', '2026-11-01T06:30:00Z'],
        ['2026-11-01T01:30', '2026-11-01T06:30:00Z', '2026-11-01T07:00:00Z'],
      ]);
      expectNoOverlap(slots);
    });

    it('keeps adjacent rules apart on the fall-back night', () => {
      const night = availability(NY, [
        { days: ['sun'], start: '00:00', end: '01:30', slotMinutes: 45 },
        { days: ['sun'], start: '01:30', end: '03:00', slotMinutes: 45 },
      ]);
      const slots = generateSlots(night, range('2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z'));
      expectNoOverlap(slots);
      // First rule: 00:00–01:30 EDT (04:00Z–05:30Z). Second: 01:30 EDT to 03:00 EST (05:30Z–08:00Z).
      expect(starts(slots)).toEqual([
        '2026-11-01T04:00:00Z',
        '2026-11-01T04:45:00Z',
        '2026-11-01T05:30:00Z',
        '2026-11-01T06:15:00Z',
        '2026-11-01T07:00:00Z',
      ]);
    });
  });

  it('follows London summer time (09:00 local = 09:00Z, then 08:00Z)', () => {
    const london = availability('Europe/London', [{ days: ['fri', 'mon'], start: '09:00', end: '10:00', slotMinutes: 60 }]);
    const slots = generateSlots(london, range('2026-03-27T00:00:00Z', '2026-03-31T00:00:00Z'));
    expect(starts(slots)).toEqual(['2026-03-27T09:00:00Z', '2026-03-30T08:00:00Z']);
  });

  it('handles a zone that skips and repeats midnight (Santiago)', () => {
    const around = availability('America/Santiago', [
      { days: ['sat'], start: '22:00', end: '24:00', slotMinutes: 60 },
      { days: ['sun'], start: '00:00', end: '02:00', slotMinutes: 60 },
    ]);
    // Fall back: Saturday 2026-04-04 runs from 22:00 to 24:00 over three real hours.
    const fallBack = generateSlots(around, range('2026-04-04T00:00:00Z', '2026-04-06T00:00:00Z'));
    expect(locals(fallBack)).toEqual(['2026-04-04T22:00', '2026-04-04T23:00', '2026-04-04T23:00', '2026-04-05T00:00', '2026-04-05T01:00']);
    expectNoOverlap(fallBack);
    // Spring forward: Sunday 2026-09-06 begins at 01:00, so its 00:00 slot is gone.
    const springForward = generateSlots(around, range('2026-09-05T00:00:00Z', '2026-09-07T00:00:00Z'));
    expect(locals(springForward)).toEqual(['2026-09-05T22:00', '2026-09-05T23:00', '2026-09-06T01:00']);
    expectNoOverlap(springForward);
  });

  describe('exceptions', () => {
    const week = range('2026-03-09T00:00:00Z', '2026-03-14T00:00:00Z'); // Mon–Fri in New York

    it('removes a whole day of leave', () => {
      const slots = generateSlots(availability(NY, [weekdays], [{ date: '2026-03-11', kind: 'unavailable' }]), week);
      expect(slots).toHaveLength(16);
      expect(locals(slots).some((local) => local.startsWith('2026-03-11'))).toBe(false);
    });

    it('removes only the slots that touch a leave window', () => {
      const slots = generateSlots(
        availability(NY, [weekdays], [{ date: '2026-03-11', kind: 'unavailable', start: '09:00', end: '10:00' }]),
        week,
      );
      // 09:40–10:10 touches the leave, so it goes too.
      expect(locals(slots).filter((local) => local.startsWith('2026-03-11'))).toEqual(['2026-03-11T10:20', '2026-03-11T11:00']);
    });

    it('adds extra hours with their own slot length and buffer', () => {
      const slots = generateSlots(
        availability(NY, [weekdays], [{ date: '2026-03-14', kind: 'extra', start: '10:00', end: '11:00', slotMinutes: 20, bufferMinutes: 5 }]),
        range('2026-03-14T00:00:00Z', '2026-03-15T00:00:00Z'),
      );
      expect(slots.map((slot) => [slot.localStart, slot.start, slot.end])).toEqual([
        ['2026-03-14T10:00', '2026-03-14T14:00:00Z', '2026-03-14T14:20:00Z'],
        ['2026-03-14T10:25', '2026-03-14T14:25:00Z', '2026-03-14T14:45:00Z'],
      ]);
    });

    it('replaces a day’s hours with leave plus extra hours', () => {
      const slots = generateSlots(
        availability(NY, [weekdays], [
          { date: '2026-03-11', kind: 'unavailable' },
          { date: '2026-03-11', kind: 'extra', start: '14:00', end: '15:00', slotMinutes: 60 },
        ]),
        range('2026-03-11T00:00:00Z', '2026-03-12T00:00:00Z'),
      );
      expect(locals(slots)).toEqual(['2026-03-11T14:00']);
    });
  });

  describe('now and notice', () => {
    const monday = range('2026-03-09T00:00:00Z', '2026-03-10T00:00:00Z');

    it('leaves out slots that have started', () => {
      const slots = generateSlots(availability(NY, [weekdays]), monday, { now: new Date('2026-03-09T13:50:00Z') });
      expect(starts(slots)).toEqual(['2026-03-09T14:20:00Z', '2026-03-09T15:00:00Z']);
    });

    it('keeps a slot that starts exactly now', () => {
      const slots = generateSlots(availability(NY, [weekdays]), monday, { now: new Date('2026-03-09T14:20:00Z') });
      expect(starts(slots)[0]).toBe('2026-03-09T14:20:00Z');
    });

    it('applies a minimum notice', () => {
      const slots = generateSlots(availability(NY, [weekdays]), monday, { now: new Date('2026-03-09T13:50:00Z'), minNoticeMinutes: 60 });
      expect(starts(slots)).toEqual(['2026-03-09T15:00:00Z']);
    });

    it('refuses a negative or fractional notice', () => {
      expect(() => generateSlots(availability(NY, [weekdays]), monday, { minNoticeMinutes: -1 })).toThrow(ValidationError);
      expect(() => generateSlots(availability(NY, [weekdays]), monday, { minNoticeMinutes: 1.5 })).toThrow(ValidationError);
    });
  });

  it('filters by appointment type', () => {
    const mixed = availability(NY, [
      { ...weekdays, types: ['in-person'] },
      { days: ['mon'], start: '13:00', end: '14:00', slotMinutes: 60, types: ['video', 'telerehab'] },
    ]);
    const monday = range('2026-03-09T00:00:00Z', '2026-03-10T00:00:00Z');
    expect(locals(generateSlots(mixed, monday, { type: 'video' }))).toEqual(['2026-03-09T13:00']);
    expect(generateSlots(mixed, monday, { type: 'in-person' })).toHaveLength(4);
    expect(generateSlots(mixed, monday, { type: 'phone' })).toEqual([]);
    expect(generateSlots(mixed, monday)[0]!.types).toEqual(['in-person']);
  });

  it('includes slots starting at `from` and leaves out those starting at `to`', () => {
    const slots = generateSlots(availability(NY, [weekdays]), range('2026-03-09T13:40:00Z', '2026-03-09T15:00:00Z'));
    expect(starts(slots)).toEqual(['2026-03-09T13:40:00Z', '2026-03-09T14:20:00Z']);
  });

  describe('range limits', () => {
    const fieldsOf = (from: string, to: string): string[] => {
      try {
        generateSlots(availability(NY, [weekdays]), range(from, to));
        return [];
      } catch (error) {
        expect(error).toBeInstanceOf(ValidationError);
        return (error as ValidationError).errors.map((e) => e.field);
      }
    };

    it('accepts up to 62 days', () => {
      expect(fieldsOf('2026-03-01T00:00:00Z', '2026-05-02T00:00:00Z')).toEqual([]);
      expect(generateSlots(availability(NY, [weekdays]), range('2026-03-01T00:00:00Z', '2026-05-02T00:00:00Z'))).toHaveLength(45 * 4);
    });

    it('refuses a longer, empty, reversed or invalid range', () => {
      expect(fieldsOf('2026-03-01T00:00:00Z', '2026-05-02T00:01:00Z')).toEqual(['to']);
      expect(fieldsOf('2026-03-01T00:00:00Z', '2026-03-01T00:00:00Z')).toEqual(['to']);
      expect(fieldsOf('2026-03-02T00:00:00Z', '2026-03-01T00:00:00Z')).toEqual(['to']);
      expect(fieldsOf('not a date', '2026-03-01T00:00:00Z')).toEqual(['from']);
    });
  });

  it('refuses an invalid availability document', () => {
    expect(() => generateSlots(availability('Mars/Olympus_Mons', [weekdays]), range('2026-03-09T00:00:00Z', '2026-03-10T00:00:00Z'))).toThrow(
      ValidationError,
    );
  });

  it('never yields overlapping, duplicate, off-grid or wrong-length slots (random documents, DST zones)', () => {
    const random = seeded(7);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const hhmm = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
    const zones = [NY, 'Europe/London', 'Australia/Lord_Howe', 'America/Santiago', HCM, 'Asia/Kathmandu'];
    const ranges = [
      range('2026-03-01T00:00:00Z', '2026-04-10T00:00:00Z'),
      range('2026-09-05T00:00:00Z', '2026-11-05T00:00:00Z'),
    ];
    let total = 0;
    for (let round = 0; round < 40; round++) {
      // Each rule lives in its own 4-hour band of the day, so the rules never overlap one another.
      const rules: AvailabilityRule[] = [];
      for (let band = 0; band < 6; band++) {
        if (random() < 0.4) continue;
        const start = band * 240 + Math.floor(random() * 24) * 5;
        const end = Math.min(start + 5 + Math.floor(random() * 48) * 5, band * 240 + 240);
        const slotMinutes = 5 * (1 + Math.floor(random() * ((end - start) / 5)));
        rules.push({
          days: WEEKDAYS.filter(() => random() < 0.6),
          start: hhmm(start),
          end: hhmm(end),
          slotMinutes,
          bufferMinutes: 5 * Math.floor(random() * 4),
        });
      }
      const doc = availability(pick(zones), rules.filter((rule) => rule.days.length > 0));
      const window = pick(ranges);
      const slots = generateSlots(doc, window);
      total += slots.length;
      expectNoOverlap(slots);
      const lengths = new Set(doc.rules.map((rule) => rule.slotMinutes * 60_000));
      for (const slot of slots) {
        const startMs = Date.parse(slot.start);
        expect(startMs % (5 * 60_000)).toBe(0);
        expect(lengths.has(Date.parse(slot.end) - startMs)).toBe(true);
        expect(startMs).toBeGreaterThanOrEqual(window.from.getTime());
        expect(startMs).toBeLessThan(window.to.getTime());
      }
      // Every generated slot is bookable at its exact start.
      for (const slot of slots.filter((_, i) => i % 25 === 0)) {
        expect(isBookableStart(doc, new Date(slot.start))).toEqual(slot);
      }
    }
    expect(total).toBeGreaterThan(10_000); // the documents are not trivially empty
  });
});

describe('freeSlots', () => {
  const monday = generateSlots(availability(NY, [weekdays]), range('2026-03-09T00:00:00Z', '2026-03-10T00:00:00Z'));
  // 13:00, 13:40, 14:20, 15:00 UTC, 30 minutes each.

  it('keeps every slot when nothing is busy', () => {
    expect(freeSlots(monday, [])).toEqual(monday);
  });

  it('removes the slots a booking overlaps, and only those', () => {
    expect(starts(freeSlots(monday, [{ start: '2026-03-09T13:00:00Z', end: '2026-03-09T13:30:00Z' }]))).toEqual([
      '2026-03-09T13:40:00Z',
      '2026-03-09T14:20:00Z',
      '2026-03-09T15:00:00Z',
    ]);
  });

  it('treats intervals as half-open: back-to-back and buffer-only bookings free nothing', () => {
    const busy = [
      { start: '2026-03-09T12:30:00Z', end: '2026-03-09T13:00:00Z' },
      { start: '2026-03-09T13:30:00Z', end: '2026-03-09T13:40:00Z' },
      { start: new Date('2026-03-09T15:30:00Z'), end: new Date('2026-03-09T16:00:00Z') },
    ];
    expect(freeSlots(monday, busy)).toEqual(monday);
  });

  it('removes every slot a longer booking from older availability covers', () => {
    const busy = [{ start: new Date('2026-03-09T13:05:00Z'), end: new Date('2026-03-09T14:25:00Z') }];
    expect(starts(freeSlots(monday, busy))).toEqual(['2026-03-09T15:00:00Z']);
  });

  it('refuses an unreadable busy interval', () => {
    expect(() => freeSlots(monday, [{ start: 'later', end: '2026-03-09T14:25:00Z' }])).toThrow(RangeError);
  });
});

describe('isBookableStart', () => {
  const doc = availability(NY, [weekdays], [{ date: '2026-03-11', kind: 'unavailable' }]);

  it('returns the slot, with its end, for an exact slot start', () => {
    expect(isBookableStart(doc, new Date('2026-03-09T13:40:00Z'))).toEqual({
      start: '2026-03-09T13:40:00Z',
      end: '2026-03-09T14:10:00Z',
      timeZone: NY,
      localStart: '2026-03-09T09:40',
      types: ['video', 'phone', 'in-person', 'telerehab'],
    });
  });

  it.each([
    ['off the slot grid', '2026-03-09T13:45:00Z'],
    ['one millisecond late', '2026-03-09T13:40:00.001Z'],
    ['in a buffer', '2026-03-09T13:30:00Z'],
    ['outside the hours', '2026-03-09T16:00:00Z'],
    ['on a weekend', '2026-03-14T13:00:00Z'],
    ['on a day of leave', '2026-03-11T13:00:00Z'],
    ['at the local time but the pre-DST offset', '2026-03-09T14:00:00Z'],
  ])('returns null %s', (_, instant) => {
    expect(isBookableStart(doc, new Date(instant))).toBeNull();
  });

  it('returns null for a start in the past or within the notice, and for a type the slot does not allow', () => {
    const start = new Date('2026-03-09T13:40:00Z');
    expect(isBookableStart(doc, start, { now: new Date('2026-03-09T13:41:00Z') })).toBeNull();
    expect(isBookableStart(doc, start, { now: new Date('2026-03-09T13:00:00Z'), minNoticeMinutes: 60 })).toBeNull();
    expect(isBookableStart(doc, start, { now: new Date('2026-03-09T12:00:00Z'), minNoticeMinutes: 60 })).not.toBeNull();
    const inPerson = availability(NY, [{ ...weekdays, types: ['in-person'] }]);
    expect(isBookableStart(inPerson, start, { type: 'video' })).toBeNull();
    expect(isBookableStart(inPerson, start, { type: 'in-person' })?.end).toBe('2026-03-09T14:10:00Z');
  });

  it('accepts both occurrences of a repeated fall-back time', () => {
    const night = availability(NY, [{ days: ['sun'], start: '01:00', end: '02:00', slotMinutes: 30 }]);
    expect(isBookableStart(night, new Date('2026-11-01T05:00:00Z'))?.localStart).toBe('2026-11-01T01:00');
    expect(isBookableStart(night, new Date('2026-11-01T06:00:00Z'))?.localStart).toBe('2026-11-01T01:00');
  });

  it('returns null for an invalid date', () => {
    expect(isBookableStart(doc, new Date('nope'))).toBeNull();
  });
});
