/**
 * The SQL source: the rows of a query on a `postgres`, `mysql` or `sqlite` connection,
 * streamed (sent by the server as the reader keeps up, its socket paused while the reader
 * is behind; a stepped statement on SQLite), ready for `writeExportFile`. Parameters are
 * bound by the driver, never spliced into the text (sql-parameters.ts). Each run opens a
 * connection of its own and always lets it go: at the end, when the reader stops early, on
 * an error, and on an abort, which also stops the query on the server.
 */
import { SundialError } from "../../errors.js";
import { type BatchedRows, type Row, rowBatches } from "../row-source.js";
import type { SqlConnection, SqlValue } from "./sql-connection.js";
import { type CursorRequest, ignore, type SqlCursor, untilAborted } from "./sql-cursor.js";
import { type SqlStage, sourceError } from "./sql-error.js";
import { openMysql } from "./sql-mysql.js";
import { type PreparedQuery, prepareQuery } from "./sql-parameters.js";
import { openPostgres } from "./sql-postgres.js";
import { openSqlite } from "./sql-sqlite.js";

export interface SqlRowsOptions {
  /** The values of the query's `:name` / `${name}` parameters. */
  readonly parameters?: Readonly<Record<string, SqlValue>> | undefined;
  /**
   * Give the column names first, as an array, then each row as an array of values (every
   * column kept, even two of one name; an empty result still names its columns). Without
   * it each row is an object keyed by column name.
   */
  readonly headers?: boolean | undefined;
  /** Aborting it stops the query on the server, lets the connection go, and rejects with its reason. */
  readonly signal?: AbortSignal | undefined;
  /** Called with the number of rows read so far, every `progressEvery` rows and at the end. */
  readonly onProgress?: ((rows: number) => void) | undefined;
  /** Default 10,000. */
  readonly progressEvery?: number | undefined;
}

const DEFAULT_PROGRESS_EVERY = 10_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

const OPEN: {
  readonly [T in SqlConnection["type"]]: (
    connection: Extract<SqlConnection, { type: T }>,
    request: CursorRequest,
  ) => Promise<SqlCursor>;
} = {
  postgres: (connection, request) => openPostgres(connection.settings, request),
  mysql: (connection, request) => openMysql(connection.settings, request),
  sqlite: (connection, request) => openSqlite(connection.settings, request),
};

/**
 * The query as it will run on `connection`'s database: its placeholders and values. For a
 * preview, and what {@link sqlRows} runs.
 * @throws SundialError `badRequest` naming `parameters.<name>` or `query` (see prepareQuery).
 */
export function prepareSqlQuery(
  connection: Pick<SqlConnection, "type">,
  query: string,
  parameters: Readonly<Record<string, SqlValue>> = {},
): PreparedQuery {
  return prepareQuery(query, parameters, connection.type);
}

/**
 * The rows of `query` on `connection`, streamed: row by row, or a batch at a time (as
 * `writeExportFile` reads them). Parameters are checked at once; the connection is opened
 * when the first row is asked for.
 * @throws SundialError `badRequest` at once for a missing parameter (naming
 *   `parameters.<name>`) or a malformed query text; while reading, `sourceFailed` naming
 *   the connection and the reason (unreachable, login refused, the query failed), or the
 *   signal's reason when aborted.
 * @example
 * const rows = sqlRows(await connections.resolve("warehouse"), "SELECT * FROM sales WHERE day = :day", {
 *   parameters: { day: "2026-03-27" },
 *   headers: true,
 *   onProgress: (n) => log.info(`${n} rows`),
 *   signal,
 * });
 * await writeExportFile(rows, { fileName: "sales.csv", format: { type: "csv" } }, run);
 */
export function sqlRows(
  connection: SqlConnection,
  query: string,
  options: SqlRowsOptions = {},
): BatchedRows {
  const prepared = prepareSqlQuery(connection, query, options.parameters);
  const progressEvery = options.progressEvery ?? DEFAULT_PROGRESS_EVERY;
  if (!Number.isSafeInteger(progressEvery) || progressEvery < 1) {
    throw new SundialError(
      "badRequest",
      `progressEvery: ${String(progressEvery)} is not a whole number of rows of at least 1`,
      { field: "progressEvery" },
    );
  }
  const connectTimeoutMs =
    (connection.type === "sqlite" ? undefined : connection.settings.timeoutMs) ??
    DEFAULT_CONNECT_TIMEOUT_MS;
  const settings = { ...options, progressEvery, connectTimeoutMs };
  return {
    [rowBatches]: ({ text }) => streamBatches(connection, prepared, { ...settings, text }),
    async *[Symbol.asyncIterator]() {
      for await (const batch of streamBatches(connection, prepared, { ...settings, text: false })) {
        yield* batch;
      }
    },
  };
}

/** The rows, the header row (if asked for) as a batch of its own. */
async function* streamBatches(
  connection: SqlConnection,
  query: PreparedQuery,
  options: SqlRowsOptions & { progressEvery: number; connectTimeoutMs: number; text: boolean },
): AsyncGenerator<readonly Row[]> {
  const { signal, headers, onProgress, progressEvery, connectTimeoutMs, text } = options;
  signal?.throwIfAborted();
  const open = OPEN[connection.type] as (
    connection: SqlConnection,
    request: CursorRequest,
  ) => Promise<SqlCursor>;
  let cursor: SqlCursor | undefined;
  let stage: SqlStage = "connect";
  const onAbort = () => cursor?.cancel();
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const opening = open(connection, { query, signal, connectTimeoutMs, text });
    // A connection that opens after an abort is let go at once.
    opening.then(async (late) => {
      if (signal?.aborted) await late.close();
    }, ignore);
    cursor = await untilAborted(opening, signal);
    stage = "query";
    // A driver's rows may never settle once its connection is dropped: each wait for a
    // batch also ends at the abort.
    const batches = cursor.batches[Symbol.asyncIterator]();
    let shape: ((rows: unknown[][]) => Row[]) | undefined;
    let count = 0;
    for (;;) {
      const next = await untilAborted(batches.next(), signal);
      if (next.done) break;
      if (shape === undefined) {
        const columns = cursor.columns();
        if (headers === true) yield [[...columns]];
        shape = headers === true ? (rows) => rows : objectShaper(connection, columns);
      }
      signal?.throwIfAborted();
      const before = count;
      count += next.value.length;
      yield shape(next.value);
      for (
        let at = before - (before % progressEvery) + progressEvery;
        at <= count;
        at += progressEvery
      ) {
        onProgress?.(at);
      }
    }
    if (shape === undefined && headers === true) yield [[...cursor.columns()]];
    onProgress?.(count);
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw sourceError(connection, error, stage, connectTimeoutMs);
  } finally {
    signal?.removeEventListener("abort", onAbort);
    await cursor?.close();
  }
}

/**
 * Rows as objects keyed by column name. Two columns of one name would silently become
 * one, so that is refused.
 */
function objectShaper(
  connection: SqlConnection,
  columns: readonly string[],
): (rows: unknown[][]) => Row[] {
  const twice = columns.find((name, i) => columns.indexOf(name) !== i);
  if (twice !== undefined) {
    throw new SundialError(
      "sourceFailed",
      `connection "${connection.name}": the query gives two columns named "${twice}"; name each column apart (SELECT a.id AS a_id, …), or turn on headers`,
      { field: "query" },
    );
  }
  // A column named __proto__ would set the prototype rather than a key.
  if (columns.includes("__proto__")) {
    return (rows) =>
      rows.map((values) => Object.fromEntries(columns.map((name, i) => [name, values[i]])));
  }
  return (rows) =>
    rows.map((values) => {
      const row: Record<string, unknown> = {};
      for (let i = 0; i < columns.length; i++) row[columns[i] as string] = values[i];
      return row;
    });
}
