import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SundialError } from "../../src/errors.js";
import { registerInvokers } from "../../src/invokers/index.js";
import { JobRegistry, JobService } from "../../src/jobs/index.js";
import { ScheduleService } from "../../src/schedules/schedule.service.js";
import { type FileProblem, ScheduleFiles } from "../../src/schedules/schedule-files.js";
import { openStore } from "../../src/store/open-store.js";
import type { Store } from "../../src/store/store.js";
import { FakeClock } from "../helpers/fake-clock.js";

let dir: string;
let store: Store;
let registry: JobRegistry;
let schedules: ScheduleService;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "sundial-invoke-"));
  store = await openStore({ database: join(dir, "sundial.db") });
  const clock = new FakeClock("2026-11-23T09:00:00Z");
  registry = new JobRegistry();
  registerInvokers({ registry, jobs: new JobService({ store, clock, node: "n", registry }) });
  let n = 0;
  schedules = new ScheduleService(store, clock, () => `id-${++n}`, registry);
});

afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const hourly = { schedule: "0 0 * * * ?" };

/** The error a put fails with, after checking that it stored nothing. */
async function refusal(input: Record<string, unknown>): Promise<SundialError> {
  const error = await schedules.put("s", { ...hourly, ...input }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SundialError);
  expect(await schedules.get("s")).toBeUndefined();
  expect(await store.listSchedules()).toEqual([]);
  return error as SundialError;
}

describe("what a schedule invokes, checked when it is saved", () => {
  it("refuses a type no one defined, listing the defined ones", async () => {
    const error = await refusal({ invokeService: "send-report" });
    expect(error).toMatchObject({ code: "badRequest", field: "invokeService" });
    expect(error.message).toBe(
      'invokeService: "send-report" is not a defined job type; defined: script, command, http',
    );
  });

  it("refuses an invoke context the built-in type would refuse at run time, naming the field", async () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [
        {
          invokeService: "script",
          invokeContext: { script: { type: "text/javascript", source: 42 } },
        },
        "invokeContext.script.source",
        /^invokeContext\.script\.source: 42 must be string$/,
      ],
      [
        {
          invokeService: "script",
          invokeContext: { script: { type: "text/javascript", source: "1", file: "a.js" } },
        },
        "invokeContext.script",
        /^invokeContext\.script: give either source .* not both$/,
      ],
      [
        { invokeService: "command", invokeContext: { command: "ls", args: ["-l", 2] } },
        "invokeContext.args[1]",
        /^invokeContext\.args\[1\]: 2 must be string$/,
      ],
      [
        { invokeService: "command" },
        "invokeContext",
        /^invokeContext: is required by the job type "command"$/,
      ],
      [
        { invokeService: "http", invokeContext: { url: "https://example.com", body: "x" } },
        "invokeContext.body",
        /^invokeContext\.body: a GET request has no body/,
      ],
      [
        { invokeService: "http", invokeContext: { url: "https://example.com", verb: "GET" } },
        "invokeContext.verb",
        /^invokeContext\.verb: is not a known setting/,
      ],
    ];
    for (const [input, field, message] of cases) {
      const error = await refusal(input);
      expect(error).toMatchObject({ code: "badRequest", field });
      expect(error.message).toMatch(message);
    }
    // Not stored in memory either.
    await refusal({ invokeService: "command", persisted: false });
    expect(schedules.inMemory()).toEqual([]);
  });

  it("takes a good context, and any context for a type that has no check", async () => {
    registry.define("greet", async () => null);
    await schedules.put("a", {
      ...hourly,
      invokeService: "command",
      invokeContext: { command: "ls", args: ["-l"] },
    });
    await schedules.put("b", { ...hourly, invokeService: "greet", invokeContext: [1, "two"] });
    await schedules.put("c", { ...hourly, invokeService: "greet" });
    expect((await schedules.list()).map((s) => s._id)).toEqual(["a", "b", "c"]);
  });

  it("runs a type's own check, and reports whatever it throws as the input's fault", async () => {
    registry.define("report", async () => null, {
      validate: (data, field) => {
        if (typeof (data as { month?: unknown } | null)?.month !== "string") {
          throw new SundialError("badRequest", `${field}.month: is required`, {
            field: `${field}.month`,
          });
        }
      },
    });
    registry.define("picky", async () => null, {
      validate: () => {
        throw new TypeError("no vowels allowed");
      },
    });
    expect(await refusal({ invokeService: "report", invokeContext: {} })).toMatchObject({
      field: "invokeContext.month",
      message: "invokeContext.month: is required",
    });
    expect(await refusal({ invokeService: "picky", invokeContext: "x" })).toMatchObject({
      code: "badRequest",
      field: "invokeContext",
      message: "invokeContext: no vowels allowed",
    });
    await schedules.put("s", { ...hourly, invokeService: "report", invokeContext: { month: "5" } });
  });

  it("checks nothing of the kind without a registry", async () => {
    const free = new ScheduleService(store, new FakeClock("2026-11-23T09:00:00Z"), () => "x");
    const saved = await free.put("s", {
      ...hourly,
      invokeService: "command",
      invokeContext: { cmd: "ls" },
    });
    expect(saved.invokeContext).toEqual({ cmd: "ls" });
  });

  it("reports a conf file whose invoke context is bad, with the file and field, and keeps it out", async () => {
    const conf = join(dir, "conf");
    await mkdir(conf);
    await writeFile(
      join(conf, "schedule-nightly.json"),
      JSON.stringify({ ...hourly, invokeService: "command", invokeContext: { command: "" } }),
    );
    await writeFile(
      join(conf, "schedule-other.json"),
      JSON.stringify({ ...hourly, invokeService: "backup" }),
    );
    await writeFile(
      join(conf, "schedule-fine.json"),
      JSON.stringify({ ...hourly, invokeService: "command", invokeContext: { command: "true" } }),
    );
    const problems: FileProblem[] = [];
    const files = new ScheduleFiles({ dir: conf, schedules, onProblem: (p) => problems.push(p) });
    await files.load();
    await files.close();
    expect(problems.map((p) => [p.file.split("/").at(-1), p.field, p.message])).toEqual([
      [
        "schedule-nightly.json",
        "invokeContext.command",
        'invokeContext.command: "" must not have fewer than 1 characters',
      ],
      [
        "schedule-other.json",
        "invokeService",
        'invokeService: "backup" is not a defined job type; defined: script, command, http',
      ],
    ]);
    expect((await schedules.list()).map((s) => s._id)).toEqual(["fine"]);
  });
});
