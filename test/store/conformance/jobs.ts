import { describe, expect, it } from "vitest";
import type { JobRow } from "../../../src/store/store.js";
import { AWKWARD_JSON, aJob, type CurrentStore, ids, MINUTE, running, T0 } from "./fixtures.js";

export function jobContract(store: CurrentStore): void {
  describe("insertJob and getJob", () => {
    it("fills every field the new job leaves out with its default", async () => {
      const inserted = await store().insertJob({
        id: "job-min",
        type: "script",
        runAt: T0,
        createDate: T0 - 1,
      });
      const expected: JobRow = {
        id: "job-min",
        type: "script",
        label: null,
        status: "PENDING",
        reason: null,
        hasErrors: false,
        progress: 0,
        data: null,
        results: null,
        checkpoint: null,
        scheduleId: null,
        fireTime: null,
        lowPriority: false,
        priority: 0,
        attempt: 0,
        maxAttempts: 1,
        runAt: T0,
        node: null,
        leaseUntil: null,
        runById: null,
        runByName: null,
        createDate: T0 - 1,
        startDate: null,
        endDate: null,
        firedBy: null,
      };
      expect(inserted).toEqual(expected);
      expect(await store().getJob("job-min")).toEqual(expected);
    });

    it("keeps every field the new job gives", async () => {
      const inserted = await store().insertJob({
        id: "job-full",
        type: "export",
        label: "Nightly vendor export",
        status: "PENDING",
        reason: null,
        data: { query: "select 1" },
        scheduleId: "sched",
        fireTime: T0 - MINUTE,
        lowPriority: true,
        priority: -7,
        maxAttempts: 3,
        runAt: T0 + MINUTE,
        runById: "user-42",
        runByName: "Zoë Ångström",
        createDate: T0,
      });
      expect(inserted).toMatchObject({
        id: "job-full",
        type: "export",
        label: "Nightly vendor export",
        status: "PENDING",
        data: { query: "select 1" },
        scheduleId: "sched",
        fireTime: T0 - MINUTE,
        lowPriority: true,
        priority: -7,
        attempt: 0,
        maxAttempts: 3,
        runAt: T0 + MINUTE,
        runById: "user-42",
        runByName: "Zoë Ångström",
        createDate: T0,
      });
      expect(await store().getJob("job-full")).toEqual(inserted);
    });

    it("round-trips JSON data: nesting, every JSON type, unicode, and null", async () => {
      const cases: Record<string, unknown> = {
        "job-object": AWKWARD_JSON,
        "job-array": [AWKWARD_JSON, [], "x", 1, null],
        "job-text": 'just a string, with "quotes" and ünïcödé',
        "job-number": 3.25,
        "job-true": true,
        "job-null": null,
      };
      for (const [id, data] of Object.entries(cases)) {
        expect((await store().insertJob(aJob(id, { data }))).data, id).toEqual(data);
      }
      for (const [id, data] of Object.entries(cases)) {
        expect((await store().getJob(id))?.data, id).toEqual(data);
      }
    });

    it("insertJobs gives back each job as getJob reads it, in the order given", async () => {
      const inserted = await store().insertJobs([
        aJob("job-b", { data: AWKWARD_JSON, label: "b", lowPriority: true, priority: 3 }),
        aJob("job-a", { status: "CANCELED", reason: "missed", scheduleId: "s", fireTime: T0 }),
        aJob("job-c", { runById: "u1", runByName: "Ada", maxAttempts: 4, firedBy: "node-x" }),
      ]);
      expect(ids(inserted)).toEqual(["job-b", "job-a", "job-c"]);
      for (const job of inserted) expect(job).toEqual(await store().getJob(job.id));
      expect(inserted[1]).toMatchObject({ status: "CANCELED", endDate: T0 });
    });

    it("rejects a second job with the same id and keeps the first", async () => {
      const first = await store().insertJob(aJob("job-1", { type: "first" }));
      await expect(store().insertJob(aJob("job-1", { type: "second" }))).rejects.toThrow();
      expect(await store().getJob("job-1")).toEqual(first);
    });

    it("getJob of an unknown id is undefined", async () => {
      expect(await store().getJob("no-such-job")).toBeUndefined();
    });
  });

  describe("findJobs", () => {
    /**
     * j1 export FINISHED with errors (started T0+100, ended T0+500), j2 script FINISHED
     * (T0+110, T0+600), j3 http RUNNING (T0+120), j4 export PENDING of schedule s1,
     * j5 script CANCELED of schedule s1 (so ended when created, T0+5); created in that
     * order, one ms apart.
     */
    async function fixture(): Promise<void> {
      const s = store();
      await running(
        s,
        "node-a",
        T0 + 100,
        MINUTE,
        aJob("j1", { type: "export", createDate: T0 + 1 }),
      );
      await running(
        s,
        "node-a",
        T0 + 110,
        MINUTE,
        aJob("j2", { type: "script", createDate: T0 + 2 }),
      );
      await running(
        s,
        "node-a",
        T0 + 120,
        MINUTE,
        aJob("j3", { type: "http", createDate: T0 + 3 }),
      );
      await s.finishJob("j1", "node-a", { status: "FINISHED", hasErrors: true, at: T0 + 500 });
      await s.finishJob("j2", "node-a", { status: "FINISHED", hasErrors: false, at: T0 + 600 });
      await s.insertJob(
        aJob("j4", { type: "export", createDate: T0 + 4, scheduleId: "s1", fireTime: T0 }),
      );
      await s.insertJob(
        aJob("j5", {
          type: "script",
          createDate: T0 + 5,
          status: "CANCELED",
          reason: "missed",
          scheduleId: "s1",
          fireTime: T0 + MINUTE,
        }),
      );
    }

    it("returns every job, newest created first, as getJob has them", async () => {
      await fixture();
      const all = await store().findJobs();
      expect(ids(all)).toEqual(["j5", "j4", "j3", "j2", "j1"]);
      for (const job of all) expect(job).toEqual(await store().getJob(job.id));
      expect(ids(await store().findJobs({}))).toEqual(["j5", "j4", "j3", "j2", "j1"]);
    });

    it("filters by a list of types", async () => {
      await fixture();
      expect(ids(await store().findJobs({ type: ["export"] }))).toEqual(["j4", "j1"]);
      expect(ids(await store().findJobs({ type: ["export", "http"] }))).toEqual(["j4", "j3", "j1"]);
      // A running job of the type is found with the others, whatever mix of statuses is asked.
      const typed = (status: JobRow["status"][]) =>
        store().findJobs({ type: ["export", "http"], status });
      expect(ids(await typed(["RUNNING", "PENDING"]))).toEqual(["j4", "j3"]);
      expect(ids(await typed(["RUNNING"]))).toEqual(["j3"]);
      expect(ids(await typed(["FINISHED", "PENDING"]))).toEqual(["j4", "j1"]);
      expect(await store().findJobs({ type: ["unknown"] })).toEqual([]);
    });

    it("filters by a list of statuses", async () => {
      await fixture();
      expect(ids(await store().findJobs({ status: ["PENDING"] }))).toEqual(["j4"]);
      expect(ids(await store().findJobs({ status: ["RUNNING", "FINISHED"] }))).toEqual([
        "j3",
        "j2",
        "j1",
      ]);
      expect(ids(await store().findJobs({ status: ["CANCELED"] }))).toEqual(["j5"]);
      expect(await store().findJobs({ status: ["STOPPED"] })).toEqual([]);
      // Jobs not yet ended, as SQLite finds them through its waiting and held indexes.
      const unended = ["PENDING", "RUNNING", "STOPPING"] as const;
      expect(ids(await store().findJobs({ status: [...unended] }))).toEqual(["j4", "j3"]);
      expect(ids(await store().findJobs({ status: [...unended], size: 1 }))).toEqual(["j4"]);
      expect(ids(await store().findJobs({ status: [...unended], startFrom: T0 }))).toEqual(["j3"]);
    });

    it("filters by start date, bounds inclusive, leaving out jobs never started", async () => {
      await fixture();
      expect(ids(await store().findJobs({ startFrom: T0 + 110 }))).toEqual(["j3", "j2"]);
      expect(ids(await store().findJobs({ startTo: T0 + 110 }))).toEqual(["j2", "j1"]);
      expect(ids(await store().findJobs({ startFrom: T0 + 110, startTo: T0 + 110 }))).toEqual([
        "j2",
      ]);
      expect(await store().findJobs({ startFrom: T0 + 121 })).toEqual([]);
    });

    it("filters by end date, bounds inclusive, leaving out jobs not ended", async () => {
      await fixture();
      expect(ids(await store().findJobs({ endFrom: T0 + 600 }))).toEqual(["j2"]);
      expect(ids(await store().findJobs({ endTo: T0 + 500 }))).toEqual(["j5", "j1"]);
      expect(ids(await store().findJobs({ endFrom: T0 + 6, endTo: T0 + 500 }))).toEqual(["j1"]);
      expect(ids(await store().findJobs({ endFrom: T0 + 500, endTo: T0 + 600 }))).toEqual([
        "j2",
        "j1",
      ]);
    });

    it("filters by create date, bounds inclusive", async () => {
      await fixture();
      expect(ids(await store().findJobs({ createFrom: T0 + 2, createTo: T0 + 4 }))).toEqual([
        "j4",
        "j3",
        "j2",
      ]);
      expect(ids(await store().findJobs({ createFrom: T0 + 5 }))).toEqual(["j5"]);
      expect(ids(await store().findJobs({ createTo: T0 + 1 }))).toEqual(["j1"]);
    });

    it("filters by hasErrors, both ways", async () => {
      await fixture();
      expect(ids(await store().findJobs({ hasErrors: true }))).toEqual(["j1"]);
      expect(ids(await store().findJobs({ hasErrors: false }))).toEqual(["j5", "j4", "j3", "j2"]);
    });

    it("filters by schedule", async () => {
      await fixture();
      expect(ids(await store().findJobs({ scheduleId: "s1" }))).toEqual(["j5", "j4"]);
      expect(await store().findJobs({ scheduleId: "s2" })).toEqual([]);
    });

    it("combines filters with AND and takes the newest size jobs", async () => {
      await fixture();
      expect(ids(await store().findJobs({ type: ["export"], status: ["FINISHED"] }))).toEqual([
        "j1",
      ]);
      expect(
        ids(await store().findJobs({ type: ["script"], hasErrors: false, createTo: T0 + 4 })),
      ).toEqual(["j2"]);
      expect(ids(await store().findJobs({ size: 2 }))).toEqual(["j5", "j4"]);
      expect(ids(await store().findJobs({ status: ["RUNNING", "FINISHED"], size: 1 }))).toEqual([
        "j3",
      ]);
    });

    it("returns at most 100 jobs by default, the newest", async () => {
      for (let i = 0; i < 105; i++) {
        await store().insertJob(aJob(`job-${String(i).padStart(3, "0")}`, { createDate: T0 + i }));
      }
      const found = await store().findJobs();
      expect(found).toHaveLength(100);
      expect(found[0]?.id).toBe("job-104");
      expect(found.at(-1)?.id).toBe("job-005");
    });
  });
}
