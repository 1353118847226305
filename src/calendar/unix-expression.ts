/**
 * Unix (Vixie) cron: `minute hour day-of-month month day-of-week`, and the `@daily`-style
 * macros. Day-of-week 0 and 7 are Sunday. When both day fields are restricted a day
 * matching either fires, except that a field starting with `*` (such as `*‍/2`) keeps
 * the two AND-ed: Vixie cron's rule, which users' existing crontabs rely on.
 */
import type { CalendarFields } from "./calendar-fields.js";
import {
  type CronFieldDef,
  HOUR_FIELD,
  MINUTE_FIELD,
  MONTH_FIELD,
  parseCronList,
} from "./cron-field.js";
import { fieldSetOf } from "./field-set.js";
import { invalid } from "./trigger-error.js";

const DAY_OF_MONTH: CronFieldDef = { name: "day-of-month", min: 1, max: 31, allowed: "1-31" };
const DAY_OF_WEEK: CronFieldDef = {
  name: "day-of-week",
  min: 0,
  max: 7,
  names: Object.freeze({ SUN: 0, MON: 1, TUE: 2, WED: 3, THU: 4, FRI: 5, SAT: 6 }),
  allowed: "0-7 (0 and 7 are Sunday, or SUN-SAT)",
};

export const UNIX_MACROS: Readonly<Record<string, string>> = Object.freeze({
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
});

const ZERO = fieldSetOf([0]);
/** `?`, `#`, and `L`/`W` used as keywords (not inside names such as WED or JUL). */
const QUARTZ_ONLY = /[?#]|(^|,)L(-\d+)?W?(,|$)|\d[LW](,|$)/i;

/**
 * Parses a 5-field Unix cron expression or a macro.
 * @throws TriggerError `invalidTrigger`, naming the field, the text and what is allowed.
 * @example parseUnixExpression("30 6 * * 1-5") // 06:30 on weekdays
 */
export function parseUnixExpression(text: string): { readonly fields: CalendarFields } {
  const trimmed = text.trim();
  let expression = trimmed;
  if (trimmed.startsWith("@")) {
    const macro = UNIX_MACROS[trimmed.toLowerCase()];
    if (macro === undefined) {
      invalid(
        "expression",
        trimmed,
        "is not a schedule macro; allowed:",
        Object.keys(UNIX_MACROS).join(" "),
      );
    }
    expression = macro;
  }
  const parts = expression.split(/\s+/);
  if (parts.length !== 5) {
    invalid(
      "expression",
      text,
      `has ${parts.length} field${parts.length === 1 ? "" : "s"}; a Unix cron expression has 5:`,
      "minute hour day-of-month month day-of-week",
    );
  }
  const [min, hour, dom, month, dow] = parts as [string, string, string, string, string];
  for (const [def, value] of [
    [DAY_OF_MONTH, dom],
    [DAY_OF_WEEK, dow],
  ] as const) {
    if (QUARTZ_ONLY.test(value)) {
      invalid(
        def.name,
        value,
        "uses Quartz syntax, which Unix cron does not have; use a Quartz expression (6 or 7 fields) or",
        "* and plain values",
      );
    }
  }
  const starred = dom.startsWith("*") || dow.startsWith("*");
  const fields: CalendarFields = {
    second: ZERO,
    minute: fieldSetOf(parseCronList(MINUTE_FIELD, min)),
    hour: fieldSetOf(parseCronList(HOUR_FIELD, hour)),
    dayOfMonth:
      dom === "*" ? null : [{ kind: "days", set: fieldSetOf(parseCronList(DAY_OF_MONTH, dom)) }],
    dayOfWeek:
      dow === "*"
        ? null
        : [
            {
              kind: "weekdays",
              set: fieldSetOf(parseCronList(DAY_OF_WEEK, dow).map((v) => v % 7)),
            },
          ],
    dayCombine: starred ? "and" : "or",
    month: fieldSetOf(parseCronList(MONTH_FIELD, month)),
    years: null,
  };
  return { fields: Object.freeze(fields) };
}
