/**
 * Password hashing with scrypt (node:crypto, no native add-on): a random salt per
 * password, the cost parameters stored with the hash so they can be raised later
 * without invalidating existing passwords, and a constant-time comparison.
 */
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";

/**
 * N = 2^15, r = 8: about 32 MiB and 0.1 s per hash on a small server. OWASP's 2^17 costs
 * 128 MiB per login, which a few concurrent logins would turn into a memory problem.
 */
const COST = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
/** Node refuses scrypt above 32 MiB unless told; the largest N we accept needs 128 MiB. */
const MAX_MEMORY = 256 * 1024 * 1024;
const MAX_N = 2 ** 17;

function derive(
  password: string,
  salt: Buffer,
  cost: { N: number; r: number; p: number },
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      password.normalize("NFC"),
      salt,
      KEY_LENGTH,
      { ...cost, maxmem: MAX_MEMORY },
      (e, key) => (e ? reject(e) : resolve(key)),
    );
  });
}

/**
 * The stored form of a password: `scrypt$N$r$p$salt$hash` (salt and hash in base64url).
 * @example await hashPassword("correct horse battery staple") // "scrypt$32768$8$1$…$…"
 */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await derive(password, salt, COST);
  return [
    "scrypt",
    COST.N,
    COST.r,
    COST.p,
    salt.toString("base64url"),
    key.toString("base64url"),
  ].join("$");
}

/** Whether `password` is the one `stored` was made from; false for a malformed `stored`. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split("$");
  const cost = { N: Number(n), r: Number(r), p: Number(p) };
  if (
    scheme !== "scrypt" ||
    salt === undefined ||
    hash === undefined ||
    !Number.isInteger(cost.N) ||
    cost.N > MAX_N ||
    !Number.isInteger(cost.r) ||
    !Number.isInteger(cost.p)
  ) {
    return false;
  }
  const expected = Buffer.from(hash, "base64url");
  const key = await derive(password, Buffer.from(salt, "base64url"), cost);
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/**
 * A hash no password matches, checked when the user named does not exist so that a
 * login takes as long for an unknown name as for a wrong password.
 */
export const UNMATCHABLE_HASH = `scrypt$${COST.N}$${COST.r}$${COST.p}$${randomBytes(SALT_LENGTH).toString("base64url")}$${randomBytes(KEY_LENGTH).toString("base64url")}`;

/** A password to print once for a new admin: 24 characters, 144 bits. */
export function generatePassword(): string {
  return randomBytes(18).toString("base64url");
}
