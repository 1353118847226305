import { describe, expect, it } from "vitest";
import type { FirePlan, ScheduleRow } from "../../../src/store/store.js";
import { aJob, aSchedule, type CurrentStore, MINUTE, T0 } from "./fixtures.js";

/** A plan that fires every due schedule once, moving it on a minute. */
const fireAll =
  (prefix: string) =>
  (s: ScheduleRow): FirePlan => ({
    kind: "fire",
    next: (s.nextFireAt as number) + MINUTE,
    job: aJob(`${prefix}-${s.id}-${s.nextFireAt}`, { createDate: T0 }),
  });

export function dueFiresContract(store: CurrentStore): void {
  describe("firingPaused", () => {
    it("starts unpaused, and keeps what was last set, for every node", async () => {
      expect(await store().firingPaused()).toBe(false);
      await store().setFiringPaused(true, "node-a", T0);
      expect(await store().firingPaused()).toBe(true);
      await store().setFiringPaused(false, "node-b", T0 + 1);
      expect(await store().firingPaused()).toBe(false);
    });
  });

  describe("claimDueFires", () => {
    it("fires due enabled schedules, earliest first, up to the limit, moving each on", async () => {
      await store().putSchedule(aSchedule("late", { nextFireAt: T0 - MINUTE }));
      await store().putSchedule(aSchedule("due", { nextFireAt: T0 }));
      await store().putSchedule(aSchedule("future", { nextFireAt: T0 + MINUTE }));
      await store().putSchedule(aSchedule("off", { nextFireAt: T0 - MINUTE, enabled: false }));
      const seen: string[] = [];
      const claimed = await store().claimDueFires(T0, 1, (s) => {
        seen.push(s.id);
        return fireAll("a")(s);
      });
      expect(seen).toEqual(["late"]);
      expect(claimed.examined).toBe(1);
      expect(claimed.jobs.map((j) => [j.id, j.scheduleId, j.fireTime])).toEqual([
        [`a-late-${T0 - MINUTE}`, "late", T0 - MINUTE],
      ]);
      expect(await store().getSchedule("late")).toMatchObject({
        nextFireAt: T0,
        lastFireAt: T0 - MINUTE,
      });
      const rest = await store().claimDueFires(T0, 10, fireAll("b"));
      expect(rest.jobs.map((j) => j.scheduleId)).toEqual(["due", "late"]);
      expect(rest.examined).toBe(2);
    });

    it("records the claiming node on each job, and claims hundreds of fires in one call", async () => {
      const many = Array.from({ length: 700 }, (_, i) => `s${String(i).padStart(3, "0")}`);
      for (const id of many) await store().putSchedule(aSchedule(id, { nextFireAt: T0 }));
      const plan = (s: ScheduleRow): FirePlan => ({
        kind: "fire",
        next: T0 + MINUTE,
        job: aJob(`n1-${s.id}`, { createDate: T0, firedBy: "node-1" }),
      });
      const first = await store().claimDueFires(T0, 600, plan);
      const second = await store().claimDueFires(T0, 600, plan);
      expect(first.jobs).toHaveLength(600);
      expect(second.jobs).toHaveLength(100);
      expect([...first.jobs, ...second.jobs].map((j) => j.scheduleId)).toEqual(many);
      expect(first.jobs.every((j) => j.firedBy === "node-1" && j.fireTime === T0)).toBe(true);
      expect(await store().getJob("n1-s042")).toMatchObject({ firedBy: "node-1" });
      expect(await store().getSchedule("s699")).toMatchObject({
        nextFireAt: T0 + MINUTE,
        lastFireAt: T0,
      });
      expect((await store().claimDueFires(T0, 600, plan)).jobs).toEqual([]);
    });

    it("tells the plan whether the schedule has an active job, and leaves waiting schedules alone", async () => {
      await store().putSchedule(aSchedule("busy", { nextFireAt: T0 }));
      await store().putSchedule(aSchedule("idle", { nextFireAt: T0 }));
      await store().insertJob(aJob("running", { scheduleId: "busy", fireTime: T0 - MINUTE }));
      await store().insertJob(
        aJob("old", { scheduleId: "idle", fireTime: T0 - 2 * MINUTE, status: "CANCELED" }),
      );
      const busy = new Map<string, boolean>();
      const claimed = await store().claimDueFires(T0, 10, (s, isBusy) => {
        busy.set(s.id, isBusy);
        return isBusy ? { kind: "wait" } : fireAll("c")(s);
      });
      expect(Object.fromEntries(busy)).toEqual({ busy: true, idle: false });
      expect(claimed.waiting.map((s) => s.id)).toEqual(["busy"]);
      expect(claimed.jobs.map((j) => j.scheduleId)).toEqual(["idle"]);
      expect(await store().getSchedule("busy")).toMatchObject({ nextFireAt: T0, lastFireAt: null });
    });

    it("can end a schedule, and records a missed fire as a CANCELED job", async () => {
      await store().putSchedule(aSchedule("last", { nextFireAt: T0 }));
      const claimed = await store().claimDueFires(T0, 10, () => ({
        kind: "fire",
        next: null,
        job: aJob("missed-1", { status: "CANCELED", reason: "missed" }),
      }));
      expect(claimed.jobs[0]).toMatchObject({ status: "CANCELED", reason: "missed", endDate: T0 });
      expect(await store().getSchedule("last")).toMatchObject({ nextFireAt: null });
      expect(await store().earliestFire()).toBeNull();
    });

    it("makes exactly one job per fire when claimers race", async () => {
      for (let i = 0; i < 40; i++)
        await store().putSchedule(aSchedule(`s${String(i).padStart(2, "0")}`, { nextFireAt: T0 }));
      const results = await Promise.all(
        ["p", "q", "r", "s"].map((prefix) => store().claimDueFires(T0, 15, fireAll(prefix))),
      );
      const jobs = results.flatMap((r) => r.jobs);
      expect(jobs).toHaveLength(40);
      expect(new Set(jobs.map((j) => j.scheduleId)).size).toBe(40);
      expect((await store().findJobs({ size: 1000 })).length).toBe(40);
    });

    it("counts a fire that already had its job as contended, and moves the schedule on", async () => {
      await store().putSchedule(aSchedule("replayed", { nextFireAt: T0 }));
      await store().putSchedule(aSchedule("fresh", { nextFireAt: T0 }));
      // A job for this fire exists already: a claim that crashed after inserting it, say.
      await store().insertJob(aJob("earlier", { scheduleId: "replayed", fireTime: T0 }));
      const claimed = await store().claimDueFires(T0, 10, fireAll("t"));
      expect(claimed.jobs.map((j) => j.scheduleId)).toEqual(["fresh"]);
      expect(claimed.contended).toBe(1);
      expect(await store().getSchedule("replayed")).toMatchObject({ nextFireAt: T0 + MINUTE });
      expect((await store().claimDueFires(T0, 10, fireAll("u"))).contended).toBe(0);
    });
  });
}
