/**
 * The scanned database, as one run holds it: a connection of its own (never the store's)
 * on a stored `postgres`, `mysql` or `sqlite` connection, opened at the run's start and let
 * go at its end. Its statements (scan-sql.ts) are queued on that one connection, so the
 * records' claims and completions never need more than it. A driver's failure becomes the
 * SQL source's `sourceFailed`, naming the connection and the reason by the driver's code.
 */
import { stat } from "node:fs/promises";
import { Socket } from "node:net";
import Database from "better-sqlite3";
import type { ExecuteValues } from "mysql2";
import pg from "pg";
import { SundialError } from "../errors.js";
import type {
  ServerDatabaseSettings,
  SqlConnection,
  SqliteSettings,
} from "../exports/sources/sql-connection.js";
import { endWithin, exactInteger, ignore, tlsOptions } from "../exports/sources/sql-cursor.js";
import { NoSuchFileError, type SqlStage, sourceError } from "../exports/sources/sql-error.js";
import type { Statement } from "./scan-sql.js";

export type ScanRecord = Record<string, unknown>;

export interface ScanDatabase {
  /** The rows of a SELECT. */
  rows(statement: Statement): Promise<ScanRecord[]>;
  /** How many rows an UPDATE changed. */
  update(statement: Statement): Promise<number>;
  /** Lets the connection go; never throws. */
  close(): Promise<void>;
}

/** What one dialect's driver does; errors as the driver throws them. */
interface Driver {
  rows(statement: Statement): Promise<ScanRecord[]>;
  update(statement: Statement): Promise<number>;
  close(): Promise<void>;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

const INT8 = 20;
const DATE = 1082;
const TIMESTAMP = 1114;

/** As the SQL source reads them: exact integers; dates without a zone as the server's text. */
const postgresTypes = {
  getTypeParser: ((oid: number, format?: string) => {
    if (format === undefined || format === "text") {
      if (oid === INT8) return exactInteger;
      if (oid === DATE || oid === TIMESTAMP) return (text: string) => text;
    }
    return pg.types.getTypeParser(oid, format as "text");
  }) as typeof pg.types.getTypeParser,
};

async function openPostgres(settings: ServerDatabaseSettings, timeoutMs: number): Promise<Driver> {
  // Our own socket, so that a server that never says goodbye can be dropped.
  const socket = new Socket();
  const client = new pg.Client({
    host: settings.host,
    port: settings.port ?? 5432,
    database: settings.database,
    user: settings.username,
    ...(settings.password === undefined ? {} : { password: settings.password }),
    ssl: tlsOptions(settings),
    application_name: "sundial task scanner",
    connectionTimeoutMillis: timeoutMs,
    types: postgresTypes,
    stream: () => socket,
  });
  // A dropped connection also fails the statement running, which is where it is reported.
  client.on("error", ignore);
  try {
    await client.connect();
  } catch (error) {
    socket.destroy();
    throw error;
  }
  return {
    rows: async ({ text, values }) => (await client.query(text, [...values])).rows,
    update: async ({ text, values }) => (await client.query(text, [...values])).rowCount ?? 0,
    close: () =>
      endWithin(
        () => client.end(),
        () => socket.destroy(),
      ),
  };
}

async function openMysql(settings: ServerDatabaseSettings, timeoutMs: number): Promise<Driver> {
  const { default: mysql } = await import("mysql2/promise");
  const tls = tlsOptions(settings);
  const connection = await mysql.createConnection({
    host: settings.host,
    port: settings.port ?? 3306,
    user: settings.username,
    database: settings.database,
    ...(settings.password === undefined ? {} : { password: settings.password }),
    ...(tls === false ? {} : { ssl: tls }),
    connectTimeout: timeoutMs,
    supportBigNumbers: true,
    dateStrings: true,
    timezone: "Z",
  });
  connection.on("error", ignore);
  // Date-time text the scanner binds is UTC; TIMESTAMP columns are read in the session's zone.
  await connection.query("SET time_zone = '+00:00'");
  // mysql2 binds no bigint: an id beyond 2^53 goes as its digits.
  const bound = (values: readonly unknown[]) =>
    values.map((value) =>
      typeof value === "bigint" ? value.toString() : value,
    ) as ExecuteValues[];
  return {
    rows: async ({ text, values }) =>
      (await connection.execute(text, bound(values)))[0] as ScanRecord[],
    update: async ({ text, values }) =>
      ((await connection.execute(text, bound(values)))[0] as { affectedRows: number }).affectedRows,
    close: () =>
      endWithin(
        () => connection.end(),
        () => connection.destroy(),
      ),
  };
}

async function openSqlite(connection: {
  readonly name: string;
  readonly settings: SqliteSettings;
}): Promise<Driver> {
  const { settings } = connection;
  if (settings.readOnly === true) {
    throw new SundialError(
      "badRequest",
      `connection "${connection.name}": is read-only (readOnly: true), and the task scanner writes taskState to its table; set readOnly to false`,
      { field: "connection" },
    );
  }
  const file = await stat(settings.path).catch(() => undefined);
  if (file === undefined || !file.isFile()) {
    throw new NoSuchFileError(`${settings.path} does not exist or is not a file`);
  }
  const db = new Database(settings.path, { fileMustExist: true });
  // Another scanner (another node) may hold the write lock for the moment of its claim.
  db.pragma("busy_timeout = 5000");
  const exact = (row: ScanRecord) => {
    for (const [key, value] of Object.entries(row)) {
      if (typeof value === "bigint") row[key] = exactInteger(value);
    }
    return row;
  };
  return {
    rows: async ({ text, values }) =>
      (
        db
          .prepare(text)
          .safeIntegers(true)
          .all(...values) as ScanRecord[]
      ).map(exact),
    update: async ({ text, values }) => db.prepare(text).run(...values).changes,
    close: async () => {
      db.close();
    },
  };
}

/**
 * Opens `connection`'s database for one run.
 * @throws SundialError `sourceFailed` naming the connection and why it can't be reached;
 *   `badRequest` for a read-only SQLite connection.
 * @example
 * const db = await openScanDatabase(await connections.resolve("hr"));
 * try { await db.rows(countStatement(target, match)); } finally { await db.close(); }
 */
export async function openScanDatabase(connection: SqlConnection): Promise<ScanDatabase> {
  const timeoutMs =
    (connection.type === "sqlite" ? undefined : connection.settings.timeoutMs) ??
    DEFAULT_CONNECT_TIMEOUT_MS;
  const failed = (error: unknown, stage: SqlStage) =>
    sourceError(connection, error, stage, timeoutMs);
  let driver: Driver;
  try {
    driver =
      connection.type === "postgres"
        ? await openPostgres(connection.settings, timeoutMs)
        : connection.type === "mysql"
          ? await openMysql(connection.settings, timeoutMs)
          : await openSqlite(connection);
  } catch (error) {
    throw failed(error, "connect");
  }
  // One statement at a time: a connection runs one anyway, and pg refuses to queue them.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(run: () => Promise<T>): Promise<T> => {
    const next = queue.then(run, run);
    queue = next.catch(ignore);
    return next;
  };
  const statement = <T>(run: () => Promise<T>): Promise<T> =>
    serial(run).catch((error: unknown) => Promise.reject(failed(error, "query")));
  return {
    rows: (sql) => statement(() => driver.rows(sql)),
    update: (sql) => statement(() => driver.update(sql)),
    close: () => serial(() => driver.close()).catch(ignore),
  };
}
