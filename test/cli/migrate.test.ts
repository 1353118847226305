import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import BetterSqlite3 from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { migrationsFor } from "../../src/store/migrations.js";

let dir: string;

async function run(args: string[], env: Record<string, string> = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  stdout.on("data", (c) => out.push(String(c)));
  stderr.on("data", (c) => err.push(String(c)));
  const code = await main(args, {
    stdin: new PassThrough(),
    stdout,
    stderr,
    env,
    now: () => Date.now(),
  });
  return { code, stdout: out.join(""), stderr: err.join("") };
}

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
    const first = await run(["migrate", "--database", database]);
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(
      `Applied ${names.length} migration${names.length === 1 ? "" : "s"} to ${database}:\n${names.map((n) => `  ${n}\n`).join("")}`,
    );
    const again = await run(["migrate", "--json"], { DATABASE_URL: database });
    expect(JSON.parse(again.stdout)).toEqual({ database, applied: [], version: latest });
  });

  it("refuses a database written by a newer Sundial, changing nothing", async () => {
    const database = join(dir, "sundial.db");
    await run(["migrate", "--database", database]);
    const db = new BetterSqlite3(database);
    db.prepare(
      "INSERT INTO sundial_migrations (version, name, applied_at) VALUES (999999, 'future', 0)",
    ).run();
    db.close();
    const result = await run(["migrate", "--database", database]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^sundial migrate: The database at .* has schema version 999999, newer than this Sundial knows/,
    );
  });

  it("explains its flags, and refuses stray arguments", async () => {
    expect((await run(["migrate", "--help"])).stdout).toMatch(/^Usage: sundial migrate/);
    const stray = await run(["migrate", "now"]);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toContain('unexpected argument "now"');
    expect((await run(["--help"])).stdout).toMatch(
      /^ {2}migrate +Bring the database schema up to date/m,
    );
  });
});
