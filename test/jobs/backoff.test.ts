import { describe, expect, it } from "vitest";
import { checkBackoff, retryDelay } from "../../src/jobs/backoff.js";

describe("retryDelay", () => {
  it("waits the same for every retry when fixed", () => {
    const fixed = { type: "fixed", delayMs: 500, jitter: 0 } as const;
    expect([1, 2, 5].map((attempt) => retryDelay(fixed, attempt))).toEqual([500, 500, 500]);
  });

  it("doubles the wait each attempt when exponential, up to maxDelayMs", () => {
    const exponential = {
      type: "exponential",
      delayMs: 1000,
      maxDelayMs: 5000,
      jitter: 0,
    } as const;
    expect([1, 2, 3, 4, 500].map((attempt) => retryDelay(exponential, attempt))).toEqual([
      1000, 2000, 4000, 5000, 5000,
    ]);
  });

  it("takes up to the jitter's share off the wait, at random", () => {
    const backoff = { type: "fixed", delayMs: 10_000, jitter: 0.2 } as const;
    expect(retryDelay(backoff, 1, () => 0)).toBe(10_000);
    expect(retryDelay(backoff, 1, () => 0.5)).toBe(9_000);
    expect(retryDelay(backoff, 1, () => 0.999_999)).toBe(8_000);
    // Default: 20 %.
    expect(retryDelay({ type: "fixed", delayMs: 100 }, 1, () => 1)).toBe(80);
  });
});

describe("checkBackoff", () => {
  it("names the field at fault", () => {
    expect(() => checkBackoff({ type: "linear", delayMs: 1 })).toThrow(/backoff\.type/);
    expect(() => checkBackoff({ type: "fixed", delayMs: -1 })).toThrow(/backoff\.delayMs/);
    expect(() => checkBackoff({ type: "fixed", delayMs: 10, maxDelayMs: 5 })).toThrow(
      /backoff\.maxDelayMs: 5 is less than delayMs \(10\)/,
    );
    expect(() => checkBackoff({ type: "fixed", delayMs: 1, jitter: 2 })).toThrow(/backoff\.jitter/);
    expect(checkBackoff({ type: "exponential", delayMs: 1, maxDelayMs: 1 })).toEqual({
      type: "exponential",
      delayMs: 1,
      maxDelayMs: 1,
    });
  });
});
