/**
 * What every upload shares: its options, the temporary name a file is written under
 * before it is renamed, a byte counter for progress, and the error a failure becomes.
 */
import { randomUUID } from "node:crypto";
import { stat } from "node:fs/promises";
import { Transform } from "node:stream";
import { SundialError } from "../../errors.js";
import type { ExportManifest } from "../export-file.js";

/** How one upload is run. */
export interface TransferOptions {
  /** Aborting it stops the upload, removes the temporary file, and rejects with its reason. */
  readonly signal?: AbortSignal | undefined;
  /** Called with the bytes sent so far, as they go. */
  readonly onProgress?: ((bytes: number) => void) | undefined;
}

/**
 * A name for the file while it is written, in the folder of its final name: hidden (a
 * leading dot), and with an ending no pickup job matches, the way writeExportFile names
 * its own temporary files.
 */
export function temporaryName(): string {
  return `.sundial-${randomUUID()}.part`;
}

/** A pass-through stage that reports the bytes that went through it. */
export function byteCounter(onProgress: ((bytes: number) => void) | undefined): Transform {
  let bytes = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      onProgress?.(bytes);
      done(null, chunk);
    },
  });
}

/**
 * A `deliveryFailed` error: `where` (the destination) and the reason.
 * @example throw deliveryFailed("sftp://u@h:22/in", "/in/a.csv already exists; set overwrite to replace it", { field: "overwrite" });
 */
export function deliveryFailed(
  where: string,
  reason: string,
  options: { readonly field?: string | undefined; readonly cause?: unknown } = {},
): SundialError {
  return new SundialError("deliveryFailed", `${where}: ${reason}`, {
    ...(options.field === undefined ? {} : { field: options.field }),
    ...(options.cause === undefined ? {} : { cause: options.cause }),
  });
}

/**
 * The size of the file to send, checked against its manifest, so that a file changed
 * since it was written is not sent as if it were the run's.
 * @throws SundialError `deliveryFailed` when the file is missing or its size differs.
 */
export async function localSize(file: ExportManifest, where: string): Promise<number> {
  let size: number;
  try {
    size = (await stat(file.path)).size;
  } catch (error) {
    throw deliveryFailed(where, `can't read ${file.path}: ${(error as Error).message}`, {
      field: "file",
      cause: error,
    });
  }
  if (size !== file.size) {
    throw deliveryFailed(
      where,
      `${file.path} is ${size} bytes but its manifest says ${file.size}; it changed after it was written`,
      { field: "file" },
    );
  }
  return size;
}

/** Runs one operation of a protocol library, turning its failure into `deliveryFailed`. */
export type Step = <T>(what: string, operation: () => Promise<T>) => Promise<T>;

/**
 * The {@link Step} of one destination: a library's failure becomes `deliveryFailed`
 * naming `where` and what was being done; our own errors pass as they are, and after an
 * abort every failure is the signal's reason.
 */
export function stepsFor(where: string, signal: AbortSignal | undefined): Step {
  return async (what, operation) => {
    try {
      return await operation();
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (error instanceof SundialError) throw error;
      throw deliveryFailed(where, `${what} failed: ${(error as Error).message}`, { cause: error });
    }
  };
}

/** The reason of an aborted signal, else `error`: a stop is reported as a stop. */
export function abortReasonOr(error: unknown, signal: AbortSignal | undefined): unknown {
  return signal?.aborted ? signal.reason : error;
}

/** Bytes for people: `512 bytes`, `48.2 kB`, `12.5 MB` (powers of 1000, as mail clients show). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} bytes`;
  const units = ["kB", "MB", "GB", "TB"];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
