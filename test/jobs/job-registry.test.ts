import { describe, expect, expectTypeOf, it } from "vitest";
import { type JobContext, JobRegistry } from "../../src/jobs/index.js";
import "./job-types.js";

describe("JobRegistry", () => {
  it("defines job types with their options settled", () => {
    const registry = new JobRegistry()
      .define("plain", () => undefined)
      .define("careful", () => undefined, {
        maxAttempts: 4,
        backoff: { type: "fixed", delayMs: 250 },
        timeoutMs: 1000,
      });
    expect(registry.types()).toEqual(["plain", "careful"]);
    expect(registry.get("plain")).toMatchObject({
      maxAttempts: 1,
      backoff: { type: "exponential", delayMs: 1000 },
      timeoutMs: undefined,
    });
    expect(registry.get("careful")).toMatchObject({
      maxAttempts: 4,
      backoff: { type: "fixed", delayMs: 250 },
      timeoutMs: 1000,
    });
    expect(registry.get("other")).toBeUndefined();
  });

  it("refuses a second handler for a type, bad names and bad options", () => {
    const registry = new JobRegistry().define("once", () => undefined);
    expect(() => registry.define("once", () => undefined)).toThrow(
      expect.objectContaining({ code: "conflict" }),
    );
    for (const name of ["", "has space", "tab\there", "x".repeat(201)]) {
      expect(() => registry.define(name, () => undefined)).toThrow(
        expect.objectContaining({ code: "badRequest", field: "type" }),
      );
    }
    expect(() => registry.define("a", () => undefined, { maxAttempts: 0 })).toThrow(/maxAttempts/);
    expect(() => registry.define("b", () => undefined, { timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(() =>
      registry.define("c", () => undefined, { backoff: { type: "fixed", delayMs: -5 } }),
    ).toThrow(/backoff\.delayMs/);
    expect(() => registry.define("d", "nope" as never)).toThrow(/not a function/);
    expect(() => registry.define("e", () => undefined, { validate: "yes" as never })).toThrow(
      expect.objectContaining({ code: "badRequest", field: "validate" }),
    );
    expect(registry.types()).toEqual(["once"]);
  });

  it("keeps a type's data check, and names the field of an undefined type", () => {
    const validate = (data: unknown) => data;
    const registry = new JobRegistry().define("checked", () => undefined, { validate });
    expect(registry.require("checked", "type").validate).toBe(validate);
    expect(() => registry.require("nope", "invokeService")).toThrow(
      expect.objectContaining({
        code: "badRequest",
        field: "invokeService",
        message: 'invokeService: "nope" is not a defined job type; defined: checked',
      }),
    );
  });

  it("types a handler's data by JobTypes, or by what the handler declares", () => {
    // "typed-invoice" is declared in JobTypes by ./job-types.ts.
    new JobRegistry().define("typed-invoice", ({ data }) => {
      expectTypeOf(data).toEqualTypeOf<{ invoiceId: string; copyTo?: string }>();
    });
    new JobRegistry().define("free", (context: JobContext<{ n: number }>) => {
      expectTypeOf(context.data.n).toEqualTypeOf<number>();
    });
    new JobRegistry().define("anything", ({ data }) => {
      expectTypeOf(data).toEqualTypeOf<unknown>();
    });
  });
});
