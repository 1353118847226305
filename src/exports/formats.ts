/**
 * The formatter of each file format; test/exports/formats.test.ts runs one suite against
 * every one of them.
 */
import { csvFormatter, csvWritesOnlyText } from "./csv-format.js";
import type { FileFormat } from "./file-format.js";
import { jsonFormatter, ndjsonFormatter } from "./json-format.js";
import type { FormatterInput, RowFormatter } from "./row-formatter.js";
import { textFormatter } from "./text-format.js";

/**
 * The formatter of `format` for rows described by `input`.
 * @example
 * const csv = formatterFor({ type: "csv" }, { shape: "arrays", columns: ["id"], append: "" });
 * csv.start() + csv.rows({ rows: [[1], [2]], first: 1 }); // "id\n1\n2\n"
 */
export function formatterFor(format: FileFormat, input: FormatterInput): RowFormatter {
  switch (format.type) {
    case "csv":
      return csvFormatter(format, input);
    case "json":
      return jsonFormatter(input);
    case "ndjson":
      return ndjsonFormatter(input);
    case "text":
      return textFormatter(format, input);
  }
}

/**
 * Whether `format` writes nothing of a value but the text `cellText` gives it, so that a
 * source may hand over that text instead of the value (`RowBatchOptions.text`).
 */
export function writesOnlyText(format: FileFormat): boolean {
  switch (format.type) {
    case "csv":
      return csvWritesOnlyText(format);
    case "text":
      return true;
    case "json":
    case "ndjson":
      return false;
  }
}
