import { describe, expect, it } from "vitest";
import {
  looksLikeCalendarExpression,
  parseCalendarExpression,
} from "../../src/calendar/calendar-expression.js";
import { DayMaskCache, dayMask, nextMatchingWall } from "../../src/calendar/calendar-fields.js";
import { daysInMonth, partsOfWall, wallOf } from "../../src/calendar/civil.js";
import { valuesOf } from "../../src/calendar/field-set.js";
import { TriggerError } from "../../src/calendar/trigger-error.js";

const pad = (n: number): string => String(n).padStart(2, "0");

function show(wall: number): string {
  const [y, mo, d, h, mi, s] = partsOfWall(wall);
  return `${y}-${pad(mo)}-${pad(d)} ${pad(h)}:${pad(mi)}:${pad(s)}`;
}

/** The next `count` fires at or after `from`, as readable wall times. */
function fires(expression: string, from: number, count = 1): string[] {
  const { fields } = parseCalendarExpression(expression);
  const cache = new DayMaskCache();
  const out: string[] = [];
  let at = from;
  for (let i = 0; i < count; i++) {
    const wall = nextMatchingWall(fields, at, cache);
    if (wall === undefined) break;
    out.push(show(wall));
    at = wall + 1;
  }
  return out;
}

function errorOf(expression: string): TriggerError {
  try {
    parseCalendarExpression(expression);
  } catch (error) {
    expect(error).toBeInstanceOf(TriggerError);
    return error as TriggerError;
  }
  throw new Error(`expected ${JSON.stringify(expression)} to be refused`);
}

describe("parseCalendarExpression: times", () => {
  it("fires every half hour in working hours, skipping the weekend", () => {
    const workingHours = "hour=8-17; minute=*/30; dayOfWeek=Mon-Fri";
    // Friday 2026-05-01 17:30 is itself a fire; just after it, the next is Monday 08:00.
    expect(fires(workingHours, wallOf(2026, 5, 1, 17, 30))).toEqual(["2026-05-01 17:30:00"]);
    expect(fires(workingHours, wallOf(2026, 5, 1, 17, 30, 0, 1), 3)).toEqual([
      "2026-05-04 08:00:00",
      "2026-05-04 08:30:00",
      "2026-05-04 09:00:00",
    ]);
  });

  it("defaults second, minute and hour to 0, so a bare day fires at midnight", () => {
    expect(fires("dayOfWeek=Mon", wallOf(2026, 5, 1, 12), 2)).toEqual([
      "2026-05-04 00:00:00",
      "2026-05-11 00:00:00",
    ]);
  });

  it("defaults the day, month and year fields to every value", () => {
    const { fields } = parseCalendarExpression("hour=6");
    expect(fields.dayOfMonth).toBeNull();
    expect(fields.dayOfWeek).toBeNull();
    expect(valuesOf(fields.month)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(fields.years).toBeNull();
    expect(valuesOf(fields.second)).toEqual([0]);
    expect(valuesOf(fields.minute)).toEqual([0]);
    expect(fires("hour=6", wallOf(2026, 5, 1, 7), 2)).toEqual([
      "2026-05-02 06:00:00",
      "2026-05-03 06:00:00",
    ]);
  });

  it("wraps an hour range past midnight", () => {
    expect(valuesOf(parseCalendarExpression("hour=22-2").fields.hour)).toEqual([0, 1, 2, 22, 23]);
    expect(fires("hour=22-2", wallOf(2026, 5, 1, 3), 6)).toEqual([
      "2026-05-01 22:00:00",
      "2026-05-01 23:00:00",
      "2026-05-02 00:00:00",
      "2026-05-02 01:00:00",
      "2026-05-02 02:00:00",
      "2026-05-02 22:00:00",
    ]);
  });

  it("counts increments from their start to the field's end", () => {
    expect(valuesOf(parseCalendarExpression("second=30/10").fields.second)).toEqual([30, 40, 50]);
    expect(fires("second=30/10; minute=*; hour=*", wallOf(2026, 5, 1, 9, 0, 41), 4)).toEqual([
      "2026-05-01 09:00:50",
      "2026-05-01 09:01:30",
      "2026-05-01 09:01:40",
      "2026-05-01 09:01:50",
    ]);
    expect(valuesOf(parseCalendarExpression("minute=*/15").fields.minute)).toEqual([0, 15, 30, 45]);
    expect(valuesOf(parseCalendarExpression("hour=*/5").fields.hour)).toEqual([0, 5, 10, 15, 20]);
    expect(valuesOf(parseCalendarExpression("hour=3/8").fields.hour)).toEqual([3, 11, 19]);
  });

  it("takes lists of values and ranges", () => {
    expect(valuesOf(parseCalendarExpression("minute=0, 20-22 ,45").fields.minute)).toEqual([
      0, 20, 21, 22, 45,
    ]);
    expect(valuesOf(parseCalendarExpression("hour = 8 - 10").fields.hour)).toEqual([8, 9, 10]);
  });
});

describe("parseCalendarExpression: layout", () => {
  it("reads one attribute a line, including Windows line ends and blank lines", () => {
    const text = "second=0\r\nminute=15\r\n\r\n  hour = 6  \r\ndayOfWeek=Sat\r\n";
    expect(fires(text, wallOf(2026, 5, 1), 2)).toEqual([
      "2026-05-02 06:15:00",
      "2026-05-09 06:15:00",
    ]);
  });

  it("reads ;-separated attributes, ignoring a trailing separator", () => {
    expect(parseCalendarExpression("hour=6;minute=15;").fields).toEqual(
      parseCalendarExpression("minute = 15 ; hour = 6").fields,
    );
  });

  it("accepts attribute names, keywords and names in any case", () => {
    expect(parseCalendarExpression("DAYOFWEEK=mon-FRI; Hour=8; dayofmonth=LAST").fields).toEqual(
      parseCalendarExpression("dayOfWeek=Mon-Fri; hour=8; dayOfMonth=Last").fields,
    );
  });

  it("passes the time zone through and reads start and end dates", () => {
    const parsed = parseCalendarExpression(
      "hour=6\ntimezone=Europe/Berlin\nstart=2026/03/01\nend=2026-12-31",
    );
    expect(parsed.timeZone).toBe("Europe/Berlin");
    expect(parsed.start).toEqual({ year: 2026, month: 3, day: 1 });
    expect(parsed.end).toEqual({ year: 2026, month: 12, day: 31 });
    expect(parseCalendarExpression("start=2028/2/29").start).toEqual({
      year: 2028,
      month: 2,
      day: 29,
    });
    const bare = parseCalendarExpression("hour=6");
    expect("timeZone" in bare || "start" in bare || "end" in bare).toBe(false);
  });
});

describe("parseCalendarExpression: days", () => {
  it("finds the last day of the month, leap Februaries included", () => {
    expect(fires("dayOfMonth=Last", wallOf(2028, 2, 1), 2)).toEqual([
      "2028-02-29 00:00:00",
      "2028-03-31 00:00:00",
    ]);
    expect(fires("dayOfMonth=last", wallOf(2027, 2, 1))).toEqual(["2027-02-28 00:00:00"]);
  });

  it("counts negative days back from the last day", () => {
    expect(fires("dayOfMonth=-1", wallOf(2028, 2, 1), 2)).toEqual([
      "2028-02-28 00:00:00",
      "2028-03-30 00:00:00",
    ]);
    expect(fires("dayOfMonth=-7", wallOf(2026, 4, 1))).toEqual(["2026-04-23 00:00:00"]);
  });

  it("finds the nth and the last weekday of a month", () => {
    // June 2026 starts on a Monday.
    expect(fires("dayOfMonth=2nd Tue", wallOf(2026, 6, 1))).toEqual(["2026-06-09 00:00:00"]);
    expect(fires("dayOfMonth=Last Fri", wallOf(2026, 6, 1))).toEqual(["2026-06-26 00:00:00"]);
    expect(fires("dayOfMonth=1st  Monday", wallOf(2026, 6, 2))).toEqual(["2026-07-06 00:00:00"]);
    // Only May, July and October of 2026 have a fifth Friday.
    expect(fires("dayOfMonth=5th Fri", wallOf(2026, 5, 30), 2)).toEqual([
      "2026-07-31 00:00:00",
      "2026-10-30 00:00:00",
    ]);
  });

  it("matches a day when either a restricted dayOfMonth or dayOfWeek does", () => {
    expect(fires("dayOfMonth=1; dayOfWeek=Mon", wallOf(2026, 6, 2), 6)).toEqual([
      "2026-06-08 00:00:00",
      "2026-06-15 00:00:00",
      "2026-06-22 00:00:00",
      "2026-06-29 00:00:00",
      "2026-07-01 00:00:00",
      "2026-07-06 00:00:00",
    ]);
    expect(parseCalendarExpression("dayOfMonth=1; dayOfWeek=Mon").fields.dayCombine).toBe("or");
  });

  it("keeps an explicit full week a restriction, so it still ORs with dayOfMonth", () => {
    expect(fires("dayOfMonth=1; dayOfWeek=0-7", wallOf(2026, 6, 2), 2)).toEqual([
      "2026-06-02 00:00:00",
      "2026-06-03 00:00:00",
    ]);
    expect(parseCalendarExpression("dayOfWeek=*").fields.dayOfWeek).toBeNull();
    expect(parseCalendarExpression("dayOfMonth=*").fields.dayOfMonth).toBeNull();
  });

  it("reads 0 and 7 as Sunday and wraps weekday ranges", () => {
    const weekdays = (text: string): number[] => {
      const rules = parseCalendarExpression(`dayOfWeek=${text}`).fields.dayOfWeek;
      const rule = rules?.[0];
      return rule?.kind === "weekdays" ? valuesOf(rule.set) : [];
    };
    expect(weekdays("7")).toEqual([0]);
    expect(weekdays("0")).toEqual([0]);
    expect(weekdays("Fri-Mon")).toEqual([0, 1, 5, 6]);
    expect(weekdays("Sat-Sun")).toEqual([0, 6]);
    expect(weekdays("5-7")).toEqual([0, 5, 6]);
    expect(weekdays("Monday,wednesday")).toEqual([1, 3]);
  });

  it("wraps a dayOfMonth range past the month's end, skipping days a month lacks", () => {
    expect(fires("dayOfMonth=30-2", wallOf(2027, 2, 3), 4)).toEqual([
      "2027-03-01 00:00:00",
      "2027-03-02 00:00:00",
      "2027-03-30 00:00:00",
      "2027-03-31 00:00:00",
    ]);
  });

  it("expands ranges with an end counted from the last day, month by month", () => {
    expect(fires("dayOfMonth=15-Last", wallOf(2027, 2, 28), 2)).toEqual([
      "2027-02-28 00:00:00",
      "2027-03-15 00:00:00",
    ]);
    expect(fires("dayOfMonth=-3-Last", wallOf(2027, 2, 1), 5)).toEqual([
      "2027-02-25 00:00:00",
      "2027-02-26 00:00:00",
      "2027-02-27 00:00:00",
      "2027-02-28 00:00:00",
      "2027-03-28 00:00:00",
    ]);
    expect(fires("dayOfMonth=-2-2", wallOf(2026, 4, 3), 5)).toEqual([
      "2026-04-28 00:00:00",
      "2026-04-29 00:00:00",
      "2026-04-30 00:00:00",
      "2026-05-01 00:00:00",
      "2026-05-02 00:00:00",
    ]);
    // A start past the month's end leaves that month out rather than wrapping round it.
    expect(fires("dayOfMonth=29-Last", wallOf(2027, 2, 1))).toEqual(["2027-03-29 00:00:00"]);
  });

  it("gives exactly the days between the ends in every month, for every number and Last range", () => {
    const ends = [
      ...Array.from({ length: 31 }, (_, i) => String(i + 1)),
      "Last",
      ...["-1", "-2", "-3", "-4", "-5", "-6", "-7"],
    ];
    const dayOf = (end: string, length: number): number =>
      end === "Last" ? length : Number(end) < 0 ? length + Number(end) : Number(end);
    for (const from of ends) {
      for (const to of ends) {
        const text = `${from}-${to}`;
        const rules = parseCalendarExpression(`dayOfMonth=${text}`).fields;
        const bothNumbers = /^\d+$/.test(from) && /^\d+$/.test(to);
        for (const [year, month] of [
          [2027, 2],
          [2028, 2],
          [2026, 4],
          [2026, 5],
        ] as const) {
          const length = daysInMonth(year, month);
          const s = dayOf(from, length);
          const e = dayOf(to, length);
          const expected: number[] = [];
          for (let d = 1; d <= length; d++) {
            // Ends counted from Last are placed in the month first; a start the month lacks
            // means no days, while between numbers only x > y decides the wrap.
            const skipped = !bothNumbers && s > length;
            const inside = s <= e ? d >= s && d <= e : d >= s || d <= e;
            if (inside && !skipped) expected.push(d);
          }
          const mask = dayMask(rules, year, month);
          const got: number[] = [];
          for (let d = 1; d <= length; d++) if (mask & (1 << d)) got.push(d);
          expect(got, `${text} in ${year}-${month}`).toEqual(expected);
        }
      }
    }
  });

  describe("ranges placed month by month, against a brute-force definition", () => {
    const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
    /** Built on Date rather than civil.ts, so the oracle shares no code with the engine. */
    const lengthOf = (year: number, month: number): number =>
      new Date(Date.UTC(year, month, 0)).getUTCDate();
    const weekdayOn = (year: number, month: number, day: number): number =>
      new Date(Date.UTC(year, month - 1, day)).getUTCDay();

    /** The day an end stands for in the month, or undefined when the month has none. */
    function place(end: string, year: number, month: number): number | undefined {
      const length = lengthOf(year, month);
      const lower = end.toLowerCase();
      if (lower === "last") return length;
      if (/^-\d$/.test(lower)) return length + Number(lower);
      if (/^\d+$/.test(lower)) return Number(lower) <= length ? Number(lower) : undefined;
      const [which = "", name = ""] = lower.split(" ");
      const matching: number[] = [];
      for (let d = 1; d <= length; d++) {
        if (WEEKDAYS[weekdayOn(year, month, d)] === name) matching.push(d);
      }
      return which === "last" ? matching.at(-1) : matching[Number.parseInt(which, 10) - 1];
    }

    /**
     * The documented rule: no start, no days; no end, up to the month's last day; a start
     * after the end wraps round to the 1st.
     */
    function expectedDays(from: string, to: string, year: number, month: number): number[] {
      const length = lengthOf(year, month);
      const s = place(from, year, month);
      if (s === undefined) return [];
      const e = place(to, year, month) ?? length;
      const days: number[] = [];
      for (let d = 1; d <= length; d++)
        if (s <= e ? d >= s && d <= e : d >= s || d <= e) days.push(d);
      return days;
    }

    /** Every month of 2000-2027: each length starting on each weekday, leap Februaries too. */
    const months: [number, number][] = [];
    for (let year = 2000; year < 2028; year++) {
      for (let month = 1; month <= 12; month++) months.push([year, month]);
    }

    it.each([
      ["1st Mon", "3rd Fri"],
      ["15", "Last"],
      ["-3", "Last"],
      ["Last Fri", "3"],
      ["27", "-1"],
      ["-1", "28"],
      ["2nd Tue", "15"],
      ["15", "Last Fri"],
      ["1st Mon", "5th Fri"],
      ["5th Mon", "3"],
      ["2nd Mon", "Last"],
      ["Last Sun", "1st Sat"],
    ])("%s-%s", (from, to) => {
      const { fields } = parseCalendarExpression(`dayOfMonth=${from}-${to}`);
      const lengths = new Set<number>();
      for (const [year, month] of months) {
        const mask = dayMask(fields, year, month);
        const got: number[] = [];
        for (let d = 1; d <= 31; d++) if (mask & (1 << d)) got.push(d);
        expect(got, `${from}-${to} in ${year}-${month}`).toEqual(
          expectedDays(from, to, year, month),
        );
        lengths.add(lengthOf(year, month));
      }
      expect([...lengths].sort()).toEqual([28, 29, 30, 31]);
    });

    it("reads every end in either position, in every month layout", () => {
      const ends = [
        "1",
        "7",
        "15",
        "22",
        "28",
        "29",
        "30",
        "31",
        "Last",
        "-1",
        "-4",
        "-7",
        ...WEEKDAYS.flatMap((day) =>
          ["1st", "3rd", "4th", "5th", "Last"].map((n) => `${n} ${day}`),
        ),
      ];
      for (const from of ends) {
        for (const to of ends) {
          // Two day numbers make a plain EJB set, which wraps past the 31st instead.
          if (/^\d+$/.test(from) && /^\d+$/.test(to)) continue;
          const { fields } = parseCalendarExpression(`dayOfMonth=${from}-${to}`);
          // 28 to 31 days, starting on Monday, Tuesday, Wednesday and Friday.
          for (const [year, month] of [
            [2027, 2],
            [2028, 2],
            [2026, 4],
            [2026, 5],
          ] as const) {
            const mask = dayMask(fields, year, month);
            const got: number[] = [];
            for (let d = 1; d <= 31; d++) if (mask & (1 << d)) got.push(d);
            expect(got, `${from}-${to} in ${year}-${month}`).toEqual(
              expectedDays(from, to, year, month),
            );
          }
        }
      }
    });

    it("fires from the first Monday to the third Friday", () => {
      // June 2026 starts on a Monday; July 2026 on a Wednesday.
      expect(fires("dayOfMonth=1st Mon-3rd Fri", wallOf(2026, 6, 18), 4)).toEqual([
        "2026-06-18 00:00:00",
        "2026-06-19 00:00:00",
        "2026-07-06 00:00:00",
        "2026-07-07 00:00:00",
      ]);
    });

    it("wraps round to the 1st only in months where the start falls after the end", () => {
      // -1-28: the 27th-28th of a 28-day February, but the 30th, 31st and 1st-28th of March.
      expect(fires("dayOfMonth=-1-28", wallOf(2027, 2, 26), 4)).toEqual([
        "2027-02-27 00:00:00",
        "2027-02-28 00:00:00",
        "2027-03-01 00:00:00",
        "2027-03-02 00:00:00",
      ]);
      expect(fires("dayOfMonth=-1-28", wallOf(2027, 3, 28, 1), 2)).toEqual([
        "2027-03-30 00:00:00",
        "2027-03-31 00:00:00",
      ]);
    });

    it("builds ranges with a moving end as between rules, and degenerate ones as their end", () => {
      expect(
        parseCalendarExpression("dayOfMonth=3,1st Mon-3rd Fri,Last-Last").fields.dayOfMonth,
      ).toEqual([
        { kind: "days", set: { lo: 0b1000, hi: 0 } },
        {
          kind: "between",
          from: { kind: "nthWeekday", weekday: 1, nth: 1 },
          to: { kind: "nthWeekday", weekday: 5, nth: 3 },
        },
        { kind: "lastDay", offset: 0 },
      ]);
      expect(parseCalendarExpression("dayOfMonth=Last,last-LAST").fields.dayOfMonth).toEqual([
        { kind: "lastDay", offset: 0 },
      ]);
    });
  });

  it("merges day numbers into one set and drops repeated rules", () => {
    expect(parseCalendarExpression("dayOfMonth=1,3-4,Last,last,3,-1").fields.dayOfMonth).toEqual([
      { kind: "days", set: { lo: 0b11010, hi: 0 } },
      { kind: "lastDay", offset: 0 },
      { kind: "lastDay", offset: 1 },
    ]);
  });
});

describe("parseCalendarExpression: months and years", () => {
  it("takes month numbers and names, short or full, wrapping past December", () => {
    const months = (text: string): number[] =>
      valuesOf(parseCalendarExpression(`month=${text}`).fields.month);
    expect(months("Nov-Feb")).toEqual([1, 2, 11, 12]);
    expect(months("jan,JUL,September")).toEqual([1, 7, 9]);
    expect(months("3-5")).toEqual([3, 4, 5]);
    expect(fires("month=Jul; dayOfMonth=4", wallOf(2026, 7, 5))).toEqual(["2027-07-04 00:00:00"]);
  });

  it("keeps years sorted and stops after the last", () => {
    expect(parseCalendarExpression("year=2030, 2027-2028 ,2027").fields.years).toEqual([
      2027, 2028, 2030,
    ]);
    expect(fires("year=2027; month=Jan; dayOfMonth=1", wallOf(2026, 5, 1), 2)).toEqual([
      "2027-01-01 00:00:00",
    ]);
  });
});

describe("parseCalendarExpression: errors", () => {
  const cases: [expression: string, field: string, message: string][] = [
    [
      "dayOfWeek=8",
      "dayOfWeek",
      'dayOfWeek: "8" is out of range 0-7 (0 and 7 are Sunday, or Sun-Sat)',
    ],
    ["hour=24", "hour", 'hour: "24" is out of range 0-23'],
    ["minute=60", "minute", 'minute: "60" is out of range 0-59'],
    ["second=-1", "second", 'second: "-1" is not a valid value; use 0-59'],
    ["month=13", "month", 'month: "13" is out of range 1-12 (or Jan-Dec)'],
    ["month=Jum", "month", 'month: "Jum" is not a valid value; use 1-12 (or Jan-Dec)'],
    ["", "calendar", 'calendar: "" is empty; give at least one attribute, like hour=8'],
    [" ;\n ; ", "calendar", 'calendar: ";\n ;" is empty; give at least one attribute, like hour=8'],
    [
      "hours=8",
      "calendar",
      'calendar: "hours" is not a calendar attribute; use one of second, minute, hour, dayOfMonth, month, dayOfWeek, year, timezone, start, end',
    ],
    [
      "hour 8",
      "calendar",
      'calendar: "hour 8" is not a name=value attribute; write attributes like hour=8; minute=30',
    ],
    [
      "hour=8; Hour=9",
      "hour",
      'hour: "Hour=9" repeats an attribute; give it once, listing several values with commas, like hour=8,12',
    ],
    [
      "minute=",
      "minute",
      'minute: "" is empty; leave the attribute out for its default, or give 0-59',
    ],
    [
      "hour=*,8",
      "hour",
      'hour: "*,8" puts a wildcard in a list; a list holds only values and ranges, like 8,12-14',
    ],
    [
      "minute=0,*/15",
      "minute",
      'minute: "0,*/15" puts an increment in a list; write x/y on its own, or list values of 0-59',
    ],
    [
      "minute=0,,30",
      "minute",
      'minute: "0,,30" has an empty list item; separate values with single commas, like 8,12-14',
    ],
    [
      "dayOfWeek=*/2",
      "dayOfWeek",
      'dayOfWeek: "*/2" cannot take an increment (only second, minute and hour can); use 0-7 (0 and 7 are Sunday, or Sun-Sat)',
    ],
    [
      "hour=8-18/2",
      "hour",
      'hour: "8-18/2" puts an increment on a range, which EJB does not allow; write */15 or 30/10',
    ],
    [
      "minute=*/0",
      "minute",
      'minute: "*/0" needs start/increment with an increment in the range 1-59',
    ],
    ["hour=*/24", "hour", 'hour: "*/24" needs start/increment with an increment in the range 1-23'],
    ["second=60/5", "second", 'second: "60" is out of range 0-59'],
    [
      "hour=8-*",
      "hour",
      'hour: "8-*" uses a wildcard inside a value; write * on its own, or use 0-23',
    ],
    [
      "dayOfMonth=32",
      "dayOfMonth",
      'dayOfMonth: "32" is out of range 1-31, -7 to -1 (days before the last), Last, or 1st-5th or Last and a weekday (2nd Tue, Last Fri)',
    ],
    [
      "dayOfMonth=-8",
      "dayOfMonth",
      'dayOfMonth: "-8" is out of range 1-31, -7 to -1 (days before the last), Last, or 1st-5th or Last and a weekday (2nd Tue, Last Fri)',
    ],
    [
      "dayOfMonth=6th Mon",
      "dayOfMonth",
      'dayOfMonth: "6th Mon" needs 1st, 2nd, 3rd, 4th, 5th or Last before the weekday; use 1-31, -7 to -1 (days before the last), Last, or 1st-5th or Last and a weekday (2nd Tue, Last Fri)',
    ],
    [
      "dayOfMonth=2nd Tuz",
      "dayOfMonth",
      'dayOfMonth: "2nd Tuz" does not name a weekday; use Sun-Sat after the ordinal, e.g. 2nd Tue',
    ],
    [
      "dayOfMonth=1st Mon-6th Fri",
      "dayOfMonth",
      'dayOfMonth: "6th Fri" needs 1st, 2nd, 3rd, 4th, 5th or Last before the weekday; use 1-31, -7 to -1 (days before the last), Last, or 1st-5th or Last and a weekday (2nd Tue, Last Fri)',
    ],
    [
      "dayOfMonth=-8-Last",
      "dayOfMonth",
      'dayOfMonth: "-8" is out of range 1-31, -7 to -1 (days before the last), Last, or 1st-5th or Last and a weekday (2nd Tue, Last Fri)',
    ],
    [
      "dayOfMonth=1,*",
      "dayOfMonth",
      'dayOfMonth: "1,*" puts a wildcard in a list; a list holds only values and ranges, like 1,15,Last',
    ],
    ["year=26", "year", 'year: "26" is not a valid value; use 1970-2099 (four digits)'],
    ["year=2100", "year", 'year: "2100" is out of range 1970-2099 (four digits)'],
    [
      "year=2030-2027",
      "year",
      'year: "2030-2027" runs backwards; write the earlier year first: 2027-2030',
    ],
    [
      "start=2026/02/30",
      "start",
      'start: "2026/02/30" is not a real date; use a real date yyyy/mm/dd, e.g. 2026/03/31',
    ],
    [
      "end=31.12.2026",
      "end",
      'end: "31.12.2026" is not a date; use a real date yyyy/mm/dd, e.g. 2026/03/31',
    ],
    [
      "start=2026/03/01; end=2026/02/28",
      "end",
      'end: "2026/02/28" is before the start date 2026/03/01',
    ],
  ];

  it.each(cases)("refuses %j", (expression, field, message) => {
    const error = errorOf(expression);
    expect(error.code).toBe("invalidTrigger");
    expect(error.field).toBe(field);
    expect(error.message).toBe(message);
  });

  it("carries the offending text and what is allowed as data", () => {
    const error = errorOf("hour=8; dayOfWeek=Mon,Fun");
    expect(error.text).toBe("Fun");
    expect(error.allowed).toBe("0-7 (0 and 7 are Sunday, or Sun-Sat)");
  });
});

describe("looksLikeCalendarExpression", () => {
  it("tells name=value attributes from cron", () => {
    expect(looksLikeCalendarExpression("hour=8-17; minute=*/30; dayOfWeek=Mon-Fri")).toBe(true);
    expect(looksLikeCalendarExpression("\n  second = 0\nminute=15\n")).toBe(true);
    // A misspelt attribute still goes to the calendar parser, which names it.
    expect(looksLikeCalendarExpression("hours=8")).toBe(true);
    expect(looksLikeCalendarExpression("0 0 6 ? * MON-FRI")).toBe(false);
    expect(looksLikeCalendarExpression("*/5 * * * *")).toBe(false);
    expect(looksLikeCalendarExpression("@daily")).toBe(false);
    expect(looksLikeCalendarExpression("CRON_TZ=Europe/London 0 6 * * *")).toBe(false);
    expect(looksLikeCalendarExpression("TZ=UTC 0 6 * * *")).toBe(false);
    expect(looksLikeCalendarExpression("")).toBe(false);
  });
});
