import { ValidationError, type FieldError } from '../../shared/errors.js';
import { isAppointmentType, type AppointmentType } from './appointment.js';
import {
  WEEKDAYS,
  isValidLocalDate,
  isValidLocalTime,
  isValidTimeZone,
  minutesOfDay,
  weekdayOf,
  type Weekday,
} from './time-zones.js';

export type { Weekday } from './time-zones.js';

/**
 * A practitioner's availability, in their own zone.
 *
 * Times are 'HH:MM' on the wall clock; a window is [start, end) within one local date ('24:00' ends it at
 * midnight; a night shift is two rules). Every time and length is a multiple of 5 minutes so that slots sit on
 * the 5-minute lock buckets exactly (appointment.ts, slotLockKeys).
 *
 * Exceptions apply per local date, in this order: weekly rules, minus `unavailable` (whole day, or a start/end
 * window: rule slots that touch it are dropped), plus `extra` hours (their own slot length and buffer). Leave never
 * removes extra hours, so leave plus extra hours on the same date replaces that day's hours (for example other
 * times or another slot length). Extra hours may not overlap weekly hours that still stand after leave.
 */
export interface AvailabilityRule {
  days: Weekday[];
  start: string;
  end: string;
  slotMinutes: number;
  bufferMinutes?: number;
  /** Appointment types these slots may be booked for; all types when absent. */
  types?: AppointmentType[];
}

export interface AvailabilityException {
  date: string;
  kind: 'unavailable' | 'extra';
  /** Optional for `unavailable` (absent = whole day, else both), required for `extra`. */
  start?: string;
  end?: string;
  /** `extra` only: required slot length, optional buffer. */
  slotMinutes?: number;
  bufferMinutes?: number;
}

export interface Availability {
  timeZone: string;
  rules: AvailabilityRule[];
  exceptions: AvailabilityException[];
}

export const SLOT_MINUTES = { min: 5, max: 480 } as const;
export const BUFFER_MINUTES = { min: 0, max: 240 } as const;
export const MAX_RULES = 50;
export const MAX_EXCEPTIONS = 500;
/** Grid every time and length must sit on (the lock-key granularity). */
export const MINUTE_STEP = 5;

interface Window {
  start: number;
  end: number;
}

const DAY_END = 24 * 60;

function overlaps(a: Window, b: Window): boolean {
  return a.start < b.end && b.start < a.end;
}

/** True when `target` lies entirely inside the union of `cover`. */
function isCovered(target: Window, cover: Window[]): boolean {
  let reached = target.start;
  for (const piece of [...cover].sort((a, b) => a.start - b.start)) {
    if (piece.start > reached) break;
    reached = Math.max(reached, piece.end);
    if (reached >= target.end) return true;
  }
  return reached >= target.end;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class Collector {
  readonly errors: FieldError[] = [];
  add(field: string, message: string): void {
    this.errors.push({ field, message });
  }
}

/** Checks a 'HH:MM' on the 5-minute grid; returns minutes of the day, or undefined after recording an error. */
function checkTime(errors: Collector, field: string, value: unknown, isEnd: boolean): number | undefined {
  if (!isValidLocalTime(value, isEnd)) {
    errors.add(field, isEnd ? 'must be a time HH:MM from 00:05 to 24:00' : 'must be a time HH:MM from 00:00 to 23:55');
    return undefined;
  }
  const minutes = minutesOfDay(value);
  if (minutes % MINUTE_STEP !== 0) {
    errors.add(field, `must be on a ${MINUTE_STEP}-minute boundary`);
    return undefined;
  }
  return minutes;
}

function checkMinutes(
  errors: Collector,
  field: string,
  value: unknown,
  bounds: { readonly min: number; readonly max: number },
): number | undefined {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < bounds.min || value > bounds.max) {
    errors.add(field, `must be a whole number of minutes from ${bounds.min} to ${bounds.max}`);
    return undefined;
  }
  if (value % MINUTE_STEP !== 0) {
    errors.add(field, `must be a multiple of ${MINUTE_STEP}`);
    return undefined;
  }
  return value;
}

/** Start/end of a window; records errors and returns undefined when unusable. */
function checkWindow(errors: Collector, path: string, start: unknown, end: unknown): Window | undefined {
  const s = checkTime(errors, `${path}.start`, start, false);
  const e = checkTime(errors, `${path}.end`, end, true);
  if (s === undefined || e === undefined) return undefined;
  if (e <= s) {
    errors.add(`${path}.end`, 'must be after start');
    return undefined;
  }
  return { start: s, end: e };
}

function checkSlotFits(errors: Collector, path: string, window: Window | undefined, slot: number | undefined): void {
  if (window !== undefined && slot !== undefined && slot > window.end - window.start) {
    errors.add(`${path}.slotMinutes`, 'must not be longer than the window');
  }
}

interface CheckedRule {
  index: number;
  days: Set<Weekday>;
  window: Window;
}

function checkRules(errors: Collector, rules: unknown): CheckedRule[] {
  if (!Array.isArray(rules)) {
    errors.add('rules', 'must be a list');
    return [];
  }
  if (rules.length > MAX_RULES) {
    errors.add('rules', `must have at most ${MAX_RULES} entries`);
    return [];
  }
  const checked: CheckedRule[] = [];
  rules.forEach((rule: unknown, index) => {
    const path = `rules[${index}]`;
    if (!isPlainObject(rule)) {
      errors.add(path, 'must be an object');
      return;
    }
    const days = new Set<Weekday>();
    let daysValid = true;
    if (!Array.isArray(rule.days) || rule.days.length === 0) {
      errors.add(`${path}.days`, 'must list at least one weekday');
      daysValid = false;
    } else {
      rule.days.forEach((day: unknown, d) => {
        if (!(WEEKDAYS as readonly unknown[]).includes(day)) {
          errors.add(`${path}.days[${d}]`, 'must be one of mon, tue, wed, thu, fri, sat, sun');
          daysValid = false;
        } else if (days.has(day as Weekday)) {
          errors.add(`${path}.days[${d}]`, 'is listed twice');
        } else {
          days.add(day as Weekday);
        }
      });
    }
    const window = checkWindow(errors, path, rule.start, rule.end);
    const slot = checkMinutes(errors, `${path}.slotMinutes`, rule.slotMinutes, SLOT_MINUTES);
    if (rule.bufferMinutes !== undefined) checkMinutes(errors, `${path}.bufferMinutes`, rule.bufferMinutes, BUFFER_MINUTES);
    checkSlotFits(errors, path, window, slot);
    if (rule.types !== undefined) {
      if (!Array.isArray(rule.types) || rule.types.length === 0) {
        errors.add(`${path}.types`, 'must list at least one appointment type when present');
      } else {
        const seen = new Set<unknown>();
        rule.types.forEach((type: unknown, t) => {
          if (!isAppointmentType(type)) errors.add(`${path}.types[${t}]`, 'must be one of video, phone, in-person, telerehab');
          else if (seen.has(type)) errors.add(`${path}.types[${t}]`, 'is listed twice');
          seen.add(type);
        });
      }
    }
    if (daysValid && window !== undefined) checked.push({ index, days, window });
  });

  // A practitioner is in one place at a time: two rules may not share time on a weekday, whatever their types.
  for (let j = 0; j < checked.length; j++) {
    const later = checked[j]!;
    const earlier = checked
      .slice(0, j)
      .find((other) => overlaps(other.window, later.window) && [...later.days].some((day) => other.days.has(day)));
    if (earlier !== undefined) errors.add(`rules[${later.index}]`, `overlaps rules[${earlier.index}] on a shared weekday`);
  }
  return checked;
}

interface CheckedException {
  index: number;
  date: string;
  kind: 'unavailable' | 'extra';
  window: Window;
}

function checkExceptions(errors: Collector, exceptions: unknown, rules: CheckedRule[]): void {
  if (!Array.isArray(exceptions)) {
    errors.add('exceptions', 'must be a list');
    return;
  }
  if (exceptions.length > MAX_EXCEPTIONS) {
    errors.add('exceptions', `must have at most ${MAX_EXCEPTIONS} entries`);
    return;
  }
  const checked: CheckedException[] = [];
  exceptions.forEach((exception: unknown, index) => {
    const path = `exceptions[${index}]`;
    if (!isPlainObject(exception)) {
      errors.add(path, 'must be an object');
      return;
    }
    const dateValid = isValidLocalDate(exception.date);
    if (!dateValid) errors.add(`${path}.date`, 'must be a calendar date YYYY-MM-DD');
    let window: Window | undefined;
    if (exception.kind === 'unavailable') {
      if (exception.start === undefined && exception.end === undefined) {
        window = { start: 0, end: DAY_END };
      } else if (exception.start === undefined || exception.end === undefined) {
        errors.add(`${path}.${exception.start === undefined ? 'start' : 'end'}`, 'start and end go together (omit both for the whole day)');
      } else {
        window = checkWindow(errors, path, exception.start, exception.end);
      }
      for (const field of ['slotMinutes', 'bufferMinutes'] as const) {
        if (exception[field] !== undefined) errors.add(`${path}.${field}`, 'is only allowed for extra hours');
      }
    } else if (exception.kind === 'extra') {
      for (const field of ['start', 'end', 'slotMinutes'] as const) {
        if (exception[field] === undefined) errors.add(`${path}.${field}`, 'is required for extra hours');
      }
      if (exception.start !== undefined && exception.end !== undefined) {
        window = checkWindow(errors, path, exception.start, exception.end);
      }
      const slot =
        exception.slotMinutes === undefined
          ? undefined
          : checkMinutes(errors, `${path}.slotMinutes`, exception.slotMinutes, SLOT_MINUTES);
      if (exception.bufferMinutes !== undefined) {
        checkMinutes(errors, `${path}.bufferMinutes`, exception.bufferMinutes, BUFFER_MINUTES);
      }
      checkSlotFits(errors, path, window, slot);
    } else {
      errors.add(`${path}.kind`, 'must be unavailable or extra');
    }
    if (dateValid && window !== undefined) {
      checked.push({ index, date: exception.date as string, kind: exception.kind as 'unavailable' | 'extra', window });
    }
  });

  const byDate = new Map<string, CheckedException[]>();
  for (const exception of checked) {
    const sameDate = byDate.get(exception.date) ?? [];
    // Leave and extra hours may overlap (extra hours replace the leave's time); two of a kind may not.
    const clash = sameDate.find((other) => other.kind === exception.kind && overlaps(other.window, exception.window));
    if (clash !== undefined) errors.add(`exceptions[${exception.index}]`, `duplicates or overlaps exceptions[${clash.index}]`);
    sameDate.push(exception);
    byDate.set(exception.date, sameDate);
  }

  // Extra hours must not land on weekly hours that still stand on that date, or slots would overlap.
  for (const extra of checked.filter((exception) => exception.kind === 'extra')) {
    const weekday = weekdayOf(extra.date);
    const leave = (byDate.get(extra.date) ?? []).filter((exception) => exception.kind === 'unavailable').map((e) => e.window);
    const rule = rules.find((candidate) => {
      if (!candidate.days.has(weekday) || !overlaps(candidate.window, extra.window)) return false;
      const shared = {
        start: Math.max(candidate.window.start, extra.window.start),
        end: Math.min(candidate.window.end, extra.window.end),
      };
      return !isCovered(shared, leave);
    });
    if (rule !== undefined) {
      errors.add(`exceptions[${extra.index}]`, `overlaps the weekly hours of rules[${rule.index}] (add leave for them first)`);
    }
  }
}

/** Every problem in an availability document, as field paths (`rules[1].end`). Messages never echo values. */
export function availabilityErrors(doc: unknown): FieldError[] {
  const errors = new Collector();
  if (!isPlainObject(doc)) {
    errors.add('', 'must be an object');
    return errors.errors;
  }
  if (!isValidTimeZone(doc.timeZone)) errors.add('timeZone', 'must be an IANA time zone name such as Europe/London');
  const rules = checkRules(errors, doc.rules);
  checkExceptions(errors, doc.exceptions, rules);
  return errors.errors;
}

/** Returns the document typed, or throws ValidationError (400) listing every problem. */
export function validateAvailability(doc: unknown): Availability {
  const errors = availabilityErrors(doc);
  if (errors.length > 0) throw new ValidationError('invalid availability', errors);
  return doc as Availability;
}
