/**
 * Calendar expressions in the EJB 3.1 `ScheduleExpression` form that the Imixs workflow
 * scheduler reads: `name=value` attributes, one a line or separated by `;`, e.g.
 * `hour=8-17; minute=*\/30; dayOfWeek=Mon-Fri`. Parsing yields the same
 * {@link CalendarFields} as every other field-based trigger, so search, DST handling and
 * descriptions are shared; this file only knows the syntax.
 *
 * Deliberate leniencies (documented in docs/calendar-expressions.md): attribute names,
 * keywords and month and weekday names are case-insensitive, and full month and weekday
 * names are accepted beside the three-letter ones. Everything else EJB forbids is an error.
 */
import {
  type CalendarFields,
  type DayRule,
  MAX_YEAR,
  type SingleDayRule,
} from "./calendar-fields.js";
import { daysInMonth } from "./civil.js";
import { fieldSetOf, valuesOf } from "./field-set.js";
import { invalid } from "./trigger-error.js";

export interface CalendarExpression {
  readonly fields: CalendarFields;
  /** The `timezone` attribute as written; the caller checks that the zone exists. */
  readonly timeZone?: string;
  /** `start=yyyy/mm/dd`: the first day, in the schedule's zone, on which it may fire. */
  readonly start?: { year: number; month: number; day: number };
  /** `end=yyyy/mm/dd`: the last day, in the schedule's zone, on which it may fire. */
  readonly end?: { year: number; month: number; day: number };
}

type CivilDate = { year: number; month: number; day: number };

const ATTRIBUTES = [
  "second",
  "minute",
  "hour",
  "dayOfMonth",
  "month",
  "dayOfWeek",
  "year",
  "timezone",
  "start",
  "end",
] as const;
type Attribute = (typeof ATTRIBUTES)[number];

/** No two attributes differ only in case, so a case-insensitive lookup cannot be ambiguous. */
const ATTRIBUTE_BY_LOWER = new Map<string, Attribute>(ATTRIBUTES.map((a) => [a.toLowerCase(), a]));

/** The `field` of errors about the expression as a whole rather than one attribute. */
const EXPRESSION = "calendar";

/** Unix cron dialects prefix a line with `TZ=` or `CRON_TZ=`; those are not calendars. */
const CRON_PREFIXES = new Set(["tz", "cron_tz"]);

function namesOf(names: string, first: number): ReadonlyMap<string, number> {
  const map = new Map<string, number>();
  names.split(" ").forEach((name, i) => {
    map.set(name, first + i);
    map.set(name.slice(0, 3), first + i);
  });
  return map;
}

const MONTH_NAMES = namesOf(
  "january february march april may june july august september october november december",
  1,
);
const WEEKDAY_NAMES = namesOf("sunday monday tuesday wednesday thursday friday saturday", 0);

interface FieldSpec {
  readonly name: Attribute;
  readonly min: number;
  readonly max: number;
  /** What the field accepts; it follows "is out of range" in messages. */
  readonly allowed: string;
  readonly names?: ReadonlyMap<string, number>;
}

const SECOND: FieldSpec = { name: "second", min: 0, max: 59, allowed: "0-59" };
const MINUTE: FieldSpec = { name: "minute", min: 0, max: 59, allowed: "0-59" };
const HOUR: FieldSpec = { name: "hour", min: 0, max: 23, allowed: "0-23" };
const MONTH: FieldSpec = {
  name: "month",
  min: 1,
  max: 12,
  allowed: "1-12 (or Jan-Dec)",
  names: MONTH_NAMES,
};
const DAY_OF_WEEK: FieldSpec = {
  name: "dayOfWeek",
  min: 0,
  max: 7,
  allowed: "0-7 (0 and 7 are Sunday, or Sun-Sat)",
  names: WEEKDAY_NAMES,
};
const DAY_OF_MONTH_ALLOWED =
  "1-31, -7 to -1 (days before the last), Last, or 1st-5th or Last and a weekday (2nd Tue, Last Fri)";
const YEAR_MIN = 1970;
const YEAR_ALLOWED = `${YEAR_MIN}-${MAX_YEAR} (four digits)`;
const DATE_ALLOWED = "a real date yyyy/mm/dd, e.g. 2026/03/31";
const INCREMENT_EXAMPLE = "*/15 or 30/10";

const ALLOWED: Readonly<Record<Attribute, string>> = {
  second: SECOND.allowed,
  minute: MINUTE.allowed,
  hour: HOUR.allowed,
  dayOfMonth: DAY_OF_MONTH_ALLOWED,
  month: MONTH.allowed,
  dayOfWeek: DAY_OF_WEEK.allowed,
  year: YEAR_ALLOWED,
  timezone: "an IANA time zone, e.g. Europe/Berlin",
  start: DATE_ALLOWED,
  end: DATE_ALLOWED,
};

const LIST_EXAMPLE: Readonly<Partial<Record<Attribute, string>>> = {
  dayOfMonth: "1,15,Last",
  month: "Jan,Jul-Aug",
  dayOfWeek: "Mon,Wed-Fri",
  year: "2026,2028-2030",
};

const NOT_A_PAIR = "is not a name=value attribute; write attributes like";
const UNKNOWN = "is not a calendar attribute; use one of";
const REPEATED = "repeats an attribute; give it once, listing several values with commas, like";
const EMPTY_VALUE = "is empty; leave the attribute out for its default, or give";
const EMPTY_ITEM = "has an empty list item; separate values with single commas, like";
const LISTED_INCREMENT = "puts an increment in a list; write x/y on its own, or list values of";
const LISTED_WILDCARD = "puts a wildcard in a list; a list holds only values and ranges, like";
const NO_INCREMENT = "cannot take an increment (only second, minute and hour can); use";
const BAD_WILDCARD = "uses a wildcard inside a value; write * on its own, or use";
const RANGED_INCREMENT = "puts an increment on a range, which EJB does not allow; write";
const BAD_INCREMENT = "needs start/increment with an increment in the range";
const OUT_OF_RANGE = "is out of range";
const NOT_VALID = "is not a valid value; use";

/**
 * Parses an EJB / Imixs calendar expression into the fields the calendar searches.
 *
 * Unset attributes take EJB's defaults: `second=0`, `minute=0`, `hour=0`, and `*` for
 * `dayOfMonth`, `month`, `dayOfWeek` and `year`. A restricted `dayOfMonth` and a
 * restricted `dayOfWeek` match a day when either does. Throws a `TriggerError`
 * (`code: "invalidTrigger"`) naming the attribute, the text at fault and what is allowed.
 *
 * @example
 * const { fields } = parseCalendarExpression("hour=8-17; minute=*\/30; dayOfWeek=Mon-Fri");
 * // every half hour from 08:00 to 17:30, Monday to Friday
 * parseCalendarExpression("dayOfMonth=Last\nhour=23\ntimezone=Europe/Berlin").timeZone;
 * // "Europe/Berlin"
 */
export function parseCalendarExpression(text: string): CalendarExpression {
  const values = attributesOf(text);
  const dayOfMonth = values.get("dayOfMonth");
  const dayOfWeek = values.get("dayOfWeek");
  const fields: CalendarFields = {
    second: fieldSetOf(numbersOf(SECOND, values.get("second") ?? "0")),
    minute: fieldSetOf(numbersOf(MINUTE, values.get("minute") ?? "0")),
    hour: fieldSetOf(numbersOf(HOUR, values.get("hour") ?? "0")),
    dayOfMonth: dayOfMonth === undefined ? null : dayOfMonthRules(dayOfMonth),
    // EJB treats an explicit `0-7` as a restriction, unlike `*`: it still ORs with dayOfMonth.
    dayOfWeek:
      dayOfWeek === undefined || dayOfWeek === "*"
        ? null
        : [{ kind: "weekdays", set: fieldSetOf(numbersOf(DAY_OF_WEEK, dayOfWeek)) }],
    dayCombine: "or",
    month: fieldSetOf(numbersOf(MONTH, values.get("month") ?? "*")),
    years: yearsOf(values.get("year") ?? "*"),
  };

  const timeZone = values.get("timezone");
  const startText = values.get("start");
  const endText = values.get("end");
  const start = startText === undefined ? undefined : dateOf("start", startText);
  const end = endText === undefined ? undefined : dateOf("end", endText);
  if (start !== undefined && end !== undefined && compareDates(start, end) > 0) {
    invalid("end", endText as string, "is before the start date", startText);
  }
  return {
    fields,
    ...(timeZone === undefined ? {} : { timeZone }),
    ...(start === undefined ? {} : { start }),
    ...(end === undefined ? {} : { end }),
  };
}

/**
 * True when the text looks like a calendar expression (`name=value` pairs) rather than
 * cron: cron fields never contain `=`, except the `TZ=` / `CRON_TZ=` prefix some Unix
 * dialects put before the fields, which is not taken for a calendar. A misspelt attribute
 * still counts, so its author gets the calendar parser's error rather than cron's.
 *
 * @example
 * looksLikeCalendarExpression("hour=6; dayOfWeek=Mon-Fri"); // true
 * looksLikeCalendarExpression("0 0 6 ? * MON-FRI"); // false
 * looksLikeCalendarExpression("CRON_TZ=UTC 0 6 * * *"); // false
 */
export function looksLikeCalendarExpression(text: string): boolean {
  const match = /^[\s;]*([A-Za-z_]\w*)\s*=/.exec(text);
  return match !== null && !CRON_PREFIXES.has((match[1] as string).toLowerCase());
}

/** The attributes as written (values trimmed), checking names, repeats and emptiness. */
function attributesOf(text: string): Map<Attribute, string> {
  const values = new Map<Attribute, string>();
  for (const raw of text.split(/[;\r\n]/)) {
    const pair = raw.trim();
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    if (eq < 0) invalid(EXPRESSION, pair, NOT_A_PAIR, "hour=8; minute=30");
    const written = pair.slice(0, eq).trim();
    const name = ATTRIBUTE_BY_LOWER.get(written.toLowerCase());
    if (name === undefined) invalid(EXPRESSION, written, UNKNOWN, ATTRIBUTES.join(", "));
    if (values.has(name)) invalid(name, pair, REPEATED, `${name}=${LIST_EXAMPLE[name] ?? "8,12"}`);
    const value = pair.slice(eq + 1).trim();
    if (value === "") invalid(name, value, EMPTY_VALUE, ALLOWED[name]);
    values.set(name, value);
  }
  if (values.size === 0) {
    invalid(EXPRESSION, text.trim(), "is empty; give at least one attribute, like", "hour=8");
  }
  return values;
}

/**
 * The items of a list, refusing what EJB lists may not hold (wildcards, increments,
 * stray commas) and increments outside second, minute and hour. The caller has already
 * taken a lone `*`.
 */
function itemsOf(name: Attribute, value: string, increments: boolean): string[] {
  const items = value.split(",").map((item) => item.trim());
  const allowed = ALLOWED[name];
  const example = LIST_EXAMPLE[name] ?? "8,12-14";
  for (const item of items) {
    if (items.length > 1) {
      if (item === "") invalid(name, value, EMPTY_ITEM, example);
      if (item.includes("/")) invalid(name, value, LISTED_INCREMENT, allowed);
      if (item.includes("*")) invalid(name, value, LISTED_WILDCARD, example);
    }
    if (item.includes("/") && !increments) invalid(name, item, NO_INCREMENT, allowed);
    if (item.includes("*") && !item.startsWith("*/")) invalid(name, item, BAD_WILDCARD, allowed);
  }
  return items;
}

/** The values of second, minute, hour, month or dayOfWeek (0-6), in any order. */
function numbersOf(spec: FieldSpec, value: string): number[] {
  if (value === "*") return span(spec.min, spec.max);
  const increments = spec === SECOND || spec === MINUTE || spec === HOUR;
  const out: number[] = [];
  for (const item of itemsOf(spec.name, value, increments)) {
    const values = item.includes("/") ? incrementOf(spec, item) : rangeOf(spec, item);
    // EJB lets 7 stand for Sunday as well as 0; the calendar knows only 0.
    for (const v of values) out.push(spec === DAY_OF_WEEK && v === 7 ? 0 : v);
  }
  return out;
}

/** `x/y` or `*\/y`: x, x+y, x+2y … up to the field's end. */
function incrementOf(spec: FieldSpec, item: string): number[] {
  const [base = "", step = "", extra] = item.split("/").map((part) => part.trim());
  if (extra !== undefined) invalid(spec.name, item, NOT_VALID, INCREMENT_EXAMPLE);
  if (base.includes("-")) invalid(spec.name, item, RANGED_INCREMENT, INCREMENT_EXAMPLE);
  const first = base === "*" ? spec.min : tokenOf(spec, base);
  const by = /^\d+$/.test(step) ? Number(step) : 0;
  if (by < 1 || by > spec.max) invalid(spec.name, item, BAD_INCREMENT, `1-${spec.max}`);
  const out: number[] = [];
  for (let v = first; v <= spec.max; v += by) out.push(v);
  return out;
}

/** A single value or a range `x-y`, which wraps past the field's end when x > y. */
function rangeOf(spec: FieldSpec, item: string): number[] {
  const parts = item.split("-").map((part) => part.trim());
  if (parts.length === 1) return [tokenOf(spec, item)];
  const [from = "", to = ""] = parts;
  if (parts.length > 2 || from === "" || to === "") {
    invalid(spec.name, item, NOT_VALID, spec.allowed);
  }
  const a = tokenOf(spec, from);
  const b = tokenOf(spec, to);
  return a <= b ? span(a, b) : [...span(a, spec.max), ...span(spec.min, b)];
}

function tokenOf(spec: FieldSpec, token: string): number {
  if (/^\d+$/.test(token)) {
    const n = Number(token);
    if (n < spec.min || n > spec.max) invalid(spec.name, token, OUT_OF_RANGE, spec.allowed);
    return n;
  }
  const named = spec.names?.get(token.toLowerCase());
  if (named === undefined) invalid(spec.name, token, NOT_VALID, spec.allowed);
  return named;
}

function span(from: number, to: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v++) out.push(v);
  return out;
}

function yearsOf(value: string): number[] | null {
  if (value === "*") return null;
  const years = new Set<number>();
  for (const item of itemsOf("year", value, false)) {
    const parts = item.split("-").map((part) => part.trim());
    if (parts.length > 2) invalid("year", item, NOT_VALID, YEAR_ALLOWED);
    const from = yearOf(parts[0] ?? "");
    const to = parts.length === 2 ? yearOf(parts[1] ?? "") : from;
    if (from > to) {
      invalid("year", item, "runs backwards; write the earlier year first:", `${to}-${from}`);
    }
    for (let y = from; y <= to; y++) years.add(y);
  }
  return [...years].sort((a, b) => a - b);
}

function yearOf(token: string): number {
  if (!/^\d{4}$/.test(token)) invalid("year", token, NOT_VALID, YEAR_ALLOWED);
  const year = Number(token);
  // Searches stop at MAX_YEAR, so a later year would be a schedule that silently never fires.
  if (year < YEAR_MIN || year > MAX_YEAR) invalid("year", token, OUT_OF_RANGE, YEAR_ALLOWED);
  return year;
}

/** `yyyy/mm/dd`; `yyyy-mm-dd` too, since that is how most people write a date today. */
function dateOf(name: "start" | "end", value: string): CivilDate {
  const match = /^(\d{4})([/-])(\d{1,2})\2(\d{1,2})$/.exec(value);
  if (match === null) invalid(name, value, "is not a date; use", DATE_ALLOWED);
  const year = Number(match[1]);
  const month = Number(match[3]);
  const day = Number(match[4]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    invalid(name, value, "is not a real date; use", DATE_ALLOWED);
  }
  return { year, month, day };
}

function compareDates(a: CivilDate, b: CivilDate): number {
  return a.year - b.year || a.month - b.month || a.day - b.day;
}

// ---- dayOfMonth ------------------------------------------------------------------------

const ORDINALS = new Map([
  ["1st", 1],
  ["2nd", 2],
  ["3rd", 3],
  ["4th", 4],
  ["5th", 5],
]);

/** One dayOfMonth value: a number, `-n`, `Last`, or an ordinal or `Last` and a weekday. */
const DAY_ATOM = String.raw`(?:-?\d+|(?:\d+(?:st|nd|rd|th)|last)(?:\s+[a-z]+)?)`;
const DAY_RANGE = new RegExp(String.raw`^(${DAY_ATOM})\s*-\s*(${DAY_ATOM})$`, "i");

function dayOfMonthRules(value: string): DayRule[] | null {
  if (value === "*") return null;
  const days = new Set<number>();
  const others = new Map<string, DayRule>();
  for (const item of itemsOf("dayOfMonth", value, false)) {
    const range = DAY_RANGE.exec(item);
    const rule = range === null ? dayAtom(item) : dayRangeOf(range[1], range[2]);
    if (rule.kind === "days") for (const d of valuesOf(rule.set)) days.add(d);
    else others.set(JSON.stringify(rule), rule);
  }
  const rules: DayRule[] = [];
  if (days.size > 0) rules.push({ kind: "days", set: fieldSetOf(days) });
  rules.push(...others.values());
  return rules;
}

function dayAtom(token: string): SingleDayRule {
  const lower = token.toLowerCase();
  if (/^-?\d+$/.test(lower)) {
    const n = Number(lower);
    if (n < -7 || n === 0 || n > 31) {
      invalid("dayOfMonth", token, OUT_OF_RANGE, DAY_OF_MONTH_ALLOWED);
    }
    return n > 0 ? { kind: "days", set: fieldSetOf([n]) } : { kind: "lastDay", offset: -n };
  }
  if (lower === "last") return { kind: "lastDay", offset: 0 };
  const [, ordinal = "", name = ""] = /^(\d+(?:st|nd|rd|th)|last)\s+(\S+)$/.exec(lower) ?? [];
  if (ordinal === "") invalid("dayOfMonth", token, NOT_VALID, DAY_OF_MONTH_ALLOWED);
  const nth = ORDINALS.get(ordinal);
  if (nth === undefined && ordinal !== "last") {
    invalid(
      "dayOfMonth",
      token,
      "needs 1st, 2nd, 3rd, 4th, 5th or Last before the weekday; use",
      DAY_OF_MONTH_ALLOWED,
    );
  }
  const weekday = WEEKDAY_NAMES.get(name);
  if (weekday === undefined) {
    invalid(
      "dayOfMonth",
      token,
      "does not name a weekday; use",
      "Sun-Sat after the ordinal, e.g. 2nd Tue",
    );
  }
  return nth === undefined
    ? { kind: "lastWeekdayOf", weekday }
    : { kind: "nthWeekday", weekday, nth };
}

/**
 * A dayOfMonth range. Between day numbers it stays a plain set, wrapping past the 31st
 * when x > y, because EJB defines `x-y` with x > y as `x-31,1-y`: so `30-2` still fires
 * on 1 and 2 February, where a `between` rule would skip a month lacking its start. Any
 * other end moves with the month, so the range is placed month by month.
 */
function dayRangeOf(fromText = "", toText = ""): DayRule {
  const from = dayAtom(fromText);
  const to = dayAtom(toText);
  if (from.kind === "days" && to.kind === "days") {
    const a = valuesOf(from.set)[0] as number;
    const b = valuesOf(to.set)[0] as number;
    return { kind: "days", set: fieldSetOf(a <= b ? span(a, b) : [...span(a, 31), ...span(1, b)]) };
  }
  // `Last-Last` is just `Last`, and stays comparable with it when duplicates are dropped.
  if (JSON.stringify(from) === JSON.stringify(to)) return from;
  return { kind: "between", from, to };
}
