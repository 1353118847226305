/**
 * Quartz cron expressions: `second minute hour day-of-month month day-of-week [year]`.
 *
 * Quartz's `org.quartz.CronExpression` is the reference for what is valid and when it
 * fires; where its behaviour is an outright bug we implement the documented meaning
 * instead (docs/cron.md lists every difference).
 */
import type { CalendarFields, DayRule } from "./calendar-fields.js";
import {
  type CronFieldDef,
  HOUR_FIELD,
  MINUTE_FIELD,
  MONTH_FIELD,
  parseCronItem,
  parseCronList,
  parseCronValue,
  SECOND_FIELD,
} from "./cron-field.js";
import { fieldSetOf } from "./field-set.js";
import { invalid } from "./trigger-error.js";

const DAY_OF_MONTH: CronFieldDef = {
  name: "day-of-month",
  min: 1,
  max: 31,
  allowed: "1-31, L, L-n, LW, L-nW, nW or ?",
};
const DAY_OF_WEEK: CronFieldDef = {
  name: "day-of-week",
  min: 1,
  max: 7,
  names: Object.freeze({ SUN: 1, MON: 2, TUE: 3, WED: 4, THU: 5, FRI: 6, SAT: 7 }),
  allowed: "1-7 (SUN-SAT)",
};
const YEAR: CronFieldDef = {
  name: "year",
  min: 1970,
  max: 2099,
  allowed: "1970-2099",
  wraps: false,
};

export interface CronExpression {
  readonly fields: CalendarFields;
}

function parseDayOfMonth(text: string): readonly DayRule[] | null {
  if (text === "*") return null;
  const rules: DayRule[] = [];
  const days: number[] = [];
  for (const item of text.split(",")) {
    const upper = item.toUpperCase();
    // L, L-n, LW and L-nW: the last day, n days before it, or the weekday nearest either.
    const last = /^L(?:-(\d+))?(W?)$/.exec(upper);
    if (last) {
      const offset = Number(last[1] ?? 0);
      if (offset > 30)
        invalid(DAY_OF_MONTH.name, item, "has an offset out of range", "L-0 to L-30");
      rules.push(last[2] === "W" ? { kind: "lastWeekday", offset } : { kind: "lastDay", offset });
    } else if (/^\d+W$/.test(upper)) {
      rules.push({ kind: "nearestWeekday", day: parseCronValue(DAY_OF_MONTH, upper.slice(0, -1)) });
    } else if (/[LW]/.test(upper)) {
      invalid(DAY_OF_MONTH.name, item, "is not understood; allowed:", DAY_OF_MONTH.allowed);
    } else days.push(...parseCronItem(DAY_OF_MONTH, item, text));
  }
  if (days.length > 0) rules.push({ kind: "days", set: fieldSetOf(days) });
  return rules;
}

function parseDayOfWeek(text: string): readonly DayRule[] | null {
  if (text === "*") return null;
  const rules: DayRule[] = [];
  const weekdays: number[] = [];
  for (const item of text.split(",")) {
    const upper = item.toUpperCase();
    const hash = upper.indexOf("#");
    if (upper === "L")
      weekdays.push(6); // Quartz: a bare L is the last day of the week, Saturday
    else if (hash > 0) {
      const weekday = parseCronValue(DAY_OF_WEEK, upper.slice(0, hash)) - 1;
      const nthText = upper.slice(hash + 1);
      if (!/^[1-5]$/.test(nthText))
        invalid(
          DAY_OF_WEEK.name,
          item,
          "has an occurrence out of range 1-5;",
          "e.g. 2#3 for the third Monday",
        );
      rules.push({ kind: "nthWeekday", weekday, nth: Number(nthText) });
    } else if (upper.length > 1 && upper.endsWith("L")) {
      rules.push({
        kind: "lastWeekdayOf",
        weekday: parseCronValue(DAY_OF_WEEK, upper.slice(0, -1)) - 1,
      });
    } else weekdays.push(...parseCronItem(DAY_OF_WEEK, item, text).map((v) => v - 1));
  }
  if (weekdays.length > 0) rules.push({ kind: "weekdays", set: fieldSetOf(weekdays) });
  return rules;
}

/**
 * Parses a Quartz cron expression.
 * @throws TriggerError `invalidTrigger`, naming the field, the text and what is allowed.
 * @example parseCronExpression("0 0 6 ? * MON-FRI").fields.hour // the set {6}
 */
export function parseCronExpression(text: string): CronExpression {
  const parts = text.trim().split(/\s+/);
  if (parts.length < 6 || parts.length > 7) {
    invalid(
      "expression",
      text,
      `has ${parts.length} field${parts.length === 1 ? "" : "s"}; a Quartz cron expression has 6 or 7:`,
      "second minute hour day-of-month month day-of-week [year]",
    );
  }
  const [sec, min, hour, dom, month, dow, year] = parts as [
    string,
    string,
    string,
    string,
    string,
    string,
    string?,
  ];
  if ((dom === "?") === (dow === "?")) {
    invalid(
      "day-of-month",
      `${dom} ${dow}`,
      'and day-of-week: exactly one of the two must be "?", e.g.',
      '"0 0 6 ? * MON-FRI" or "0 0 6 1 * ?"',
    );
  }
  const fields: CalendarFields = {
    second: fieldSetOf(parseCronList(SECOND_FIELD, sec)),
    minute: fieldSetOf(parseCronList(MINUTE_FIELD, min)),
    hour: fieldSetOf(parseCronList(HOUR_FIELD, hour)),
    dayOfMonth: dom === "?" ? null : parseDayOfMonth(dom),
    dayOfWeek: dow === "?" ? null : parseDayOfWeek(dow),
    dayCombine: "and",
    month: fieldSetOf(parseCronList(MONTH_FIELD, month)),
    years:
      year === undefined || year === "*"
        ? null
        : [...new Set(parseCronList(YEAR, year))].sort((a, b) => a - b),
  };
  return { fields: Object.freeze(fields) };
}
