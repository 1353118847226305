/**
 * Opening a store: PostgreSQL when the database is a `postgres://` URL, otherwise an
 * embedded SQLite file (default `./data/sundial.db`). Pending migrations are applied on
 * open, under a lock, unless `migrate: false`.
 */
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { Kysely, PostgresDialect, type SqliteDatabase, SqliteDialect } from "kysely";
import pg from "pg";
import { SundialError } from "../errors.js";
import type { Database } from "./database.js";
import { KyselyStore, POSTGRES_CODEC, SQLITE_CODEC } from "./kysely-store.js";
import {
  checkSchema,
  LEDGER_DDL,
  type Migration,
  migrationsFor,
  pendingMigrations,
} from "./migrations.js";
import { PostgresNotices } from "./notices.js";
import type { Store } from "./store.js";

export interface StoreOptions {
  /** `postgres://…` for PostgreSQL; otherwise a SQLite file path (`:memory:` allowed). Default `./data/sundial.db`. */
  readonly database?: string;
  /** PostgreSQL schema to use, created if missing; default `public`. */
  readonly schema?: string;
  /** Apply pending migrations on open; default true. */
  readonly migrate?: boolean;
}

export const DEFAULT_DATABASE = "./data/sundial.db";

export function isPostgresUrl(database: string): boolean {
  return /^postgres(ql)?:\/\//i.test(database);
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@/]*@/, "//$1:***@");
}

/**
 * Opens the store and brings its schema up to date.
 * @example const store = await openStore({ database: process.env.DATABASE_URL });
 */
export async function openStore(options: StoreOptions = {}): Promise<Store> {
  const database = options.database ?? DEFAULT_DATABASE;
  return isPostgresUrl(database) ? openPostgres(database, options) : openSqlite(database, options);
}

/** Applies pending migrations alone, as `sundial migrate` does; returns what it applied. */
export async function migrateStore(
  options: StoreOptions = {},
): Promise<{ location: string; applied: Migration[]; version: number }> {
  const database = options.database ?? DEFAULT_DATABASE;
  if (isPostgresUrl(database)) {
    const pool = postgresPool(database, options.schema);
    try {
      const applied = await migratePostgres(pool, options.schema ?? "public", redactUrl(database));
      return { location: redactUrl(database), applied, version: latestVersion("postgres") };
    } finally {
      await pool.end();
    }
  }
  const db = sqliteDatabase(database);
  try {
    return {
      location: database,
      applied: migrateSqlite(db, database),
      version: latestVersion("sqlite"),
    };
  } finally {
    db.close();
  }
}

/** The schema version a successful migration leaves: the newest migration this code has. */
function latestVersion(dialect: "sqlite" | "postgres"): number {
  return migrationsFor(dialect).at(-1)?.version ?? 0;
}

function sqliteDatabase(file: string): BetterSqlite3.Database {
  if (file !== ":memory:") mkdirSync(dirname(resolve(file)), { recursive: true });
  let db: BetterSqlite3.Database;
  try {
    db = new BetterSqlite3(file);
  } catch (error) {
    throw new SundialError(
      "storeUnavailable",
      `Cannot open the SQLite database ${file}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  checkSqliteVersion(db, file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  // Another process (a CLI next to the server) may hold the write lock for a moment.
  db.pragma("busy_timeout = 5000");
  return db;
}

/**
 * The oldest SQLite the store's statements run on: its batched statements read SQLite's
 * binary JSON (3.45). better-sqlite3 bundles a newer one; a build against the system's
 * library may not.
 */
const MIN_SQLITE = [3, 45, 0] as const;

/** Whether SQLite `version` (as `sqlite_version()` gives it) is MIN_SQLITE or newer. */
export function sqliteIsRecentEnough(version: string): boolean {
  const parts = version.split(".").map(Number);
  for (const [i, least] of MIN_SQLITE.entries()) {
    const part = parts[i] ?? 0;
    if (part !== least) return part > least;
  }
  return true;
}

function checkSqliteVersion(db: BetterSqlite3.Database, file: string): void {
  const { version } = db.prepare("SELECT sqlite_version() AS version").get() as {
    version: string;
  };
  if (sqliteIsRecentEnough(version)) return;
  db.close();
  throw new SundialError(
    "storeUnavailable",
    `Cannot use the SQLite database ${file}: better-sqlite3 runs SQLite ${version}, and Sundial needs ${MIN_SQLITE.join(".")} or newer; reinstall better-sqlite3 with its bundled SQLite (npm rebuild better-sqlite3).`,
  );
}

function migrateSqlite(db: BetterSqlite3.Database, location: string): Migration[] {
  // BEGIN IMMEDIATE takes SQLite's write lock first, so two processes can't interleave.
  return db
    .transaction(() => {
      db.exec(LEDGER_DDL);
      const applied = (
        db.prepare("SELECT version FROM sundial_migrations").all() as { version: number }[]
      ).map((r) => r.version);
      const pending = pendingMigrations(migrationsFor("sqlite"), applied, location);
      const record = db.prepare(
        "INSERT INTO sundial_migrations (version, name, applied_at) VALUES (?, ?, ?)",
      );
      for (const m of pending) {
        db.exec(m.sql);
        record.run(m.version, m.name, Date.now());
      }
      return pending;
    })
    .immediate();
}

async function openSqlite(file: string, options: StoreOptions): Promise<Store> {
  const db = sqliteDatabase(file);
  try {
    if (options.migrate !== false) migrateSqlite(db, file);
    else {
      db.exec(LEDGER_DDL);
      const applied = db.prepare("SELECT version FROM sundial_migrations").all() as {
        version: number;
      }[];
      checkSchema(
        migrationsFor("sqlite"),
        applied.map((r) => r.version),
        file,
      );
    }
  } catch (error) {
    db.close();
    throw error;
  }
  const kysely = new Kysely<Database>({
    dialect: new SqliteDialect({ database: reusingStatements(db) }),
  });
  return new KyselyStore(kysely, SQLITE_CODEC, file);
}

/** Distinct statement texts kept prepared; past this the cache starts again. */
const STATEMENT_CACHE = 500;

/**
 * Kysely asks for a new prepared statement on every query, and preparing is a fifth of
 * the embedded store's time on the job path: keep the statements of the texts seen
 * (they are few: the values travel as parameters) and run them again.
 */
function reusingStatements(db: BetterSqlite3.Database): SqliteDatabase {
  const prepared = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => db.close(),
    prepare: (text) => {
      let statement = prepared.get(text);
      if (statement === undefined) {
        if (prepared.size >= STATEMENT_CACHE) prepared.clear();
        statement = db.prepare(text);
        prepared.set(text, statement);
      }
      return statement;
    },
  };
}

function postgresPool(url: string, schema = "public"): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    // Our instants are BIGINT milliseconds, well inside Number's exact range.
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        oid === 20
          ? (v: string) => Number(v)
          : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
    },
    options: `-c search_path=${quoteIdent(schema)}`,
  });
  // An idle connection that drops (a database restart, a proxy's timeout) is an error event
  // on the pool; unheard, it would end the process. The pool replaces the connection, and
  // the next query that fails says so to its caller.
  pool.on("error", (error) => {
    process.emitWarning(`sundial store: an idle PostgreSQL connection failed: ${error.message}`);
  });
  return pool;
}

function quoteIdent(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) {
    throw new SundialError(
      "badRequest",
      `schema: "${name}" is not a plain identifier (letters, digits and _)`,
      { field: "schema" },
    );
  }
  return `"${name}"`;
}

async function migratePostgres(
  pool: pg.Pool,
  schema: string,
  location: string,
): Promise<Migration[]> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw new SundialError(
      "storeUnavailable",
      `Cannot connect to PostgreSQL at ${location}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  try {
    await client.query("BEGIN");
    // Held until COMMIT: nodes starting together migrate one after the other.
    await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [
      `sundial.migrations:${schema}`,
    ]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    await client.query(LEDGER_DDL);
    const applied = (
      await client.query<{ version: number }>("SELECT version FROM sundial_migrations")
    ).rows.map((r) => r.version);
    const pending = pendingMigrations(migrationsFor("postgres"), applied, location);
    for (const m of pending) {
      await client.query(m.sql);
      await client.query(
        "INSERT INTO sundial_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
        [m.version, m.name, Date.now()],
      );
    }
    await client.query("COMMIT");
    return pending;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

async function openPostgres(url: string, options: StoreOptions): Promise<Store> {
  const schema = options.schema ?? "public";
  const pool = postgresPool(url, schema);
  try {
    if (options.migrate !== false) await migratePostgres(pool, schema, redactUrl(url));
    else {
      const { rows } = await pool
        .query<{ version: number }>("SELECT version FROM sundial_migrations")
        .catch(() => ({ rows: [] as { version: number }[] }));
      checkSchema(
        migrationsFor("postgres"),
        rows.map((r) => r.version),
        redactUrl(url),
      );
    }
  } catch (error) {
    await pool.end();
    throw error;
  }
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return new KyselyStore(
    kysely,
    POSTGRES_CODEC,
    redactUrl(url),
    new PostgresNotices(pool, url, schema),
  );
}
