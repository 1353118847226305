/**
 * JSON (one array of objects, an object a line) and NDJSON (an object a line), always
 * UTF-8 as RFC 8259 asks. Array rows become objects keyed by the header row.
 */
import { jsonReplacer, unwritable } from "./cell-text.js";
import type { FormatterInput, RowFormatter } from "./row-formatter.js";
import type { Row } from "./row-source.js";

/**
 * @example
 * const json = jsonFormatter({ shape: "arrays", columns: ["id"], append: "" });
 * json.start() + json.rows({ rows: [[1], [2]], first: 1 }) + json.end(); // '[\n{"id":1},\n{"id":2}\n]\n'
 */
export function jsonFormatter(input: FormatterInput): RowFormatter {
  return jsonRows(input, {
    start: "[",
    line: (json, index) => `${index === 0 ? "\n" : ",\n"}${json}`,
    end: (written) => (written === 0 ? "]\n" : "\n]\n"),
  });
}

/**
 * @example
 * const ndjson = ndjsonFormatter({ shape: "objects", columns: ["id"], append: "" });
 * ndjson.rows({ rows: [{ id: 1 }, { id: 2 }], first: 1 }); // '{"id":1}\n{"id":2}\n'
 */
export function ndjsonFormatter(input: FormatterInput): RowFormatter {
  const lineEnd = `${input.append}\n`;
  return jsonRows(input, { start: "", line: (json) => json + lineEnd, end: () => "" });
}

/** A row's JSON per line, laid out by `layout` (`index` counts rows from 0). */
function jsonRows(
  input: FormatterInput,
  layout: {
    readonly start: string;
    readonly line: (json: string, index: number) => string;
    readonly end: (written: number) => string;
  },
): RowFormatter {
  const objectOf = objectMaker(input);
  let written = 0;
  return {
    encoding: "utf8",
    bom: false,
    start: () => layout.start,
    rows(batch) {
      let text = "";
      for (const row of batch.rows) {
        text += layout.line(JSON.stringify(objectOf(row), jsonReplacer), written++);
      }
      return text;
    },
    end: () => layout.end(written),
  };
}

/** Objects as they are; arrays zipped with the header row, a missing value as null. */
function objectMaker(input: FormatterInput): (row: Row) => unknown {
  if (input.shape !== "arrays") return (row) => row;
  const columns = input.columns ?? [];
  const seen = new Set<string>();
  for (const column of columns) {
    if (seen.has(column)) {
      throw unwritable(
        "the header row",
        `names the column ${JSON.stringify(column)} twice, and a JSON object can hold it once; rename one (in SQL, with AS)`,
      );
    }
    seen.add(column);
  }
  // fromEntries defines properties, so a column named "__proto__" stays a plain key.
  return (row) =>
    Object.fromEntries(
      columns.map((column, i) => [column, (row as readonly unknown[])[i] ?? null]),
    );
}
