/**
 * How a file goes into an email, tried in this order: embedded in the body (a text or CSV
 * file, when asked and small enough), attached as it is, attached zipped (when that brings
 * it under the size limit), or a download link. A file that fits none of them fails the
 * delivery with the sizes, rather than being sent cut or not at all without a word.
 */
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { SundialError } from "../../errors.js";
import type { ExportManifest } from "../export-file.js";
import { parseMessageTemplate, renderMessage } from "../notifications/message-template.js";
import type { LetterAttachment } from "../notifications/smtp-connection.js";
import { zipStage } from "../zip-stage.js";
import { deliveryFailed, formatBytes } from "./transfer.js";

/** What became of the file. */
export type Enclosure =
  | { readonly kind: "embedded"; readonly text: string }
  | { readonly kind: "attached"; readonly attachment: LetterAttachment }
  | { readonly kind: "zipped"; readonly attachment: LetterAttachment; readonly size: number }
  | { readonly kind: "linked"; readonly url: string };

/**
 * Where a file too large for email can be downloaded: a URL template (`${name}`, `${md5}`
 * and `${sha256}` are replaced, URL-encoded), or a function of the file.
 */
export type DownloadLink = string | ((file: ExportManifest) => string);

export interface EnclosureLimits {
  /** Put a text or CSV file in the body when it has at most `embedMaxBytes`. */
  readonly embed: boolean;
  readonly embedMaxBytes: number;
  /** The largest attachment, before encoding. */
  readonly maxBytes: number;
}

/** Names of files that read as text in a message body (not zipped, not encrypted). */
const TEXT_FILES = new Set([".csv", ".tsv", ".txt", ".json", ".ndjson", ".log"]);

class OverLimit extends Error {}

/**
 * Decides how `file` goes into the email, and prepares it.
 * @throws SundialError `deliveryFailed` (field `maxBytes`) when the file is over the limit,
 *   zipped too, and there is no download link; `badRequest` for a download link that does
 *   not give an http(s) URL.
 */
export async function encloseFile(
  file: ExportManifest,
  limits: EnclosureLimits,
  context: {
    readonly where: string;
    readonly downloadLink?: DownloadLink | undefined;
    readonly signal?: AbortSignal | undefined;
  },
): Promise<Enclosure> {
  if (
    limits.embed &&
    file.size <= limits.embedMaxBytes &&
    TEXT_FILES.has(extname(file.name).toLowerCase())
  ) {
    const text = utf8Text(await readFile(file.path, { signal: context.signal }));
    if (text !== undefined) return { kind: "embedded", text };
  }
  if (file.size <= limits.maxBytes) {
    return { kind: "attached", attachment: { filename: file.name, path: file.path } };
  }
  const isZip = extname(file.name).toLowerCase() === ".zip";
  if (!isZip) {
    const zipped = await zipWithin(file, limits.maxBytes, context.signal);
    if (zipped !== undefined) {
      return {
        kind: "zipped",
        attachment: { filename: `${file.name}.zip`, content: zipped },
        size: zipped.length,
      };
    }
  }
  if (context.downloadLink !== undefined) {
    return { kind: "linked", url: downloadUrl(file, context.downloadLink) };
  }
  throw deliveryFailed(
    context.where,
    `${file.name} is ${formatBytes(file.size)}, over the limit of ${formatBytes(limits.maxBytes)} for email${isZip ? "" : " even zipped"}, and there is no download link; raise maxBytes or choose another destination`,
    { field: "maxBytes" },
  );
}

/** The text of a UTF-8 file without its byte order mark, or undefined when it isn't UTF-8. */
function utf8Text(bytes: Buffer): string | undefined {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** The file zipped, or undefined as soon as the zip grows past `limit`. */
async function zipWithin(
  file: ExportManifest,
  limit: number,
  signal: AbortSignal | undefined,
): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  const collect = new Writable({
    write(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size > limit) return done(new OverLimit());
      chunks.push(chunk);
      done();
    },
  });
  try {
    await pipeline(createReadStream(file.path), zipStage(file.name), collect, { signal });
  } catch (error) {
    // Stopping early saves zipping the rest of a file already known not to fit.
    if (error instanceof OverLimit) return undefined;
    throw error;
  }
  return Buffer.concat(chunks);
}

function downloadUrl(file: ExportManifest, link: DownloadLink): string {
  const url =
    typeof link === "function"
      ? link(file)
      : renderMessage(
          parseMessageTemplate(link, "downloadLink"),
          { name: file.name, md5: file.md5, sha256: file.sha256 },
          encodeURIComponent,
        );
  let protocol: string | undefined;
  try {
    protocol = new URL(url).protocol;
  } catch {
    protocol = undefined;
  }
  if (protocol !== "http:" && protocol !== "https:") {
    throw new SundialError(
      "badRequest",
      `downloadLink: gives ${JSON.stringify(url)}, which is not an http or https URL`,
      { field: "downloadLink" },
    );
  }
  return url;
}
