/**
 * Numbered, append-only SQL migrations per dialect (`migrations/<dialect>/NNNNNN-name.sql`),
 * applied in order under a lock, each recorded in the `sundial_migrations` ledger. A
 * database whose ledger names a version this code doesn't have was written by a newer
 * Sundial, and is refused rather than run against a schema we don't understand.
 */
import { readdirSync, readFileSync } from "node:fs";
import { SundialError } from "../errors.js";

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export type Dialect = "sqlite" | "postgres";

const FILE = /^(\d{6})-([a-z0-9-]+)\.sql$/;

/** The migrations shipped for a dialect, in order. */
export function migrationsFor(dialect: Dialect): Migration[] {
  const dir = new URL(`./migrations/${dialect}/`, import.meta.url);
  return readdirSync(dir)
    .map((file) => FILE.exec(file))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({
      version: Number(m[1]),
      name: m[2] as string,
      sql: readFileSync(new URL(m[0], dir), "utf8"),
    }))
    .sort((a, b) => a.version - b.version);
}

/**
 * The migrations to apply given the versions a ledger holds.
 * @throws SundialError `schemaTooNew` when the ledger has a version this code lacks.
 */
export function pendingMigrations(
  all: readonly Migration[],
  applied: readonly number[],
  location: string,
): Migration[] {
  const known = new Set(all.map((m) => m.version));
  const newest = all.at(-1)?.version ?? 0;
  const unknown = applied.filter((v) => !known.has(v)).sort((a, b) => b - a);
  if (unknown.length > 0) {
    throw new SundialError(
      "schemaTooNew",
      `The database at ${location} has schema version ${unknown[0]}, newer than this Sundial knows (up to ${newest}). ` +
        "Upgrade Sundial to the version that wrote it, or point it at another database.",
    );
  }
  const done = new Set(applied);
  return all.filter((m) => !done.has(m.version));
}

/**
 * For a store opened without migrating: refuses a schema that is newer, or older, than
 * this code.
 */
export function checkSchema(
  all: readonly Migration[],
  applied: readonly number[],
  location: string,
): void {
  const pending = pendingMigrations(all, applied, location);
  if (pending.length > 0) {
    throw new SundialError(
      "schemaOutdated",
      `The database at ${location} lacks ${pending.length} migration(s) this Sundial needs ` +
        `(from ${pending[0]?.version}-${pending[0]?.name}). Run \`sundial migrate\`, or open it with migrations on.`,
    );
  }
}

export const LEDGER_DDL = `CREATE TABLE IF NOT EXISTS sundial_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at BIGINT NOT NULL
)`;
