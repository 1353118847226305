/**
 * The SSH command source: a command run on a server over a stored `ssh` connection, its
 * standard output the data. The command is inline, or a script kept elsewhere as a SQL
 * source's query can be (a file on SFTP or FTP, a path under an http connection), its last
 * good copy used when a fetch fails. Its output is read once it has exited with 0:
 *
 * - `lines` (the default): a row per line, in one column, `line`;
 * - `csv`: RFC 4180, the header row first (remote-file-source.ts reads it);
 * - `ndjson`: an object per line.
 *
 * Standard output is written to the run's folder as it comes, so memory stays flat, and
 * read from there; a command that exits non-zero fails the run (`commandFailed`) with its
 * exit code and the last lines of its standard error, before any row is written.
 */
import { createReadStream } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { type Static, Type } from "typebox";
import { SundialError } from "../../errors.js";
import { validate } from "../../validation.js";
import {
  type ConnectionKind,
  ConnectionRefSchema,
  type ConnectionUse,
  type LoginFailure,
  refuseInlineConnection,
  resolveConnection,
} from "../connection-ref.js";
import type { SourceContext } from "../export-run-context.js";
import type { Row } from "../row-source.js";
import { type SshConnection, sshAddress } from "../ssh-login.js";
import { checkTextOrFile, fetchText, textConnectionUses, textOrFileSchema } from "./query-fetch.js";
import { csvFileRows, ndjsonFileRows } from "./remote-file-source.js";
import { runSshCommand, type SshCommandResult } from "./ssh-command.js";

/**
 * The longest command, in bytes: OpenSSH takes a request of up to 256 KiB, the command and
 * the rest of the packet together.
 */
const MAX_COMMAND_BYTES = 200_000;
const CommandTextSchema = Type.String({ minLength: 1, maxLength: MAX_COMMAND_BYTES });

export const SshSourceSchema = Type.Object(
  {
    type: Type.Literal("ssh"),
    /** The name of a stored `ssh` connection. */
    connection: ConnectionRefSchema,
    /** The command (run by the login's shell, as `ssh host '<command>'` would), or where it is kept. */
    command: textOrFileSchema(CommandTextSchema),
    /** How standard output becomes rows; default `lines`. */
    output: Type.Optional(
      Type.Union([Type.Literal("lines"), Type.Literal("csv"), Type.Literal("ndjson")]),
    ),
    /** How long the command may run; default 600,000 (10 minutes). */
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 86_400_000 })),
    /** More output than this ends the command and fails the run; default 1,000,000,000 bytes. */
    maxBytes: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);
export type SshSource = Static<typeof SshSourceSchema>;

const SshSourceShapeSchema = Type.Object(
  { ...SshSourceSchema.properties, command: Type.Unknown() },
  { additionalProperties: false },
);

/** What an SSH source's `connection` may name. */
const SSH_SOURCE_CONNECTION: ConnectionKind = { types: ["ssh"], what: "an ssh source" };

const DEFAULT_TIMEOUT_MS = 600_000;
const DEFAULT_MAX_BYTES = 1_000_000_000;
/** The lines of standard error a failure quotes; the log has up to LOGGED_LINES. */
const QUOTED_LINES = 5;
const LOGGED_LINES = 20;

/**
 * Checks an SSH source's settings.
 * @throws SundialError `badRequest` naming the field, e.g. `source.command`; a connection
 *   written out in the task is refused (`source.connection`).
 * @example checkSshSource({ type: "ssh", connection: "box", command: "cat /var/log/app/today.csv", output: "csv" }, "source");
 */
export function checkSshSource(value: unknown, field = ""): SshSource {
  const at = (name: string) => (field === "" ? name : `${field}.${name}`);
  refuseInlineConnection(value, field);
  const shape = validate(SshSourceShapeSchema, value, field);
  checkTextOrFile(shape.command, at("command"), "command", CommandTextSchema);
  return validate(SshSourceSchema, value, field);
}

/** Where an SSH source names connections: its server, and where its command is kept. */
export function sshSourceConnectionUses(source: SshSource, field: string): ConnectionUse[] {
  return [
    { field: `${field}.connection`, name: source.connection, ...SSH_SOURCE_CONNECTION },
    ...textConnectionUses(source.command, `${field}.command`, "command"),
  ];
}

/**
 * Runs the command and gives its output's rows, once it has exited with 0.
 * @throws SundialError `notFound` / `badRequest` naming `source.connection` for a missing
 *   connection or one of another type; `sourceFailed` naming the connection when the server
 *   can't be reached or refuses the login, or the output passes `maxBytes`;
 *   `commandFailed` naming `source.command` when it exits non-zero, is ended by a signal or
 *   runs past `timeoutMs`; `invalidRow` for output that is not what `output` says; the
 *   signal's reason when aborted (the command is stopped).
 */
export async function sshSourceRows(
  source: SshSource,
  context: SourceContext,
): Promise<AsyncGenerator<Row>> {
  const [use] = sshSourceConnectionUses(source, "source") as [ConnectionUse];
  const connection = await resolveConnection<SshConnection>(context.connections, use);
  const command = await fetchText(source.command, context, {
    what: "command",
    field: "source.command",
  });
  const where = `connection "${connection.name}" (ssh, ${sshAddress(connection.settings)})`;
  if (Buffer.byteLength(command) > MAX_COMMAND_BYTES) {
    throw new SundialError(
      "sourceFailed",
      `the command is ${Buffer.byteLength(command)} bytes, over the ${MAX_COMMAND_BYTES} an SSH server takes; keep the script on the server and run it by name`,
      { field: "source.command" },
    );
  }
  const fail: LoginFailure = (reason, _setting, cause) =>
    new SundialError("sourceFailed", `${where}: ${reason}`, { field: "source.connection", cause });
  const output = join(context.workDirectory, `.sundial-ssh-${process.hrtime.bigint()}.out`);
  const timeoutMs = source.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = source.maxBytes ?? DEFAULT_MAX_BYTES;
  context.log("INFO", `running the command on ${where}`);
  try {
    const result = await runSshCommand(connection.settings, command, {
      signal: context.signal,
      output,
      timeoutMs,
      maxBytes,
      fail,
    });
    const stderr = lastLines(result.stderr);
    const failed = failure(result, { where, timeoutMs, maxBytes, stderr });
    for (const line of stderr.slice(-LOGGED_LINES)) {
      context.log(failed === undefined ? "INFO" : "ERROR", `ssh: ${line}`);
    }
    if (failed !== undefined) throw failed;
    context.log("INFO", `the command exited with code 0, giving ${result.bytes} bytes of output`);
  } catch (error) {
    // What a failed or stopped command printed is no one's data.
    await rm(output, { force: true });
    throw error;
  }
  if (source.output === "csv") return csvFileRows(output, { type: "csv" });
  if (source.output === "ndjson") return ndjsonFileRows(output);
  return lineRows(output);
}

/** Why a finished command fails the run, if it does. */
function failure(
  result: Omit<SshCommandResult, "hostKeyFingerprint">,
  facts: {
    readonly where: string;
    readonly timeoutMs: number;
    readonly maxBytes: number;
    readonly stderr: readonly string[];
  },
): SundialError | undefined {
  const { where, stderr } = facts;
  if (result.stopped === "limit") {
    return new SundialError(
      "sourceFailed",
      `${where}: the command's output passed maxBytes (${facts.maxBytes} bytes), so it was stopped; raise maxBytes, or make it print less`,
      { field: "source.maxBytes" },
    );
  }
  if (result.stopped === undefined && result.exitCode === 0) return undefined;
  const how =
    result.stopped === "timeout"
      ? `did not finish within ${facts.timeoutMs / 1000} s, and was stopped`
      : result.exitCode !== undefined
        ? `exited with code ${result.exitCode}`
        : result.exitSignal !== undefined
          ? `was ended by ${result.exitSignal}`
          : "ended without an exit status";
  const said =
    stderr.length === 0
      ? "; it wrote nothing to standard error"
      : `; its standard error ended with:\n${stderr.slice(-QUOTED_LINES).join("\n")}`;
  return new SundialError(
    "commandFailed",
    `source.command: on ${where}, the command ${how}${said}`,
    {
      field: "source.command",
    },
  );
}

function lastLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trimEnd())
    .filter((line) => line !== "");
}

/** The output's lines as rows of one column, `line`: the header row first. */
async function* lineRows(path: string): AsyncGenerator<Row> {
  const input = createReadStream(path, "utf8");
  const lines = createInterface({ input, crlfDelay: Infinity });
  try {
    yield ["line"];
    for await (const line of lines) yield [line];
  } finally {
    // A run that ends early (a row limit) lets the file go too.
    lines.close();
    input.destroy();
  }
}
