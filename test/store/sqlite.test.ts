import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { SundialError } from "../../src/errors.js";
import { openStore, sqliteIsRecentEnough } from "../../src/store/open-store.js";
import { aJob, aSchedule, refusal } from "./conformance/fixtures.js";
import { storeConformance } from "./conformance.js";

const dirs: string[] = [];

/** A path for a database file that doesn't exist yet, in a temp folder removed after the test. */
async function freshFile(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "sundial-store-"));
  dirs.push(dir);
  return join(dir, "sundial.db");
}

async function removeFiles(): Promise<void> {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

interface LedgerRow {
  version: number;
  name: string;
  applied_at: number;
}

/** The migration ledger, read with better-sqlite3 directly rather than through the store. */
function ledger(file: string): LedgerRow[] {
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    return db
      .prepare("SELECT version, name, applied_at FROM sundial_migrations ORDER BY version")
      .all() as LedgerRow[];
  } finally {
    db.close();
  }
}

async function shippedVersions(): Promise<number[]> {
  const dir = new URL("../../src/store/migrations/sqlite/", import.meta.url);
  return (await readdir(dir))
    .filter((file) => /^\d{6}-.*\.sql$/.test(file))
    .map((file) => Number(file.slice(0, 6)))
    .sort((a, b) => a - b);
}

storeConformance("SQLite", async () => openStore({ database: await freshFile() }), removeFiles);

describe("the SQLite store", () => {
  afterEach(removeFiles);

  it("creates the file in WAL mode and names it as its location", async () => {
    const file = await freshFile();
    const store = await openStore({ database: file });
    expect(store.dialect).toBe("sqlite");
    expect(store.location).toContain(file);
    await store.putSchedule(aSchedule("sched"));
    await store.close();

    const db = new BetterSqlite3(file);
    try {
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    } finally {
      db.close();
    }
  });

  it("reopening a file keeps its data and applies no migration twice", async () => {
    const file = await freshFile();
    const first = await openStore({ database: file });
    await first.putSchedule(aSchedule("sched"));
    await first.insertJob(aJob("job-1", { data: { kept: true } }));
    await first.appendLogs([{ jobId: "job-1", at: 1, level: "INFO", message: "kept" }]);
    await first.close();
    const afterFirst = ledger(file);
    expect(afterFirst.map((row) => row.version)).toEqual(await shippedVersions());

    for (let reopen = 0; reopen < 2; reopen++) {
      const again = await openStore({ database: file });
      try {
        expect(await again.getSchedule("sched")).toEqual(aSchedule("sched"));
        expect(await again.getJob("job-1")).toMatchObject({ data: { kept: true } });
        expect((await again.findLogs("job-1")).map((row) => row.message)).toEqual(["kept"]);
      } finally {
        await again.close();
      }
      // The same rows, applied_at included: nothing was re-run or re-recorded.
      expect(ledger(file)).toEqual(afterFirst);
    }
  });

  it("opens an in-memory database", async () => {
    const store = await openStore({ database: ":memory:" });
    try {
      await store.insertJob(aJob("job-1"));
      expect(await store.getJob("job-1")).toMatchObject({ status: "PENDING" });
    } finally {
      await store.close();
    }
  });

  it("needs SQLite 3.45 (binary JSON), which the bundled library is", () => {
    const bundled = (
      new BetterSqlite3(":memory:").prepare("SELECT sqlite_version() AS v").get() as { v: string }
    ).v;
    expect(sqliteIsRecentEnough(bundled)).toBe(true);
    expect(["3.45.0", "3.45.1", "3.53.2", "4.0.0"].map(sqliteIsRecentEnough)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(["3.44.2", "3.8.11", "2.99.99"].map(sqliteIsRecentEnough)).toEqual([
      false,
      false,
      false,
    ]);
  });

  /** A migrated database file whose ledger also names a version from a future Sundial. */
  async function futureFile(): Promise<string> {
    const file = await freshFile();
    await (await openStore({ database: file })).close();
    const db = new BetterSqlite3(file);
    try {
      db.prepare(
        "INSERT INTO sundial_migrations (version, name, applied_at) VALUES (999999, 'future', ?)",
      ).run(Date.now());
    } finally {
      db.close();
    }
    return file;
  }

  it("refuses a database whose schema is newer than this code, changing nothing", async () => {
    const file = await futureFile();
    const before = ledger(file);
    const error = await refusal(openStore({ database: file }));
    expect(error).toBeInstanceOf(SundialError);
    expect(error).toMatchObject({
      code: "schemaTooNew",
      message: expect.stringMatching(/999999[\s\S]*upgrade sundial/i),
    });
    expect(ledger(file)).toEqual(before);
  });

  it("refuses a newer schema even when not migrating", async () => {
    // An older node started with migrate: false after a newer release migrated the file.
    const file = await futureFile();
    expect(await refusal(openStore({ database: file, migrate: false }))).toMatchObject({
      code: "schemaTooNew",
    });
  });
});
