/**
 * CSV, written here rather than through a library: with a value hook per cell, csv-stringify
 * took about two thirds of an export's time (bench/export), and the rules are few. They are
 * RFC 4180's, with the format's options:
 *
 * - a value is quoted when it holds the delimiter, the quote, a line break (`\r` or `\n`) or
 *   the line's end (`append` + line ending), and always under `quoting: "all"`, and for
 *   string values under `"strings"`; a quote inside a quoted value is doubled;
 * - an empty value is written bare, except under `"all"` (every empty value, null included,
 *   is `""`) and `"strings"` (an empty string is `""`, a null stays bare);
 * - under `"never"` nothing is quoted, and a value that would need quotes is refused.
 *
 * Values are written as {@link cellText} gives them.
 */
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
  const quote = quoting === "never" ? "" : (format.quote ?? '"');
  const lineEnd = input.append + (format.lineEnding ?? "\n");
  const columns = input.columns;
  const needsQuotes = quotingTest(delimiter, quote, lineEnd);
  const doubled = quote + quote;

  /** One value's text, quoted as the format says; `row` and `column` only for messages. */
  const cell = (value: unknown, row: number | "header", column: number): string => {
    const text = cellText(value);
    if (text === "") {
      const quoted = quoting === "all" || (quoting === "strings" && value === "");
      return quoted ? doubled : "";
    }
    if (encoding === "latin1") {
      const bad = unwritableCharacter(text, encoding);
      if (bad !== undefined) {
        throw unwritable(
          cellPlace(row, column, columns),
          `${describeCharacter(bad)} can't be written in ${encoding}; choose encoding utf8 or utf16le`,
        );
      }
    }
    const special = needsQuotes(text);
    if (quote === "") {
      if (special) refuseBare(text, row, column);
      return text;
    }
    if (special || quoting === "all" || (quoting === "strings" && typeof value === "string")) {
      return quote + (text.includes(quote) ? text.replaceAll(quote, doubled) : text) + quote;
    }
    return text;
  };

  const refuseBare = (text: string, row: number | "header", column: number): never => {
    const what = text.includes(delimiter)
      ? `the delimiter ${JSON.stringify(delimiter)}`
      : "a line break";
    throw unwritable(
      cellPlace(row, column, columns),
      `the value holds ${what}, which needs quotes but quoting is "never"; choose quoting "minimal"`,
    );
  };

  const line = (values: readonly unknown[], row: number | "header"): string => {
    let text = "";
    for (let i = 0; i < values.length; i++) {
      if (i > 0) text += delimiter;
      text += cell(values[i], row, i);
    }
    return text + lineEnd;
  };

  return {
    encoding,
    bom: format.bom ?? false,
    start() {
      if (format.header === false || columns === undefined || columns.length === 0) return "";
      return line(columns, "header");
    },
    rows(batch) {
      let text = "";
      for (let i = 0; i < batch.rows.length; i++) {
        text += line(
          valuesOf(batch.rows[i] as Parameters<typeof valuesOf>[0], columns),
          batch.first + i,
        );
      }
      return text;
    },
    end: () => "",
  };
}

/**
 * Whether the format looks at nothing of a value but its text: `quoting: "strings"` also
 * asks whether it was a string.
 */
export function csvWritesOnlyText(format: CsvFormat): boolean {
  return format.quoting !== "strings";
}

/**
 * Whether a value's text needs quotes: it holds the delimiter, the quote, a line break, or
 * the line's end, or would run into the mark that follows it. One regular expression when every mark is a single character (the usual
 * case, and the fast one), else a search for each.
 */
function quotingTest(delimiter: string, quote: string, lineEnd: string): (text: string) => boolean {
  const marks = [delimiter, quote, lineEnd, "\n", "\r"].filter((mark) => mark !== "");
  if (marks.every((mark) => mark.length === 1)) {
    const escaped = marks.map((mark) => mark.replace(/[\\\]^-]/g, "\\$&")).join("");
    const pattern = new RegExp(`[${escaped}]`);
    return (text) => pattern.test(text);
  }
  // A longer mark is also found when the text ends with its start: "x|" before the
  // delimiter "||" reads as "x|||", whose first "||" is inside the value.
  return (text) => marks.some((mark) => (text + mark).indexOf(mark) < text.length);
}
