/**
 * The common form of every field-based trigger (Quartz cron, Unix cron, EJB calendar):
 * which seconds, minutes, hours, days, months and years match, on a wall clock. The
 * parsers produce it; {@link nextMatchingWall} searches it; the describer reads it. It
 * knows nothing of time zones: that is the job of `zoned-search.ts`.
 */
import {
  ceilToSecond,
  DAY,
  daysFromCivil,
  daysInMonth,
  HOUR,
  MINUTE,
  partsOfWall,
  SECOND,
  weekdayOfDays,
} from "./civil.js";
import { type FieldSet, hasValue, nextInSet } from "./field-set.js";

/** One way a day can match. Days of week are 0 = Sunday … 6 = Saturday. */
export type DayRule =
  /** Days of the month 1-31 (Quartz `1,15`, EJB `dayOfMonth=1-5`). */
  | { readonly kind: "days"; readonly set: FieldSet }
  /** The last day of the month minus `offset` (Quartz `L`, `L-3`; EJB `Last`, `-3`). */
  | { readonly kind: "lastDay"; readonly offset: number }
  /** The weekday (Mon-Fri) nearest to `day`, never leaving the month (Quartz `15W`). */
  | { readonly kind: "nearestWeekday"; readonly day: number }
  /**
   * The weekday (Mon-Fri) nearest to the last day of the month minus `offset`, never
   * leaving the month (Quartz `LW` is offset 0, `L-3W` offset 3).
   */
  | { readonly kind: "lastWeekday"; readonly offset: number }
  /** Days of the week (Quartz `MON-FRI`, EJB `dayOfWeek=Mon-Fri`). */
  | { readonly kind: "weekdays"; readonly set: FieldSet }
  /** The `nth` (1-5) `weekday` of the month (Quartz `2#3`, EJB `3rd Mon`). */
  | { readonly kind: "nthWeekday"; readonly weekday: number; readonly nth: number }
  /** The last `weekday` of the month (Quartz `6L`, EJB `Last Fri`). */
  | { readonly kind: "lastWeekdayOf"; readonly weekday: number }
  /**
   * The days from `from` to `to` inclusive, each end a single-day rule placed in the
   * month; wraps to the 1st when `from` falls after `to` (EJB `15-Last`, `1st Mon-3rd Fri`).
   * A month without the `from` day has no days in the range; one without the `to` day
   * (day 30 in February, a fifth Monday) runs it to the month's last day, as a day-number
   * range like `15-30` always has.
   */
  | { readonly kind: "between"; readonly from: SingleDayRule; readonly to: SingleDayRule };

/**
 * The rules that match at most one day in any month (`days` holding a single day): the
 * ends of a `between` range. A `days` end holding several days stands for the earliest.
 */
export type SingleDayRule = Extract<
  DayRule,
  { kind: "days" } | { kind: "lastDay" } | { kind: "nthWeekday" } | { kind: "lastWeekdayOf" }
>;

export interface CalendarFields {
  readonly second: FieldSet;
  readonly minute: FieldSet;
  readonly hour: FieldSet;
  /** Day-of-month rules, any of which matches; `null` when the field is unrestricted. */
  readonly dayOfMonth: readonly DayRule[] | null;
  /** Day-of-week rules, any of which matches; `null` when the field is unrestricted. */
  readonly dayOfWeek: readonly DayRule[] | null;
  /**
   * How a restricted day-of-month and a restricted day-of-week combine: `or` for Vixie
   * cron and EJB calendars, `and` where a Unix field starting with `*` keeps both.
   */
  readonly dayCombine: "and" | "or";
  /** Months 1-12. */
  readonly month: FieldSet;
  /** Allowed years in ascending order, or `null` for every year. */
  readonly years: readonly number[] | null;
}

/** Search horizon: the Gregorian calendar repeats every 400 years, so nothing later can match. */
const HORIZON_YEARS = 400;
/** The latest year any search reaches (Quartz's limit, and well past any real schedule). */
export const MAX_YEAR = 2099;

/** The weekday nearest to `day` (a Saturday goes back, a Sunday forward), never leaving the month. */
function nearestWeekday(firstDays: number, dim: number, day: number): number {
  const wd = weekdayOfDays(firstDays + day - 1);
  if (wd === 6) return day === 1 ? 3 : day - 1;
  if (wd === 0) return day === dim ? day - 2 : day + 1;
  return day;
}

function ruleMask(rule: DayRule, firstDays: number, dim: number): number {
  switch (rule.kind) {
    case "days":
      return rule.set.lo;
    case "lastDay": {
      const d = dim - rule.offset;
      return d >= 1 ? 1 << d : 0;
    }
    case "nearestWeekday":
      return rule.day > dim ? 0 : 1 << nearestWeekday(firstDays, dim, rule.day);
    case "lastWeekday": {
      const day = dim - rule.offset;
      return day < 1 ? 0 : 1 << nearestWeekday(firstDays, dim, day);
    }
    case "weekdays": {
      let mask = 0;
      const first = weekdayOfDays(firstDays);
      for (let d = 1; d <= dim; d++) if (hasValue(rule.set, (first + d - 1) % 7)) mask |= 1 << d;
      return mask;
    }
    case "nthWeekday": {
      const first = weekdayOfDays(firstDays);
      const d = 1 + ((rule.weekday - first + 7) % 7) + 7 * (rule.nth - 1);
      return d <= dim ? 1 << d : 0;
    }
    case "lastWeekdayOf": {
      const last = weekdayOfDays(firstDays + dim - 1);
      return 1 << (dim - ((last - rule.weekday + 7) % 7));
    }
    case "between": {
      // Bits 1..dim: a `days` end may hold days the month lacks, and bit 0 is no day.
      const month = (-1 >>> (31 - dim)) & ~1;
      const from = ruleMask(rule.from, firstDays, dim) & month;
      if (from === 0) return 0;
      const to = ruleMask(rule.to, firstDays, dim) & month;
      // Each end's day is its lowest bit; a multi-day `days` end thus stands for its earliest.
      const start = 31 - Math.clz32(from & -from);
      const end = to === 0 ? dim : 31 - Math.clz32(to & -to);
      const fromStart = (-1 << start) & month;
      const toEnd = (-1 >>> (31 - end)) & month;
      return start <= end ? fromStart & toEnd : fromStart | toEnd;
    }
  }
}

function rulesMask(rules: readonly DayRule[], firstDays: number, dim: number): number {
  let mask = 0;
  for (const rule of rules) mask |= ruleMask(rule, firstDays, dim);
  return mask;
}

/** Bits 1-31: the days of `month` in `year` that the fields allow. */
export function dayMask(fields: CalendarFields, year: number, month: number): number {
  const dim = daysInMonth(year, month);
  const all = (-1 >>> (31 - dim)) & ~1;
  const firstDays = daysFromCivil(year, month, 1);
  const dom = fields.dayOfMonth;
  const dow = fields.dayOfWeek;
  let mask: number;
  if (dom === null && dow === null) mask = all;
  else if (dom === null) mask = rulesMask(dow as readonly DayRule[], firstDays, dim);
  else if (dow === null) mask = rulesMask(dom, firstDays, dim);
  else {
    const a = rulesMask(dom, firstDays, dim);
    const b = rulesMask(dow, firstDays, dim);
    mask = fields.dayCombine === "or" ? a | b : a & b;
  }
  return mask & all;
}

/** The smallest allowed year ≥ `year`, or -1. */
function nextYear(fields: CalendarFields, year: number): number {
  const years = fields.years;
  if (years === null) return year;
  for (const y of years) if (y >= year) return y;
  return -1;
}

/**
 * Memoises the day mask of the last month asked for: consecutive searches nearly always
 * stay in one month, and computing a mask walks every day of it.
 */
export class DayMaskCache {
  private key = Number.NaN;
  private mask = 0;

  get(fields: CalendarFields, year: number, month: number): number {
    const key = year * 16 + month;
    if (key !== this.key) {
      this.mask = dayMask(fields, year, month);
      this.key = key;
    }
    return this.mask;
  }
}

/**
 * The first wall time ≥ `from` (rounded up to a whole second) that the fields match, or
 * `undefined` when nothing matches before `maxYear` ends (or within 400 years, after
 * which the calendar repeats).
 */
export function nextMatchingWall(
  fields: CalendarFields,
  from: number,
  cache: DayMaskCache,
  maxYear = MAX_YEAR,
): number | undefined {
  let [year, month, day, hour, minute, second] = partsOfWall(ceilToSecond(from));
  const limit = Math.min(maxYear, year + HORIZON_YEARS);
  for (;;) {
    // Year and month: on a change everything below restarts at its minimum.
    const y = nextYear(fields, year);
    if (y < 0 || y > limit) return undefined;
    if (y !== year) {
      year = y;
      month = 1;
      day = 1;
      hour = 0;
      minute = 0;
      second = 0;
    }
    const m = nextInSet(fields.month, month);
    if (m < 0 || m > 12) {
      year++;
      month = 1;
      day = 1;
      hour = 0;
      minute = 0;
      second = 0;
      continue;
    }
    if (m !== month) {
      month = m;
      day = 1;
      hour = 0;
      minute = 0;
      second = 0;
    }
    const mask = cache.get(fields, year, month);
    const d = nextInSet({ lo: mask, hi: 0 }, day);
    if (d < 0) {
      month++;
      if (month > 12) {
        month = 1;
        year++;
      }
      day = 1;
      hour = 0;
      minute = 0;
      second = 0;
      continue;
    }
    if (d !== day) {
      day = d;
      hour = 0;
      minute = 0;
      second = 0;
    }
    const h = nextInSet(fields.hour, hour);
    if (h < 0 || h > 23) {
      ({ year, month, day } = nextDay(year, month, day));
      hour = 0;
      minute = 0;
      second = 0;
      continue;
    }
    if (h !== hour) {
      hour = h;
      minute = 0;
      second = 0;
    }
    const mi = nextInSet(fields.minute, minute);
    if (mi < 0 || mi > 59) {
      hour++;
      minute = 0;
      second = 0;
      if (hour > 23) {
        ({ year, month, day } = nextDay(year, month, day));
        hour = 0;
      }
      continue;
    }
    if (mi !== minute) {
      minute = mi;
      second = 0;
    }
    const s = nextInSet(fields.second, second);
    if (s < 0 || s > 59) {
      minute++;
      second = 0;
      if (minute > 59) {
        minute = 0;
        hour++;
        if (hour > 23) {
          ({ year, month, day } = nextDay(year, month, day));
          hour = 0;
        }
      }
      continue;
    }
    return daysFromCivil(year, month, day) * DAY + hour * HOUR + mi * MINUTE + s * SECOND;
  }
}

function nextDay(
  year: number,
  month: number,
  day: number,
): { year: number; month: number; day: number } {
  if (day < daysInMonth(year, month)) return { year, month, day: day + 1 };
  return month === 12 ? { year: year + 1, month: 1, day: 1 } : { year, month: month + 1, day: 1 };
}

/** True when the fields match the wall time exactly (to the second, ms ignored). */
export function matchesWall(fields: CalendarFields, wall: number): boolean {
  const [year, month, day, hour, minute, second] = partsOfWall(wall);
  if (fields.years !== null && !fields.years.includes(year)) return false;
  return (
    hasValue(fields.month, month) &&
    (dayMask(fields, year, month) & (1 << day)) !== 0 &&
    hasValue(fields.hour, hour) &&
    hasValue(fields.minute, minute) &&
    hasValue(fields.second, second)
  );
}
