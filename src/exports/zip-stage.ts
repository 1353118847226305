/**
 * A zip archive of one file, streamed (yazl, deflate; sizes in a data descriptor since
 * they are known only at the end, which `unzip` and every common tool read).
 */
import { Duplex, PassThrough, type Readable } from "node:stream";
import { ZipFile } from "yazl";

/**
 * A stream stage that turns what is written to it into a zip archive holding it as
 * `entryName`.
 * @example await pipeline(createReadStream("a.csv"), zipStage("a.csv"), createWriteStream("a.csv.zip"));
 */
export function zipStage(entryName: string): Duplex {
  const zip = new ZipFile();
  const entry = new PassThrough();
  zip.addReadStream(entry, entryName);
  zip.end();
  const archive = zip.outputStream as Readable;
  // yazl reports a failure of its input on itself, not on its output stream.
  zip.on("error", (error: Error) => archive.destroy(error));
  return Duplex.from({ writable: entry, readable: archive });
}
