/**
 * Logging in over SSH, the same way for every client that does (the SFTP destination and
 * source through ssh2-sftp-client, the SSH command source through ssh2 itself): the
 * settings of an `sftp` or `ssh` connection, its host key pinned by fingerprint, and one
 * wording for every way the login can fail, told apart by ssh2's `level` (never its text).
 */
import { createHash } from "node:crypto";
import type { ConnectConfig } from "ssh2";
import { type Static, Type } from "typebox";
import { SundialError } from "../errors.js";
import type { LoginFailure } from "./connection-ref.js";

/** The settings of an `sftp` or `ssh` connection (docs/connections.md). */
export const SshConnectionSchema = Type.Object(
  {
    host: Type.String({ minLength: 1, maxLength: 253 }),
    /** Default 22. */
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
    username: Type.String({ minLength: 1 }),
    password: Type.Optional(Type.String({ minLength: 1 })),
    /** A private key in OpenSSH or PEM form. */
    privateKey: Type.Optional(Type.String({ minLength: 1 })),
    /** The private key's passphrase, when it has one. */
    passphrase: Type.Optional(Type.String({ minLength: 1 })),
    /** Pins the server's host key: `SHA256:…` as `ssh-keygen -lf` prints it. */
    hostKeyFingerprint: Type.Optional(Type.String()),
    /** For the connection and the login; default 30,000. */
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 600_000 })),
  },
  { additionalProperties: false },
);
export type SshConnection = Static<typeof SshConnectionSchema>;

const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;
export const DEFAULT_SSH_TIMEOUT_MS = 30_000;

/**
 * The rules of SSH login settings beyond their schema: a password or a key, a passphrase
 * only with a key, a fingerprint as OpenSSH prints it. No message repeats a secret.
 * @param field what the settings are known by: `settings` makes `settings.password`.
 * @throws SundialError `badRequest` naming the setting.
 */
export function checkSshLogin(connection: SshConnection, field: string): void {
  const fail = (name: string, reason: string): never => {
    const at = field === "" ? name : `${field}.${name}`;
    throw new SundialError("badRequest", `${at}: ${reason}`, { field: at });
  };
  if (connection.password === undefined && connection.privateKey === undefined) {
    fail("password", "is required when there is no privateKey; give one of the two");
  }
  if (connection.passphrase !== undefined && connection.privateKey === undefined) {
    fail("passphrase", "is given without a privateKey");
  }
  const pin = connection.hostKeyFingerprint;
  if (pin !== undefined && !FINGERPRINT.test(pin)) {
    fail(
      "hostKeyFingerprint",
      `${JSON.stringify(pin)} is not a SHA256 fingerprint such as SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s (ssh-keygen -lf prints it)`,
    );
  }
}

/** `user@host:port`, for messages. */
export function sshAddress(connection: SshConnection): string {
  return `${connection.username}@${connection.host}:${connection.port ?? 22}`;
}

/**
 * ssh2's settings for a connection. `presented` is told the fingerprint of the host key the
 * server shows; a pinned fingerprint that differs refuses the server before logging in.
 */
export function sshConnectConfig(
  connection: SshConnection,
  presented: (fingerprint: string) => void,
): ConnectConfig {
  const pin = connection.hostKeyFingerprint;
  return {
    host: connection.host,
    port: connection.port ?? 22,
    username: connection.username,
    ...(connection.password === undefined ? {} : { password: connection.password }),
    ...(connection.privateKey === undefined ? {} : { privateKey: connection.privateKey }),
    ...(connection.passphrase === undefined ? {} : { passphrase: connection.passphrase }),
    readyTimeout: connection.timeoutMs ?? DEFAULT_SSH_TIMEOUT_MS,
    hostVerifier: (key: Buffer) => {
      const fingerprint = fingerprintOf(key);
      presented(fingerprint);
      return pin === undefined || fingerprint === pin;
    },
  };
}

/** The fingerprint of a host key as OpenSSH prints it: `SHA256:` and unpadded base64. */
function fingerprintOf(key: Buffer): string {
  return `SHA256:${createHash("sha256").update(key).digest("base64").replace(/=+$/, "")}`;
}

/** What is known of a login that failed. */
export interface SshLoginAttempt {
  readonly connection: SshConnection;
  /** The host key's fingerprint the server presented; `""` before it did. */
  readonly presented: string;
  /**
   * The client's `error` event, when it had one; without one ssh2 threw before connecting,
   * since it could not use what it was given (the key, mostly).
   */
  readonly failure: (Error & { level?: string; code?: string }) | undefined;
}

/**
 * A failure to connect or log in, in words that say what to check, made by `fail`.
 * @param error what the client threw or rejected with.
 */
export function sshLoginFailure(
  error: unknown,
  attempt: SshLoginAttempt,
  fail: LoginFailure,
): SundialError {
  const { connection, presented, failure } = attempt;
  const cause = failure ?? error;
  const pin = connection.hostKeyFingerprint;
  if (pin !== undefined && presented !== "" && presented !== pin) {
    return fail(
      `the server presented the host key ${presented}, not the pinned ${pin}, so Sundial did not log in. If the server's key was changed on purpose, update the connection's hostKeyFingerprint`,
      "hostKeyFingerprint",
      cause,
    );
  }
  const message = (cause as Error).message;
  switch (failure?.level) {
    case "client-authentication":
      return connection.privateKey === undefined
        ? fail(
            `refused the login as ${connection.username} (${message}); check the connection's username and password`,
            "password",
            cause,
          )
        : fail(
            `refused the login as ${connection.username} (${message}); check the connection's username and private key (is its public half in the server's authorized_keys?)`,
            "privateKey",
            cause,
          );
    case "client-timeout":
      return fail(
        `did not complete the SSH login within ${connection.timeoutMs ?? DEFAULT_SSH_TIMEOUT_MS} ms`,
        "host",
        cause,
      );
    case "client-socket":
    case "client-dns":
      return fail(`can't be reached (${failure.code ?? failure.level}: ${message})`, "host", cause);
  }
  if (failure !== undefined)
    return fail(`the SSH connection failed (${message})`, undefined, cause);
  return connection.privateKey === undefined
    ? fail(`can't use the connection's settings (${message})`, undefined, cause)
    : fail(
        `can't use the private key (${message}); check the connection's key and its passphrase`,
        "privateKey",
        cause,
      );
}
