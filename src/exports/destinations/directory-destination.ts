/**
 * Copying a file into a local or network directory (a mounted share), the way every
 * upload goes (folder-upload.ts): a temporary name in the directory itself, so that the
 * rename is atomic on its filesystem, a size check, then the rename.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { link, open, rename, rm, stat, unlink } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { type Static, Type } from "typebox";
import { SundialError } from "../../errors.js";
import { validate } from "../../validation.js";
import type { ExportManifest } from "../export-file.js";
import { folderDestinationProperties, type UploadFolder, uploadInto } from "./folder-upload.js";
import {
  byteCounter,
  deliveryFailed,
  type Step,
  stepsFor,
  type TransferOptions,
} from "./transfer.js";

export const DirectoryDestinationSchema = Type.Object(
  {
    type: Type.Literal("directory"),
    // `directory` is an absolute path; never created, so that an unmounted share fails.
    ...folderDestinationProperties,
  },
  { additionalProperties: false },
);
export type DirectoryDestination = Static<typeof DirectoryDestinationSchema>;

/** Errors of a filesystem without hard links (FAT, some SMB mounts). */
const NO_LINKS = new Set(["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS", "EMLINK"]);

/**
 * Checks directory destination settings.
 * @throws SundialError `badRequest` naming the field, e.g. `destinations[2].directory`.
 * @example checkDirectoryDestination({ type: "directory", directory: "/mnt/share/out", overwrite: true });
 */
export function checkDirectoryDestination(value: unknown, field = ""): DirectoryDestination {
  const destination = validate(DirectoryDestinationSchema, value, field);
  const at = field === "" ? "directory" : `${field}.directory`;
  if (!isAbsolute(destination.directory)) {
    throw new SundialError(
      "badRequest",
      `${at}: ${JSON.stringify(destination.directory)} is not an absolute path; a relative one would depend on where the server was started`,
      { field: at },
    );
  }
  return destination;
}

/**
 * Copies `file` into the directory under its name, through a temporary name and a size
 * check.
 * @returns what was done, e.g. `uploaded 48213 bytes to /mnt/share/out/sales.csv`.
 * @throws SundialError `badRequest` for bad settings; `deliveryFailed` naming the directory
 *   and the reason (missing, not writable, existing file without `overwrite`, size
 *   mismatch); the signal's reason when aborted. The temporary file is removed.
 * @example await copyToDirectory(manifest, { type: "directory", directory: "/mnt/share/out" }, { signal });
 */
export async function copyToDirectory(
  file: ExportManifest,
  settings: unknown,
  options: TransferOptions = {},
): Promise<string> {
  const destination = checkDirectoryDestination(settings);
  const { directory } = destination;
  const where = describeDirectory(destination);
  const step = stepsFor(where, options.signal);
  const info = await stat(directory).catch((error: NodeJS.ErrnoException) => error);
  if (info instanceof Error || !info.isDirectory()) {
    const why = info instanceof Error ? (info.code ?? info.message) : "not a directory";
    throw deliveryFailed(where, `the directory can't be used (${why}); is it there, and mounted?`, {
      field: "directory",
      ...(info instanceof Error ? { cause: info } : {}),
    });
  }
  return uploadInto(directoryFolder(directory, step), file, where, {
    ...options,
    overwrite: destination.overwrite,
  });
}

/** `directory /mnt/share/out`, for messages and outcomes. */
export function describeDirectory(destination: DirectoryDestination): string {
  return `directory ${destination.directory}`;
}

function directoryFolder(directory: string, step: Step): UploadFolder {
  const pathOf = (name: string) => join(directory, name);
  const exists = (name: string) =>
    step("checking", () =>
      stat(pathOf(name)).then(
        () => true,
        (error: NodeJS.ErrnoException) => (error.code === "ENOENT" ? false : Promise.reject(error)),
      ),
    );
  return {
    pathOf,
    exists,
    write: (local, name, options) =>
      step("copying", async () => {
        await pipeline(
          createReadStream(local),
          byteCounter(options.onProgress),
          createWriteStream(pathOf(name), { flags: "wx" }),
          { signal: options.signal },
        );
        // On disk before the rename makes it visible, so a crash never shows a short file
        // under the final name.
        const handle = await open(pathOf(name), "r+");
        try {
          await handle.sync();
        } finally {
          await handle.close();
        }
      }),
    sizeOf: (name) => step("checking the size", async () => (await stat(pathOf(name))).size),
    rename: (from, to, replace) =>
      step("renaming", async () => {
        if (replace) {
          await rename(pathOf(from), pathOf(to));
          return true;
        }
        // A hard link refuses an existing name atomically, where rename would replace it.
        try {
          await link(pathOf(from), pathOf(to));
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code ?? "";
          if (code === "EEXIST") return false;
          if (!NO_LINKS.has(code)) throw error;
          if (await exists(to)) return false;
          await rename(pathOf(from), pathOf(to));
          return true;
        }
        await unlink(pathOf(from));
        return true;
      }),
    discard: (name) => rm(pathOf(name), { force: true }).catch(() => undefined),
  };
}
