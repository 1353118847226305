import { createHash, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { zipStage } from "../../src/exports/zip-stage.js";
import { peer, tempFolder } from "./helpers.js";

let folder: Awaited<ReturnType<typeof tempFolder>>;
beforeAll(async () => {
  folder = await tempFolder("zip-stage");
});
afterAll(() => folder.remove());

/** Zips `chunks` through the stage into a file of the folder and gives its path. */
async function zipped(
  file: string,
  chunks: readonly Buffer[],
  options: Parameters<typeof zipStage>[1] = {},
): Promise<string> {
  const path = join(folder.dir, file);
  await pipeline(Readable.from(chunks), zipStage("data.csv", options), createWriteStream(path));
  return path;
}

/**
 * Python's zipfile reads the central directory (and its Zip64 records), checks the CRC
 * while it reads, and prints what it found as JSON.
 */
async function pythonReads(path: string): Promise<{
  names: string[];
  size: number;
  sha256: string;
  modified: number[];
  zip64: boolean;
}> {
  const script = `
import hashlib, json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    info = z.infolist()[0]
    data = z.read(info)
    print(json.dumps({"names": z.namelist(), "size": info.file_size,
        "sha256": hashlib.sha256(data).hexdigest(), "modified": list(info.date_time),
        "zip64": info.extract_version >= 45}))`;
  return JSON.parse((await peer("python3", ["-c", script, path])).toString());
}

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

describe("zipStage, judged by Info-ZIP's unzip and Python's zipfile", () => {
  const text = Buffer.from('id,name\n1,café\n2,"two, parts"\n'.repeat(20_000));
  // Random bytes don't compress: the compressed size then exceeds the data's.
  const noise = randomBytes(300_000);

  it("writes an archive both read back, CRC checked, with its name and time", async () => {
    const modified = new Date(2026, 2, 28, 6, 30, 14);
    const path = await zipped("text.zip", [text.subarray(0, 1000), text.subarray(1000)], {
      modified,
    });
    expect((await peer("unzip", ["-t", path])).toString()).toContain("No errors detected");
    expect(await peer("unzip", ["-p", path])).toEqual(text);
    const read = await pythonReads(path);
    expect(read).toMatchObject({ names: ["data.csv"], size: text.length, zip64: false });
    expect(read.sha256).toBe(sha256(text));
    expect(read.modified).toEqual([2026, 3, 28, 6, 30, 14]);
    expect((await stat(path)).size).toBeLessThan(text.length / 10);
  });

  it("an empty input is an archive of an empty file", async () => {
    const path = await zipped("empty.zip", []);
    expect((await peer("unzip", ["-t", path])).toString()).toContain("No errors detected");
    expect(await pythonReads(path)).toMatchObject({ names: ["data.csv"], size: 0 });
  });

  it("the level is zlib's: 9 is smaller than 1, and both read back", async () => {
    const fast = await zipped("fast.zip", [text], { level: 1 });
    const small = await zipped("small.zip", [text], { level: 9 });
    expect((await stat(small)).size).toBeLessThan((await stat(fast)).size);
    expect(await peer("unzip", ["-p", small])).toEqual(text);
  });

  it("past the Zip64 limit, writes Zip64 sizes and end records that both read", async () => {
    // The limit is lowered so that 300 kB cross it: the records are the same as at 4 GiB.
    const path = await zipped("zip64.zip", [noise], { zip64Above: 100_000 });
    const bytes = await readFile(path);
    // The Zip64 end of central directory record and its locator.
    expect(bytes.includes(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBe(true);
    expect(bytes.includes(Buffer.from([0x50, 0x4b, 0x06, 0x07]))).toBe(true);
    expect((await peer("unzip", ["-t", path])).toString()).toContain("No errors detected");
    expect(await peer("unzip", ["-p", path])).toEqual(noise);
    const read = await pythonReads(path);
    expect(read).toMatchObject({ size: noise.length, zip64: true });
    expect(read.sha256).toBe(sha256(noise));
  });

  it("a damaged archive is caught by both judges (the checks can fail)", async () => {
    const path = await zipped("damaged.zip", [text]);
    const bytes = await readFile(path);
    // Flip a bit of the CRC in the central directory, which both readers check the data by.
    const directory = bytes.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    bytes.writeUInt32LE(bytes.readUInt32LE(directory + 16) ^ 1, directory + 16);
    const damaged = join(folder.dir, "damaged-crc.zip");
    await writeFile(damaged, bytes);
    await expect(peer("unzip", ["-t", damaged])).rejects.toThrow();
    await expect(pythonReads(damaged)).rejects.toThrow(/CRC|Bad/i);
  });
});
