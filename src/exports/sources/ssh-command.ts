/**
 * Running one command on a server over SSH (ssh2, loaded on first use): log in as an `ssh`
 * connection says (ssh-login.ts: a password or a key, the host key pinned), run the
 * command, stream its standard output into a local file, keep the end of its standard
 * error, and tell how it ended.
 *
 * A stop, the time limit or too much output ends the command: it is sent `TERM`, which
 * OpenSSH (7.9 and later) passes to the command's whole process group, and the session is
 * closed. OpenSSH refuses signals to a session without privilege separation (a root
 * login): there the command ends when it next writes to the closed session.
 */
import { createWriteStream } from "node:fs";
import { Transform, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Client, ClientChannel } from "ssh2";
import { SundialError } from "../../errors.js";
import type { LoginFailure } from "../connection-ref.js";
import { lazyModule } from "../lazy-module.js";
import { type SshConnection, sshAddress, sshConnectConfig, sshLoginFailure } from "../ssh-login.js";

/** ssh2 itself (ssh2-sftp-client is built on it), loaded on first use (lazy-module.ts). */
const ssh2 = lazyModule(() => import("ssh2"));

export interface SshCommandOptions {
  readonly signal?: AbortSignal | undefined;
  /** Where standard output goes (created; an existing file is an error); none drains it. */
  readonly output?: string | undefined;
  /** How long the command may run, once started. */
  readonly timeoutMs: number;
  /** More standard output than this ends the command. */
  readonly maxBytes?: number | undefined;
  /** Makes the error a failure to connect, log in or start the command becomes. */
  readonly fail: LoginFailure;
}

/** How a command ended. */
export interface SshCommandResult {
  /** Its exit status; `undefined` when it ended without one (by a signal, or stopped). */
  readonly exitCode: number | undefined;
  /** The signal that ended it, as the server named it (`KILL`). */
  readonly exitSignal: string | undefined;
  /** Why Sundial ended it: `timeout` or `limit` (its output passed `maxBytes`). */
  readonly stopped: "timeout" | "limit" | undefined;
  /** Bytes of standard output. */
  readonly bytes: number;
  /** The end of its standard error, as text. */
  readonly stderr: string;
  /** The server's host key, as OpenSSH prints it. */
  readonly hostKeyFingerprint: string;
}

/** What is kept of standard error: the last part, which says why a command failed. */
const MAX_STDERR = 64 * 1024;
/** How long a stopped command's channel may take to close. */
const CLOSE_GRACE_MS = 5000;
/** How long the test's `exit 0` may take, once logged in. */
const TEST_TIMEOUT_MS = 10_000;

/**
 * Runs `command` on the server of `connection`.
 * @returns how it ended, whatever its exit status (the caller decides what fails).
 * @throws what `options.fail` makes of a failure to connect, log in or start the command;
 *   the signal's reason when aborted (the command is stopped first).
 * @example const result = await runSshCommand(box.settings, "ls -l /data", { output, timeoutMs: 60_000, fail });
 */
export async function runSshCommand(
  connection: SshConnection,
  command: string,
  options: SshCommandOptions,
): Promise<SshCommandResult> {
  options.signal?.throwIfAborted();
  const { Client: SshClient } = await ssh2();
  const client = new SshClient();
  // Errors after the login (a reset socket) end the command's channel, which says so; a
  // client without an error listener would throw them.
  client.on("error", () => {});
  try {
    const hostKeyFingerprint = await logIn(client, connection, options);
    const channel = await start(client, command, options);
    return { ...(await run(channel, options)), hostKeyFingerprint };
  } finally {
    client.end();
  }
}

/**
 * Logs in and runs a command that does nothing (`exit 0`, which every shell knows): the
 * "test connection" action of an `ssh` connection.
 * @returns the host key's fingerprint, to pin it.
 * @throws SundialError `sourceFailed`, as the SSH source would fail, naming the server.
 * @example const { hostKeyFingerprint } = await testSsh(box.settings, signal);
 */
export async function testSsh(
  connection: SshConnection,
  signal?: AbortSignal,
): Promise<{ readonly hostKeyFingerprint: string }> {
  const where = sshAddress(connection);
  const result = await runSshCommand(connection, "exit 0", {
    signal,
    timeoutMs: TEST_TIMEOUT_MS,
    fail: (reason, _setting, cause) =>
      new SundialError("sourceFailed", `${where}: ${reason}`, { cause }),
  });
  if (result.exitCode !== 0) {
    const how =
      result.exitCode !== undefined
        ? `code ${result.exitCode}`
        : result.exitSignal !== undefined
          ? `the signal ${result.exitSignal}`
          : "no exit status";
    throw new SundialError(
      "sourceFailed",
      `${where}: logged in, but a command that does nothing (exit 0) ended with ${how}; may this user run commands?`,
    );
  }
  return { hostKeyFingerprint: result.hostKeyFingerprint };
}

/** Connects and logs in. @returns the host key's fingerprint. */
function logIn(
  client: Client,
  connection: SshConnection,
  options: SshCommandOptions,
): Promise<string> {
  const { signal, fail } = options;
  return new Promise((resolve, reject) => {
    let presented = "";
    let failure: (Error & { level?: string; code?: string }) | undefined;
    const settle = (error?: unknown) => {
      signal?.removeEventListener("abort", onAbort);
      client.off("ready", onReady);
      client.off("error", onError);
      client.off("close", onClose);
      if (error === undefined) resolve(presented);
      else reject(error);
    };
    const onReady = () => settle();
    const onError = (error: Error & { level?: string; code?: string }) => {
      failure ??= error;
      settle(sshLoginFailure(error, { connection, presented, failure }, fail));
    };
    const onClose = () => {
      const error = new Error("the server closed the connection before the login completed");
      settle(sshLoginFailure(error, { connection, presented, failure: error }, fail));
    };
    // Until the login completes, only closing the socket stops ssh2.
    const onAbort = () => {
      client.destroy();
      settle(signal?.reason);
    };
    if (signal?.aborted) return reject(signal.reason);
    client.on("ready", onReady);
    client.on("error", onError);
    client.on("close", onClose);
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      client.connect(
        sshConnectConfig(connection, (fingerprint) => {
          presented = fingerprint;
        }),
      );
    } catch (error) {
      // ssh2 throws before connecting when it can't use what it was given: the key, mostly.
      settle(sshLoginFailure(error, { connection, presented, failure: undefined }, fail));
    }
  });
}

/** Opens a session channel running `command`. */
function start(client: Client, command: string, options: SshCommandOptions) {
  return new Promise<ClientChannel>((resolve, reject) => {
    client.exec(command, (error, channel) => {
      if (error === undefined) return resolve(channel);
      reject(options.fail(`refused to run the command (${error.message})`, undefined, error));
    });
  });
}

/** Captures the command's output until its channel closes, stopping it when it must. */
function run(
  channel: ClientChannel,
  options: SshCommandOptions,
): Promise<Omit<SshCommandResult, "hostKeyFingerprint">> {
  const { signal } = options;
  let exitCode: number | undefined;
  let exitSignal: string | undefined;
  let stopped: SshCommandResult["stopped"] | "abort";
  let bytes = 0;
  let stderr = "";
  const stop = (why: NonNullable<typeof stopped>) => {
    if (stopped !== undefined) return;
    stopped = why;
    channel.signal("TERM");
    channel.close();
    // A server that never answers the close would hold the run; a destroyed channel closes.
    setTimeout(() => channel.destroy(), CLOSE_GRACE_MS).unref();
  };
  channel.on("exit", (code: number | null, name?: string) => {
    if (typeof code === "number") exitCode = code;
    if (typeof name === "string") exitSignal = name;
  });
  channel.stderr.setEncoding("utf8").on("data", (text: string) => {
    stderr = (stderr + text).slice(-MAX_STDERR);
  });
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      if (options.maxBytes !== undefined && bytes > options.maxBytes) {
        stop("limit");
        return done();
      }
      done(null, chunk);
    },
  });
  const sink =
    options.output === undefined
      ? new Writable({ write: (_chunk, _encoding, done) => done() })
      : createWriteStream(options.output, { flags: "wx" });
  // Settled whatever happens; its failure (the local disk) is told once the channel closes.
  const written = pipeline(channel, counter, sink).then(
    () => undefined,
    (error: unknown) => error,
  );
  const timer = setTimeout(() => stop("timeout"), options.timeoutMs);
  const onAbort = () => stop("abort");
  signal?.addEventListener("abort", onAbort, { once: true });
  if (signal?.aborted) onAbort();
  return new Promise((resolve, reject) => {
    channel.once("close", async () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      const error = stopped === undefined ? await written : undefined;
      if (stopped === "abort") return reject(signal?.reason);
      if (error !== undefined) {
        return reject(
          options.fail(
            `the command's output could not be written here: ${(error as Error).message}`,
            undefined,
            error,
          ),
        );
      }
      resolve({ exitCode, exitSignal, stopped, bytes, stderr });
    });
  });
}
