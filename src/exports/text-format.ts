/**
 * Plain text: a line per row, its values (as {@link cellText} gives them) joined by the
 * delimiter, nothing quoted. A value holding a line break would make two lines of one row,
 * so it fails the run instead.
 */
import { cellText, describeCharacter, unwritable, unwritableCharacter } from "./cell-text.js";
import type { TextFormat } from "./file-format.js";
import { cellPlace, type FormatterInput, type RowFormatter, valuesOf } from "./row-formatter.js";

/**
 * @example
 * const text = textFormatter({ type: "text" }, { shape: "arrays", columns: ["line"], append: "" });
 * text.rows({ rows: [["first"], ["second"]], first: 1 }); // "first\nsecond\n"
 */
export function textFormatter(format: TextFormat, input: FormatterInput): RowFormatter {
  const encoding = format.encoding ?? "utf8";
  const delimiter = format.delimiter ?? "\t";
  const lineEnd = input.append + (format.lineEnding ?? "\n");
  const columns = input.columns;

  const line = (values: readonly unknown[], row: number | "header"): string => {
    const texts = values.map((value, column) => {
      const text = cellText(value);
      const bad = /[\r\n]/.exec(text)?.[0] ?? unwritableCharacter(text, encoding);
      if (bad === undefined) return text;
      const reason =
        bad === "\n" || bad === "\r"
          ? "the value holds a line break, which would split the row in a text file; choose csv or ndjson"
          : `${describeCharacter(bad)} can't be written in ${encoding}; choose encoding utf8 or utf16le`;
      throw unwritable(cellPlace(row, column, columns), reason);
    });
    return texts.join(delimiter) + lineEnd;
  };

  return {
    encoding,
    bom: format.bom ?? false,
    start: () =>
      format.header === true && columns !== undefined && columns.length > 0
        ? line(columns, "header")
        : "",
    rows(batch) {
      let text = "";
      batch.rows.forEach((row, i) => {
        text += line(valuesOf(row, columns), batch.first + i);
      });
      return text;
    },
    end: () => "",
  };
}
