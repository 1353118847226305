/**
 * Uploading a file over FTP or FTPS (basic-ftp), the way every upload goes
 * (folder-upload.ts): a temporary name, a size check, a rename. The destination names a
 * stored `ftp` or `ftps` connection.
 */
import { createReadStream } from "node:fs";
import { posix } from "node:path";
import type { Client, FTPError } from "basic-ftp";
import { type Static, Type } from "typebox";
import { validate } from "../../validation.js";
import {
  type ConnectionKind,
  ConnectionRefSchema,
  type LoginFailure,
  refuseInlineConnection,
} from "../connection-ref.js";
import type { ExportManifest } from "../export-file.js";
import { lazyModule } from "../lazy-module.js";
import { folderDestinationProperties, type UploadFolder, uploadInto } from "./folder-upload.js";
import { deliveryFailed, type Step, stepsFor, type TransferOptions } from "./transfer.js";

/** basic-ftp, loaded on first use (lazy-module.ts). */
const basicFtp = lazyModule(() => import("basic-ftp"));

/** basic-ftp's reply error, told by its name: the class lives in a module loaded on first use. */
export function isFtpError(error: unknown): error is FTPError {
  return error instanceof Error && error.name === "FTPError";
}

/** The settings of an `ftp` or `ftps` connection. */
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
    /** The name of a stored `ftp` or `ftps` connection. */
    connection: ConnectionRefSchema,
    // `directory` is absolute, or relative to the login directory.
    ...folderDestinationProperties,
  },
  { additionalProperties: false },
);
export type FtpDestination = Static<typeof FtpDestinationSchema>;

/** What an FTP destination's `connection` may name. */
export const FTP_DESTINATION_CONNECTION: ConnectionKind = {
  types: ["ftp", "ftps"],
  what: "an ftp destination",
};

const DEFAULT_TIMEOUT_MS = 30_000;
/** "Requested action not taken": no such file, among others. */
export const FTP_FILE_UNAVAILABLE = 550;
/** Replies of a server that does not know the command (SIZE is an extension, RFC 3659). */
const NOT_IMPLEMENTED = new Set([500, 502, 504]);
/** "Not logged in". */
const NOT_LOGGED_IN = 530;

/**
 * Checks FTP destination settings.
 * @throws SundialError `badRequest` naming the field, e.g. `destinations[1].directory`; a
 *   connection written out in the task is refused (`destinations[1].connection`).
 * @example checkFtpDestination({ type: "ftp", connection: "drop", directory: "/in" });
 */
export function checkFtpDestination(value: unknown, field = ""): FtpDestination {
  refuseInlineConnection(value, field);
  return validate(FtpDestinationSchema, value, field);
}

/** `ftp drop:/in`: the destination as the task has it, for audit events. */
export function describeFtp(destination: FtpDestination): string {
  return `ftp ${destination.connection}:${destination.directory}`;
}

/** `ftp://user@host:port/path` (or `ftps://`), for messages and outcomes. */
export function ftpUrl(connection: FtpConnection, path: string): string {
  const scheme = connection.secure === undefined || connection.secure === false ? "ftp" : "ftps";
  const slash = path.startsWith("/") ? "" : "/";
  return `${scheme}://${connection.username ?? "anonymous"}@${connection.host}:${portOf(connection)}${slash}${path}`;
}

/**
 * Uploads `file` into the destination's directory under its name, through a temporary
 * name and a size check.
 * @param connection the settings of the connection the destination names, resolved.
 * @returns what was done, e.g. `uploaded 48213 bytes to /in/sales.csv`.
 * @throws SundialError `badRequest` for bad settings; `deliveryFailed` naming the server and
 *   the reason (unreachable, refused login, TLS, missing directory, existing file without
 *   `overwrite`, size mismatch); the signal's reason when aborted. The temporary file is
 *   removed (after a stop, over a new connection, since a stop closes the old one).
 * @example await uploadFtp(manifest, { type: "ftp", connection: "drop", directory: "/in" }, drop.settings, { signal });
 */
export async function uploadFtp(
  file: ExportManifest,
  settings: unknown,
  connection: FtpConnection,
  options: TransferOptions = {},
): Promise<string> {
  const destination = checkFtpDestination(settings);
  const where = ftpUrl(connection, destination.directory);
  const step = stepsFor(where, options.signal);
  const session = ftpSession(where);
  return withFtp(connection, { ...session, signal: options.signal }, async (client) => {
    const directory = await enter(client, destination.directory, step, where);
    const folder = ftpFolder(client, directory, step, async (name) => {
      await withFtp(connection, session, async (cleaner) => {
        await cleaner.cd(directory);
        await cleaner.remove(name, true);
      });
    });
    return uploadInto(folder, file, where, { ...options, overwrite: destination.overwrite });
  });
}

/**
 * Connects, logs in and lists a directory: the "test connection" action of an `ftp` or
 * `ftps` connection.
 * @returns the names in the directory, sorted.
 * @throws as {@link uploadFtp} does.
 * @example const { entries } = await testFtp(drop.settings, ".");
 */
export async function testFtp(
  connection: FtpConnection,
  directory: string,
  signal?: AbortSignal,
): Promise<{ readonly entries: readonly string[] }> {
  const where = ftpUrl(connection, directory);
  const step = stepsFor(where, signal);
  return withFtp(connection, { ...ftpSession(where), signal }, async (client) => {
    await enter(client, directory, step, where);
    const entries = await step("listing", () => client.list());
    return { entries: entries.map((entry) => entry.name).sort() };
  });
}

/** How a destination's session fails to start: `deliveryFailed` naming the destination. */
function ftpSession(where: string): { readonly fail: LoginFailure } {
  return {
    fail: (reason, setting, cause) =>
      deliveryFailed(where, reason, {
        field: setting === undefined ? undefined : `connection.${setting}`,
        cause,
      }),
  };
}

/**
 * Runs `work` on a logged-in FTP session, and closes it whatever happens: the FTP
 * destination's and the FTP source's one way in. A failure to connect or log in is what
 * `fail` makes of it, classified by the reply code or the errno. basic-ftp takes no
 * signal: an abort closes the client, which rejects whatever it is doing.
 * @example await withFtp(settings, { signal, fail }, (client) => client.list());
 */
export async function withFtp<T>(
  connection: FtpConnection,
  options: { readonly signal?: AbortSignal | undefined; readonly fail: LoginFailure },
  work: (client: Client) => Promise<T>,
): Promise<T> {
  const { signal, fail } = options;
  const { Client: FtpClient } = await basicFtp();
  const client = new FtpClient(connection.timeoutMs ?? DEFAULT_TIMEOUT_MS);
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
      throw ftpLoginFailure(error, connection, fail);
    }
    return await work(client);
  } finally {
    signal?.removeEventListener("abort", onAbort);
    client.close();
  }
}

function portOf(connection: FtpConnection): number {
  return connection.port ?? (connection.secure === "implicit" ? 990 : 21);
}

/** A failure to connect or log in, classified by the reply code or the errno. */
function ftpLoginFailure(error: unknown, connection: FtpConnection, fail: LoginFailure) {
  const code = (error as { code?: unknown }).code;
  const message = (error as Error).message;
  if (isFtpError(error) && code === NOT_LOGGED_IN) {
    return fail(
      `refused the login as ${connection.username ?? "anonymous"} (${message}); check the connection's username and password`,
      "password",
      error,
    );
  }
  if (
    typeof code === "string" &&
    /^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO)/.test(code)
  ) {
    return fail(
      `TLS failed (${code}: ${message}); check the connection's secure, ca and rejectUnauthorized`,
      "secure",
      error,
    );
  }
  if (typeof code === "string")
    return fail(`can't be reached (${code}: ${message})`, "host", error);
  return fail(`the login failed (${message})`, undefined, error);
}

/** Changes into the directory, and gives its absolute path. */
async function enter(client: Client, directory: string, step: Step, where: string) {
  try {
    await client.cd(directory);
  } catch (error) {
    if (isFtpError(error) && error.code === FTP_FILE_UNAVAILABLE) {
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
      if (error.code === FTP_FILE_UNAVAILABLE) return false;
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
