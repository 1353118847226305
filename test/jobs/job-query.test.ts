import { describe, expect, it } from "vitest";
import { periodRange } from "../../src/jobs/index.js";
import { toJobQuery } from "../../src/jobs/job-query.js";

const HOUR = 3_600_000;

describe("periodRange", () => {
  const now = Date.UTC(2030, 2, 31, 9, 30); // Sunday 31 March 2030, 10:30 in London (BST)

  it("reads durations back from now", () => {
    expect(periodRange("2h 30m", now)).toEqual({ from: now - 2.5 * HOUR, to: now });
    expect(periodRange("1d", now)).toEqual({ from: now - 24 * HOUR, to: now });
    expect(periodRange(" 90M 15s ", now)).toEqual({ from: now - 90 * 60_000 - 15_000, to: now });
  });

  it("starts today at the zone's midnight, across a DST change", () => {
    // London sprang forward at 01:00 UTC that day: midnight was still GMT.
    expect(periodRange("today", now, "Europe/London")).toEqual({
      from: Date.UTC(2030, 2, 31, 0, 0),
      to: now,
    });
    expect(periodRange("today", now, "America/New_York")).toEqual({
      from: Date.UTC(2030, 2, 31, 4, 0),
      to: now,
    });
    expect(periodRange("Yesterday", now, "Asia/Tokyo")).toEqual({
      from: Date.UTC(2030, 2, 29, 15, 0),
      to: Date.UTC(2030, 2, 30, 15, 0) - 1,
    });
  });

  it("yesterday is one calendar day, 23 hours long on the night clocks go forward", () => {
    const monday = Date.UTC(2030, 3, 1, 12);
    const { from, to } = periodRange("yesterday", monday, "Europe/London");
    expect(from).toBe(Date.UTC(2030, 2, 31, 0, 0));
    expect(to + 1 - from).toBe(23 * HOUR);
  });

  it("today on the day clocks go forward is 23 hours long, and on the day they go back 25", () => {
    const endOf = (iso: string) => Date.parse(iso) - 1;
    const spring = periodRange("today", endOf("2026-03-29T23:00:00Z"), "Europe/London");
    expect(spring.from).toBe(Date.UTC(2026, 2, 29, 0, 0));
    expect(spring.to + 1 - spring.from).toBe(23 * HOUR);
    const autumn = periodRange("today", endOf("2026-10-26T00:00:00Z"), "Europe/London");
    expect(autumn.from).toBe(Date.UTC(2026, 9, 24, 23, 0));
    expect(autumn.to + 1 - autumn.from).toBe(25 * HOUR);
  });

  it("starts a day whose midnight the clocks skip at the moment they jump", () => {
    // Santiago sprang from 24:00 to 01:00 on 2026-09-06: that day began at 04:00 UTC.
    const noon = Date.UTC(2026, 8, 6, 16, 0);
    expect(periodRange("today", noon, "America/Santiago").from).toBe(Date.UTC(2026, 8, 6, 4, 0));
    const { from, to } = periodRange("yesterday", Date.UTC(2026, 8, 7, 16, 0), "America/Santiago");
    expect([from, to + 1]).toEqual([Date.UTC(2026, 8, 6, 4, 0), Date.UTC(2026, 8, 7, 3, 0)]);
  });

  it("names the parameter at fault", () => {
    expect(() => periodRange("soon", now)).toThrow(/period: "soon"/);
    expect(() => periodRange("2x", now)).toThrow(/period/);
    expect(() => periodRange("today", now, "Mars/Olympus")).toThrow(
      expect.objectContaining({ code: "invalidTimeZone", field: "timeZone" }),
    );
  });
});

describe("toJobQuery", () => {
  it("takes lists or comma-separated text, and defaults the page size", () => {
    expect(toJobQuery({ type: "a, b,", status: ["RUNNING"], hasErrors: false })).toEqual({
      type: ["a", "b"],
      status: ["RUNNING"],
      hasErrors: false,
      size: 100,
    });
  });
});
