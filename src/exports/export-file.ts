/**
 * The file pipeline of one export run: rows in, one finished file out, with its manifest.
 *
 *   rows → format (append at each line end) → encode → [encrypt → .gpg] → [zip → .zip]
 *        → md5 + sha256 + size → a temporary file → renamed to its name
 *
 * Everything streams in one pass; memory holds a batch of rows and the streams' buffers,
 * whatever the row count. The file appears under its name only once it is complete: a
 * failure, a row limit or an abort removes the temporary file and leaves any earlier file
 * of the same name as it was.
 */
import { randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { type Duplex, Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Key } from "openpgp";
import { SundialError } from "../errors.js";
import { byteOrderMark } from "./cell-text.js";
import { checkExportOutput, type ExportOutput } from "./export-output.js";
import { DigestStage } from "./file-digest.js";
import {
  checkFileName,
  type FileNameContext,
  parseFileNameTemplate,
  renderFileName,
} from "./file-name-template.js";
import { formatterFor, writesOnlyText } from "./formats.js";
import { encryptStage, readPublicKey } from "./gpg-encrypt.js";
import type { RowFormatter } from "./row-formatter.js";
import { DEFAULT_MAX_ROWS, type RowInput, type RowReader, readRows } from "./row-source.js";
import { type ZipOptions, zipStage } from "./zip-stage.js";

/** One run of an export: where and when it writes, and how it reports. */
export interface ExportRun extends FileNameContext {
  /** The folder the file is written to; created when missing. */
  readonly directory: string;
  /**
   * "Don't send empty files": an output without data rows is written as it is, and
   * neither encrypted nor zipped (its manifest says `empty`, the caller sends nothing).
   */
  readonly skipEmpty?: boolean | undefined;
  /** Aborting it stops the run, removes the unfinished file, and rejects with its reason. */
  readonly signal?: AbortSignal | undefined;
  /** Called with the data rows written so far, every `progressEvery` rows and at the end. */
  readonly onProgress?: ((rows: number) => void) | undefined;
  /** Default 10,000. */
  readonly progressEvery?: number | undefined;
}

/** The finished file: what file history stores and destinations send. */
export interface ExportManifest {
  /** The file name: the template's, then `.gpg`, then `.zip`. */
  readonly name: string;
  readonly path: string;
  /** Bytes. */
  readonly size: number;
  /** Data rows, the header row excluded. */
  readonly rows: number;
  /** No data row: the caller decides not to send it. */
  readonly empty: boolean;
  readonly md5: string;
  readonly sha256: string;
}

/**
 * Writes `rows` to a file as `output` says, and returns its manifest.
 * @throws SundialError `badRequest` for a bad output or run (naming the field),
 *   `rowLimitExceeded` past `maxRows`, `invalidRow` for a row the format can't write; the
 *   signal's reason when aborted. The source's own errors pass through as they are.
 * @example
 * const file = await writeExportFile(rowsFromQuery, {
 *   fileName: "sales_{yesterday:%Y%m%d}.csv",
 *   format: { type: "csv", delimiter: ";", lineEnding: "\r\n" },
 *   encrypt: { publicKey: vendorKey },
 *   zip: true,
 * }, { directory: "/var/lib/sundial/runs/42", instant: fireTime, timeZone: "Europe/London", signal });
 * // { name: "sales_20260328.csv.gpg.zip", path, size, rows: 1234, empty: false, md5, sha256 }
 */
export async function writeExportFile(
  rows: RowInput,
  output: ExportOutput,
  run: ExportRun,
): Promise<ExportManifest> {
  const spec = checkExportOutput(output);
  const progressEvery = checkRun(run);
  const { signal } = run;
  if (signal?.aborted) throw signal.reason;
  const dataName = renderFileName(parseFileNameTemplate(spec.fileName), run);
  const key = spec.encrypt === undefined ? undefined : await readPublicKey(spec.encrypt.publicKey);
  const reader = await readRows(rows, {
    maxRows: spec.maxRows ?? DEFAULT_MAX_ROWS,
    signal,
    onProgress: run.onProgress,
    progressEvery,
    text: writesOnlyText(spec.format),
  });
  let temp: string | undefined;
  try {
    if (signal?.aborted) throw signal.reason;
    const formatter = formatterFor(spec.format, {
      shape: reader.shape,
      columns: reader.columns,
      append: spec.append ?? "",
    });
    const { name, stages } =
      reader.empty && run.skipEmpty === true
        ? { name: dataName, stages: [] }
        : postProcessing(dataName, key, spec.zip === true ? { level: spec.zipLevel } : undefined);
    checkFileName(name);
    await mkdir(run.directory, { recursive: true });
    temp = join(run.directory, `.sundial-${randomUUID()}.part`);
    const digest = new DigestStage();
    await pipeline(
      [
        // One chunk ahead is enough to keep the stages busy; more only holds memory.
        Readable.from(fileBytes(reader, formatter), { highWaterMark: 1 }),
        ...stages,
        digest,
        createWriteStream(temp, { flags: "wx" }),
      ],
      { signal },
    );
    const path = join(run.directory, name);
    await rename(temp, path);
    return { name, path, ...digest.result(), rows: reader.count, empty: reader.empty };
  } catch (error) {
    if (temp !== undefined) await rm(temp, { force: true });
    await reader.close();
    throw signal?.aborted ? signal.reason : error;
  }
}

/** The name post-processing gives a file: `.gpg` when encrypted, then `.zip` when zipped. */
export function processedFileName(
  dataName: string,
  steps: { readonly encrypt: boolean; readonly zip: boolean },
): string {
  const encrypted = steps.encrypt ? `${dataName}.gpg` : dataName;
  return steps.zip ? `${encrypted}.zip` : encrypted;
}

/** The stages after the format, in their fixed order, and the name they lead to. */
function postProcessing(
  dataName: string,
  key: Key | undefined,
  zip: ZipOptions | undefined,
): { name: string; stages: Duplex[] } {
  const encrypt = key !== undefined;
  const stages: Duplex[] = [];
  // Each stage names the entry it makes after the name it was given.
  if (key !== undefined) stages.push(encryptStage(key, dataName));
  if (zip !== undefined) {
    stages.push(zipStage(processedFileName(dataName, { encrypt, zip: false }), zip));
  }
  return { name: processedFileName(dataName, { encrypt, zip: zip !== undefined }), stages };
}

/** The file's bytes before post-processing: a batch of rows per chunk. */
async function* fileBytes(reader: RowReader, formatter: RowFormatter): AsyncGenerator<Buffer> {
  const head = Buffer.concat([
    formatter.bom ? byteOrderMark(formatter.encoding) : Buffer.alloc(0),
    Buffer.from(formatter.start(), formatter.encoding),
  ]);
  if (head.length > 0) yield head;
  // Batches are gathered into chunks of about CHUNK_CHARS: each chunk costs a pass through
  // the stages and a write on the thread pool, whose wake-ups cost the event loop more than
  // the writing (a tenth of an export at 16 KB chunks). Much larger chunks live long enough
  // to be promoted to the old generation, and the heap, not the file, then sets the peak
  // RSS (bench/export: 64 KB raised it by 6 MB, 128 KB by about 15 MB).
  let pending = "";
  for await (const batch of reader.batches()) {
    pending += formatter.rows(batch);
    if (pending.length >= CHUNK_CHARS) {
      yield Buffer.from(pending, formatter.encoding);
      pending = "";
    }
  }
  pending += formatter.end();
  if (pending !== "") yield Buffer.from(pending, formatter.encoding);
}

/** Characters of formatted rows per chunk handed to the post-processing stages and the file. */
const CHUNK_CHARS = 64 * 1024;

/** Checks what a caller passed as the run, and returns its `progressEvery`. */
function checkRun(run: ExportRun): number {
  const fail = (field: string, reason: string): never => {
    throw new SundialError("badRequest", `${field}: ${reason}`, { field });
  };
  if (typeof run.directory !== "string" || run.directory === "") {
    fail("directory", "is required: the folder the file is written to");
  }
  const every = run.progressEvery ?? 10_000;
  if (!Number.isSafeInteger(every) || every < 1) {
    fail("progressEvery", `${String(every)} is not a whole number of rows of at least 1`);
  }
  return every;
}
