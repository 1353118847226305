/**
 * Post-processing a file that is already written (what a processing script left): the
 * same steps, in the same order, as writeExportFile applies to rows on their way to disk,
 * encrypt (`.gpg`) then zip (`.zip`), then hashes; through a temporary name, renamed when
 * complete.
 */
import { randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { type Duplex, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ExportManifest } from "./export-file.js";
import type { ExportOutput } from "./export-output.js";
import { DigestStage } from "./file-digest.js";
import { checkFileName } from "./file-name-template.js";
import { encryptStage, readPublicKey } from "./gpg-encrypt.js";
import { zipStage } from "./zip-stage.js";

/**
 * Encrypts and zips `path` as `output` says, beside it, and gives the result's manifest
 * (the original is removed when a new file was made). Without either step it is hashed as
 * it is.
 * @param facts the rows the file holds, and whether it is empty, as the run counted them.
 * @throws SundialError `badRequest` for a name that is not a plain file name; the signal's
 *   reason when aborted (the temporary file is removed).
 */
export async function postProcessFile(
  path: string,
  output: Pick<ExportOutput, "encrypt" | "zip" | "zipLevel">,
  facts: { readonly rows: number; readonly empty: boolean },
  signal?: AbortSignal,
): Promise<ExportManifest> {
  let name = basename(path);
  checkFileName(name, "file.name");
  const stages: Duplex[] = [];
  if (output.encrypt !== undefined) {
    stages.push(encryptStage(await readPublicKey(output.encrypt.publicKey), name));
    name += ".gpg";
  }
  if (output.zip === true) {
    stages.push(zipStage(name, { level: output.zipLevel }));
    name += ".zip";
  }
  const digest = new DigestStage();
  const folder = dirname(path);
  if (stages.length === 0) {
    const discard = new Writable({ write: (_chunk, _encoding, done) => done() });
    await pipeline(createReadStream(path), digest, discard, { signal }).catch((error: unknown) => {
      throw signal?.aborted ? signal.reason : error;
    });
    return { name, path, ...digest.result(), ...facts };
  }
  checkFileName(name, "file.name");
  const temp = join(folder, `.sundial-${randomUUID()}.part`);
  try {
    await pipeline(
      [createReadStream(path), ...stages, digest, createWriteStream(temp, { flags: "wx" })],
      { signal },
    );
    const target = join(folder, name);
    await rename(temp, target);
    await rm(path, { force: true });
    return { name, path: target, ...digest.result(), ...facts };
  } catch (error) {
    await rm(temp, { force: true });
    throw signal?.aborted ? signal.reason : error;
  }
}
