import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Sundial } from "../src/index.js";
import { FakeClock } from "./helpers/fake-clock.js";
import { waitFor } from "./helpers/wait-for.js";

let dir: string;
let conf: string;
let clock: FakeClock;
const open: Sundial[] = [];

async function sundial(options: { conf?: boolean } = {}) {
  const s = await Sundial.open({
    database: join(dir, "sundial.db"),
    ...(options.conf ? { conf } : {}),
    clock,
    node: `node-${open.length + 1}`,
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
    expect((await s.schedules.get("greeting"))?.nextFireTime).toBe("2026-11-23T09:01:00.000Z");
    await s.start();
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
    s.pauseJobs();
    expect(s.paused).toBe(true);
    await clock.untilSleeping();
    await clock.advance(5 * 60_000);
    expect(await s.jobs.find({})).toEqual([]);
    s.resumeJobs();
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
