/**
 * The field grammar that Quartz and Unix cron share: `*`, values, names, ranges (wrapping
 * when the start is after the end, as in `50-10` or `FRI-MON`), lists and steps (`*‍/5`,
 * `0/15`, `10-50/10`). Keywords peculiar to one dialect (`?`, `L`, `W`, `#`) are handled
 * by that dialect before it calls in here.
 */
import { invalid } from "./trigger-error.js";

export interface CronFieldDef {
  /** The field's name in error messages, e.g. `day-of-week`. */
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** Names accepted for values, upper case, each mapped to its value. */
  readonly names?: Readonly<Record<string, number>>;
  /** How the allowed values are spelled in messages, e.g. `1-7 (SUN-SAT)`. */
  readonly allowed: string;
  /** Whether a range may run past the maximum and round to the start (not for years). */
  readonly wraps?: boolean;
}

export const MONTH_NAMES: Readonly<Record<string, number>> = Object.freeze({
  JAN: 1,
  FEB: 2,
  MAR: 3,
  APR: 4,
  MAY: 5,
  JUN: 6,
  JUL: 7,
  AUG: 8,
  SEP: 9,
  OCT: 10,
  NOV: 11,
  DEC: 12,
});

/** The fields both dialects spell the same way. */
export const SECOND_FIELD: CronFieldDef = { name: "second", min: 0, max: 59, allowed: "0-59" };
export const MINUTE_FIELD: CronFieldDef = { name: "minute", min: 0, max: 59, allowed: "0-59" };
export const HOUR_FIELD: CronFieldDef = { name: "hour", min: 0, max: 23, allowed: "0-23" };
export const MONTH_FIELD: CronFieldDef = {
  name: "month",
  min: 1,
  max: 12,
  names: MONTH_NAMES,
  allowed: "1-12 (JAN-DEC)",
};

/** Parses one value: a number or a name. */
export function parseCronValue(def: CronFieldDef, text: string): number {
  let value: number;
  if (/^\d+$/.test(text)) value = Number(text);
  else {
    const named = def.names?.[text.toUpperCase()];
    if (named === undefined)
      return invalid(def.name, text, "is not a value; allowed:", def.allowed);
    value = named;
  }
  if (value < def.min || value > def.max)
    return invalid(def.name, text, "is out of range", def.allowed);
  return value;
}

function parseStep(def: CronFieldDef, text: string, whole: string): number {
  // Quartz's limit: a step can be at most the field's largest value (59 for seconds).
  const most = Math.min(def.max, def.max - def.min + 1);
  if (!/^\d+$/.test(text))
    return invalid(def.name, whole, "has a step that is not a whole number; e.g.", "*/5");
  const step = Number(text);
  if (step < 1 || step > most)
    return invalid(def.name, whole, `has a step out of range 1-${most};`, "e.g. */5");
  return step;
}

/**
 * The values of one list item (`*`, `5`, `MON`, `1-5`, `50-10`, `*‍/15`, `0/15`, `10-50/10`).
 * Ranges that wrap count on from the start through the maximum and round again to the end.
 */
export function parseCronItem(def: CronFieldDef, item: string, whole: string): number[] {
  if (item === "") return invalid(def.name, whole, "has an empty list item");
  const slash = item.indexOf("/");
  const base = slash < 0 ? item : item.slice(0, slash);
  const step = slash < 0 ? 1 : parseStep(def, item.slice(slash + 1), whole);
  let start: number;
  let end: number;
  if (base === "*") {
    start = def.min;
    end = def.max;
  } else {
    const dash = base.indexOf("-", 1);
    if (dash < 0) {
      start = parseCronValue(def, base);
      // `5/15` runs from 5 to the end of the field; a plain `5` is just 5.
      end = slash < 0 ? start : def.max;
    } else {
      start = parseCronValue(def, base.slice(0, dash));
      end = parseCronValue(def, base.slice(dash + 1));
      if (end < start && def.wraps === false)
        invalid(def.name, base, "starts after it ends; write the earlier value first");
    }
  }
  const span = def.max - def.min + 1;
  const last = end >= start ? end : end + span;
  const values: number[] = [];
  for (let v = start; v <= last; v += step) values.push(v > def.max ? v - span : v);
  return values;
}

/** The values of a whole comma-separated field. */
export function parseCronList(def: CronFieldDef, text: string): number[] {
  const values: number[] = [];
  for (const item of text.split(",")) values.push(...parseCronItem(def, item, text));
  return values;
}
