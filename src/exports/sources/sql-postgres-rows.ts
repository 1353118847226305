/**
 * The rows of the SQL source's query on PostgreSQL, read from the connection's bytes as
 * they arrive, in batches, with the server held back while the reader is behind.
 *
 * pg runs the query (one Execute for every row, so that the server streams them without
 * waiting for a fetch per batch, and works on while the reader formats), and handles every
 * message but the rows: the row description, errors, the end. The rows (DataRow messages)
 * are taken out of the bytes before pg's parser sees them and read here, each value by its
 * column's type (sql-postgres-values.ts): pg would decode every value into a string first,
 * which took a third of an export's time (bench/export).
 *
 * pg reads its connection through one `data` listener, given every chunk as it comes; it
 * is swapped for one that passes pg what is not a row, whole messages only.
 */
import type { Duplex } from "node:stream";
import { BATCH_ROWS } from "./sql-cursor.js";
import { type ValueReader, valueReader } from "./sql-postgres-values.js";

/** Message types of the backend protocol (PostgreSQL 3.0) read here. */
const DATA_ROW = 0x44;
const ROW_DESCRIPTION = 0x54;
/** Type and length, before a message's body. */
const HEADER = 5;
const NULL_LENGTH = -1;

export interface RowFeed {
  /** The rows, a batch at a time; rejects with the query's failure. */
  readonly batches: AsyncGenerator<unknown[][]>;
  /** The column names: known once the row description came. */
  columns(): readonly string[];
  /** Every row came. */
  end(): void;
  /** The query failed, or the connection did. */
  fail(error: unknown): void;
  /** The rows ended, or the query failed. */
  settled(): boolean;
}

/**
 * Starts taking the rows out of what `socket` (pg's connection, once connected) receives.
 * @param text give values as their text where cheaper (`RowBatchOptions.text`).
 */
export function feedRows(socket: Duplex, text: boolean): RowFeed {
  const [pgReader, ...others] = socket.listeners("data") as ((chunk: Buffer) => void)[];
  if (pgReader === undefined || others.length > 0) {
    throw new Error("pg does not read its connection as this source expects (one data listener)");
  }

  let names: string[] = [];
  let readers: ValueReader[] = [];
  let filling: unknown[][] = [];
  const full: unknown[][][] = [];
  // Bytes received and not yet read, from a message's start: one cut by a chunk's end, or
  // what came after a batch that filled. Joined only once the first message is whole, so
  // that a value of many chunks is copied once, not once a chunk.
  let unread: Buffer[] = [];
  let unreadLength = 0;
  /** The length of the first unread message, once its header came. */
  let wanted = 0;
  let paused = false;
  let ended = false;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };

  const describe = (bytes: Buffer, start: number) => {
    const count = bytes.readUInt16BE(start);
    names = [];
    readers = [];
    let at = start + 2;
    for (let i = 0; i < count; i++) {
      const nameEnd = bytes.indexOf(0, at);
      names.push(bytes.toString("utf8", at, nameEnd));
      // The table's oid (4) and column (2), then the type's oid.
      readers.push(valueReader(bytes.readUInt32BE(nameEnd + 7), text));
      // Type oid (4), size (2), modifier (4), format (2).
      at = nameEnd + 19;
    }
  };

  const readRow = (bytes: Buffer, start: number): unknown[] => {
    const count = uint16(bytes, start);
    const row = new Array<unknown>(count);
    let at = start + 2;
    for (let i = 0; i < count; i++) {
      const length = int32(bytes, at);
      at += 4;
      if (length === NULL_LENGTH) {
        row[i] = null;
      } else {
        row[i] = (readers[i] as ValueReader)(bytes, at, at + length);
        at += length;
      }
    }
    return row;
  };

  /** Reads whole messages of `bytes` until they end or a batch fills; where it stopped. */
  const read = (bytes: Buffer): number => {
    let at = 0;
    while (at + HEADER <= bytes.length) {
      const end = at + 1 + int32(bytes, at + 1);
      if (end > bytes.length) break;
      const type = bytes[at];
      if (type !== DATA_ROW) {
        if (type === ROW_DESCRIPTION) describe(bytes, at + HEADER);
        pgReader(bytes.subarray(at, end));
      } else if (failure === undefined) {
        filling.push(readRow(bytes, at + HEADER));
        if (filling.length === BATCH_ROWS) {
          full.push(filling);
          filling = [];
          notify();
          // A batch ahead of the reader keeps it busy; the server works on meanwhile,
          // into the socket's buffers, until TCP holds it back.
          paused = true;
          at = end;
          break;
        }
      }
      at = end;
    }
    return at;
  };

  const readUnread = () => {
    const bytes = unread.length === 1 ? (unread[0] as Buffer) : Buffer.concat(unread, unreadLength);
    let at = bytes.length;
    try {
      at = read(bytes);
    } catch (error) {
      feed.fail(error);
      socket.destroy();
    }
    const rest = bytes.subarray(at);
    unread = rest.length === 0 ? [] : [rest];
    unreadLength = rest.length;
    wanted = rest.length >= HEADER ? 1 + int32(rest, 1) : 0;
    if (paused) socket.pause();
  };

  socket.removeListener("data", pgReader);
  socket.on("data", (chunk: Buffer) => {
    unread.push(chunk);
    unreadLength += chunk.length;
    if (!paused && unreadLength >= wanted) readUnread();
  });

  /** Reads on from where a full batch stopped reading, once the reader took it. */
  const unpause = () => {
    if (!paused || full.length > 0) return;
    paused = false;
    if (unreadLength > 0 && unreadLength >= wanted) readUnread();
    if (!paused) socket.resume();
  };

  const feed: RowFeed = {
    columns: () => names,
    end() {
      ended = true;
      notify();
    },
    fail(error) {
      failure ??= { error };
      // Rows are no longer read, but the rest is, so that the connection can end.
      full.length = 0;
      unpause();
      notify();
    },
    settled: () => ended || failure !== undefined,
    batches: (async function* () {
      for (;;) {
        if (failure !== undefined) throw failure.error;
        let batch = full.shift();
        if (batch === undefined && ended && filling.length > 0) {
          batch = filling;
          filling = [];
        }
        if (batch !== undefined) {
          unpause();
          yield batch;
          continue;
        }
        if (ended) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    })(),
  };
  return feed;
}

// Buffer's readInt32BE checks its bounds on every call; a message's lengths were checked
// against the bytes received already.
function int32(bytes: Buffer, at: number): number {
  return (
    ((bytes[at] as number) << 24) |
    ((bytes[at + 1] as number) << 16) |
    ((bytes[at + 2] as number) << 8) |
    (bytes[at + 3] as number)
  );
}

function uint16(bytes: Buffer, at: number): number {
  return ((bytes[at] as number) << 8) | (bytes[at + 1] as number);
}
