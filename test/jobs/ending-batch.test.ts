import { sql } from "kysely";
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

  it("writes a batch the database refuses again in halves, so only the refused ending fails", async () => {
    const { store, slowed, log, release } = await slowStore();
    try {
      await sql`CREATE TRIGGER refuse_poison BEFORE UPDATE ON jobs
        WHEN json_extract(NEW.results, '$.poison') IS NOT NULL
        BEGIN SELECT RAISE(ABORT, 'no poison here'); END`.execute(store.db);
      const ids = ["job-a", "job-b", "job-c", "job-d", "job-e"];
      const held = await running(store, "n1", T0, 30_000, ...ids.map((id) => aJob(id)));
      const batch = new EndingBatch(slowed, "n1");
      const endings = held.map((row) =>
        batch.finish(row!, {
          status: "FINISHED",
          at: T0 + 1,
          results: row!.id === "job-d" ? { poison: true } : { ok: row!.id },
        }),
      );
      const settled = Promise.allSettled(endings);
      for (let i = 0; i < 8; i++) {
        await new Promise((resolve) => setImmediate(resolve));
        release();
      }
      const outcomes = await settled;
      expect(
        outcomes.map((o) => (o.status === "fulfilled" ? o.value?.results : "refused")),
      ).toEqual([{ ok: "job-a" }, { ok: "job-b" }, { ok: "job-c" }, "refused", { ok: "job-e" }]);
      expect((outcomes[3] as PromiseRejectedResult).reason).toMatchObject({
        code: "SQLITE_CONSTRAINT_TRIGGER",
      });
      expect(log.filter((line) => line.startsWith("write"))).toEqual([
        "write job-a,job-b,job-c,job-d,job-e",
        "write job-a,job-b,job-c",
        "write job-d,job-e",
        "write job-d",
        "write job-e",
      ]);
    } finally {
      await store.close();
    }
  });

  it("fails the whole batch, in one statement, when the database is away", async () => {
    const store = await openSqliteStore();
    const [a, b] = await running(store, "n1", T0, 30_000, aJob("job-a"), aJob("job-b"));
    let statements = 0;
    const counted: Store = Object.create(store);
    counted.finishJobs = (node: string, endings: readonly JobEnding[]) => {
      statements++;
      return store.finishJobs(node, endings);
    };
    await store.close();
    const batch = new EndingBatch(counted, "n1");
    const outcomes = await Promise.allSettled([
      batch.finish(a!, { status: "FINISHED", at: T0 + 1 }),
      batch.finish(b!, { status: "FINISHED", at: T0 + 1 }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(["rejected", "rejected"]);
    expect(statements).toBe(1);
  });
});
