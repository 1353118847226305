import { readdir } from "node:fs/promises";
import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SundialError } from "../../src/errors.js";
import { openStore } from "../../src/store/open-store.js";
import type { Store } from "../../src/store/store.js";
import { freshSchemaName, postgresAvailable, TEST_DATABASE_URL } from "../helpers/postgres.js";
import { waitFor } from "../helpers/wait-for.js";
import { aJob, aSchedule, refusal } from "./conformance/fixtures.js";
import { storeConformance } from "./conformance.js";

const available = await postgresAvailable("the store tests");

describe.runIf(available)("PostgreSQL", () => {
  let admin: pg.Pool;
  const schemas: string[] = [];

  /** A schema name no other test uses; it is dropped after the test. */
  function freshSchema(): string {
    const schema = freshSchemaName();
    schemas.push(schema);
    return schema;
  }

  async function dropSchemas(): Promise<void> {
    for (const schema of schemas.splice(0)) {
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    }
  }

  async function ledger(schema: string): Promise<{ version: number; name: string }[]> {
    const result = await admin.query<{ version: number; name: string }>(
      `SELECT version, name FROM "${schema}".sundial_migrations ORDER BY version`,
    );
    return result.rows;
  }

  async function shippedVersions(): Promise<number[]> {
    const dir = new URL("../../src/store/migrations/postgres/", import.meta.url);
    return (await readdir(dir))
      .filter((file) => /^\d{6}-.*\.sql$/.test(file))
      .map((file) => Number(file.slice(0, 6)))
      .sort((a, b) => a - b);
  }

  beforeAll(() => {
    admin = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 2 });
  });
  afterAll(async () => {
    await dropSchemas();
    await admin.end();
  });

  storeConformance(
    "PostgreSQL",
    () => openStore({ database: TEST_DATABASE_URL, schema: freshSchema() }),
    dropSchemas,
  );

  describe("the PostgreSQL store", () => {
    it("outlives an idle connection that the server drops, and carries on", async () => {
      const store = await openStore({ database: TEST_DATABASE_URL, schema: freshSchema() });
      const warnings: string[] = [];
      const onWarning = (warning: Error) => warnings.push(warning.message);
      process.on("warning", onWarning);
      try {
        const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(
          store.db,
        );
        const pid = rows[0]?.pid;
        await admin.query("SELECT pg_terminate_backend($1)", [pid]);
        // Unheard, the pool's error event would have ended this process by now.
        await waitFor("the pool's warning", () =>
          warnings.find((w) => w.includes("idle PostgreSQL connection")),
        );
        expect(await store.now()).toBeGreaterThan(0);
      } finally {
        process.off("warning", onWarning);
        await store.close();
      }
    });

    it("names its database without the password", async () => {
      const url = new URL(TEST_DATABASE_URL);
      // Trust authentication (the test server's) ignores a password it didn't ask for.
      if (url.password === "") url.password = "not-to-be-shown";
      const store = await openStore({ database: url.toString(), schema: freshSchema() });
      try {
        expect(store.dialect).toBe("postgres");
        expect(store.location).not.toContain(url.password);
        expect(store.location).toContain(url.hostname);
      } finally {
        await store.close();
        await dropSchemas();
      }
    });

    it("two stores opening one empty schema at once both migrate, each migration once", async () => {
      const schema = freshSchema();
      const stores: Store[] = [];
      try {
        const opened = await Promise.allSettled([
          openStore({ database: TEST_DATABASE_URL, schema }),
          openStore({ database: TEST_DATABASE_URL, schema }),
        ]);
        for (const result of opened) if (result.status === "fulfilled") stores.push(result.value);
        expect(opened.map((result) => result.status)).toEqual(["fulfilled", "fulfilled"]);

        const versions = (await ledger(schema)).map((row) => row.version);
        expect(versions).toEqual(await shippedVersions());

        // Both work on the same tables.
        const [one, two] = stores as [Store, Store];
        await one.putSchedule(aSchedule("shared"));
        expect(await two.getSchedule("shared")).toEqual(aSchedule("shared"));
      } finally {
        await Promise.all(stores.map((store) => store.close()));
        await dropSchemas();
      }
    });

    it("reopening a schema keeps its data and applies no migration twice", async () => {
      const schema = freshSchema();
      try {
        const first = await openStore({ database: TEST_DATABASE_URL, schema });
        await first.insertJob(aJob("job-1", { data: { kept: true } }));
        await first.close();
        const before = await ledger(schema);
        const again = await openStore({ database: TEST_DATABASE_URL, schema });
        try {
          expect(await again.getJob("job-1")).toMatchObject({ data: { kept: true } });
        } finally {
          await again.close();
        }
        expect(await ledger(schema)).toEqual(before);
      } finally {
        await dropSchemas();
      }
    });

    /** A migrated schema whose ledger also names a version from a future Sundial. */
    async function futureSchema(): Promise<string> {
      const schema = freshSchema();
      await (await openStore({ database: TEST_DATABASE_URL, schema })).close();
      await admin.query(
        `INSERT INTO "${schema}".sundial_migrations (version, name, applied_at) VALUES (999999, 'future', $1)`,
        [Date.now()],
      );
      return schema;
    }

    it("refuses a schema newer than this code, changing nothing", async () => {
      try {
        const schema = await futureSchema();
        const before = await ledger(schema);
        const error = await refusal(openStore({ database: TEST_DATABASE_URL, schema }));
        expect(error).toBeInstanceOf(SundialError);
        expect(error).toMatchObject({
          code: "schemaTooNew",
          message: expect.stringMatching(/999999[\s\S]*upgrade sundial/i),
        });
        expect(await ledger(schema)).toEqual(before);
      } finally {
        await dropSchemas();
      }
    });

    it("refuses a newer schema even when not migrating", async () => {
      try {
        // An older node started with migrate: false after a newer release migrated.
        const schema = await futureSchema();
        expect(
          await refusal(openStore({ database: TEST_DATABASE_URL, schema, migrate: false })),
        ).toMatchObject({
          code: "schemaTooNew",
        });
      } finally {
        await dropSchemas();
      }
    });
  });
});
