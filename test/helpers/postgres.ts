/**
 * The PostgreSQL every test that needs one shares: where it is, whether it answers, and
 * the house rule for when it doesn't (outside CI the tests skip with a loud banner; under
 * CI=true they fail, so a green CI run always exercised the real database).
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { describe, it } from "vitest";

export const TEST_DATABASE_URL =
  process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** The URL without its password, for messages. */
export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(an unparsable URL)";
  }
}

/** Why PostgreSQL can't be used, or undefined when it can. */
async function unreachable(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Whether PostgreSQL answers. When it doesn't, registers a failing test under CI=true, or
 * prints a banner naming `what` is skipped.
 * @example if (await postgresAvailable("the store tests")) storeConformance(...)
 */
export async function postgresAvailable(what: string): Promise<boolean> {
  const problem = await unreachable(TEST_DATABASE_URL);
  if (problem === undefined) return true;
  const where = withoutPassword(TEST_DATABASE_URL);
  if (process.env.CI === "true") {
    describe(`${what} on PostgreSQL`, () => {
      it("reaches PostgreSQL", () => {
        throw new Error(
          `PostgreSQL is unreachable at ${where} (${problem}); under CI=true ${what} must run against it. Start it or set TEST_DATABASE_URL.`,
        );
      });
    });
  } else {
    console.warn(
      [
        "",
        "!".repeat(78),
        `!! SKIPPING ${what} on PostgreSQL: cannot reach ${where}`,
        `!! (${problem})`,
        "!! Start PostgreSQL (see services.md) or set TEST_DATABASE_URL; under CI=true this fails.",
        "!".repeat(78),
        "",
      ].join("\n"),
    );
  }
  return false;
}

/** A schema name no other test uses. */
export function freshSchemaName(prefix = "sundial_test"): string {
  return `${prefix}_${randomBytes(6).toString("hex")}`;
}
