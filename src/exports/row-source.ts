/**
 * Reading the rows an export writes, as they come from a source: objects, or arrays led by
 * a header row. Rows are pulled as the source gives them (one at a time, or a batch at a
 * time from a source that reads them so) and handed on in small batches, so memory holds a
 * batch, never the result; the running count is checked against `maxRows` and reported as
 * progress.
 *
 * Vocabulary: a *data row* is any row but the header row; an output with no data rows is
 * *empty* (a header line alone is still empty).
 */
import { SundialError } from "../errors.js";

/** One row: an object (its keys are the columns), or an array of values. */
export type Row = Readonly<Record<string, unknown>> | readonly unknown[];

/**
 * Rows as a source gives them. Either objects, the columns being the first object's keys,
 * or arrays, the first array being the header row (the column names).
 */
export type RowInput = AsyncIterable<Row> | Iterable<Row> | BatchedRows;

/** The key of {@link BatchedRows}' batches. */
export const rowBatches = Symbol("rowBatches");

/**
 * Rows a source reads a batch at a time (a database cursor), offered as those batches too:
 * an await per row costs more than reading the row (bench/export).
 */
export interface BatchedRows extends AsyncIterable<Row> {
  /** The same rows, in order, a batch at a time; each batch has at least one row. */
  [rowBatches](options: RowBatchOptions): AsyncIterator<readonly Row[]>;
}

export interface RowBatchOptions {
  /**
   * The reader writes nothing of a value but the text `cellText` gives it (CSV, plain
   * text): the source may give a data row's value as that text where it can make it
   * straight from what it read, rather than make the value only to have it turned back
   * into text.
   */
  readonly text: boolean;
}

/** The default of an output's `maxRows`. */
export const DEFAULT_MAX_ROWS = 100_000;

/** Rows handed to a format at once: small, so that wide rows can't pile up in memory. */
const BATCH_ROWS = 256;

export interface RowReadOptions {
  readonly maxRows: number;
  readonly signal?: AbortSignal | undefined;
  /** Called with the number of data rows read so far, every `progressEvery` rows and at the end. */
  readonly onProgress?: ((rows: number) => void) | undefined;
  readonly progressEvery: number;
  /** Passed to a {@link BatchedRows} source; default false. */
  readonly text?: boolean | undefined;
}

/** Consecutive data rows; `first` is the 1-based number of `rows[0]`. */
export interface RowBatch {
  readonly rows: readonly Row[];
  readonly first: number;
}

/** The rows of one export, after their first rows were looked at. */
export interface RowReader {
  /** `undefined` when the source gave no row at all (not even a header row). */
  readonly shape: "objects" | "arrays" | undefined;
  /** The header row, or the first object's keys; `undefined` when neither exists. */
  readonly columns: readonly string[] | undefined;
  /** True when there is no data row. */
  readonly empty: boolean;
  /** Data rows read so far; after {@link RowReader.batches} has ended, all of them. */
  readonly count: number;
  /** The data rows, once; checks each row's shape, the abort signal and `maxRows`. */
  batches(): AsyncGenerator<RowBatch>;
  /** Lets the source go (a database cursor closes) when the batches are never read to the end. */
  close(): Promise<void>;
}

/**
 * Looks at the first rows of `input` (the header row, and whether any data row follows),
 * so that the file's columns, and whether it is empty, are known before it is written.
 * @throws SundialError `invalidRow` for a header row that is not a list of names.
 * @example
 * const reader = await readRows([["id", "name"], [1, "Ada"]], { maxRows: 10, progressEvery: 1000 });
 * reader.columns; // ["id", "name"]
 * for await (const batch of reader.batches()) console.log(batch.rows); // [[1, "Ada"]]
 */
export async function readRows(input: RowInput, options: RowReadOptions): Promise<RowReader> {
  const iterator = batchIterator(input, options.text === true);
  let finished = false;
  // The source's batch being read, and the index of its next row.
  let pending: readonly Row[] = [];
  let at = 0;
  /** Whether a row is there to read at `pending[at]`, pulling batches until one is. */
  const more = async (): Promise<boolean> => {
    while (at === pending.length) {
      if (finished) return false;
      const result = await iterator.next();
      if (result.done) {
        finished = true;
        return false;
      }
      pending = result.value;
      at = 0;
    }
    return true;
  };
  const close = async (): Promise<void> => {
    if (finished) return;
    finished = true;
    await iterator.return?.();
  };

  let columns: readonly string[] | undefined;
  let shape: RowReader["shape"];
  let empty: boolean;
  try {
    const first = (await more()) ? pending[at] : undefined;
    if (Array.isArray(first)) {
      shape = "arrays";
      columns = headerOf(first);
      at++;
    } else if (kindOf(first) === "an object") {
      shape = "objects";
      columns = Object.keys(first as object);
    } else if (first !== undefined || !finished) {
      throw notARow(first, "the first row");
    }
    empty = !(await more());
  } catch (error) {
    await close();
    throw error;
  }

  let count = 0;
  let started = false;
  const check = rowChecker(shape, columns);
  return {
    shape,
    columns,
    empty,
    get count() {
      return count;
    },
    close,
    async *batches() {
      if (started) throw new Error("the rows of an export can be read once");
      started = true;
      const { maxRows, signal, onProgress, progressEvery } = options;
      let batch: Row[] = [];
      try {
        // Awaiting only for the next batch: an await per row costs more than the row.
        while (at < pending.length || (await more())) {
          const row = pending[at++] as Row;
          if (signal?.aborted) throw signal.reason;
          count++;
          if (count > maxRows) throw tooManyRows(maxRows);
          check(row, count);
          batch.push(row);
          if (batch.length === BATCH_ROWS) {
            yield { rows: batch, first: count - batch.length + 1 };
            batch = [];
          }
          if (count % progressEvery === 0) onProgress?.(count);
        }
        if (batch.length > 0) yield { rows: batch, first: count - batch.length + 1 };
        onProgress?.(count);
      } finally {
        await close();
      }
    },
  };
}

/** The source's rows a batch at a time: its own batches, or else each row alone as it comes. */
function batchIterator(
  input: RowInput,
  text: boolean,
): AsyncIterator<readonly Row[]> | Iterator<readonly Row[]> {
  if (input !== null && typeof input === "object") {
    if (rowBatches in input) return input[rowBatches]({ text });
    const rows: AsyncIterator<Row> | Iterator<Row> | undefined =
      Symbol.asyncIterator in input
        ? input[Symbol.asyncIterator]()
        : Symbol.iterator in input
          ? input[Symbol.iterator]()
          : undefined;
    if (rows !== undefined) {
      return {
        next: async () => {
          const result = await rows.next();
          return result.done ? result : { done: false, value: [result.value] };
        },
        return: async () => {
          await rows.return?.();
          return { done: true, value: undefined };
        },
      };
    }
  }
  throw new SundialError("badRequest", "rows: is not an iterable of rows (an array, a generator)", {
    field: "rows",
  });
}

function headerOf(header: readonly unknown[]): string[] {
  return header.map((name, i) => {
    if (typeof name !== "string") {
      throw new SundialError(
        "invalidRow",
        `the header row: value ${i + 1} is ${kindOf(name)}, not a column name (a string)`,
        { field: "rows" },
      );
    }
    return name;
  });
}

/** The checks every data row passes: the same kind as the first row, and as many values as columns. */
function rowChecker(
  shape: RowReader["shape"],
  columns: readonly string[] | undefined,
): (row: Row, number: number) => void {
  if (shape === "arrays") {
    const width = columns?.length ?? 0;
    return (row, number) => {
      if (!Array.isArray(row)) throw notARow(row, `row ${number}`, "an array like the header row");
      if (row.length !== width) {
        throw new SundialError(
          "invalidRow",
          `row ${number}: has ${row.length} values but the header row has ${width} columns`,
          { field: "rows" },
        );
      }
    };
  }
  return (row, number) => {
    if (kindOf(row) !== "an object") {
      throw notARow(row, `row ${number}`, "an object like the rows before it");
    }
  };
}

function notARow(value: unknown, which: string, expected = "an object or an array"): SundialError {
  return new SundialError("invalidRow", `${which}: is ${kindOf(value)}, expected ${expected}`, {
    field: "rows",
  });
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (value instanceof Date) return "a date";
  const type = typeof value;
  return type === "object" ? "an object" : `a ${type}`;
}

function tooManyRows(maxRows: number): SundialError {
  return new SundialError(
    "rowLimitExceeded",
    `maxRows: the output has more than ${maxRows.toLocaleString("en-US")} data rows, so no file was written; raise maxRows or narrow the query`,
    { field: "maxRows" },
  );
}
