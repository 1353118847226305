import { describe, expect, it } from "vitest";
import type { FireClaim } from "../../../src/store/store.js";
import { aJob, aSchedule, type CurrentStore, ids, MINUTE, T0 } from "./fixtures.js";

/** A claim of the fire at `expected` of `scheduleId`, inserting the job `jobId` for it. */
function aClaim(
  scheduleId: string,
  jobId: string,
  expected: number,
  next: number | null,
  job: Partial<FireClaim["job"]> = {},
): FireClaim {
  return {
    scheduleId,
    expected,
    next,
    job: aJob(jobId, { scheduleId, fireTime: expected, runAt: expected, createDate: T0, ...job }),
  };
}

export function fireContract(store: CurrentStore): void {
  describe("claimFire", () => {
    it("inserts the job and advances the schedule from expected to next", async () => {
      await store().putSchedule(aSchedule("sched", { nextFireAt: T0 }));
      const job = await store().claimFire(
        aClaim("sched", "job-1", T0, T0 + 5 * MINUTE, { type: "export", data: { a: 1 } }),
      );
      expect(job).toMatchObject({
        id: "job-1",
        type: "export",
        status: "PENDING",
        scheduleId: "sched",
        fireTime: T0,
        runAt: T0,
        data: { a: 1 },
        attempt: 0,
      });
      expect(await store().getJob("job-1")).toEqual(job);
      expect(await store().getSchedule("sched")).toMatchObject({
        nextFireAt: T0 + 5 * MINUTE,
        lastFireAt: T0,
      });
    });

    it("a stale expected returns undefined and changes nothing", async () => {
      await store().putSchedule(aSchedule("sched", { nextFireAt: T0 + 5 * MINUTE }));
      const before = await store().getSchedule("sched");
      expect(await store().claimFire(aClaim("sched", "job-old", T0, T0 + 5 * MINUTE))).toBe(
        undefined,
      );
      expect(
        await store().claimFire(aClaim("sched", "job-ahead", T0 + 10 * MINUTE, T0 + 15 * MINUTE)),
      ).toBeUndefined();
      expect(await store().getJob("job-old")).toBeUndefined();
      expect(await store().getJob("job-ahead")).toBeUndefined();
      expect(await store().findJobs()).toEqual([]);
      expect(await store().getSchedule("sched")).toEqual(before);
    });

    it("a schedule that will not fire again, or does not exist, cannot be claimed", async () => {
      await store().putSchedule(aSchedule("ended", { nextFireAt: null }));
      expect(await store().claimFire(aClaim("ended", "job-1", T0, T0 + MINUTE))).toBeUndefined();
      expect(await store().claimFire(aClaim("ghost", "job-2", T0, T0 + MINUTE))).toBeUndefined();
      expect(await store().findJobs()).toEqual([]);
      expect(await store().getSchedule("ended")).toMatchObject({ nextFireAt: null });
    });

    it("of two concurrent claims of one fire exactly one wins, every time", async () => {
      await store().putSchedule(aSchedule("sched", { nextFireAt: T0 }));
      // Several rounds, so that an interleaving that lets both through has its chances.
      for (let round = 0; round < 10; round++) {
        const fire = T0 + round * MINUTE;
        const results = await Promise.all([
          store().claimFire(aClaim("sched", `node-a-${round}`, fire, fire + MINUTE)),
          store().claimFire(aClaim("sched", `node-b-${round}`, fire, fire + MINUTE)),
        ]);
        const winners = results.filter((job) => job !== undefined);
        expect(winners, `round ${round}`).toHaveLength(1);
        const jobsOfFire = (await store().findJobs({ scheduleId: "sched" })).filter(
          (job) => job.fireTime === fire,
        );
        expect(ids(jobsOfFire)).toEqual(ids(winners));
      }
      expect(await store().findJobs({ scheduleId: "sched" })).toHaveLength(10);
      expect(await store().getSchedule("sched")).toMatchObject({
        nextFireAt: T0 + 10 * MINUTE,
        lastFireAt: T0 + 9 * MINUTE,
      });
    });

    it("a replayed claim of a fire already claimed makes no second job", async () => {
      await store().putSchedule(aSchedule("sched", { nextFireAt: T0 }));
      const first = await store().claimFire(aClaim("sched", "job-1", T0, T0 + MINUTE));
      expect(first).toBeDefined();
      // The schedule is put back on a fire that already has its job (e.g. an edit that
      // recomputed the same next fire), and the claim is made again under another job id.
      await store().putSchedule(aSchedule("sched", { nextFireAt: T0 }));
      await expect(store().claimFire(aClaim("sched", "job-2", T0, T0 + MINUTE))).resolves.toBe(
        undefined,
      );
      expect(await store().getJob("job-2")).toBeUndefined();
      expect(ids(await store().findJobs({ scheduleId: "sched" }))).toEqual(["job-1"]);
      expect(await store().getJob("job-1")).toEqual(first);
    });

    it("a replayed claim still moves the schedule past the fire, so the loop is not stuck on it", async () => {
      await store().putSchedule(aSchedule("sched", { nextFireAt: T0 }));
      await store().claimFire(aClaim("sched", "job-1", T0, T0 + MINUTE));
      await store().putSchedule(aSchedule("sched", { nextFireAt: T0 }));
      await store().claimFire(aClaim("sched", "job-2", T0, T0 + MINUTE));
      expect(await store().dueSchedules(T0, 10)).toEqual([]);
      expect(await store().getSchedule("sched")).toMatchObject({ nextFireAt: T0 + MINUTE });
    });

    it("next: null claims the last fire and ends the schedule", async () => {
      await store().putSchedule(aSchedule("once", { nextFireAt: T0 }));
      const job = await store().claimFire(aClaim("once", "job-last", T0, null));
      expect(job?.id).toBe("job-last");
      expect(await store().getSchedule("once")).toMatchObject({
        nextFireAt: null,
        lastFireAt: T0,
      });
      expect(await store().earliestFire()).toBeNull();
      expect(await store().dueSchedules(T0 + 60 * MINUTE, 10)).toEqual([]);
      expect(await store().claimFire(aClaim("once", "job-again", T0, null))).toBeUndefined();
    });

    it("can insert a CANCELED job for a missed fire, which is never claimed to run", async () => {
      await store().putSchedule(aSchedule("sched", { nextFireAt: T0 }));
      const job = await store().claimFire(
        aClaim("sched", "job-missed", T0, T0 + MINUTE, { status: "CANCELED", reason: "missed" }),
      );
      // Final from the start, so it ended when it was created.
      expect(job).toMatchObject({
        status: "CANCELED",
        reason: "missed",
        fireTime: T0,
        endDate: T0,
        startDate: null,
      });
      expect(await store().getJob("job-missed")).toEqual(job);
      expect(await store().claimJobs("node-a", T0 + 60 * MINUTE, MINUTE, 10)).toEqual([]);
      expect(await store().getSchedule("sched")).toMatchObject({ nextFireAt: T0 + MINUTE });
    });
  });
}
