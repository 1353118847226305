import { describe, expect, it } from "vitest";
import { type DstOption, nextFireTimes } from "../../src/calendar/index.js";

interface Case {
  zone: string;
  expression: string;
  from: string;
  dst?: DstOption;
  expected: string[];
  /** What a person would see on the wall clock, as a check independent of our zone tables. */
  walls?: string[];
}

/** The zone's wall clock at an instant, according to ICU (not to our transition tables). */
function wallClock(instant: Date, zone: string): string {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: zone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    timeZoneName: "shortOffset",
  }).formatToParts(instant);
  const get = (type: string) => parts.find((p) => p.type === type)?.value;
  return `${get("year")}-${get("month")}-${get("day")} ${get("hour")}:${get("minute")} ${get("timeZoneName")}`;
}

const cases: Record<string, Case> = {
  "London spring-forward: 01:30 shifts to 02:30 BST": {
    zone: "Europe/London",
    expression: "0 30 1 * * ?",
    from: "2026-03-28T00:00:00Z",
    expected: ["2026-03-28T01:30:00.000Z", "2026-03-29T01:30:00.000Z", "2026-03-30T00:30:00.000Z"],
    walls: ["2026-03-28 01:30 GMT+0", "2026-03-29 02:30 GMT+1", "2026-03-30 01:30 GMT+1"],
  },
  "London spring-forward: skip drops the missing 01:30": {
    zone: "Europe/London",
    expression: "0 30 1 * * ?",
    from: "2026-03-28T00:00:00Z",
    dst: { gap: "skip" },
    expected: ["2026-03-28T01:30:00.000Z", "2026-03-30T00:30:00.000Z"],
  },
  "London fall-back: a daily 01:30 fires once, at the first occurrence (auto)": {
    zone: "Europe/London",
    expression: "0 30 1 * * ?",
    from: "2026-10-24T12:00:00Z",
    expected: ["2026-10-25T00:30:00.000Z", "2026-10-26T01:30:00.000Z"],
    walls: ["2026-10-25 01:30 GMT+1", "2026-10-26 01:30 GMT+0"],
  },
  "London fall-back: overlap second": {
    zone: "Europe/London",
    expression: "0 30 1 * * ?",
    from: "2026-10-24T12:00:00Z",
    dst: { overlap: "second" },
    expected: ["2026-10-25T01:30:00.000Z", "2026-10-26T01:30:00.000Z"],
  },
  "London fall-back: overlap both": {
    zone: "Europe/London",
    expression: "0 30 1 * * ?",
    from: "2026-10-24T12:00:00Z",
    dst: { overlap: "both" },
    expected: ["2026-10-25T00:30:00.000Z", "2026-10-25T01:30:00.000Z", "2026-10-26T01:30:00.000Z"],
  },
  "New York fall-back: every 30 minutes keeps its rhythm through the repeated hour (auto)": {
    zone: "America/New_York",
    expression: "0 0/30 * * * ?",
    from: "2026-11-01T04:40:00Z",
    expected: [
      "2026-11-01T05:00:00.000Z",
      "2026-11-01T05:30:00.000Z",
      "2026-11-01T06:00:00.000Z",
      "2026-11-01T06:30:00.000Z",
      "2026-11-01T07:00:00.000Z",
    ],
    walls: [
      "2026-11-01 01:00 GMT-4",
      "2026-11-01 01:30 GMT-4",
      "2026-11-01 01:00 GMT-5",
      "2026-11-01 01:30 GMT-5",
      "2026-11-01 02:00 GMT-5",
    ],
  },
  "New York spring-forward: every 30 minutes, the missing 02:00 and 02:30 land on 03:00 and 03:30":
    {
      zone: "America/New_York",
      expression: "0 0/30 * * * ?",
      from: "2026-03-08T06:10:00Z",
      expected: [
        "2026-03-08T06:30:00.000Z",
        "2026-03-08T07:00:00.000Z",
        "2026-03-08T07:30:00.000Z",
        "2026-03-08T08:00:00.000Z",
      ],
      walls: [
        "2026-03-08 01:30 GMT-5",
        "2026-03-08 03:00 GMT-4",
        "2026-03-08 03:30 GMT-4",
        "2026-03-08 04:00 GMT-4",
      ],
    },
  "New York, Quartz preset: skip the gap, fire the repeated 01:30 at its second occurrence": {
    zone: "America/New_York",
    expression: "0 30 1,2 * * ?",
    from: "2026-03-07T12:00:00Z",
    dst: "quartz",
    expected: ["2026-03-08T06:30:00.000Z", "2026-03-09T05:30:00.000Z", "2026-03-09T06:30:00.000Z"],
  },
  "Santiago: midnight does not exist on 2026-09-06 and shifts to 01:00": {
    zone: "America/Santiago",
    expression: "0 0 0 * * ?",
    from: "2026-09-05T00:00:00Z",
    expected: ["2026-09-05T04:00:00.000Z", "2026-09-06T04:00:00.000Z", "2026-09-07T03:00:00.000Z"],
    walls: ["2026-09-05 00:00 GMT-4", "2026-09-06 01:00 GMT-3", "2026-09-07 00:00 GMT-3"],
  },
  "Santiago: 23:30 on 2026-04-04 happens twice; first occurrence by default": {
    zone: "America/Santiago",
    expression: "0 30 23 * * ?",
    from: "2026-04-04T12:00:00Z",
    expected: ["2026-04-05T02:30:00.000Z", "2026-04-06T03:30:00.000Z"],
    walls: ["2026-04-04 23:30 GMT-3", "2026-04-05 23:30 GMT-4"],
  },
  "Lord Howe: the 30-minute gap on 2026-10-04 shifts 02:15 to 02:45": {
    zone: "Australia/Lord_Howe",
    expression: "0 15 2 * * ?",
    from: "2026-10-02T12:00:00Z",
    expected: ["2026-10-02T15:45:00.000Z", "2026-10-03T15:45:00.000Z", "2026-10-04T15:15:00.000Z"],
    walls: ["2026-10-03 02:15 GMT+10:30", "2026-10-04 02:45 GMT+11", "2026-10-05 02:15 GMT+11"],
  },
  "Lord Howe: the 30-minute overlap on 2026-04-05, both occurrences": {
    zone: "Australia/Lord_Howe",
    expression: "0 45 1 * * ?",
    from: "2026-04-04T00:00:00Z",
    dst: { overlap: "both" },
    expected: ["2026-04-04T14:45:00.000Z", "2026-04-04T15:15:00.000Z", "2026-04-05T15:15:00.000Z"],
    walls: ["2026-04-05 01:45 GMT+11", "2026-04-05 01:45 GMT+10:30", "2026-04-06 01:45 GMT+10:30"],
  },
  "Chatham (+12:45/+13:45): 03:00 on 2026-09-27 does not exist": {
    zone: "Pacific/Chatham",
    expression: "0 0 3 * * ?",
    from: "2026-09-25T00:00:00Z",
    expected: ["2026-09-25T14:15:00.000Z", "2026-09-26T14:15:00.000Z", "2026-09-27T13:15:00.000Z"],
    walls: [
      "2026-09-26 03:00 GMT+12:45",
      "2026-09-27 04:00 GMT+13:45",
      "2026-09-28 03:00 GMT+13:45",
    ],
  },
  "Chatham: 03:00 on 2026-04-05 happens twice; second occurrence": {
    zone: "Pacific/Chatham",
    expression: "0 0 3 * * ?",
    from: "2026-04-04T00:00:00Z",
    dst: { overlap: "second" },
    expected: ["2026-04-04T14:15:00.000Z", "2026-04-05T14:15:00.000Z"],
    walls: ["2026-04-05 03:00 GMT+12:45", "2026-04-06 03:00 GMT+12:45"],
  },
  "Apia skipped 2011-12-30 entirely; its noon shifts into the 31st, once": {
    zone: "Pacific/Apia",
    expression: "0 0 12 * * ?",
    from: "2011-12-29T00:00:00Z",
    expected: ["2011-12-29T22:00:00.000Z", "2011-12-30T22:00:00.000Z", "2011-12-31T22:00:00.000Z"],
    walls: ["2011-12-29 12:00 GMT-10", "2011-12-31 12:00 GMT+14", "2012-01-01 12:00 GMT+14"],
  },
  "Kathmandu (+05:45)": {
    zone: "Asia/Kathmandu",
    expression: "0 0 9 ? * MON-FRI",
    from: "2026-11-20T00:00:00Z",
    expected: ["2026-11-20T03:15:00.000Z", "2026-11-23T03:15:00.000Z"],
    walls: ["2026-11-20 09:00 GMT+5:45", "2026-11-23 09:00 GMT+5:45"],
  },
  "Kathmandu moved from +05:30 to +05:45 at midnight on 1986-01-01": {
    zone: "Asia/Kathmandu",
    expression: "0 5 0 * * ?",
    from: "1985-12-30T00:00:00Z",
    expected: ["1985-12-30T18:35:00.000Z", "1985-12-31T18:35:00.000Z", "1986-01-01T18:20:00.000Z"],
    walls: ["1985-12-31 00:05 GMT+5:30", "1986-01-01 00:20 GMT+5:45", "1986-01-02 00:05 GMT+5:45"],
  },
};

describe("daylight saving, pinned to exact instants", () => {
  for (const [name, c] of Object.entries(cases)) {
    it(name, () => {
      const fires = nextFireTimes(
        {
          expression: c.expression,
          timeZone: c.zone,
          ...(c.dst === undefined ? {} : { dst: c.dst }),
        },
        { from: c.from, count: c.expected.length },
      );
      expect(fires.map((d) => d.toISOString())).toEqual(c.expected);
      if (c.walls) expect(fires.map((d) => wallClock(d, c.zone))).toEqual(c.walls);
    });
  }
});
