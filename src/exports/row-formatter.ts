/**
 * What every format is to the export pipeline: text before the rows, the text of each
 * batch of rows, text after them. Formats never see the whole output, so memory stays
 * flat whatever the row count.
 */
import type { Encoding } from "./cell-text.js";
import type { RowBatch } from "./row-source.js";

export interface RowFormatter {
  /** The encoding of the file's bytes. */
  readonly encoding: Encoding;
  /** Bytes before everything else: a byte order mark, or none. */
  readonly bom: boolean;
  /** Text before the first data row: a header line, JSON's opening bracket. */
  start(): string;
  /** The text of a batch of data rows. */
  rows(batch: RowBatch): string;
  /** Text after the last data row. */
  end(): string;
}

/** What a format is told about the rows it writes. */
export interface FormatterInput {
  /** Whether rows are objects or arrays (led by the header row); `undefined` when there were no rows at all. */
  readonly shape: "objects" | "arrays" | undefined;
  /** The header row, or the first object's keys. */
  readonly columns: readonly string[] | undefined;
  /** Characters written at the end of every line, before the line ending (`append`). */
  readonly append: string;
}

/** Where a value sits, for messages: `row 3, column "name"`, `the header row, column 2`. */
export function cellPlace(
  row: number | "header",
  column: number,
  columns: readonly string[] | undefined,
): string {
  const name = columns?.[column];
  const which = row === "header" ? "the header row" : `row ${row}`;
  return `${which}, column ${name === undefined ? column + 1 : JSON.stringify(name)}`;
}

/** A row's values in column order: an array as it is, an object's values under `columns`. */
export function valuesOf(
  row: readonly unknown[] | Readonly<Record<string, unknown>>,
  columns: readonly string[] | undefined,
): readonly unknown[] {
  if (Array.isArray(row)) return row;
  const object = row as Readonly<Record<string, unknown>>;
  return (columns ?? []).map((column) =>
    Object.hasOwn(object, column) ? object[column] : undefined,
  );
}
