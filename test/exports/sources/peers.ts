/**
 * The databases the SQL source and connection tests use, as connection settings: the
 * PostgreSQL of test/helpers/postgres.ts, and MariaDB under the same rule (outside CI a
 * missing server skips with a loud banner; under CI=true it fails, so a green CI run
 * always exercised the real database).
 */
import mysql from "mysql2/promise";
import { describe, it } from "vitest";
import { TEST_DATABASE_URL } from "../../helpers/postgres.js";

/** The test PostgreSQL's URL as a connection's settings. */
export function postgresSettings() {
  const url = new URL(TEST_DATABASE_URL);
  return {
    host: url.hostname,
    port: Number(url.port || 5432),
    database: decodeURIComponent(url.pathname.slice(1)),
    username: decodeURIComponent(url.username),
    ...(url.password === "" ? {} : { password: decodeURIComponent(url.password) }),
  };
}

/** root with an empty password, database `test`, on loopback. */
export const MARIADB = {
  host: process.env.TEST_MARIADB_HOST ?? "127.0.0.1",
  port: Number(process.env.TEST_MARIADB_PORT ?? 3306),
  username: process.env.TEST_MARIADB_USER ?? "root",
  password: process.env.TEST_MARIADB_PASSWORD ?? "",
  database: process.env.TEST_MARIADB_DATABASE ?? "test",
} as const;

/** A connection for the test's own setup and checks (mysql2's promise API). */
export function mariadbClient(): Promise<mysql.Connection> {
  const { host, port, username, password, database } = MARIADB;
  return mysql.createConnection({ host, port, user: username, password, database });
}

/** Why MariaDB can't be used, or undefined when it can. */
async function unreachable(): Promise<string | undefined> {
  try {
    const client = await mariadbClient();
    try {
      await client.query("SELECT 1");
      return undefined;
    } finally {
      await client.end();
    }
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * Whether MariaDB answers. When it doesn't, registers a failing test under CI=true, or
 * prints a banner naming `what` is skipped.
 * @example if (await mariadbAvailable("the SQL source tests")) describe(...)
 */
export async function mariadbAvailable(what: string): Promise<boolean> {
  const problem = await unreachable();
  if (problem === undefined) return true;
  const where = `${MARIADB.username}@${MARIADB.host}:${MARIADB.port}/${MARIADB.database}`;
  if (process.env.CI === "true") {
    describe(`${what} on MariaDB`, () => {
      it("reaches MariaDB", () => {
        throw new Error(
          `MariaDB is unreachable at ${where} (${problem}); under CI=true ${what} must run against it. Start it or set TEST_MARIADB_HOST.`,
        );
      });
    });
  } else {
    console.warn(
      [
        "",
        "!".repeat(78),
        `!! SKIPPING ${what} on MariaDB: cannot reach ${where}`,
        `!! (${problem})`,
        "!! Start MariaDB (see services.md) or set TEST_MARIADB_HOST; under CI=true this fails.",
        "!".repeat(78),
        "",
      ].join("\n"),
    );
  }
  return false;
}
