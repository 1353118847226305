/**
 * Secrets at rest: AES-256-GCM under a key derived from the server's secret key.
 *
 * A sealed value is text: `v1.<key id>.<base64url of iv ‖ tag ‖ ciphertext>`, with a fresh
 * random 96-bit IV per value. `v1` names the format (HKDF-SHA256, AES-256-GCM); the key id
 * (a fingerprint of the derived key, which reveals nothing about it) says which key sealed
 * it, so a server with another key can say so instead of failing obscurely, and a later
 * rotation can keep old keys by id. Each value is sealed with a context (which connection,
 * which field) as associated data: copied into another row or field, it no longer opens.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";
import { SundialError } from "../../errors.js";

const FORMAT = "v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** The server's secret key is random (server-config makes or demands 32+ characters), so HKDF, not a password hash. */
const SALT = "sundial secret box";
const INFO = "sundial connection secrets v1";
export const MIN_SECRET_KEY_LENGTH = 32;

export class SecretBox {
  private readonly key: Buffer;
  /** Which key sealed a value: 8 hex digits. */
  readonly keyId: string;

  /** @throws SundialError `badRequest` for a key shorter than 32 characters. */
  constructor(secretKey: string) {
    if (typeof secretKey !== "string" || secretKey.length < MIN_SECRET_KEY_LENGTH) {
      throw new SundialError(
        "badRequest",
        `secretKey: must be text of ${MIN_SECRET_KEY_LENGTH} characters or more (e.g. \`openssl rand -hex 32\`)`,
        { field: "secretKey" },
      );
    }
    this.key = Buffer.from(hkdfSync("sha256", secretKey, SALT, INFO, 32));
    this.keyId = createHash("sha256")
      .update("sundial key id\0")
      .update(this.key)
      .digest("hex")
      .slice(0, 8);
  }

  /**
   * @param context what the value belongs to (`connection:<id>:password`); opening needs the same.
   * @example const sealed = box.seal("hunter2", "connection:con_1:password");
   */
  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    cipher.setAAD(Buffer.from(context, "utf8"));
    const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    const payload = Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url");
    return `${FORMAT}.${this.keyId}.${payload}`;
  }

  /**
   * @param what the value's name in messages, e.g. `connection "warehouse": settings.password`.
   * @throws SundialError `conflict` naming `what`: sealed under another key, altered or moved,
   *   or not in a format this Sundial knows.
   */
  open(sealed: string, context: string, what: string): string {
    const [format, keyId, payload, ...rest] = sealed.split(".");
    if (format !== FORMAT || keyId === undefined || payload === undefined || rest.length > 0) {
      throw new SundialError(
        "conflict",
        `${what}: is stored in a format this Sundial does not know (written by a newer version?); enter it again`,
      );
    }
    if (keyId !== this.keyId) {
      throw new SundialError(
        "conflict",
        `${what}: was encrypted under another secret key (key id ${keyId}; this server's is ${this.keyId}). ` +
          "Start the server with the SUNDIAL_SECRET_KEY it was saved under, or enter the secret again.",
      );
    }
    const bytes = Buffer.from(payload, "base64url");
    try {
      const decipher = createDecipheriv(
        "aes-256-gcm",
        this.key,
        bytes.subarray(0, IV_BYTES),
        // Pinned so a truncated tag can't be passed off as a shorter, weaker one.
        { authTagLength: TAG_BYTES },
      );
      decipher.setAAD(Buffer.from(context, "utf8"));
      decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      const body = bytes.subarray(IV_BYTES + TAG_BYTES);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString("utf8");
    } catch (error) {
      throw new SundialError(
        "conflict",
        `${what}: can't be decrypted: the stored value was altered, or copied from another connection or field; enter it again`,
        { cause: error },
      );
    }
  }
}
