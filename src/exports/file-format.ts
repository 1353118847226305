/**
 * The formats an export writes, and their options. Each is a schema (validation, type and,
 * later, API documentation at once) keyed by `type`.
 */
import { type Static, Type } from "typebox";

const LineEnding = Type.Union([Type.Literal("\n"), Type.Literal("\r\n")]);
const Encoding = Type.Union([
  Type.Literal("utf8"),
  Type.Literal("utf16le"),
  Type.Literal("latin1"),
]);
/** Options of the line-oriented text formats (CSV and plain text). */
const textOptions = {
  /** Whether the first line names the columns. */
  header: Type.Optional(Type.Boolean()),
  /** `"\n"` (default) or `"\r\n"`. */
  lineEnding: Type.Optional(LineEnding),
  /** `utf8` (default), `utf16le` or `latin1`. */
  encoding: Type.Optional(Encoding),
  /** Starts the file with a byte order mark (utf8, utf16le); default false. */
  bom: Type.Optional(Type.Boolean()),
};

const CsvFormatSchema = Type.Object(
  {
    type: Type.Literal("csv"),
    /** Between values; default `,`. */
    delimiter: Type.Optional(Type.String({ minLength: 1, maxLength: 10 })),
    /** Around quoted values; default `"`, doubled inside them. */
    quote: Type.Optional(Type.String({ minLength: 1, maxLength: 1 })),
    /**
     * `minimal` (default): only values holding the delimiter, the quote or a line break;
     * `all`: every value; `strings`: every value that was a string (numbers stay bare);
     * `never`: none, and a value that would need quotes fails the run.
     */
    quoting: Type.Optional(
      Type.Union([
        Type.Literal("minimal"),
        Type.Literal("all"),
        Type.Literal("strings"),
        Type.Literal("never"),
      ]),
    ),
    ...textOptions,
  },
  { additionalProperties: false },
);

const JsonFormatSchema = Type.Object(
  { type: Type.Literal("json") },
  { additionalProperties: false },
);

const NdjsonFormatSchema = Type.Object(
  { type: Type.Literal("ndjson") },
  { additionalProperties: false },
);

const TextFormatSchema = Type.Object(
  {
    type: Type.Literal("text"),
    /** Between the values of a row with several columns; default a tab. */
    delimiter: Type.Optional(Type.String({ maxLength: 10 })),
    ...textOptions,
  },
  { additionalProperties: false },
);

export const FILE_FORMAT_SCHEMAS = {
  csv: CsvFormatSchema,
  json: JsonFormatSchema,
  ndjson: NdjsonFormatSchema,
  text: TextFormatSchema,
} as const;

export const FileFormatSchema = Type.Union([
  CsvFormatSchema,
  JsonFormatSchema,
  NdjsonFormatSchema,
  TextFormatSchema,
]);

export type CsvFormat = Static<typeof CsvFormatSchema>;
export type JsonFormat = Static<typeof JsonFormatSchema>;
export type NdjsonFormat = Static<typeof NdjsonFormatSchema>;
export type TextFormat = Static<typeof TextFormatSchema>;
export type FileFormat = Static<typeof FileFormatSchema>;
