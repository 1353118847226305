/**
 * statementRefused tells apart, by the errors the drivers really raise, a statement the
 * database refuses (sent again, it fails again) from a failure of the moment.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { isUniqueViolation, statementRefused } from "../../src/store/database-errors.js";
import { postgresAvailable, TEST_DATABASE_URL } from "../helpers/postgres.js";

/** What `work` threw; fails the test if it threw nothing. */
async function thrown(work: () => unknown): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}

describe("statementRefused on SQLite", async () => {
  const dir = await mkdtemp(join(tmpdir(), "sundial-errors-"));
  const file = join(dir, "errors.db");
  const db = new Database(file);
  db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT CHECK (v <> 'bad'))");
  db.prepare("INSERT INTO t VALUES (1, 'ok')").run();
  afterAll(async () => {
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("is true for malformed JSON, a constraint and a trigger's refusal", async () => {
    const json = await thrown(() => db.prepare("SELECT json('{')").get());
    const check = await thrown(() => db.prepare("INSERT INTO t VALUES (2, 'bad')").run());
    const unique = await thrown(() => db.prepare("INSERT INTO t VALUES (1, 'ok')").run());
    db.exec(`CREATE TRIGGER refuse BEFORE UPDATE ON t BEGIN SELECT RAISE(ABORT, 'no'); END`);
    const trigger = await thrown(() => db.prepare("UPDATE t SET v = 'x'").run());
    for (const error of [json, check, unique, trigger]) expect(statementRefused(error)).toBe(true);
    expect([isUniqueViolation(unique), isUniqueViolation(check)]).toEqual([true, false]);
  });

  it("is false while another connection holds the write lock, and for a closed one", async () => {
    const other = new Database(file, { timeout: 0 });
    db.exec("BEGIN IMMEDIATE");
    try {
      const busy = await thrown(() => other.prepare("INSERT INTO t VALUES (3, 'ok')").run());
      expect(busy).toMatchObject({ code: "SQLITE_BUSY" });
      expect(statementRefused(busy)).toBe(false);
    } finally {
      db.exec("ROLLBACK");
      other.close();
    }
    const closed = new Database(":memory:");
    closed.close();
    expect(statementRefused(await thrown(() => closed.prepare("SELECT 1")))).toBe(false);
  });
});

const available = await postgresAvailable("the database error tests");

describe.runIf(available)("statementRefused on PostgreSQL", () => {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  afterAll(() => client.end());

  it("is true for bad input, a unique key and a raised exception", async () => {
    await client.connect();
    const cast = await thrown(() => client.query("SELECT 'x'::int"));
    const json = await thrown(() => client.query(`SELECT '"\\ud800"'::jsonb`));
    const raised = await thrown(() => client.query("DO $$ BEGIN RAISE EXCEPTION 'no'; END $$"));
    await client.query("CREATE TEMPORARY TABLE t (id int PRIMARY KEY)");
    await client.query("INSERT INTO t VALUES (1)");
    const unique = await thrown(() => client.query("INSERT INTO t VALUES (1)"));
    for (const error of [cast, json, raised, unique]) expect(statementRefused(error)).toBe(true);
    expect(isUniqueViolation(unique)).toBe(true);
  });

  it("is false for a statement timeout and an unreachable server", async () => {
    await client.query("SET statement_timeout = 10");
    const timeout = await thrown(() => client.query("SELECT pg_sleep(1)"));
    await client.query("RESET statement_timeout");
    expect(timeout).toMatchObject({ code: "57014" });
    const away = new pg.Client({ host: "127.0.0.1", port: 1, user: "postgres" });
    const refused = await thrown(() => away.connect());
    for (const error of [timeout, refused]) expect(statementRefused(error)).toBe(false);
  });
});
