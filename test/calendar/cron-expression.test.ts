import { describe, expect, it } from "vitest";
import { nextFireTimes, parseTrigger, TriggerError } from "../../src/calendar/index.js";

const iso = (dates: Date[]) => dates.map((d) => d.toISOString());
const fires = (expression: string, from: string, count = 3) =>
  iso(nextFireTimes({ expression }, { from, count }));

describe("Quartz cron: what fires", () => {
  it.each([
    [
      "0 0 6 ? * MON-FRI",
      "2026-11-20T07:00:00Z",
      ["2026-11-23T06:00:00.000Z", "2026-11-24T06:00:00.000Z"],
    ],
    [
      "*/20 * * * * ?",
      "2026-01-01T00:00:05Z",
      ["2026-01-01T00:00:20.000Z", "2026-01-01T00:00:40.000Z"],
    ],
    [
      "0 0/15 * * * ?",
      "2026-01-01T00:50:00Z",
      ["2026-01-01T01:00:00.000Z", "2026-01-01T01:15:00.000Z"],
    ],
    [
      "0 10-50/20 * * * ?",
      "2026-01-01T00:00:00Z",
      [
        "2026-01-01T00:10:00.000Z",
        "2026-01-01T00:30:00.000Z",
        "2026-01-01T00:50:00.000Z",
        "2026-01-01T01:10:00.000Z",
      ],
    ],
    [
      "50-10/10 0 0 * * ?",
      "2026-01-01T00:00:00Z",
      ["2026-01-01T00:00:10.000Z", "2026-01-01T00:00:50.000Z", "2026-01-02T00:00:00.000Z"],
    ],
    [
      "0 0 0 ? * FRI-MON",
      "2026-11-19T00:00:00Z",
      [
        "2026-11-20T00:00:00.000Z",
        "2026-11-21T00:00:00.000Z",
        "2026-11-22T00:00:00.000Z",
        "2026-11-23T00:00:00.000Z",
        "2026-11-27T00:00:00.000Z",
      ],
    ],
    [
      "0 0 0 1 NOV-FEB ?",
      "2026-03-01T00:00:00Z",
      [
        "2026-11-01T00:00:00.000Z",
        "2026-12-01T00:00:00.000Z",
        "2027-01-01T00:00:00.000Z",
        "2027-02-01T00:00:00.000Z",
        "2027-11-01T00:00:00.000Z",
      ],
    ],
    [
      "0 0 12 L * ?",
      "2028-02-01T00:00:00Z",
      ["2028-02-29T12:00:00.000Z", "2028-03-31T12:00:00.000Z", "2028-04-30T12:00:00.000Z"],
    ],
    [
      "0 0 12 L-3 * ?",
      "2026-02-01T00:00:00Z",
      ["2026-02-25T12:00:00.000Z", "2026-03-28T12:00:00.000Z"],
    ],
    // 2026-01-31 and 2026-05-31 are Saturday and Sunday: the last weekdays are the 30th and 29th.
    [
      "0 0 12 LW * ?",
      "2026-01-01T00:00:00Z",
      [
        "2026-01-30T12:00:00.000Z",
        "2026-02-27T12:00:00.000Z",
        "2026-03-31T12:00:00.000Z",
        "2026-04-30T12:00:00.000Z",
        "2026-05-29T12:00:00.000Z",
      ],
    ],
    // 2026-08-01 is a Saturday: 1W never leaves the month, so it is Monday the 3rd.
    [
      "0 0 12 1W * ?",
      "2026-07-15T00:00:00Z",
      ["2026-08-03T12:00:00.000Z", "2026-09-01T12:00:00.000Z"],
    ],
    // 2026-05-31 is a Sunday: 31W is Friday the 29th.
    [
      "0 0 12 31W * ?",
      "2026-05-01T00:00:00Z",
      ["2026-05-29T12:00:00.000Z", "2026-07-31T12:00:00.000Z"],
    ],
    [
      "0 0 12 ? * 6L",
      "2026-01-01T00:00:00Z",
      ["2026-01-30T12:00:00.000Z", "2026-02-27T12:00:00.000Z"],
    ],
    [
      "0 0 12 ? * 2#3",
      "2026-01-01T00:00:00Z",
      ["2026-01-19T12:00:00.000Z", "2026-02-16T12:00:00.000Z"],
    ],
    [
      "0 0 12 ? * MON#5",
      "2026-01-01T00:00:00Z",
      ["2026-03-30T12:00:00.000Z", "2026-06-29T12:00:00.000Z"],
    ],
    [
      "0 0 12 ? * L",
      "2026-11-16T00:00:00Z",
      ["2026-11-21T12:00:00.000Z", "2026-11-28T12:00:00.000Z"],
    ],
    [
      "0 0 0 29 2 ? *",
      "2026-01-01T00:00:00Z",
      ["2028-02-29T00:00:00.000Z", "2032-02-29T00:00:00.000Z"],
    ],
    [
      "0 0 0 1 1 ? 2027,2030",
      "2026-01-01T00:00:00Z",
      ["2027-01-01T00:00:00.000Z", "2030-01-01T00:00:00.000Z"],
    ],
    [
      "0 15 10 ? * 2-6 2026",
      "2026-12-30T00:00:00Z",
      ["2026-12-30T10:15:00.000Z", "2026-12-31T10:15:00.000Z"],
    ],
    [
      "0 0 0 1,L * ?",
      "2026-01-02T00:00:00Z",
      ["2026-01-31T00:00:00.000Z", "2026-02-01T00:00:00.000Z", "2026-02-28T00:00:00.000Z"],
    ],
    [
      "0 0 0 1W,15W * ?",
      "2026-02-01T00:00:00Z",
      ["2026-02-02T00:00:00.000Z", "2026-02-16T00:00:00.000Z", "2026-03-02T00:00:00.000Z"],
    ],
    [
      "0 0 0 1 JAN-JUN/2 ?",
      "2026-01-15T00:00:00Z",
      ["2026-03-01T00:00:00.000Z", "2026-05-01T00:00:00.000Z", "2027-01-01T00:00:00.000Z"],
    ],
  ])("%s after %s", (expression, from, expected) => {
    expect(fires(expression, from, expected.length)).toEqual(expected);
  });

  it("ends: an expression whose years are over has no next fire", () => {
    expect(parseTrigger("0 0 0 1 1 ? 2020").next(Date.UTC(2026, 0, 1))).toBeNull();
    expect(parseTrigger("0 0 0 30 2 ?").next(Date.UTC(2026, 0, 1))).toBeNull();
  });

  it("accepts names and keywords in any case", () => {
    expect(fires("0 0 12 ? jan mon#1", "2026-01-01T00:00:00Z", 1)).toEqual([
      "2026-01-05T12:00:00.000Z",
    ]);
  });
});

describe("Quartz cron: what is refused, and how it is explained", () => {
  it.each([
    ["0 0 12 ? * 8", "day-of-week", 'day-of-week: "8" is out of range 1-7 (SUN-SAT)'],
    ["60 * * * * ?", "second", 'second: "60" is out of range 0-59'],
    ["0 0 24 * * ?", "hour", 'hour: "24" is out of range 0-23'],
    [
      "0 0 0 32 * ?",
      "day-of-month",
      'day-of-month: "32" is out of range 1-31, L, L-n, LW, L-nW, nW or ?',
    ],
    ["0 0 0 1 13 ?", "month", 'month: "13" is out of range 1-12 (JAN-DEC)'],
    ["0 0 0 1 FOO ?", "month", 'month: "FOO" is not a value; allowed: 1-12 (JAN-DEC)'],
    ["0 0 0 1 1 ? 1969", "year", 'year: "1969" is out of range 1970-2099'],
    ["0 0 0 * * *", "day-of-month", 'exactly one of the two must be "?"'],
    ["0 0 0 ? * ?", "day-of-month", 'exactly one of the two must be "?"'],
    ["0 0 12 ? * 2#6", "day-of-week", "occurrence out of range 1-5"],
    ["*/0 * * * * ?", "second", "step out of range 1-59"],
    ["*/60 * * * * ?", "second", "step out of range 1-59"],
    ["0 0 */24 * * ?", "hour", "step out of range 1-23"],
    ["0 0 0 1 1 ? 2030-2026", "year", 'year: "2030-2026" starts after it ends'],
    ["0 0 0 L-31 * ?", "day-of-month", "offset out of range"],
    ["0 0 * * *", "expression", undefined],
    ["0 0 12 * *", "expression", undefined],
    ["0 0 0 1,,2 * ?", "day-of-month", "empty list item"],
    ["0 0 12 ? * 2#", "day-of-week", "occurrence out of range"],
  ])("%s → %s", (expression, field, message) => {
    const attempt = () => parseTrigger({ type: "cron", expression });
    expect(attempt).toThrow(TriggerError);
    try {
      attempt();
    } catch (error) {
      const e = error as TriggerError;
      expect(e.code).toBe("invalidTrigger");
      expect(e.field).toBe(field);
      if (message) expect(e.message).toContain(message);
    }
  });
});

describe("Unix cron", () => {
  it.each([
    [
      "30 6 * * 1-5",
      "2026-11-20T07:00:00Z",
      ["2026-11-23T06:30:00.000Z", "2026-11-24T06:30:00.000Z"],
    ],
    ["0 0 * * 7", "2026-11-20T00:00:00Z", ["2026-11-22T00:00:00.000Z", "2026-11-29T00:00:00.000Z"]],
    ["0 0 * * 0", "2026-11-20T00:00:00Z", ["2026-11-22T00:00:00.000Z", "2026-11-29T00:00:00.000Z"]],
    // Both day fields restricted: either matches (Vixie cron).
    [
      "0 0 1 * MON",
      "2026-11-25T00:00:00Z",
      ["2026-11-30T00:00:00.000Z", "2026-12-01T00:00:00.000Z", "2026-12-07T00:00:00.000Z"],
    ],
    // A day field starting with * keeps the two AND-ed (Vixie cron): odd days that are Mondays.
    [
      "0 0 */2 * 1",
      "2026-11-01T00:00:00Z",
      ["2026-11-09T00:00:00.000Z", "2026-11-23T00:00:00.000Z", "2026-12-07T00:00:00.000Z"],
    ],
    ["@daily", "2026-11-20T10:00:00Z", ["2026-11-21T00:00:00.000Z", "2026-11-22T00:00:00.000Z"]],
    ["@hourly", "2026-11-20T10:00:00Z", ["2026-11-20T11:00:00.000Z", "2026-11-20T12:00:00.000Z"]],
    ["@weekly", "2026-11-20T10:00:00Z", ["2026-11-22T00:00:00.000Z"]],
    ["@monthly", "2026-11-20T10:00:00Z", ["2026-12-01T00:00:00.000Z"]],
    ["@yearly", "2026-11-20T10:00:00Z", ["2027-01-01T00:00:00.000Z"]],
    ["@annually", "2026-11-20T10:00:00Z", ["2027-01-01T00:00:00.000Z"]],
    ["@midnight", "2026-11-20T10:00:00Z", ["2026-11-21T00:00:00.000Z"]],
    [
      "*/15 9-17 * JAN,DEC sun-sat",
      "2026-12-31T17:50:00Z",
      ["2027-01-01T09:00:00.000Z", "2027-01-01T09:15:00.000Z"],
    ],
  ])("%s after %s", (expression, from, expected) => {
    expect(fires(expression, from, expected.length)).toEqual(expected);
  });

  it.each([
    ["@reboot", "expression", "is not a schedule macro"],
    ["0 0 L * *", "day-of-month", "Quartz syntax"],
    ["0 0 * * 1#2", "day-of-week", "Quartz syntax"],
    ["0 0 ? * *", "day-of-month", "Quartz syntax"],
    [
      "0 0 * * 8",
      "day-of-week",
      'day-of-week: "8" is out of range 0-7 (0 and 7 are Sunday, or SUN-SAT)',
    ],
  ])("refuses %s", (expression, field, message) => {
    try {
      parseTrigger({ type: "unix", expression });
      expect.unreachable();
    } catch (error) {
      expect((error as TriggerError).field).toBe(field);
      expect((error as TriggerError).message).toContain(message);
    }
  });
});

describe("the spec", () => {
  it("infers the type from the expression", () => {
    expect(parseTrigger("0 0 * * *").type).toBe("unix");
    expect(parseTrigger("0 0 0 * * ?").type).toBe("cron");
    expect(parseTrigger("0 0 0 * * ? 2030").type).toBe("cron");
    expect(parseTrigger("hour=8-17; minute=*/30; dayOfWeek=Mon-Fri").type).toBe("calendar");
    expect(parseTrigger({ every: 2, unit: "hours", anchor: "2026-01-01T00:00:00Z" }).type).toBe(
      "interval",
    );
    expect(parseTrigger({ at: "2026-12-24T18:00:00Z" }).type).toBe("once");
  });

  it("refuses settings that do not belong, naming them", () => {
    expect(() => parseTrigger({ expression: "0 0 * * *", every: 5 } as never)).toThrow(
      /expression: "expression" is not a setting of an interval trigger/,
    );
    expect(() => parseTrigger({ expresion: "0 0 * * *" } as never)).toThrow(/expression/);
    expect(() => parseTrigger({ type: "weekly" as never, expression: "0 0 * * *" })).toThrow(
      /type: "weekly" is not a trigger type/,
    );
    expect(() => parseTrigger({ expression: "0 0 * * *", timeZone: "Mars/Olympus" })).toThrow(
      /timeZone: "Mars\/Olympus" is not an IANA time zone/,
    );
    expect(() => parseTrigger({ expression: "0 0 * * *", dst: { gap: "jump" } as never })).toThrow(
      /dst.gap: "jump" is not one of shift, skip/,
    );
    expect(() => parseTrigger({ expression: "0 0 * * *", startTime: "yesterday" })).toThrow(
      /startTime: "yesterday" is not an ISO 8601/,
    );
    expect(() =>
      parseTrigger({ expression: "0 0 * * *", startTime: "2026-02-30T00:00:00Z" }),
    ).toThrow(/not a real date/);
  });

  it("honours startTime and endTime, reading local times in the zone", () => {
    const trigger = parseTrigger({
      expression: "0 0 9 * * ?",
      timeZone: "Europe/London",
      startTime: "2026-07-01T00:00",
      endTime: "2026-07-03T09:00",
    });
    expect(iso(nextFireTimes(trigger, { from: "2026-01-01T00:00:00Z", count: 10 }))).toEqual([
      "2026-07-01T08:00:00.000Z",
      "2026-07-02T08:00:00.000Z",
      "2026-07-03T08:00:00.000Z",
    ]);
    expect(trigger.spec.startTime).toBe("2026-06-30T23:00:00.000Z");
    expect(() =>
      parseTrigger({
        expression: "@daily",
        startTime: "2026-02-01T00:00:00Z",
        endTime: "2026-01-01T00:00:00Z",
      }),
    ).toThrow(/endTime: .* is before startTime/);
  });

  it("fires a once trigger once", () => {
    const trigger = parseTrigger({ at: "2026-12-24T18:00", timeZone: "Europe/Berlin" });
    expect(trigger.next(Date.UTC(2026, 0, 1))?.toISOString()).toBe("2026-12-24T17:00:00.000Z");
    expect(trigger.next(Date.parse("2026-12-24T17:00:00Z"))).toBeNull();
  });

  it("returns strictly later fires, even from an instant between seconds", () => {
    const trigger = parseTrigger("* * * * * ?");
    expect(trigger.next(Date.parse("2026-01-01T00:00:00.000Z"))?.toISOString()).toBe(
      "2026-01-01T00:00:01.000Z",
    );
    expect(trigger.next(Date.parse("2026-01-01T00:00:00.500Z"))?.toISOString()).toBe(
      "2026-01-01T00:00:01.000Z",
    );
  });
});
