/**
 * Uploading a file over SFTP (ssh2-sftp-client): written under a temporary name in the
 * target directory, its size checked, then renamed, so that the final name only ever shows
 * a whole file. The server's host key can be pinned by its SHA256 fingerprint.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { posix } from "node:path";
import { pipeline } from "node:stream/promises";
import type SftpClient from "ssh2-sftp-client";
import { type Static, Type } from "typebox";
import { SundialError } from "../../errors.js";
import { validate } from "../../validation.js";
import type { ExportManifest } from "../export-file.js";
import { lazyModule } from "../lazy-module.js";
import { folderDestinationProperties, type UploadFolder, uploadInto } from "./folder-upload.js";
import {
  byteCounter,
  deliveryFailed,
  type Step,
  stepsFor,
  type TransferOptions,
} from "./transfer.js";

const sftpClient = lazyModule(() => import("ssh2-sftp-client"));

export const SftpConnectionSchema = Type.Object(
  {
    host: Type.String({ minLength: 1, maxLength: 253 }),
    /** Default 22. */
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
    username: Type.String({ minLength: 1 }),
    password: Type.Optional(Type.String({ minLength: 1 })),
    /** A private key in OpenSSH or PEM form. */
    privateKey: Type.Optional(Type.String({ minLength: 1 })),
    /** The private key's passphrase, when it has one. */
    passphrase: Type.Optional(Type.String({ minLength: 1 })),
    /** Pins the server's host key: `SHA256:…` as `ssh-keygen -lf` prints it. */
    hostKeyFingerprint: Type.Optional(Type.String()),
    /** For the connection and the login; default 30,000. */
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 600_000 })),
  },
  { additionalProperties: false },
);
export type SftpConnection = Static<typeof SftpConnectionSchema>;

export const SftpDestinationSchema = Type.Object(
  {
    type: Type.Literal("sftp"),
    connection: SftpConnectionSchema,
    // `directory` is absolute, or relative to the login directory.
    ...folderDestinationProperties,
  },
  { additionalProperties: false },
);
export type SftpDestination = Static<typeof SftpDestinationSchema>;

const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;
const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * Checks SFTP destination settings.
 * @throws SundialError `badRequest` naming the field, e.g. `destinations[0].connection.password`.
 * @example checkSftpDestination({ type: "sftp", connection: { host, username: "u", privateKey }, directory: "/in" }, "destinations[0]");
 */
export function checkSftpDestination(value: unknown, field = ""): SftpDestination {
  const destination = validate(SftpDestinationSchema, value, field);
  const at = (name: string) => (field === "" ? name : `${field}.${name}`);
  const fail = (name: string, reason: string): never => {
    throw new SundialError("badRequest", `${at(name)}: ${reason}`, { field: at(name) });
  };
  const { connection } = destination;
  if (connection.password === undefined && connection.privateKey === undefined) {
    fail("connection.password", "is required when there is no privateKey; give one of the two");
  }
  if (connection.passphrase !== undefined && connection.privateKey === undefined) {
    fail("connection.passphrase", "is given without a privateKey");
  }
  const pin = connection.hostKeyFingerprint;
  if (pin !== undefined && !FINGERPRINT.test(pin)) {
    fail(
      "connection.hostKeyFingerprint",
      `${JSON.stringify(pin)} is not a SHA256 fingerprint such as SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s (ssh-keygen -lf prints it)`,
    );
  }
  if ([...destination.directory].some((c) => c.charCodeAt(0) < 0x20 || c === "\u007f")) {
    fail("directory", "holds a control character");
  }
  return destination;
}

/** `sftp://user@host:port/directory`, for messages and outcomes. */
export function describeSftp(destination: SftpDestination): string {
  const { username, host, port } = destination.connection;
  const slash = destination.directory.startsWith("/") ? "" : "/";
  return `sftp://${username}@${host}:${port ?? 22}${slash}${destination.directory}`;
}

/**
 * Uploads `file` into the destination's directory under its name: first under a temporary
 * name, then, once the remote size equals the local one, renamed (folder-upload.ts).
 * @returns what was done, e.g. `uploaded 48213 bytes to /in/sales.csv`.
 * @throws SundialError `badRequest` for bad settings; `deliveryFailed` naming the server and
 *   the reason (unreachable, host key mismatch, refused login, missing directory, existing
 *   file without `overwrite`, size mismatch); the signal's reason when aborted. In every case
 *   the temporary file is removed and the final name is left as it was.
 * @example
 * await uploadSftp(manifest, {
 *   type: "sftp",
 *   connection: { host: "sftp.vendor.com", username: "acme", privateKey, hostKeyFingerprint: "SHA256:…" },
 *   directory: "/incoming",
 *   overwrite: true,
 * }, { signal });
 */
export async function uploadSftp(
  file: ExportManifest,
  settings: unknown,
  options: TransferOptions = {},
): Promise<string> {
  const destination = checkSftpDestination(settings);
  const where = describeSftp(destination);
  return withSftp(destination, options.signal, async ({ client, step }) => {
    const directory = await requireDirectory(client, destination.directory, step, where);
    return uploadInto(sftpFolder(client, directory, step), file, where, {
      ...options,
      overwrite: destination.overwrite,
    });
  });
}

/**
 * Connects, logs in and lists the destination's directory: the "test connection" action.
 * @returns the host key's fingerprint (to pin it) and the directory's entries, sorted.
 * @throws as {@link uploadSftp} does.
 * @example const { hostKeyFingerprint, entries } = await testSftp(settings);
 */
export async function testSftp(
  settings: unknown,
  signal?: AbortSignal,
): Promise<{ readonly hostKeyFingerprint: string; readonly entries: readonly string[] }> {
  const destination = checkSftpDestination(settings);
  const where = describeSftp(destination);
  return withSftp(destination, signal, async ({ client, step, hostKeyFingerprint }) => {
    const directory = await requireDirectory(client, destination.directory, step, where);
    const entries = await step("listing", () => client.list(directory));
    return { hostKeyFingerprint, entries: entries.map((entry) => entry.name).sort() };
  });
}

/**
 * Runs `work` on a logged-in connection, and ends the connection whatever happens.
 * Failures to connect or log in are classified by ssh2's `level` (never its text).
 */
async function withSftp<T>(
  destination: SftpDestination,
  signal: AbortSignal | undefined,
  work: (session: {
    readonly client: SftpClient;
    readonly step: Step;
    readonly hostKeyFingerprint: string;
  }) => Promise<T>,
): Promise<T> {
  const { connection } = destination;
  const where = describeSftp(destination);
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
  // Until the login completes, only closing the socket stops ssh2; afterwards the
  // connection stays open on abort, to remove the temporary file.
  const ssh = (client as unknown as { client: { destroy(): void } }).client;
  const onAbort = () => {
    if (!ready) ssh.destroy();
  };
  signal?.addEventListener("abort", onAbort, { once: true });
  const step = stepsFor(where, signal);
  try {
    if (signal?.aborted) throw signal.reason;
    const pin = connection.hostKeyFingerprint;
    try {
      await client.connect({
        host: connection.host,
        port: connection.port ?? 22,
        username: connection.username,
        ...(connection.password === undefined ? {} : { password: connection.password }),
        ...(connection.privateKey === undefined ? {} : { privateKey: connection.privateKey }),
        ...(connection.passphrase === undefined ? {} : { passphrase: connection.passphrase }),
        readyTimeout: connection.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        hostVerifier: (key: Buffer) => {
          presented = fingerprintOf(key);
          return pin === undefined || presented === pin;
        },
      });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw connectFailure(error, { destination, where, failure, ready, presented });
    }
    return await work({ client, step, hostKeyFingerprint: presented });
  } finally {
    signal?.removeEventListener("abort", onAbort);
    // Nothing useful can be done about a connection that fails to close politely.
    await client.end().catch(() => undefined);
  }
}

/** The fingerprint of a host key as OpenSSH prints it: `SHA256:` and unpadded base64. */
function fingerprintOf(key: Buffer): string {
  return `SHA256:${createHash("sha256").update(key).digest("base64").replace(/=+$/, "")}`;
}

function connectFailure(
  error: unknown,
  context: {
    readonly destination: SftpDestination;
    readonly where: string;
    readonly failure: (Error & { level?: string; code?: string }) | undefined;
    readonly ready: boolean;
    readonly presented: string;
  },
): SundialError {
  const { destination, where, failure, ready, presented } = context;
  const { connection } = destination;
  const pin = connection.hostKeyFingerprint;
  const fail = (reason: string, field?: string) =>
    deliveryFailed(where, reason, { field, cause: failure ?? error });
  if (pin !== undefined && presented !== "" && presented !== pin) {
    return fail(
      `the server presented the host key ${presented}, not the pinned ${pin}; nothing was sent. If the server's key was changed on purpose, update hostKeyFingerprint`,
      "connection.hostKeyFingerprint",
    );
  }
  const message = (failure ?? (error as Error)).message;
  if (failure?.level === "client-authentication") {
    const credential = connection.privateKey === undefined ? "password" : "privateKey";
    return fail(
      `refused the login as ${connection.username} (${message}); check the username and the ${credential === "password" ? "password" : "key (is its public half in the server's authorized_keys?)"}`,
      `connection.${credential}`,
    );
  }
  if (failure?.level === "client-timeout") {
    return fail(
      `did not complete the SSH login within ${connection.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`,
      "connection.host",
    );
  }
  if (failure?.level === "client-socket" || failure?.level === "client-dns") {
    return fail(
      `can't be reached (${failure.code ?? failure.level}: ${message})`,
      "connection.host",
    );
  }
  if (failure !== undefined) return fail(`the SSH connection failed (${message})`);
  if (ready) return fail(`logged in, but has no SFTP service (${message})`);
  // ssh2 throws before connecting when it can't use what it was given: the key, mostly.
  return connection.privateKey === undefined
    ? fail(`can't use the settings (${message})`)
    : fail(
        `can't use the private key (${message}); check the key and its passphrase`,
        "connection.privateKey",
      );
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
