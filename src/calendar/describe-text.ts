/**
 * Small English helpers shared by the trigger descriptions: lists ("a, b and c"), plurals,
 * ordinals, runs of numbers ("1-5" as "1 through 5"), arithmetic progressions, and the
 * names of weekdays and months. They know nothing of triggers or of the calendar rules,
 * which is what lets `describe-days.ts` and `describe.ts` both use them without either
 * importing the other.
 */
import { type FieldSet, valuesOf } from "./field-set.js";

const WEEKDAY_NAMES = "Sunday Monday Tuesday Wednesday Thursday Friday Saturday".split(" ");
const MONTH_NAMES =
  "January February March April May June July August September October November December".split(
    " ",
  );
const NTH_NAMES = ["first", "second", "third", "fourth", "fifth"];

interface Progression {
  readonly first: number;
  readonly last: number;
  readonly step: number;
  readonly count: number;
}

/** The arithmetic progression that `values` (ascending, at least two) form, if any. */
export function progressionOf(values: readonly number[]): Progression | undefined {
  if (values.length < 2) return undefined;
  const first = values[0]!;
  const step = values[1]! - first;
  for (let i = 2; i < values.length; i++)
    if (values[i]! - values[i - 1]! !== step) return undefined;
  return { first, last: values.at(-1)!, step, count: values.length };
}

/** The set's values within `min`-`max`: anything outside can never match, so never shows. */
export function valuesIn(set: FieldSet, min: number, max: number): number[] {
  return valuesOf(set).filter((v) => v >= min && v <= max);
}

/** Maximal runs of consecutive values, as `[first, last]`. */
export function runsOf(values: readonly number[]): [number, number][] {
  const runs: [number, number][] = [];
  for (const v of values) {
    const run = runs.at(-1);
    if (run !== undefined && run[1] === v - 1) run[1] = v;
    else runs.push([v, v]);
  }
  return runs;
}

/** Like {@link runsOf}, but a run reaching `max` continues into one starting at `min`. */
export function cyclicRuns(
  values: readonly number[],
  min: number,
  max: number,
): [number, number][] {
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
export function cyclicItems(
  run: [number, number],
  size: number,
  name: (v: number) => string,
): string[] {
  const [a, b] = run;
  return rangeItems(a, b, ((b - a + size) % size) + 1, name);
}

export function numberRuns(values: readonly number[]): string {
  return listOf(runsOf(values).flatMap(([a, b]) => rangeItems(a, b, b - a + 1, String)));
}

/** "a", "a and b", "a, b and c". */
export function listOf(items: readonly string[], conjunction: "and" | "or" = "and"): string {
  if (items.length <= 1) return items[0] ?? "";
  return `${items.slice(0, -1).join(", ")} ${conjunction} ${items.at(-1)}`;
}

export function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
}

export function ordinal(n: number): string {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  const suffix = teen ? "th" : (["th", "st", "nd", "rd"][n % 10] ?? "th");
  return `${n}${suffix}`;
}

export function weekdayName(day: number): string {
  return named(WEEKDAY_NAMES[day], `weekday ${day}`);
}

export function monthName(month: number): string {
  return named(MONTH_NAMES[month - 1], `month ${month}`);
}

export function nthName(nth: number): string {
  return NTH_NAMES[nth - 1] ?? ordinal(nth);
}

/** A bad index is a caller's bug; printing "undefined" would hide it in a UI. */
function named(name: string | undefined, what: string): string {
  if (name === undefined) throw new RangeError(`there is no ${what}`);
  return name;
}
