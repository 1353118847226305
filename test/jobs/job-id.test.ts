import { describe, expect, it } from "vitest";
import { newJobId } from "../../src/jobs/index.js";

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("job ids", () => {
  it("are UUIDv7 carrying their instant", () => {
    const at = Date.UTC(2030, 0, 1);
    const id = newJobId(at);
    expect(id).toMatch(UUID_V7);
    expect(Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(at);
  });

  it("sort as strings in the order they were made, within one millisecond too", () => {
    const at = Date.UTC(2031, 5, 1);
    // 10,000 in one millisecond overflows the 4,096-step counter: it borrows the next ms.
    const made = Array.from({ length: 10_000 }, (_, i) => newJobId(at + Math.floor(i / 5000)));
    expect([...made].sort()).toEqual(made);
    expect(new Set(made).size).toBe(made.length);
    for (const id of made) expect(id).toMatch(UUID_V7);
  });

  it("keep increasing when the clock steps back", () => {
    const first = newJobId(Date.UTC(2032, 0, 1, 12));
    const second = newJobId(Date.UTC(2032, 0, 1, 11));
    expect(second > first).toBe(true);
  });
});
