import { describe, expect, it } from "vitest";
import { nextFireTimes } from "../../src/calendar/index.js";

const iso = (dates: Date[]) => dates.map((d) => d.toISOString());

describe("interval triggers", () => {
  it("counts months from the anchor, never by adding to the last fire", () => {
    const fires = nextFireTimes(
      { every: 1, unit: "months", anchor: "2028-01-31T09:00", timeZone: "Europe/London" },
      { from: "2028-01-01T00:00:00Z", count: 5 },
    );
    expect(iso(fires)).toEqual([
      "2028-01-31T09:00:00.000Z",
      "2028-02-29T09:00:00.000Z",
      "2028-03-31T08:00:00.000Z",
      "2028-04-30T08:00:00.000Z",
      "2028-05-31T08:00:00.000Z",
    ]);
  });

  it("keeps the wall-clock time for days across DST, and elapsed time for hours", () => {
    const daily = nextFireTimes(
      { every: 1, unit: "days", anchor: "2026-03-27T09:00", timeZone: "Europe/London" },
      { from: "2026-03-27T00:00:00Z", count: 3 },
    );
    expect(iso(daily)).toEqual([
      "2026-03-27T09:00:00.000Z",
      "2026-03-28T09:00:00.000Z",
      "2026-03-29T08:00:00.000Z",
    ]);
    const hourly = nextFireTimes(
      { every: 2, unit: "hours", anchor: "2026-03-28T23:00:00Z", timeZone: "Europe/London" },
      { from: "2026-03-28T23:00:00Z", count: 2 },
    );
    expect(iso(hourly)).toEqual(["2026-03-29T01:00:00.000Z", "2026-03-29T03:00:00.000Z"]);
  });

  it("shifts a daily fire that falls into a gap, or skips it", () => {
    const spec = {
      every: 1,
      unit: "days",
      anchor: "2026-03-06T02:30",
      timeZone: "America/New_York",
    } as const;
    expect(iso(nextFireTimes(spec, { from: "2026-03-07T00:00:00Z", count: 3 }))).toEqual([
      "2026-03-07T07:30:00.000Z",
      "2026-03-08T07:30:00.000Z",
      "2026-03-09T06:30:00.000Z",
    ]);
    expect(
      iso(
        nextFireTimes(
          { ...spec, dst: { gap: "skip" } },
          { from: "2026-03-07T00:00:00Z", count: 2 },
        ),
      ),
    ).toEqual(["2026-03-07T07:30:00.000Z", "2026-03-09T06:30:00.000Z"]);
  });

  it("handles weeks, years from Feb 29, and seconds", () => {
    expect(
      iso(
        nextFireTimes(
          { every: 2, unit: "weeks", anchor: "2026-11-02T08:00:00Z" },
          { from: "2026-11-10T00:00:00Z", count: 2 },
        ),
      ),
    ).toEqual(["2026-11-16T08:00:00.000Z", "2026-11-30T08:00:00.000Z"]);
    expect(
      iso(
        nextFireTimes(
          { every: 1, unit: "years", anchor: "2028-02-29T00:00:00Z" },
          { from: "2028-03-01T00:00:00Z", count: 4 },
        ),
      ),
    ).toEqual([
      "2029-02-28T00:00:00.000Z",
      "2030-02-28T00:00:00.000Z",
      "2031-02-28T00:00:00.000Z",
      "2032-02-29T00:00:00.000Z",
    ]);
    expect(
      iso(
        nextFireTimes(
          { every: 90, unit: "seconds", startTime: "2026-01-01T00:00:00Z" },
          { from: "2026-01-01T00:00:00Z", count: 2 },
        ),
      ),
    ).toEqual(["2026-01-01T00:01:30.000Z", "2026-01-01T00:03:00.000Z"]);
  });

  it("finds the right fire far from the anchor", () => {
    const fires = nextFireTimes(
      { every: 3, unit: "months", anchor: "1990-01-31T12:00:00Z" },
      { from: "2026-11-21T00:00:00Z", count: 2 },
    );
    expect(iso(fires)).toEqual(["2027-01-31T12:00:00.000Z", "2027-04-30T12:00:00.000Z"]);
  });

  it("refuses a bad interval, naming the field", () => {
    expect(() => nextFireTimes({ every: 0, unit: "days", anchor: "2026-01-01T00:00:00Z" })).toThrow(
      /every: "0"/,
    );
    expect(() =>
      nextFireTimes({ every: 1.5, unit: "days", anchor: "2026-01-01T00:00:00Z" }),
    ).toThrow(/every: "1.5"/);
    expect(() =>
      nextFireTimes({ every: 1, unit: "fortnights" as never, anchor: "2026-01-01T00:00:00Z" }),
    ).toThrow(/unit: "fortnights"/);
    expect(() => nextFireTimes({ every: 1, unit: "days" })).toThrow(/anchor: "" is missing/);
  });
});
