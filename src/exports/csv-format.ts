/**
 * CSV through csv-stringify, a batch of rows per call. Values are written as
 * {@link cellText} gives them; quoting follows the format's `quoting`.
 */
import { type CastingContext, type Options, stringify } from "csv-stringify/sync";
import { cellText, describeCharacter, unwritable, unwritableCharacter } from "./cell-text.js";
import type { CsvFormat } from "./file-format.js";
import { cellPlace, type FormatterInput, type RowFormatter, valuesOf } from "./row-formatter.js";

/**
 * @example
 * const csv = csvFormatter({ type: "csv", delimiter: ";" }, { shape: "arrays", columns: ["a", "b"], append: "" });
 * csv.start() + csv.rows({ rows: [[1, "x;y"]], first: 1 }); // 'a;b\n1;"x;y"\n'
 */
export function csvFormatter(format: CsvFormat, input: FormatterInput): RowFormatter {
  const encoding = format.encoding ?? "utf8";
  const delimiter = format.delimiter ?? ",";
  const quoting = format.quoting ?? "minimal";
  const columns = input.columns;
  // The number of the first row of the batch being written; "header" for the header line.
  let first: number | "header" = "header";

  const cast = (value: unknown, context: CastingContext): string => {
    const text = cellText(value);
    const place = () =>
      cellPlace(
        first === "header" ? "header" : first + context.records,
        Number(context.column ?? context.index),
        columns,
      );
    const bad = unwritableCharacter(text, encoding);
    if (bad !== undefined) {
      throw unwritable(
        place(),
        `${describeCharacter(bad)} can't be written in ${encoding}; choose encoding utf8 or utf16le`,
      );
    }
    if (quoting === "never" && (text.includes(delimiter) || /[\r\n]/.test(text))) {
      const what = text.includes(delimiter)
        ? `the delimiter ${JSON.stringify(delimiter)}`
        : "a line break";
      throw unwritable(
        place(),
        `the value holds ${what}, which needs quotes but quoting is "never"; choose quoting "minimal"`,
      );
    }
    return text;
  };

  const quote = quoting === "never" ? "" : (format.quote ?? '"');
  const options: Options = {
    delimiter,
    // An empty quote makes csv-stringify write every value bare; `cast` refuses the ones that need quotes.
    quote,
    // csv-stringify escapes with `"` whatever the quote; RFC 4180 doubles the quote itself.
    ...(quote === "" ? {} : { escape: quote }),
    quoted: quoting === "all",
    // Left unset otherwise, so that `strings` still quotes an empty string (and not a null).
    ...(quoting === "all" ? { quoted_empty: true } : {}),
    quoted_string: quoting === "strings",
    record_delimiter: input.append + (format.lineEnding ?? "\n"),
    // csv-stringify stops quoting a bare \n or \r once a record delimiter is given; a
    // reader splitting on either would then cut the row.
    quote_record_delimiter: true,
    eof: true,
    header: false,
    cast: { string: cast, number: cast, bigint: cast, boolean: cast, date: cast, object: cast },
  };

  return {
    encoding,
    bom: format.bom ?? false,
    start() {
      if (format.header === false || columns === undefined || columns.length === 0) return "";
      first = "header";
      return stringify([columns as string[]], options);
    },
    rows(batch) {
      first = batch.first;
      return stringify(
        batch.rows.map((row) => valuesOf(row, columns) as unknown[]),
        options,
      );
    },
    end: () => "",
  };
}
