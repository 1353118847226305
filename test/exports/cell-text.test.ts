import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cellText, instantText } from "../../src/exports/cell-text.js";

describe("the text of an instant", () => {
  // toISOString's range: ±100,000,000 days around 1970.
  const LIMIT = 8.64e15;
  const edges = [
    0,
    -1,
    Date.parse("0000-01-01T00:00:00.000Z"),
    Date.parse("0000-01-01T00:00:00.000Z") - 1,
    Date.parse("9999-12-31T23:59:59.999Z"),
    Date.parse("9999-12-31T23:59:59.999Z") + 1,
    Date.parse("1600-02-29T12:00:00.000Z"),
    Date.parse("1900-03-01T00:00:00.000Z"),
    Date.parse("2000-02-29T23:59:59.999Z"),
    LIMIT,
    -LIMIT,
  ];

  it("is what toISOString writes, for every instant a Date holds", () => {
    for (const ms of edges) expect(instantText(ms), String(ms)).toBe(new Date(ms).toISOString());
    fc.assert(
      fc.property(fc.integer({ min: -LIMIT, max: LIMIT }), (ms) => {
        expect(instantText(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 20_000 },
    );
    // Years 0 to 9999 are the ones written by arithmetic: every eleventh day of them, which
    // meets every day of the 400-year cycle (146,097 days, prime to 11).
    const first = Date.parse("0000-01-01T00:00:00.000Z");
    for (let day = 0; day < 3_652_425; day += 11) {
      const ms = first + day * 86_400_000 + ((day * 7_919_993) % 86_400_000);
      if (instantText(ms) !== new Date(ms).toISOString()) {
        expect(instantText(ms), String(ms)).toBe(new Date(ms).toISOString());
      }
    }
  });

  it("is empty for an invalid date, as for null", () => {
    expect(instantText(Number.NaN)).toBe("");
    expect(cellText(new Date(Number.NaN))).toBe("");
  });
});
