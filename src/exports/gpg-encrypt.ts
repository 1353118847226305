/**
 * OpenPGP encryption to a recipient's public key, streamed (OpenPGP.js, whose output
 * Debian's `gpg --decrypt` reads). Only public keys are taken: Sundial encrypts for a
 * vendor, it never holds their private key.
 */
import { Duplex, PassThrough, Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Key } from "openpgp";
import { SundialError } from "../errors.js";
import { lazyModule } from "./lazy-module.js";

/** Exported for the connection tester, which encrypts a test message. */
export const openpgp = lazyModule(() => import("openpgp"));

/**
 * Reads an armored public key and checks that it can encrypt now (not expired or revoked,
 * with an encryption subkey). Call it when a key is saved, and before each run.
 * @param field what the key is known by in messages, e.g. `output.encrypt.publicKey`.
 * @throws SundialError `badRequest` naming `field`: not a key, a private key, or a key that
 *   can't encrypt.
 * @example const key = await readPublicKey(await readFile("vendor.asc", "utf8"));
 */
export async function readPublicKey(armored: string, field = "encrypt.publicKey"): Promise<Key> {
  const fail = (reason: string, cause?: unknown): never => {
    throw new SundialError("badRequest", `${field}: ${reason}`, { field, cause });
  };
  let key: Key | undefined;
  try {
    const { readKey } = await openpgp();
    key = await readKey({ armoredKey: armored });
  } catch (error) {
    fail(
      `is not an armored OpenPGP public key (${(error as Error).message}); export one with gpg --armor --export <key id>`,
      error,
    );
  }
  if (key === undefined) return fail("is not an OpenPGP public key");
  if (key.isPrivate()) {
    fail(
      "is a private key; give the recipient's public key (gpg --armor --export <key id>), and keep private keys out of Sundial",
    );
  }
  try {
    await key.getEncryptionKey();
  } catch (error) {
    fail(
      `can't encrypt: ${(error as Error).message} (the key ${key.getKeyID().toHex()} may be expired or revoked, or lack an encryption subkey)`,
      error,
    );
  }
  return key;
}

/**
 * A stream stage that encrypts what is written to it for `key` (binary OpenPGP, as
 * `gpg --encrypt` writes it), recording `fileName` as the literal data's name.
 * @example await pipeline(createReadStream("a.csv"), encryptStage(key, "a.csv"), createWriteStream("a.csv.gpg"));
 */
export function encryptStage(key: Key, fileName: string): Duplex {
  const plain = new TransformStream<Uint8Array, Uint8Array>();
  // OpenPGP.js hands its output stream back asynchronously; the pipeline needs one now.
  const encrypted = new PassThrough();
  void openpgp()
    .then(async ({ createMessage, encrypt }) =>
      encrypt({
        message: await createMessage({ binary: plain.readable, filename: fileName }),
        encryptionKeys: key,
        format: "binary",
      }),
    )
    .then((stream) => pipeline(Readable.fromWeb(stream as never), encrypted))
    .catch((error: unknown) => encrypted.destroy(error as Error));
  return Duplex.from({ writable: Writable.fromWeb(plain.writable), readable: encrypted });
}
