import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ScheduleService } from "../../src/schedules/schedule.service.js";
import { Scheduler } from "../../src/schedules/scheduler.js";
import { openStore } from "../../src/store/open-store.js";
import type { JobRow, Store } from "../../src/store/store.js";
import { FakeClock } from "../helpers/fake-clock.js";

const T0 = "2026-11-23T09:00:30.000Z"; // a Monday
const MINUTE = 60_000;
let dir: string;
let store: Store;
let clock: FakeClock;
let ids = 0;
const newId = () => `job-${String(++ids).padStart(6, "0")}`;
const schedulers: Scheduler[] = [];

function node(name: string, options: { executePersistentSchedules?: boolean } = {}) {
  const schedules = new ScheduleService(store, clock, newId);
  const created: JobRow[] = [];
  const scheduler = new Scheduler({
    store,
    clock,
    schedules,
    node: name,
    newId,
    onJob: (job) => created.push(job),
    ...options,
  });
  schedulers.push(scheduler);
  return { schedules, scheduler, created };
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const jobsOf = async (scheduleId?: string) =>
  (await store.findJobs({ size: 10_000, ...(scheduleId ? { scheduleId } : {}) })).sort(
    (a, b) => (a.fireTime ?? 0) - (b.fireTime ?? 0),
  );

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "sundial-scheduler-"));
  store = await openStore({ database: join(dir, "sundial.db") });
  clock = new FakeClock(T0);
});

afterEach(async () => {
  await Promise.all(schedulers.splice(0).map((s) => s.stop()));
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe("the fire loop", () => {
  it("turns each fire into one PENDING job of invokeService, with invokeContext as data", async () => {
    const { schedules, scheduler, created } = node("a");
    const put = await schedules.put("report", {
      schedule: "0 * * * * ?",
      invokeService: "send-report",
      invokeContext: { to: "ops@example.com" },
      concurrentExecution: true, // nothing runs the jobs here
    });
    expect(put.nextFireTime).toBe("2026-11-23T09:01:00.000Z");
    scheduler.start();
    await clock.untilSleeping();
    await clock.advance(3 * MINUTE);
    const jobs = await jobsOf("report");
    expect(jobs.map((j) => iso(j.fireTime))).toEqual([
      "2026-11-23T09:01:00.000Z",
      "2026-11-23T09:02:00.000Z",
      "2026-11-23T09:03:00.000Z",
    ]);
    expect(
      jobs.every((j) => j.status === "PENDING" && j.type === "send-report" && j.label === "report"),
    ).toBe(true);
    expect(jobs[0]?.data).toEqual({ to: "ops@example.com" });
    expect(created).toHaveLength(3);
    expect((await schedules.get("report"))?.lastFireTime).toBe("2026-11-23T09:03:00.000Z");
  });

  it("claims a fire up to fireAheadMs before it is due, as a job that runs at the fire time", async () => {
    const { schedules, scheduler } = node("a");
    await schedules.put("report", { schedule: "0 * * * * ?", invokeService: "noop" });
    scheduler.start();
    await clock.untilSleeping();
    await clock.advance(29_500); // 09:00:59.500: not yet within 200 ms
    expect(await jobsOf()).toEqual([]);
    await clock.advance(350); // 09:00:59.850
    const [job] = await jobsOf("report");
    expect(job).toMatchObject({ status: "PENDING", reason: null, firedBy: "a" });
    expect(iso(job?.fireTime ?? null)).toBe("2026-11-23T09:01:00.000Z");
    expect(iso(job?.runAt ?? null)).toBe("2026-11-23T09:01:00.000Z");
    expect(job?.createDate).toBeLessThan(job?.fireTime ?? 0);
    expect((await schedules.get("report"))?.nextFireTime).toBe("2026-11-23T09:02:00.000Z");
  });

  it("makes exactly one job per fire when three nodes race for the same schedules", async () => {
    const a = node("a");
    const b = node("b");
    const c = node("c");
    for (let i = 0; i < 20; i++)
      await a.schedules.put(`s${i}`, {
        schedule: "*/10 * * * * ?",
        invokeService: "noop",
        concurrentExecution: true,
      });
    for (const n of [a, b, c]) n.scheduler.start();
    await clock.untilSleeping();
    await clock.advance(MINUTE);
    const jobs = await jobsOf();
    expect(jobs).toHaveLength(20 * 6);
    const keys = new Set(jobs.map((j) => `${j.scheduleId}@${j.fireTime}`));
    expect(keys.size).toBe(120);
    expect(a.created.length + b.created.length + c.created.length).toBe(120);
    // Each job names the node whose claim made it.
    for (const [name, n] of Object.entries({ a, b, c })) {
      for (const job of n.created) expect(job.firedBy).toBe(name);
    }
  });

  it("records fires missed while the node was down as one CANCELED job under doNothing", async () => {
    const { schedules, scheduler } = node("a");
    await schedules.put("tick", {
      schedule: "0 * * * * ?",
      invokeService: "noop",
      misfirePolicy: "doNothing",
    });
    await clock.advance(10 * MINUTE); // nothing runs the loop: the node is down
    scheduler.start();
    await clock.untilSleeping();
    const jobs = await jobsOf("tick");
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({
      status: "CANCELED",
      reason: "missed",
      fireTime: Date.parse("2026-11-23T09:01:00.000Z"),
    });
    const logs = await store.findLogs(jobs[0]!.id);
    expect(logs[0]?.message).toMatch(/^10 fires missed from 2026-11-23T09:01:00.000Z/);
    expect((await schedules.get("tick"))?.nextFireTime).toBe("2026-11-23T09:11:00.000Z");
    await clock.advance(MINUTE);
    expect((await jobsOf("tick")).map((j) => j.status)).toEqual(["CANCELED", "PENDING"]);
  });

  it("runs missed fires once, now, under fireAndProceed", async () => {
    const { schedules, scheduler } = node("a");
    await schedules.put("tick", { schedule: "0 * * * * ?", invokeService: "noop" });
    await clock.advance(5 * MINUTE + 10_000);
    scheduler.start();
    await clock.untilSleeping();
    const jobs = await jobsOf("tick");
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ status: "PENDING", reason: "missed", runAt: clock.now() });
  });

  it("does not count a fire as missed within misfireThreshold", async () => {
    const { schedules, scheduler } = node("a");
    await schedules.put("tick", {
      schedule: "0 * * * * ?",
      invokeService: "noop",
      misfirePolicy: "doNothing",
      misfireThreshold: 120_000,
    });
    await clock.advance(MINUTE + 30_000); // the 09:01 fire is 59.5 s late
    scheduler.start();
    await clock.untilSleeping();
    expect((await jobsOf("tick")).map((j) => [j.status, j.reason])).toEqual([["PENDING", null]]);
  });

  it("holds a fire while the previous job runs (concurrentExecution false), then runs it", async () => {
    const { schedules, scheduler } = node("a");
    await schedules.put("slow", { schedule: "0 * * * * ?", invokeService: "noop" });
    scheduler.start();
    await clock.untilSleeping();
    await clock.advance(MINUTE);
    const [first] = await store.claimJobs("worker", clock.now(), 600_000, 10);
    expect(first?.status).toBe("RUNNING");
    await clock.advance(MINUTE); // the 09:02 fire waits
    expect(await jobsOf("slow")).toHaveLength(1);
    await store.finishJob(first!.id, "worker", { status: "FINISHED", at: clock.now() });
    scheduler.wake();
    await clock.untilSleeping();
    const jobs = await jobsOf("slow");
    expect(jobs.map((j) => iso(j.fireTime))).toEqual([
      "2026-11-23T09:01:00.000Z",
      "2026-11-23T09:02:00.000Z",
    ]);
    expect(jobs[1]?.reason).toBeNull();
  });

  it("lets fires overlap with concurrentExecution true", async () => {
    const { schedules, scheduler } = node("a");
    await schedules.put("fast", {
      schedule: "0 * * * * ?",
      invokeService: "noop",
      concurrentExecution: true,
    });
    scheduler.start();
    await clock.untilSleeping();
    await clock.advance(MINUTE);
    await store.claimJobs("worker", clock.now(), 600_000, 10);
    await clock.advance(MINUTE);
    expect(await jobsOf("fast")).toHaveLength(2);
  });

  it("misses a held fire under doNothing once it is too late", async () => {
    const { schedules, scheduler } = node("a");
    await schedules.put("slow", {
      schedule: "0 * * * * ?",
      invokeService: "noop",
      misfirePolicy: "doNothing",
    });
    scheduler.start();
    await clock.untilSleeping();
    await clock.advance(MINUTE);
    await store.claimJobs("worker", clock.now(), 600_000, 10);
    await clock.advance(2 * MINUTE + 5_000);
    const jobs = await jobsOf("slow");
    expect(jobs.map((j) => [j.status, j.reason])).toEqual([
      ["RUNNING", null],
      ["CANCELED", "missed"],
    ]);
  });

  it("pauses all firing, and applies misfire policies on resume", async () => {
    const { schedules, scheduler } = node("a");
    await schedules.put("a", {
      schedule: "0 * * * * ?",
      invokeService: "noop",
      misfirePolicy: "doNothing",
      concurrentExecution: true,
    });
    await schedules.put("b", {
      schedule: "0 * * * * ?",
      invokeService: "noop",
      concurrentExecution: true,
    });
    scheduler.start();
    await clock.untilSleeping();
    await scheduler.pause();
    await clock.untilSleeping();
    await clock.advance(5 * MINUTE);
    expect(await jobsOf()).toHaveLength(0);
    await scheduler.resume();
    await clock.untilSleeping();
    expect((await jobsOf("a")).map((j) => j.status)).toEqual(["CANCELED"]);
    expect((await jobsOf("b")).map((j) => j.status)).toEqual(["PENDING"]);
  });

  it("pauses every node sharing the database, whichever node is asked", async () => {
    const a = node("a");
    const b = node("b");
    await a.schedules.put("tick", {
      schedule: "0 * * * * ?",
      invokeService: "noop",
      concurrentExecution: true,
    });
    b.scheduler.start();
    await clock.untilSleeping();
    await a.scheduler.pause();
    expect(await store.firingPaused()).toBe(true);
    // b hears no notice here (one process, no relay): it sees the pause when it next wakes.
    await clock.advance(3 * MINUTE);
    expect(await jobsOf()).toHaveLength(0);
    expect(b.scheduler.isPaused).toBe(true);
    await a.scheduler.resume();
    b.scheduler.wake();
    await clock.untilSleeping();
    expect((await jobsOf("tick")).map((j) => [j.status, j.firedBy])).toEqual([["PENDING", "b"]]);
  });

  it("honours startTime and endTime", async () => {
    const { schedules, scheduler } = node("a");
    await schedules.put("window", {
      schedule: "0 * * * * ?",
      invokeService: "noop",
      concurrentExecution: true,
      startTime: "2026-11-23T09:03:00Z",
      endTime: "2026-11-23T09:05:00Z",
    });
    scheduler.start();
    await clock.untilSleeping();
    await clock.advance(10 * MINUTE);
    expect((await jobsOf("window")).map((j) => iso(j.fireTime))).toEqual([
      "2026-11-23T09:03:00.000Z",
      "2026-11-23T09:04:00.000Z",
      "2026-11-23T09:05:00.000Z",
    ]);
    expect((await schedules.get("window"))?.nextFireTime).toBeNull();
  });

  it("fires persisted:false schedules from memory on every node, and stores no schedule", async () => {
    const a = node("a");
    const b = node("b");
    const spec = {
      schedule: "0 * * * * ?",
      invokeService: "noop",
      persisted: false,
      concurrentExecution: true,
    };
    await a.schedules.put("local", spec);
    await b.schedules.put("local", spec);
    expect(await store.getSchedule("local")).toBeUndefined();
    a.scheduler.start();
    b.scheduler.start();
    await clock.untilSleeping();
    await clock.advance(2 * MINUTE);
    expect(a.created).toHaveLength(2);
    expect(b.created).toHaveLength(2);
  });

  it("fires none of the persisted schedules when executePersistentSchedules is false", async () => {
    const { schedules, scheduler } = node("a", { executePersistentSchedules: false });
    await schedules.put("s", { schedule: "0 * * * * ?", invokeService: "noop" });
    scheduler.start();
    await clock.untilSleeping();
    await clock.advance(3 * MINUTE);
    expect(await jobsOf()).toHaveLength(0);
  });
});

describe("schedules", () => {
  it("refuses bad input naming the field, and stores nothing", async () => {
    const { schedules } = node("a");
    await expect(
      schedules.put("x", { schedule: "0 0 25 * * ?", invokeService: "noop" }),
    ).rejects.toThrow('hour: "25" is out of range 0-23');
    await expect(schedules.put("x", { schedule: "0 0 * * * ?" })).rejects.toThrow(
      "invokeService: is required",
    );
    await expect(
      schedules.put("x", {
        schedule: "0 0 * * * ?",
        invokeService: "noop",
        misfirePolicy: "later",
      }),
    ).rejects.toThrow('misfirePolicy: "later" is not one of "fireAndProceed", "doNothing"');
    await expect(
      schedules.put("x", { schedule: "@daily", invokeService: "noop", retries: 3 }),
    ).rejects.toThrow("retries: is not a known setting");
    expect(await schedules.get("x")).toBeUndefined();
    expect(await store.listSchedules()).toHaveLength(0);
  });

  it("makes whoever creates a schedule its owner, keeps owners across edits, and lists by owner", async () => {
    const { schedules } = node("a");
    const spec = { schedule: "0 * * * * ?", invokeService: "noop" };
    expect((await schedules.put("mine", spec, { by: "ada" })).owners).toEqual(["ada"]);
    // An edit by someone else, naming no owners, keeps them.
    expect(
      (await schedules.put("mine", { ...spec, enabled: false }, { by: "bob" })).owners,
    ).toEqual(["ada"]);
    expect(
      (await schedules.put("shared", { ...spec, owners: ["bob", "cy"] }, { by: "ada" })).owners,
    ).toEqual(["bob", "cy"]);
    expect((await schedules.put("nobody", spec)).owners).toEqual([]);
    expect((await schedules.list({ owner: "ada" })).map((s) => s._id)).toEqual(["mine"]);
    expect((await schedules.list({ owner: "cy" })).map((s) => s._id)).toEqual(["shared"]);
    await expect(schedules.put("bad", { ...spec, owners: ["x", "x"] })).rejects.toThrow(/owners/);
  });

  it("keeps the next fire across an edit that leaves the timing alone", async () => {
    const { schedules } = node("a");
    await schedules.put("s", { schedule: "0 0 12 * * ?", invokeService: "noop" });
    await clock.advance(MINUTE);
    const edited = await schedules.put("s", { schedule: "0 0 12 * * ?", invokeService: "other" });
    expect(edited.nextFireTime).toBe("2026-11-23T12:00:00.000Z");
    expect(edited.invokeService).toBe("other");
    const moved = await schedules.put("s", { schedule: "0 0 13 * * ?", invokeService: "other" });
    expect(moved.nextFireTime).toBe("2026-11-23T13:00:00.000Z");
    expect(moved.createdAt).toBe(T0);
  });

  it("fills in the defaults, and takes any trigger type", async () => {
    const { schedules } = node("a");
    const s = await schedules.put("weekly", {
      type: "calendar",
      expression: "hour=6; dayOfWeek=Mon",
      timeZone: "Europe/London",
      invokeService: "noop",
    });
    expect(s).toMatchObject({
      _id: "weekly",
      enabled: true,
      type: "calendar",
      schedule: "hour=6; dayOfWeek=Mon",
      misfirePolicy: "fireAndProceed",
      misfireThreshold: 60_000,
      concurrentExecution: false,
      persisted: true,
      invokeLogLevel: "info",
      nextFireTime: "2026-11-30T06:00:00.000Z",
    });
    const every = await schedules.create({
      every: 2,
      unit: "hours",
      anchor: "2026-11-23T08:00:00Z",
      invokeService: "noop",
    });
    expect(every.nextFireTime).toBe("2026-11-23T10:00:00.000Z");
    expect(every._id).toMatch(/^job-/);
  });
});
