/**
 * The one way a file is put into a folder, whatever the folder is (SFTP, FTP, a local or
 * network directory): written under a temporary name beside its final name, its size
 * compared with the local file's, then renamed. So the final name only ever shows a whole
 * file, an existing file is replaced only with `overwrite`, and a failure or a stop leaves
 * the final name as it was and removes the temporary file.
 */
import { Type } from "typebox";
import type { ExportManifest } from "../export-file.js";
import { checkFileName } from "../file-name-template.js";
import { deliveryFailed, localSize, type TransferOptions, temporaryName } from "./transfer.js";

/** The settings every folder destination has, besides its `type` and `connection`. */
export const folderDestinationProperties = {
  /** What outcomes call it; default where it is (`sftp://acme@host:22/incoming`). */
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  /** The target directory; it must exist (it is never created). */
  directory: Type.String({ minLength: 1, maxLength: 4096 }),
  /** Replace a file of the same name; without it an existing file fails the upload. */
  overwrite: Type.Optional(Type.Boolean()),
};

/**
 * A folder files can be uploaded into, by names inside it. Each operation throws
 * `deliveryFailed` (naming the destination) or, once aborted, the signal's reason.
 */
export interface UploadFolder {
  /** Where `name` is, for messages: `/incoming/sales.csv`. */
  pathOf(name: string): string;
  exists(name: string): Promise<boolean>;
  /** Writes the local file as `name`, which does not exist yet. */
  write(local: string, name: string, options: TransferOptions): Promise<void>;
  sizeOf(name: string): Promise<number>;
  /**
   * Renames `from` to `to`. Without `replace`, gives false and changes nothing when `to`
   * exists (atomically, where the protocol allows it).
   */
  rename(from: string, to: string, replace: boolean): Promise<boolean>;
  /** Removes `name` as well as it can; called while another error is being reported. */
  discard(name: string): Promise<void>;
}

/**
 * Uploads `file` into `folder` under its name.
 * @param where the destination, which errors name, e.g. `sftp://acme@host:22/incoming`.
 * @returns what was done: `uploaded 48213 bytes to /incoming/sales.csv`.
 * @throws SundialError `deliveryFailed` with the field `overwrite` when the name is taken,
 *   or for a size that differs after the upload; what the folder's operations throw.
 */
export async function uploadInto(
  folder: UploadFolder,
  file: ExportManifest,
  where: string,
  options: TransferOptions & { readonly overwrite?: boolean | undefined },
): Promise<string> {
  checkFileName(file.name, "file.name");
  const size = await localSize(file, where);
  const overwrite = options.overwrite === true;
  const taken = (when: string) =>
    deliveryFailed(
      where,
      `${folder.pathOf(file.name)} ${when} and was left as it was; set overwrite to replace it`,
      { field: "overwrite" },
    );
  if (!overwrite && (await folder.exists(file.name))) throw taken("already exists");
  const temp = temporaryName();
  try {
    await folder.write(file.path, temp, options);
    // Checked before the rename, so that a short file never shows under the final name
    // (and a server that picks files up as soon as they are renamed never sees one).
    const remote = await folder.sizeOf(temp);
    if (remote !== size) {
      throw deliveryFailed(
        where,
        `the upload is ${remote} bytes there, not ${size}; it was removed and ${folder.pathOf(file.name)} left as it was`,
      );
    }
    if (!(await folder.rename(temp, file.name, overwrite))) {
      throw taken("appeared during the upload");
    }
  } catch (error) {
    await folder.discard(temp);
    throw error;
  }
  return `uploaded ${size} bytes to ${folder.pathOf(file.name)}`;
}
