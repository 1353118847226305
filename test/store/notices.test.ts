import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open-store.js";
import { freshSchemaName, postgresAvailable, TEST_DATABASE_URL } from "../helpers/postgres.js";
import { waitFor } from "../helpers/wait-for.js";

describe("notices on SQLite", () => {
  it("are a no-op: one process already knows", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sundial-notices-"));
    const store = await openStore({ database: join(dir, "s.db") });
    const heard: string[] = [];
    const stop = await store.listen((topic) => heard.push(topic));
    store.notify("jobs", "a");
    await stop();
    await store.close();
    await rm(dir, { recursive: true, force: true });
    expect(heard).toEqual([]);
  });
});

const available = await postgresAvailable("the notice tests");

describe.runIf(available)("notices on PostgreSQL", () => {
  const schemas: string[] = [];
  afterAll(async () => {
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  it("carry a topic and its sender to every listener of the same schema, and no other", async () => {
    const schema = freshSchemaName();
    const other = freshSchemaName();
    schemas.push(schema, other);
    const a = await openStore({ database: TEST_DATABASE_URL, schema });
    const b = await openStore({ database: TEST_DATABASE_URL, schema });
    const c = await openStore({ database: TEST_DATABASE_URL, schema: other });
    const heardA: string[] = [];
    const heardC: string[] = [];
    const stopA = await a.listen((topic, sender) => heardA.push(`${topic}/${sender}`));
    const stopC = await c.listen((topic, sender) => heardC.push(`${topic}/${sender}`));
    // Notices sent in the same moment go out as one per topic.
    b.notify("jobs", "node-b");
    b.notify("jobs", "node-b");
    b.notify("schedules", "node-b");
    await waitFor("both notices", () => (heardA.length >= 2 ? true : undefined));
    expect(heardA.sort()).toEqual(["jobs/node-b", "schedules/node-b"]);
    await stopA();
    await stopC();
    await Promise.all([a.close(), b.close(), c.close()]);
    expect(heardC).toEqual([]);
  });
});
