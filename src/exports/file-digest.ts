/**
 * The md5 and sha256 of a file and its size, taken from the bytes on their way to disk, so
 * the file is not read a second time.
 */
import { createHash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";

export interface FileDigest {
  readonly size: number;
  /** Lower-case hex, as `md5sum` prints it. */
  readonly md5: string;
  /** Lower-case hex, as `sha256sum` prints it. */
  readonly sha256: string;
}

/**
 * A pass-through stage that hashes and counts what goes through it.
 * @example
 * const digest = new DigestStage();
 * await pipeline(source, digest, createWriteStream(path));
 * digest.result(); // { size, md5, sha256 }
 */
export class DigestStage extends Transform {
  private readonly md5 = createHash("md5");
  private readonly sha256 = createHash("sha256");
  private size = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.md5.update(chunk);
    this.sha256.update(chunk);
    this.size += chunk.length;
    done(null, chunk);
  }

  /** The digest of everything that went through; call it once the stream has ended. */
  result(): FileDigest {
    return { size: this.size, md5: this.md5.digest("hex"), sha256: this.sha256.digest("hex") };
  }
}
