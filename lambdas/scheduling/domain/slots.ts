import { ValidationError } from '../../shared/errors.js';
import { APPOINTMENT_TYPES, type AppointmentType } from './appointment.js';
import { validateAvailability, type Availability, type AvailabilityException } from './availability.js';
import { addDays, eachLocalDate, formatLocalDateTime, localDateOf, localToUtc, toUtcString, weekdayOf } from './time-zones.js';

export interface Slot {
  /** RFC 3339 UTC, 'YYYY-MM-DDTHH:MM:SSZ'. */
  start: string;
  end: string;
  /** The practitioner's zone, beside the UTC times (CONVENTIONS.md). */
  timeZone: string;
  /** Start on the practitioner's wall clock, 'YYYY-MM-DDTHH:MM'. Repeats in a fall-back hour; `start` never does. */
  localStart: string;
  /** Appointment types the slot may be booked for. */
  types: AppointmentType[];
}

export interface SlotOptions {
  /** Slots starting before now (+ minNoticeMinutes) are left out; without it nothing is filtered. */
  now?: Date;
  minNoticeMinutes?: number;
  /** Only slots that may be booked for this type. */
  type?: AppointmentType;
}

/** Longest search range: about two months of slots keeps responses and CPU small. */
export const MAX_RANGE_DAYS = 62;

const MINUTE_MS = 60_000;

interface Interval {
  startMs: number;
  endMs: number;
}

/**
 * Slots of one wall-clock window on one local date. The window's bounds go through `localToUtc` (the first instant
 * the clock reads that time), then slots are laid out in real time: slot, buffer, next slot, while a slot still
 * ends by the window's end. So on a DST night:
 *   - spring forward: times the clock skips get no slots (01:00–04:00 in New York on 2026-03-08 at 30 minutes gives
 *     01:00, 01:30, 03:00, 03:30); a window entirely inside the gap gives none;
 *   - fall back: the repeated hour is worked twice, so both occurrences get slots (01:00–02:00 on 2026-11-01 gives
 *     01:00 EDT, 01:30 EDT, 01:00 EST, 01:30 EST: four distinct UTC starts, same local labels).
 * Slots never overlap and are never duplicated: each lies inside its window's UTC image, and windows that do not
 * overlap on the wall clock (validation) have UTC images that do not overlap.
 */
function windowSlots(
  timeZone: string,
  date: string,
  start: string,
  end: string,
  slotMinutes: number,
  bufferMinutes: number,
): Interval[] {
  const windowStart = localToUtc(date, start, timeZone).getTime();
  const windowEnd = localToUtc(date, end, timeZone).getTime();
  const slots: Interval[] = [];
  for (let t = windowStart; t + slotMinutes * MINUTE_MS <= windowEnd; t += (slotMinutes + bufferMinutes) * MINUTE_MS) {
    slots.push({ startMs: t, endMs: t + slotMinutes * MINUTE_MS });
  }
  return slots;
}

function exceptionWindow(timeZone: string, exception: AvailabilityException): Interval {
  return {
    startMs: localToUtc(exception.date, exception.start ?? '00:00', timeZone).getTime(),
    endMs: localToUtc(exception.date, exception.end ?? '24:00', timeZone).getTime(),
  };
}

function intervalsOverlap(a: Interval, b: Interval): boolean {
  return a.startMs < b.endMs && b.startMs < a.endMs;
}

function checkRange(range: { from: Date; to: Date }): { fromMs: number; toMs: number } {
  const fromMs = range.from instanceof Date ? range.from.getTime() : Number.NaN;
  const toMs = range.to instanceof Date ? range.to.getTime() : Number.NaN;
  const errors = [];
  if (Number.isNaN(fromMs)) errors.push({ field: 'from', message: 'must be a date-time' });
  if (Number.isNaN(toMs)) errors.push({ field: 'to', message: 'must be a date-time' });
  if (errors.length === 0 && toMs <= fromMs) errors.push({ field: 'to', message: 'must be after from' });
  if (errors.length === 0 && toMs - fromMs > MAX_RANGE_DAYS * 24 * 60 * MINUTE_MS) {
    errors.push({ field: 'to', message: `must be at most ${MAX_RANGE_DAYS} days after from` });
  }
  if (errors.length > 0) throw new ValidationError('invalid slot range', errors);
  return { fromMs, toMs };
}

/**
 * Bookable slots whose start lies in [range.from, range.to), sorted by start: weekly rules, minus leave, plus
 * extra hours (see availability.ts), in UTC with the practitioner's zone. Throws ValidationError for an invalid
 * document or a range that is empty or longer than MAX_RANGE_DAYS.
 */
export function generateSlots(availability: Availability, range: { from: Date; to: Date }, options: SlotOptions = {}): Slot[] {
  const { fromMs, toMs } = checkRange(range);
  const { timeZone, rules, exceptions } = validateAvailability(availability);
  const notice = options.minNoticeMinutes ?? 0;
  if (!Number.isInteger(notice) || notice < 0) {
    throw new ValidationError('invalid slot options', [{ field: 'minNoticeMinutes', message: 'must be a whole number of minutes, 0 or more' }]);
  }
  let earliestMs = fromMs;
  if (options.now !== undefined && Number.isNaN(options.now.getTime())) throw new RangeError('invalid now');
  if (options.now !== undefined) earliestMs = Math.max(earliestMs, options.now.getTime() + notice * MINUTE_MS);

  const exceptionsByDate = new Map<string, AvailabilityException[]>();
  for (const exception of exceptions) {
    exceptionsByDate.set(exception.date, [...(exceptionsByDate.get(exception.date) ?? []), exception]);
  }

  // A local date's windows may start before or end after its UTC midnight (zones run from -12 to +14 hours),
  // so look one local date beyond each end of the range and filter on the instant afterwards.
  const dates = eachLocalDate(
    addDays(localDateOf(new Date(fromMs), timeZone), -1),
    addDays(localDateOf(new Date(toMs), timeZone), 1),
  );
  const collected: Array<Interval & { types: AppointmentType[] }> = [];
  for (const date of dates) {
    const weekday = weekdayOf(date);
    const dayExceptions = exceptionsByDate.get(date) ?? [];
    const leave = dayExceptions.filter((e) => e.kind === 'unavailable').map((e) => exceptionWindow(timeZone, e));
    for (const rule of rules) {
      if (!rule.days.includes(weekday)) continue;
      const types = rule.types ? [...rule.types] : [...APPOINTMENT_TYPES];
      for (const slot of windowSlots(timeZone, date, rule.start, rule.end, rule.slotMinutes, rule.bufferMinutes ?? 0)) {
        if (!leave.some((away) => intervalsOverlap(slot, away))) collected.push({ ...slot, types });
      }
    }
    for (const extra of dayExceptions) {
      if (extra.kind !== 'extra') continue;
      // Validation guarantees start, end and slotMinutes on extra hours.
      for (const slot of windowSlots(timeZone, date, extra.start!, extra.end!, extra.slotMinutes!, extra.bufferMinutes ?? 0)) {
        collected.push({ ...slot, types: [...APPOINTMENT_TYPES] });
      }
    }
  }

  return collected
    .filter((slot) => slot.startMs >= earliestMs && slot.startMs < toMs)
    .filter((slot) => options.type === undefined || slot.types.includes(options.type))
    .sort((a, b) => a.startMs - b.startMs)
    .map((slot) => ({
      start: toUtcString(new Date(slot.startMs)),
      end: toUtcString(new Date(slot.endMs)),
      timeZone,
      localStart: formatLocalDateTime(new Date(slot.startMs), timeZone),
      types: slot.types,
    }));
}

export interface BusyInterval {
  start: string | Date;
  end: string | Date;
}

/**
 * The slots that overlap no busy interval (existing appointments, whatever their length). Intervals are half-open,
 * so an appointment ending at 09:30 leaves a 09:30 slot free.
 */
export function freeSlots<T extends { start: string; end: string }>(slots: readonly T[], busy: readonly BusyInterval[]): T[] {
  const taken = busy.map((interval) => {
    const startMs = new Date(interval.start).getTime();
    const endMs = new Date(interval.end).getTime();
    if (Number.isNaN(startMs) || Number.isNaN(endMs)) throw new RangeError('invalid busy interval');
    return { startMs, endMs };
  });
  return slots.filter((slot) => {
    const own = { startMs: Date.parse(slot.start), endMs: Date.parse(slot.end) };
    return !taken.some((interval) => intervalsOverlap(own, interval));
  });
}

/**
 * The generated slot starting exactly at `start`, or null: a booking must match a slot (same instant, to the
 * millisecond), and the slot gives its end. `options` filter as in generateSlots (type, now + notice).
 */
export function isBookableStart(availability: Availability, start: Date, options: SlotOptions = {}): Slot | null {
  const startMs = start.getTime();
  if (Number.isNaN(startMs)) return null;
  const [slot] = generateSlots(availability, { from: start, to: new Date(startMs + 1) }, options);
  return slot !== undefined && Date.parse(slot.start) === startMs ? slot : null;
}
