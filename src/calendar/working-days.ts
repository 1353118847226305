/**
 * Delays for timer-style fires: "3 working days after `$modified`", "2 hours after the
 * due date". A delay is an amount in one {@link DelayUnit}, read against a
 * {@link WorkingCalendar} (a time zone, the weekend days, a list of holidays).
 *
 * Vocabulary: a *working day* is a local date in the calendar's zone that is neither a
 * weekend day nor a holiday; a *wall time* is a local date and time (see civil.ts).
 * Minutes and hours are elapsed time; days and working days move the date and keep the
 * wall-clock time. The full rules, with examples, are in `docs/working-days.md`.
 */
import { DAY, daysFromCivil, daysInMonth, HOUR, MINUTE, weekdayOfDays } from "./civil.js";
import { invalidAs } from "./trigger-error.js";

const invalid = (field: string, text: string, reason: string, allowed?: string): never =>
  invalidAs("invalidDelay", field, text, reason, allowed);

import { Zone } from "./zone.js";

export const DELAY_UNITS = ["minutes", "hours", "days", "workingDays"] as const;
export type DelayUnit = (typeof DELAY_UNITS)[number];

/** Which local dates are working days, and in which zone dates are read. */
export interface WorkingCalendar {
  /** IANA zone in which dates, weekends and holidays are read; default `UTC`. */
  readonly timeZone?: string;
  /** Days of the week that are not worked, 0 = Sunday … 6 = Saturday; default `[0, 6]`. */
  readonly weekend?: readonly number[];
  /** Local dates that are not worked, as `YYYY-MM-DD`; default none. */
  readonly holidays?: readonly string[];
}

/** A calendar after validation, in the form the arithmetic wants. */
interface CheckedCalendar {
  readonly zone: Zone;
  /** Bit `w` set when day of week `w` is a weekend day. */
  readonly weekendMask: number;
  readonly workdaysPerWeek: number;
  /** Day numbers of the holidays that fall on weekdays, ascending, without repeats. */
  readonly holidays: readonly number[];
}

const DEFAULT_WEEKEND = [0, 6] as const;
// Date's own limit: ±100,000,000 days around 1970.
const MAX_INSTANT = 8.64e15;
// Keeps every wall time handed to Zone a safe distance inside Date's range, where ICU answers.
const MAX_WALL = MAX_INSTANT - 2 * DAY;
const MONTH_NAMES = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];
const DATE_FORMAT = "YYYY-MM-DD, for example 2026-12-25";

/**
 * Adds a delay to an instant.
 *
 * - `minutes`, `hours`: elapsed time; a DST change in between does not matter.
 * - `days`: calendar days in the zone, keeping the wall-clock time, so one day across a
 *   spring-forward is 23 hours.
 * - `workingDays`: the wall-clock time on the working day `amount` places after the first
 *   working day on or after the start's date. A start on a working day therefore lands
 *   `amount` working days later (Friday + 1 = Monday), and a start on a weekend or holiday
 *   counts from the next working day (Saturday + 1 = Tuesday), as workflow engines do.
 *   `0` moves a start on a non-working day to the next working day and leaves any other
 *   start as it is. A negative amount is the mirror image: Sunday − 1 = Thursday.
 *
 * Where the resulting wall time does not exist (a spring-forward gap) it moves forward by
 * the length of the gap (02:30 → 03:30); where it exists twice (fall back) the earlier
 * instant is taken. The calendar is validated on every call, whatever the unit.
 *
 * @param from the start: a `Date` or milliseconds since 1970-01-01T00:00Z.
 * @param amount a whole number; negative counts backwards.
 * @throws TriggerError naming the field at fault (`from`, `amount`, `unit`, `timeZone`,
 *   `weekend[i]`, `holidays[i]`), or `amount` when the result is beyond `Date`'s range.
 * @example
 * // Friday 2026-03-27 17:30 in London, 5 working days later, over Easter:
 * addDelay(new Date("2026-03-27T17:30:00Z"), 5, "workingDays", {
 *   timeZone: "Europe/London",
 *   holidays: ["2026-04-03", "2026-04-06"],
 * }); // 2026-04-07T16:30:00.000Z: Tuesday 17:30 BST
 */
export function addDelay(
  from: Date | number,
  amount: number,
  unit: DelayUnit,
  calendar: WorkingCalendar = {},
): Date {
  const start = instantOf(from);
  validateDelay(amount, unit);
  const checked = checkCalendar(calendar);
  switch (unit) {
    case "minutes":
      return dateWithin(start + amount * MINUTE, amount);
    case "hours":
      return dateWithin(start + amount * HOUR, amount);
    case "days": {
      const wall = checked.zone.wallAt(start);
      return amount === 0 ? new Date(start) : atWall(checked.zone, wall + amount * DAY, amount);
    }
    case "workingDays": {
      // Any result would be more than |amount| days away, and Date spans 2e8 days.
      if (Math.abs(amount) > 2e8) outOfRange(amount);
      const wall = checked.zone.wallAt(start);
      const day = Math.floor(wall / DAY);
      // "amount places after the first working day on or after `day`" is the
      // (amount + 1)-th working day counted from the day before; backwards mirrors it.
      const target =
        amount >= 0
          ? nthWorkingDay(checked, day - 1, amount + 1, 1)
          : nthWorkingDay(checked, day + 1, 1 - amount, -1);
      // Re-resolving the same wall time could move a start in a repeated hour to its first copy.
      if (target === day) return new Date(start);
      return atWall(checked.zone, wall + (target - day) * DAY, amount);
    }
  }
}

/**
 * Whether the local date of `instant`, in the calendar's zone, is a working day.
 * @throws TriggerError naming the field at fault, as {@link addDelay} does.
 * @example
 * // 20:00 UTC on Friday 2 January 2026 is already Saturday 01:45 in Kathmandu:
 * isWorkingDay(Date.UTC(2026, 0, 2, 20), { timeZone: "Asia/Kathmandu" }); // false
 * isWorkingDay(Date.UTC(2026, 0, 2, 20)); // true (UTC)
 */
export function isWorkingDay(instant: Date | number, calendar: WorkingCalendar = {}): boolean {
  const at = instantOf(instant, "instant");
  const checked = checkCalendar(calendar);
  return isWorking(checked, Math.floor(checked.zone.wallAt(at) / DAY));
}

/**
 * Checks a delay when it is saved, so that a bad one is refused then rather than when it
 * is due. Accepts exactly what {@link addDelay} accepts (the range of the result aside,
 * which depends on the start).
 * @throws TriggerError naming the field at fault: `amount`, `unit`, `timeZone`,
 *   `weekend[i]` or `holidays[i]`.
 * @example
 * validateDelay(3, "workingDays", { holidays: ["2026-02-30"] });
 * // throws: holidays[0]: "2026-02-30" is not a date (February 2026 has 28 days), expected YYYY-MM-DD, …
 */
export function validateDelay(amount: number, unit: DelayUnit, calendar?: WorkingCalendar): void {
  if (typeof unit !== "string" || !(DELAY_UNITS as readonly string[]).includes(unit)) {
    invalid("unit", String(unit), "is not a delay unit, expected one of", DELAY_UNITS.join(", "));
  }
  if (typeof amount !== "number" || !Number.isSafeInteger(amount)) {
    invalid(
      "amount",
      String(amount),
      "is not a whole number, expected",
      "an integer such as 3, 0 or -2",
    );
  }
  if (calendar !== undefined) checkCalendar(calendar);
}

function instantOf(value: Date | number, field = "from"): number {
  const ms = value instanceof Date ? value.getTime() : value;
  if (typeof ms !== "number" || !Number.isFinite(ms) || Math.abs(ms) > MAX_INSTANT) {
    invalid(
      field,
      String(value),
      "is not an instant, expected",
      "a valid Date or milliseconds since 1970",
    );
  }
  return ms;
}

function outOfRange(amount: number): never {
  return invalid(
    "amount",
    String(amount),
    "puts the result outside the dates JavaScript can represent, expected",
    "a result between the years -271821 and 275760",
  );
}

function dateWithin(instant: number, amount: number): Date {
  if (!(Math.abs(instant) <= MAX_INSTANT)) outOfRange(amount);
  return new Date(instant);
}

/** The instant the zone's clocks show `wall`: a gap moves forward, an overlap takes the first. */
function atWall(zone: Zone, wall: number, amount: number): Date {
  if (!(Math.abs(wall) <= MAX_WALL)) outOfRange(amount);
  const { instants, before } = zone.instantsOfWall(wall);
  // In a gap the clocks still read the old offset, which moves the time forward by the gap.
  return dateWithin(instants[0] ?? wall - before, amount);
}

function isWorking(calendar: CheckedCalendar, day: number): boolean {
  if ((calendar.weekendMask >> weekdayOfDays(day)) & 1) return false;
  const holidays = calendar.holidays;
  const i = firstAtLeast(holidays, day);
  return holidays[i] !== day;
}

/**
 * The `need`-th (≥ 1) working day strictly after `start` in direction `step`.
 *
 * Jumps whole weeks counting weekdays only, then walks back in the holidays it jumped
 * over; each round consumes at least one holiday, so it takes at most (holidays + 1)
 * rounds whatever `need` is.
 */
function nthWorkingDay(
  calendar: CheckedCalendar,
  start: number,
  need: number,
  step: 1 | -1,
): number {
  let from = start;
  let left = need;
  for (;;) {
    const day = nthWeekday(calendar, from, left, step);
    const missed =
      step > 0
        ? countWithin(calendar.holidays, from + 1, day)
        : countWithin(calendar.holidays, day, from - 1);
    if (missed === 0) return day;
    from = day;
    left = missed;
  }
}

/** The `need`-th (≥ 1) day after `start` in direction `step` that is not a weekend day. */
function nthWeekday(calendar: CheckedCalendar, start: number, need: number, step: 1 | -1): number {
  // Any 7 consecutive days hold exactly `workdaysPerWeek` weekdays.
  const weeks = Math.floor((need - 1) / calendar.workdaysPerWeek);
  let left = need - weeks * calendar.workdaysPerWeek;
  let day = start + step * 7 * weeks;
  for (;;) {
    day += step;
    if (((calendar.weekendMask >> weekdayOfDays(day)) & 1) === 0 && --left === 0) return day;
  }
}

/** How many of the ascending `days` lie in `lo..hi`, both included. */
function countWithin(days: readonly number[], lo: number, hi: number): number {
  return hi < lo ? 0 : firstAtLeast(days, hi + 1) - firstAtLeast(days, lo);
}

/** Index of the first of the ascending `days` that is ≥ `day` (`days.length` if none). */
function firstAtLeast(days: readonly number[], day: number): number {
  let lo = 0;
  let hi = days.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((days[mid] as number) < day) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function checkCalendar(calendar: WorkingCalendar): CheckedCalendar {
  if (typeof calendar !== "object" || calendar === null) {
    invalid("calendar", String(calendar), "is not a working calendar, expected", "an object");
  }
  const timeZone = calendar.timeZone ?? "UTC";
  if (typeof timeZone !== "string") {
    invalid(
      "timeZone",
      String(timeZone),
      "is not a time zone name, expected",
      "an IANA time zone name",
    );
  }
  const zone = Zone.of(timeZone);
  const weekendMask = checkWeekend(calendar.weekend ?? DEFAULT_WEEKEND);
  let workdaysPerWeek = 0;
  for (let w = 0; w < 7; w++) if (((weekendMask >> w) & 1) === 0) workdaysPerWeek++;
  const holidays = checkHolidays(calendar.holidays ?? [], weekendMask);
  return { zone, weekendMask, workdaysPerWeek, holidays };
}

function checkWeekend(weekend: readonly number[]): number {
  if (!Array.isArray(weekend)) {
    invalid(
      "weekend",
      String(weekend),
      "is not a list of days, expected",
      "days of the week 0-6 such as [0, 6]",
    );
  }
  let mask = 0;
  weekend.forEach((value, i) => {
    if (!Number.isInteger(value) || value < 0 || value > 6) {
      invalid(
        `weekend[${i}]`,
        String(value),
        "is not a day of the week, expected",
        "0-6 (0 = Sunday … 6 = Saturday)",
      );
    }
    mask |= 1 << value;
  });
  if (mask === 0x7f) {
    invalid(
      "weekend",
      weekend.join(","),
      "leaves no working day in the week, expected",
      "at most six of 0-6",
    );
  }
  return mask;
}

function checkHolidays(holidays: readonly string[], weekendMask: number): number[] {
  if (!Array.isArray(holidays)) {
    invalid(
      "holidays",
      String(holidays),
      "is not a list of dates, expected",
      `a list of ${DATE_FORMAT}`,
    );
  }
  const days: number[] = [];
  holidays.forEach((text, i) => {
    const day = parseDate(`holidays[${i}]`, text);
    // A holiday on a weekend day changes nothing, and leaving it out keeps the counting exact.
    if (((weekendMask >> weekdayOfDays(day)) & 1) === 0) days.push(day);
  });
  days.sort((a, b) => a - b);
  return days.filter((day, i) => i === 0 || day !== days[i - 1]);
}

/** The day number of a `YYYY-MM-DD` date. */
function parseDate(field: string, text: unknown): number {
  const match = typeof text === "string" ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(text) : null;
  if (match === null) return invalid(field, String(text), "is not a date, expected", DATE_FORMAT);
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (month < 1 || month > 12) {
    return invalid(
      field,
      text as string,
      `is not a date (there is no month ${month}), expected`,
      DATE_FORMAT,
    );
  }
  const length = daysInMonth(year, month);
  if (day < 1 || day > length) {
    const name = `${MONTH_NAMES[month - 1]} ${year}`;
    return invalid(
      field,
      text as string,
      `is not a date (${name} has ${length} days), expected`,
      DATE_FORMAT,
    );
  }
  return daysFromCivil(year, month, day);
}
