import { mkdir, mkdtemp, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ScheduleService } from "../../src/schedules/schedule.service.js";
import { type FileProblem, ScheduleFiles } from "../../src/schedules/schedule-files.js";
import { readSchedulerConfig } from "../../src/schedules/scheduler-config.js";
import { openStore } from "../../src/store/open-store.js";
import type { Store } from "../../src/store/store.js";
import { FakeClock } from "../helpers/fake-clock.js";
import { waitFor } from "../helpers/wait-for.js";

let dir: string;
let conf: string;
let store: Store;
let schedules: ScheduleService;
let files: ScheduleFiles;
let problems: FileProblem[];

const write = (name: string, value: unknown) =>
  writeFile(join(conf, name), typeof value === "string" ? value : JSON.stringify(value, null, 2));

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "sundial-conf-"));
  conf = join(dir, "conf");
  await mkdir(conf);
  store = await openStore({ database: join(dir, "sundial.db") });
  let n = 0;
  schedules = new ScheduleService(store, new FakeClock("2026-11-23T09:00:00Z"), () => `id-${++n}`);
  problems = [];
  files = new ScheduleFiles({ dir: conf, schedules, onProblem: (p) => problems.push(p) });
});

afterEach(async () => {
  await files.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe("conf/schedule-<name>.json", () => {
  it("loads every schedule file at start, named by its file", async () => {
    await write("schedule-nightly.json", { schedule: "0 0 2 * * ?", invokeService: "backup" });
    await write("schedule-reports.json", {
      _id: "reports",
      type: "unix",
      schedule: "30 6 * * 1-5",
      invokeService: "report",
    });
    await write("notes.json", { not: "a schedule" });
    await files.load();
    expect((await schedules.list()).map((s) => s._id)).toEqual(["nightly", "reports"]);
    expect(problems).toEqual([]);
  });

  it("reports a bad file with the file, field and reason, and loads the rest", async () => {
    await write("schedule-bad.json", {
      schedule: "0 0 2 * * ?",
      invokeService: "backup",
      misfirePolicy: "sometimes",
    });
    await write("schedule-broken.json", "{ not json");
    await write("schedule-other.json", {
      _id: "different",
      schedule: "@daily",
      invokeService: "x",
    });
    await write("schedule-good.json", { schedule: "@daily", invokeService: "x" });
    await files.load();
    expect((await schedules.list()).map((s) => s._id)).toEqual(["good"]);
    expect(problems.map((p) => [p.file.split("/").at(-1), p.field])).toEqual([
      ["schedule-bad.json", "misfirePolicy"],
      ["schedule-broken.json", undefined],
      ["schedule-other.json", "_id"],
    ]);
    expect(problems[0]?.message).toBe(
      'misfirePolicy: "sometimes" is not one of "fireAndProceed", "doNothing"',
    );
    expect(problems[1]?.message).toMatch(/^is not valid JSON/);
  });

  it("follows changes while running: update, invalid edit kept out, delete", async () => {
    await write("schedule-job.json", { schedule: "0 0 2 * * ?", invokeService: "a" });
    await files.load();
    files.watch();
    await write("schedule-job.json", { schedule: "0 0 3 * * ?", invokeService: "b" });
    await waitFor("the edit", async () =>
      (await schedules.get("job"))?.invokeService === "b" ? true : undefined,
    );
    expect((await schedules.get("job"))?.nextFireTime).toBe("2026-11-24T03:00:00.000Z");

    await write("schedule-job.json", { schedule: "0 0 27 * * ?", invokeService: "c" });
    await waitFor("the problem", () => (problems.length > 0 ? true : undefined));
    expect(problems[0]).toMatchObject({
      field: "hour",
      message: 'hour: "27" is out of range 0-23',
    });
    expect((await schedules.get("job"))?.invokeService).toBe("b");

    await write("schedule-new.json", { schedule: "@hourly", invokeService: "n" });
    await waitFor("the new file", () => schedules.get("new"));

    await unlink(join(conf, "schedule-job.json"));
    await waitFor("the deletion", async () =>
      (await schedules.get("job")) === undefined ? true : undefined,
    );
    expect((await schedules.list()).map((s) => s._id)).toEqual(["new"]);
  });

  it("is content with a missing folder", async () => {
    const none = new ScheduleFiles({
      dir: join(dir, "missing"),
      schedules,
      onProblem: (p) => problems.push(p),
    });
    await none.load();
    none.watch();
    await none.close();
    expect(problems).toEqual([]);
  });
});

describe("conf/scheduler.json", () => {
  it("reads threadCount, executePersistentSchedules and retention, with defaults", async () => {
    expect(await readSchedulerConfig(conf)).toEqual({
      threadCount: 10,
      executePersistentSchedules: true,
      retention: { maxAgeMs: 30 * 86_400_000 },
    });
    await write("scheduler.json", {
      threadPool: { threadCount: 4 },
      scheduler: { executePersistentSchedules: false },
      retention: { maxAgeMs: null, maxCount: 5000 },
    });
    expect(await readSchedulerConfig(conf)).toEqual({
      threadCount: 4,
      executePersistentSchedules: false,
      retention: { maxCount: 5000 },
    });
    await write("scheduler.json", { retention: { maxCount: 10 } });
    expect((await readSchedulerConfig(conf)).retention).toEqual({
      maxAgeMs: 30 * 86_400_000,
      maxCount: 10,
    });
  });

  it("names the file and the field of a bad setting", async () => {
    await write("scheduler.json", { threadPool: { threadCount: 0 } });
    await expect(readSchedulerConfig(conf)).rejects.toThrow(
      /scheduler\.json\.threadPool\.threadCount: 0 must be >= 1/,
    );
    await write("scheduler.json", { threadpool: {} });
    await expect(readSchedulerConfig(conf)).rejects.toThrow(
      /scheduler\.json\.threadpool: is not a known setting/,
    );
    await write("scheduler.json", { retention: { maxAgeMs: "30d" } });
    await expect(readSchedulerConfig(conf)).rejects.toThrow(
      /scheduler\.json\.retention\.maxAgeMs: "30d" must be integer/,
    );
    await write("scheduler.json", { retention: { maxCount: -1 } });
    await expect(readSchedulerConfig(conf)).rejects.toThrow(
      /scheduler\.json\.retention\.maxCount: -1 must be >= 0/,
    );
    await write("scheduler.json", { retention: { keepDays: 3 } });
    await expect(readSchedulerConfig(conf)).rejects.toThrow(
      /scheduler\.json\.retention\.keepDays: is not a known setting/,
    );
  });
});
