import { describe, expect, it } from "vitest";
import type { JobRow } from "../../../src/store/store.js";
import { AWKWARD_JSON, aJob, type CurrentStore, ids, MINUTE, running, T0 } from "./fixtures.js";

const LEASE = 30_000;

export function claimContract(store: CurrentStore): void {
  describe("claimJobs", () => {
    it("claims ready PENDING jobs: RUNNING on the node, leased, started, attempt counted", async () => {
      await store().insertJob(
        aJob("ready-early", { runAt: T0 - MINUTE, createDate: T0 - 2 * MINUTE }),
      );
      await store().insertJob(aJob("ready-now", { runAt: T0, createDate: T0 - 2 * MINUTE }));
      await store().insertJob(aJob("not-yet", { runAt: T0 + 1, createDate: T0 - 2 * MINUTE }));
      await store().insertJob(
        aJob("canceled", { status: "CANCELED", reason: "missed", runAt: T0 - MINUTE }),
      );

      const claimed = await store().claimJobs("node-a", T0, LEASE, 10);
      expect(ids(claimed).sort()).toEqual(["ready-early", "ready-now"]);
      for (const job of claimed) {
        expect(job).toMatchObject({
          status: "RUNNING",
          node: "node-a",
          leaseUntil: T0 + LEASE,
          startDate: T0,
          attempt: 1,
          endDate: null,
        });
        expect(await store().getJob(job.id)).toEqual(job);
      }
      expect(await store().getJob("not-yet")).toMatchObject({ status: "PENDING", attempt: 0 });
      expect(await store().getJob("canceled")).toMatchObject({ status: "CANCELED", attempt: 0 });

      // Held jobs are not claimed again; the one whose time has now come is.
      expect(ids(await store().claimJobs("node-b", T0 + 1, LEASE, 10))).toEqual(["not-yet"]);
      expect(await store().claimJobs("node-b", T0 + 60 * MINUTE, LEASE, 10)).toEqual([]);
    });

    it("claims normal before low priority, higher priority first, then oldest runAt, then id", async () => {
      const jobs = [
        aJob("low-p10", { lowPriority: true, priority: 10, runAt: T0 - 9 }),
        aJob("normal-p0-old-b", { priority: 0, runAt: T0 - 5 }),
        aJob("normal-p-1", { priority: -1, runAt: T0 - 9 }),
        aJob("normal-p5", { priority: 5, runAt: T0 - 1 }),
        aJob("low-p0", { lowPriority: true, priority: 0, runAt: T0 - 9 }),
        aJob("normal-p0-new", { priority: 0, runAt: T0 - 2 }),
        aJob("normal-p0-old-a", { priority: 0, runAt: T0 - 5 }),
        aJob("future-p100", { priority: 100, runAt: T0 + 1 }),
      ];
      // Created in reverse of the expected order, so creation order cannot pass for it.
      for (const [index, job] of jobs.entries()) {
        await store().insertJob({ ...job, createDate: T0 - 100 + index });
      }
      const order: string[] = [];
      for (let i = 0; i < jobs.length; i++) {
        const claimed = await store().claimJobs(`node-${i}`, T0, LEASE, 1);
        if (claimed.length === 0) break;
        expect(claimed).toHaveLength(1);
        order.push(...ids(claimed));
      }
      expect(order).toEqual([
        "normal-p5",
        "normal-p0-old-a",
        "normal-p0-old-b",
        "normal-p0-new",
        "normal-p-1",
        "low-p10",
        "low-p0",
      ]);
    });

    it("claims at most limit jobs, the first in claim order", async () => {
      for (let i = 0; i < 5; i++) {
        await store().insertJob(aJob(`job-${i}`, { runAt: T0 - 10 + i }));
      }
      expect(ids(await store().claimJobs("node-a", T0, LEASE, 3)).sort()).toEqual([
        "job-0",
        "job-1",
        "job-2",
      ]);
      expect(ids(await store().claimJobs("node-a", T0, LEASE, 3)).sort()).toEqual([
        "job-3",
        "job-4",
      ]);
      expect(await store().claimJobs("node-a", T0, LEASE, 3)).toEqual([]);
    });

    it("never claims a job twice, even with 5 claimers racing for 50 jobs", async () => {
      const total = 50;
      for (let i = 0; i < total; i++) {
        await store().insertJob(aJob(`job-${String(i).padStart(2, "0")}`, { runAt: T0 - i }));
      }
      const claimer = async (node: string): Promise<JobRow[]> => {
        const mine: JobRow[] = [];
        for (;;) {
          const batch = await store().claimJobs(node, T0, LEASE, 4);
          if (batch.length === 0) return mine;
          mine.push(...batch);
        }
      };
      const nodes = ["node-0", "node-1", "node-2", "node-3", "node-4"];
      const perNode = await Promise.all(nodes.map(claimer));

      const claimedIds = perNode.flatMap(ids);
      expect(claimedIds).toHaveLength(total);
      expect(new Set(claimedIds).size).toBe(total);
      for (const [index, rows] of perNode.entries()) {
        for (const row of rows) {
          expect(row).toMatchObject({ node: nodes[index], status: "RUNNING", attempt: 1 });
          expect(await store().getJob(row.id)).toMatchObject({ node: nodes[index], attempt: 1 });
        }
      }
      expect(await store().findJobs({ status: ["PENDING"] })).toEqual([]);
    });
  });

  describe("renewLeases", () => {
    it("extends the lease of every job the node holds, and only those", async () => {
      const [a1, a2] = await running(store(), "node-a", T0, LEASE, aJob("a1"), aJob("a2"));
      const [b1] = await running(store(), "node-b", T0, LEASE, aJob("b1"));
      await running(store(), "node-a", T0, LEASE, aJob("a-done"));
      await store().finishJob("a-done", "node-a", { status: "FINISHED", at: T0 + 1 });
      const aDone = await store().getJob("a-done");
      await store().insertJob(aJob("pending"));
      const pending = await store().getJob("pending");

      expect(await store().renewLeases("node-a", T0 + 10 * MINUTE)).toBe(2);
      expect(await store().getJob("a1")).toEqual({ ...a1, leaseUntil: T0 + 10 * MINUTE });
      expect(await store().getJob("a2")).toEqual({ ...a2, leaseUntil: T0 + 10 * MINUTE });
      expect(await store().getJob("b1")).toEqual(b1);
      expect(await store().getJob("a-done")).toEqual(aDone);
      expect(await store().getJob("pending")).toEqual(pending);
      expect(await store().renewLeases("node-nobody", T0 + 10 * MINUTE)).toBe(0);
    });
  });

  describe("finishJob", () => {
    it("ends a held job FINISHED with its results, errors flag and end date", async () => {
      await running(store(), "node-a", T0, LEASE, aJob("ok"), aJob("failed"));
      const ok = await store().finishJob("ok", "node-a", {
        status: "FINISHED",
        results: { rows: 1200, files: ["out.csv.gz"], note: AWKWARD_JSON },
        at: T0 + 5000,
      });
      expect(ok).toMatchObject({
        status: "FINISHED",
        hasErrors: false,
        results: { rows: 1200, files: ["out.csv.gz"], note: AWKWARD_JSON },
        endDate: T0 + 5000,
        startDate: T0,
        attempt: 1,
      });
      expect(await store().getJob("ok")).toEqual(ok);

      const failed = await store().finishJob("failed", "node-a", {
        status: "FINISHED",
        hasErrors: true,
        results: null,
        at: T0 + 6000,
      });
      expect(failed).toMatchObject({ status: "FINISHED", hasErrors: true, endDate: T0 + 6000 });
      expect(await store().getJob("failed")).toEqual(failed);

      // A finished job is held by no one: no lease to renew, nothing to claim.
      expect(await store().renewLeases("node-a", T0 + MINUTE)).toBe(0);
      expect(await store().claimJobs("node-b", T0 + 60 * MINUTE, LEASE, 10)).toEqual([]);
    });

    it("ends a held job STOPPED with its checkpoint, or CANCELED with its reason", async () => {
      await running(store(), "node-a", T0, LEASE, aJob("stopped"), aJob("canceled"));
      const stopped = await store().finishJob("stopped", "node-a", {
        status: "STOPPED",
        checkpoint: { offset: 500, cursor: "éé" },
        at: T0 + 1,
      });
      expect(stopped).toMatchObject({
        status: "STOPPED",
        checkpoint: { offset: 500, cursor: "éé" },
      });
      expect(await store().getJob("stopped")).toEqual(stopped);

      const canceled = await store().finishJob("canceled", "node-a", {
        status: "CANCELED",
        reason: "canceledByUser",
        at: T0 + 2,
      });
      expect(canceled).toMatchObject({ status: "CANCELED", reason: "canceledByUser" });
      expect(await store().getJob("canceled")).toEqual(canceled);
      expect(await store().claimJobs("node-b", T0 + 60 * MINUTE, LEASE, 10)).toEqual([]);
    });

    it("requeues a retry: PENDING at runAt, no node or lease, attempt kept", async () => {
      await running(store(), "node-a", T0, LEASE, aJob("flaky", { maxAttempts: 3 }));
      const retry = await store().finishJob("flaky", "node-a", {
        status: "PENDING",
        hasErrors: true,
        runAt: T0 + 5 * MINUTE,
        at: T0 + 1000,
      });
      expect(retry).toMatchObject({
        status: "PENDING",
        runAt: T0 + 5 * MINUTE,
        node: null,
        leaseUntil: null,
        attempt: 1,
        maxAttempts: 3,
      });
      expect(await store().getJob("flaky")).toEqual(retry);
      expect(await store().renewLeases("node-a", T0 + MINUTE)).toBe(0);

      expect(await store().claimJobs("node-b", T0 + 5 * MINUTE - 1, LEASE, 10)).toEqual([]);
      const [again] = await store().claimJobs("node-b", T0 + 5 * MINUTE, LEASE, 10);
      expect(again).toMatchObject({
        id: "flaky",
        status: "RUNNING",
        node: "node-b",
        attempt: 2,
        startDate: T0 + 5 * MINUTE,
        leaseUntil: T0 + 5 * MINUTE + LEASE,
      });
    });

    it("refuses (undefined, nothing changed) when the node does not hold the job", async () => {
      await running(store(), "node-a", T0, LEASE, aJob("held"), aJob("done"));
      await store().finishJob("done", "node-a", { status: "FINISHED", at: T0 + 1 });
      await store().insertJob(aJob("pending", { runAt: T0 + 60 * MINUTE }));
      const before = await store().findJobs();
      const outcome = { status: "FINISHED", hasErrors: true, at: T0 + 2 } as const;

      expect(await store().finishJob("held", "node-b", outcome)).toBeUndefined();
      expect(await store().finishJob("done", "node-a", outcome)).toBeUndefined();
      expect(await store().finishJob("pending", "node-a", outcome)).toBeUndefined();
      expect(await store().finishJob("no-such-job", "node-a", outcome)).toBeUndefined();
      expect(await store().findJobs()).toEqual(before);
    });
  });

  describe("finishJobs", () => {
    it("ends many held jobs in one call, each as its outcome says, answering in the order given", async () => {
      await running(
        store(),
        "node-a",
        T0,
        LEASE,
        aJob("ok"),
        aJob("retry", { maxAttempts: 2 }),
        aJob("stop"),
        aJob("later"),
      );
      await running(store(), "node-b", T0, LEASE, aJob("theirs"));
      const theirs = await store().getJob("theirs");
      const ended = await store().finishJobs("node-a", [
        { id: "stop", outcome: { status: "STOPPED", checkpoint: { at: "é" }, at: T0 + 3 } },
        { id: "theirs", outcome: { status: "FINISHED", at: T0 + 3 } },
        {
          id: "ok",
          outcome: { status: "FINISHED", results: AWKWARD_JSON, reason: null, at: T0 + 4 },
        },
        { id: "no-such-job", outcome: { status: "FINISHED", at: T0 + 4 } },
        {
          id: "retry",
          outcome: {
            status: "PENDING",
            hasErrors: true,
            reason: "retry",
            runAt: T0 + MINUTE,
            at: T0 + 5,
          },
        },
        {
          id: "later",
          outcome: { status: "FINISHED", results: "text", at: T0 + 900, startedAt: T0 + 800 },
        },
      ]);
      expect(ended.map((row) => row?.id)).toEqual([
        "stop",
        undefined,
        "ok",
        undefined,
        "retry",
        "later",
      ]);
      expect(ended[0]).toMatchObject({
        status: "STOPPED",
        checkpoint: { at: "é" },
        endDate: T0 + 3,
        node: null,
      });
      expect(ended[2]).toMatchObject({
        status: "FINISHED",
        results: AWKWARD_JSON,
        hasErrors: false,
        endDate: T0 + 4,
      });
      expect(ended[4]).toMatchObject({
        status: "PENDING",
        hasErrors: true,
        reason: "retry",
        runAt: T0 + MINUTE,
        endDate: null,
        leaseUntil: null,
      });
      // A job claimed ahead of its start keeps the instant it really began.
      expect(ended[5]).toMatchObject({ results: "text", startDate: T0 + 800, endDate: T0 + 900 });
      for (const row of ended) if (row) expect(await store().getJob(row.id)).toEqual(row);
      expect(await store().getJob("theirs")).toEqual(theirs);
      expect(await store().finishJobs("node-a", [])).toEqual([]);
    });

    it("answers from the rows the node held exactly as from the rows read back", async () => {
      const held = await running(
        store(),
        "node-a",
        T0,
        LEASE,
        aJob("plain", { label: "a label", data: { n: 1 }, runById: "u1", runByName: "Ann" }),
        aJob("flagged", { maxAttempts: 3, priority: 2 }),
        aJob("stopped"),
        aJob("checkpointed"),
      );
      const byId = new Map(held.map((row) => [row.id, row]));
      const hold = (id: string) => byId.get(id) as JobRow;
      // What others change while the node holds them: an error line, priorities; and the
      // run's own progress and checkpoint writes.
      const expected = { status: ["RUNNING", "STOPPING"], node: "node-a" } as const;
      await store().updateJob("flagged", expected, { hasErrors: true, lowPriority: true });
      await store().updateJob("plain", expected, { progress: 40 });
      await store().updateJob("checkpointed", expected, { checkpoint: { page: 7 } });
      const outcomes = {
        plain: { status: "FINISHED", results: AWKWARD_JSON, reason: null, at: T0 + 9 },
        flagged: { status: "PENDING", reason: "retry", runAt: T0 + MINUTE, at: T0 + 5 },
        stopped: { status: "STOPPED", checkpoint: { at: "é" }, at: T0 + 3, startedAt: T0 + 2 },
        checkpointed: { status: "FINISHED", hasErrors: true, at: T0 + 4 },
      } as const;
      const ended = await store().finishJobs(
        "node-a",
        Object.entries(outcomes).map(([id, outcome]) => ({
          id,
          outcome,
          held: id === "checkpointed" ? { ...hold(id), checkpoint: { page: 7 } } : hold(id),
        })),
      );
      expect(ended.map((row) => row?.id)).toEqual(Object.keys(outcomes));
      for (const row of ended) expect(row).toEqual(await store().getJob(row?.id ?? ""));
      expect(ended[1]).toMatchObject({ hasErrors: true, lowPriority: true, priority: 2 });
    });

    it("ends thousands of jobs in one call", async () => {
      const many = Array.from({ length: 2500 }, (_, i) =>
        aJob(`job-${String(i).padStart(4, "0")}`),
      );
      await store().insertJobs(many);
      expect(await store().claimJobs("node-a", T0, LEASE, 5000)).toHaveLength(2500);
      const ended = await store().finishJobs(
        "node-a",
        many.map(({ id }) => ({ id, outcome: { status: "FINISHED", at: T0 + 1 } })),
      );
      expect(ended.every((row) => row?.status === "FINISHED")).toBe(true);
      expect(await store().findJobs({ status: ["RUNNING"] })).toEqual([]);
    });
  });

  describe("releaseExpired", () => {
    it("puts a lapsed RUNNING job with attempts left back to PENDING, runnable at once", async () => {
      await running(store(), "node-dead", T0, LEASE, aJob("orphan", { maxAttempts: 3 }));
      const released = await store().releaseExpired(T0 + LEASE + 1);
      expect(ids(released)).toEqual(["orphan"]);
      expect(released[0]).toMatchObject({
        status: "PENDING",
        node: null,
        leaseUntil: null,
        attempt: 1,
      });
      expect(await store().getJob("orphan")).toEqual(released[0]);

      // The dead node has lost it: it can neither renew nor finish it.
      expect(await store().renewLeases("node-dead", T0 + 60 * MINUTE)).toBe(0);
      expect(
        await store().finishJob("orphan", "node-dead", { status: "FINISHED", at: T0 + LEASE + 2 }),
      ).toBeUndefined();

      const [again] = await store().claimJobs("node-b", T0 + LEASE + 1, LEASE, 10);
      expect(again).toMatchObject({ id: "orphan", node: "node-b", attempt: 2 });
      expect(await store().releaseExpired(T0 + LEASE + 1)).toEqual([]);
    });

    it("ends a lapsed RUNNING job that used all its attempts FINISHED with errors, reason leaseExpired", async () => {
      await running(
        store(),
        "node-dead",
        T0,
        LEASE,
        aJob("spent-1"),
        aJob("spent-2", { maxAttempts: 2 }),
      );
      // spent-2 is retried into its second and last attempt; spent-1 only ever had one.
      await store().finishJob("spent-2", "node-dead", { status: "PENDING", runAt: T0, at: T0 });
      const [last] = await store().claimJobs("node-dead", T0 + 1, LEASE, 10);
      expect(last).toMatchObject({ id: "spent-2", attempt: 2 });

      const released = await store().releaseExpired(T0 + 1 + LEASE + 1);
      expect(ids(released).sort()).toEqual(["spent-1", "spent-2"]);
      for (const job of released) {
        expect(job).toMatchObject({
          status: "FINISHED",
          hasErrors: true,
          reason: "leaseExpired",
          endDate: T0 + 1 + LEASE + 1,
          node: null,
          leaseUntil: null,
        });
        expect(await store().getJob(job.id)).toEqual(job);
      }
      expect(await store().claimJobs("node-b", T0 + 60 * MINUTE, LEASE, 10)).toEqual([]);
    });

    it("leaves live leases, PENDING and ended jobs alone", async () => {
      await running(store(), "node-dead", T0, LEASE, aJob("lapsed", { maxAttempts: 2 }));
      await running(store(), "node-live", T0 + MINUTE, LEASE, aJob("live"));
      // Lapsed *before* now: a lease running out at exactly now still holds.
      await running(store(), "node-edge", T0 + 1, LEASE, aJob("edge"));
      await running(store(), "node-live", T0, LEASE, aJob("done"));
      await store().finishJob("done", "node-live", { status: "FINISHED", at: T0 + 1 });
      await store().insertJob(aJob("pending", { runAt: T0 + 60 * MINUTE }));
      const before = new Map((await store().findJobs()).map((job) => [job.id, job]));

      const released = await store().releaseExpired(T0 + LEASE + 1);
      expect(ids(released)).toEqual(["lapsed"]);
      for (const id of ["live", "edge", "done", "pending"]) {
        expect(await store().getJob(id), id).toEqual(before.get(id));
      }
      expect(await store().releaseExpired(T0)).toEqual([]);
    });
  });
}
