/**
 * The `command` invoker: runs a program with arguments, environment and working
 * directory, without a shell (arguments reach the program as given, never re-parsed).
 * stdout lines become INFO log lines and stderr lines ERROR log lines; an exit code other
 * than 0 fails the job; a stop or a timeout ends the program (SIGTERM, then SIGKILL).
 */
import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { type Static, Type } from "typebox";
import { SundialError } from "../errors.js";
import type { JobService } from "../jobs/job.service.js";
import type { JobHandler } from "../jobs/job-context.js";
import { validate } from "../validation.js";
import { invokeDeadline, MAX_TIMEOUT_MS } from "./invoke-deadline.js";
import { InvokerError } from "./invoker-error.js";
import { JobLogWriter } from "./job-log-writer.js";
import { runProcess } from "./process-run.js";

/** A `command` job's data (a schedule's `invokeContext`). */
export const CommandInvokeContextSchema = Type.Object(
  {
    /** The program: a name looked up on PATH, or a path. */
    command: Type.String({ minLength: 1 }),
    args: Type.Optional(Type.Array(Type.String())),
    /** Added to (or, with the invoker's `inheritEnv: false`, instead of) the node's environment. */
    env: Type.Optional(Type.Record(Type.String(), Type.String())),
    /** The working directory; a relative one is taken from the invoker's `cwd`. */
    cwd: Type.Optional(Type.String({ minLength: 1 })),
    /** The program is stopped after this many ms, and the job fails with reason `timeout`. */
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_TIMEOUT_MS })),
  },
  { additionalProperties: false },
);
export type CommandInvokeContext = Static<typeof CommandInvokeContextSchema>;

/** A finished `command` job's results. */
export interface CommandResults {
  readonly exitCode: number;
  /** Always null for a job that finished: a program ended by a signal fails its job. */
  readonly signal: string | null;
  readonly durationMs: number;
}

export interface CommandInvokerOptions {
  /** How long a stopped program has between SIGTERM and SIGKILL; default 2000 ms. */
  readonly killGraceMs?: number;
  /** Output lines logged per job at most; default 10 000. */
  readonly maxLogLines?: number;
  /** Longer output lines are split; default 10 000 characters. */
  readonly maxLineChars?: number;
  /**
   * `true` (default): programs get this node's environment plus the job's `env`.
   * `false`: only `PATH` and the job's `env`, so the node's secrets stay with it.
   */
  readonly inheritEnv?: boolean;
  /** What a relative `cwd` is relative to, and the default one; default the process's. */
  readonly cwd?: string;
}

/**
 * Checks a `command` job's data; `field` is what it is known by. Its `cwd` is checked when
 * the job runs, on the node that runs it.
 * @throws SundialError `badRequest` naming the field, such as `invokeContext.args[1]`.
 * @example checkCommandContext({ command: "pg_dump", args: ["-Fc", "sales"] })
 */
export function checkCommandContext(data: unknown, field = "invokeContext"): CommandInvokeContext {
  const context = validate(CommandInvokeContextSchema, data, field);
  // The operating system cuts a NUL short, so the program would get something else.
  noNul(context.command, `${field}.command`);
  for (const [index, arg] of (context.args ?? []).entries()) {
    noNul(arg, `${field}.args[${index}]`);
  }
  for (const [key, value] of Object.entries(context.env ?? {})) {
    if (key === "" || key.includes("=") || key.includes("\0")) {
      throw new SundialError(
        "badRequest",
        `${field}.env: ${JSON.stringify(key)} is not a variable name (non-empty, without "=")`,
        { field: `${field}.env` },
      );
    }
    noNul(value, `${field}.env.${key}`);
  }
  if (context.cwd !== undefined) noNul(context.cwd, `${field}.cwd`);
  return context;
}

/**
 * The handler of the `command` job type.
 * @example
 * registry.define("command", commandInvoker(jobs, { inheritEnv: false }));
 * await jobs.enqueue("command", { command: "rsync", args: ["-a", "/data/", "backup:/data/"] });
 */
export function commandInvoker(
  jobs: JobService,
  options: CommandInvokerOptions = {},
): JobHandler<CommandInvokeContext, CommandResults> {
  const killGraceMs = options.killGraceMs ?? 2_000;
  const maxLogLines = options.maxLogLines ?? 10_000;
  const maxLineChars = options.maxLineChars ?? 10_000;
  const inheritEnv = options.inheritEnv ?? true;
  const baseDir = resolve(options.cwd ?? process.cwd());

  return async ({ job, data, signal }) => {
    const context = checkCommandContext(data);
    const cwd = await workingDirectory(baseDir, context.cwd);
    const env = inheritEnv
      ? { ...process.env, ...context.env }
      : { ...(process.env.PATH === undefined ? {} : { PATH: process.env.PATH }), ...context.env };
    const writer = new JobLogWriter(jobs, job.id, { maxLines: maxLogLines });
    const deadline = invokeDeadline(jobs.clock, signal, context.timeoutMs, context.command);
    try {
      const outcome = await runProcess(
        { command: context.command, args: context.args ?? [], cwd, env },
        {
          writer,
          clock: jobs.clock,
          signal: deadline.signal,
          killGraceMs,
          maxLineChars,
          drainMs: 1_000,
        },
      );
      if (outcome.interruption !== undefined) throw outcome.interruption;
      if (outcome.exitCode !== 0) {
        const how =
          outcome.exitCode === null
            ? `was killed by signal ${outcome.signal ?? "?"}`
            : `exited with code ${outcome.exitCode}`;
        const last = outcome.lastStderr === undefined ? "" : `: ${excerpt(outcome.lastStderr)}`;
        throw new InvokerError("commandFailed", `${context.command} ${how}${last}`);
      }
      writer.write("INFO", `${context.command} exited with code 0 after ${outcome.durationMs} ms`);
      return { exitCode: 0, signal: null, durationMs: outcome.durationMs };
    } finally {
      deadline.clear();
      await writer.close();
    }
  };
}

async function workingDirectory(baseDir: string, cwd: string | undefined): Promise<string> {
  const dir = cwd === undefined ? baseDir : resolve(baseDir, cwd);
  const found = await stat(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT" || error.code === "ENOTDIR") return undefined;
    throw error;
  });
  if (!found?.isDirectory()) {
    throw new SundialError(
      "badRequest",
      `invokeContext.cwd: ${dir} is not a directory on this node`,
      { field: "invokeContext.cwd" },
    );
  }
  return dir;
}

function noNul(value: string, field: string): void {
  if (value.includes("\0")) {
    throw new SundialError("badRequest", `${field}: must not contain a NUL character`, { field });
  }
}

function excerpt(text: string): string {
  return text.length > 500 ? `${text.slice(0, 499)}…` : text;
}
