import { sql } from "kysely";
import pg from "pg";
import { afterAll } from "vitest";
import { openStore } from "../../src/store/open-store.js";
import { freshSchemaName, postgresAvailable, TEST_DATABASE_URL } from "../helpers/postgres.js";
import { poolLifecycle } from "./pool-lifecycle.js";

const available = await postgresAvailable("the worker pool tests");

if (available) {
  const admin = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
  const schemas: string[] = [];
  afterAll(async () => {
    await dropSchemas();
    await admin.end();
  });

  async function dropSchemas(): Promise<void> {
    for (const schema of schemas.splice(0)) {
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    }
  }

  poolLifecycle({
    name: "PostgreSQL",
    fresh: async () => {
      const schema = freshSchemaName("sundial_jobs");
      schemas.push(schema);
      await (await openStore({ database: TEST_DATABASE_URL, schema })).close();
      return () => openStore({ database: TEST_DATABASE_URL, schema });
    },
    cleanup: dropSchemas,
    checksProcessTimers: false,
    async refusePoisonedResults(store) {
      await sql`CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.results ? 'poison' THEN RAISE EXCEPTION 'no poison here'; END IF;
          RETURN NEW;
        END $$`.execute(store.db);
      await sql`CREATE TRIGGER refuse_poison BEFORE UPDATE ON jobs
        FOR EACH ROW EXECUTE FUNCTION refuse_poison()`.execute(store.db);
    },
  });
}
