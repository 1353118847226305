/**
 * The contract each database driver of the SQL source keeps: open a connection of its own,
 * run one prepared query, and hand the rows over as arrays of values, a batch at a time as
 * the reader pulls, so that the server (or the file) holds the result and memory holds a
 * batch. Batches, not rows, because waiting costs far more than a row does: a million
 * awaits take longer than reading the million rows.
 */
import type { Readable } from "node:stream";
import type { ServerDatabaseSettings } from "./sql-connection.js";
import type { PreparedQuery } from "./sql-parameters.js";

export interface SqlCursor {
  /** Rows, each as its values in column order, in batches; a failing query rejects here. */
  readonly batches: AsyncIterable<unknown[][]>;
  /** The column names: known once the first row came, or the rows ended. */
  columns(): readonly string[];
  /** Stops the query on the server now (an abort); the rows then reject. */
  cancel(): void;
  /**
   * Lets the connection go, stopping the query first if its rows have not ended, and
   * releases the rows (the reader leaves them without asking them to close, which a
   * driver whose connection is dropped might never answer). Never throws.
   */
  close(): Promise<void>;
}

export interface CursorRequest {
  readonly query: PreparedQuery;
  /** Aborting it while connecting gives the connection up. */
  readonly signal: AbortSignal | undefined;
  readonly connectTimeoutMs: number;
  /** See `RowBatchOptions.text`: a driver may give values as their text. */
  readonly text: boolean;
}

/**
 * Rows handed to the reader at a time (and MySQL's stream buffer); PostgreSQL's socket is
 * paused while a batch waits for the reader.
 */
export const BATCH_ROWS = 1000;

/** The TLS options both drivers take for an `ssl` mode, or false for none. */
export function tlsOptions(
  settings: ServerDatabaseSettings,
): { rejectUnauthorized: boolean; ca?: string } | false {
  switch (settings.ssl ?? "disable") {
    case "disable":
      return false;
    case "require":
      // Encrypted but unauthenticated, as libpq's sslmode=require.
      return { rejectUnauthorized: false };
    default:
      return {
        rejectUnauthorized: true,
        ...(settings.ca === undefined ? {} : { ca: settings.ca }),
      };
  }
}

/** A whole number as a number when it fits exactly, else as a bigint (never rounded). */
export function exactInteger(value: bigint | string): number | bigint {
  const number = Number(value);
  return Number.isSafeInteger(number) ? number : BigInt(value);
}

export const ignore = (): void => {};

/**
 * The rows an object stream has buffered, taken all at once, waiting only when it has
 * none. A stream that closes before its end (its connection dropped) is an error, never a
 * short result.
 */
export async function* batchesOf(stream: Readable): AsyncGenerator<unknown[][]> {
  let wake: (() => void) | undefined;
  const notify = () => wake?.();
  const events = ["readable", "end", "error", "close"] as const;
  for (const event of events) stream.on(event, notify);
  try {
    for (;;) {
      const batch: unknown[][] = [];
      for (let row = stream.read(); row !== null; row = stream.read()) batch.push(row);
      if (batch.length > 0) {
        yield batch;
        continue;
      }
      if (stream.errored !== null) throw stream.errored;
      if (stream.readableEnded) return;
      if (stream.destroyed) throw new Error("the connection closed before the rows ended");
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
    }
  } finally {
    for (const event of events) stream.off(event, notify);
  }
}

/**
 * `promise`, or the signal's reason as soon as it aborts, whichever comes first; nothing
 * is left listening afterwards.
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    if (signal.aborted) onAbort();
    // Handled even when the abort wins, so a late failure is never an unhandled rejection.
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/** How long a connection may take to say goodbye before it is dropped. */
const GOODBYE_MS = 2000;

/**
 * Ends a connection politely (the server then logs no lost client), or drops it when the
 * goodbye takes too long (the server may be gone).
 */
export async function endWithin(end: () => Promise<unknown>, drop: () => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      drop();
      resolve();
    }, GOODBYE_MS);
  });
  await Promise.race([end().catch(ignore), late]);
  clearTimeout(timer);
}
