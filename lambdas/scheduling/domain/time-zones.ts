/**
 * Wall-clock ↔ UTC conversion in IANA zones, built on `Intl.DateTimeFormat` only.
 *
 * Local values are plain strings so they can be stored and compared as-is:
 *   LocalDate 'YYYY-MM-DD', LocalTime 'HH:MM' ('24:00' = midnight ending the date), local date-time 'YYYY-MM-DDTHH:MM'.
 *
 * Daylight-saving rule used everywhere in scheduling (`localToUtc`): a wall-clock time maps to the FIRST instant at
 * which the zone's clock reads that time or later.
 *   - Spring forward (gap, e.g. 02:30 on 2026-03-08 in America/New_York does not exist): the instant the clock
 *     jumps over it (03:00 EDT = 07:00Z).
 *   - Fall back (overlap, e.g. 01:30 on 2026-11-01 in America/New_York happens twice): the first occurrence
 *     (01:30 EDT = 05:30Z).
 * This mapping never decreases as the wall-clock time increases, so wall-clock windows that do not overlap map to
 * UTC intervals that do not overlap; slots.ts relies on that. `resolveLocal` exposes every occurrence for callers
 * that need them.
 */

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

export const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const LOCAL_TIME = /^(\d{2}):(\d{2})$/;
// IANA names are case-sensitive identifiers ('America/New_York'); Intl also accepts 'america/new_york' and
// offsets in some runtimes, which would let one zone be stored under many spellings.
const ZONE_NAME = /^[A-Z][A-Za-z0-9_+-]*(?:\/[A-Z][A-Za-z0-9_+-]*)*$/;

/** True for an IANA zone name known to the runtime's ICU data, e.g. 'Asia/Ho_Chi_Minh', 'UTC'. */
export function isValidTimeZone(name: unknown): name is string {
  if (typeof name !== 'string' || name.length > 64 || !ZONE_NAME.test(name)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

// Building a formatter is far slower than using one; only zones that passed Intl are cached, so the map stays
// bounded by the zone names the runtime knows.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    if (!isValidTimeZone(timeZone)) throw new RangeError('invalid time zone');
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The zone's wall clock at `epochMs`, expressed as if it were a UTC timestamp (seconds precision). */
function wallClockMs(epochMs: number, timeZone: string): number {
  const fields: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(epochMs)) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  return Date.UTC(fields.year!, fields.month! - 1, fields.day!, fields.hour!, fields.minute!, fields.second!);
}

function assertInstant(instant: Date): number {
  const ms = instant.getTime();
  if (Number.isNaN(ms)) throw new RangeError('invalid date');
  return ms;
}

/** Offset of the zone from UTC at that instant, in minutes (New York in winter: -300). */
export function utcOffsetMinutes(instant: Date, timeZone: string): number {
  const ms = assertInstant(instant);
  const whole = Math.floor(ms / 1000) * 1000; // the formatter drops milliseconds
  return Math.round((wallClockMs(whole, timeZone) - whole) / MINUTE_MS);
}

// ---- local calendar values -------------------------------------------------------------------------------------

export function isValidLocalDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = LOCAL_DATE.exec(value);
  if (match === null) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  // Date.UTC rolls 2026-02-30 over into March; a round trip catches it.
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** 'HH:MM' from 00:00 to 23:59; with `allowEndOfDay`, also '24:00' (the end of a window that runs to midnight). */
export function isValidLocalTime(value: unknown, allowEndOfDay = false): value is string {
  if (typeof value !== 'string') return false;
  const match = LOCAL_TIME.exec(value);
  if (match === null) return false;
  const [hour, minute] = [Number(match[1]), Number(match[2])];
  if (hour === 24 && minute === 0) return allowEndOfDay;
  return hour < 24 && minute < 60;
}

/** Minutes since local midnight: '09:30' → 570, '24:00' → 1440. Expects a valid LocalTime. */
export function minutesOfDay(time: string): number {
  if (!isValidLocalTime(time, true)) throw new RangeError('invalid local time');
  return Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
}

function dateMs(date: string): number {
  if (!isValidLocalDate(date)) throw new RangeError('invalid local date');
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)));
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

/** Formats a wall-clock value held in a UTC-based timestamp. */
function formatWall(wallMs: number): { date: string; time: string } {
  const d = new Date(wallMs);
  return {
    date: `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`,
    time: `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`,
  };
}

/** The calendar weekday of a local date (the same in every zone). */
export function weekdayOf(date: string): Weekday {
  // getUTCDay: 0 = Sunday.
  return WEEKDAYS[(new Date(dateMs(date)).getUTCDay() + 6) % 7]!;
}

export function addDays(date: string, days: number): string {
  return formatWall(dateMs(date) + days * DAY_MS).date;
}

/** Every local date from `from` to `to`, both included; empty when `to` is before `from`. */
export function eachLocalDate(from: string, to: string): string[] {
  const dates: string[] = [];
  for (let ms = dateMs(from), end = dateMs(to); ms <= end; ms += DAY_MS) dates.push(formatWall(ms).date);
  return dates;
}

// ---- instant ↔ wall clock --------------------------------------------------------------------------------------

/** The zone's wall clock at an instant (seconds dropped). */
export function utcToLocal(instant: Date, timeZone: string): { date: string; time: string } {
  return formatWall(wallClockMs(Math.floor(assertInstant(instant) / 1000) * 1000, timeZone));
}

/** 'YYYY-MM-DDTHH:MM' on the zone's wall clock. */
export function formatLocalDateTime(instant: Date, timeZone: string): string {
  const { date, time } = utcToLocal(instant, timeZone);
  return `${date}T${time}`;
}

export function localDateOf(instant: Date, timeZone: string): string {
  return utcToLocal(instant, timeZone).date;
}

/** RFC 3339 UTC without fractional seconds: '2026-03-09T13:00:00Z'. */
export function toUtcString(instant: Date): string {
  assertInstant(instant);
  return instant.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function localWallMs(date: string, time: string): number {
  return dateMs(date) + minutesOfDay(time) * MINUTE_MS;
}

/** Offsets (ms) the zone may have around a wall-clock time; one per side of any nearby transition. */
function nearbyOffsetsMs(wallMs: number, timeZone: string): number[] {
  // Offsets are under a day in size, so the zone's state a day either side of the naive instant covers the
  // transition (if any) affecting this wall-clock time.
  const offsets = new Set<number>();
  for (const probe of [wallMs - DAY_MS, wallMs, wallMs + DAY_MS]) offsets.add(wallClockMs(probe, timeZone) - probe);
  return [...offsets];
}

/**
 * Every instant at which the zone's clock reads `date time`, earliest first: none in a spring-forward gap, two in a
 * fall-back overlap, otherwise one.
 */
export function resolveLocal(date: string, time: string, timeZone: string): Date[] {
  const wall = localWallMs(date, time);
  return nearbyOffsetsMs(wall, timeZone)
    .map((offset) => wall - offset)
    .filter((candidate) => wallClockMs(candidate, timeZone) === wall)
    .sort((a, b) => a - b)
    .map((ms) => new Date(ms));
}

/**
 * The first instant at which the zone's clock reads `date time` or later (see the DST rule at the top of this file).
 * `time` may be '24:00', meaning midnight at the start of the next date.
 */
export function localToUtc(date: string, time: string, timeZone: string): Date {
  const occurrences = resolveLocal(date, time, timeZone);
  if (occurrences.length > 0) return occurrences[0]!;

  // In a gap: before the jump the clock reads earlier than `wall`, after it later. Binary search, to the second,
  // for the jump between the two candidate instants.
  const wall = localWallMs(date, time);
  const offsets = nearbyOffsetsMs(wall, timeZone);
  let before = wall - Math.max(...offsets); // clock still reads earlier than wall here
  let after = wall - Math.min(...offsets); // and later here
  while (after - before > 1000) {
    const middle = before + Math.floor((after - before) / 2000) * 1000;
    if (wallClockMs(middle, timeZone) >= wall) after = middle;
    else before = middle;
  }
  return new Date(after);
}
