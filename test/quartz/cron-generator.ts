/**
 * Seeded random Quartz cron cases for differential tests: an expression, a zone and a
 * start instant biased towards daylight-saving transitions (see zones.ts).
 *
 * Built from fast-check arbitraries so that property tests can reuse the pieces (and get
 * shrinking); {@link generateCronCases} draws a fixed, reproducible batch from them for a
 * peer that is asked once per batch.
 *
 * Expressions come in three families:
 * - `plain`: syntax Quartz documents, the bulk of the cases;
 * - `quirk`: syntax Quartz evaluates wrongly or refuses although its meaning is plain (steps
 *   on name ranges, `W`, `L` or `#` inside lists); the differential test expects our
 *   documented meaning (docs/triggers.md), not Quartz's;
 * - `edge`: a fixed list at the boundaries of what is valid (out-of-range values, steps as
 *   long as the field, `L` in lists, `2#6`, `?` in both day fields...), where both engines
 *   must agree on rejecting or accepting.
 */
import fc from "fast-check";
import { zonedStart } from "./zones.js";

export type CaseFamily = "plain" | "quirk" | "edge";

export interface CronCase {
  readonly id: string;
  readonly expression: string;
  readonly timeZone: string;
  /** ISO UTC with milliseconds. */
  readonly from: string;
  readonly count: number;
  readonly family: CaseFamily;
}

export const MONTHS = [
  "JAN",
  "FEB",
  "MAR",
  "APR",
  "MAY",
  "JUN",
  "JUL",
  "AUG",
  "SEP",
  "OCT",
  "NOV",
  "DEC",
];
export const WEEKDAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

interface Field {
  readonly min: number;
  readonly max: number;
  /** The longest step Quartz accepts after `*` or a single value (it checks no other). */
  readonly maxStep: number;
}

const SECOND: Field = { min: 0, max: 59, maxStep: 59 };
const MINUTE: Field = { min: 0, max: 59, maxStep: 59 };
const HOUR: Field = { min: 0, max: 23, maxStep: 23 };
const DAY_OF_MONTH: Field = { min: 1, max: 31, maxStep: 31 };
const MONTH: Field = { min: 1, max: 12, maxStep: 12 };
const DAY_OF_WEEK: Field = { min: 1, max: 7, maxStep: 7 };

const w = <T>(weight: number, arbitrary: fc.Arbitrary<T>) => ({ weight, arbitrary });

function valueIn(f: Field): fc.Arbitrary<number> {
  return fc.integer({ min: f.min, max: f.max });
}

/** `a-b`, the way every range is written. */
const dash = ([a, b]: readonly [number, number]): string => `${a}-${b}`;

/** Quartz upper-cases the whole expression, so lower-case names are valid too. */
function nameOf(names: readonly string[], value: number, lower: boolean): string {
  const name = names[value - 1]!;
  return lower ? name.toLowerCase() : name;
}

/** `a-b` with a < b. */
function rangeOf(f: Field): fc.Arbitrary<[number, number]> {
  return fc
    .tuple(valueIn(f), valueIn(f))
    .filter(([a, b]) => a !== b)
    .map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as [number, number]);
}

/** `a-b` with a > b: Quartz runs on past the field's maximum and round again. */
function wrapRangeOf(f: Field): fc.Arbitrary<[number, number]> {
  return rangeOf(f).map(([a, b]) => [b, a] as [number, number]);
}

function stepOf(f: Field): fc.Arbitrary<number> {
  return fc.integer({ min: 1, max: f.maxStep });
}

/** One numeric list item: a value, a range (plain or wrapping), or a stepped form. */
function numericItem(f: Field): fc.Arbitrary<string> {
  const stepped = (base: fc.Arbitrary<string>) =>
    fc.tuple(base, stepOf(f)).map(([b, step]) => `${b}/${step}`);
  return fc.oneof(
    w(4, valueIn(f).map(String)),
    w(2, rangeOf(f).map(dash)),
    w(1, wrapRangeOf(f).map(dash)),
    w(1, stepped(fc.constant("*"))),
    w(1, stepped(valueIn(f).map(String))),
    w(1, stepped(rangeOf(f).map(dash))),
    w(1, stepped(wrapRangeOf(f).map(dash))),
  );
}

function listOf(item: fc.Arbitrary<string>, maxLength = 3): fc.Arbitrary<string> {
  return fc.array(item, { minLength: 1, maxLength }).map((items) => items.join(","));
}

/**
 * Seconds are mostly `0` so that five fires spread over minutes to days, which is where
 * day rules and DST transitions get exercised; `*` would spend them all in five seconds.
 */
const secondField: fc.Arbitrary<string> = fc.oneof(
  w(10, fc.constant("0")),
  w(3, valueIn(SECOND).map(String)),
  w(1, fc.constant("*")),
  w(4, listOf(numericItem(SECOND))),
);

const minuteField: fc.Arbitrary<string> = fc.oneof(
  w(5, fc.constant("0")),
  w(4, valueIn(MINUTE).map(String)),
  w(1, fc.constant("*")),
  w(3, fc.constantFrom("*/15", "0/15", "*/5", "0/30", "5/7", "10-50/10", "50-10")),
  w(4, listOf(numericItem(MINUTE))),
);

const hourField: fc.Arbitrary<string> = fc.oneof(
  w(4, fc.constant("*")),
  w(5, valueIn(HOUR).map(String)),
  // The hours in which clocks change somewhere among the zones.
  w(3, fc.constantFrom("0", "1", "2", "3", "23", "1,2,3", "0-3", "22-2", "*/2", "1/3")),
  w(4, listOf(numericItem(HOUR))),
);

const nearestWeekdayDay = fc.oneof(
  w(3, valueIn(DAY_OF_MONTH)),
  // The interesting ones: the month's edges and days that some months lack.
  w(3, fc.constantFrom(1, 2, 15, 28, 29, 30, 31)),
);

/** Day-of-month rules from Quartz's documentation. */
const dayOfMonthField: fc.Arbitrary<string> = fc.oneof(
  w(6, fc.constant("*")),
  w(4, valueIn(DAY_OF_MONTH).map(String)),
  w(3, listOf(numericItem(DAY_OF_MONTH))),
  w(2, fc.constant("L")),
  w(
    2,
    fc.integer({ min: 1, max: 30 }).map((n) => `L-${n}`),
  ),
  w(2, fc.constant("LW")),
  w(
    3,
    nearestWeekdayDay.map((n) => `${n}W`),
  ),
);

/** Month and weekday items: numeric forms, names, and ranges of names (wrapping too). */
function namedItem(f: Field, names: readonly string[], lower: boolean): fc.Arbitrary<string> {
  const name = (v: number) => nameOf(names, v, lower);
  const namedRange = ([a, b]: readonly [number, number]) => `${name(a)}-${name(b)}`;
  return fc.oneof(
    w(3, numericItem(f)),
    w(3, valueIn(f).map(name)),
    w(2, rangeOf(f).map(namedRange)),
    w(1, wrapRangeOf(f).map(namedRange)),
  );
}

const monthField: fc.Arbitrary<string> = fc.oneof(
  w(8, fc.constant("*")),
  w(
    4,
    fc.boolean().chain((lower) => listOf(namedItem(MONTH, MONTHS, lower), 2)),
  ),
  w(1, fc.constantFrom("NOV-FEB", "JAN-MAR", "MAR,OCT", "*/3", "2/5", "3-11/4", "DEC-JAN")),
);

const nth = fc.integer({ min: 1, max: 5 });

/** Day-of-week rules from Quartz's documentation: `L` and `#` only on their own. */
const dayOfWeekField: fc.Arbitrary<string> = fc.oneof(
  w(3, fc.constant("*")),
  w(
    6,
    fc.boolean().chain((lower) => listOf(namedItem(DAY_OF_WEEK, WEEKDAYS, lower), 3)),
  ),
  w(2, fc.constantFrom("MON-FRI", "FRI-MON", "SAT,SUN", "2-6", "7-1")),
  w(
    3,
    valueIn(DAY_OF_WEEK).map((d) => `${d}L`),
  ),
  w(
    3,
    fc.tuple(valueIn(DAY_OF_WEEK), nth).map(([d, n]) => `${d}#${n}`),
  ),
  w(
    1,
    fc.tuple(valueIn(DAY_OF_WEEK), nth).map(([d, n]) => `${WEEKDAYS[d - 1]}#${n}`),
  ),
  // Quartz reads a bare L in this field as 7, Saturday.
  w(1, fc.constant("L")),
);

/** The optional seventh field; Quartz accepts any year but only fires up to (this year + 100). */
const yearField: fc.Arbitrary<string | undefined> = fc.oneof(
  w(24, fc.constant(undefined)),
  w(2, fc.constant("*")),
  w(2, fc.integer({ min: 2026, max: 2070 }).map(String)),
  w(
    3,
    fc
      .tuple(fc.integer({ min: 1995, max: 2060 }), fc.integer({ min: 0, max: 12 }))
      .map(([a, n]) => `${a}-${a + n}`),
  ),
  w(1, fc.constantFrom("2026,2028,2031", "1999,2030-2032")),
  w(
    1,
    fc
      .tuple(fc.integer({ min: 1995, max: 2060 }), fc.integer({ min: 1, max: 7 }))
      .map(([a, s]) => `${a}/${s}`),
  ),
);

/** Exactly one of day-of-month and day-of-week is `?`. */
const dayFields: fc.Arbitrary<[string, string]> = fc.oneof(
  dayOfMonthField.map((dom) => [dom, "?"] as [string, string]),
  dayOfWeekField.map((dow) => ["?", dow] as [string, string]),
);

function joinFields(
  [sec, min, hour]: readonly string[],
  [dom, dow]: readonly [string, string],
  month: string,
  year: string | undefined,
): string {
  return [sec, min, hour, dom, month, dow, ...(year === undefined ? [] : [year])].join(" ");
}

/** Expressions in the documented subset of Quartz syntax. */
export const plainExpression: fc.Arbitrary<string> = fc
  .tuple(secondField, minuteField, hourField, dayFields, monthField, yearField)
  .map(([sec, min, hour, days, month, year]) => joinFields([sec, min, hour], days, month, year));

/**
 * Syntax Quartz evaluates against its own documentation, or refuses although its meaning
 * is plain; see the known differences in test/calendar/quartz-differential.test.ts.
 */
export const quirkExpression: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom("0", "30", "0,30"),
    fc.constantFrom("0", "15", "*/20"),
    fc.constantFrom("9", "0", "2", "*/6"),
    fc.oneof(
      // Steps on name ranges: Quartz drops the step.
      monthStepOnNames().map((month) => ({ days: ["?", "*"] as [string, string], month })),
      weekdayStepOnNames().map((dow) => ({ days: ["?", dow] as [string, string], month: "*" })),
      // W inside a list: Quartz applies W to the smallest day only and ignores the rest.
      fc
        .tuple(
          nearestWeekdayDay.map((n) => `${n}W`),
          fc.oneof(
            nearestWeekdayDay.map((n) => `${n}W`),
            valueIn(DAY_OF_MONTH).map(String),
          ),
        )
        .map(([a, b]) => ({ days: [`${a},${b}`, "?"] as [string, string], month: "*" })),
      // # inside a list: Quartz keeps the occurrence for the first weekday only.
      fc
        .tuple(valueIn(DAY_OF_WEEK), fc.integer({ min: 1, max: 5 }), valueIn(DAY_OF_WEEK))
        .map(([d, n, e]) => ({ days: ["?", `${d}#${n},${e}`] as [string, string], month: "*" })),
      // L (and several #) inside a list: Quartz refuses them.
      fc
        .tuple(
          fc.constantFrom("L", "LW", "L-3", "L-10"),
          listOf(valueIn(DAY_OF_MONTH).map(String), 2),
        )
        .map(([l, days]) => ({ days: [`${l},${days}`, "?"] as [string, string], month: "*" })),
      fc
        .tuple(valueIn(DAY_OF_WEEK), valueIn(DAY_OF_WEEK), fc.integer({ min: 1, max: 5 }))
        .chain(([d, e, n]) =>
          fc.constantFrom(`${d}L,${e}`, `${e},${d}L`, `${d}#${n},${e}#${6 - n}`, `L,${e}`),
        )
        .map((dow) => ({ days: ["?", dow] as [string, string], month: "*" })),
    ),
  )
  .map(([sec, min, hour, { days, month }]) => joinFields([sec, min, hour], days, month, undefined));

function monthStepOnNames(): fc.Arbitrary<string> {
  return fc
    .tuple(rangeOf(MONTH), fc.integer({ min: 2, max: 5 }))
    .map(([[a, b], s]) => `${MONTHS[a - 1]}-${MONTHS[b - 1]}/${s}`);
}

function weekdayStepOnNames(): fc.Arbitrary<string> {
  return fc
    .tuple(rangeOf(DAY_OF_WEEK), fc.integer({ min: 2, max: 3 }))
    .map(([[a, b], s]) => `${WEEKDAYS[a - 1]}-${WEEKDAYS[b - 1]}/${s}`);
}

/**
 * One field pushed to (or just past) the edge of validity, the rest ordinary. Each entry
 * is a question "does everyone agree this is valid/invalid?", so some are valid. They are
 * few, so a batch holds each once rather than a random draw of them.
 */
export const EDGE_EXPRESSIONS: readonly string[] = [
  // Values just inside and just outside each field.
  "59 59 23 31 12 ?",
  "60 0 0 * * ?",
  "0 60 0 * * ?",
  "0 0 24 * * ?",
  "0 0 0 0 * ?",
  "0 0 0 32 * ?",
  "0 0 0 * 0 ?",
  "0 0 0 * 13 ?",
  "0 0 0 ? * 0",
  "0 0 0 ? * 8",
  // Steps: the longest Quartz allows, one more, zero, and past the end after a range.
  "0/59 0 0 * * ?",
  "*/60 0 0 * * ?",
  "0 */60 0 * * ?",
  "0 0 */23 * * ?",
  "0 0 */24 * * ?",
  "0 0 0 */31 * ?",
  "0 0 0 */32 * ?",
  "0 0 0 ? */12 *",
  "0 0 0 ? * */7",
  "*/0 0 0 * * ?",
  "0 10-50/60 0 * * ?",
  // The day fields together.
  "0 0 0 ? * ?",
  "0 0 0 * * *",
  "0 0 0 1 * MON",
  "0 0 0 ?/2 * MON",
  "0 0 0 1 * ?/2",
  // L, W and # where Quartz has rules about them.
  "0 0 0 L,15 * ?",
  "0 0 0 1,L * ?",
  "0 0 0 LW,15 * ?",
  "0 0 0 ? * 6L,2",
  "0 0 0 ? * 2#6",
  "0 0 0 ? * 2#0",
  "0 0 0 ? * 2#1,3#2",
  "0 0 0 L-30 * ?",
  "0 0 0 L-31 * ?",
  "0 0 0 L-0 * ?",
  "0 0 0 32W * ?",
  "0 0 0 0W * ?",
  "0 0 0 L-3W * ?",
  "0 0 0 1-5W * ?",
  "0 0 0 ? * L-2",
  "0 0 0 ? * 2-6L",
  "0 0 0 15L * ?",
  "0 0 0 ? * 2W",
  "0 0 0 15#2 * ?",
  // Years: reversed, before 1970, after 2099, stepped.
  "0 0 0 1 1 ? 2030-2026",
  "0 0 0 1 1 ? 1969",
  "0 0 0 1 1 ? 2099",
  "0 0 0 1 1 ? 2100",
  "0 0 0 1 1 ? 2026/10",
  // Shapes: too few or too many fields, empty list items, words for names, case.
  "0 0 0 * *",
  "0 0 0 * * ? 2026 extra",
  "0 0 0 ? * MON,",
  "0 0 0 ? * ,MON",
  "0 0 0 ? * MONDAY",
  "0 0 0 ? jan-mar mon-fri",
  "0 0 0 l * ?",
  "0 0 0 15w * ?",
];

export interface GenerateOptions {
  readonly seed: number;
  /** How many random cases; the edge expressions come on top, once each. */
  readonly cases: number;
  /** Fires asked for per case. */
  readonly count?: number;
  /** The share of random cases drawn from the quirk family; default 0.05. */
  readonly quirkShare?: number;
}

/** The arbitrary behind the random part of {@link generateCronCases}, for property tests. */
export function cronCase(quirkShare = 0.05, count = 5): fc.Arbitrary<Omit<CronCase, "id">> {
  const quirkWeight = Math.round(quirkShare * 1000);
  const expression = fc.oneof(
    w(
      1000 - quirkWeight,
      plainExpression.map((e) => ({ expression: e, family: "plain" as const })),
    ),
    w(
      quirkWeight,
      quirkExpression.map((e) => ({ expression: e, family: "quirk" as const })),
    ),
  );
  return fc.tuple(expression, zonedStart).map(([e, z]) => ({ ...e, ...z, count }));
}

/**
 * A reproducible batch: every edge expression once, then `cases` random ones. The same
 * seed gives the same cases.
 * @example generateCronCases({ seed: 1, cases: 3 }).at(-1)
 *   // { id: "g2", expression: "0 0/15 2 ? * FRI-MON", timeZone: "Pacific/Chatham", from: "...", count: 5, family: "plain" }
 */
export function generateCronCases(options: GenerateOptions): CronCase[] {
  const count = options.count ?? 5;
  const edgeStarts = fc.sample(zonedStart, {
    seed: options.seed,
    numRuns: EDGE_EXPRESSIONS.length,
  });
  const edges = EDGE_EXPRESSIONS.map((expression, i) => ({
    id: `e${i}`,
    expression,
    ...edgeStarts[i]!,
    count,
    family: "edge" as const,
  }));
  const drawn = fc.sample(cronCase(options.quirkShare, count), {
    seed: options.seed,
    numRuns: options.cases,
  });
  return [...edges, ...drawn.map((c, i) => ({ id: `g${i}`, ...c }))];
}
