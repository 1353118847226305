/**
 * High-entropy secrets (API tokens, session ids, CSRF tokens). They are random enough that
 * one SHA-256 is the right way to store them: nothing is gained by a slow hash, and a
 * lookup by hash stays one index probe.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** The prefix of API tokens, so secret scanners and people can recognise one. */
export const TOKEN_PREFIX = "sundial_";

/** 256 random bits, base64url. */
export function newSecret(): string {
  return randomBytes(32).toString("base64url");
}

/** A new API token: {@link TOKEN_PREFIX} and 256 random bits. */
export function newTokenSecret(): string {
  return `${TOKEN_PREFIX}${newSecret()}`;
}

/** How a secret is stored: SHA-256, hex. */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/** Compares two secrets in time that does not depend on where they differ. */
export function sameSecret(given: string, expected: string): boolean {
  // Hashing first gives equal lengths, so the length of `expected` does not leak either.
  return timingSafeEqual(
    createHash("sha256").update(given).digest(),
    createHash("sha256").update(expected).digest(),
  );
}

/** A short random id with a kind prefix: `usr_…`, `grp_…`, `tok_…`. */
export function newId(kind: "usr" | "grp" | "tok"): string {
  return `${kind}_${randomBytes(12).toString("base64url")}`;
}
