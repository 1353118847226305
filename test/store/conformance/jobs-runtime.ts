import { describe, expect, it } from "vitest";
import type { JobRow } from "../../../src/store/store.js";
import { AWKWARD_JSON, aJob, type CurrentStore, ids, MINUTE, running, T0 } from "./fixtures.js";

const LEASE = 30_000;

/** The store operations of the job runtime (src/jobs/): the marked block of store.ts. */
export function jobRuntimeContract(store: CurrentStore): void {
  describe("insertJobs", () => {
    it("inserts every job, returning them in the order given", async () => {
      const given = ["job-c", "job-a", "job-b"].map((id, i) =>
        aJob(id, { data: { i }, lowPriority: i === 1, maxAttempts: i + 1 }),
      );
      const inserted = await store().insertJobs(given);
      expect(ids(inserted)).toEqual(["job-c", "job-a", "job-b"]);
      for (const row of inserted) expect(await store().getJob(row.id)).toEqual(row);
      expect(inserted[1]).toMatchObject({ data: { i: 1 }, lowPriority: true, maxAttempts: 2 });
      expect(await store().insertJobs([])).toEqual([]);
    });

    it("inserts more jobs than one statement takes", async () => {
      const given = Array.from({ length: 1234 }, (_, i) =>
        aJob(`job-${String(i).padStart(4, "0")}`, { data: AWKWARD_JSON }),
      );
      const inserted = await store().insertJobs(given);
      expect(ids(inserted)).toEqual(ids(given));
      expect(await store().findJobs({ size: 2000 })).toHaveLength(1234);
      expect(inserted[1233]?.data).toEqual(AWKWARD_JSON);
    });

    it("inserts none when one fails", async () => {
      await store().insertJob(aJob("taken"));
      await expect(store().insertJobs([aJob("fresh"), aJob("taken")])).rejects.toThrow();
      await expect(store().insertJobs([aJob("twin"), aJob("twin")])).rejects.toThrow();
      expect(ids(await store().findJobs())).toEqual(["taken"]);
    });
  });

  describe("updateJob", () => {
    it("changes a job only when its status is one expected", async () => {
      await store().insertJob(aJob("job"));
      const before = await store().getJob("job");
      expect(
        await store().updateJob("job", { status: ["RUNNING", "STOPPED"] }, { status: "CANCELED" }),
      ).toBeUndefined();
      expect(
        await store().updateJob("job", { status: [] }, { status: "CANCELED" }),
      ).toBeUndefined();
      expect(await store().getJob("job")).toEqual(before);
      expect(
        await store().updateJob("missing", { status: ["PENDING"] }, { status: "CANCELED" }),
      ).toBeUndefined();

      const changed = await store().updateJob(
        "job",
        { status: ["PENDING"] },
        { status: "CANCELED", endDate: T0 + 5, reason: "by hand" },
      );
      expect(changed).toEqual({
        ...before,
        status: "CANCELED",
        endDate: T0 + 5,
        reason: "by hand",
      });
      expect(await store().getJob("job")).toEqual(changed);
    });

    it("requires the expected node to hold the job, when one is named", async () => {
      const [held] = await running(store(), "node-a", T0, LEASE, aJob("job"));
      expect(
        await store().updateJob("job", { status: ["RUNNING"], node: "node-b" }, { progress: 5 }),
      ).toBeUndefined();
      expect(
        await store().updateJob("job", { status: ["RUNNING"], node: "node-a" }, { progress: 5 }),
      ).toEqual({ ...held, progress: 5 });
    });

    it("sets every field it is given and keeps the others", async () => {
      const [held] = await running(
        store(),
        "node-a",
        T0,
        LEASE,
        aJob("job", { reason: null, maxAttempts: 3 }),
      );
      const all = { status: ["RUNNING"] } as const;
      const steps: [Parameters<ReturnType<CurrentStore>["updateJob"]>[2], Partial<JobRow>][] = [
        [{ progress: 42 }, { progress: 42 }],
        [{ checkpoint: AWKWARD_JSON }, { checkpoint: AWKWARD_JSON }],
        [{ checkpoint: null }, { checkpoint: null }],
        [{ hasErrors: true }, { hasErrors: true }],
        [{ lowPriority: true }, { lowPriority: true }],
        [{ reason: "why" }, { reason: "why" }],
        [{ reason: null }, { reason: null }],
        [{ runAt: T0 + MINUTE }, { runAt: T0 + MINUTE }],
        [{ endDate: T0 + 1 }, { endDate: T0 + 1 }],
        [{ endDate: null }, { endDate: null }],
        [{}, {}],
      ];
      let expected = held as JobRow;
      for (const [change, fields] of steps) {
        expected = { ...expected, ...fields };
        expect(await store().updateJob("job", all, change)).toEqual(expected);
        expect(await store().getJob("job")).toEqual(expected);
      }
    });

    it("releases the job and refunds its attempt, never below zero", async () => {
      const [held] = await running(store(), "node-a", T0, LEASE, aJob("job"));
      expect(held).toMatchObject({ attempt: 1, node: "node-a", leaseUntil: T0 + LEASE });
      const released = await store().updateJob(
        "job",
        { status: ["RUNNING"], node: "node-a" },
        { status: "PENDING", runAt: T0 + 9, release: true, refundAttempt: true },
      );
      expect(released).toEqual({
        ...held,
        status: "PENDING",
        runAt: T0 + 9,
        node: null,
        leaseUntil: null,
        attempt: 0,
      });
      expect(
        await store().updateJob("job", { status: ["PENDING"] }, { refundAttempt: true }),
      ).toMatchObject({ attempt: 0 });
      // Released, it is claimable again.
      expect(ids(await store().claimJobs("node-b", T0 + 9, LEASE, 5))).toEqual(["job"]);
    });
  });

  describe("jobsHeldBy", () => {
    it("lists the RUNNING and STOPPING jobs the node holds, by id", async () => {
      await running(store(), "node-a", T0, LEASE, aJob("a-2"), aJob("a-1"), aJob("a-3"));
      await running(store(), "node-b", T0, LEASE, aJob("b-1"));
      await store().updateJob("a-2", { status: ["RUNNING"] }, { status: "STOPPING" });
      await store().finishJob("a-3", "node-a", { status: "FINISHED", at: T0 + 1 });
      await store().insertJob(aJob("pending"));
      expect(await store().jobsHeldBy("node-a")).toEqual([
        { id: "a-1", status: "RUNNING", node: "node-a" },
        { id: "a-2", status: "STOPPING", node: "node-a" },
      ]);
      expect(await store().jobsHeldBy("node-c")).toEqual([]);
    });
  });

  describe("lapsedLeases", () => {
    it("lists held jobs whose lease ended before now, with their node: what releaseExpired takes", async () => {
      await running(store(), "node-a", T0, LEASE, aJob("a-1"), aJob("a-2"));
      await running(store(), "node-b", T0 + 10, LEASE, aJob("b-1", { runAt: T0 + 10 }));
      await store().updateJob("a-2", { status: ["RUNNING"] }, { status: "STOPPING" });

      expect(await store().lapsedLeases(T0 + LEASE)).toEqual([]);
      const lapsed = await store().lapsedLeases(T0 + LEASE + 1);
      expect(lapsed).toEqual([
        { id: "a-1", status: "RUNNING", node: "node-a" },
        { id: "a-2", status: "STOPPING", node: "node-a" },
      ]);
      expect(ids(await store().releaseExpired(T0 + LEASE + 1)).sort()).toEqual(ids(lapsed));
      expect(await store().lapsedLeases(T0 + LEASE + 1)).toEqual([]);
    });
  });

  describe("earliestRunAt", () => {
    it("is the earliest runAt of a PENDING job, or null", async () => {
      expect(await store().earliestRunAt()).toBeNull();
      await running(store(), "node-a", T0 - MINUTE, LEASE, aJob("running", { runAt: T0 - MINUTE }));
      await store().insertJob(aJob("canceled", { status: "CANCELED", runAt: T0 - MINUTE }));
      expect(await store().earliestRunAt()).toBeNull();
      await store().insertJob(aJob("later", { runAt: T0 + 2 * MINUTE }));
      await store().insertJob(aJob("sooner", { runAt: T0 + MINUTE }));
      expect(await store().earliestRunAt()).toBe(T0 + MINUTE);
    });
  });

  describe("purgeJobs", () => {
    /** Jobs that ended at T0 + i minutes (i = 0..3), alternately FINISHED and CANCELED, with a log line each. */
    async function ended(): Promise<void> {
      for (let i = 0; i < 4; i++) {
        const id = `ended-${i}`;
        if (i % 2 === 0) {
          await running(store(), "node-a", T0, LEASE, aJob(id));
          await store().finishJob(id, "node-a", { status: "FINISHED", at: T0 + i * MINUTE });
        } else {
          await store().insertJob(aJob(id));
          await store().updateJob(
            id,
            { status: ["PENDING"] },
            { status: "CANCELED", endDate: T0 + i * MINUTE },
          );
        }
        await store().appendLogs([{ jobId: id, at: T0, level: "INFO", message: id }]);
      }
      // Never purged: still to run, running, or resumable.
      await store().insertJob(aJob("pending", { runAt: T0 + 60 * MINUTE }));
      await running(store(), "node-a", T0, LEASE, aJob("stopped"));
      await store().finishJob("stopped", "node-a", { status: "STOPPED", at: T0 - 60 * MINUTE });
      await running(store(), "node-a", T0, LEASE, aJob("running"));
      await store().appendLogs([{ jobId: "stopped", at: T0, level: "INFO", message: "kept" }]);
    }

    const left = async () => ids(await store().findJobs({ size: 100 })).sort();

    it("deletes FINISHED and CANCELED jobs that ended before a time, with their logs", async () => {
      await ended();
      expect(await store().purgeJobs({ endedBefore: T0 + 2 * MINUTE })).toBe(2);
      expect(await left()).toEqual(["ended-2", "ended-3", "pending", "running", "stopped"]);
      expect(await store().findLogs("ended-0")).toEqual([]);
      expect(await store().findLogs("ended-1")).toEqual([]);
      expect(await store().findLogs("ended-2")).toHaveLength(1);
      expect(await store().findLogs("stopped")).toHaveLength(1);
    });

    it("keeps only the newest ended jobs, at most limit deleted per call, oldest first", async () => {
      await ended();
      expect(await store().purgeJobs({ keepNewest: 1, limit: 2 })).toBe(2);
      expect(await left()).toEqual(["ended-2", "ended-3", "pending", "running", "stopped"]);
      expect(await store().purgeJobs({ keepNewest: 1 })).toBe(1);
      expect(await left()).toEqual(["ended-3", "pending", "running", "stopped"]);
      expect(await store().purgeJobs({ keepNewest: 0 })).toBe(1);
      expect(await store().purgeJobs({ keepNewest: 0 })).toBe(0);
    });

    it("deletes what either rule deletes when both are given, and nothing with neither", async () => {
      await ended();
      expect(await store().purgeJobs({})).toBe(0);
      expect(await store().purgeJobs({ endedBefore: T0 + MINUTE, keepNewest: 2 })).toBe(2);
      expect(await left()).toEqual(["ended-2", "ended-3", "pending", "running", "stopped"]);
    });
  });

  describe("countJobs", () => {
    it("counts jobs by type and status, the ready queue and the nodes leasing jobs", async () => {
      // `running` claims every PENDING job, so the running ones come first.
      await running(store(), "node-a", T0, LEASE, aJob("r1", { type: "beta" }));
      await running(store(), "node-b", T0, LEASE, aJob("r2", { type: "beta" }));
      await store().insertJobs([
        aJob("a1", { type: "alpha" }),
        aJob("a2", { type: "alpha" }),
        aJob("later", { type: "alpha", runAt: T0 + MINUTE }),
        aJob("b1", { type: "beta" }),
      ]);
      const counts = await store().countJobs(T0);
      const sorted = [...counts.jobs].sort((x, y) =>
        `${x.type}${x.status}` < `${y.type}${y.status}` ? -1 : 1,
      );
      expect(sorted).toEqual([
        { type: "alpha", status: "PENDING", count: 3 },
        { type: "beta", status: "PENDING", count: 1 },
        { type: "beta", status: "RUNNING", count: 2 },
      ]);
      expect(counts.ready).toBe(3);
      expect(counts.leasingNodes).toBe(2);
      // Past the leases, no node holds a live one.
      expect((await store().countJobs(T0 + LEASE + 1)).leasingNodes).toBe(0);
    });
  });
}
