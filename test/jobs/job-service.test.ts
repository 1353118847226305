import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SundialError } from "../../src/errors.js";
import { type Job, JobService } from "../../src/jobs/index.js";
import type { Store } from "../../src/store/store.js";
import {
  aNode,
  ManualClock,
  type Node,
  openSqliteStore,
  removeSqliteFiles,
  T0,
} from "./helpers.js";
import "./job-types.js";

let store: Store;
let clock: ManualClock;
let node: Node;

beforeEach(async () => {
  store = await openSqliteStore();
  clock = new ManualClock(T0);
  node = aNode(store, { clock });
  node.registry.define("report", async () => ({ rows: 1 }), { maxAttempts: 3 });
  node.registry.define("typed-invoice", async ({ data }) => ({ sent: data.invoiceId }));
});
afterEach(async () => {
  await store.close();
  await removeSqliteFiles();
});

async function rejection(promise: Promise<unknown>): Promise<SundialError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SundialError);
  return error as SundialError;
}

/** Claims the job on `node` (it must be the only one ready), as a worker would. */
async function claim(id: string, on = "node-a"): Promise<void> {
  const claimed = await store.claimJobs(on, clock.now(), 30_000, 1);
  expect(claimed.map((row) => row.id)).toEqual([id]);
}

describe("enqueue", () => {
  it("stores a PENDING job with its data, options and the type's defaults", async () => {
    const job = await node.jobs.enqueue(
      "report",
      { month: "2030-01" },
      { label: "January report", runBy: { id: "u1", name: "Ada" }, priority: 5 },
    );
    expect(job).toEqual({
      id: expect.stringMatching(
        /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      ),
      type: "report",
      label: "January report",
      status: "PENDING",
      hasErrors: false,
      progress: 0,
      waiting: 0,
      duration: 0,
      createDate: T0,
      startDate: null,
      endDate: null,
      runBy: { id: "u1", name: "Ada" },
      data: { month: "2030-01" },
      results: null,
      scheduleId: null,
      fireTime: null,
      lowPriority: false,
      priority: 5,
      attempt: 0,
      maxAttempts: 3,
      node: null,
      firedBy: null,
      reason: null,
      runAt: T0,
    } satisfies Job);
    expect(await node.jobs.findById(job.id)).toEqual(job);
  });

  it("counts waiting from creation while the job is PENDING", async () => {
    const job = await node.jobs.enqueue("report", {}, { delayMs: 5_000 });
    expect(job.runAt).toBe(T0 + 5_000);
    clock.advance(1_500);
    expect(await node.jobs.findById(job.id)).toMatchObject({ waiting: 1_500, duration: 0 });
  });

  it("checks payload types declared in JobTypes", async () => {
    const job = await node.jobs.enqueue("typed-invoice", { invoiceId: "inv-1" });
    expect(job.data.invoiceId).toBe("inv-1");
    // @ts-expect-error invoiceId must be a string
    await node.jobs.enqueue("typed-invoice", { invoiceId: 42 }).catch(() => undefined);
    // @ts-expect-error the data of a declared type is required
    await node.jobs.enqueue("typed-invoice").catch(() => undefined);
    // Undeclared types take any data.
    await node.jobs.enqueue("report", [1, 2, 3]);
  });

  it("rejects an undefined type, bad options and data that isn't JSON, storing nothing", async () => {
    expect(await rejection(node.jobs.enqueue("nope", {}))).toMatchObject({
      code: "badRequest",
      field: "type",
      message: expect.stringContaining("defined: report, typed-invoice"),
    });
    expect(await rejection(node.jobs.enqueue("report", {}, { maxAttempts: 0 }))).toMatchObject({
      code: "badRequest",
      field: "options.maxAttempts",
    });
    const bad = { wrong: true } as unknown as { label: string };
    expect(await rejection(node.jobs.enqueue("report", {}, bad))).toMatchObject({
      field: "options.wrong",
    });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(await rejection(node.jobs.enqueue("report", cyclic))).toMatchObject({ field: "data" });
    expect(await node.jobs.find()).toEqual([]);
  });

  it("enqueueMany stores all or none, and wakes pools once per job", async () => {
    let woken = 0;
    node.jobs.events.on("enqueued", () => woken++);
    const jobs = await node.jobs.enqueueMany([
      { type: "report", data: { n: 1 } },
      { type: "report", data: { n: 2 }, options: { lowPriority: true } },
    ]);
    expect(jobs.map((job) => job.data)).toEqual([{ n: 1 }, { n: 2 }]);
    expect((jobs[0]?.id ?? "") < (jobs[1]?.id ?? "")).toBe(true);
    expect(woken).toBe(2);
    expect(
      await rejection(
        node.jobs.enqueueMany([
          { type: "report", data: { n: 3 } },
          { type: "missing", data: {} },
        ]),
      ),
    ).toMatchObject({ field: "[1].type" });
    expect(await node.jobs.find()).toHaveLength(2);
  });
});

describe("find", () => {
  it("filters by the issue's query parameters, newest first", async () => {
    const first = await node.jobs.enqueue("report", {});
    clock.advance(1000);
    const second = await node.jobs.enqueue("typed-invoice", { invoiceId: "a" });
    clock.advance(1000);
    const third = await node.jobs.enqueue("report", {});
    await node.jobs.cancel(third.id);

    const ids = (jobs: Job[]) => jobs.map((job) => job.id);
    expect(ids(await node.jobs.find())).toEqual([third.id, second.id, first.id]);
    expect(ids(await node.jobs.find({ type: "report" }))).toEqual([third.id, first.id]);
    expect(ids(await node.jobs.find({ type: "report, typed-invoice", _size: 2 }))).toEqual([
      third.id,
      second.id,
    ]);
    expect(ids(await node.jobs.find({ status: "CANCELED" }))).toEqual([third.id]);
    expect(ids(await node.jobs.find({ status: ["PENDING"], createFrom: T0 + 500 }))).toEqual([
      second.id,
    ]);
    expect(ids(await node.jobs.find({ endFrom: T0 }))).toEqual([third.id]);
    expect(ids(await node.jobs.find({ createTo: T0 }))).toEqual([first.id]);
    expect(await node.jobs.find({ hasErrors: true })).toEqual([]);
  });

  it("names the parameter at fault", async () => {
    expect(await rejection(node.jobs.find({ status: "PENDING,DONE" }))).toMatchObject({
      code: "badRequest",
      field: "status",
      message: expect.stringContaining('"DONE" is not a job status'),
    });
    expect(await rejection(node.jobs.find({ _size: 0 }))).toMatchObject({ field: "_size" });
    expect(await rejection(node.jobs.find({ startFrom: 1.5 }))).toMatchObject({
      field: "startFrom",
    });
  });

  it("findById of an unknown id is notFound", async () => {
    expect(await rejection(node.jobs.findById("nope"))).toMatchObject({ code: "notFound" });
  });
});

describe("logs", () => {
  it("logInfo and logError add lines; an ERROR marks the job hasErrors", async () => {
    const job = await node.jobs.enqueue("report", {});
    await node.jobs.logInfo(job.id, "starting", { step: 1 });
    clock.advance(10);
    await node.jobs.logError(job.id, "disk full", new Error("ENOSPC"));
    const lines = await node.jobs.logs(job.id);
    expect(lines).toMatchObject([
      { jobId: job.id, at: T0, level: "INFO", message: "starting", additionalInfo: { step: 1 } },
      {
        at: T0 + 10,
        level: "ERROR",
        message: "disk full",
        additionalInfo: { name: "Error", message: "ENOSPC" },
      },
    ]);
    expect((await node.jobs.findById(job.id)).hasErrors).toBe(true);
    expect(await node.jobs.find({ hasErrors: true })).toHaveLength(1);
    expect(await rejection(node.jobs.logInfo("nope", "x"))).toMatchObject({ code: "notFound" });
    expect(await rejection(node.jobs.logs("nope"))).toMatchObject({ code: "notFound" });
  });

  it("logMany writes lines in order with their times, and marks hasErrors only for an ERROR", async () => {
    const quiet = await node.jobs.enqueue("report", {});
    await node.jobs.logMany(quiet.id, [
      { level: "INFO", message: "one", at: T0 - 5 },
      { level: "INFO", message: "two", additionalInfo: { n: 2 } },
    ]);
    expect(await node.jobs.logs(quiet.id)).toMatchObject([
      { at: T0 - 5, level: "INFO", message: "one", additionalInfo: null },
      { at: T0, level: "INFO", message: "two", additionalInfo: { n: 2 } },
    ]);
    expect((await node.jobs.findById(quiet.id)).hasErrors).toBe(false);

    const failing = await node.jobs.enqueue("report", {});
    await node.jobs.logMany(failing.id, [
      { level: "INFO", message: "a" },
      { level: "ERROR", message: "b" },
    ]);
    expect((await node.jobs.findById(failing.id)).hasErrors).toBe(true);
    expect((await node.jobs.logs(failing.id)).map((l) => l.message)).toEqual(["a", "b"]);
    await node.jobs.logMany(failing.id, []);
  });

  it("logMany stores none of the lines when one is bad, naming it", async () => {
    const job = await node.jobs.enqueue("report", {});
    const cases: [unknown, string][] = [
      [
        [
          { level: "INFO", message: "ok" },
          { level: "INFO", message: 3 },
        ],
        "lines[1].message",
      ],
      [[{ level: "WARN", message: "x" }], "lines[0].level"],
      [[{ level: "INFO", message: "x", at: "soon" }], "lines[0].at"],
      [[null], "lines[0]"],
      ["INFO x", "lines"],
    ];
    for (const [lines, field] of cases) {
      expect(await rejection(node.jobs.logMany(job.id, lines as never))).toMatchObject({
        code: "badRequest",
        field,
      });
    }
    expect(await node.jobs.logs(job.id)).toEqual([]);
    for (const level of ["INFO", "ERROR"] as const) {
      expect(await rejection(node.jobs.logMany("nope", [{ level, message: "x" }]))).toMatchObject({
        code: "notFound",
      });
    }
  });

  it("filters by level, message, from/to and period", async () => {
    const job = await node.jobs.enqueue("report", {});
    for (const [offset, level, message] of [
      [-26 * 3600_000, "INFO", "two days ago"],
      [-3 * 3600_000, "INFO", "three hours ago"],
      [-3600_000, "ERROR", "an hour ago"],
      [0, "INFO", "now"],
    ] as const) {
      await store.appendLogs([{ jobId: job.id, at: T0 + offset, level, message }]);
    }
    const messages = async (query: Parameters<JobService["logs"]>[1]) =>
      (await node.jobs.logs(job.id, query)).map((line) => line.message);
    expect(await messages({ level: "ERROR" })).toEqual(["an hour ago"]);
    expect(await messages({ message: "hour" })).toEqual(["three hours ago", "an hour ago"]);
    expect(await messages({ period: "2h 30m" })).toEqual(["an hour ago", "now"]);
    // T0 is 09:00 UTC: "today" began at 00:00, "yesterday" is the day before.
    expect(await messages({ period: "today", timeZone: "UTC" })).toEqual([
      "three hours ago",
      "an hour ago",
      "now",
    ]);
    expect(await messages({ period: "yesterday", timeZone: "UTC" })).toEqual(["two days ago"]);
    // from/to win over period.
    expect(
      await messages({ period: "1h", from: T0 - 4 * 3600_000, to: T0 - 2 * 3600_000 }),
    ).toEqual(["three hours ago"]);
    expect(await messages({ _size: 1 })).toEqual(["two days ago"]);
    expect(await rejection(node.jobs.logs(job.id, { period: "soon" }))).toMatchObject({
      field: "period",
    });
    expect(await rejection(node.jobs.logs(job.id, { level: "WARN" as "INFO" }))).toMatchObject({
      field: "level",
    });
  });
});

describe("stop, cancel, resume and retry", () => {
  it("cancel ends a PENDING job for good, and is idempotent", async () => {
    const finished: Job[] = [];
    node.jobs.events.on("finished", (job) => finished.push(job));
    const job = await node.jobs.enqueue("report", {});
    clock.advance(100);
    const canceled = await node.jobs.cancel(job.id);
    expect(canceled).toMatchObject({ status: "CANCELED", endDate: T0 + 100, waiting: 100 });
    expect(await node.jobs.cancel(job.id)).toEqual(canceled);
    expect(finished.map((j) => j.status)).toEqual(["CANCELED"]);
    expect(await rejection(node.jobs.resume(job.id))).toMatchObject({ code: "conflict" });
    expect(await rejection(node.jobs.stop(job.id))).toMatchObject({ code: "conflict" });
  });

  it("cancel refuses a RUNNING or FINISHED job, saying what to do", async () => {
    const job = await node.jobs.enqueue("report", {});
    await claim(job.id);
    expect(await rejection(node.jobs.cancel(job.id))).toMatchObject({
      code: "conflict",
      message: expect.stringMatching(/RUNNING[\s\S]*stop it first/),
    });
    await store.finishJob(job.id, "node-a", { status: "FINISHED", at: clock.now() });
    expect(await rejection(node.jobs.cancel(job.id))).toMatchObject({ code: "conflict" });
    expect(await rejection(node.jobs.cancel("nope"))).toMatchObject({ code: "notFound" });
  });

  it("stop makes a RUNNING job STOPPING and asks its node to abort it", async () => {
    const requests: string[] = [];
    node.jobs.events.on("stopRequested", (job) => requests.push(job.id));
    const job = await node.jobs.enqueue("report", {});
    expect(await rejection(node.jobs.stop(job.id))).toMatchObject({
      code: "conflict",
      message: expect.stringContaining("cancel a PENDING job instead"),
    });
    await claim(job.id);
    expect(await node.jobs.stop(job.id)).toMatchObject({ status: "STOPPING", node: "node-a" });
    expect(requests).toEqual([job.id]);
  });

  it("a STOPPED job can be resumed (its attempt not counted) or canceled", async () => {
    const job = await node.jobs.enqueue("report", {});
    await claim(job.id);
    await node.jobs.stop(job.id);
    await store.finishJob(job.id, "node-a", {
      status: "STOPPED",
      checkpoint: { page: 7 },
      at: clock.now() + 50,
    });
    clock.advance(1000);
    const resumed = await node.jobs.resume(job.id);
    expect(resumed).toMatchObject({
      status: "PENDING",
      attempt: 0,
      endDate: null,
      runAt: T0 + 1000,
    });
    expect((await store.getJob(job.id))?.checkpoint).toEqual({ page: 7 });
    expect(await rejection(node.jobs.resume(job.id))).toMatchObject({ code: "conflict" });

    await claim(job.id);
    await node.jobs.stop(job.id);
    await store.finishJob(job.id, "node-a", { status: "STOPPED", at: clock.now() });
    expect(await node.jobs.cancel(job.id)).toMatchObject({ status: "CANCELED" });
  });

  it("retry enqueues a failed or canceled job again as a new job", async () => {
    const job = await node.jobs.enqueue("report", { month: 1 }, { label: "L", lowPriority: true });
    expect(await rejection(node.jobs.retry(job.id))).toMatchObject({ code: "conflict" });
    await claim(job.id);
    await store.finishJob(job.id, "node-a", { status: "FINISHED", at: clock.now() });
    expect(await rejection(node.jobs.retry(job.id))).toMatchObject({
      code: "conflict",
      message: expect.stringContaining("without errors"),
    });
    await node.jobs.logError(job.id, "it broke");

    clock.advance(5);
    const again = await node.jobs.retry(job.id);
    expect(again).toMatchObject({
      type: "report",
      data: { month: 1 },
      label: "L",
      lowPriority: true,
      status: "PENDING",
      attempt: 0,
      maxAttempts: 3,
      createDate: T0 + 5,
    });
    expect(again.id > job.id).toBe(true);
    expect((await node.jobs.logs(again.id)).map((l) => l.message)).toEqual([
      `retry of job ${job.id}`,
    ]);
    expect((await node.jobs.logs(job.id)).map((l) => l.message)).toContain(
      `retried as job ${again.id}`,
    );
  });

  it("setLowPriority and removeLowPriority flip the flag", async () => {
    const job = await node.jobs.enqueue("report", {});
    expect((await node.jobs.setLowPriority(job.id)).lowPriority).toBe(true);
    expect((await node.jobs.findById(job.id)).lowPriority).toBe(true);
    expect((await node.jobs.removeLowPriority(job.id)).lowPriority).toBe(false);
    expect(await rejection(node.jobs.setLowPriority("nope"))).toMatchObject({ code: "notFound" });
  });
});

describe("waitForJob", () => {
  it("resolves at once when the job is already in a wanted status", async () => {
    const job = await node.jobs.enqueue("report", {});
    expect(await node.jobs.waitForJob(job.id, "PENDING,RUNNING", 0)).toMatchObject({ id: job.id });
  });

  it("wakes on a change made in this process", async () => {
    const job = await node.jobs.enqueue("report", {});
    const waiting = node.jobs.waitForJob(job.id, ["CANCELED", "FINISHED"], 60_000);
    await node.jobs.cancel(job.id);
    // The manual clock never moves: only the event can have woken it.
    expect(await waiting).toMatchObject({ status: "CANCELED" });
  });

  it("sees a change made by another node by polling the store", async () => {
    const job = await node.jobs.enqueue("report", {});
    const waiting = node.jobs.waitForJob(job.id, ["CANCELED"], 60_000);
    // Another node's service: its events are not ours.
    const other = aNode(store, { clock, node: "node-b", registry: node.registry });
    await other.jobs.cancel(job.id);
    expect(node.jobs.events.listenerCount("changed")).toBe(1);
    clock.advance(20);
    expect(await waiting).toMatchObject({ status: "CANCELED" });
    expect(node.jobs.events.listenerCount("changed")).toBe(0);
    expect(clock.pendingSleeps).toBe(0);
  });

  it("fails with timeout when the time runs out", async () => {
    const job = await node.jobs.enqueue("report", {});
    const waiting = node.jobs.waitForJob(job.id, ["FINISHED"], 50);
    for (let i = 0; i < 3; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      clock.advance(20);
    }
    expect(await rejection(waiting)).toMatchObject({
      code: "timeout",
      message: expect.stringMatching(/did not reach FINISHED within 50 ms; it is PENDING/),
    });
    expect(clock.pendingSleeps).toBe(0);
  });

  it("rejects bad arguments and unknown jobs", async () => {
    const job = await node.jobs.enqueue("report", {});
    expect(await rejection(node.jobs.waitForJob(job.id, ["DONE"], 10))).toMatchObject({
      code: "badRequest",
      field: "statuses",
    });
    expect(await rejection(node.jobs.waitForJob(job.id, [], 10))).toMatchObject({
      field: "statuses",
    });
    expect(await rejection(node.jobs.waitForJob(job.id, ["FINISHED"], -1))).toMatchObject({
      field: "maxTimeMs",
    });
    expect(await rejection(node.jobs.waitForJob("nope", ["FINISHED"], 10))).toMatchObject({
      code: "notFound",
    });
  });
});

describe("NUL characters, which PostgreSQL refuses", () => {
  it("become U+FFFD in log lines, their details, data and labels", async () => {
    const job = await node.jobs.enqueue(
      "report",
      { "k\u0000": ["v\u0000"] },
      { label: "l\u0000", runBy: { id: "u1", name: "A\u0000da" } },
    );
    await node.jobs.logInfo(job.id, "a\u0000b", { "x\u0000": "y\u0000", z: "\\u0000" });
    await node.jobs.logMany(job.id, [{ level: "ERROR", message: "\u0000" }]);
    expect(await node.jobs.findById(job.id)).toMatchObject({
      data: { "k\uFFFD": ["v\uFFFD"] },
      label: "l\uFFFD",
      runBy: { id: "u1", name: "A\uFFFDda" },
    });
    expect(await node.jobs.logs(job.id)).toMatchObject([
      // An escaped backslash followed by "u0000" is text, not a NUL: kept as it is.
      { message: "a\uFFFDb", additionalInfo: { "x\uFFFD": "y\uFFFD", z: "\\u0000" } },
      { message: "\uFFFD" },
    ]);
  });
});

describe("lone surrogates, which PostgreSQL's jsonb refuses", () => {
  it("become U+FFFD in data and log details, keys included; pairs and escaped text stay", async () => {
    const emoji = "\u{1F600}";
    const cut = emoji.slice(0, 1);
    const job = await node.jobs.enqueue("report", { [`k${cut}`]: [`v${cut}`, emoji.slice(1)] });
    await node.jobs.logInfo(job.id, "line", { whole: emoji, cut, text: "\\ud800" });
    expect((await node.jobs.findById(job.id))?.data).toEqual({
      "k\uFFFD": ["v\uFFFD", "\uFFFD"],
    });
    expect((await node.jobs.logs(job.id))[0]?.additionalInfo).toEqual({
      whole: emoji,
      cut: "\uFFFD",
      // A backslash followed by "ud800" is text, not a surrogate: kept as it is.
      text: "\\ud800",
    });
  });
});

describe("purge", () => {
  it("deletes ended jobs past the retention rule with their logs, keeping STOPPED ones", async () => {
    const old = await node.jobs.enqueue("report", {});
    await node.jobs.logInfo(old.id, "old line");
    await node.jobs.cancel(old.id);
    clock.advance(10_000);
    const recent = await node.jobs.enqueue("report", {});
    await node.jobs.cancel(recent.id);
    const pending = await node.jobs.enqueue("report", {});

    expect(await node.jobs.purge({ maxAgeMs: 5_000 })).toBe(1);
    expect((await node.jobs.find()).map((job) => job.id)).toEqual([pending.id, recent.id]);
    expect(await store.findLogs(old.id)).toEqual([]);
    expect(await node.jobs.purge({ maxCount: 0 })).toBe(1);
    expect(await node.jobs.purge({})).toBe(0);
    expect((await node.jobs.find()).map((job) => job.id)).toEqual([pending.id]);
  });
});

describe("the service", () => {
  it("needs a node id", () => {
    expect(() => new JobService({ store, clock, node: " ", registry: node.registry })).toThrow(
      SundialError,
    );
  });
});
