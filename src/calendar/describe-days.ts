/**
 * The day part of a field-based description: day-of-month and day-of-week rules,
 * `between` ranges, and the "and"/"or" combination of the two fields. It mirrors
 * `dayMask`, and asks it where the ends of a `between` range fall, so the words cannot
 * drift from what actually matches. Kept apart from `describe.ts` because it is the
 * largest and most intricate part of a description.
 */
import {
  type CalendarFields,
  type DayRule,
  dayMask,
  type SingleDayRule,
} from "./calendar-fields.js";
import { daysInMonth, weekdayOf } from "./civil.js";
import {
  cyclicItems,
  cyclicRuns,
  listOf,
  nthName,
  numberRuns,
  plural,
  progressionOf,
  valuesIn,
  weekdayName,
} from "./describe-text.js";
import { EMPTY_SET, type FieldSet } from "./field-set.js";

/** What {@link describeDays} returns when no day can ever match: the trigger never fires. */
export const NEVER = Symbol("never");

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
export function describeDays(fields: CalendarFields): string | undefined | typeof NEVER {
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
