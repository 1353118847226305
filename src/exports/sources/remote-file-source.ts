/**
 * The remote file source: a data file on an SFTP or FTP server, an SMB share, or under an
 * http connection, named exactly or by a wildcard in its name (`/out/sales_*.csv`), read
 * as rows so that the output can move it or re-format it (a CSV with
 * `;` delivered with `|`, a CSV turned into JSON). The file is downloaded into the run's
 * folder first (remote-file.ts), then read from there a row at a time.
 *
 * Formats read: `csv` (RFC 4180: quoted values may hold delimiters, doubled quotes and line
 * breaks), `ndjson` (an object per line) and `json` (one array of objects, read whole).
 */
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { StringDecoder } from "node:string_decoder";
import { type Static, Type } from "typebox";
import { SundialError } from "../../errors.js";
import { validate } from "../../validation.js";
import {
  type ConnectionKind,
  ConnectionRefSchema,
  type ConnectionUse,
  refuseInlineConnection,
  resolveConnection,
} from "../connection-ref.js";
import type { SourceContext } from "../export-run-context.js";
import type { Row } from "../row-source.js";
import { checkSmbFolder } from "../smb-connection.js";
import {
  checkHttpPath,
  checkPath,
  describeRemoteFile,
  downloadFile,
  FILE_CONNECTION_TYPES,
  type FileConnection,
  findRemoteFile,
} from "./remote-file.js";

const CsvInputSchema = Type.Object(
  {
    type: Type.Literal("csv"),
    /** Between values; default `,`. */
    delimiter: Type.Optional(Type.String({ minLength: 1, maxLength: 10 })),
    /** Around quoted values, doubled inside them; default `"`. */
    quote: Type.Optional(Type.String({ minLength: 1, maxLength: 1 })),
    /** Whether the first line names the columns; default true. Without it they are `column1`, `column2`, … */
    header: Type.Optional(Type.Boolean()),
    /** Default `utf8`; a byte order mark is skipped. */
    encoding: Type.Optional(
      Type.Union([Type.Literal("utf8"), Type.Literal("utf16le"), Type.Literal("latin1")]),
    ),
  },
  { additionalProperties: false },
);

const INPUT_FORMATS = {
  csv: CsvInputSchema,
  ndjson: Type.Object({ type: Type.Literal("ndjson") }, { additionalProperties: false }),
  json: Type.Object({ type: Type.Literal("json") }, { additionalProperties: false }),
};
const InputFormatSchema = Type.Union([INPUT_FORMATS.csv, INPUT_FORMATS.ndjson, INPUT_FORMATS.json]);
const FormatTypeSchema = Type.Object({
  type: Type.Union([Type.Literal("csv"), Type.Literal("ndjson"), Type.Literal("json")]),
});

export const RemoteFileSourceSchema = Type.Object(
  {
    type: Type.Literal("remoteFile"),
    /** An `sftp`, `ftp`, `ftps`, `smb` or `http` connection. */
    connection: ConnectionRefSchema,
    /**
     * The file's path on the server (on a share, under the connection's `path`), or under the
     * http connection's base URL; `*` and `?` in its last part pick the newest matching file.
     */
    path: Type.String({ minLength: 1, maxLength: 4096 }),
    /** How the file is read. */
    format: InputFormatSchema,
    /** A larger file fails the run; default 1,000,000,000 bytes (json: 100,000,000, read whole). */
    maxBytes: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);
export type RemoteFileSource = Static<typeof RemoteFileSourceSchema>;

const RemoteFileShapeSchema = Type.Object(
  { ...RemoteFileSourceSchema.properties, format: Type.Unknown() },
  { additionalProperties: false },
);
type CsvInput = Static<typeof CsvInputSchema>;

/** What a remote file source's `connection` may name. */
const REMOTE_FILE_CONNECTION: ConnectionKind = {
  types: FILE_CONNECTION_TYPES,
  what: "a remoteFile source",
};

const DEFAULT_MAX_BYTES = 1_000_000_000;
// JSON is parsed whole: memory holds the file, several times over.
const DEFAULT_MAX_JSON_BYTES = 100_000_000;

/**
 * Checks a remote file source's settings.
 * @throws SundialError `badRequest` naming the field, e.g. `source.format.delimiter`.
 * @example checkRemoteFileSource({ type: "remoteFile", connection: "vendor", path: "/out/sales.csv", format: { type: "csv", delimiter: ";" } }, "source");
 */
export function checkRemoteFileSource(value: unknown, field = ""): RemoteFileSource {
  const at = (name: string) => (field === "" ? name : `${field}.${name}`);
  refuseInlineConnection(value, field);
  // The envelope, then the format by its type: a mistake in the format is reported against
  // its own type's options rather than as a failed match with every format.
  const shape = validate(RemoteFileShapeSchema, value, field);
  const { type } = validate(FormatTypeSchema, shape.format, at("format"));
  validate(INPUT_FORMATS[type], shape.format, at("format"));
  const source = validate(RemoteFileSourceSchema, value, field);
  checkPath(source.path, at("path"));
  const format = source.format;
  if (format.type === "csv") {
    const delimiter = format.delimiter ?? ",";
    const quote = format.quote ?? '"';
    if (/[\r\n]/.test(delimiter)) fail(at("format.delimiter"), "holds a line break");
    if (/[\r\n]/.test(quote)) fail(at("format.quote"), "is a line break");
    if (delimiter.includes(quote)) {
      fail(at("format.delimiter"), `holds the quote character ${JSON.stringify(quote)}`);
    }
  }
  return source;
}

/** Where a remote file source names its connection, and the types it takes. */
export function remoteFileConnectionUses(source: RemoteFileSource, field: string): ConnectionUse[] {
  return [{ field: `${field}.connection`, name: source.connection, ...REMOTE_FILE_CONNECTION }];
}

function fail(field: string, reason: string): never {
  throw new SundialError("badRequest", `${field}: ${reason}`, { field });
}

/**
 * The file's rows: downloaded into the run's folder, then read a row at a time (CSV: the
 * header row first, as arrays; NDJSON and JSON: objects).
 * @throws SundialError `sourceFailed` naming the connection and why (unreachable, refused
 *   login, no such file, too large); `invalidRow` naming the line for a file that is not
 *   what its format says.
 */
export async function remoteFileRows(
  source: RemoteFileSource,
  context: SourceContext,
): Promise<AsyncGenerator<Row>> {
  const [use] = remoteFileConnectionUses(source, "source") as [ConnectionUse];
  const connection = (await resolveConnection(context.connections, use)) as FileConnection;
  if (connection.type === "http") checkHttpPath(source.path, "source.path");
  if (connection.type === "smb") checkSmbFolder(source.path, "source.path");
  const found = await findRemoteFile(connection, source.path, { signal: context.signal });
  const path = found?.path ?? source.path;
  const local = join(context.workDirectory, `.sundial-source-${process.hrtime.bigint()}`);
  const maxBytes =
    source.maxBytes ?? (source.format.type === "json" ? DEFAULT_MAX_JSON_BYTES : DEFAULT_MAX_BYTES);
  const bytes = await downloadFile(connection, path, local, {
    signal: context.signal,
    maxBytes,
  });
  const picked =
    found === undefined
      ? ""
      : found.matches === 1
        ? `, the only file matching ${found.pattern}`
        : `, the newest of ${found.matches} files matching ${found.pattern}`;
  context.log(
    "INFO",
    `downloaded ${describeRemoteFile(connection, path)} (${bytes} bytes${picked})`,
  );
  const format = source.format;
  if (format.type === "csv") return csvFileRows(local, format);
  if (format.type === "ndjson") return ndjsonFileRows(local);
  return jsonFileRows(local);
}

/** A CSV file's rows as arrays, the header row first. */
export async function* csvFileRows(path: string, format: CsvInput): AsyncGenerator<Row> {
  const encoding = format.encoding ?? "utf8";
  const rows = parseCsv(decoded(path, encoding), format.delimiter ?? ",", format.quote ?? '"');
  if (format.header !== false) {
    yield* rows;
    return;
  }
  let first = true;
  for await (const row of rows) {
    if (first) yield row.map((_, i) => `column${i + 1}`);
    first = false;
    yield row;
  }
}

/** The file's text, a chunk at a time; a byte order mark is skipped, bad UTF-8 refused. */
async function* decoded(path: string, encoding: NonNullable<CsvInput["encoding"]>) {
  // TextDecoder's "latin1" is windows-1252; StringDecoder's is ISO-8859-1, as CSV output writes it.
  const decoder =
    encoding === "latin1"
      ? new StringDecoder("latin1")
      : new TextDecoder(encoding === "utf8" ? "utf-8" : "utf-16le", { fatal: true });
  try {
    for await (const chunk of createReadStream(path)) {
      yield decoder instanceof StringDecoder
        ? decoder.write(chunk as Buffer)
        : decoder.decode(chunk as Buffer, { stream: true });
    }
    yield decoder instanceof StringDecoder ? decoder.end() : decoder.decode();
  } catch (error) {
    if (error instanceof TypeError) {
      throw new SundialError(
        "invalidRow",
        `the file is not valid ${encoding} text; set the source's format.encoding`,
        { field: "source.format.encoding", cause: error },
      );
    }
    throw error;
  }
}

/**
 * RFC 4180 rows from text chunks: values split by `delimiter`; a value starting with
 * `quote` runs to the next lone quote, holding delimiters, line breaks and doubled quotes.
 * Lines end with `\n`, `\r\n` or `\r`; empty lines are skipped.
 */
export async function* parseCsv(
  chunks: AsyncIterable<string>,
  delimiter: string,
  quote: string,
): AsyncGenerator<string[]> {
  let text = "";
  let i = 0;
  let field = "";
  let row: string[] = [];
  let inQuotes = false;
  let quoted = false;
  let line = 1;
  let quoteLine = 0;
  // Never decide on fewer characters than a delimiter, a doubled quote or \r\n needs.
  const lookahead = Math.max(delimiter.length, 2);

  function* consume(final: boolean): Generator<string[]> {
    while (i < text.length) {
      if (!final && text.length - i < lookahead) return;
      const c = text[i] as string;
      if (inQuotes) {
        if (c === quote && text[i + 1] === quote) {
          field += quote;
          i += 2;
        } else if (c === quote) {
          inQuotes = false;
          i++;
        } else {
          if (c === "\n") line++;
          field += c;
          i++;
        }
      } else if (text.startsWith(delimiter, i)) {
        row.push(field);
        field = "";
        quoted = false;
        i += delimiter.length;
      } else if (c === "\n" || c === "\r") {
        i += c === "\r" && text[i + 1] === "\n" ? 2 : 1;
        line++;
        const blank = row.length === 0 && field === "" && !quoted;
        row.push(field);
        if (!blank) yield row;
        row = [];
        field = "";
        quoted = false;
      } else if (c === quote && field === "" && !quoted) {
        inQuotes = true;
        quoted = true;
        quoteLine = line;
        i++;
      } else {
        field += c;
        i++;
      }
    }
  }

  for await (const chunk of chunks) {
    text = text.slice(i) + chunk;
    i = 0;
    yield* consume(false);
  }
  yield* consume(true);
  if (inQuotes) {
    throw new SundialError(
      "invalidRow",
      `line ${quoteLine}: a quoted value starts here and is never closed`,
      { field: "source" },
    );
  }
  if (row.length > 0 || field !== "" || quoted) {
    row.push(field);
    yield row;
  }
}

/** An NDJSON file's rows: an object per line, blank lines skipped. */
export async function* ndjsonFileRows(path: string): AsyncGenerator<Row> {
  const lines = createInterface({ input: createReadStream(path, "utf8"), crlfDelay: Infinity });
  let number = 0;
  try {
    for await (const text of lines) {
      number++;
      if (text.trim() === "") continue;
      yield objectRow(parseJson(text, `line ${number}`), `line ${number}`);
    }
  } finally {
    lines.close();
  }
}

/** A JSON file's rows: the objects of its one array. */
async function* jsonFileRows(path: string): AsyncGenerator<Row> {
  const value = parseJson(await readFile(path, "utf8"), "the file");
  if (!Array.isArray(value)) {
    throw new SundialError("invalidRow", "the file: is not a JSON array of objects", {
      field: "source",
    });
  }
  for (const [i, item] of value.entries()) yield objectRow(item, `item ${i + 1}`);
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new SundialError("invalidRow", `${where}: is not JSON (${(error as Error).message})`, {
      field: "source",
      cause: error,
    });
  }
}

function objectRow(value: unknown, where: string): Row {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new SundialError("invalidRow", `${where}: is not a JSON object`, { field: "source" });
  }
  return value as Row;
}
