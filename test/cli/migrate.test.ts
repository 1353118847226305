import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { migrationsFor } from "../../src/store/migrations.js";
import { runMain } from "../helpers/cli.js";

let dir: string;

const names = migrationsFor("sqlite").map((m) => `${String(m.version).padStart(6, "0")}-${m.name}`);
const latest = migrationsFor("sqlite").at(-1)?.version;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "sundial-migrate-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("sundial migrate", () => {
  it("applies every migration once, then says the database is up to date", async () => {
    const database = join(dir, "data", "sundial.db");
    const first = await runMain(["migrate", "--database", database]);
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(
      `Applied ${names.length} migration${names.length === 1 ? "" : "s"} to ${database}:\n${names.map((n) => `  ${n}\n`).join("")}`,
    );
    const again = await runMain(["migrate", "--json"], { DATABASE_URL: database });
    expect(JSON.parse(again.stdout)).toEqual({ database, applied: [], version: latest });
  });

  it("refuses a database written by a newer Sundial, changing nothing", async () => {
    const database = join(dir, "sundial.db");
    await runMain(["migrate", "--database", database]);
    const db = new BetterSqlite3(database);
    db.prepare(
      "INSERT INTO sundial_migrations (version, name, applied_at) VALUES (999999, 'future', 0)",
    ).run();
    db.close();
    const result = await runMain(["migrate", "--database", database]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^sundial migrate: The database at .* has schema version 999999, newer than this Sundial knows/,
    );
  });

  it("explains its flags, and refuses stray arguments", async () => {
    expect((await runMain(["migrate", "--help"])).stdout).toMatch(/^Usage: sundial migrate/);
    const stray = await runMain(["migrate", "now"]);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toContain('unexpected argument "now"');
    expect((await runMain(["--help"])).stdout).toMatch(
      /^ {2}migrate +Bring the database schema up to date/m,
    );
  });
});
