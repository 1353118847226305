import pg from "pg";
import { afterAll, beforeAll, describe } from "vitest";
import { openStore } from "../../src/store/open-store.js";
import { freshSchemaName, postgresAvailable, TEST_DATABASE_URL } from "../helpers/postgres.js";
import { authServiceSuite } from "./service-suite.js";

const available = await postgresAvailable("the auth service tests");

describe.runIf(available)("PostgreSQL", () => {
  let admin: pg.Pool;
  const schemas: string[] = [];

  beforeAll(() => {
    admin = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
  });
  afterAll(async () => {
    await admin.end();
  });

  authServiceSuite(
    "PostgreSQL",
    () => {
      const schema = freshSchemaName("sundial_auth");
      schemas.push(schema);
      return openStore({ database: TEST_DATABASE_URL, schema });
    },
    async () => {
      for (const schema of schemas.splice(0)) {
        await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      }
    },
  );
});
