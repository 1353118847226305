/**
 * The SQL source on a SQLite file: the file opened on its own (read-only unless the
 * connection says otherwise, and never created), the rows stepped through one at a time
 * with better-sqlite3's `iterate()`.
 *
 * Stepping is synchronous, so the rows give the event loop a turn after each batch: lease
 * renewals, progress and an abort get in during a long read.
 *
 * Values: integers as numbers when exact, else bigints; text, reals and blobs as stored.
 */
import { stat } from "node:fs/promises";
import { setImmediate as turn } from "node:timers/promises";
import Database from "better-sqlite3";
import type { SqliteSettings } from "./sql-connection.js";
import { BATCH_ROWS, type CursorRequest, exactInteger, type SqlCursor } from "./sql-cursor.js";
import { NoSuchFileError } from "./sql-error.js";

/** Opens the file; the query is prepared when the rows are first read. See {@link SqlCursor}. */
export async function openSqlite(
  settings: SqliteSettings,
  request: CursorRequest,
): Promise<SqlCursor> {
  const { query } = request;
  const file = await stat(settings.path).catch(() => undefined);
  if (file === undefined || !file.isFile()) {
    throw new NoSuchFileError(`${settings.path} does not exist or is not a file`);
  }
  const db = new Database(settings.path, {
    readonly: settings.readOnly !== false,
    fileMustExist: true,
  });
  let columns: string[] = [];
  let cancelled = false;

  async function* batches(): AsyncGenerator<unknown[][]> {
    const statement = db.prepare(query.text);
    if (!statement.reader) {
      statement.run(...query.values);
      return;
    }
    statement.raw(true).safeIntegers(true);
    columns = statement.columns().map((column) => column.name);
    let batch: unknown[][] = [];
    for (const row of statement.iterate(...query.values) as Iterable<unknown[]>) {
      for (let i = 0; i < row.length; i++) {
        const value = row[i];
        if (typeof value === "bigint") row[i] = exactInteger(value);
      }
      batch.push(row);
      if (batch.length === BATCH_ROWS) {
        yield batch;
        batch = [];
        await turn();
        if (cancelled) throw new Error("the query was cancelled");
      }
    }
    if (batch.length > 0) yield batch;
  }

  const reading = batches();
  return {
    batches: reading,
    columns: () => columns,
    cancel: () => {
      cancelled = true;
    },
    async close() {
      // Ends the statement's iteration, which must be over before the file closes.
      await reading.return(undefined);
      db.close();
    },
  };
}
