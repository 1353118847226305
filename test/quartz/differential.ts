/**
 * The pieces of a differential run that know nothing of either engine: answers in one
 * shape, rewrites that make Quartz compute what an expression documents, comparison and
 * a compact report.
 */
import { MONTHS, WEEKDAYS } from "./cron-generator.js";
import { icuOffsetMinutes, transitionsIn } from "./zones.js";

/** What an engine said about one case. */
export type Outcome =
  | {
      readonly kind: "fires";
      readonly fires: readonly number[];
      readonly incomplete?: string | undefined;
    }
  | { readonly kind: "rejected"; readonly message: string }
  | { readonly kind: "crashed"; readonly message: string };

export const sameFires = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((t, i) => t === b[i]);

/** The year the zone's clocks show at instant `t`. */
function localYear(zone: string, t: number): number {
  return new Date(t + icuOffsetMinutes(zone, t) * 60_000).getUTCFullYear();
}

/** Fires in wall-clock years up to and including `lastYear`. */
export function firesUpTo(zone: string, fires: readonly number[], lastYear: number): number[] {
  const kept: number[] = [];
  for (const t of fires) {
    if (localYear(zone, t) > lastYear) break;
    kept.push(t);
  }
  return kept;
}

/** The sorted union of several fire lists, first `count` only. */
export function mergeFires(lists: readonly (readonly number[])[], count: number): number[] {
  return [...new Set(lists.flat())].sort((a, b) => a - b).slice(0, count);
}

const DAY_OF_MONTH_FIELD = 3;
const MONTH_FIELD = 4;
const WEEKDAY_FIELD = 5;
const YEAR_FIELD = 6;

const fieldsOf = (expression: string): string[] => expression.trim().split(/\s+/);

/** True when the month or day-of-week field has a name range or name with a step (`JAN-JUN/2`). */
export function hasStepOnNames(expression: string): boolean {
  const fields = fieldsOf(expression);
  return [MONTH_FIELD, WEEKDAY_FIELD].some((i) =>
    (fields[i] ?? "").split(",").some((item) => /[A-Z]/i.test(item) && item.includes("/")),
  );
}

/** The expression with month and weekday names written as numbers (`JAN-JUN/2` → `1-6/2`). */
export function namesToNumbers(expression: string): string {
  const fields = fieldsOf(expression);
  for (const [index, names] of [
    [MONTH_FIELD, MONTHS],
    [WEEKDAY_FIELD, WEEKDAYS],
  ] as const) {
    fields[index] = (fields[index] ?? "").replace(/[A-Z]{3}/gi, (name) => {
      const value = names.indexOf(name.toUpperCase());
      return value < 0 ? name : String(value + 1);
    });
  }
  return fields.join(" ");
}

/** The day field holding a list with a keyword item (`1W,15`, `L,15`, `2#1,3`, `6L,2`), if any. */
function specialDayList(fields: readonly string[]): number | undefined {
  const dom = fields[DAY_OF_MONTH_FIELD] ?? "";
  const dow = fields[WEEKDAY_FIELD] ?? "";
  if (dom.includes(",") && /[LW]/i.test(dom)) return DAY_OF_MONTH_FIELD;
  if (dow.includes(",") && /[#L]/i.test(dow)) return WEEKDAY_FIELD;
  return undefined;
}

/** True when a day field is a list with a `W`, `L` or `#` item. */
export function hasSpecialDayInList(expression: string): boolean {
  return specialDayList(fieldsOf(expression)) !== undefined;
}

/** One expression per item of the day list that holds a `W`, `L` or `#` item. */
export function splitSpecialDayList(expression: string): string[] {
  const fields = fieldsOf(expression);
  const index = specialDayList(fields);
  if (index === undefined) return [expression];
  return (fields[index] ?? "").split(",").map((item) => {
    const copy = [...fields];
    copy[index] = item;
    return copy.join(" ");
  });
}

/** The `n` of an `nW` day-of-month field, if it is one. */
export function nearestWeekdayDay(expression: string): number | undefined {
  const m = /^(\d+)W$/i.exec(fieldsOf(expression)[DAY_OF_MONTH_FIELD] ?? "");
  return m ? Number(m[1]) : undefined;
}

/**
 * The values a numeric field (names already turned into numbers) stands for: `*`, values,
 * ranges (wrapping past `max` when the start is after the end), and steps on each.
 * @example expandField("11-2,6/3", 1, 12) // [1, 2, 6, 9, 11, 12]
 */
function expandField(text: string, min: number, max: number): number[] {
  const span = max - min + 1;
  const values = new Set<number>();
  for (const item of text.split(",")) {
    if (item === "") continue;
    const [base = "", stepText] = item.split("/");
    const step = stepText === undefined ? 1 : Number(stepText);
    let start: number;
    let end: number;
    if (base === "*") {
      start = min;
      end = max;
    } else if (base.includes("-")) {
      [start, end] = base.split("-").map(Number) as [number, number];
    } else {
      start = Number(base);
      end = stepText === undefined ? start : max;
    }
    const last = end >= start ? end : end + span;
    for (let v = start; v <= last && step > 0; v += step) values.add(v > max ? v - span : v);
  }
  return [...values].sort((a, b) => a - b);
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/**
 * `nW` restricted to the months that have an n-th day: the same expression with its
 * month field cut down to the months long enough, plus, for `29W`, February in leap
 * years only. Years are taken up to `lastYear`.
 */
export function nearestWeekdayWhereTheDayExists(expression: string, lastYear: number): string[] {
  const fields = fieldsOf(namesToNumbers(expression));
  const n = nearestWeekdayDay(expression);
  if (n === undefined) return [expression];
  const months = expandField(fields[MONTH_FIELD] ?? "*", 1, 12);
  const withField = (source: readonly string[], index: number, value: string): string[] => {
    const copy = [...source];
    copy[index] = value;
    return copy;
  };
  const out: string[] = [];
  const long = months.filter((m) => DAYS_IN_MONTH[m - 1]! >= n);
  if (long.length > 0) out.push(withField(fields, MONTH_FIELD, long.join(",")).join(" "));
  if (n === 29 && months.includes(2)) {
    const years = expandField(fields[YEAR_FIELD] ?? "*", 1970, lastYear).filter(isLeap);
    if (years.length > 0) {
      out.push(
        withField(withField(fields, MONTH_FIELD, "2"), YEAR_FIELD, years.join(",")).join(" "),
      );
    }
  }
  return out;
}

const HOUR = 3_600_000;

/** The first instant of the month after the one the zone's clocks show at `t`. */
export function startOfNextMonth(zone: string, t: number): number {
  const wall = new Date(t + icuOffsetMinutes(zone, t) * 60_000);
  const nextWall = Date.UTC(wall.getUTCFullYear(), wall.getUTCMonth() + 1, 1);
  return nextWall - icuOffsetMinutes(zone, nextWall) * 60_000;
}

/** The instants in [from, to] at which the zone's clocks jump ahead by at least `minutes`. */
export function jumpsForward(zone: string, from: number, to: number, minutes = 1): number[] {
  const found: number[] = [];
  for (let year = new Date(from).getUTCFullYear(); year <= new Date(to).getUTCFullYear(); year++) {
    for (const t of transitionsIn(zone, year)) {
      const jump = icuOffsetMinutes(zone, t) - icuOffsetMinutes(zone, t - 1000);
      if (t >= from && t <= to && jump >= minutes) found.push(t);
    }
  }
  return found;
}

/**
 * The instants in [from, to] at which the zone skips a whole date (Pacific/Apia at the end
 * of 29 December 2011).
 */
export function skippedDays(zone: string, from: number, to: number): number[] {
  return jumpsForward(zone, from, to, 23 * 60);
}

/**
 * Whether `t` lies in the first pass of wall times that the zone is about to repeat (after
 * 01:00 EDT and before 02:00 EDT on a day New York falls back, say).
 */
export function inFirstPassOfOverlap(zone: string, t: number): boolean {
  const here = icuOffsetMinutes(zone, t);
  // No zone has repeated more than two hours at once.
  for (let ahead = 60_000; ahead <= 2 * HOUR; ahead += 60_000) {
    const later = icuOffsetMinutes(zone, t + ahead);
    if (later < here) return ahead <= (here - later) * 60_000;
  }
  return false;
}

/** Whether the zone's clocks jump forward within a day either side of `t`. */
export function nearGap(zone: string, t: number): boolean {
  return icuOffsetMinutes(zone, t + 24 * HOUR) > icuOffsetMinutes(zone, t - 24 * HOUR);
}

/** True when the zone's offset changes within a day either side of `t`: a DST neighbourhood. */
export function nearTransition(zone: string, t: number): boolean {
  const here = icuOffsetMinutes(zone, t);
  return (
    icuOffsetMinutes(zone, t - 24 * HOUR) !== here || icuOffsetMinutes(zone, t + 24 * HOUR) !== here
  );
}

const iso = (t: number): string => new Date(t).toISOString();

export function describeOutcome(o: Outcome, from = 0): string {
  if (o.kind === "rejected") return `rejects: ${o.message}`;
  if (o.kind === "crashed") return `CRASHES: ${o.message}`;
  const shown = o.fires.slice(from).map(iso);
  const more = from > 0 ? `(after ${from} equal) ` : "";
  const stop = o.incomplete === undefined ? "" : `, then ${o.incomplete}`;
  return `${more}[${shown.join(", ")}]${o.fires.length === 0 ? " (no fires)" : ""}${stop}`;
}

/** The index of the first fire on which two lists differ (their common length when one is a prefix). */
export function firstDifference(a: readonly number[], b: readonly number[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}
