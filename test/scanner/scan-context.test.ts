// biome-ignore-all lint/suspicious/noTemplateCurlyInString: scans' conditions hold ${…} expressions.
/**
 * A scanner's invoke context is checked when its schedule is saved, every message naming
 * the field; its conditions' time expressions give exact instants (pinned here, in a zone
 * with a DST change and with holidays).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectionService } from "../../src/projects/connections/index.js";
import { openTaskScanner } from "../../src/scanner/index.js";
import { checkCondition, conditionAt } from "../../src/scanner/scan-condition.js";
import { checkScanContext } from "../../src/scanner/scan-context.js";
import { Sundial } from "../../src/sundial.js";
import { SECRET_KEY } from "./helpers.js";

const valid = () => ({
  scan: {
    connection: "hr",
    table: "hr.users",
    property: "sunset_date",
    condition: { before: "${Time.now + 1d}" },
    taskState: { started: "sunset_started", completed: "sunset_completed" },
    recovery: { timeout: "10m" },
  },
  task: { script: { type: "text/javascript", source: "log.info(objectID);" } },
  numberOfThreads: 5,
});

/** `valid()` with `change` applied to it. */
function variant(change: (context: ReturnType<typeof valid>) => void) {
  const context = valid();
  change(context);
  return context;
}

const refusal = (context: unknown) => {
  try {
    checkScanContext(context);
  } catch (error) {
    return {
      code: (error as { code?: string }).code,
      field: (error as { field?: string }).field,
      message: (error as Error).message,
    };
  }
  throw new Error("accepted");
};

describe("checkScanContext", () => {
  it("takes a scanner's context as OpenIDM writes it, and a command or http task", () => {
    expect(checkScanContext(valid())).toEqual(valid());
    for (const task of [
      { command: "notify-sunset", args: ["--dry-run"] },
      { method: "POST", url: "https://hr.example.com/users/${objectID}/expire" },
    ]) {
      expect(checkScanContext({ ...valid(), task }).task).toEqual(task);
    }
  });

  it("names the field at fault", () => {
    const cases: [unknown, string, RegExp][] = [
      [
        variant((c) => delete (c.scan as { property?: string }).property),
        "invokeContext.scan.property",
        /is required/,
      ],
      [
        variant((c) => Object.assign(c.scan, { property: "sunset date" })),
        "invokeContext.scan.property",
        /is not a column name/,
      ],
      [
        variant((c) => Object.assign(c.scan, { table: "a.b.c" })),
        "invokeContext.scan.table",
        /is not a table name/,
      ],
      [
        variant((c) => Object.assign(c.scan, { table: "users; DROP TABLE users" })),
        "invokeContext.scan.table",
        /is not a table name/,
      ],
      [
        variant((c) => Object.assign(c.scan.taskState, { completed: "sunset_started" })),
        "invokeContext.scan.taskState.completed",
        /another column/,
      ],
      [
        variant((c) => Object.assign(c.scan, { condition: {} })),
        "invokeContext.scan.condition",
        /give "before", "after" or both/,
      ],
      [
        variant((c) => Object.assign(c.scan.condition, { before: "${Time.now + 1x}" })),
        "invokeContext.scan.condition.before",
        /is not a time expression/,
      ],
      [
        variant((c) => Object.assign(c.scan.condition, { after: "${Date.now}" })),
        "invokeContext.scan.condition.after",
        /is not a time expression/,
      ],
      [
        variant((c) => Object.assign(c.scan, { recovery: { timeout: "soon" } })),
        "invokeContext.scan.recovery.timeout",
        /is not a duration/,
      ],
      [
        variant((c) => Object.assign(c.scan, { recovery: { timeout: "99999d" } })),
        "invokeContext.scan.recovery.timeout",
        /is not a duration from 1 ms to 3650 days/,
      ],
      [
        variant((c) => Object.assign(c.scan, { colour: "blue" })),
        "invokeContext.scan.colour",
        /is not a known setting/,
      ],
      [
        variant((c) => Object.assign(c, { numberOfThreads: 0 })),
        "invokeContext.numberOfThreads",
        /./,
      ],
      [variant((c) => Object.assign(c, { maxRecords: 1.5 })), "invokeContext.maxRecords", /./],
      [
        variant((c) => Object.assign(c, { timeZone: "Mars/Olympus" })),
        "invokeContext.timeZone",
        /Mars\/Olympus/,
      ],
      [
        variant((c) => Object.assign(c, { workingDays: { holidays: ["2026-02-30"] } })),
        "invokeContext.workingDays.holidays[0]",
        /is not a date/,
      ],
      [
        variant((c) => Object.assign(c, { task: { sql: "UPDATE users" } })),
        "invokeContext.task",
        /must be a script .*, a command .* or an http request/,
      ],
      [
        variant((c) =>
          Object.assign(c, { task: { script: { type: "text/python", source: "x" } } }),
        ),
        "invokeContext.task.script.type",
        /text\/javascript/,
      ],
      [
        variant((c) => Object.assign(c, { task: { ...c.task, input: { a: 1 } } })),
        "invokeContext.task.input",
        /is given by the scanner/,
      ],
      [
        variant((c) => Object.assign(c, { task: { url: "ftp://example.com/" } })),
        "invokeContext.task.url",
        /http: or https:/,
      ],
    ];
    for (const [context, field, message] of cases) {
      const refused = refusal(context);
      expect([field, refused.code, refused.field]).toEqual([field, "badRequest", field]);
      expect(refused.message.startsWith(`${field}`), refused.message).toBe(true);
      expect(refused.message).toMatch(message);
    }
  });
});

describe("condition values", () => {
  const london = { timeZone: "Europe/London" };
  // Friday 27 March 2026, 09:30 GMT; the clocks go forward on Sunday 29 March.
  const friday = Date.UTC(2026, 2, 27, 9, 30);
  const at = (text: string, calendar: object = london) => {
    const resolved = conditionAt(checkCondition(text, "before"), friday, calendar);
    return "instant" in resolved ? new Date(resolved.instant).toISOString() : resolved.value;
  };

  it("moves Time.now by seconds, minutes, hours, days, months and years", () => {
    expect(at("${Time.now}")).toBe("2026-03-27T09:30:00.000Z");
    expect(at("${ Time.now - 30s }")).toBe("2026-03-27T09:29:30.000Z");
    expect(at("${Time.now + 90m}")).toBe("2026-03-27T11:00:00.000Z");
    expect(at("${Time.now - 2h}")).toBe("2026-03-27T07:30:00.000Z");
    // Across the spring-forward a day keeps the wall-clock time: 09:30 BST.
    expect(at("${Time.now + 3d}")).toBe("2026-03-30T08:30:00.000Z");
    expect(at("${Time.now + 1M}")).toBe("2026-04-27T08:30:00.000Z");
    expect(at("${Time.now - 1y}")).toBe("2025-03-27T09:30:00.000Z");
    expect(at("${Time.now + 1M - 1d}")).toBe("2026-04-26T08:30:00.000Z");
  });

  it("counts working days past weekends and holidays", () => {
    expect(at("${Time.now + 1wd}")).toBe("2026-03-30T08:30:00.000Z");
    expect(at("${Time.now - 5wd}")).toBe("2026-03-20T09:30:00.000Z");
    const easter = { ...london, holidays: ["2026-04-03", "2026-04-06"] };
    // 30 and 31 March, 1 and 2 April; Friday 3 and Monday 6 April are holidays: Tuesday 7 April.
    expect(at("${Time.now + 5wd}", easter)).toBe("2026-04-07T08:30:00.000Z");
    expect(at("${Time.now + 5wd}")).toBe("2026-04-03T08:30:00.000Z");
  });

  it("compares other text and numbers as they are", () => {
    expect(at("2026-01-01")).toBe("2026-01-01");
    expect(conditionAt(checkCondition(1_700_000_000, "before"), friday, london)).toEqual({
      value: 1_700_000_000,
    });
  });
});

describe("a taskScanner schedule", () => {
  let dir: string;
  let sundial: Sundial;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "sundial-scan-context-"));
    sundial = await Sundial.open({ database: join(dir, "sundial.db") });
    openTaskScanner(sundial, {
      connections: new ConnectionService(sundial.store, { secretKey: SECRET_KEY }),
    });
  });

  afterAll(async () => {
    await sundial?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("is refused when saved with a bad invoke context, naming the field", async () => {
    const put = (invokeContext: unknown) =>
      sundial.schedules.put("sunset", {
        schedule: "0 0 6 ? * MON-FRI",
        invokeService: "taskScanner",
        invokeContext,
      });
    await expect(
      put(variant((c) => delete (c.scan as { property?: string }).property)),
    ).rejects.toMatchObject({
      code: "badRequest",
      field: "invokeContext.scan.property",
      message: "invokeContext.scan.property: is required",
    });
    await expect(put(valid())).resolves.toMatchObject({ invokeService: "taskScanner" });
  });
});
