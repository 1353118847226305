/**
 * Uploading a file over SFTP (ssh2-sftp-client): written under a temporary name in the
 * target directory, its size checked, then renamed, so that the final name only ever shows
 * a whole file. The destination names a stored `sftp` connection; the server's host key
 * can be pinned by its SHA256 fingerprint there.
 */
import { createReadStream } from "node:fs";
import { posix } from "node:path";
import { pipeline } from "node:stream/promises";
import type SftpClient from "ssh2-sftp-client";
import { type Static, Type } from "typebox";
import { SundialError } from "../../errors.js";
import { validate } from "../../validation.js";
import {
  type ConnectionKind,
  ConnectionRefSchema,
  type LoginFailure,
  refuseInlineConnection,
} from "../connection-ref.js";
import type { ExportManifest } from "../export-file.js";
import { lazyModule } from "../lazy-module.js";
import {
  checkSshLogin,
  type SshConnection,
  SshConnectionSchema,
  sshConnectConfig,
  sshLoginFailure,
} from "../ssh-login.js";
import { folderDestinationProperties, type UploadFolder, uploadInto } from "./folder-upload.js";
import {
  byteCounter,
  deliveryFailed,
  type Step,
  stepsFor,
  type TransferOptions,
} from "./transfer.js";

/** ssh2-sftp-client, loaded on first use (lazy-module.ts). */
const sftpClient = lazyModule(() => import("ssh2-sftp-client"));

/** The settings of an `sftp` connection: those of any SSH login (ssh-login.ts). */
export const SftpConnectionSchema = SshConnectionSchema;
export type SftpConnection = SshConnection;

export const SftpDestinationSchema = Type.Object(
  {
    type: Type.Literal("sftp"),
    /** The name of a stored `sftp` connection. */
    connection: ConnectionRefSchema,
    // `directory` is absolute, or relative to the login directory.
    ...folderDestinationProperties,
  },
  { additionalProperties: false },
);
export type SftpDestination = Static<typeof SftpDestinationSchema>;

/** What an SFTP destination's `connection` may name. */
export const SFTP_DESTINATION_CONNECTION: ConnectionKind = {
  types: ["sftp"],
  what: "an sftp destination",
};

/**
 * Checks SFTP destination settings.
 * @throws SundialError `badRequest` naming the field, e.g. `destinations[0].directory`; a
 *   connection written out in the task is refused (`destinations[0].connection`).
 * @example checkSftpDestination({ type: "sftp", connection: "vendor-sftp", directory: "/in" }, "destinations[0]");
 */
export function checkSftpDestination(value: unknown, field = ""): SftpDestination {
  refuseInlineConnection(value, field);
  const destination = validate(SftpDestinationSchema, value, field);
  if ([...destination.directory].some((c) => c.charCodeAt(0) < 0x20 || c === "\u007f")) {
    const at = field === "" ? "directory" : `${field}.directory`;
    throw new SundialError("badRequest", `${at}: holds a control character`, { field: at });
  }
  return destination;
}

/** `sftp vendor-sftp:/incoming`: the destination as the task has it, for audit events. */
export function describeSftp(destination: SftpDestination): string {
  return `sftp ${destination.connection}:${destination.directory}`;
}

/** `sftp://user@host:port/path`, for messages and outcomes. */
export function sftpUrl(connection: SftpConnection, path: string): string {
  const { username, host, port } = connection;
  return `sftp://${username}@${host}:${port ?? 22}${path.startsWith("/") ? "" : "/"}${path}`;
}

/**
 * Uploads `file` into the destination's directory under its name: first under a temporary
 * name, then, once the remote size equals the local one, renamed (folder-upload.ts).
 * @param connection the settings of the connection the destination names, resolved.
 * @returns what was done, e.g. `uploaded 48213 bytes to /in/sales.csv`.
 * @throws SundialError `badRequest` for bad settings; `deliveryFailed` naming the server and
 *   the reason (unreachable, host key mismatch, refused login, missing directory, existing
 *   file without `overwrite`, size mismatch); the signal's reason when aborted. In every case
 *   the temporary file is removed and the final name is left as it was.
 * @example
 * const vendor = await connections.resolve("vendor-sftp", ["sftp"]);
 * await uploadSftp(manifest, { type: "sftp", connection: "vendor-sftp", directory: "/incoming", overwrite: true }, vendor.settings, { signal });
 */
export async function uploadSftp(
  file: ExportManifest,
  settings: unknown,
  connection: SftpConnection,
  options: TransferOptions = {},
): Promise<string> {
  const destination = checkSftpDestination(settings);
  checkSshLogin(connection, "connection");
  const where = sftpUrl(connection, destination.directory);
  const step = stepsFor(where, options.signal);
  return withSftp(connection, sftpSession(where, options.signal), async ({ client }) => {
    const directory = await requireDirectory(client, destination.directory, step, where);
    return uploadInto(sftpFolder(client, directory, step), file, where, {
      ...options,
      overwrite: destination.overwrite,
    });
  });
}

/**
 * Connects, logs in and lists a directory: the "test connection" action of an `sftp`
 * connection.
 * @returns the host key's fingerprint (to pin it) and the directory's entries, sorted.
 * @throws as {@link uploadSftp} does.
 * @example const { hostKeyFingerprint, entries } = await testSftp(vendor.settings, ".");
 */
export async function testSftp(
  connection: SftpConnection,
  directory: string,
  signal?: AbortSignal,
): Promise<{ readonly hostKeyFingerprint: string; readonly entries: readonly string[] }> {
  checkSshLogin(connection, "connection");
  const where = sftpUrl(connection, directory);
  const step = stepsFor(where, signal);
  return withSftp(
    connection,
    sftpSession(where, signal),
    async ({ client, hostKeyFingerprint }) => {
      const path = await requireDirectory(client, directory, step, where);
      const entries = await step("listing", () => client.list(path));
      return { hostKeyFingerprint, entries: entries.map((entry) => entry.name).sort() };
    },
  );
}

/** How a destination's session fails to start: `deliveryFailed` naming the destination. */
function sftpSession(where: string, signal: AbortSignal | undefined) {
  const fail: LoginFailure = (reason, setting, cause) =>
    deliveryFailed(where, reason, {
      field: setting === undefined ? undefined : `connection.${setting}`,
      cause,
    });
  return { signal, fail };
}

/**
 * Runs `work` on a logged-in SFTP session, and ends it whatever happens: the SFTP
 * destination's and the SFTP source's one way in. A failure to connect or log in is what
 * `fail` makes of it (ssh-login.ts says why). An abort before the login closes the socket
 * (nothing else stops ssh2); afterwards the session stays open for `work` to clean up on.
 * @example await withSftp(settings, { signal, fail }, ({ client }) => client.list("/in"));
 */
export async function withSftp<T>(
  connection: SftpConnection,
  options: { readonly signal?: AbortSignal | undefined; readonly fail: LoginFailure },
  work: (session: {
    readonly client: SftpClient;
    readonly hostKeyFingerprint: string;
  }) => Promise<T>,
): Promise<T> {
  const { signal, fail } = options;
  // The library logs to the console from its global listeners unless given these.
  const { default: Sftp } = await sftpClient();
  const client = new Sftp("sundial", { error: () => {}, end: () => {}, close: () => {} });
  let failure: (Error & { level?: string; code?: string }) | undefined;
  let ready = false;
  let presented = "";
  client.on("error", (error: Error) => {
    failure ??= error;
  });
  client.on("ready", () => {
    ready = true;
  });
  const ssh = (client as unknown as { client: { destroy(): void } }).client;
  const onAbort = () => {
    if (!ready) ssh.destroy();
  };
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    if (signal?.aborted) throw signal.reason;
    try {
      await client.connect(
        sshConnectConfig(connection, (fingerprint) => {
          presented = fingerprint;
        }),
      );
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (ready && failure === undefined) {
        throw fail(
          `logged in, but has no SFTP service (${(error as Error).message})`,
          undefined,
          error,
        );
      }
      throw sshLoginFailure(error, { connection, presented, failure }, fail);
    }
    return await work({ client, hostKeyFingerprint: presented });
  } finally {
    signal?.removeEventListener("abort", onAbort);
    // Nothing useful can be done about a connection that fails to close politely.
    await client.end().catch(() => undefined);
  }
}

/** The directory's path, once it is known to be a directory. */
async function requireDirectory(
  client: SftpClient,
  directory: string,
  step: Step,
  where: string,
): Promise<string> {
  const kind = await step("checking the directory", () => client.exists(directory));
  if (kind !== "d") {
    throw deliveryFailed(
      where,
      `the directory ${directory} ${kind === false ? "does not exist" : "is not a directory"} on the server`,
      { field: "directory" },
    );
  }
  return directory;
}

/** The directory of an SFTP session, as a folder to upload into. */
function sftpFolder(client: SftpClient, directory: string, step: Step): UploadFolder {
  const pathOf = (name: string) => posix.join(directory, name);
  const exists = async (name: string) =>
    (await step("checking", () => client.exists(pathOf(name)))) !== false;
  return {
    pathOf,
    exists,
    write: (local, name, options) =>
      step("uploading", () => send(client, local, pathOf(name), options)),
    sizeOf: async (name) => (await step("checking the size", () => client.stat(pathOf(name)))).size,
    async rename(from, to, replace) {
      if (!replace) {
        // OpenSSH refuses a plain SFTP rename onto an existing name: no file that appeared
        // meanwhile is ever replaced.
        try {
          await client.rename(pathOf(from), pathOf(to));
          return true;
        } catch (error) {
          if (await exists(to)) return false;
          return step("renaming", () => Promise.reject(error));
        }
      }
      try {
        await client.posixRename(pathOf(from), pathOf(to));
      } catch (error) {
        // A server without OpenSSH's atomic posix-rename: delete, then rename, but only
        // while the upload is there to take the old file's place.
        if (!(await exists(from))) await step("renaming", () => Promise.reject(error));
        await step("replacing", async () => {
          await client.delete(pathOf(to), true);
          await client.rename(pathOf(from), pathOf(to));
        });
      }
      return true;
    },
    // On the same connection, which an abort leaves open for this.
    discard: (name) =>
      client.delete(pathOf(name), true).then(
        () => undefined,
        () => undefined,
      ),
  };
}

/** Streams the local file to `remote`, created afresh (never over an existing file). */
async function send(
  client: SftpClient,
  local: string,
  remote: string,
  options: TransferOptions,
): Promise<void> {
  const target = client.createWriteStream(remote, { flags: "wx" });
  // ssh2 reports the end of a write stream ('finish') before its handle is closed, and a
  // failure to close as an 'error' after the pipeline has stopped listening.
  const closed = new Promise<void>((resolve, reject) => {
    target.once("close", resolve);
    target.once("error", reject);
  });
  closed.catch(() => undefined);
  await pipeline(createReadStream(local), byteCounter(options.onProgress), target, {
    signal: options.signal,
  });
  await closed;
}
