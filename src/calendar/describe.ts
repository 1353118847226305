/**
 * Plain-English descriptions of triggers, for the UI, the CLI and audit history.
 *
 * A description must never lie: where a schedule has a common shape ("every 15 minutes",
 * "Monday through Friday") it gets a compact phrase, and anything else falls back to a
 * literal, field-by-field reading that is clumsy but still exact. The phrases say what
 * the trigger matches on the wall clock; the caller adds the time zone and any
 * start/end window.
 *
 * This file holds the public functions and the time-of-day, month and year phrasing;
 * the day phrasing is in `describe-days.ts` and the shared English helpers are in
 * `describe-text.ts`.
 */
import type { CalendarFields } from "./calendar-fields.js";
import { daysInMonth, weekdayOf } from "./civil.js";
import { describeDays, NEVER } from "./describe-days.js";
import {
  cyclicItems,
  cyclicRuns,
  listOf,
  monthName,
  numberRuns,
  ordinal,
  plural,
  progressionOf,
  runsOf,
  valuesIn,
  weekdayName,
} from "./describe-text.js";
import type { IntervalUnit } from "./interval.js";

/** A wall-clock date and time; `month` is 1-12. */
interface WallDateTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

const HOUR_SECONDS = 3600;
const DAY_SECONDS = 86_400;
/** Beyond this many fire times a day, a list stops being readable. */
const MAX_LISTED_TIMES = 8;
/** Beyond this many separate hour windows, naming the hours reads better than the windows. */
const MAX_WINDOWS = 3;

/**
 * Describes field-based triggers (Quartz cron, Unix cron, EJB calendar) in English.
 * @example describeFields(parseCronExpression("0 0 6 ? * MON-FRI").fields)
 *   // "At 06:00, Monday through Friday"
 */
export function describeFields(fields: CalendarFields): string {
  const seconds = valuesIn(fields.second, 0, 59);
  const minutes = valuesIn(fields.minute, 0, 59);
  const hours = valuesIn(fields.hour, 0, 23);
  const months = valuesIn(fields.month, 1, 12);
  const years = fields.years === null ? null : [...new Set(fields.years)].sort((a, b) => a - b);
  const days = describeDays(fields);
  if (
    seconds.length === 0 ||
    minutes.length === 0 ||
    hours.length === 0 ||
    months.length === 0 ||
    years?.length === 0 ||
    days === NEVER
  ) {
    return "Never";
  }
  const inMonths = describeMonths(months);
  const inYears = years === null ? undefined : describeYears(years);
  // "only in March of 2026" rather than saying "only in" twice.
  const period =
    inMonths !== undefined && inYears?.startsWith("only in ")
      ? [`${inMonths} of ${inYears.slice("only in ".length)}`]
      : [inMonths, inYears];
  return [describeTime(seconds, minutes, hours), days, ...period]
    .filter((part) => part !== undefined)
    .join(", ");
}

/**
 * Describes an interval trigger: every `every` units counted from `anchor` (a wall time).
 * Only the parts of the anchor that repeat are named; its date is the caller's start.
 * @example describeInterval(1, "months", { year: 2026, month: 1, day: 31, hour: 9, minute: 30, second: 0 })
 *   // "Every month on day 31 at 09:30 (or the month's last day)"
 */
export function describeInterval(every: number, unit: IntervalUnit, anchor: WallDateTime): string {
  if (!Number.isSafeInteger(every) || every < 1) {
    throw new RangeError(`an interval must be a whole number of at least 1, not ${every}`);
  }
  const base = every === 1 ? `Every ${unit.slice(0, -1)}` : `Every ${every} ${unit}`;
  const time = formatClock(
    anchor.hour * HOUR_SECONDS + anchor.minute * 60 + anchor.second,
    anchor.second !== 0,
  );
  switch (unit) {
    case "seconds":
      return base;
    case "minutes":
      return anchor.second === 0
        ? base
        : `${base}, at ${plural(anchor.second, "second")} past the minute`;
    case "hours": {
      const offset = anchor.minute * 60 + anchor.second;
      return offset === 0 ? base : `${base}, at ${offsetInHour(offset)} past the hour`;
    }
    case "days":
      return `${base} at ${time}`;
    case "weeks":
      return `${base} on ${weekdayName(weekdayOf(anchor.year, anchor.month, anchor.day))} at ${time}`;
    case "months": {
      // The months visited repeat with a period dividing 12; a leap February has 29 days
      // but a common one does not, so 28 is the shortest February to allow for.
      let shortest = 31;
      for (let k = 0; k < 12; k++) {
        const month = ((anchor.month - 1 + k * every) % 12) + 1;
        shortest = Math.min(shortest, daysInMonth(2001, month));
      }
      const clamp = anchor.day > shortest ? " (or the month's last day)" : "";
      return `${base} on day ${anchor.day} at ${time}${clamp}`;
    }
    case "years": {
      // Every 400 years lands on the same point of the leap cycle; anything shorter
      // eventually reaches a year without 29 February.
      const clamp =
        anchor.month === 2 && anchor.day === 29 && every % 400 !== 0
          ? " (or 28 February in years without a 29th)"
          : "";
      return `${base} on ${anchor.day} ${monthName(anchor.month)} at ${time}${clamp}`;
    }
  }
}

/**
 * Describes a one-off trigger by its wall time in the schedule's zone.
 * @example describeOnce({ year: 2026, month: 12, day: 24, hour: 18, minute: 0, second: 0 })
 *   // "Once, at 2026-12-24 18:00:00"
 */
export function describeOnce(at: WallDateTime): string {
  const date = `${String(at.year).padStart(4, "0")}-${pad2(at.month)}-${pad2(at.day)}`;
  return `Once, at ${date} ${formatClock(at.hour * HOUR_SECONDS + at.minute * 60 + at.second, true)}`;
}

/**
 * The fire times within a day are `hours × minutes × seconds`; the phrase is chosen by
 * the shape of that sequence, from the most specific to the literal fallback.
 */
function describeTime(seconds: number[], minutes: number[], hours: number[]): string {
  const count = seconds.length * minutes.length * hours.length;
  if (count === DAY_SECONDS) return "Every second";
  const withSeconds = seconds.some((s) => s !== 0);
  const clock = (t: number) => formatClock(t, withSeconds);
  const first = hours[0]! * HOUR_SECONDS + minutes[0]! * 60 + seconds[0]!;
  const last = hours.at(-1)! * HOUR_SECONDS + minutes.at(-1)! * 60 + seconds.at(-1)!;
  if (count === 1) return `At ${clock(first)}`;
  const step = uniformStep(seconds, minutes, hours);
  // A short list with an odd start ("At 06:00 and 18:00") reads better than a cycle.
  if (step !== undefined && first + DAY_SECONDS - last === step && (first === 0 || count > 3)) {
    return everyFrom(step, first);
  }
  if (count <= 3) return `At ${listOf(timesOf(seconds, minutes, hours).map(clock))}`;
  if (step !== undefined) return `Every ${span(step)}, between ${clock(first)} and ${clock(last)}`;
  const windows = describeWindows(seconds, minutes, hours, clock);
  if (windows !== undefined) return windows;
  if (count <= MAX_LISTED_TIMES) return `At ${listOf(timesOf(seconds, minutes, hours).map(clock))}`;
  const inner = describeWithinHour(seconds, minutes);
  const during = describeHours(hours);
  return during === undefined ? inner : `${inner}, ${during}`;
}

/** The gap between consecutive fire times of a day when they are all equal, else undefined. */
function uniformStep(seconds: number[], minutes: number[], hours: number[]): number | undefined {
  let previous = -1;
  let step: number | undefined;
  for (const h of hours) {
    for (const m of minutes) {
      for (const s of seconds) {
        const t = h * HOUR_SECONDS + m * 60 + s;
        if (previous >= 0) {
          if (step === undefined) step = t - previous;
          else if (t - previous !== step) return undefined;
        }
        previous = t;
      }
    }
  }
  return step;
}

function timesOf(seconds: number[], minutes: number[], hours: number[]): number[] {
  return hours.flatMap((h) =>
    minutes.flatMap((m) => seconds.map((s) => h * HOUR_SECONDS + m * 60 + s)),
  );
}

/** A cycle of `step` seconds that repeats every day, starting `first` seconds after midnight. */
function everyFrom(step: number, first: number): string {
  if (first === 0) return `Every ${span(step)}`;
  if (step === 60) return `At ${plural(first, "second")} past the minute`;
  if (step === HOUR_SECONDS) return `At ${offsetInHour(first)} past the hour`;
  if (step < 60)
    return `Every ${span(step)}, starting at ${plural(first, "second")} past the minute`;
  if (step < HOUR_SECONDS)
    return `Every ${span(step)}, starting at ${offsetInHour(first)} past the hour`;
  return `Every ${span(step)}, starting at ${formatClock(first, first % 60 !== 0)}`;
}

/**
 * "Every 5 minutes, from 09:00 to 09:55 and from 14:00 to 14:55": each run of consecutive
 * hours is one window, when the fire times inside every window are evenly spaced.
 */
function describeWindows(
  seconds: number[],
  minutes: number[],
  hours: number[],
  clock: (t: number) => string,
): string | undefined {
  const runs = runsOf(hours);
  if (runs.length > MAX_WINDOWS) return undefined;
  const offsets = minutes.flatMap((m) => seconds.map((s) => m * 60 + s));
  const firstOffset = offsets[0]!;
  const lastOffset = offsets.at(-1)!;
  const inner = progressionOf(offsets);
  const innerStep = offsets.length === 1 ? HOUR_SECONDS : inner?.step;
  if (innerStep === undefined) return undefined;
  // Evenly spaced across an hour boundary only if the gap from the hour's last fire to
  // the next hour's first is the same step again.
  const crossesHours = firstOffset + HOUR_SECONDS - lastOffset === innerStep;
  const singleHours = inner !== undefined && runs.every(([a, b]) => a === b);
  if (!crossesHours && !singleHours) return undefined;
  // A window of one or two fires is better said as a list of times.
  if (runs.some(([a, b]) => (b - a + 1) * offsets.length < 3)) return undefined;
  const windows = runs.map(([a, b]) => ({
    from: clock(a * HOUR_SECONDS + firstOffset),
    to: clock(b * HOUR_SECONDS + lastOffset),
  }));
  const text = listOf(windows.map(({ from, to }) => `from ${from} to ${to}`));
  return `Every ${span(innerStep)}, ${text}`;
}

/** The minutes and seconds within each hour, read field by field. */
function describeWithinHour(seconds: number[], minutes: number[]): string {
  if (seconds.length === 1) {
    const s = seconds[0]!;
    if (s === 0) return describeCycle(minutes, "minute", "hour");
    if (minutes.length === 60) return `At ${plural(s, "second")} past the minute`;
    if (minutes.length === 1) return `At ${offsetInHour(minutes[0]! * 60 + s)} past the hour`;
    return `${describeCycle(minutes, "minute", "hour")}, at ${plural(s, "second")} past the minute`;
  }
  const phrase = describeCycle(seconds, "second", "minute");
  if (minutes.length === 60) return phrase;
  if (minutes.length === 1) return `${phrase}, during minute ${minutes[0]} of the hour`;
  const p = progressionOf(minutes);
  if (p !== undefined && p.count >= 3 && p.first + 60 - p.last === p.step) {
    const from = p.first === 0 ? "" : ` from minute ${p.first}`;
    return `${phrase}, during every ${ordinal(p.step)} minute of the hour${from}`;
  }
  return `${phrase}, during minutes ${numberRuns(minutes)} of the hour`;
}

/** Seconds within a minute or minutes within an hour: both are cycles of 60. */
function describeCycle(
  values: number[],
  unit: "second" | "minute",
  parent: "minute" | "hour",
): string {
  if (values.length === 60) return `Every ${unit}`;
  const past = `past the ${parent}`;
  if (values.length === 1) {
    const v = values[0]!;
    return v === 0 && unit === "minute" ? "On the hour" : `At ${plural(v, unit)} ${past}`;
  }
  const p = progressionOf(values);
  if (p !== undefined) {
    const every = p.step === 1 ? `Every ${unit}` : `Every ${p.step} ${unit}s`;
    if (p.first + 60 - p.last === p.step) {
      return p.first === 0 ? every : `${every}, starting at ${plural(p.first, unit)} ${past}`;
    }
    if (p.count >= 3) return `${every} from ${p.first} to ${p.last} ${unit}s ${past}`;
  }
  return `At ${numberRuns(values)} ${unit}s ${past}`;
}

/** The hours of the day, as a window or a list; undefined when every hour is allowed. */
function describeHours(hours: number[]): string | undefined {
  if (hours.length === 24) return undefined;
  const runs = runsOf(hours);
  if (runs.length === 1) return `between ${pad2(runs[0]![0])}:00 and ${pad2(runs[0]![1])}:59`;
  const p = progressionOf(hours);
  if (p !== undefined && p.count >= 3) {
    const every = `during every ${ordinal(p.step)} hour`;
    if (p.first + 24 - p.last === p.step) {
      return p.first === 0 ? every : `${every} from ${pad2(p.first)}:00`;
    }
    return `${every} from ${pad2(p.first)}:00 through ${pad2(p.last)}:59`;
  }
  if (runs.length <= MAX_WINDOWS) {
    return listOf(runs.map(([a, b]) => `from ${pad2(a)}:00 to ${pad2(b)}:59`));
  }
  return `during hours ${numberRuns(hours)}`;
}

function describeMonths(months: number[]): string | undefined {
  if (months.length === 12) return undefined;
  const runs = cyclicRuns(months, 1, 12);
  runs.sort((x, y) => x[0] - y[0]);
  return `only in ${listOf(runs.flatMap((run) => cyclicItems(run, 12, monthName)))}`;
}

function describeYears(years: number[]): string {
  if (years.length === 1) return `only in ${years[0]}`;
  const p = progressionOf(years);
  if (p !== undefined && p.count >= 3) {
    return p.step === 1
      ? `from ${p.first} through ${p.last}`
      : `every ${p.step} years from ${p.first} through ${p.last}`;
  }
  return `only in ${numberRuns(years)}`;
}

/** A gap in seconds as "hour", "15 minutes"…: the fields only make gaps of whole units. */
function span(seconds: number): string {
  const [n, unit] =
    seconds % HOUR_SECONDS === 0
      ? [seconds / HOUR_SECONDS, "hour"]
      : seconds % 60 === 0
        ? [seconds / 60, "minute"]
        : [seconds, "second"];
  return n === 1 ? unit : `${n} ${unit}s`;
}

/** "15 minutes", "15 minutes and 30 seconds", "30 seconds" (never zero). */
function offsetInHour(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  if (s === 0) return plural(m, "minute");
  return m === 0 ? plural(s, "second") : `${plural(m, "minute")} and ${plural(s, "second")}`;
}

function formatClock(secondOfDay: number, withSeconds: boolean): string {
  const h = Math.floor(secondOfDay / HOUR_SECONDS);
  const m = Math.floor(secondOfDay / 60) % 60;
  const hm = `${pad2(h)}:${pad2(m)}`;
  return withSeconds ? `${hm}:${pad2(secondOfDay % 60)}` : hm;
}

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}
