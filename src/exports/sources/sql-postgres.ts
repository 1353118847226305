/**
 * The SQL source on PostgreSQL: a client of its own (never the store's pool), the query
 * run by it, its rows streamed by the server and read as they arrive (sql-postgres-rows.ts),
 * its values made as sql-postgres-values.ts says.
 */
import { connect, Socket } from "node:net";
import pg from "pg";
import type { ServerDatabaseSettings } from "./sql-connection.js";
import { type CursorRequest, endWithin, ignore, type SqlCursor, tlsOptions } from "./sql-cursor.js";
import { NoAnswerError } from "./sql-error.js";
import { feedRows, type RowFeed } from "./sql-postgres-rows.js";

const DEFAULT_PORT = 5432;
/** CancelRequest's magic number (protocol 3.0). */
const CANCEL_CODE = 80877102;
const CANCEL_TIMEOUT_MS = 5000;

/**
 * Sends PostgreSQL's CancelRequest (what psql sends on Ctrl-C) on a connection of its own:
 * closing our socket alone would leave a long-running query running until it next writes.
 */
function cancelOnServer(settings: ServerDatabaseSettings, client: pg.Client): void {
  // Set by pg from the server's BackendKeyData; pg only uses them through a deprecated API.
  const { processID, secretKey } = client as unknown as {
    processID?: unknown;
    secretKey?: unknown;
  };
  if (typeof processID !== "number" || typeof secretKey !== "number") return;
  const packet = Buffer.alloc(16);
  packet.writeInt32BE(16, 0);
  packet.writeInt32BE(CANCEL_CODE, 4);
  packet.writeInt32BE(processID, 8);
  packet.writeInt32BE(secretKey, 12);
  const port = settings.port ?? DEFAULT_PORT;
  const socket = settings.host.startsWith("/")
    ? connect(`${settings.host}/.s.PGSQL.${port}`)
    : connect(port, settings.host);
  // Best effort: our own connection is dropped either way.
  socket.on("error", ignore);
  socket.setTimeout(CANCEL_TIMEOUT_MS, () => socket.destroy());
  socket.once("connect", () => socket.end(packet));
}

/** Connects and starts the query; see {@link SqlCursor}. */
export async function openPostgres(
  settings: ServerDatabaseSettings,
  request: CursorRequest,
): Promise<SqlCursor> {
  const { query, signal, connectTimeoutMs } = request;
  // Our own socket, so that a timeout or an abort can drop it whatever state pg is in.
  const socket = new Socket();
  const client = new pg.Client({
    host: settings.host,
    port: settings.port ?? DEFAULT_PORT,
    database: settings.database,
    user: settings.username,
    ...(settings.password === undefined ? {} : { password: settings.password }),
    ssl: tlsOptions(settings),
    application_name: "sundial",
    stream: () => socket,
  });
  // A dropped connection also fails the query, which is where it is reported.
  client.on("error", ignore);
  const timer = setTimeout(
    () => socket.destroy(new NoAnswerError(connectTimeoutMs)),
    connectTimeoutMs,
  );
  const onAbort = () => socket.destroy();
  signal?.addEventListener("abort", onAbort, { once: true });
  let rows: RowFeed;
  try {
    await client.connect();
    rows = feedRows(client.connection.stream, request.text);
  } catch (error) {
    socket.destroy();
    throw error;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  }
  const statement = new pg.Query({
    text: query.text,
    values: query.values as unknown[],
    // One statement, as a prepared statement takes, with or without parameters.
    queryMode: "extended",
  } as pg.QueryConfig);
  statement.on("end", rows.end);
  statement.on("error", rows.fail);
  client.query(statement);
  const stop = () => {
    cancelOnServer(settings, client);
    socket.destroy();
  };
  return {
    batches: rows.batches,
    columns: rows.columns,
    cancel: stop,
    async close() {
      // Rows ended or the query failed: the connection is idle, and can say goodbye.
      if (!rows.settled()) return stop();
      await endWithin(
        () => client.end(),
        () => socket.destroy(),
      );
    },
  };
}
