import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CALENDAR_ERROR_CODES, parseTrigger, TriggerError } from "../src/calendar/index.js";
import { ERROR_CODES, errorCodeOf, SundialError } from "../src/errors.js";

const doc = readFileSync(new URL("../docs/errors.md", import.meta.url), "utf8");
/** The table's rows as cells, keyed by the code in the first column. */
const rows = new Map(
  doc
    .split("\n")
    .map((line) => line.split("|").map((cell) => cell.trim()))
    .filter((cells) => /^`\w+`$/.test(cells[1] ?? ""))
    .map((cells) => [(cells[1] as string).slice(1, -1), cells.slice(2)] as const),
);

describe("the error registry", () => {
  it("lists every code in docs/errors.md with its HTTP status and exit code", () => {
    for (const [code, info] of Object.entries(ERROR_CODES)) {
      const row = rows.get(code);
      expect(row, `docs/errors.md has no row for ${code}`).toBeDefined();
      expect(row?.slice(0, 2)).toEqual([String(info.status), String(info.exitCode)]);
    }
  });

  it("documents no code that does not exist", () => {
    expect([...rows.keys()].sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });

  it("registers every code the calendar can throw", () => {
    for (const code of CALENDAR_ERROR_CODES) expect(ERROR_CODES).toHaveProperty(code);
  });

  it("classifies thrown values by code", () => {
    let thrown: unknown;
    try {
      parseTrigger("0 0 0 ? * 9");
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TriggerError);
    expect(errorCodeOf(thrown)).toBe("invalidTrigger");
    expect(errorCodeOf(new SundialError("badRequest", "no"))).toBe("badRequest");
    expect(errorCodeOf(new Error("boom"))).toBe("internal");
    expect(errorCodeOf({ code: "ENOENT" })).toBe("internal");
    expect(errorCodeOf(undefined)).toBe("internal");
  });
});
