/**
 * SMB (Windows and Samba shares), spoken by Samba's own `smbclient`, run once per step.
 *
 * Why a subprocess: the SMB clients on the npm registry (smb2, @marsaud/smb2, v9u-smb2,
 * node-smb2 and @awo00/smb2, all of one lineage) offer only the dialects SMB 2.0.2 and 2.1
 * in their negotiation, so without SMB3's encryption, and have few releases and open
 * reports of failing logins; a Windows server or a Samba that requires SMB3 refuses them.
 * smbclient is Samba's, speaks SMB2 and SMB3 (3.1.1, with encryption and signing when the
 * server asks), and ships with every Linux distribution (Debian: `smbclient`).
 *
 * How it is driven, and why:
 * - the password goes in the child's environment (`PASSWD`), never on its command line,
 *   where any local user could read it; smbclient takes it byte for byte, spaces and all;
 * - one command per process (`--command`), since a command list carries on after a
 *   failure and smbclient's exit code does not always say one happened: success is an
 *   exit code of 0 and no `NT_STATUS_…` in its messages (`--stderr` keeps them apart from
 *   a download on stdout);
 * - the directory goes in `--directory`, which takes any name; a file name goes inside the
 *   command, quoted, and smbclient's command language has no way to quote `"` or `;`, so
 *   names holding them are refused (Windows refuses `"` in names too);
 * - failures are told apart by their NT status and by the step smbclient names (connect,
 *   session setup, tree connect, cd), never by other text;
 * - a step with nothing moving for `timeoutMs` (no byte sent or received) is ended.
 */
import { spawn } from "node:child_process";
import { lookup } from "node:dns/promises";
import { type Readable, Transform, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { SundialError } from "../errors.js";
import type { LoginFailure } from "./connection-ref.js";
import {
  DEFAULT_SMB_PORT,
  type SmbConnection,
  smbLoginName,
  smbSegments,
} from "./smb-connection.js";

const SMBCLIENT = "smbclient";
const DEFAULT_TIMEOUT_MS = 30_000;

/** A command smbclient ran and refused, with the NT status it gave. */
export class SmbCommandError extends Error {
  constructor(
    message: string,
    /** `NT_STATUS_OBJECT_NAME_NOT_FOUND`, or undefined when smbclient gave none. */
    readonly status: string | undefined,
    /** `directory` when entering the directory failed, else `command`. */
    readonly phase: "directory" | "command",
  ) {
    super(message);
    this.name = "SmbCommandError";
  }
}

/** What a refused command was about: its folder, a name that is not there, or anything else. */
export type SmbRefusal = "folder" | "missing" | "other";

/**
 * Runs `run`, turning a refused command into the caller's own error (a destination's
 * `deliveryFailed`, a source's `sourceFailed`); other failures pass as they are.
 * @example await refusedAs(() => session.run(step), (error, refusal) => refusal === "folder" ? folderMissing(error) : failed(error));
 */
export async function refusedAs<T>(
  run: () => Promise<T>,
  become: (error: SmbCommandError, refusal: SmbRefusal) => Error,
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof SmbCommandError)) throw error;
    const refusal =
      error.phase === "directory"
        ? "folder"
        : NOT_FOUND.has(error.status ?? "")
          ? "missing"
          : "other";
    throw become(error, refusal);
  }
}

/** One step: a command run in a directory of the share, with the bytes it sends or takes. */
export interface SmbStep {
  /** Folders under the connection's `path`; none is its root. */
  readonly directory: readonly string[];
  /** One smbclient command: `ls`, `allinfo "a.csv"`, `put - ".part"`. */
  readonly command: string;
  /** What `put -` sends. */
  readonly input?: Readable | undefined;
  /** Where `get … -` writes. */
  readonly output?: Writable | undefined;
}

/** Logged-in steps on one share; every step is a new smbclient (and a new login). */
export interface SmbSession {
  /**
   * Runs one step, and gives smbclient's messages.
   * @throws what the session's `fail` makes of a failure to connect, log in or reach the
   *   share, or of smbclient missing or silent past the timeout; `SmbCommandError` when
   *   the directory or the command is refused; the signal's reason once aborted.
   */
  run(step: SmbStep): Promise<string>;
}

/**
 * A session on the connection's share; failures to reach or log in are what `fail`
 * makes of them, so a destination's read `deliveryFailed` and a source's `sourceFailed`.
 * @example const smb = smbSession(settings, { signal, fail }); await smb.run({ directory: ["in"], command: "ls" });
 */
export function smbSession(
  connection: SmbConnection,
  options: { readonly signal?: AbortSignal | undefined; readonly fail: LoginFailure },
): SmbSession {
  return {
    run: async (step) => {
      const result = await runSmbclient(connection, step, options.signal);
      if (result.kind === "ok") return result.text;
      if (result.kind === "login") throw await loginFailure(connection, result, options.fail);
      throw new SmbCommandError(result.line, result.status, result.kind);
    },
  };
}

/** How a step failed, and where. */
interface Failure {
  readonly kind: "login" | "directory" | "command";
  /** Where smbclient stopped: connecting, negotiating, logging in, the share; or the tool itself. */
  readonly stage: "connect" | "negotiate" | "session" | "share" | "timeout" | "tool" | "other";
  readonly status: string | undefined;
  readonly line: string;
  readonly cause?: unknown;
}

type Outcome = { readonly kind: "ok"; readonly text: string } | Failure;

/** smbclient's own words for each step that fails before a command runs. */
const STAGES: readonly [RegExp, "connect" | "negotiate" | "session" | "share" | "directory"][] = [
  [/^do_connect: Connection to .* failed \(Error (NT_STATUS_\w+)\)/, "connect"],
  [/^protocol negotiation failed: (NT_STATUS_\w+)/, "negotiate"],
  [/^session setup failed: (NT_STATUS_\w+)/, "session"],
  [/^tree connect failed: (NT_STATUS_\w+)/, "share"],
  [/^cd \\.*: (NT_STATUS_\w+)/, "directory"],
];

function smbclientArgs(connection: SmbConnection, step: SmbStep, timeoutMs: number): string[] {
  const directory = [...smbSegments(connection.path ?? ""), ...step.directory];
  return [
    `//${connection.host}/${connection.share}`,
    `--port=${connection.port ?? DEFAULT_SMB_PORT}`,
    `--user=${connection.username}`,
    ...(connection.domain === undefined ? [] : [`--workgroup=${connection.domain}`]),
    ...(connection.password === undefined ? ["--no-pass"] : []),
    // SMB2 and SMB3 only, whatever the machine's smb.conf says: SMB1 is retired.
    "--option=client min protocol=SMB2_02",
    "--option=client max protocol=SMB3",
    "--stderr",
    `--timeout=${Math.ceil(timeoutMs / 1000)}`,
    ...(directory.length === 0 ? [] : [`--directory=${directory.join("\\")}`]),
    `--command=${step.command}`,
  ];
}

/** Runs smbclient once; resolves with what happened, rejects only with an abort's reason. */
async function runSmbclient(
  connection: SmbConnection,
  step: SmbStep,
  signal: AbortSignal | undefined,
): Promise<Outcome> {
  signal?.throwIfAborted();
  const timeoutMs = connection.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const child = spawn(SMBCLIENT, smbclientArgs(connection, step, timeoutMs), {
    stdio: ["pipe", "pipe", "pipe"],
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      ...(process.env.HOME === undefined ? {} : { HOME: process.env.HOME }),
      // Listings print times in the process's zone and language: make them UTC and English.
      TZ: "UTC",
      LC_ALL: "C",
      ...(connection.password === undefined ? {} : { PASSWD: connection.password }),
    },
  });
  const { stdin, stdout, stderr } = child;
  let timedOut = false;
  let idle: NodeJS.Timeout | undefined;
  const moved = () => {
    clearTimeout(idle);
    idle = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
  };
  const activity = () =>
    new Transform({
      transform(chunk, _encoding, done) {
        moved();
        done(null, chunk);
      },
    });
  const onAbort = () => child.kill("SIGKILL");
  signal?.addEventListener("abort", onAbort, { once: true });
  moved();
  const messages: Buffer[] = [];
  stderr.on("data", (chunk: Buffer) => {
    moved();
    messages.push(chunk);
  });
  const transfers: Promise<unknown>[] = [];
  if (step.output === undefined) {
    stdout.on("data", (chunk: Buffer) => {
      moved();
      messages.push(chunk);
    });
  } else {
    const download = pipeline(stdout, activity(), step.output);
    // Its failure is read once smbclient has exited; until then it must not count as unhandled.
    download.catch(() => undefined);
    transfers.push(download);
  }
  // smbclient stops reading when it fails (a refused login, a full disk): its exit says why.
  stdin.on("error", () => undefined);
  if (step.input === undefined) stdin.end();
  else transfers.push(pipeline(step.input, activity(), stdin).catch(() => undefined));
  const exit = await new Promise<{ code: number | null; error?: Error }>((resolve) => {
    child.once("error", (error) => resolve({ code: null, error }));
    child.once("close", (code) => resolve({ code }));
  });
  clearTimeout(idle);
  signal?.removeEventListener("abort", onAbort);
  const transferred = await Promise.allSettled(transfers);
  if (signal?.aborted) throw signal.reason;
  // Our own refusal in the sink (a download over its size limit) is the reason smbclient stopped.
  for (const result of transferred) {
    if (result.status === "rejected" && result.reason instanceof SundialError) throw result.reason;
  }
  const text = Buffer.concat(messages).toString("utf8");
  return outcomeOf(exit, text, timedOut, timeoutMs, transferred);
}

function outcomeOf(
  exit: { code: number | null; error?: Error },
  text: string,
  timedOut: boolean,
  timeoutMs: number,
  transferred: readonly PromiseSettledResult<unknown>[],
): Outcome {
  if (exit.error !== undefined) {
    const missing = (exit.error as NodeJS.ErrnoException).code === "ENOENT";
    const line = missing
      ? `${SMBCLIENT} is not installed on this server; install Samba's smbclient (Debian: apt-get install smbclient)`
      : `${SMBCLIENT} could not be started: ${exit.error.message}`;
    return { kind: "login", stage: "tool", status: undefined, line, cause: exit.error };
  }
  if (timedOut) {
    const line = `no answer within ${timeoutMs / 1000} s`;
    return { kind: "login", stage: "timeout", status: undefined, line };
  }
  // Listed entries start with two spaces, so a file named NT_STATUS_… is not a failure.
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== "");
  const failed = lines.find((line) => !line.startsWith("  ") && /\bNT_STATUS_\w+/.test(line));
  if (failed !== undefined) {
    const trimmed = failed.trim();
    for (const [pattern, stage] of STAGES) {
      const match = pattern.exec(trimmed);
      if (match === null) continue;
      if (stage === "directory") {
        return { kind: "directory", stage: "other", status: match[1], line: trimmed };
      }
      return { kind: "login", stage, status: match[1], line: trimmed };
    }
    const status = /\b(NT_STATUS_\w+)/.exec(trimmed)?.[1];
    return { kind: "command", stage: "other", status, line: trimmed };
  }
  const broken = transferred.find((result) => result.status === "rejected");
  if (exit.code !== 0 || broken !== undefined) {
    const why =
      broken?.status === "rejected"
        ? `the transfer broke off: ${(broken.reason as Error).message}`
        : `${SMBCLIENT} exited with code ${exit.code}${lines.length > 0 ? `: ${lines.join(" ").trim()}` : ""}`;
    return { kind: "command", stage: "other", status: undefined, line: why };
  }
  return { kind: "ok", text };
}

/** Why the server refused a login, by its NT status. */
const ACCOUNT_REFUSALS: Readonly<Record<string, string>> = {
  NT_STATUS_LOGON_FAILURE: "wrong user name or password",
  NT_STATUS_WRONG_PASSWORD: "wrong password",
  NT_STATUS_NO_SUCH_USER: "no such user",
  NT_STATUS_ACCOUNT_DISABLED: "the account is disabled",
  NT_STATUS_ACCOUNT_LOCKED_OUT: "the account is locked out",
  NT_STATUS_ACCOUNT_EXPIRED: "the account has expired",
  NT_STATUS_PASSWORD_EXPIRED: "the password has expired",
  NT_STATUS_PASSWORD_MUST_CHANGE: "the password must be changed first",
  NT_STATUS_INVALID_LOGON_HOURS: "the account may not log in at this hour",
  NT_STATUS_INVALID_WORKSTATION: "the account may not log in from this machine",
  NT_STATUS_ACCOUNT_RESTRICTION: "the account's restrictions refuse this login",
};

/** The refusals that a wrong user name, password or domain gives. */
const CREDENTIAL_REFUSALS = new Set([
  "NT_STATUS_LOGON_FAILURE",
  "NT_STATUS_WRONG_PASSWORD",
  "NT_STATUS_NO_SUCH_USER",
]);

/** Why a server can't be reached, by the NT status smbclient gives for the connection. */
const UNREACHABLE: Readonly<Record<string, string>> = {
  NT_STATUS_CONNECTION_REFUSED: "nothing listens on that port",
  NT_STATUS_HOST_UNREACHABLE: "no route to the host",
  NT_STATUS_NETWORK_UNREACHABLE: "no route to the network",
  NT_STATUS_IO_TIMEOUT: "no answer",
  NT_STATUS_CONNECTION_RESET: "the connection was reset",
  NT_STATUS_CONNECTION_DISCONNECTED: "the connection was closed",
};

async function loginFailure(
  connection: SmbConnection,
  outcome: Failure,
  fail: LoginFailure,
): Promise<SundialError> {
  const { status, line } = outcome;
  const cause = outcome.cause ?? new Error(line);
  const address = `${connection.host}:${connection.port ?? DEFAULT_SMB_PORT}`;
  switch (outcome.stage) {
    case "tool":
      return fail(line, undefined, cause);
    case "timeout":
      return fail(
        `${address}: ${line}; is the host right, and does a firewall let SMB through?`,
        "host",
        cause,
      );
    case "connect": {
      const reason = UNREACHABLE[status ?? ""] ?? (await unresolved(connection.host));
      return fail(
        `can't be reached at ${address} (${status}${reason === undefined ? "" : `: ${reason}`})`,
        "host",
        cause,
      );
    }
    case "negotiate":
      return fail(
        `${address} speaks no SMB dialect Sundial does, SMB2 or SMB3 (${status}); is it an SMB1-only server?`,
        "host",
        cause,
      );
    case "session": {
      const reason = ACCOUNT_REFUSALS[status ?? ""];
      const credentials = status === undefined || CREDENTIAL_REFUSALS.has(status);
      return fail(
        `refused the login as ${smbLoginName(connection)} (${status}${reason === undefined ? "" : `: ${reason}`}); ${credentials ? "check the connection's username, password and domain" : "the account itself is refused: ask the server's administrator"}`,
        credentials ? "password" : "username",
        cause,
      );
    }
    case "share":
      return fail(
        status === "NT_STATUS_BAD_NETWORK_NAME"
          ? `has no share named "${connection.share}" (${status}); check the connection's share`
          : `refused ${smbLoginName(connection)} the share "${connection.share}" (${status}); check the connection's share and the user's rights to it`,
        "share",
        cause,
      );
    default:
      return fail(line, undefined, cause);
  }
}

/** Whether the host's name resolves: smbclient says only NT_STATUS_UNSUCCESSFUL when not. */
async function unresolved(host: string): Promise<string | undefined> {
  try {
    await lookup(host);
    return undefined;
  } catch (error) {
    return `the host name does not resolve (${(error as NodeJS.ErrnoException).code})`;
  }
}

/** An entry of a directory listing. */
export interface SmbEntry {
  readonly name: string;
  readonly directory: boolean;
  readonly size: number;
  /** Milliseconds since the epoch, to the second. */
  readonly modifiedAt: number;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
// `  name   A   1234  Sun Nov 22 00:47:07 2026`: name padded to 30, attributes, size, time.
const LISTED =
  /^ {2}(.*\S)\s+([A-Z]+)\s+(\d+)\s+\w{3} (\w{3}) +(\d{1,2}) (\d\d):(\d\d):(\d\d) (\d{4})$/;

/**
 * The entries of an `ls` listing (times in UTC, as runSmbclient asks), `.` and `..` left out.
 * @example parseSmbListing("  a.csv    A   12  Sun Nov 22 00:47:07 2026") // [{ name: "a.csv", directory: false, size: 12, modifiedAt: … }]
 */
export function parseSmbListing(text: string): SmbEntry[] {
  const entries: SmbEntry[] = [];
  for (const line of text.split(/\r?\n/)) {
    const match = LISTED.exec(line);
    if (match === null) continue;
    const [, name = "", attributes = "", size, month = "", day, hour, minute, second, year] = match;
    if (name === "." || name === "..") continue;
    entries.push({
      name,
      directory: attributes.includes("D"),
      size: Number(size),
      modifiedAt: Date.UTC(
        Number(year),
        MONTHS.indexOf(month),
        Number(day),
        Number(hour),
        Number(minute),
        Number(second),
      ),
    });
  }
  return entries;
}

/**
 * What `allinfo` says of a name (as {@link quotedSmbName} gives it): a file and its size,
 * a directory, or nothing there.
 * @throws as {@link SmbSession.run} does, but for a name that is not there.
 */
export async function smbStat(
  session: SmbSession,
  directory: readonly string[],
  quotedName: string,
): Promise<{ readonly directory: boolean; readonly size: number } | undefined> {
  let text: string;
  try {
    text = await session.run({ directory, command: `allinfo ${quotedName}` });
  } catch (error) {
    if (
      error instanceof SmbCommandError &&
      error.phase === "command" &&
      NOT_FOUND.has(error.status ?? "")
    ) {
      return undefined;
    }
    throw error;
  }
  const size = /^stream: \[::\$DATA\], (\d+) bytes$/m.exec(text)?.[1];
  const directoryFlag = /^attributes: [A-Z]*D[A-Z]* \(/m.test(text);
  return { directory: directoryFlag, size: size === undefined ? 0 : Number(size) };
}

/** The statuses of a name that is not there. */
export const NOT_FOUND = new Set([
  "NT_STATUS_OBJECT_NAME_NOT_FOUND",
  "NT_STATUS_OBJECT_PATH_NOT_FOUND",
  "NT_STATUS_NO_SUCH_FILE",
  "NT_STATUS_NOT_FOUND",
]);
