import { describe, expect, it } from "vitest";
import { AWKWARD_JSON, aSchedule, type CurrentStore, ids, MINUTE, T0 } from "./fixtures.js";

export function scheduleContract(store: CurrentStore): void {
  describe("schedules", () => {
    it("putSchedule inserts a row that getSchedule returns as given", async () => {
      const row = aSchedule("sched-a", {
        config: { trigger: { calendar: "hour=6; dayOfWeek=Mon-Fri" }, context: AWKWARD_JSON },
        lastFireAt: T0 - 5 * MINUTE,
      });
      await store().putSchedule(row);
      expect(await store().getSchedule("sched-a")).toEqual(row);
    });

    it("putSchedule replaces an existing row, keeping when it was created", async () => {
      await store().putSchedule(aSchedule("sched-a", { createdAt: T0 - 2 * MINUTE }));
      const replaced = aSchedule("sched-a", {
        config: { trigger: { once: "2030-02-01T00:00:00Z" } },
        enabled: false,
        nextFireAt: null,
        lastFireAt: T0,
        createdAt: T0 + MINUTE,
        updatedAt: T0 + MINUTE,
      });
      await store().putSchedule(replaced);
      const expected = { ...replaced, createdAt: T0 - 2 * MINUTE };
      expect(await store().getSchedule("sched-a")).toEqual(expected);
      expect(await store().listSchedules()).toEqual([expected]);
    });

    it("getSchedule of an unknown id is undefined", async () => {
      expect(await store().getSchedule("no-such-schedule")).toBeUndefined();
    });

    it("listSchedules orders by id and pages after an id", async () => {
      const all = ["sched-03", "sched-01", "sched-05", "sched-02", "sched-04"];
      for (const id of all) await store().putSchedule(aSchedule(id));
      const sorted = [...all].sort();

      expect(ids(await store().listSchedules())).toEqual(sorted);
      expect(ids(await store().listSchedules({ limit: 2 }))).toEqual(["sched-01", "sched-02"]);
      expect(ids(await store().listSchedules({ afterId: "sched-02", limit: 2 }))).toEqual([
        "sched-03",
        "sched-04",
      ]);
      expect(ids(await store().listSchedules({ afterId: "sched-04", limit: 2 }))).toEqual([
        "sched-05",
      ]);
      expect(await store().listSchedules({ afterId: "sched-05", limit: 2 })).toEqual([]);
      // afterId need not name an existing row: paging resumes after a deleted one.
      expect(ids(await store().listSchedules({ afterId: "sched-025" }))).toEqual(sorted.slice(2));

      const paged: string[] = [];
      for (let afterId: string | undefined, page = 0; page < 10; page++) {
        const rows = await store().listSchedules(
          afterId === undefined ? { limit: 2 } : { afterId, limit: 2 },
        );
        if (rows.length === 0) break;
        paged.push(...ids(rows));
        afterId = rows.at(-1)?.id;
      }
      expect(paged).toEqual(sorted);
    });

    it("listSchedules of an empty store is empty", async () => {
      expect(await store().listSchedules()).toEqual([]);
    });

    it("deleteSchedule removes the row and says whether there was one", async () => {
      await store().putSchedule(aSchedule("sched-a"));
      await store().putSchedule(aSchedule("sched-b"));
      expect(await store().deleteSchedule("sched-a")).toBe(true);
      expect(await store().getSchedule("sched-a")).toBeUndefined();
      expect(await store().deleteSchedule("sched-a")).toBe(false);
      expect(await store().deleteSchedule("never-there")).toBe(false);
      expect(ids(await store().listSchedules())).toEqual(["sched-b"]);
    });

    it("earliestFire is null with no schedules, or none that will fire", async () => {
      expect(await store().earliestFire()).toBeNull();
      await store().putSchedule(aSchedule("ended", { nextFireAt: null }));
      await store().putSchedule(aSchedule("disabled", { enabled: false, nextFireAt: T0 }));
      expect(await store().earliestFire()).toBeNull();
    });

    it("earliestFire is the smallest nextFireAt among enabled schedules only", async () => {
      await store().putSchedule(aSchedule("later", { nextFireAt: T0 + 10 * MINUTE }));
      await store().putSchedule(aSchedule("soonest", { nextFireAt: T0 + 2 * MINUTE }));
      await store().putSchedule(aSchedule("ended", { nextFireAt: null }));
      await store().putSchedule(aSchedule("disabled", { enabled: false, nextFireAt: T0 }));
      expect(await store().earliestFire()).toBe(T0 + 2 * MINUTE);

      // An overdue fire (the scheduler was down) is still the earliest.
      await store().putSchedule(aSchedule("overdue", { nextFireAt: T0 - 60 * MINUTE }));
      expect(await store().earliestFire()).toBe(T0 - 60 * MINUTE);
    });

    it("dueSchedules returns enabled schedules due at now, earliest first, up to limit", async () => {
      await store().putSchedule(aSchedule("due-2", { nextFireAt: T0 - 2 * MINUTE }));
      await store().putSchedule(aSchedule("due-at-now", { nextFireAt: T0 }));
      await store().putSchedule(aSchedule("due-1", { nextFireAt: T0 - 3 * MINUTE }));
      await store().putSchedule(aSchedule("due-3", { nextFireAt: T0 - MINUTE }));
      await store().putSchedule(aSchedule("future", { nextFireAt: T0 + 1 }));
      await store().putSchedule(aSchedule("ended", { nextFireAt: null }));
      await store().putSchedule(
        aSchedule("disabled", { enabled: false, nextFireAt: T0 - 9 * MINUTE }),
      );

      const due = await store().dueSchedules(T0, 10);
      expect(ids(due)).toEqual(["due-1", "due-2", "due-3", "due-at-now"]);
      expect(due[0]).toEqual(await store().getSchedule("due-1"));
      expect(ids(await store().dueSchedules(T0, 2))).toEqual(["due-1", "due-2"]);
      expect(await store().dueSchedules(T0 - 4 * MINUTE, 10)).toEqual([]);
    });
  });
}
