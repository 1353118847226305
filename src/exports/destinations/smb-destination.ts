/**
 * Uploading a file to an SMB share (a Windows or Samba server) through smbclient
 * (smb-client.ts says why), the way every upload goes (folder-upload.ts): a temporary
 * name, a size check, a rename. The destination names a stored `smb` connection; its
 * `directory` is under the connection's `path`, in the share.
 */
import { createReadStream } from "node:fs";
import { posix } from "node:path";
import { type Static, Type } from "typebox";
import { validate } from "../../validation.js";
import {
  type ConnectionKind,
  ConnectionRefSchema,
  type LoginFailure,
  refuseInlineConnection,
} from "../connection-ref.js";
import type { ExportManifest } from "../export-file.js";
import {
  parseSmbListing,
  refusedAs,
  SmbCommandError,
  type SmbSession,
  smbSession,
  smbStat,
} from "../smb-client.js";
import {
  checkSmbConnection,
  checkSmbFolder,
  quotedSmbName,
  type SmbConnection,
  smbSegments,
  smbUrl,
} from "../smb-connection.js";
import { folderDestinationProperties, type UploadFolder, uploadInto } from "./folder-upload.js";
import { byteCounter, deliveryFailed, type TransferOptions } from "./transfer.js";

export const SmbDestinationSchema = Type.Object(
  {
    type: Type.Literal("smb"),
    /** The name of a stored `smb` connection. */
    connection: ConnectionRefSchema,
    // `directory` is in the share, under the connection's `path`: `/` is that folder itself.
    ...folderDestinationProperties,
  },
  { additionalProperties: false },
);
export type SmbDestination = Static<typeof SmbDestinationSchema>;

/** What an SMB destination's `connection` may name. */
export const SMB_DESTINATION_CONNECTION: ConnectionKind = {
  types: ["smb"],
  what: "an smb destination",
};

/**
 * Checks SMB destination settings.
 * @throws SundialError `badRequest` naming the field, e.g. `destinations[0].directory`; a
 *   connection written out in the task is refused (`destinations[0].connection`).
 * @example checkSmbDestination({ type: "smb", connection: "finance-share", directory: "/in" }, "destinations[0]");
 */
export function checkSmbDestination(value: unknown, field = ""): SmbDestination {
  refuseInlineConnection(value, field);
  const destination = validate(SmbDestinationSchema, value, field);
  checkSmbFolder(destination.directory, field === "" ? "directory" : `${field}.directory`);
  return destination;
}

/** `smb finance-share:/in`: the destination as the task has it, for audit events. */
export function describeSmb(destination: SmbDestination): string {
  return `smb ${destination.connection}:${destination.directory}`;
}

/**
 * Uploads `file` into the destination's directory under its name: first under a temporary
 * name, then, once the size on the share equals the local one, renamed (folder-upload.ts).
 * @param connection the settings of the connection the destination names, resolved.
 * @returns what was done, e.g. `uploaded 48213 bytes to /in/sales.csv`.
 * @throws SundialError `badRequest` for bad settings, or a file name smbclient can't pass
 *   (field `file.name`); `deliveryFailed` naming the share and the reason (unreachable,
 *   refused login, no such share, missing directory, existing file without `overwrite`,
 *   size mismatch); the signal's reason when aborted. In every case the temporary file is removed and the final name is left
 *   as it was.
 * @example await uploadSmb(manifest, { type: "smb", connection: "finance-share", directory: "/in" }, share.settings, { signal });
 */
export async function uploadSmb(
  file: ExportManifest,
  settings: unknown,
  connection: SmbConnection,
  options: TransferOptions = {},
): Promise<string> {
  const destination = checkSmbDestination(settings);
  checkSmbConnection(connection, "connection");
  const where = smbUrl(connection, destination.directory);
  const fail = loginFailure(where);
  const session = smbSession(connection, { signal: options.signal, fail });
  // A stop ends the upload's smbclient; the temporary file is removed by another.
  const cleaner = smbSession(connection, { fail });
  const folder = smbFolder({ session, cleaner }, destination.directory, where);
  return uploadInto(folder, file, where, { ...options, overwrite: destination.overwrite });
}

/**
 * Logs in and lists a folder of the share: the "test connection" action of an `smb`
 * connection.
 * @param folder under the connection's `path`; default that folder itself.
 * @returns the names in the folder, sorted.
 * @throws as {@link uploadSmb} does; a folder that can't be opened names `connection.path`.
 * @example const { entries } = await testSmb(share.settings);
 */
export async function testSmb(
  connection: SmbConnection,
  signal?: AbortSignal,
  folder = "",
): Promise<{ readonly entries: readonly string[] }> {
  checkSmbConnection(connection, "connection");
  checkSmbFolder(folder, "directory");
  const where = smbUrl(connection, folder);
  const session = smbSession(connection, { signal, fail: loginFailure(where) });
  const text = await refusedAs(
    () => session.run({ directory: smbSegments(folder), command: "ls" }),
    (error, refusal) =>
      refusal === "folder"
        ? deliveryFailed(where, `the folder can't be opened (${error.message})`, {
            field: "connection.path",
            cause: error,
          })
        : deliveryFailed(where, `listing failed: ${error.message}`, { cause: error }),
  );
  const names = parseSmbListing(text).map((entry) => entry.name);
  return { entries: names.sort() };
}

/** How a failure to reach the share or log in reads: `deliveryFailed` naming the setting. */
function loginFailure(where: string): LoginFailure {
  return (reason, setting, cause) =>
    deliveryFailed(where, reason, {
      field: setting === undefined ? undefined : `connection.${setting}`,
      cause,
    });
}

/** A directory of a share, as a folder to upload into. */
function smbFolder(
  sessions: { readonly session: SmbSession; readonly cleaner: SmbSession },
  directory: string,
  where: string,
): UploadFolder {
  const { session, cleaner } = sessions;
  const segments = smbSegments(directory);
  const pathOf = (name: string) => posix.join(directory, name);
  // A name smbclient can't carry is the output's file name's fault: badRequest, not retried.
  const quoted = (name: string) => quotedSmbName(name, "file.name");
  /** Runs a step, its refusals becoming `deliveryFailed` (the directory's, by its field). */
  const step = <T>(what: string, run: () => Promise<T>): Promise<T> =>
    refusedAs(run, (error, refusal) =>
      refusal === "folder"
        ? deliveryFailed(
            where,
            `the directory ${directory} can't be opened on the share (${error.status ?? error.message}); it must exist, and is never created`,
            { field: "directory", cause: error },
          )
        : deliveryFailed(where, `${what} failed: ${error.message}`, { cause: error }),
    );
  const stat = (name: string) => step("checking", () => smbStat(session, segments, quoted(name)));
  return {
    pathOf,
    exists: async (name) => (await stat(name)) !== undefined,
    async write(local, name, options) {
      const input = createReadStream(local).pipe(byteCounter(options.onProgress));
      await step("uploading", () =>
        session.run({ directory: segments, command: `put - ${quoted(name)}`, input }),
      );
    },
    sizeOf: async (name) => (await stat(name))?.size ?? 0,
    async rename(from, to, replace) {
      // Without -f the server refuses a name that exists, atomically (SMB2's ReplaceIfExists unset).
      const command = `rename ${quoted(from)} ${quoted(to)}${replace ? " -f" : ""}`;
      try {
        await session.run({ directory: segments, command });
        return true;
      } catch (error) {
        if (
          error instanceof SmbCommandError &&
          error.status === "NT_STATUS_OBJECT_NAME_COLLISION"
        ) {
          return false;
        }
        return step("renaming", () => Promise.reject(error));
      }
    },
    async discard(name) {
      // After a stop the server may hold the interrupted upload open for a moment longer.
      for (let attempt = 1; attempt <= 20; attempt++) {
        try {
          await cleaner.run({ directory: segments, command: `del ${quoted(name)}` });
          return;
        } catch (error) {
          const busy =
            error instanceof SmbCommandError && error.status === "NT_STATUS_SHARING_VIOLATION";
          if (!busy) return;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    },
  };
}
