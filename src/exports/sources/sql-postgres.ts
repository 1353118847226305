/**
 * The SQL source on PostgreSQL: a client of its own (never the store's pool), the query
 * run through a server-side cursor (pg-query-stream) that fetches {@link BATCH_ROWS} rows
 * at a time as the reader pulls.
 *
 * Values: integers as numbers when exact, else bigints; `numeric` as text (exact);
 * `timestamptz` as instants (read by {@link parseTimestamptz}); `date` and `timestamp` (without zone) as the text the server
 * gives, since they name no instant and a Date would invent one in the local zone.
 */
import { connect, Socket } from "node:net";
import pg from "pg";
import QueryStream from "pg-query-stream";
import type { ServerDatabaseSettings } from "./sql-connection.js";
import {
  BATCH_ROWS,
  batchesOf,
  type CursorRequest,
  endWithin,
  exactInteger,
  ignore,
  type SqlCursor,
  tlsOptions,
} from "./sql-cursor.js";
import { NoAnswerError } from "./sql-error.js";

const INT8 = 20;
const DATE = 1082;
const TIMESTAMP = 1114;
const TIMESTAMPTZ = 1184;
const DEFAULT_PORT = 5432;
/** CancelRequest's magic number (protocol 3.0). */
const CANCEL_CODE = 80877102;
const CANCEL_TIMEOUT_MS = 5000;

const types = {
  getTypeParser: ((oid: number, format?: string) => {
    if (format === undefined || format === "text") {
      if (oid === INT8) return exactInteger;
      if (oid === DATE || oid === TIMESTAMP) return (text: string) => text;
      if (oid === TIMESTAMPTZ) return parseTimestamptz;
    }
    return pg.types.getTypeParser(oid, format as "text");
  }) as typeof pg.types.getTypeParser,
};

const parseTimestamptzSlowly = pg.types.getTypeParser(TIMESTAMPTZ, "text") as (
  text: string,
) => Date;

/**
 * A `timestamptz` in the server's ISO output (`2026-03-27 06:00:00.123456+01:30`) as an
 * instant, read digit by digit: pg's own parser, a regular expression per value, was the
 * largest cost of reading rows in an export (bench/export). Anything else (BC, infinity,
 * years before 100 or after 9999, another DateStyle) goes to pg's parser. Microseconds are
 * cut to milliseconds, as pg's parser does.
 */
export function parseTimestamptz(text: string): Date | number {
  const n = text.length;
  // "YYYY-MM-DD HH:MM:SS" then optional ".f…", then "±HH", optional ":MM", optional ":SS".
  if (
    n < 22 ||
    text.charCodeAt(4) !== 45 ||
    text.charCodeAt(10) !== 32 ||
    text.charCodeAt(0) === 48
  ) {
    return parseTimestamptzSlowly(text);
  }
  let i = 19;
  let ms = 0;
  if (text.charCodeAt(i) === 46) {
    i++;
    let scale = 100;
    while (i < n) {
      const digit = text.charCodeAt(i) - 48;
      if (digit < 0 || digit > 9) break;
      ms += digit * scale;
      scale /= 10;
      i++;
    }
    ms = Math.floor(ms);
  }
  const sign = text.charCodeAt(i);
  if ((sign !== 43 && sign !== 45) || i + 3 > n) return parseTimestamptzSlowly(text);
  let offset = two(text, i + 1) * 3600;
  i += 3;
  if (i < n && text.charCodeAt(i) === 58) {
    offset += two(text, i + 1) * 60;
    i += 3;
  }
  if (i < n && text.charCodeAt(i) === 58) {
    offset += two(text, i + 1);
    i += 3;
  }
  const year = two(text, 0) * 100 + two(text, 2);
  const month = two(text, 5);
  const day = two(text, 8);
  const hour = two(text, 11);
  const minute = two(text, 14);
  const second = two(text, 17);
  // NaN (a character that is not a digit) fails the sum's test as well.
  if (i !== n || !Number.isFinite(year + month + day + hour + minute + second + offset)) {
    return parseTimestamptzSlowly(text);
  }
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  return new Date(utc - (sign === 45 ? -offset : offset) * 1000);
}

/** Two decimal digits at `at`, or NaN. */
function two(text: string, at: number): number {
  const tens = text.charCodeAt(at) - 48;
  const ones = text.charCodeAt(at + 1) - 48;
  return tens >= 0 && tens <= 9 && ones >= 0 && ones <= 9 ? tens * 10 + ones : Number.NaN;
}

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
    types,
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
  try {
    await client.connect();
  } catch (error) {
    socket.destroy();
    throw error;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  }

  const stream = new QueryStream(query.text, query.values as unknown[], {
    rowMode: "array",
    batchSize: BATCH_ROWS,
  });
  client.query(stream);
  // Errors reach the reader through iteration; this keeps a late one from crashing the process.
  stream.on("error", ignore);
  const stop = () => {
    cancelOnServer(settings, client);
    socket.destroy();
  };
  return {
    batches: batchesOf(stream),
    columns: () => ((stream._result?.fields ?? []) as { name: string }[]).map((f) => f.name),
    cancel: stop,
    async close() {
      // Rows ended or the query failed: the connection is idle, and can say goodbye.
      if (!stream.readableEnded && stream.errored === null) return stop();
      await endWithin(
        () => client.end(),
        () => socket.destroy(),
      );
    },
  };
}
