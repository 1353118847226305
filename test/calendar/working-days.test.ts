import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TriggerError } from "../../src/calendar/trigger-error.js";
import {
  addDelay,
  type DelayUnit,
  isWorkingDay,
  validateDelay,
  type WorkingCalendar,
} from "../../src/calendar/working-days.js";

const LONDON: WorkingCalendar = { timeZone: "Europe/London" };
const NEW_YORK: WorkingCalendar = { timeZone: "America/New_York" };

/** `addDelay` from and to ISO strings, so every expectation is an exact instant. */
function add(from: string, amount: number, unit: DelayUnit, calendar?: WorkingCalendar): string {
  return addDelay(new Date(from), amount, unit, calendar).toISOString();
}

/** The TriggerError that `run` throws, so a test can look at its field and message. */
function errorOf(run: () => unknown): TriggerError {
  try {
    run();
  } catch (error) {
    if (error instanceof TriggerError) return error;
    throw error;
  }
  throw new Error("expected a TriggerError, nothing was thrown");
}

describe("minutes and hours are elapsed time", () => {
  it("adds minutes and hours in UTC", () => {
    expect(add("2026-01-05T09:00:00.000Z", 90, "minutes")).toBe("2026-01-05T10:30:00.000Z");
    expect(add("2026-01-05T09:00:00.000Z", -2, "hours")).toBe("2026-01-05T07:00:00.000Z");
    expect(add("2026-01-05T09:00:00.123Z", 0, "minutes")).toBe("2026-01-05T09:00:00.123Z");
  });

  it("ignores a spring-forward: 2 hours after 00:30 GMT is 03:30 BST", () => {
    expect(add("2026-03-29T00:30:00.000Z", 2, "hours", LONDON)).toBe("2026-03-29T02:30:00.000Z");
  });

  it("ignores a fall-back: 1 hour after 01:00 EDT is 01:00 EST", () => {
    expect(add("2026-11-01T05:00:00.000Z", 1, "hours", NEW_YORK)).toBe("2026-11-01T06:00:00.000Z");
  });

  it("ignores weekends and holidays", () => {
    const calendar = { ...LONDON, holidays: ["2026-01-10"] };
    expect(add("2026-01-09T23:00:00.000Z", 48, "hours", calendar)).toBe("2026-01-11T23:00:00.000Z");
  });
});

describe("days keep the wall-clock time", () => {
  it("makes a day across the London spring-forward 23 hours (09:00 GMT → 09:00 BST)", () => {
    expect(add("2026-03-28T09:00:00.000Z", 1, "days", LONDON)).toBe("2026-03-29T08:00:00.000Z");
    expect(add("2026-03-29T08:00:00.000Z", -1, "days", LONDON)).toBe("2026-03-28T09:00:00.000Z");
  });

  it("makes a day across the New York spring-forward 23 hours (09:00 EST → 09:00 EDT)", () => {
    expect(add("2026-03-07T14:00:00.000Z", 1, "days", NEW_YORK)).toBe("2026-03-08T13:00:00.000Z");
  });

  it("makes a day across the New York fall-back 25 hours", () => {
    expect(add("2026-10-31T13:00:00.000Z", 1, "days", NEW_YORK)).toBe("2026-11-01T14:00:00.000Z");
  });

  it("moves a wall time in a gap forward by the gap", () => {
    // Sunday 01:30 does not exist in London on 2026-03-29: 01:30 GMT + 1 day is 02:30 BST.
    expect(add("2026-03-28T01:30:00.000Z", 1, "days", LONDON)).toBe("2026-03-29T01:30:00.000Z");
    // 02:30 EST + 1 day is 03:30 EDT on 2026-03-08.
    expect(add("2026-03-07T07:30:00.000Z", 1, "days", NEW_YORK)).toBe("2026-03-08T07:30:00.000Z");
  });

  it("takes the first of two instants in a repeated hour", () => {
    // 01:30 happens at 00:30Z (BST) and 01:30Z (GMT) on 2026-10-25 in London.
    expect(add("2026-10-24T00:30:00.000Z", 1, "days", LONDON)).toBe("2026-10-25T00:30:00.000Z");
    // 01:30 EST on 2026-11-02, one day back, is the 01:30 EDT of 2026-11-01.
    expect(add("2026-11-02T06:30:00.000Z", -1, "days", NEW_YORK)).toBe("2026-11-01T05:30:00.000Z");
  });

  it("leaves a start in the repeated hour alone for 0 days, and keeps its wall time", () => {
    const secondOneThirty = "2026-11-01T06:30:00.000Z";
    expect(add(secondOneThirty, 0, "days", NEW_YORK)).toBe(secondOneThirty);
    expect(add(secondOneThirty, 1, "days", NEW_YORK)).toBe("2026-11-02T06:30:00.000Z");
  });

  it("crosses month and year ends and leap days", () => {
    expect(add("2026-01-31T12:00:00.000Z", 1, "days")).toBe("2026-02-01T12:00:00.000Z");
    expect(add("2026-12-31T23:00:00.000Z", 1, "days")).toBe("2027-01-01T23:00:00.000Z");
    expect(add("2028-02-28T12:00:00.000Z", 1, "days")).toBe("2028-02-29T12:00:00.000Z");
    expect(add("2028-02-29T12:00:00.000Z", 365, "days")).toBe("2029-02-28T12:00:00.000Z");
    expect(add("2026-03-01T00:00:00.000Z", -1, "days")).toBe("2026-02-28T00:00:00.000Z");
  });

  it("counts days in the zone, not in UTC (Asia/Kathmandu, +05:45)", () => {
    const calendar = { timeZone: "Asia/Kathmandu" };
    expect(add("2026-01-31T18:15:00.000Z", 1, "days", calendar)).toBe("2026-02-01T18:15:00.000Z");
  });

  it("moves past a day that a zone skipped (Samoa had no 30 December 2011)", () => {
    // Thursday 10:00 at UTC-10 plus one day is Saturday 10:00 at UTC+14.
    const calendar = { timeZone: "Pacific/Apia" };
    expect(add("2011-12-29T20:00:00.000Z", 1, "days", calendar)).toBe("2011-12-30T20:00:00.000Z");
  });

  it("ignores weekends and holidays", () => {
    const calendar = { holidays: ["2026-01-12"] };
    expect(add("2026-01-09T09:00:00.000Z", 3, "days", calendar)).toBe("2026-01-12T09:00:00.000Z");
  });
});

describe("working days", () => {
  // January 2026: Fri 2, Sat 3, Sun 4, Mon 5 … Fri 9, Sat 10, Sun 11, Mon 12, Tue 13.
  it("skips the weekend", () => {
    expect(add("2026-01-09T09:00:00.000Z", 1, "workingDays")).toBe("2026-01-12T09:00:00.000Z");
    expect(add("2026-01-05T09:00:00.000Z", 4, "workingDays")).toBe("2026-01-09T09:00:00.000Z");
    expect(add("2026-01-05T09:00:00.000Z", 5, "workingDays")).toBe("2026-01-12T09:00:00.000Z");
    expect(add("2026-01-07T09:00:00.000Z", 12, "workingDays")).toBe("2026-01-23T09:00:00.000Z");
  });

  it("counts a weekend start from the next working day, as workflow engines do", () => {
    expect(add("2026-01-10T10:00:00.000Z", 1, "workingDays")).toBe("2026-01-13T10:00:00.000Z");
    expect(add("2026-01-11T10:00:00.000Z", 1, "workingDays")).toBe("2026-01-13T10:00:00.000Z");
    expect(add("2026-01-10T10:00:00.000Z", 4, "workingDays")).toBe("2026-01-16T10:00:00.000Z");
    expect(add("2026-01-10T10:00:00.000Z", 5, "workingDays")).toBe("2026-01-19T10:00:00.000Z");
  });

  it("with 0, moves a non-working start to the next working day and keeps a working one", () => {
    expect(add("2026-01-10T10:00:00.000Z", 0, "workingDays")).toBe("2026-01-12T10:00:00.000Z");
    expect(add("2026-01-07T10:00:00.123Z", 0, "workingDays")).toBe("2026-01-07T10:00:00.123Z");
  });

  it("goes backwards for a negative amount, mirroring the forward rule", () => {
    expect(add("2026-01-12T10:00:00.000Z", -1, "workingDays")).toBe("2026-01-09T10:00:00.000Z");
    expect(add("2026-01-09T10:00:00.000Z", -5, "workingDays")).toBe("2026-01-02T10:00:00.000Z");
    expect(add("2026-01-11T10:00:00.000Z", -1, "workingDays")).toBe("2026-01-08T10:00:00.000Z");
    expect(add("2026-01-10T10:00:00.000Z", -1, "workingDays")).toBe("2026-01-08T10:00:00.000Z");
  });

  it("accepts a Date or milliseconds, and returns a new Date", () => {
    const from = new Date("2026-01-09T09:00:00.000Z");
    const result = addDelay(from.getTime(), 1, "workingDays");
    expect(result).toBeInstanceOf(Date);
    expect(result.toISOString()).toBe("2026-01-12T09:00:00.000Z");
    const same = addDelay(from, 0, "workingDays");
    expect(same).not.toBe(from);
    expect(same.getTime()).toBe(from.getTime());
  });

  describe("holidays", () => {
    // Christmas 2026 in England: Fri 25 and Mon 28 December, then Fri 1 January 2027.
    const christmas: WorkingCalendar = {
      timeZone: "Europe/London",
      holidays: ["2026-12-25", "2026-12-28", "2027-01-01"],
    };

    it("skips holidays as well as weekends", () => {
      expect(add("2026-12-24T09:00:00.000Z", 1, "workingDays", christmas)).toBe(
        "2026-12-29T09:00:00.000Z",
      );
      expect(add("2026-12-24T09:00:00.000Z", 3, "workingDays", christmas)).toBe(
        "2026-12-31T09:00:00.000Z",
      );
      expect(add("2026-12-24T09:00:00.000Z", 4, "workingDays", christmas)).toBe(
        "2027-01-04T09:00:00.000Z",
      );
      expect(add("2027-01-04T09:00:00.000Z", -4, "workingDays", christmas)).toBe(
        "2026-12-24T09:00:00.000Z",
      );
    });

    it("counts a start on a holiday from the next working day", () => {
      expect(add("2026-12-25T09:00:00.000Z", 1, "workingDays", christmas)).toBe(
        "2026-12-30T09:00:00.000Z",
      );
    });

    it("is unaffected by a holiday on a weekend, by repeats and by order", () => {
      const messy = { holidays: ["2027-01-01", "2026-12-26", "2026-12-25", "2026-12-25"] };
      expect(add("2026-12-24T09:00:00.000Z", 2, "workingDays", messy)).toBe(
        "2026-12-29T09:00:00.000Z",
      );
    });

    it("crosses the year end (2025-12-31 + 1 working day with New Year off)", () => {
      const calendar = { holidays: ["2026-01-01"] };
      expect(add("2025-12-31T09:00:00.000Z", 1, "workingDays", calendar)).toBe(
        "2026-01-02T09:00:00.000Z",
      );
    });

    it("handles a leap day as a working day and as a holiday", () => {
      expect(add("2028-02-28T12:00:00.000Z", 1, "workingDays")).toBe("2028-02-29T12:00:00.000Z");
      expect(add("2028-02-28T12:00:00.000Z", 1, "workingDays", { holidays: ["2028-02-29"] })).toBe(
        "2028-03-01T12:00:00.000Z",
      );
    });
  });

  describe("weekends", () => {
    it("takes any weekend: Friday and Saturday", () => {
      // Thursday 2026-01-08 + 1 → Sunday 2026-01-11.
      const calendar = { weekend: [5, 6] };
      expect(add("2026-01-08T09:00:00.000Z", 1, "workingDays", calendar)).toBe(
        "2026-01-11T09:00:00.000Z",
      );
    });

    it("takes an empty weekend: every day is worked", () => {
      expect(add("2026-01-09T09:00:00.000Z", 2, "workingDays", { weekend: [] })).toBe(
        "2026-01-11T09:00:00.000Z",
      );
    });

    it("takes a six-day weekend: Wednesdays only", () => {
      const calendar = { weekend: [0, 1, 2, 4, 5, 6] };
      // Monday 5 January counts from Wednesday 7: + 1 is the 14th, + 2 the 21st.
      expect(add("2026-01-05T09:00:00.000Z", 1, "workingDays", calendar)).toBe(
        "2026-01-14T09:00:00.000Z",
      );
      expect(add("2026-01-07T09:00:00.000Z", 2, "workingDays", calendar)).toBe(
        "2026-01-21T09:00:00.000Z",
      );
    });
  });

  describe("time zones and DST", () => {
    it("keeps 09:00 across the London spring-forward (Friday GMT → Monday BST)", () => {
      expect(add("2026-03-27T09:00:00.000Z", 1, "workingDays", LONDON)).toBe(
        "2026-03-30T08:00:00.000Z",
      );
      expect(add("2026-03-30T08:00:00.000Z", -1, "workingDays", LONDON)).toBe(
        "2026-03-27T09:00:00.000Z",
      );
    });

    it("keeps 09:00 across the New York spring-forward and fall-back", () => {
      expect(add("2026-03-06T14:00:00.000Z", 1, "workingDays", NEW_YORK)).toBe(
        "2026-03-09T13:00:00.000Z",
      );
      expect(add("2026-10-30T13:00:00.000Z", 1, "workingDays", NEW_YORK)).toBe(
        "2026-11-02T14:00:00.000Z",
      );
    });

    it("moves a working-day result in a gap forward by the gap", () => {
      // Every day worked: Saturday 02:30 EST + 1 is Sunday 02:30, which is 03:30 EDT.
      const calendar = { ...NEW_YORK, weekend: [] };
      expect(add("2026-03-07T07:30:00.000Z", 1, "workingDays", calendar)).toBe(
        "2026-03-08T07:30:00.000Z",
      );
    });

    it("reads the date in the zone: 20:00Z on a Friday is Saturday in Kathmandu", () => {
      const from = "2026-01-02T20:00:00.000Z";
      const kathmandu = { timeZone: "Asia/Kathmandu" };
      expect(isWorkingDay(new Date(from))).toBe(true);
      expect(isWorkingDay(new Date(from), kathmandu)).toBe(false);
      // Saturday 01:45 local counts from Monday: Tuesday 01:45 local, Monday 20:00Z.
      expect(add(from, 1, "workingDays", kathmandu)).toBe("2026-01-05T20:00:00.000Z");
      // Friday 20:00 in UTC: Monday 20:00.
      expect(add(from, 1, "workingDays")).toBe("2026-01-05T20:00:00.000Z");
      expect(add(from, 2, "workingDays", kathmandu)).toBe("2026-01-06T20:00:00.000Z");
      expect(add(from, 2, "workingDays")).toBe("2026-01-06T20:00:00.000Z");
      expect(add(from, 1, "workingDays", { ...kathmandu, weekend: [6] })).toBe(
        "2026-01-04T20:00:00.000Z",
      );
    });
  });

  describe("large amounts", () => {
    it("adds 10,000 working days as 2,000 whole weeks", () => {
      expect(add("2026-01-05T09:00:00.000Z", 10_000, "workingDays")).toBe(
        "2064-05-05T09:00:00.000Z",
      );
      // The same, keeping 09:00 in London (BST in May).
      expect(add("2026-01-05T09:00:00.000Z", 10_000, "workingDays", LONDON)).toBe(
        "2064-05-05T08:00:00.000Z",
      );
      expect(add("2064-05-05T09:00:00.000Z", -10_000, "workingDays")).toBe(
        "2026-01-05T09:00:00.000Z",
      );
    });

    it("agrees with day-by-day counting over decades of holidays", () => {
      const holidays: string[] = [];
      for (let year = 2026; year <= 2080; year++) {
        holidays.push(`${year}-01-01`, `${year}-05-01`, `${year}-12-25`, `${year}-12-26`);
      }
      const calendar = { timeZone: "Europe/Berlin", holidays };
      const from = Date.UTC(2026, 0, 7, 8);
      for (const amount of [9_999, 10_000, -3_000]) {
        const result = addDelay(from, amount, "workingDays", calendar);
        expect(result.getTime()).toBe(bruteForceWorkingDays(from, amount, calendar));
      }
    });

    it("refuses a result beyond the range of Date, naming amount", () => {
      for (const [amount, unit] of [
        [100_000_000, "workingDays"],
        [300_000_000, "workingDays"],
        [1e9, "days"],
        [Number.MAX_SAFE_INTEGER, "minutes"],
        [-Number.MAX_SAFE_INTEGER, "hours"],
      ] as const) {
        const error = errorOf(() => addDelay(0, amount, unit));
        expect(error.field).toBe("amount");
        expect(error.message).toMatch(/outside the dates JavaScript can represent/);
      }
    });
  });
});

describe("isWorkingDay", () => {
  it("is false on weekends and holidays, in the calendar's zone", () => {
    const calendar = { ...LONDON, holidays: ["2026-12-25"] };
    expect(isWorkingDay(Date.UTC(2026, 11, 24, 23, 59), calendar)).toBe(true);
    expect(isWorkingDay(Date.UTC(2026, 11, 25, 0, 0), calendar)).toBe(false);
    expect(isWorkingDay(Date.UTC(2026, 11, 26, 12), calendar)).toBe(false);
    // 23:30Z on Sunday 2026-03-29 is already Monday 00:30 BST.
    expect(isWorkingDay(Date.UTC(2026, 2, 29, 23, 30), calendar)).toBe(true);
    expect(isWorkingDay(Date.UTC(2026, 2, 29, 23, 30))).toBe(false);
  });
});

describe("bad input", () => {
  it("names amount when it is not a whole number", () => {
    for (const amount of [1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, "3" as unknown]) {
      const error = errorOf(() => addDelay(0, amount as number, "days"));
      expect(error.code).toBe("invalidDelay");
      expect(error.field).toBe("amount");
    }
    expect(errorOf(() => addDelay(0, 1.5, "hours")).message).toBe(
      'amount: "1.5" is not a whole number, expected an integer such as 3, 0 or -2',
    );
  });

  it("names unit when it is not a delay unit", () => {
    const error = errorOf(() => addDelay(0, 1, "weeks" as DelayUnit));
    expect(error.field).toBe("unit");
    expect(error.message).toBe(
      'unit: "weeks" is not a delay unit, expected one of minutes, hours, days, workingDays',
    );
  });

  it("names from when it is not an instant", () => {
    expect(errorOf(() => addDelay(new Date(Number.NaN), 1, "days")).field).toBe("from");
    expect(errorOf(() => addDelay(Number.POSITIVE_INFINITY, 1, "days")).field).toBe("from");
    expect(errorOf(() => isWorkingDay(Number.NaN)).field).toBe("instant");
  });

  it("names the holiday that is not a date", () => {
    const holidays = ["2026-01-01", "2026-04-03", "2026-12-25", "2026-02-30"];
    const error = errorOf(() => addDelay(0, 1, "workingDays", { holidays }));
    expect(error.field).toBe("holidays[3]");
    expect(error.text).toBe("2026-02-30");
    expect(error.message).toBe(
      'holidays[3]: "2026-02-30" is not a date (February 2026 has 28 days), expected YYYY-MM-DD, for example 2026-12-25',
    );
    const cases: [string, RegExp][] = [
      ["2026-13-01", /there is no month 13/],
      ["2026-00-10", /there is no month 0/],
      ["2026-04-31", /April 2026 has 30 days/],
      ["2027-02-29", /February 2027 has 28 days/],
      ["2026-01-00", /January 2026 has 31 days/],
      ["2026-1-5", /is not a date, expected YYYY-MM-DD/],
      ["20260105", /is not a date, expected YYYY-MM-DD/],
      [" 2026-01-05", /is not a date, expected YYYY-MM-DD/],
    ];
    for (const [text, message] of cases) {
      const bad = errorOf(() => isWorkingDay(0, { holidays: ["2026-01-01", text] }));
      expect(bad.field).toBe("holidays[1]");
      expect(bad.message).toMatch(message);
    }
    expect(isWorkingDay(Date.UTC(2028, 1, 29), { holidays: ["2028-02-29"] })).toBe(false);
  });

  it("names the weekend day that is not a day of the week", () => {
    for (const [weekend, field] of [
      [[8], "weekend[0]"],
      [[0, -1], "weekend[1]"],
      [[1.5], "weekend[0]"],
      [[0, 1, 2, 3, 4, 5, 6], "weekend"],
      [[0, 1, 2, 3, 4, 5, 6, 6], "weekend"],
    ] as const) {
      expect(errorOf(() => addDelay(0, 1, "workingDays", { weekend })).field).toBe(field);
    }
    expect(errorOf(() => isWorkingDay(0, { weekend: [0, 7] })).message).toBe(
      'weekend[1]: "7" is not a day of the week, expected 0-6 (0 = Sunday … 6 = Saturday)',
    );
    expect(errorOf(() => isWorkingDay(0, { weekend: [0, 1, 2, 3, 4, 5, 6] })).message).toBe(
      'weekend: "0,1,2,3,4,5,6" leaves no working day in the week, expected at most six of 0-6',
    );
  });

  it("names timeZone when the zone is unknown", () => {
    const error = errorOf(() => addDelay(0, 1, "days", { timeZone: "Mars/Olympus_Mons" }));
    expect(error.code).toBe("invalidTimeZone");
    expect(error.field).toBe("timeZone");
  });

  it("checks the calendar whatever the unit, and validateDelay checks without a start", () => {
    expect(errorOf(() => addDelay(0, 5, "minutes", { weekend: [9] })).field).toBe("weekend[0]");
    expect(() =>
      validateDelay(3, "workingDays", { ...LONDON, holidays: ["2026-12-25"] }),
    ).not.toThrow();
    expect(errorOf(() => validateDelay(3, "workingDays", { holidays: ["x"] })).field).toBe(
      "holidays[0]",
    );
    expect(errorOf(() => validateDelay(0.5, "days")).field).toBe("amount");
    expect(errorOf(() => validateDelay(1, "fortnights" as DelayUnit)).field).toBe("unit");
  });
});

// ---------------------------------------------------------------------------------------
// Properties, checked against counting day by day with Intl and Date.UTC only (neither
// civil.ts nor zone.ts), so a shared mistake cannot hide.

const DAY_MS = 86_400_000;
const formats = new Map<string, Intl.DateTimeFormat>();

/** The local date (as a day number) and time of day (ms) of `instant` in `timeZone`. */
function localOf(instant: number, timeZone: string): { day: number; time: number } {
  let format = formats.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formats.set(timeZone, format);
  }
  const part: Record<string, number> = {};
  for (const { type, value } of format.formatToParts(instant)) part[type] = Number(value);
  const day = Date.UTC(part.year ?? 0, (part.month ?? 1) - 1, part.day ?? 1) / DAY_MS;
  const time =
    ((part.hour ?? 0) * 60 + (part.minute ?? 0)) * 60_000 +
    (part.second ?? 0) * 1000 +
    (((instant % 1000) + 1000) % 1000);
  return { day, time };
}

function isoDate(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

function workingByHand(day: number, calendar: WorkingCalendar): boolean {
  const weekday = new Date(day * DAY_MS).getUTCDay();
  if ((calendar.weekend ?? [0, 6]).includes(weekday)) return false;
  return !(calendar.holidays ?? []).includes(isoDate(day));
}

/** Working days among the local dates `lo..hi`, both included. */
function countByHand(lo: number, hi: number, calendar: WorkingCalendar): number {
  let count = 0;
  for (let day = lo; day <= hi; day++) if (workingByHand(day, calendar)) count++;
  return count;
}

/** The documented rule, walked one day at a time; for wall times that are not in a gap. */
function bruteForceWorkingDays(from: number, amount: number, calendar: WorkingCalendar): number {
  const zone = calendar.timeZone ?? "UTC";
  const { day: start, time } = localOf(from, zone);
  const step = amount < 0 ? -1 : 1;
  let day = start;
  while (!workingByHand(day, calendar)) day += step;
  for (let left = Math.abs(amount); left > 0; ) {
    day += step;
    if (workingByHand(day, calendar)) left--;
  }
  // The earliest instant showing `time` on `day`: try every offset a zone can have, largest first.
  const wall = day * DAY_MS + time;
  for (let offset = 14 * 60; offset >= -14 * 60; offset -= 15) {
    const candidate = wall - offset * 60_000;
    const local = localOf(candidate, zone);
    if (local.day === day && local.time === time) return candidate;
  }
  throw new Error(`no instant shows ${isoDate(day)} ${time} in ${zone}`);
}

const ZONES = [
  "UTC",
  "Europe/London",
  "America/New_York",
  "Asia/Kathmandu",
  "Australia/Lord_Howe",
  "America/Sao_Paulo",
  "Pacific/Chatham",
];

const calendarAndStart = fc
  .record({
    timeZone: fc.constantFrom(...ZONES),
    weekend: fc.uniqueArray(fc.integer({ min: 0, max: 6 }), { maxLength: 6 }),
    // Holidays within about four months either side of the start.
    holidayOffsets: fc.array(fc.integer({ min: -130, max: 130 }), { maxLength: 40 }),
    fromMinute: fc.integer({
      min: Date.UTC(1995, 0, 1) / 60_000,
      max: Date.UTC(2045, 0, 1) / 60_000,
    }),
  })
  .map(({ timeZone, weekend, holidayOffsets, fromMinute }) => {
    const from = fromMinute * 60_000;
    const fromDay = localOf(from, timeZone).day;
    const holidays = holidayOffsets.map((offset) => isoDate(fromDay + offset));
    return { from, calendar: { timeZone, weekend, holidays } as WorkingCalendar };
  });

describe("properties", () => {
  it("N working days on lands on a working day with exactly N working days in [from-day, result-day)", () => {
    fc.assert(
      fc.property(
        calendarAndStart,
        fc.integer({ min: -60, max: 60 }),
        ({ from, calendar }, amount) => {
          const zone = calendar.timeZone ?? "UTC";
          const result = addDelay(from, amount, "workingDays", calendar).getTime();
          const start = localOf(from, zone);
          const end = localOf(result, zone);
          expect(workingByHand(end.day, calendar)).toBe(true);
          expect(isWorkingDay(result, calendar)).toBe(true);
          if (amount >= 0) {
            expect(end.day).toBeGreaterThanOrEqual(start.day);
            expect(countByHand(start.day, end.day - 1, calendar)).toBe(amount);
            // From a working day this is the same as N working days in (from-day, result-day].
            if (workingByHand(start.day, calendar)) {
              expect(countByHand(start.day + 1, end.day, calendar)).toBe(amount);
            }
          } else {
            expect(end.day).toBeLessThan(start.day);
            expect(countByHand(end.day + 1, start.day, calendar)).toBe(-amount);
          }
          // The wall time is kept, unless the result sits next to an offset change (a gap).
          const offsetNear = (at: number) =>
            localOf(at, zone).time - (((at % DAY_MS) + DAY_MS) % DAY_MS);
          if (offsetNear(result - 3 * 3_600_000) === offsetNear(result + 3 * 3_600_000)) {
            expect(end.time).toBe(start.time);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it("agrees with walking day by day for amounts in the thousands", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2000, 0, 1) / 60_000, max: Date.UTC(2030, 0, 1) / 60_000 }),
        fc.uniqueArray(fc.integer({ min: 0, max: 6 }), { maxLength: 6 }),
        fc.array(fc.integer({ min: 0, max: 4_000 }), { maxLength: 300 }),
        fc.integer({ min: -3_000, max: 3_000 }),
        (fromMinute, weekend, holidayOffsets, amount) => {
          const from = fromMinute * 60_000;
          const fromDay = Math.floor(from / DAY_MS);
          const holidays = holidayOffsets.map((offset) =>
            isoDate(fromDay + (amount < 0 ? -offset : offset)),
          );
          const calendar = { weekend, holidays };
          expect(addDelay(from, amount, "workingDays", calendar).getTime()).toBe(
            bruteForceWorkingDays(from, amount, calendar),
          );
        },
      ),
      { numRuns: 100 },
    );
  });

  it("days then minus the same days returns the start, in a zone without DST", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1995, 0, 1) / 60_000, max: Date.UTC(2045, 0, 1) / 60_000 }),
        fc.integer({ min: -2_000, max: 2_000 }),
        (fromMinute, amount) => {
          const from = fromMinute * 60_000;
          const there = addDelay(from, amount, "days", { timeZone: "Asia/Kathmandu" });
          expect(addDelay(there, -amount, "days", { timeZone: "Asia/Kathmandu" }).getTime()).toBe(
            from,
          );
        },
      ),
    );
  });
});
