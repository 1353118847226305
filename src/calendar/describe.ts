/**
 * Plain-English descriptions of triggers, for the UI, the CLI and audit history.
 *
 * A description must never lie: where a schedule has a common shape ("every 15 minutes",
 * "Monday through Friday") it gets a compact phrase, and anything else falls back to a
 * literal, field-by-field reading that is clumsy but still exact. The phrases say what
 * the trigger matches on the wall clock; the caller adds the time zone and any
 * start/end window.
 */
import {
  type CalendarFields,
  type DayRule,
  dayMask,
  type SingleDayRule,
} from "./calendar-fields.js";
import { daysInMonth, weekdayOf } from "./civil.js";
import { EMPTY_SET, type FieldSet, valuesOf } from "./field-set.js";
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

const WEEKDAY_NAMES = "Sunday Monday Tuesday Wednesday Thursday Friday Saturday".split(" ");
const MONTH_NAMES =
  "January February March April May June July August September October November December".split(
    " ",
  );
const NTH_NAMES = ["first", "second", "third", "fourth", "fifth"];

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

const NEVER = Symbol("never");

/** Rules of one day field after dropping the ones that can never match. */
type DaySide = "unrestricted" | "everyDay" | "noDay" | readonly DayRule[];

function sideOf(rules: readonly DayRule[] | null): DaySide {
  if (rules === null) return "unrestricted";
  const kept: DayRule[] = [];
  for (const rule of rules) {
    if (rule.kind === "days" || rule.kind === "weekdays") {
      const [min, max] = rule.kind === "days" ? [1, 31] : [0, 6];
      const count = valuesIn(rule.set, min, max).length;
      if (count === max - min + 1) return "everyDay";
      if (count === 0) continue;
    }
    if (rule.kind === "lastDay" && rule.offset > 30) continue;
    if (rule.kind === "nthWeekday" && rule.nth > 5) continue;
    if (rule.kind === "nearestWeekday" && rule.day > 31) continue;
    if (rule.kind === "between") {
      if (coversEveryDay(rule)) return "everyDay";
      if (shapesOf(rule).every((shape) => shape === "none")) continue;
    }
    kept.push(rule);
  }
  return kept.length === 0 ? "noDay" : kept;
}

/** Mirrors `dayMask`: an unrestricted field defers to the other; otherwise `dayCombine`. */
function describeDays(fields: CalendarFields): string | undefined | typeof NEVER {
  const dom = sideOf(fields.dayOfMonth);
  const dow = sideOf(fields.dayOfWeek);
  const only = dom === "unrestricted" ? dow : dow === "unrestricted" ? dom : undefined;
  if (only !== undefined) return describeSide(only);
  if (fields.dayCombine === "or") {
    if (dom === "everyDay" || dow === "everyDay") return undefined;
    const rules = [dom, dow].flatMap((side) => (typeof side === "string" ? [] : side));
    return rules.length === 0 ? NEVER : describeRules(rules);
  }
  if (dom === "noDay" || dow === "noDay") return NEVER;
  if (dom === "everyDay") return describeSide(dow);
  if (dow === "everyDay") return describeSide(dom);
  return describeBoth(dom as readonly DayRule[], dow as readonly DayRule[]);
}

function describeSide(side: DaySide): string | undefined | typeof NEVER {
  if (side === "unrestricted" || side === "everyDay") return undefined;
  return side === "noDay" ? NEVER : describeRules(side);
}

/** Rules any of which matches. */
function describeRules(rules: readonly DayRule[], listed = rules.length > 1): string {
  const phrases = rules.map((r) => describeRule(r, listed));
  return listOf(phrases, "or");
}

/** Both fields restricted and both must match: "on odd days of the month that are Mondays". */
function describeBoth(dom: readonly DayRule[], dow: readonly DayRule[]): string {
  const days = describeRules(dom, true);
  const first = dom[0]!;
  const manyDays = first.kind === "days" && valuesIn(first.set, 1, 31).length > 1;
  // "From day 15 through the last day of the month that are Mondays" would not parse.
  if (dom.length > 1 || first.kind === "between") {
    return `${days}, if that day is ${weekdayPredicate(dow, false)}`;
  }
  return manyDays
    ? `${days} that are ${weekdayPredicate(dow, true)}`
    : `${days} if it is ${weekdayPredicate(dow, false)}`;
}

/** `listed` asks for plain lists, since "every 5 days…, starting on day 1" can't be joined. */
function describeRule(rule: DayRule, listed: boolean): string {
  switch (rule.kind) {
    case "days":
      return describeDaysOfMonth(valuesIn(rule.set, 1, 31), listed);
    case "lastDay":
      return rule.offset === 0
        ? "on the last day of the month"
        : `${plural(rule.offset, "day")} before the last day of the month`;
    case "nearestWeekday":
      return `on the weekday nearest day ${rule.day} of the month`;
    case "lastWeekday":
      return rule.offset === 0
        ? "on the last weekday of the month"
        : `on the weekday nearest ${plural(rule.offset, "day")} before the last day of the month`;
    case "weekdays": {
      const items = weekdayItems(rule.set, false);
      if (items.length === 1 && items[0]!.includes(" through ")) return items[0]!;
      // Within "on day 1 of the month or on …", an "and" would read as both at once.
      return `on ${listOf(items, listed ? "or" : "and")}`;
    }
    case "nthWeekday":
      return `on the ${nthName(rule.nth)} ${weekdayName(rule.weekday)} of the month`;
    case "lastWeekdayOf":
      return `on the last ${weekdayName(rule.weekday)} of the month`;
    case "between":
      return describeBetween(rule);
  }
}

type Between = DayRule & { kind: "between" };

/**
 * A `between` range by how it lies in every month layout. The ends move with the month,
 * so a bare "from a through b" would hide a wrap that happens only in some months, days
 * 1-b firing without a start, or a run to the month's end when a fifth weekday is missing.
 */
function describeBetween(rule: Between): string {
  const { from, to } = rule;
  const a = endName(from);
  const b = endName(to);
  const shapes = shapesOf(rule);
  const wraps = shapes.includes("wrap");
  // A day number past the month's end reads as "to the end", as in a plain `15-30`.
  const open =
    shapes.includes("open") && to.kind !== "days"
      ? `, or through the last day in months without ${monthsWith(to)}`
      : "";
  if (!wraps) {
    if (
      from.kind === "lastDay" &&
      to.kind === "lastDay" &&
      to.offset === 0 &&
      !shapes.includes("none")
    ) {
      return `on the last ${from.offset + 1} days of the month`;
    }
    return `from ${a} through ${b} of the month${open}`;
  }
  // Without its start, a month has no days in the range, not even days 1 through b.
  const only = shapes.includes("none") ? `, in months with ${monthsWith(from)}` : "";
  if (shapes.some((shape) => shape !== "wrap" && shape !== "none")) {
    return `from ${a} through ${b} of the month, wrapping round to day 1 when ${a} falls after ${b}${open}${only}`;
  }
  const head = b === "day 1" ? "on day 1" : `from day 1 through ${b}`;
  const tail =
    from.kind !== "lastDay"
      ? `from ${a} through the last day`
      : from.offset === 0
        ? "on the last day"
        : `on the last ${from.offset + 1} days`;
  return `${head} and ${tail} of the month${only}`;
}

/**
 * How a range lies in one month: `none` when the month lacks its start, `open` when it
 * lacks the end and so runs to the month's last day.
 */
type Shape = "none" | "straight" | "open" | "wrap";

/**
 * One month of each length starting on each weekday: every layout a month can have, so
 * checking a range in these checks it in every month. 2000-2027 has a leap February
 * starting on each weekday.
 */
const MONTH_LAYOUTS: readonly (readonly [number, number])[] = (() => {
  const layouts = new Map<number, readonly [number, number]>();
  for (let year = 2000; year < 2028; year++) {
    for (let month = 1; month <= 12; month++) {
      const key = weekdayOf(year, month, 1) * 4 + daysInMonth(year, month) - 28;
      if (!layouts.has(key)) layouts.set(key, [year, month]);
    }
  }
  return [...layouts.values()];
})();

/** Asks the calendar itself where the ends fall, so the words cannot drift from `dayMask`. */
function shapesOf(rule: Between): Shape[] {
  return MONTH_LAYOUTS.map(([year, month]) => {
    const from = maskOf(rule.from, year, month);
    if (from === 0) return "none";
    const to = maskOf(rule.to, year, month);
    if (to === 0) return "open";
    const start = 31 - Math.clz32(from & -from);
    return start > 31 - Math.clz32(to & -to) ? "wrap" : "straight";
  });
}

function coversEveryDay(rule: Between): boolean {
  return MONTH_LAYOUTS.every(([year, month]) => {
    const all = (-1 >>> (31 - daysInMonth(year, month))) & ~1;
    return maskOf(rule, year, month) === all;
  });
}

function maskOf(rule: DayRule, year: number, month: number): number {
  return dayMask({ ...NO_FIELDS, dayOfMonth: [rule] }, year, month);
}

/** Only the day fields matter to `dayMask`. */
const NO_FIELDS: CalendarFields = {
  second: EMPTY_SET,
  minute: EMPTY_SET,
  hour: EMPTY_SET,
  dayOfMonth: null,
  dayOfWeek: null,
  dayCombine: "or",
  month: EMPTY_SET,
  years: null,
};

/** A range end as a noun: "day 15", "the last day", "the second Monday". */
function endName(end: SingleDayRule): string {
  switch (end.kind) {
    case "days": {
      const days = valuesIn(end.set, 1, 31);
      // Ranges are placed by their ends' earliest day.
      return days.length === 1 ? `day ${days[0]}` : `the first of days ${numberRuns(days)}`;
    }
    case "lastDay":
      return end.offset === 0 ? "the last day" : `${plural(end.offset, "day")} before the last day`;
    case "nthWeekday":
      return `the ${nthName(end.nth)} ${weekdayName(end.weekday)}`;
    case "lastWeekdayOf":
      return `the last ${weekdayName(end.weekday)}`;
  }
}

/** What a month must have for a range end to fall in it. */
function monthsWith(end: SingleDayRule): string {
  switch (end.kind) {
    case "days":
      return `day ${valuesIn(end.set, 1, 31)[0]}`;
    case "lastDay":
      return `more than ${plural(end.offset, "day")}`;
    case "nthWeekday":
      return `a ${nthName(end.nth)} ${weekdayName(end.weekday)}`;
    case "lastWeekdayOf":
      return `a ${weekdayName(end.weekday)}`;
  }
}

function describeDaysOfMonth(days: number[], listed: boolean): string {
  if (days.length === 1) return `on day ${days[0]} of the month`;
  const p = progressionOf(days);
  if (p !== undefined && p.step > 1 && p.count >= 3) {
    const toMonthEnd = p.last + p.step > 31;
    if (toMonthEnd && p.step === 2 && p.first <= 2) {
      return p.first === 1 ? "on odd days of the month" : "on even days of the month";
    }
    if (!listed && toMonthEnd)
      return `every ${p.step} days of the month, starting on day ${p.first}`;
    if (!listed)
      return `every ${p.step} days from day ${p.first} through day ${p.last} of the month`;
  }
  return `on days ${numberRuns(days)} of the month`;
}

/** What a day must also be, for the "and" combination. */
function weekdayPredicate(rules: readonly DayRule[], plural: boolean): string {
  const items = rules.flatMap((rule) => {
    switch (rule.kind) {
      case "weekdays":
        return weekdayItems(rule.set, plural);
      case "nthWeekday":
        return [`the ${nthName(rule.nth)} ${weekdayName(rule.weekday)} of the month`];
      case "lastWeekdayOf":
        return [`the last ${weekdayName(rule.weekday)} of the month`];
      default:
        return [describeRule(rule, true).replace(/^on /, "")];
    }
  });
  return listOf(items, "or");
}

/** Runs of weekdays, wrapping past Saturday, listed from Monday as most calendars show them. */
function weekdayItems(set: FieldSet, plural: boolean): string[] {
  const runs = cyclicRuns(valuesIn(set, 0, 6), 0, 6);
  // By where each run ends, so a run through Monday ("Sunday through Tuesday") comes first.
  runs.sort((x, y) => ((x[1] + 6) % 7) - ((y[1] + 6) % 7));
  const hasRange = runs.some(([a, b]) => (b - a + 7) % 7 >= 2);
  const name = (d: number) => (plural && !hasRange ? `${weekdayName(d)}s` : weekdayName(d));
  return runs.flatMap((run) => cyclicItems(run, 7, name));
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

interface Progression {
  readonly first: number;
  readonly last: number;
  readonly step: number;
  readonly count: number;
}

/** The arithmetic progression that `values` (ascending, at least two) form, if any. */
function progressionOf(values: readonly number[]): Progression | undefined {
  if (values.length < 2) return undefined;
  const first = values[0]!;
  const step = values[1]! - first;
  for (let i = 2; i < values.length; i++)
    if (values[i]! - values[i - 1]! !== step) return undefined;
  return { first, last: values.at(-1)!, step, count: values.length };
}

/** The set's values within `min`-`max`: anything outside can never match, so never shows. */
function valuesIn(set: FieldSet, min: number, max: number): number[] {
  return valuesOf(set).filter((v) => v >= min && v <= max);
}

/** Maximal runs of consecutive values, as `[first, last]`. */
function runsOf(values: readonly number[]): [number, number][] {
  const runs: [number, number][] = [];
  for (const v of values) {
    const run = runs.at(-1);
    if (run !== undefined && run[1] === v - 1) run[1] = v;
    else runs.push([v, v]);
  }
  return runs;
}

/** Like {@link runsOf}, but a run reaching `max` continues into one starting at `min`. */
function cyclicRuns(values: readonly number[], min: number, max: number): [number, number][] {
  const runs = runsOf(values);
  const head = runs[0]!;
  const tail = runs.at(-1)!;
  if (runs.length > 1 && head[0] === min && tail[1] === max) {
    runs.pop();
    head[0] = tail[0];
  }
  return runs;
}

/** Three or more in a row read as "a through b"; shorter runs are named one by one. */
function rangeItems(a: number, b: number, length: number, name: (v: number) => string): string[] {
  if (length >= 3) return [`${name(a)} through ${name(b)}`];
  return length === 2 ? [name(a), name(b)] : [name(a)];
}

/** Runs of a cycle of `size` values: a wrapped run (Friday through Monday) ends below its start. */
function cyclicItems(run: [number, number], size: number, name: (v: number) => string): string[] {
  const [a, b] = run;
  return rangeItems(a, b, ((b - a + size) % size) + 1, name);
}

function numberRuns(values: readonly number[]): string {
  return listOf(runsOf(values).flatMap(([a, b]) => rangeItems(a, b, b - a + 1, String)));
}

/** "a", "a and b", "a, b and c". */
function listOf(items: readonly string[], conjunction: "and" | "or" = "and"): string {
  if (items.length <= 1) return items[0] ?? "";
  return `${items.slice(0, -1).join(", ")} ${conjunction} ${items.at(-1)}`;
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
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

function ordinal(n: number): string {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  const suffix = teen ? "th" : (["th", "st", "nd", "rd"][n % 10] ?? "th");
  return `${n}${suffix}`;
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

function weekdayName(day: number): string {
  return named(WEEKDAY_NAMES[day], `weekday ${day}`);
}

function monthName(month: number): string {
  return named(MONTH_NAMES[month - 1], `month ${month}`);
}

function nthName(nth: number): string {
  return NTH_NAMES[nth - 1] ?? ordinal(nth);
}

/** A bad index is a caller's bug; printing "undefined" would hide it in a UI. */
function named(name: string | undefined, what: string): string {
  if (name === undefined) throw new RangeError(`there is no ${what}`);
  return name;
}
