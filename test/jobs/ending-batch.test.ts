import { afterEach, describe, expect, it } from "vitest";
import { EndingBatch } from "../../src/jobs/ending-batch.js";
import type { JobEnding, Store } from "../../src/store/store.js";
import { aJob, running, T0 } from "../store/conformance/fixtures.js";
import { deferred, openSqliteStore, removeSqliteFiles } from "./helpers.js";

afterEach(removeSqliteFiles);

/**
 * A real store whose ending writes wait for `release` before they go to the database, and
 * a log of when each write and each piece of exclusive work began and ended.
 */
async function slowStore() {
  const store = await openSqliteStore();
  const log: string[] = [];
  let gate = deferred();
  const slowed: Store = Object.create(store);
  slowed.finishJobs = async (node: string, endings: readonly JobEnding[]) => {
    log.push(`write ${endings.map((e) => e.id).join(",")}`);
    await gate.promise;
    const rows = await store.finishJobs(node, endings);
    log.push("written");
    return rows;
  };
  const release = () => {
    gate.resolve();
    gate = deferred();
  };
  return { store, slowed, log, release };
}

describe("EndingBatch", () => {
  it("runs exclusive work between batches, never beside one, and the endings asked for meanwhile after it", async () => {
    const { store, slowed, log, release } = await slowStore();
    try {
      const [a, b, c] = await running(
        store,
        "n1",
        T0,
        30_000,
        aJob("job-a"),
        aJob("job-b"),
        aJob("job-c"),
      );
      const batch = new EndingBatch(slowed, "n1");
      const ended = { status: "FINISHED", at: T0 + 1 } as const;

      const first = batch.finish(a!, ended);
      await new Promise((resolve) => setImmediate(resolve));
      expect(log).toEqual(["write job-a"]);

      // Asked for while job-a's batch is being written: it waits for it.
      const renewal = batch.exclusive(async () => {
        log.push("renew");
        await store.renewLeases("n1", T0 + 60_000);
        log.push("renewed");
        return "done";
      });
      await new Promise((resolve) => setImmediate(resolve));
      expect(log).toEqual(["write job-a"]);
      // And endings asked for meanwhile wait for the renewal, then go together.
      const second = batch.finish(b!, ended);
      const third = batch.finish(c!, ended);

      release();
      expect((await first)?.status).toBe("FINISHED");
      expect(await renewal).toBe("done");
      await new Promise((resolve) => setImmediate(resolve));
      release();
      expect((await second)?.status).toBe("FINISHED");
      expect((await third)?.status).toBe("FINISHED");
      expect(log).toEqual([
        "write job-a",
        "written",
        "renew",
        "renewed",
        "write job-b,job-c",
        "written",
      ]);
    } finally {
      await store.close();
    }
  });

  it("a failed exclusive work rejects its caller and holds back no ending", async () => {
    const { store, slowed, log, release } = await slowStore();
    try {
      const [a] = await running(store, "n1", T0, 30_000, aJob("job-a"));
      const batch = new EndingBatch(slowed, "n1");
      await expect(
        batch.exclusive(async () => {
          throw new Error("database away");
        }),
      ).rejects.toThrow("database away");
      const ending = batch.finish(a!, { status: "FINISHED", at: T0 + 1 });
      await new Promise((resolve) => setImmediate(resolve));
      release();
      expect((await ending)?.status).toBe("FINISHED");
      expect(log).toEqual(["write job-a", "written"]);
    } finally {
      await store.close();
    }
  });
});
