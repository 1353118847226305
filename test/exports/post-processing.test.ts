import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ExportOutput,
  type ExportRun,
  type Row,
  readPublicKey,
  writeExportFile,
} from "../../src/exports/index.js";
import { entriesOf, generatedRows, peer, stopAfter, tempFolder } from "./helpers.js";

/** A throwaway GnuPG home with a key pair without passphrase, as a vendor would have. */
let gnupg: Awaited<ReturnType<typeof tempFolder>>;
let folder: Awaited<ReturnType<typeof tempFolder>>;
let publicKey: string;
let privateKey: string;
let expiredKey: string;
let run: ExportRun;

const gpg = (...args: string[]) =>
  peer("gpg", ["--batch", "--pinentry-mode", "loopback", "--passphrase", "", ...args], {
    GNUPGHOME: gnupg.dir,
  });

beforeAll(async () => {
  gnupg = await tempFolder("gnupg");
  folder = await tempFolder("post-processing");
  run = { directory: folder.dir, instant: Date.UTC(2026, 2, 28, 6), timeZone: "Europe/London" };
  await gpg(
    "--quick-gen-key",
    "Vendor <vendor@sundial.invalid>",
    "future-default",
    "default",
    "never",
  );
  publicKey = (await gpg("--armor", "--export", "vendor@sundial.invalid")).toString();
  privateKey = (await gpg("--armor", "--export-secret-keys", "vendor@sundial.invalid")).toString();
  // Made in 2020 to last a day: expired long since.
  await gpg(
    "--faked-system-time",
    "20200101T000000!",
    "--quick-gen-key",
    "Old <old@sundial.invalid>",
    "future-default",
    "default",
    "1d",
  );
  expiredKey = (await gpg("--armor", "--export", "old@sundial.invalid")).toString();
});

afterAll(async () => {
  // gpg started an agent for this home; it would outlive the test otherwise.
  await peer("gpgconf", ["--kill", "gpg-agent"], { GNUPGHOME: gnupg.dir }).catch(() => undefined);
  await gnupg.remove();
  await folder.remove();
});

const rows: Row[] = [
  ["id", "name", "note"],
  [1, "Zoë", 'said "hi", left'],
  [2, "Grace", "two\nlines"],
];
const output = (extra: Partial<ExportOutput>, name = "sales_%Y%m%d.csv"): ExportOutput => ({
  fileName: name,
  format: { type: "csv", lineEnding: "\r\n" },
  ...extra,
});
const plainCsv = 'id,name,note\r\n1,Zoë,"said ""hi"", left"\r\n2,Grace,"two\nlines"\r\n';

async function decrypt(path: string): Promise<Buffer> {
  return gpg("--quiet", "--decrypt", path);
}

describe("post-processing, with Debian's gpg and unzip as the judges", () => {
  it("encrypts to the public key: gpg decrypts the exact bytes, .gpg is appended", async () => {
    const manifest = await writeExportFile(rows, output({ encrypt: { publicKey } }), run);
    expect(manifest).toMatchObject({ name: "sales_20260328.csv.gpg", rows: 2, empty: false });
    expect((await decrypt(manifest.path)).toString()).toBe(plainCsv);
    // The recipient sees the original file name inside.
    const packets = (await gpg("--list-packets", manifest.path)).toString();
    expect(packets).toContain('name="sales_20260328.csv"');
  });

  it("zips: unzip -t passes, the archive holds the file under its name, unzip -p gives it back", async () => {
    const manifest = await writeExportFile(rows, output({ zip: true }), run);
    expect(manifest.name).toBe("sales_20260328.csv.zip");
    expect((await peer("unzip", ["-t", manifest.path])).toString()).toContain("No errors detected");
    expect((await peer("unzip", ["-Z1", manifest.path])).toString()).toBe("sales_20260328.csv\n");
    expect((await peer("unzip", ["-p", manifest.path])).toString()).toBe(plainCsv);
  });

  it("zips at the output's zipLevel", async () => {
    const zipped = (zipLevel: number) =>
      writeExportFile(
        generatedRows(20_000),
        output({ zip: true, zipLevel }, `level${zipLevel}.csv`),
        run,
      );
    const fastest = await zipped(1);
    const smallest = await zipped(9);
    expect(smallest.size).toBeLessThan(fastest.size);
    expect(await peer("unzip", ["-p", smallest.path])).toEqual(
      await peer("unzip", ["-p", fastest.path]),
    );
  });

  it("appends, then encrypts, then zips, and hashes the final file", async () => {
    const manifest = await writeExportFile(
      rows,
      output({ append: "~", encrypt: { publicKey }, zip: true }),
      run,
    );
    expect(manifest.name).toBe("sales_20260328.csv.gpg.zip");
    expect((await peer("unzip", ["-Z1", manifest.path])).toString()).toBe(
      "sales_20260328.csv.gpg\n",
    );
    const inner = join(folder.dir, "inner.gpg");
    await writeFile(inner, await peer("unzip", ["-p", manifest.path]));
    expect((await decrypt(inner)).toString()).toBe(
      'id,name,note~\r\n1,Zoë,"said ""hi"", left"~\r\n2,Grace,"two\nlines"~\r\n',
    );
    expect((await peer("md5sum", [manifest.path])).toString().split(" ")[0]).toBe(manifest.md5);
    expect((await peer("sha256sum", [manifest.path])).toString().split(" ")[0]).toBe(
      manifest.sha256,
    );
    expect(manifest.size).toBe((await readFile(manifest.path)).length);
  });

  it("streams a large file through encryption and zip intact", async () => {
    const plain = await writeExportFile(generatedRows(100_000), output({}, "plain.csv"), run);
    const sealed = await writeExportFile(
      generatedRows(100_000),
      output({ encrypt: { publicKey }, zip: true }, "sealed.csv"),
      run,
    );
    const inner = join(folder.dir, "sealed.inner.gpg");
    await writeFile(inner, await peer("unzip", ["-p", sealed.path]));
    const decrypted = await decrypt(inner);
    expect(decrypted.equals(await readFile(plain.path))).toBe(true);
    expect(sealed.rows).toBe(100_000);
  });

  it("an empty output is encrypted and zipped too, unless skipEmpty", async () => {
    const sealed = await writeExportFile(
      [["id", "name"]],
      output({ encrypt: { publicKey }, zip: true }, "empty.csv"),
      run,
    );
    expect(sealed).toMatchObject({ name: "empty.csv.gpg.zip", empty: true, rows: 0 });
    const inner = join(folder.dir, "empty.inner.gpg");
    await writeFile(inner, await peer("unzip", ["-p", sealed.path]));
    expect((await decrypt(inner)).toString()).toBe("id,name\r\n");

    const skipped = await writeExportFile(
      [["id", "name"]],
      output({ encrypt: { publicKey }, zip: true }, "skipped.csv"),
      { ...run, skipEmpty: true },
    );
    expect(skipped).toMatchObject({ name: "skipped.csv", empty: true });
  });

  it("an abort mid-way through encryption and zip leaves no partial file", async () => {
    const stopRun = await tempFolder("post-processing-abort");
    try {
      const { reason, options } = stopAfter(60_000);
      const stopping = writeExportFile(
        generatedRows(1_000_000),
        output({ encrypt: { publicKey }, zip: true, maxRows: 1_000_000 }),
        { ...run, ...options, directory: stopRun.dir },
      );
      await expect(stopping).rejects.toBe(reason);
      expect(await entriesOf(stopRun.dir)).toEqual([]);
    } finally {
      await stopRun.remove();
    }
  });
});

describe("public keys", () => {
  it("accepts a gpg-exported public key", async () => {
    const key = await readPublicKey(publicKey);
    expect(key.isPrivate()).toBe(false);
  });

  it.each([
    [
      "text that is no key",
      () => "hello",
      "encrypt.publicKey: is not an armored OpenPGP public key",
    ],
    [
      "a private key",
      () => privateKey,
      "encrypt.publicKey: is a private key; give the recipient's public key",
    ],
    ["an expired key", () => expiredKey, "encrypt.publicKey: can't encrypt:"],
  ])("refuses %s, before reading any row and without writing a file", async (_, key, message) => {
    let read = false;
    async function* source() {
      read = true;
      yield* rows;
    }
    const refusing = await tempFolder("post-processing-key");
    try {
      await expect(
        writeExportFile(source(), output({ encrypt: { publicKey: key() } }), {
          ...run,
          directory: refusing.dir,
        }),
      ).rejects.toMatchObject({
        code: "badRequest",
        field: "encrypt.publicKey",
        message: expect.stringContaining(message),
      });
      expect(read).toBe(false);
      expect(await entriesOf(refusing.dir)).toEqual([]);
    } finally {
      await refusing.remove();
    }
  });
});
