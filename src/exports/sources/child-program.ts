/**
 * Running one program for an export run (the processing script, or an installer making
 * its environment): in its own process group, so that a stop or the time limit ends what
 * it started too (a shell's children would otherwise hold its output open, and run on).
 */
import { spawn } from "node:child_process";

export interface ProgramRun {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal | undefined;
  /** Each line of its output as it comes (without its line break), for a live log. */
  readonly onLine?: (line: string) => void;
}

export interface ProgramOutcome {
  /** `null` when a signal ended it. */
  readonly code: number | null;
  readonly killedBy: NodeJS.Signals | null;
  /** It ran past `timeoutMs`, and was killed. */
  readonly timedOut: boolean;
  /** The start of what it printed (enough for a list of paths). */
  readonly stdout: string;
  /** The end of its standard error (where the reason it failed is). */
  readonly stderr: string;
}

/** What is kept of its output: enough for a list of paths and a few lines of messages. */
const MAX_OUTPUT = 1_000_000;
/** Longer lines are cut in the live log (a progress bar, a minified stack). */
const MAX_LINE = 2000;

/**
 * Runs a program to its end.
 * @returns how it ended, whatever its exit code.
 * @throws the spawn error (`ENOENT` when it is not there) when it can't start; the
 *   signal's reason when aborted.
 * @example const outcome = await runProgram({ command: "pip", args: ["--version"], cwd, env, timeoutMs: 60_000 });
 */
export function runProgram(run: ProgramRun): Promise<ProgramOutcome> {
  const { signal, onLine } = run;
  signal?.throwIfAborted();
  return new Promise((done, reject) => {
    const child = spawn(run.command, [...run.args], {
      cwd: run.cwd,
      env: run.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let timedOut = false;
    const killAll = () => {
      if (child.pid === undefined || child.exitCode !== null) return;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killAll();
    }, run.timeoutMs);
    signal?.addEventListener("abort", killAll, { once: true });
    const settle = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", killAll);
    };
    let stdout = "";
    let stderr = "";
    const lines = { stdout: "", stderr: "" };
    const follow = (stream: "stdout" | "stderr", text: string, end = false) => {
      if (onLine === undefined) return;
      const parts = (lines[stream] + text).split(/\r?\n|\r/);
      lines[stream] = end ? "" : (parts.pop() ?? "");
      for (const line of parts) if (line.trim() !== "") onLine(line.slice(0, MAX_LINE));
    };
    child.stdout.setEncoding("utf8").on("data", (text: string) => {
      if (stdout.length < MAX_OUTPUT) stdout += text;
      follow("stdout", text);
    });
    child.stderr.setEncoding("utf8").on("data", (text: string) => {
      stderr = (stderr + text).slice(-MAX_OUTPUT);
      follow("stderr", text);
    });
    child.once("error", (error) => {
      settle();
      reject(signal?.aborted ? signal.reason : error);
    });
    child.once("close", (code, killedBy) => {
      settle();
      if (signal?.aborted) return reject(signal.reason);
      follow("stdout", "", true);
      follow("stderr", "", true);
      done({ code, killedBy, timedOut, stdout, stderr });
    });
  });
}

/** Its non-empty lines, the last `count` of them. */
export function lastLines(text: string, count: number): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trimEnd())
    .filter((line) => line !== "")
    .slice(-count);
}

/** Why a program that did not exit with 0 ended: `exited with code 3`. */
export function howItEnded(outcome: ProgramOutcome, timeoutMs: number): string {
  if (outcome.timedOut) return `did not finish within ${timeoutMs / 1000} s, and was stopped`;
  if (outcome.killedBy !== null) return `was killed (${outcome.killedBy})`;
  return `exited with code ${outcome.code}`;
}
