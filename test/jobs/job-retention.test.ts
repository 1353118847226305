import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { JobRegistry, JobService } from "../../src/jobs/index.js";
import {
  DEFAULT_RETENTION,
  JobRetention,
  PURGE_INTERVAL_MS,
  retentionRule,
} from "../../src/jobs/job-retention.js";
import type { Store } from "../../src/store/store.js";
import { FakeClock } from "../helpers/fake-clock.js";
import { endedJob, openSqliteStore, removeSqliteFiles, T0 } from "./helpers.js";

const DAY = 86_400_000;
const MINUTE = 60_000;

let store: Store;
let clock: FakeClock;
let jobs: JobService;
const loops: JobRetention[] = [];

beforeEach(async () => {
  store = await openSqliteStore();
  clock = new FakeClock(T0);
  jobs = new JobService({ store, clock, node: "node-a", registry: new JobRegistry() });
});

afterEach(async () => {
  await Promise.all(loops.splice(0).map((loop) => loop.stop()));
  await store.close();
  await removeSqliteFiles();
});

async function ids(): Promise<string[]> {
  return (await store.findJobs({ size: 1000 })).map((job) => job.id).sort();
}

function started(rule = retentionRule()): JobRetention {
  const loop = new JobRetention(jobs, rule);
  loops.push(loop);
  loop.start();
  return loop;
}

describe("retention", () => {
  it("keeps 30 days unless told otherwise; null lifts a limit", () => {
    expect(retentionRule()).toEqual({ maxAgeMs: 30 * DAY });
    expect(retentionRule()).toEqual(DEFAULT_RETENTION);
    expect(retentionRule({ maxCount: 10 })).toEqual({ maxAgeMs: 30 * DAY, maxCount: 10 });
    expect(retentionRule({ maxAgeMs: null, maxCount: 10 })).toEqual({ maxCount: 10 });
    expect(retentionRule({ maxAgeMs: null })).toEqual({});
  });

  it("purges ended jobs older than 30 days at start and every few minutes; keeps the rest", async () => {
    const oldFinished = await endedJob(store, "FINISHED", T0 - 31 * DAY);
    await jobs.appendLog(oldFinished, "INFO", "from long ago");
    await endedJob(store, "CANCELED", T0 - 31 * DAY);
    const oldStopped = await endedJob(store, "STOPPED", T0 - 90 * DAY);
    const nearlyOld = await endedJob(store, "CANCELED", T0 - 30 * DAY + 2 * MINUTE);
    const recent = await endedJob(store, "FINISHED", T0 - DAY);
    jobs.registry.define("report", async () => null);
    const pending = (await jobs.enqueue("report", {}, { runAt: T0 - 60 * DAY })).id;

    started();
    await clock.untilSleeping();
    expect(await ids()).toEqual([oldStopped, nearlyOld, recent, pending].sort());
    expect(await store.findLogs(oldFinished)).toEqual([]);

    await clock.advance(PURGE_INTERVAL_MS);
    expect(await ids()).toEqual([oldStopped, recent, pending].sort());
  });

  it("keeps the newest maxCount ended jobs, and does nothing without a limit", async () => {
    const older = await endedJob(store, "FINISHED", T0 - 2 * MINUTE);
    const newer = await endedJob(store, "CANCELED", T0 - MINUTE);
    started(retentionRule({ maxAgeMs: null }));
    await clock.advance(PURGE_INTERVAL_MS);
    expect(await ids()).toEqual([older, newer]);

    started(retentionRule({ maxAgeMs: null, maxCount: 1 }));
    await clock.untilSleeping();
    expect(await ids()).toEqual([newer]);
  });

  it("reports a failed purge and tries again at the next interval", async () => {
    const errors: unknown[] = [];
    jobs.events.on("error", (error) => errors.push(error));
    const old = await endedJob(store, "FINISHED", T0 - 31 * DAY);
    const purgeJobs = store.purgeJobs.bind(store);
    let failures = 1;
    // The database away for one purge: the real store otherwise.
    store.purgeJobs = (rule) =>
      failures-- > 0 ? Promise.reject(new Error("connection lost")) : purgeJobs(rule);
    started();
    await clock.untilSleeping();
    expect(errors).toEqual([new Error("connection lost")]);
    expect(await ids()).toEqual([old]);
    await clock.advance(PURGE_INTERVAL_MS);
    expect(await ids()).toEqual([]);
  });
});
