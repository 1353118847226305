/**
 * The SQL source on MariaDB and MySQL: a connection of its own, the query run as a
 * prepared statement (mysql2's `execute`: the values travel apart from the text, in the
 * binary protocol), its result streamed with the socket paused while the reader is behind.
 *
 * Values: integers as numbers when exact, else as text; DECIMAL as text (exact); DATE,
 * DATETIME and TIMESTAMP as the text the server gives.
 */
import type { ExecuteValues } from "mysql2";
import { lazyModule } from "../lazy-module.js";
import type { ServerDatabaseSettings } from "./sql-connection.js";
import {
  BATCH_ROWS,
  batchesOf,
  type CursorRequest,
  endWithin,
  ignore,
  type SqlCursor,
  tlsOptions,
} from "./sql-cursor.js";

const mysqlDriver = lazyModule(() => import("mysql2"));
type MysqlDriver = Awaited<ReturnType<typeof mysqlDriver>>["default"];

const DEFAULT_PORT = 3306;

function connectionOptions(settings: ServerDatabaseSettings, connectTimeoutMs: number) {
  const tls = tlsOptions(settings);
  return {
    host: settings.host,
    port: settings.port ?? DEFAULT_PORT,
    user: settings.username,
    database: settings.database,
    ...(settings.password === undefined ? {} : { password: settings.password }),
    ...(tls === false ? {} : { ssl: tls }),
    connectTimeout: connectTimeoutMs,
    supportBigNumbers: true,
    dateStrings: true,
    // Date parameters are instants: sent as UTC, not the server process's local time.
    timezone: "Z",
  };
}

/**
 * Ends a query still running on the server: dropping our socket alone would leave it
 * running until it next writes. Best effort, on a short-lived connection of its own.
 */
function killOnServer(
  mysql: MysqlDriver,
  settings: ServerDatabaseSettings,
  threadId: number | null,
): void {
  if (threadId === null) return;
  const killer = mysql.createConnection(connectionOptions(settings, 5000));
  killer.on("error", ignore);
  // KILL takes no placeholder; the id is the driver's integer, not user input.
  killer.query(`KILL ${Math.trunc(threadId)}`, () => killer.destroy());
}

/** Connects and starts the query; see {@link SqlCursor}. */
export async function openMysql(
  settings: ServerDatabaseSettings,
  request: CursorRequest,
): Promise<SqlCursor> {
  const { query, signal, connectTimeoutMs } = request;
  const { default: mysql } = await mysqlDriver();
  const connection = mysql.createConnection(connectionOptions(settings, connectTimeoutMs));
  // A dropped connection also fails the query, which is where it is reported.
  connection.on("error", ignore);
  const onAbort = () => connection.destroy();
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    await new Promise<void>((resolve, reject) => {
      connection.connect((error) => (error ? reject(error) : resolve()));
    });
  } catch (error) {
    connection.destroy();
    throw error;
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }

  let columns: string[] = [];
  const stream = connection
    .execute({ sql: query.text, rowsAsArray: true }, query.values as ExecuteValues[])
    .stream({ highWaterMark: BATCH_ROWS });
  stream.on("fields", (fields: { name: string }[] | undefined) => {
    columns = (fields ?? []).map((field) => field.name);
  });
  // Errors reach the reader through iteration; this keeps a late one from crashing the process.
  stream.on("error", ignore);
  const stop = () => {
    killOnServer(mysql, settings, connection.threadId);
    connection.destroy();
  };
  return {
    batches: batchesOf(stream),
    columns: () => columns,
    cancel: stop,
    async close() {
      // Rows ended or the query failed: the connection is idle, and can say goodbye.
      if (!stream.readableEnded && stream.errored === null) return stop();
      await endWithin(
        () => new Promise<void>((resolve) => connection.end(() => resolve())),
        () => connection.destroy(),
      );
    },
  };
}
