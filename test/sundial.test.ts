import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FileProblem, Sundial, type SundialOptions } from "../src/index.js";
import { PURGE_INTERVAL_MS } from "../src/jobs/job-retention.js";
import { FakeClock } from "./helpers/fake-clock.js";
import { waitFor } from "./helpers/wait-for.js";
import { endedJob } from "./jobs/helpers.js";

let dir: string;
let conf: string;
let clock: FakeClock;
const open: Sundial[] = [];

async function sundial(
  options: { conf?: boolean } & Pick<SundialOptions, "retention" | "onConfProblem"> = {},
) {
  const { conf: withConf, ...rest } = options;
  const s = await Sundial.open({
    database: join(dir, "sundial.db"),
    ...(withConf ? { conf } : {}),
    clock,
    node: `node-${open.length + 1}`,
    ...rest,
  });
  open.push(s);
  return s;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "sundial-lib-"));
  conf = join(dir, "conf");
  await mkdir(conf);
  clock = new FakeClock("2026-11-23T09:00:30.000Z");
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close({ graceMs: 0 })));
  await rm(dir, { recursive: true, force: true });
});

describe("Sundial, the library", () => {
  it("fires a schedule from conf/, runs its handler, and keeps results and logs", async () => {
    await writeFile(
      join(conf, "schedule-greeting.json"),
      JSON.stringify({
        schedule: "0 * * * * ?",
        invokeService: "greet",
        invokeContext: { name: "Ada" },
      }),
    );
    await writeFile(
      join(conf, "scheduler.json"),
      JSON.stringify({ threadPool: { threadCount: 2 } }),
    );
    const s = await sundial({ conf: true });
    s.define<"greet", { name: string }>("greet", async ({ data, log, progress }) => {
      log.info(`hello ${data.name}`);
      progress(50);
      return { greeted: data.name };
    });
    await s.start();
    expect((await s.schedules.get("greeting"))?.nextFireTime).toBe("2026-11-23T09:01:00.000Z");
    await clock.untilSleeping();
    await clock.advance(60_000);
    const job = await waitFor(
      "the fire's job",
      async () => (await s.jobs.find({ type: "greet" }))[0],
    );
    const done = await s.jobs.waitForJob(job.id, ["FINISHED"], 60_000);
    expect(done).toMatchObject({
      status: "FINISHED",
      hasErrors: false,
      results: { greeted: "Ada" },
      scheduleId: "greeting",
    });
    expect((await s.jobs.logs(job.id)).map((l) => l.message)).toContain("hello Ada");
  });

  it("runs jobs enqueued directly, and lists those executing", async () => {
    const s = await sundial();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    s.define("wait", async () => {
      await gate;
      return "done";
    });
    await s.start({ concurrency: 1 });
    const job = await s.jobs.enqueue("wait", {});
    await waitFor("the job to run", async () =>
      (await s.listCurrentlyExecutingJobs()).some((j) => j.id === job.id) ? true : undefined,
    );
    release();
    expect((await s.jobs.waitForJob(job.id, ["FINISHED"], 60_000)).results).toBe("done");
    expect(await s.listCurrentlyExecutingJobs()).toEqual([]);
  });

  it("pauses firing for maintenance and resumes under the misfire policies", async () => {
    const s = await sundial();
    s.define("noop", async () => null);
    await s.schedules.put("tick", {
      schedule: "0 * * * * ?",
      invokeService: "noop",
      misfirePolicy: "doNothing",
    });
    await s.start();
    await s.pauseJobs();
    expect(await s.isPaused()).toBe(true);
    await clock.untilSleeping();
    await clock.advance(5 * 60_000);
    expect(await s.jobs.find({})).toEqual([]);
    await s.resumeJobs();
    expect(await s.isPaused()).toBe(false);
    const missed = await waitFor(
      "the missed fire",
      async () => (await s.jobs.find({ status: "CANCELED" }))[0],
    );
    expect(missed.reason).toBe("missed");
  });

  it("gives a schedule's jobs the attempts and backoff of their type", async () => {
    const s = await sundial();
    let calls = 0;
    s.define(
      "flaky",
      async () => {
        calls++;
        if (calls < 3) throw new Error(`failure ${calls}`);
        return "third time";
      },
      { maxAttempts: 3, backoff: { type: "fixed", delayMs: 1000 } },
    );
    await s.schedules.put("flaky", { schedule: "0 * * * * ?", invokeService: "flaky" });
    await s.start();
    await clock.untilSleeping();
    await clock.advance(60_000);
    const job = await waitFor(
      "the fire's job",
      async () => (await s.jobs.find({ type: "flaky" }))[0],
    );
    expect(job.maxAttempts).toBe(3);
    await clock.advance(1000);
    await clock.advance(1000);
    const done = await s.jobs.waitForJob(job.id, ["FINISHED"], 60_000);
    expect(done).toMatchObject({ results: "third time", attempt: 3, hasErrors: false });
  });

  it("comes with the script, command and http job types", async () => {
    const s = await sundial();
    for (const [type, data] of [
      ["command", { command: "true" }],
      ["http", { url: "http://127.0.0.1:9/" }],
      ["script", { script: { type: "text/javascript", source: "return 1" } }],
    ] as const) {
      expect((await s.jobs.enqueue(type, data as never)).type).toBe(type);
    }
  });

  it("loads conf/ at start, once the types are defined, refusing what a type would refuse", async () => {
    const write = (name: string, value: object) =>
      writeFile(join(conf, `schedule-${name}.json`), JSON.stringify(value));
    await write("greeting", { schedule: "0 * * * * ?", invokeService: "greet" });
    await write("typo", { schedule: "0 * * * * ?", invokeService: "gret" });
    await write("listing", {
      schedule: "0 * * * * ?",
      invokeService: "command",
      invokeContext: { command: "ls", args: "-l" },
    });
    const problems: FileProblem[] = [];
    const s = await sundial({ conf: true, onConfProblem: (p) => problems.push(p) });
    expect(await s.schedules.list()).toEqual([]);
    s.define("greet", async () => null);
    await s.start();
    expect((await s.schedules.list()).map((schedule) => schedule._id)).toEqual(["greeting"]);
    expect(problems.map((p) => [p.file.split("/").at(-1), p.field])).toEqual([
      ["schedule-listing.json", "invokeContext.args"],
      ["schedule-typo.json", "invokeService"],
    ]);
    await expect(
      s.schedules.put("inline", {
        schedule: "0 * * * * ?",
        invokeService: "script",
        invokeContext: { script: { type: "text/javascript", source: 42 } },
      }),
    ).rejects.toMatchObject({ code: "badRequest", field: "invokeContext.script.source" });
    expect(await s.schedules.get("inline")).toBeUndefined();
  });

  it("purges ended jobs past the retention rule at start and every few minutes", async () => {
    const DAY = 86_400_000;
    const s = await sundial({ retention: { maxAgeMs: DAY } });
    const now = clock.now();
    await endedJob(s.store, "FINISHED", now - 2 * DAY);
    const stopped = await endedJob(s.store, "STOPPED", now - 2 * DAY);
    const soonOld = await endedJob(s.store, "CANCELED", now - DAY + 60_000);
    const recent = await endedJob(s.store, "FINISHED", now - 60_000);
    const left = async () => (await s.jobs.find({})).map((job) => job.id).sort();
    await s.start();
    await waitFor("the purge at start", async () =>
      (await left()).length === 3 ? true : undefined,
    );
    expect(await left()).toEqual([stopped, soonOld, recent].sort());
    await clock.untilSleeping();
    await clock.advance(PURGE_INTERVAL_MS);
    await waitFor("the purge a few minutes on", async () =>
      (await left()).length === 2 ? true : undefined,
    );
    expect(await left()).toEqual([stopped, recent].sort());
  });

  it("refuses bad retention settings at open, naming the field", async () => {
    await expect(sundial({ retention: { maxAgeMs: -1 } })).rejects.toThrow(
      "retention.maxAgeMs: -1 must be >= 0",
    );
    await expect(sundial({ retention: { days: 3 } as never })).rejects.toThrow(
      "retention.days: is not a known setting",
    );
  });

  it("refuses a bad scheduler.json at open, naming the field", async () => {
    await writeFile(
      join(conf, "scheduler.json"),
      JSON.stringify({ threadPool: { threadCount: "many" } }),
    );
    await expect(sundial({ conf: true })).rejects.toThrow(
      /scheduler\.json\.threadPool\.threadCount: "many"/,
    );
  });
});
