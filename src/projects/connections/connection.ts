/**
 * Connections: named, typed endpoints that exports use (a database to query, a server to
 * upload to, a key to encrypt for), stored with their secrets encrypted at rest.
 *
 * Vocabulary:
 * - **connection**: a name, a type and its settings, e.g. `warehouse`, `postgres`,
 *   `{ host, database, username, password }`.
 * - **secret**: a setting that is encrypted at rest and never read back (passwords, private
 *   keys and their passphrases, tokens); a read says only whether one is set.
 * - **resolving** a connection: reading it with its secrets decrypted, for the code that
 *   runs exports, never for the API.
 * - **testing** a connection: reaching it the way an export would (connect and `SELECT 1`,
 *   a request to the base URL, encrypting to the key), and saying what happened.
 */
import type { ConnectionSettings, ConnectionType } from "./connection-settings.js";

export type { ConnectionSettings, ConnectionType, SecretState } from "./connection-settings.js";

/** A connection as it is read: its secrets as `{ "set": true }`, never their values. */
export interface Connection {
  readonly name: string;
  readonly type: ConnectionType;
  readonly description: string | null;
  readonly settings: Readonly<Record<string, unknown>>;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Who created or last changed it, when the change came from a known user. */
  readonly createdBy: string | null;
  readonly updatedBy: string | null;
}

/** What a list of connections gives: no settings, so that anyone may pick one by name. */
export type ConnectionSummary = Omit<Connection, "settings">;

/** A connection with its secrets decrypted, of one type or any. */
export type ResolvedConnection<T extends ConnectionType = ConnectionType> = {
  [K in T]: { readonly name: string; readonly type: K; readonly settings: ConnectionSettings[K] };
}[T];

/** What testing a connection found. */
export interface ConnectionTestResult {
  readonly ok: boolean;
  /** What was tried and what happened, for people. */
  readonly message: string;
  /** What the test learnt: the server's version, a host key's fingerprint, a key's user ids. */
  readonly details?: Readonly<Record<string, string>>;
}

/**
 * Tests one type of connection. It may return `{ ok: false }` or throw: a thrown error's
 * message becomes the result's. It should give up when `signal` aborts (the test's time
 * limit, or the caller leaving).
 * @example
 * const testSftpConnection: ConnectionTester<"sftp"> = async ({ settings }, signal) => {
 *   const { hostKeyFingerprint } = await testSftp({ type: "sftp", connection: settings, directory: "." }, signal);
 *   return { ok: true, message: "logged in", details: { hostKeyFingerprint } };
 * };
 */
export type ConnectionTester<T extends ConnectionType = ConnectionType> = (
  connection: ResolvedConnection<T>,
  signal: AbortSignal,
) => Promise<ConnectionTestResult>;

/** Testers by type: the built-in ones (databases, http, gpg) can be replaced, the others added. */
export type ConnectionTesters = { readonly [T in ConnectionType]?: ConnectionTester<T> };
