/**
 * A zip archive of one file, streamed: the file is deflated as it passes, and its CRC-32
 * and sizes follow the data in a data descriptor, since they are known only at the end
 * (`unzip`, Python's zipfile, Java, Windows and macOS all read this layout).
 *
 * Written here rather than with a zip library because of the CRC: the libraries compute
 * it in JavaScript, which cost an export a tenth of its main thread's time; zlib's native
 * `crc32` costs a hundredth. Zip64 records are written only when a size or offset needs
 * them, so that small archives open in tools that predate Zip64.
 */
import { Duplex, pipeline, Transform } from "node:stream";
import { crc32, createDeflateRaw } from "node:zlib";

/**
 * zlib's level 2: on CSV exports it writes files within 3% of level 6's size with about
 * 40% of its CPU (bench/README.md); prose and source code come out about 15% larger.
 */
export const DEFAULT_ZIP_LEVEL = 2;

export interface ZipOptions {
  /** zlib's compression level, 1 (fastest) to 9 (smallest); default `DEFAULT_ZIP_LEVEL`. */
  readonly level?: number;
  /** The entry's modification time; default now. */
  readonly modified?: Date;
  /**
   * @internal Sizes and offsets above this are written as Zip64 (default 0xFFFFFFFE, the
   * format's limit); tests lower it to reach the Zip64 records without 4 GiB of data.
   */
  readonly zip64Above?: number;
}

const LOCAL_HEADER = 0x04034b50;
const DATA_DESCRIPTOR = 0x08074b50;
const CENTRAL_HEADER = 0x02014b50;
const ZIP64_END = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;
const END = 0x06054b50;
/** Bit 3: CRC and sizes are in the data descriptor; bit 11: the name is UTF-8. */
const FLAGS = (1 << 3) | (1 << 11);
const DEFLATE = 8;
const VERSION = 20;
const VERSION_ZIP64 = 45;
/** Made by: 3 = Unix (so that the mode in the external attributes is read), spec 6.3. */
const MADE_BY = (3 << 8) | 63;
/** A regular file, rw-r--r--, in the high half of the external attributes. */
const UNIX_FILE_MODE = 0o100644;
const MAX_32 = 0xffffffff;

/** What the data's passage taught: the trailer needs it. */
interface EntryFacts {
  crc: number;
  size: number;
  compressedSize: number;
}

/**
 * A stream stage that turns what is written to it into a zip archive holding it as
 * `entryName`.
 * @example await pipeline(createReadStream("a.csv"), zipStage("a.csv"), createWriteStream("a.csv.zip"));
 */
export function zipStage(entryName: string, options: ZipOptions = {}): Duplex {
  const name = Buffer.from(entryName, "utf8");
  const modified = options.modified ?? new Date();
  const facts: EntryFacts = { crc: 0, size: 0, compressedSize: 0 };
  const header = localHeader(name, modified);

  const reader = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      facts.crc = crc32(chunk, facts.crc);
      facts.size += chunk.length;
      done(null, chunk);
    },
  });
  const deflate = createDeflateRaw({
    level: options.level ?? DEFAULT_ZIP_LEVEL,
    // The default 16 KiB output chunks would quadruple the passes through later stages.
    chunkSize: 64 * 1024,
  });
  let started = false;
  const framer = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (!started) {
        started = true;
        this.push(header);
      }
      facts.compressedSize += chunk.length;
      done(null, chunk);
    },
    flush(done) {
      if (!started) this.push(header);
      done(null, trailer(name, modified, header.length, facts, options.zip64Above ?? MAX_32 - 1));
    },
  });
  pipeline(reader, deflate, framer, () => {
    // A failure destroys the three, and Duplex.from passes it on to the archive's reader.
  });
  return Duplex.from({ writable: reader, readable: framer });
}

function localHeader(name: Buffer, modified: Date): Buffer {
  const fixed = Buffer.alloc(30);
  fixed.writeUInt32LE(LOCAL_HEADER, 0);
  fixed.writeUInt16LE(VERSION, 4);
  fixed.writeUInt16LE(FLAGS, 6);
  fixed.writeUInt16LE(DEFLATE, 8);
  writeDosTime(fixed, 10, modified);
  // CRC-32 and both sizes stay 0: they are in the data descriptor.
  fixed.writeUInt16LE(name.length, 26);
  const extra = unixTime(modified);
  fixed.writeUInt16LE(extra.length, 28);
  return Buffer.concat([fixed, name, extra]);
}

/** The data descriptor, the central directory of one entry, and the end records. */
function trailer(
  name: Buffer,
  modified: Date,
  headerLength: number,
  facts: EntryFacts,
  zip64Above: number,
): Buffer {
  const { crc, size, compressedSize } = facts;
  const zip64 = size > zip64Above || compressedSize > zip64Above;

  const descriptor = Buffer.alloc(zip64 ? 24 : 16);
  descriptor.writeUInt32LE(DATA_DESCRIPTOR, 0);
  descriptor.writeUInt32LE(crc >>> 0, 4);
  if (zip64) {
    descriptor.writeBigUInt64LE(BigInt(compressedSize), 8);
    descriptor.writeBigUInt64LE(BigInt(size), 16);
  } else {
    descriptor.writeUInt32LE(compressedSize, 8);
    descriptor.writeUInt32LE(size, 12);
  }

  // The one entry's local header is at offset 0, which never needs Zip64.
  const sizes64 = Buffer.alloc(zip64 ? 20 : 0);
  if (zip64) {
    sizes64.writeUInt16LE(0x0001, 0);
    sizes64.writeUInt16LE(16, 2);
    sizes64.writeBigUInt64LE(BigInt(size), 4);
    sizes64.writeBigUInt64LE(BigInt(compressedSize), 12);
  }
  const extra = Buffer.concat([sizes64, unixTime(modified)]);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(CENTRAL_HEADER, 0);
  central.writeUInt16LE(MADE_BY, 4);
  central.writeUInt16LE(zip64 ? VERSION_ZIP64 : VERSION, 6);
  central.writeUInt16LE(FLAGS, 8);
  central.writeUInt16LE(DEFLATE, 10);
  writeDosTime(central, 12, modified);
  central.writeUInt32LE(crc >>> 0, 16);
  central.writeUInt32LE(zip64 ? MAX_32 : compressedSize, 20);
  central.writeUInt32LE(zip64 ? MAX_32 : size, 24);
  central.writeUInt16LE(name.length, 28);
  central.writeUInt16LE(extra.length, 30);
  // Comment length, disk number, internal attributes: 0.
  central.writeUInt32LE(UNIX_FILE_MODE * 0x10000, 38);
  // Offset of the local header: 0.
  const directory = Buffer.concat([central, name, extra]);

  const directoryOffset = headerLength + compressedSize + descriptor.length;
  const endZip64 = directoryOffset > zip64Above;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(END, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(endZip64 ? MAX_32 : directoryOffset, 16);
  if (!endZip64) return Buffer.concat([descriptor, directory, end]);

  const record = Buffer.alloc(56);
  record.writeUInt32LE(ZIP64_END, 0);
  // The size of the record after this field.
  record.writeBigUInt64LE(44n, 4);
  record.writeUInt16LE(MADE_BY, 12);
  record.writeUInt16LE(VERSION_ZIP64, 14);
  record.writeBigUInt64LE(1n, 24);
  record.writeBigUInt64LE(1n, 32);
  record.writeBigUInt64LE(BigInt(directory.length), 40);
  record.writeBigUInt64LE(BigInt(directoryOffset), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(ZIP64_LOCATOR, 0);
  locator.writeBigUInt64LE(BigInt(directoryOffset + directory.length), 8);
  locator.writeUInt32LE(1, 16);
  return Buffer.concat([descriptor, directory, record, locator, end]);
}

/** MS-DOS time and date, in the server's local time as zip readers expect. */
function writeDosTime(buffer: Buffer, offset: number, at: Date): void {
  const year = Math.min(Math.max(at.getFullYear(), 1980), 2107);
  buffer.writeUInt16LE(
    (at.getHours() << 11) | (at.getMinutes() << 5) | (at.getSeconds() >> 1),
    offset,
  );
  buffer.writeUInt16LE(
    ((year - 1980) << 9) | ((at.getMonth() + 1) << 5) | at.getDate(),
    offset + 2,
  );
}

/** The extended timestamp field (0x5455): the modification time in UTC seconds, exact. */
function unixTime(at: Date): Buffer {
  const field = Buffer.alloc(9);
  field.writeUInt16LE(0x5455, 0);
  field.writeUInt16LE(5, 2);
  field.writeUInt8(1, 4);
  field.writeUInt32LE(Math.max(0, Math.min(Math.floor(at.getTime() / 1000), MAX_32)), 5);
  return field;
}
