/**
 * Uploading a file over FTP or FTPS (basic-ftp), the way every upload goes
 * (folder-upload.ts): a temporary name, a size check, a rename.
 */
import { createReadStream } from "node:fs";
import { posix } from "node:path";
import type { Client, FTPError } from "basic-ftp";
import { type Static, Type } from "typebox";
import { validate } from "../../validation.js";
import type { ExportManifest } from "../export-file.js";
import { lazyModule } from "../lazy-module.js";
import { folderDestinationProperties, type UploadFolder, uploadInto } from "./folder-upload.js";
import { deliveryFailed, type Step, stepsFor, type TransferOptions } from "./transfer.js";

const basicFtp = lazyModule(() => import("basic-ftp"));

/** basic-ftp's reply error, told by its name: the class lives in a module loaded on first use. */
function isFtpError(error: unknown): error is FTPError {
  return error instanceof Error && error.name === "FTPError";
}

export const FtpConnectionSchema = Type.Object(
  {
    host: Type.String({ minLength: 1, maxLength: 253 }),
    /** Default 21, or 990 with `secure: "implicit"`. */
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
    /** Default `anonymous`. */
    username: Type.Optional(Type.String({ minLength: 1 })),
    password: Type.Optional(Type.String()),
    /** FTPS: `true` for explicit TLS (AUTH TLS), `"implicit"` for TLS from the first byte. */
    secure: Type.Optional(Type.Union([Type.Boolean(), Type.Literal("implicit")])),
    /** Default true; false accepts any certificate. */
    rejectUnauthorized: Type.Optional(Type.Boolean()),
    /** PEM certificates to trust besides the system's, for a private CA. */
    ca: Type.Optional(Type.String({ minLength: 1 })),
    /** For the connection and each reply; default 30,000. */
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 600_000 })),
  },
  { additionalProperties: false },
);
export type FtpConnection = Static<typeof FtpConnectionSchema>;

export const FtpDestinationSchema = Type.Object(
  {
    type: Type.Literal("ftp"),
    connection: FtpConnectionSchema,
    // `directory` is absolute, or relative to the login directory.
    ...folderDestinationProperties,
  },
  { additionalProperties: false },
);
export type FtpDestination = Static<typeof FtpDestinationSchema>;

const DEFAULT_TIMEOUT_MS = 30_000;
/** "Requested action not taken": no such file, among others. */
const FILE_UNAVAILABLE = 550;
/** Replies of a server that does not know the command (SIZE is an extension, RFC 3659). */
const NOT_IMPLEMENTED = new Set([500, 502, 504]);
/** "Not logged in". */
const NOT_LOGGED_IN = 530;

/**
 * Checks FTP destination settings.
 * @throws SundialError `badRequest` naming the field, e.g. `destinations[1].connection.secure`.
 * @example checkFtpDestination({ type: "ftp", connection: { host, username: "u", password: "p", secure: true }, directory: "/in" });
 */
export function checkFtpDestination(value: unknown, field = ""): FtpDestination {
  return validate(FtpDestinationSchema, value, field);
}

/** `ftp://user@host:port/directory` (or `ftps://`), for messages and outcomes. */
export function describeFtp(destination: FtpDestination): string {
  const { connection, directory } = destination;
  const scheme = connection.secure === undefined || connection.secure === false ? "ftp" : "ftps";
  const slash = directory.startsWith("/") ? "" : "/";
  return `${scheme}://${connection.username ?? "anonymous"}@${connection.host}:${portOf(connection)}${slash}${directory}`;
}

/**
 * Uploads `file` into the destination's directory under its name, through a temporary
 * name and a size check.
 * @returns what was done, e.g. `uploaded 48213 bytes to /in/sales.csv`.
 * @throws SundialError `badRequest` for bad settings; `deliveryFailed` naming the server and
 *   the reason (unreachable, refused login, TLS, missing directory, existing file without
 *   `overwrite`, size mismatch); the signal's reason when aborted. The temporary file is
 *   removed (after a stop, over a new connection, since a stop closes the old one).
 * @example await uploadFtp(manifest, { type: "ftp", connection: { host, username, password, secure: true }, directory: "/in" }, { signal });
 */
export async function uploadFtp(
  file: ExportManifest,
  settings: unknown,
  options: TransferOptions = {},
): Promise<string> {
  const destination = checkFtpDestination(settings);
  const where = describeFtp(destination);
  return withFtp(destination, options.signal, async ({ client, step }) => {
    const directory = await enter(client, destination.directory, step, where);
    const folder = ftpFolder(client, directory, step, async (name) => {
      await withFtp(destination, undefined, async (cleaner) => {
        await cleaner.client.cd(directory);
        await cleaner.client.remove(name, true);
      });
    });
    return uploadInto(folder, file, where, { ...options, overwrite: destination.overwrite });
  });
}

/**
 * Connects, logs in and lists the destination's directory: the "test connection" action.
 * @returns the names in the directory, sorted.
 * @throws as {@link uploadFtp} does.
 * @example const { entries } = await testFtp(settings);
 */
export async function testFtp(
  settings: unknown,
  signal?: AbortSignal,
): Promise<{ readonly entries: readonly string[] }> {
  const destination = checkFtpDestination(settings);
  const where = describeFtp(destination);
  return withFtp(destination, signal, async ({ client, step }) => {
    await enter(client, destination.directory, step, where);
    const entries = await step("listing", () => client.list());
    return { entries: entries.map((entry) => entry.name).sort() };
  });
}

/** Runs `work` on a logged-in connection, and closes the connection whatever happens. */
async function withFtp<T>(
  destination: FtpDestination,
  signal: AbortSignal | undefined,
  work: (session: { readonly client: Client; readonly step: Step }) => Promise<T>,
): Promise<T> {
  const { connection } = destination;
  const where = describeFtp(destination);
  const { Client: FtpClient } = await basicFtp();
  const client = new FtpClient(connection.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  // basic-ftp takes no signal: closing the client rejects whatever it is doing.
  const onAbort = () => client.close();
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    if (signal?.aborted) throw signal.reason;
    try {
      await client.access({
        host: connection.host,
        port: portOf(connection),
        user: connection.username ?? "anonymous",
        password: connection.password ?? "",
        secure: connection.secure ?? false,
        secureOptions: {
          rejectUnauthorized: connection.rejectUnauthorized !== false,
          ...(connection.ca === undefined ? {} : { ca: connection.ca }),
        },
      });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw loginFailure(error, destination, where);
    }
    return await work({ client, step: stepsFor(where, signal) });
  } finally {
    signal?.removeEventListener("abort", onAbort);
    client.close();
  }
}

function portOf(connection: FtpConnection): number {
  return connection.port ?? (connection.secure === "implicit" ? 990 : 21);
}

/** A failure to connect or log in, classified by the reply code or the errno. */
function loginFailure(error: unknown, destination: FtpDestination, where: string) {
  const { connection } = destination;
  const code = (error as { code?: unknown }).code;
  const message = (error as Error).message;
  if (isFtpError(error) && code === NOT_LOGGED_IN) {
    return deliveryFailed(
      where,
      `refused the login as ${connection.username ?? "anonymous"} (${message}); check the username and password`,
      { field: "connection.password", cause: error },
    );
  }
  if (
    typeof code === "string" &&
    /^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO)/.test(code)
  ) {
    return deliveryFailed(
      where,
      `TLS failed (${code}: ${message}); check secure, ca and rejectUnauthorized`,
      { field: "connection.secure", cause: error },
    );
  }
  if (typeof code === "string") {
    return deliveryFailed(where, `can't be reached (${code}: ${message})`, {
      field: "connection.host",
      cause: error,
    });
  }
  return deliveryFailed(where, `the login failed (${message})`, { cause: error });
}

/** Changes into the directory, and gives its absolute path. */
async function enter(client: Client, directory: string, step: Step, where: string) {
  try {
    await client.cd(directory);
  } catch (error) {
    if (isFtpError(error) && error.code === FILE_UNAVAILABLE) {
      throw deliveryFailed(
        where,
        `the directory ${directory} does not exist on the server (${error.message})`,
        { field: "directory", cause: error },
      );
    }
    await step("opening the directory", () => Promise.reject(error));
  }
  return step("opening the directory", () => client.pwd());
}

/**
 * The current directory of an FTP session, as a folder to upload into. `discardLater`
 * removes a file over a new connection, for when this one was closed by a stop.
 */
function ftpFolder(
  client: Client,
  directory: string,
  step: Step,
  discardLater: (name: string) => Promise<void>,
): UploadFolder {
  const exists = async (name: string): Promise<boolean> => {
    try {
      await client.size(name);
      return true;
    } catch (error) {
      if (!isFtpError(error)) return step("checking", () => Promise.reject(error));
      if (error.code === FILE_UNAVAILABLE) return false;
      if (!NOT_IMPLEMENTED.has(error.code)) return step("checking", () => Promise.reject(error));
      const names = await step("listing", () => client.list());
      return names.some((entry) => entry.name === name);
    }
  };
  return {
    pathOf: (name) => posix.join(directory, name),
    exists,
    async write(local, name, options) {
      client.trackProgress((info) => options.onProgress?.(info.bytes));
      try {
        await step("uploading", () => client.uploadFrom(createReadStream(local), name));
      } finally {
        client.trackProgress();
      }
    },
    sizeOf: (name) => step("checking the size", () => client.size(name)),
    async rename(from, to, replace) {
      // FTP has no rename that refuses an existing name: look right before renaming.
      if (!replace && (await exists(to))) return false;
      try {
        await client.rename(from, to);
      } catch (error) {
        // Some servers refuse to rename onto an existing file: remove it first, but only
        // while the upload is there to take its place.
        if (!replace || !(await exists(to)) || !(await exists(from))) {
          await step("renaming", () => Promise.reject(error));
        }
        await step("replacing", async () => {
          await client.remove(to);
          await client.rename(from, to);
        });
      }
      return true;
    },
    async discard(name) {
      const removal = client.closed ? discardLater(name) : client.remove(name, true);
      await removal.then(
        () => undefined,
        () => undefined,
      );
    },
  };
}
