/**
 * Reading a file from a server, for the sources: a query or command kept on SFTP, FTP or a
 * git host's raw files (query-fetch.ts), or a data file to move or re-format
 * (remote-file-source.ts), on those or on an SMB share, named exactly or by a wildcard
 * (remote-wildcard.ts). The file is downloaded whole into the run's folder first, so
 * that the server is let go at once and the rows are then read from the local disk.
 *
 * SFTP, FTP and SMB sessions start as the destinations' do (withSftp, withFtp,
 * smbSession), so a refused login reads the same wherever it happens. Every failure is
 * `sourceFailed`, naming the connection, where it points and why, told apart by the
 * clients' codes (ssh2's `level`, FTP reply codes, NT status, errno, HTTP status).
 */
import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { Readable, Transform, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { SundialError } from "../../errors.js";
import type { LoginFailure } from "../connection-ref.js";
import {
  FTP_FILE_UNAVAILABLE,
  type FtpConnection,
  ftpUrl,
  isFtpError,
  withFtp,
} from "../destinations/ftp-destination.js";
import { type SftpConnection, sftpUrl, withSftp } from "../destinations/sftp-destination.js";
import { parseSmbListing, refusedAs, smbSession } from "../smb-client.js";
import { quotedSmbName, type SmbConnection, smbSegments, smbUrl } from "../smb-connection.js";
import { type ListedEntry, pickMatch, wildcardOf } from "./remote-wildcard.js";

/** The settings of an `http` connection (docs/connections.md). */
export interface HttpSettings {
  readonly baseUrl: string;
  readonly headers?: Readonly<Record<string, string>> | undefined;
  readonly token?: string | undefined;
  readonly tokenHeader?: string | undefined;
  readonly timeoutMs?: number | undefined;
}

/** A resolved connection a file can be read from. */
export type FileConnection =
  | { readonly name: string; readonly type: "sftp"; readonly settings: SftpConnection }
  | { readonly name: string; readonly type: "ftp" | "ftps"; readonly settings: FtpConnection }
  | { readonly name: string; readonly type: "http"; readonly settings: HttpSettings }
  | { readonly name: string; readonly type: "smb"; readonly settings: SmbConnection };

export const FILE_CONNECTION_TYPES = ["sftp", "ftp", "ftps", "smb", "http"] as const;

export interface DownloadOptions {
  readonly signal?: AbortSignal | undefined;
  /** A larger file fails the download, and nothing is kept. */
  readonly maxBytes?: number | undefined;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * Downloads `path` from `connection` into the local file `target` (created; an existing
 * one is an error). On failure the partial file is removed.
 * @returns the bytes downloaded.
 * @throws SundialError `sourceFailed` naming the connection and the reason (unreachable,
 *   refused login, no such file, too large, an HTTP status of 400 or more); the signal's
 *   reason when aborted.
 * @example await downloadFile(await connections.resolve("vendor", FILE_CONNECTION_TYPES), "/out/sales.csv", join(run, "sales.csv"));
 */
export async function downloadFile(
  connection: FileConnection,
  path: string,
  target: string,
  options: DownloadOptions = {},
): Promise<number> {
  const { signal } = options;
  signal?.throwIfAborted();
  let bytes = 0;
  const counter = () =>
    new Transform({
      transform(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        if (options.maxBytes !== undefined && bytes > options.maxBytes) {
          done(failure(connection, path, `is larger than ${options.maxBytes} bytes`, "path"));
        } else {
          done(null, chunk);
        }
      },
    });
  const sink = () => createWriteStream(target, { flags: "wx" });
  try {
    if (connection.type === "sftp") await fromSftp(connection, path, counter, sink, signal);
    else if (connection.type === "http") await fromHttp(connection, path, counter, sink, signal);
    else if (connection.type === "smb") await fromSmb(connection, path, counter, sink, signal);
    else await fromFtp(connection, path, counter, sink, signal);
    return bytes;
  } catch (error) {
    await rm(target, { force: true });
    if (signal?.aborted) throw signal.reason;
    throw error;
  }
}

/** Where a connection's file is, for messages: `sftp://acme@host:22/out/sales.csv`. */
export function describeRemoteFile(connection: FileConnection, path: string): string {
  if (connection.type === "http") return urlOf(connection.settings, path).toString();
  if (connection.type === "sftp") return sftpUrl(connection.settings, path);
  if (connection.type === "smb") return smbUrl(connection.settings, path);
  return ftpUrl(connection.settings, path);
}

/** The file a wildcard picked: its path, the pattern, and how many files matched it. */
export interface FoundFile {
  readonly path: string;
  readonly pattern: string;
  readonly matches: number;
}

/**
 * The file a path with a wildcard in its last part names (`/out/sales_*.csv`): its folder
 * is listed, and of the files matching, the one modified last is taken (remote-wildcard.ts;
 * SMB names match whatever their case, as the share finds them).
 * @returns undefined when the path holds no wildcard, or names a file under an http
 *   connection (a URL can't be listed, and `?` starts its query).
 * @throws SundialError `sourceFailed` naming the connection: no file matches (field
 *   `path`), the folder can't be listed, or the server can't be reached.
 * @example const found = await findRemoteFile(share, "/out/sales_*.csv", { signal }); // { path: "/out/sales_0327.csv", pattern: "sales_*.csv", matches: 2 }
 */
export async function findRemoteFile(
  connection: FileConnection,
  path: string,
  options: { readonly signal?: AbortSignal | undefined } = {},
): Promise<FoundFile | undefined> {
  const wildcard = wildcardOf(path);
  if (wildcard === undefined || connection.type === "http") return undefined;
  const { folder, pattern } = wildcard;
  let entries: readonly ListedEntry[];
  try {
    entries = await listFolder(connection, folder, options.signal);
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    if (error instanceof SundialError) throw error;
    throw failure(
      connection,
      folder,
      `listing the folder failed: ${(error as Error).message}`,
      "path",
      error,
    );
  }
  const picked = pickMatch(entries, pattern, connection.type !== "smb");
  if (picked === undefined) {
    throw failure(
      connection,
      path,
      `no file in ${folder === "" ? "the login folder" : folder} matches ${pattern}`,
      "path",
    );
  }
  return { path: `${folder}${picked.entry.name}`, pattern, matches: picked.count };
}

/** The entries of a folder on the server ("" is the login folder, or the share's root). */
async function listFolder(
  connection: Exclude<FileConnection, { type: "http" }>,
  folder: string,
  signal: AbortSignal | undefined,
): Promise<readonly ListedEntry[]> {
  const fail = loginFailure(connection, folder);
  if (connection.type === "sftp") {
    const listed = await withSftp(connection.settings, { signal, fail }, ({ client }) =>
      client.list(folder === "" ? "." : folder),
    );
    return listed.map((entry) => ({
      name: entry.name,
      file: entry.type === "-",
      modifiedAt: entry.modifyTime,
    }));
  }
  if (connection.type === "smb") {
    const session = smbSession(connection.settings, { signal, fail });
    const text = await smbStep(connection, folder, () =>
      session.run({ directory: smbSegments(folder), command: "ls" }),
    );
    return parseSmbListing(text).map((entry) => ({ ...entry, file: !entry.directory }));
  }
  const listed = await withFtp(connection.settings, { signal, fail }, (client) =>
    client.list(folder),
  );
  return listed.map((entry) => ({
    name: entry.name,
    file: entry.isFile,
    modifiedAt: entry.modifiedAt?.getTime() ?? 0,
  }));
}

/**
 * A path under the connection's base URL, which is read as a folder whether or not it
 * ends with `/` (`https://git.example.com/raw/main` + `q/sales.sql`).
 */
export function urlOf(settings: HttpSettings, path: string): URL {
  const base = settings.baseUrl.endsWith("/") ? settings.baseUrl : `${settings.baseUrl}/`;
  return new URL(path.replace(/^\/+/, ""), base);
}

/**
 * The headers an `http` connection's requests carry: its headers, and its token (as
 * `Authorization: Bearer <token>`, or as it is in another `tokenHeader`). The fetches here
 * and the connection's test (src/projects/connections) both send these.
 * @example httpHeaders({ baseUrl, token: "t" }) // { Authorization: "Bearer t" }
 */
export function httpHeaders(settings: HttpSettings): Record<string, string> {
  const headers: Record<string, string> = { ...settings.headers };
  if (settings.token !== undefined) {
    const name = settings.tokenHeader ?? "Authorization";
    headers[name] =
      name.toLowerCase() === "authorization" ? `Bearer ${settings.token}` : settings.token;
  }
  return headers;
}

/**
 * Why a request failed before any answer: fetch says only "fetch failed", and the reason is
 * its cause (ECONNREFUSED, a TLS error). The connection's test reports it the same way.
 */
export function fetchFailure(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

/** A path on a server: any text but control characters, which no server names a file with. */
export function checkPath(path: string, field: string): void {
  if ([...path].some((c) => c.charCodeAt(0) < 0x20 || c === "\u007f")) {
    throw new SundialError("badRequest", `${field}: holds a control character`, { field });
  }
}

/**
 * A path under a base URL. A whole URL is refused: the connection's token would go to
 * wherever it points.
 */
export function checkHttpPath(path: string, field: string): void {
  checkPath(path, field);
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(path) || path.startsWith("//")) {
    throw new SundialError(
      "badRequest",
      `${field}: "${path}" is a URL; give a path under the connection's baseUrl (queries/sales.sql), so that its token goes nowhere else`,
      { field },
    );
  }
}

function failure(
  connection: FileConnection,
  path: string,
  reason: string,
  field: string,
  cause?: unknown,
): SundialError {
  return new SundialError(
    "sourceFailed",
    `connection "${connection.name}" (${connection.type}, ${describeRemoteFile(connection, path)}): ${reason}`,
    { field, ...(cause === undefined ? {} : { cause }) },
  );
}

/** A transfer that broke off once connected: the connection is at fault. */
function downloadFailed(connection: FileConnection, path: string, error: unknown): SundialError {
  return failure(
    connection,
    path,
    `the download failed: ${(error as Error).message}`,
    "connection",
    error,
  );
}

/** A failure to connect or log in, as a source's: the connection is at fault. */
function loginFailure(connection: FileConnection, path: string): LoginFailure {
  return (reason, _setting, cause) => failure(connection, path, reason, "connection", cause);
}

async function fromHttp(
  connection: Extract<FileConnection, { type: "http" }>,
  path: string,
  counter: () => Transform,
  sink: () => Writable,
  signal: AbortSignal | undefined,
): Promise<void> {
  const url = urlOf(connection.settings, path);
  const timeoutMs = connection.settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const limit = AbortSignal.timeout(timeoutMs);
  const both = signal === undefined ? limit : AbortSignal.any([signal, limit]);
  let response: Response;
  try {
    response = await fetch(url, { headers: httpHeaders(connection.settings), signal: both });
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    if (limit.aborted) {
      throw failure(
        connection,
        path,
        `no answer within ${timeoutMs / 1000} s`,
        "connection",
        error,
      );
    }
    throw failure(
      connection,
      path,
      `can't be reached (${fetchFailure(error)})`,
      "connection",
      error,
    );
  }
  if (!response.ok || response.body === null) {
    await response.body?.cancel();
    const hint =
      response.status === 401 || response.status === 403
        ? "; check the connection's token (and tokenHeader)"
        : response.status === 404
          ? "; check the path and the connection's baseUrl"
          : "";
    throw failure(
      connection,
      path,
      `GET answered ${response.status} ${response.statusText}${hint}`.trim(),
      response.status === 404 ? "path" : "connection",
    );
  }
  await pipeline(
    Readable.fromWeb(response.body as import("node:stream/web").ReadableStream),
    counter(),
    sink(),
    { signal: both },
  ).catch((error: unknown) => {
    if (signal?.aborted || error instanceof SundialError) throw error;
    throw downloadFailed(connection, path, error);
  });
}

async function fromFtp(
  connection: Extract<FileConnection, { type: "ftp" | "ftps" }>,
  path: string,
  counter: () => Transform,
  sink: () => Writable,
  signal: AbortSignal | undefined,
): Promise<void> {
  const fail = loginFailure(connection, path);
  await withFtp(connection.settings, { signal, fail }, async (client) => {
    const through = counter();
    const written = pipeline(through, sink());
    try {
      await client.downloadTo(through, path);
    } catch (error) {
      through.destroy();
      await written.catch(() => undefined);
      if (signal?.aborted) throw signal.reason;
      if (error instanceof SundialError) throw error;
      if (isFtpError(error) && error.code === FTP_FILE_UNAVAILABLE) {
        throw failure(connection, path, `no such file (${error.message})`, "path", error);
      }
      throw downloadFailed(connection, path, error);
    }
    await written;
  });
}

/** Runs an SMB step, its refusals becoming `sourceFailed` (a folder or file not there: `path`'s). */
function smbStep<T>(connection: FileConnection, path: string, run: () => Promise<T>): Promise<T> {
  return refusedAs(run, (error, refusal) =>
    refusal === "folder"
      ? failure(
          connection,
          path,
          `the folder can't be opened (${error.status ?? error.message})`,
          "path",
          error,
        )
      : refusal === "missing"
        ? failure(connection, path, `no such file on the share (${error.status})`, "path", error)
        : downloadFailed(connection, path, error),
  );
}

async function fromSmb(
  connection: Extract<FileConnection, { type: "smb" }>,
  path: string,
  counter: () => Transform,
  sink: () => Writable,
  signal: AbortSignal | undefined,
): Promise<void> {
  const folder = smbSegments(path);
  const name = folder.pop();
  if (name === undefined) throw failure(connection, path, "names no file", "path");
  let quoted: string;
  try {
    quoted = quotedSmbName(name, "path");
  } catch (error) {
    throw failure(connection, path, (error as Error).message.replace(/^path: /, ""), "path", error);
  }
  const session = smbSession(connection.settings, { signal, fail: loginFailure(connection, path) });
  const through = counter();
  const written = pipeline(through, sink());
  // A failure in the sink stops smbclient too, and is reported by the step.
  written.catch(() => undefined);
  try {
    await smbStep(connection, path, () =>
      session.run({ directory: folder, command: `get ${quoted} -`, output: through }),
    );
  } catch (error) {
    through.destroy();
    await written.catch(() => undefined);
    throw error;
  }
  await written;
}

async function fromSftp(
  connection: Extract<FileConnection, { type: "sftp" }>,
  path: string,
  counter: () => Transform,
  sink: () => Writable,
  signal: AbortSignal | undefined,
): Promise<void> {
  const fail = loginFailure(connection, path);
  await withSftp(connection.settings, { signal, fail }, async ({ client }) => {
    try {
      await pipeline(client.createReadStream(path), counter(), sink(), { signal });
    } catch (error) {
      if (signal?.aborted || error instanceof SundialError) throw error;
      // SFTP status 2: no such file.
      const code = (error as { code?: unknown }).code;
      if (code === 2 || code === "ENOENT") {
        throw failure(connection, path, "no such file on the server", "path", error);
      }
      throw downloadFailed(connection, path, error);
    }
  });
}
