import fc from "fast-check";
import { expect, describe as group, it } from "vitest";
import { parseCalendarExpression } from "../../src/calendar/calendar-expression.js";
import { type CalendarFields, type DayRule, dayMask } from "../../src/calendar/calendar-fields.js";
import { parseCronExpression } from "../../src/calendar/cron-expression.js";
import { describeFields, describeInterval, describeOnce } from "../../src/calendar/describe.js";
import { EMPTY_SET, type FieldSet, fieldSetOf, rangeSet } from "../../src/calendar/field-set.js";
import { parseUnixExpression } from "../../src/calendar/unix-expression.js";

/** Every second of every day unless overridden, so each case states only what it restricts. */
function fields(overrides: Partial<CalendarFields>): CalendarFields {
  return {
    second: rangeSet(0, 59),
    minute: rangeSet(0, 59),
    hour: rangeSet(0, 23),
    dayOfMonth: null,
    dayOfWeek: null,
    dayCombine: "or",
    month: rangeSet(1, 12),
    years: null,
    ...overrides,
  };
}

const set = (...values: number[]): FieldSet => fieldSetOf(values);
const days = (...values: number[]): DayRule => ({ kind: "days", set: set(...values) });
const weekdays = (...values: number[]): DayRule => ({ kind: "weekdays", set: set(...values) });
const at = (hour: number, minute: number, second = 0): Partial<CalendarFields> => ({
  second: set(second),
  minute: set(minute),
  hour: set(hour),
});

group("describeFields", () => {
  group("Quartz cron", () => {
    it.each([
      ["* * * * * ?", "Every second"],
      ["0 * * * * ?", "Every minute"],
      ["0 */15 * * * ?", "Every 15 minutes"],
      ["*/10 * * * * ?", "Every 10 seconds"],
      ["0 0 * * * ?", "Every hour"],
      ["0 0 */2 * * ?", "Every 2 hours"],
      ["0 0 0,12 * * ?", "Every 12 hours"],
      ["0 0 1/2 * * ?", "Every 2 hours, starting at 01:00"],
      ["0 30 */6 * * ?", "Every 6 hours, starting at 00:30"],
      ["0 15 * * * ?", "At 15 minutes past the hour"],
      ["30 15 * * * ?", "At 15 minutes and 30 seconds past the hour"],
      ["30 * * * * ?", "At 30 seconds past the minute"],
      ["5/15 * * * * ?", "Every 15 seconds, starting at 5 seconds past the minute"],
      ["0 5/15 * * * ?", "Every 15 minutes, starting at 5 minutes past the hour"],
      ["0 15 10 ? * *", "At 10:15"],
      ["30 15 10 * * ?", "At 10:15:30"],
      ["0 0 8,12,17 * * ?", "At 08:00, 12:00 and 17:00"],
      ["0 0 6,18 * * ?", "At 06:00 and 18:00"],
      ["15,45 0 12 * * ?", "At 12:00:15 and 12:00:45"],
      ["0 0/5 14 * * ?", "Every 5 minutes, between 14:00 and 14:55"],
      ["0 * 14 * * ?", "Every minute, between 14:00 and 14:59"],
      ["* * 14 * * ?", "Every second, between 14:00:00 and 14:59:59"],
      ["0 0,30 8-17 * * ?", "Every 30 minutes, between 08:00 and 17:30"],
      ["0 0 9-17 * * ?", "Every hour, between 09:00 and 17:00"],
      // 00:00 … 20:00, then four hours to the next midnight: not "every 5 hours" around the clock.
      ["0 0 */5 * * ?", "Every 5 hours, between 00:00 and 20:00"],
      ["0 */7 * * * ?", "Every 7 minutes from 0 to 56 minutes past the hour"],
      ["0 0-4 * * * ?", "Every minute from 0 to 4 minutes past the hour"],
      ["0 0,45 * * * ?", "At 0 and 45 minutes past the hour"],
      ["0 0,45 8-17 * * ?", "At 0 and 45 minutes past the hour, between 08:00 and 17:59"],
      [
        "0 0-10,45 14 * * ?",
        "At 0 through 10 and 45 minutes past the hour, between 14:00 and 14:59",
      ],
      ["30 0,45 * * * ?", "At 0 and 45 minutes past the hour, at 30 seconds past the minute"],
      ["* 0-4 * * * ?", "Every second, during minutes 0 through 4 of the hour"],
      [
        "0-9 */5 * * * ?",
        "Every second from 0 to 9 seconds past the minute, during every 5th minute of the hour",
      ],
      ["0 0/5 14,18 * * ?", "Every 5 minutes, from 14:00 to 14:55 and from 18:00 to 18:55"],
      ["0 0 8-11,13-17 * * ?", "Every hour, from 08:00 to 11:00 and from 13:00 to 17:00"],
      ["0 0,45 */2 * * ?", "At 0 and 45 minutes past the hour, during every 2nd hour"],
      ["0 * */2 * * ?", "Every minute, during every 2nd hour"],
      ["0 0,45 1/3 * * ?", "At 0 and 45 minutes past the hour, during every 3rd hour from 01:00"],
      [
        "0 0 0-2,5,9-11,13,15,20 * * ?",
        "On the hour, during hours 0 through 2, 5, 9 through 11, 13, 15 and 20",
      ],
      ["0 0 6 ? * MON-FRI", "At 06:00, Monday through Friday"],
      ["0 0 9 ? * FRI,SAT,SUN,MON", "At 09:00, Friday through Monday"],
      ["0 0 12 ? * SAT,SUN", "At 12:00, on Saturday and Sunday"],
      ["0 0 12 ? * MON,WED,FRI", "At 12:00, on Monday, Wednesday and Friday"],
      ["0 0 12 ? * 1,2,3,5", "At 12:00, on Sunday through Tuesday and Thursday"],
      ["0 0 12 ? * 1,4,7", "At 12:00, on Wednesday, Saturday and Sunday"],
      ["0 0 12 L * ?", "At 12:00, on the last day of the month"],
      ["0 0 12 L-3 * ?", "At 12:00, 3 days before the last day of the month"],
      ["0 0 12 L-1 * ?", "At 12:00, 1 day before the last day of the month"],
      ["0 0 12 15W * ?", "At 12:00, on the weekday nearest day 15 of the month"],
      ["0 0 12 LW * ?", "At 12:00, on the last weekday of the month"],
      ["0 0 12 ? * 6L", "At 12:00, on the last Friday of the month"],
      ["0 0 12 ? * 2#3", "At 12:00, on the third Monday of the month"],
      ["0 0 12 1/5 * ?", "At 12:00, every 5 days of the month, starting on day 1"],
      ["0 0 12 5-20/5 * ?", "At 12:00, every 5 days from day 5 through day 20 of the month"],
      ["0 0 12 1/2 * ?", "At 12:00, on odd days of the month"],
      ["0 0 12 2/2 * ?", "At 12:00, on even days of the month"],
      ["0 0 12 1,15 * ?", "At 12:00, on days 1 and 15 of the month"],
      ["0 0 12 1-7 * ?", "At 12:00, on days 1 through 7 of the month"],
      ["0 0 12 1,L * ?", "At 12:00, on the last day of the month or on day 1 of the month"],
      ["0 0 0 1 1-3 ?", "At 00:00, on day 1 of the month, only in January through March"],
      ["0 0 0 1 NOV-FEB ?", "At 00:00, on day 1 of the month, only in November through February"],
      [
        "0 0 0 1 1/3 ?",
        "At 00:00, on day 1 of the month, only in January, April, July and October",
      ],
      ["0 0 0 1 * ? 2026", "At 00:00, on day 1 of the month, only in 2026"],
      ["0 0 0 1 3 ? 2026", "At 00:00, on day 1 of the month, only in March of 2026"],
      ["0 0 0 1 * ? 2026-2030", "At 00:00, on day 1 of the month, from 2026 through 2030"],
      [
        "0 0 0 1 * ? 2026,2028-2030",
        "At 00:00, on day 1 of the month, only in 2026 and 2028 through 2030",
      ],
      [
        "0 0 0 1 * ? 2026/2",
        "At 00:00, on day 1 of the month, every 2 years from 2026 through 2098",
      ],
    ])("%s → %s", (expression, expected) => {
      expect(describeFields(parseCronExpression(expression).fields)).toBe(expected);
    });
  });

  group("Unix cron", () => {
    it.each([
      ["*/5 * * * *", "Every 5 minutes"],
      ["@hourly", "Every hour"],
      ["30 6 * * 1-5", "At 06:30, Monday through Friday"],
      ["0 0 * * 0,6", "At 00:00, on Saturday and Sunday"],
      ["0 0 * * 7", "At 00:00, on Sunday"],
      // Both day fields restricted: either one fires.
      ["0 0 1 * 1", "At 00:00, on day 1 of the month or on Monday"],
      ["0 0 13 * 5", "At 00:00, on day 13 of the month or on Friday"],
      ["0 0 1,15 * 1,3", "At 00:00, on days 1 and 15 of the month or on Monday or Wednesday"],
      ["0 0 1 * 1-5", "At 00:00, on day 1 of the month or Monday through Friday"],
      // A field starting with `*` keeps both: the day must match both.
      ["0 0 */2 * 1-5", "At 00:00, on odd days of the month that are Monday through Friday"],
      ["0 0 */2 * 1", "At 00:00, on odd days of the month that are Mondays"],
      [
        "0 0 */3 * 1,5",
        "At 00:00, on days 1, 4, 7, 10, 13, 16, 19, 22, 25, 28 and 31 of the month that are Mondays or Fridays",
      ],
      ["0 0 13 * *", "At 00:00, on day 13 of the month"],
      ["0 9 */1 * 1", "At 09:00, on Monday"],
      ["0 9 1 * */1", "At 09:00, on day 1 of the month"],
    ])("%s → %s", (expression, expected) => {
      expect(describeFields(parseUnixExpression(expression).fields)).toBe(expected);
    });
  });

  group("EJB calendar", () => {
    it.each([
      [
        "hour=8-17; minute=*/30; dayOfWeek=Mon-Fri",
        "Every 30 minutes, between 08:00 and 17:30, Monday through Friday",
      ],
      ["dayOfMonth=Last; hour=23", "At 23:00, on the last day of the month"],
      ["dayOfMonth=-3", "At 00:00, 3 days before the last day of the month"],
      ["dayOfMonth=3rd Mon", "At 00:00, on the third Monday of the month"],
      [
        "dayOfMonth=Last Fri; month=Jan-Mar",
        "At 00:00, on the last Friday of the month, only in January through March",
      ],
      [
        "dayOfMonth=1; dayOfWeek=Mon,Wed",
        "At 00:00, on day 1 of the month or on Monday or Wednesday",
      ],
      // An explicit 0-7 restricts nothing, and OR-ed with day 1 it still allows every day.
      ["dayOfMonth=1; dayOfWeek=0-7", "At 00:00"],
      ["dayOfMonth=15-Last", "At 00:00, from day 15 through the last day of the month"],
      [
        "dayOfMonth=1st Mon-3rd Fri; hour=9",
        "At 09:00, from the first Monday through the third Friday of the month",
      ],
      ["dayOfMonth=2nd Tue-15", "At 00:00, from the second Tuesday through day 15 of the month"],
      ["dayOfMonth=-3-Last", "At 00:00, on the last 4 days of the month"],
      ["dayOfMonth=27--1", "At 00:00, from day 27 through 1 day before the last day of the month"],
      // Wraps in every month: the last Friday is never before the 22nd.
      [
        "dayOfMonth=Last Fri-3",
        "At 00:00, from day 1 through day 3 and from the last Friday through the last day of the month",
      ],
      ["dayOfMonth=-2-2", "At 00:00, from day 1 through day 2 and on the last 3 days of the month"],
      ["dayOfMonth=Last-1", "At 00:00, on day 1 and on the last day of the month"],
      // Wraps only in 30- and 31-day months.
      [
        "dayOfMonth=-1-28",
        "At 00:00, from 1 day before the last day through day 28 of the month, wrapping round to day 1 when 1 day before the last day falls after day 28",
      ],
      // A month without the start has no days in the range, not even the 1st to the 3rd.
      [
        "dayOfMonth=5th Mon-3",
        "At 00:00, from day 1 through day 3 and from the fifth Monday through the last day of the month, in months with a fifth Monday",
      ],
      [
        "dayOfMonth=1st Mon-5th Fri",
        "At 00:00, from the first Monday through the fifth Friday of the month, or through the last day in months without a fifth Friday",
      ],
      ["dayOfMonth=1-Last", "At 00:00"],
      [
        "dayOfMonth=1,15-Last",
        "At 00:00, on day 1 of the month or from day 15 through the last day of the month",
      ],
    ])("%s → %s", (expression, expected) => {
      expect(describeFields(parseCalendarExpression(expression).fields)).toBe(expected);
    });
  });

  group("fields built by hand", () => {
    it.each<[string, Partial<CalendarFields>, string]>([
      [
        "wrap-around weekdays",
        { ...at(6, 0), dayOfWeek: [weekdays(5, 6, 0, 1)] },
        "At 06:00, Friday through Monday",
      ],
      [
        "Saturday and Sunday wrap",
        { ...at(6, 0), dayOfWeek: [weekdays(0, 6)] },
        "At 06:00, on Saturday and Sunday",
      ],
      [
        "every weekday is no restriction",
        { ...at(6, 0), dayOfWeek: [weekdays(0, 1, 2, 3, 4, 5, 6)] },
        "At 06:00",
      ],
      [
        "AND with one day of the month",
        { ...at(0, 0), dayOfMonth: [days(13)], dayOfWeek: [weekdays(5)], dayCombine: "and" },
        "At 00:00, on day 13 of the month if it is Friday",
      ],
      [
        "AND with the last day",
        {
          ...at(0, 0),
          dayOfMonth: [{ kind: "lastDay", offset: 0 }],
          dayOfWeek: [weekdays(1, 2, 3, 4, 5)],
          dayCombine: "and",
        },
        "At 00:00, on the last day of the month if it is Monday through Friday",
      ],
      [
        "AND with an nth weekday",
        {
          ...at(0, 0),
          dayOfMonth: [days(1, 2, 3, 4, 5, 6, 7)],
          dayOfWeek: [{ kind: "nthWeekday", weekday: 1, nth: 1 }],
          dayCombine: "and",
        },
        "At 00:00, on days 1 through 7 of the month that are the first Monday of the month",
      ],
      [
        "AND with several day-of-month rules",
        {
          ...at(0, 0),
          dayOfMonth: [days(1), { kind: "lastDay", offset: 0 }],
          dayOfWeek: [weekdays(1)],
          dayCombine: "and",
        },
        "At 00:00, on day 1 of the month or on the last day of the month, if that day is Monday",
      ],
      [
        "AND with a full day-of-month defers to the weekdays",
        {
          ...at(0, 0),
          dayOfMonth: [days(...Array.from({ length: 31 }, (_, i) => i + 1))],
          dayOfWeek: [weekdays(1)],
          dayCombine: "and",
        },
        "At 00:00, on Monday",
      ],
      [
        "OR with a full day-of-month is every day",
        {
          ...at(0, 0),
          dayOfMonth: [days(...Array.from({ length: 31 }, (_, i) => i + 1))],
          dayOfWeek: [weekdays(1)],
          dayCombine: "or",
        },
        "At 00:00",
      ],
      [
        "OR with an empty side leaves the other",
        {
          ...at(0, 0),
          dayOfMonth: [{ kind: "days", set: EMPTY_SET }],
          dayOfWeek: [weekdays(1)],
          dayCombine: "or",
        },
        "At 00:00, on Monday",
      ],
      [
        "values outside a field's range never match, so they are not mentioned",
        { second: set(0, 60), minute: set(0, 61), hour: set(9, 24, 30), month: set(0, 3, 13) },
        "At 09:00, only in March",
      ],
      [
        "fifth weekday",
        { ...at(0, 0), dayOfWeek: [{ kind: "nthWeekday", weekday: 0, nth: 5 }] },
        "At 00:00, on the fifth Sunday of the month",
      ],
      [
        "several years, no months",
        { ...at(0, 0), years: [2030, 2026, 2026] },
        "At 00:00, only in 2026 and 2030",
      ],
      [
        "hour windows of single hours",
        { second: set(0), minute: set(0, 20, 40), hour: set(9, 14, 19) },
        "Every 20 minutes, from 09:00 to 09:40, from 14:00 to 14:40 and from 19:00 to 19:40",
      ],
      [
        "few irregular times are listed",
        { second: set(0), minute: set(0, 45), hour: set(9, 13, 17) },
        "At 09:00, 09:45, 13:00, 13:45, 17:00 and 17:45",
      ],
      [
        "seconds in a cycle of hours",
        { second: set(30), minute: set(0), hour: set(0, 6, 12, 18) },
        "Every 6 hours, starting at 00:00:30",
      ],
      [
        "every other hour window",
        { second: set(0), minute: set(0, 30), hour: set(1, 3, 5, 7, 9) },
        "Every 30 minutes, during every 2nd hour from 01:00 through 09:59",
      ],
      [
        "AND with a range of days",
        {
          ...at(0, 0),
          dayOfMonth: [
            {
              kind: "between",
              from: { kind: "days", set: set(15) },
              to: { kind: "lastDay", offset: 0 },
            },
          ],
          dayOfWeek: [weekdays(1, 2, 3, 4, 5)],
          dayCombine: "and",
        },
        "At 00:00, from day 15 through the last day of the month, if that day is Monday through Friday",
      ],
      [
        "a range from a day some months lack",
        {
          ...at(0, 0),
          dayOfMonth: [
            {
              kind: "between",
              from: { kind: "days", set: set(30) },
              to: { kind: "days", set: set(5) },
            },
          ],
        },
        "At 00:00, from day 1 through day 5 and from day 30 through the last day of the month, in months with day 30",
      ],
      [
        "a few hour windows",
        { second: set(0), minute: set(0, 45), hour: set(1, 2, 3, 7, 8, 12) },
        "At 0 and 45 minutes past the hour, from 01:00 to 03:59, from 07:00 to 08:59 and from 12:00 to 12:59",
      ],
    ])("%s", (_name, overrides, expected) => {
      expect(describeFields(fields(overrides))).toBe(expected);
    });

    it.each<[string, Partial<CalendarFields>]>([
      ["no seconds", { second: EMPTY_SET }],
      ["no minutes", { minute: EMPTY_SET }],
      ["no hours", { hour: EMPTY_SET }],
      ["no months", { month: EMPTY_SET }],
      ["no years", { years: [] }],
      ["no day of the month", { dayOfMonth: [{ kind: "days", set: EMPTY_SET }] }],
      ["an impossible occurrence", { dayOfWeek: [{ kind: "nthWeekday", weekday: 1, nth: 6 }] }],
      [
        "a range from an impossible occurrence",
        {
          dayOfMonth: [
            {
              kind: "between",
              from: { kind: "nthWeekday", weekday: 1, nth: 6 },
              to: { kind: "lastDay", offset: 0 },
            },
          ],
        },
      ],
      [
        "AND with an empty side",
        {
          dayOfMonth: [days(1)],
          dayOfWeek: [{ kind: "weekdays", set: EMPTY_SET }],
          dayCombine: "and",
        },
      ],
    ])("%s → Never", (_name, overrides) => {
      expect(describeFields(fields(overrides))).toBe("Never");
    });
  });

  group("properties", () => {
    const subset = (min: number, max: number) =>
      fc.oneof(
        fc.integer({ min, max }).map((v) => [v]),
        fc
          .tuple(
            fc.integer({ min, max }),
            fc.integer({ min, max }),
            fc.integer({ min: 1, max: 12 }),
          )
          .map(([a, b, step]) => {
            const values: number[] = [];
            for (let v = Math.min(a, b); v <= Math.max(a, b); v += step) values.push(v);
            return values;
          }),
        fc.uniqueArray(fc.integer({ min, max }), { minLength: 1, maxLength: 8 }),
      );
    const timeFields = fc.record({
      second: fc.oneof(fc.constant([0]), subset(0, 59)),
      minute: subset(0, 59),
      hour: subset(0, 23),
      month: fc.oneof(fc.constant([]), subset(1, 12)),
    });

    it("never prints placeholders and reads as one sentence", () => {
      fc.assert(
        fc.property(timeFields, ({ second, minute, hour, month }) => {
          const text = describeFields(
            fields({
              second: fieldSetOf(second),
              minute: fieldSetOf(minute),
              hour: fieldSetOf(hour),
              month: month.length === 0 ? rangeSet(1, 12) : fieldSetOf(month),
            }),
          );
          expect(text).toMatch(/^[A-Z]/);
          expect(text).not.toMatch(/undefined|NaN|,,|, ,| {2}|\s$/);
        }),
        { numRuns: 2000 },
      );
    });

    // Two different sets of fire times sharing one description would make one of them a lie.
    it("gives different times of day different descriptions", () => {
      const seen = new Map<string, string>();
      fc.assert(
        fc.property(timeFields, ({ second, minute, hour }) => {
          const key = [second, minute, hour]
            .map((values) => [...new Set(values)].sort((a, b) => a - b).join(","))
            .join("|");
          const text = describeFields(
            fields({
              second: fieldSetOf(second),
              minute: fieldSetOf(minute),
              hour: fieldSetOf(hour),
            }),
          );
          const before = seen.get(text);
          if (before !== undefined) expect(`${text} for ${key}`).toBe(`${text} for ${before}`);
          seen.set(text, key);
        }),
        { numRuns: 5000 },
      );
    });

    // Every range the parser builds from the ends below, compared by its days in every
    // month layout: one description for two different schedules would be a lie.
    it("gives day ranges with different days different descriptions", () => {
      const ends = [
        ...["1", "2", "3", "8", "15", "27", "28", "29", "30", "31", "Last", "-1", "-2", "-7"],
        ...["Sun", "Mon", "Fri"].flatMap((d) =>
          ["1st", "2nd", "3rd", "5th", "Last"].map((n) => `${n} ${d}`),
        ),
      ];
      // 2000-2027: every length of month starting on every weekday.
      const months = Array.from({ length: 28 * 12 }, (_, i) => [
        2000 + Math.floor(i / 12),
        (i % 12) + 1,
      ]);
      const seen = new Map<string, { range: string; days: string }>();
      for (const from of ends) {
        for (const to of ends) {
          const range = `${from}-${to}`;
          const { fields } = parseCalendarExpression(`dayOfMonth=${range}`);
          const days = months.map(([y, m]) => dayMask(fields, y!, m!)).join(",");
          const text = describeFields(fields);
          const before = seen.get(text);
          if (before !== undefined && before.days !== days) {
            expect(`${text} for ${range}`).toBe(`${text} for ${before.range}`);
          }
          seen.set(text, { range, days });
        }
      }
    });

    it("gives different days and months different descriptions", () => {
      const seen = new Map<string, string>();
      const dayFields = fc.record({
        side: fc.constantFrom("dayOfMonth", "dayOfWeek"),
        monthDays: subset(1, 31),
        weekdays: subset(0, 6),
        months: subset(1, 12),
      });
      fc.assert(
        fc.property(dayFields, ({ side, monthDays, weekdays: week, months }) => {
          const dayRule = side === "dayOfMonth" ? days(...monthDays) : weekdays(...week);
          const chosen = new Set(side === "dayOfMonth" ? monthDays : week);
          // A full set of either field is the same "every day".
          const full = chosen.size === (side === "dayOfMonth" ? 31 : 7);
          const key = `${full ? "every day" : `${side}:${[...chosen].sort()}`}|${[...new Set(months)].sort()}`;
          const text = describeFields(
            fields({ ...at(0, 0), [side]: [dayRule], month: fieldSetOf(months) }),
          );
          const before = seen.get(text);
          if (before !== undefined) expect(`${text} for ${key}`).toBe(`${text} for ${before}`);
          seen.set(text, key);
        }),
        { numRuns: 3000 },
      );
    });
  });
});

group("describeInterval", () => {
  const anchor = (month: number, day: number, hour = 9, minute = 30, second = 0) => ({
    year: 2026,
    month,
    day,
    hour,
    minute,
    second,
  });

  it.each<[number, Parameters<typeof describeInterval>[1], ReturnType<typeof anchor>, string]>([
    [1, "seconds", anchor(1, 1), "Every second"],
    [90, "seconds", anchor(1, 1), "Every 90 seconds"],
    [1, "minutes", anchor(1, 1), "Every minute"],
    [5, "minutes", anchor(1, 1, 9, 30, 15), "Every 5 minutes, at 15 seconds past the minute"],
    [2, "hours", anchor(1, 1, 0, 0), "Every 2 hours"],
    [1, "hours", anchor(1, 1, 9, 30), "Every hour, at 30 minutes past the hour"],
    [1, "days", anchor(1, 1), "Every day at 09:30"],
    [3, "days", anchor(1, 1, 9, 30, 5), "Every 3 days at 09:30:05"],
    [1, "weeks", anchor(1, 5), "Every week on Monday at 09:30"],
    [2, "weeks", anchor(1, 10), "Every 2 weeks on Saturday at 09:30"],
    [1, "months", anchor(1, 31), "Every month on day 31 at 09:30 (or the month's last day)"],
    [1, "months", anchor(1, 28), "Every month on day 28 at 09:30"],
    [1, "months", anchor(3, 29), "Every month on day 29 at 09:30 (or the month's last day)"],
    // January, March, May, July, September, November: September and November have 30 days.
    [2, "months", anchor(1, 31), "Every 2 months on day 31 at 09:30 (or the month's last day)"],
    // January and July both have 31 days.
    [6, "months", anchor(1, 31), "Every 6 months on day 31 at 09:30"],
    [12, "months", anchor(1, 31), "Every 12 months on day 31 at 09:30"],
    [1, "years", anchor(12, 24, 18, 0), "Every year on 24 December at 18:00"],
    [
      4,
      "years",
      { year: 2028, month: 2, day: 29, hour: 0, minute: 0, second: 0 },
      "Every 4 years on 29 February at 00:00 (or 28 February in years without a 29th)",
    ],
    [
      400,
      "years",
      { year: 2000, month: 2, day: 29, hour: 0, minute: 0, second: 0 },
      "Every 400 years on 29 February at 00:00",
    ],
  ])("every %s %s → %s", (every, unit, from, expected) => {
    expect(describeInterval(every, unit, from)).toBe(expected);
  });

  it.each([0, -1, 1.5, Number.NaN])("refuses an interval of %s", (every) => {
    expect(() => describeInterval(every, "days", anchor(1, 1))).toThrow(RangeError);
  });
});

group("describeOnce", () => {
  it("prints the wall time with seconds", () => {
    expect(describeOnce({ year: 2026, month: 12, day: 24, hour: 18, minute: 0, second: 0 })).toBe(
      "Once, at 2026-12-24 18:00:00",
    );
    expect(describeOnce({ year: 2027, month: 1, day: 5, hour: 7, minute: 8, second: 9 })).toBe(
      "Once, at 2027-01-05 07:08:09",
    );
  });
});
