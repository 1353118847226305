/**
 * Text a source runs, kept elsewhere: a SQL source's query or an SSH source's command, as
 * its text, a file on an SFTP or FTP server, or a path under an http connection (a git
 * host's raw files). Each good fetch is kept as the last good copy, as fetched (before any
 * parameter is bound), and a fetch that fails falls back to it, saying so in the run's
 * log, so that a git host being down does not stop the night's exports. Without a copy,
 * the failure is the run's.
 */
import { createHash } from "node:crypto";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { type Static, type TString, Type } from "typebox";
import { SundialError } from "../../errors.js";
import { validate } from "../../validation.js";
import {
  ConnectionRefSchema,
  type ConnectionUse,
  refuseInlineConnection,
  resolveConnection,
} from "../connection-ref.js";
import type { SourceContext } from "../export-run-context.js";
import {
  checkHttpPath,
  checkPath,
  describeRemoteFile,
  downloadFile,
  type FileConnection,
} from "./remote-file.js";

/** A query's last good copy. */
export interface CachedQuery {
  readonly query: string;
  readonly sha256: string;
  /** When it was fetched, ms since 1970-01-01 UTC. */
  readonly fetchedAt: number;
}

/** Where last good copies are kept, by location (file-history.service.ts keeps them in the store). */
export interface QueryCache {
  get(location: string): Promise<CachedQuery | undefined>;
  put(location: string, query: string, sha256: string): Promise<void>;
}

const RemotePathSchema = Type.String({ minLength: 1, maxLength: 4096 });

/** A file on a server: an `sftp`, `ftp` or `ftps` connection and the file's path there. */
export const RemoteFileSchema = Type.Object(
  { connection: ConnectionRefSchema, path: RemotePathSchema },
  { additionalProperties: false },
);

/** A path under an `http` connection's base URL (`queries/sales.sql`). */
export const HttpFileSchema = Type.Object(
  { connection: ConnectionRefSchema, path: RemotePathSchema },
  { additionalProperties: false },
);

/**
 * Where a query or command comes from: its text, `{ file: { connection, path } }` on an
 * SFTP or FTP server, or `{ http: { connection, path } }`.
 */
export const textOrFileSchema = (text: TString) =>
  Type.Union([
    text,
    Type.Object({ file: RemoteFileSchema }, { additionalProperties: false }),
    Type.Object({ http: HttpFileSchema }, { additionalProperties: false }),
  ]);
export type TextOrFile = Static<ReturnType<typeof textOrFileSchema>>;

/** What is fetched: `query` or `command`, in messages. */
export type FetchedWhat = "query" | "command";

/** As large as a fetched text may be. */
const MAX_FETCHED_BYTES = 1_000_000;

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/**
 * Checks a query's or command's settings: text that is not blank, or where it is kept.
 * @param text the schema of the inline text (its length).
 * @throws SundialError `badRequest` naming the field, e.g. `source.query.file.path`.
 */
export function checkTextOrFile(
  value: unknown,
  field: string,
  what: FetchedWhat,
  text: TString,
): TextOrFile {
  const at = (name: string) => `${field}.${name}`;
  if (typeof value === "string") {
    validate(text, value, field);
    if (value.trim() === "") fail(field, `is blank; give the ${what}'s text`);
  } else if (isObject(value) && "file" in value) {
    refuseInlineConnection(value.file, at("file"));
    validate(Type.Object({ file: RemoteFileSchema }), value, field);
    checkPath((value.file as { path: string }).path, at("file.path"));
  } else if (isObject(value) && "http" in value) {
    refuseInlineConnection(value.http, at("http"));
    validate(Type.Object({ http: HttpFileSchema }), value, field);
    checkHttpPath((value.http as { path: string }).path, at("http.path"));
  } else {
    fail(
      field,
      `must be the ${what}'s text, { file: { connection, path } } (SFTP or FTP) or { http: { connection, path } }`,
    );
  }
  return validate(textOrFileSchema(text), value, field);
}

function fail(field: string, reason: string): never {
  throw new SundialError("badRequest", `${field}: ${reason}`, { field });
}

/** Where a query or command kept elsewhere names a connection, and the types it takes. */
export function textConnectionUses(
  value: TextOrFile,
  field: string,
  what: FetchedWhat,
): ConnectionUse[] {
  if (typeof value === "string") return [];
  return "file" in value
    ? [
        {
          field: `${field}.file.connection`,
          name: value.file.connection,
          types: ["sftp", "ftp", "ftps"],
          what: `a ${what} file`,
        },
      ]
    : [
        {
          field: `${field}.http.connection`,
          name: value.http.connection,
          types: ["http"],
          what: `a ${what} over http`,
        },
      ];
}

/**
 * The text of a query or command: inline as it is, else fetched, else its last good copy.
 * @param options.field what the setting is known by, for messages: `source.query`.
 * @throws SundialError `sourceFailed` when the fetch fails and no copy is kept (naming the
 *   connection and the reason); `notFound` / `badRequest` (naming the field) for a
 *   connection that is missing or of another type, whatever copy is kept, since only a
 *   changed setting can mend those; the signal's reason when aborted.
 * @example const text = await fetchText(source.query, { connections, queries: files.queries, parameters, log, workDirectory }, { what: "query", field: "source.query" });
 */
export async function fetchText(
  value: TextOrFile,
  context: SourceContext,
  options: { readonly what: FetchedWhat; readonly field: string },
): Promise<string> {
  if (typeof value === "string") return value;
  const { what, field } = options;
  const [use] = textConnectionUses(value, field, what) as [ConnectionUse];
  const { connection, path } = "file" in value ? value.file : value.http;
  // The connection's name and the path: a renamed connection or a moved file is another text.
  const location = `${"file" in value ? "file" : "http"}:${connection}:${path}`;
  const { signal, log } = context;
  const remote = (await resolveConnection(context.connections, use)) as FileConnection;
  const where = describeRemoteFile(remote, path);
  try {
    const text = await download(remote, path, { what, field }, context);
    const sha256 = createHash("sha256").update(text).digest("hex");
    const kept = await context.queries.get(location);
    if (kept?.sha256 !== sha256) await context.queries.put(location, text, sha256);
    log("INFO", `fetched the ${what} from ${where} (${Buffer.byteLength(text)} bytes)`);
    return text;
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    const kept = await context.queries.get(location);
    const reason = error instanceof Error ? error.message : String(error);
    if (kept === undefined) {
      throw new SundialError(
        "sourceFailed",
        `the ${what} could not be fetched from ${where}, and no earlier copy is kept: ${reason}`,
        { field, cause: error },
      );
    }
    log("ERROR", `could not fetch the ${what} from ${where}: ${reason}`);
    log(
      "INFO",
      `using the copy of the ${what} fetched at ${new Date(kept.fetchedAt).toISOString()} (sha256 ${kept.sha256.slice(0, 12)}…)`,
    );
    return kept.query;
  }
}

async function download(
  connection: FileConnection,
  path: string,
  { what, field }: { readonly what: FetchedWhat; readonly field: string },
  context: SourceContext,
): Promise<string> {
  const target = join(context.workDirectory, `.sundial-${what}-${process.hrtime.bigint()}`);
  const where = `connection "${connection.name}": ${describeRemoteFile(connection, path)}`;
  try {
    await downloadFile(connection, path, target, {
      signal: context.signal,
      maxBytes: MAX_FETCHED_BYTES,
    });
    const bytes = await readFile(target);
    const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
    if (text.trim() === "") {
      throw new SundialError("sourceFailed", `${where} is empty; it holds no ${what}`, {
        field,
      });
    }
    return text;
  } catch (error) {
    if (error instanceof TypeError) {
      throw new SundialError("sourceFailed", `${where} is not UTF-8 text`, {
        field,
        cause: error,
      });
    }
    throw error;
  } finally {
    await rm(target, { force: true });
  }
}
