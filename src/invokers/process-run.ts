/**
 * Running one program for a job: its output streamed into the job's log, and stopped for
 * real when the job must stop. The program gets a process group of its own (POSIX), so a
 * stop reaches what it started too (a shell's children), not only the program itself.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { performance } from "node:perf_hooks";
import type { Readable } from "node:stream";
import { finished } from "node:stream/promises";
import type { Clock } from "../clock.js";
import { InvokerError } from "./invoker-error.js";
import type { JobLogWriter } from "./job-log-writer.js";
import { LineSplitter } from "./line-splitter.js";

export interface ProcessSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
}

export interface ProcessIo {
  readonly writer: JobLogWriter;
  readonly clock: Clock;
  /** Aborted when the program must stop: SIGTERM, then SIGKILL after `killGraceMs`. */
  readonly signal: AbortSignal;
  readonly killGraceMs: number;
  readonly maxLineChars: number;
  /**
   * How long output may stay open once the program has exited (a background process it
   * started still holds it) before reading stops.
   */
  readonly drainMs: number;
}

export interface ProcessOutcome {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly durationMs: number;
  /** The last non-empty line it wrote to stderr, for the failure message. */
  readonly lastStderr: string | undefined;
  /** The signal's reason when it was stopped (it ran until `signal` aborted). */
  readonly interruption: unknown;
}

/** Process groups are a POSIX notion; elsewhere only the program itself is signalled. */
const GROUPS = process.platform !== "win32";

/**
 * Runs `spec` to its end, stdout lines as INFO and stderr lines as ERROR log lines.
 * @throws InvokerError `commandFailed` when it can't be started (not found, not executable).
 * @example
 * const outcome = await runProcess({ command: "ls", args: ["-l"], cwd, env }, io);
 * if (outcome.exitCode !== 0) throw new InvokerError("commandFailed", "ls failed");
 */
export async function runProcess(spec: ProcessSpec, io: ProcessIo): Promise<ProcessOutcome> {
  const { writer, clock, signal } = io;
  const name = spec.command;
  const started = performance.now();
  const child = spawn(spec.command, [...spec.args], {
    cwd: spec.cwd,
    env: spec.env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: GROUPS,
    windowsHide: true,
  });
  // Listen before the first await: these events may come at any tick from now on.
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.once("exit", (code, exitSignal) => resolve([code, exitSignal])),
  );
  let lastStderr: string | undefined;
  const reading = [
    readLines(child.stdout as Readable, (line) => writer.write("INFO", line), io),
    readLines(
      child.stderr as Readable,
      (line) => {
        if (line.trim() !== "") lastStderr = line;
        return writer.write("ERROR", line);
      },
      io,
    ),
  ];
  await new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve);
    child.on("error", (error) => {
      if (child.pid === undefined) reject(startFailure(name, spec.cwd, error));
    });
  });
  const pid = child.pid as number;
  writer.write("INFO", `started ${name} (pid ${pid})`);

  let interruption: unknown;
  const killTimer = new AbortController();
  const onAbort = () => {
    interruption = signal.reason;
    writer.write("INFO", `stopping: sent SIGTERM to ${name} (pid ${pid})`);
    sendSignal(child, "SIGTERM", writer);
    void clock.sleep(io.killGraceMs, killTimer.signal).then(() => {
      if (killTimer.signal.aborted) return;
      writer.write("INFO", `${name} still ran ${io.killGraceMs} ms after SIGTERM: sent SIGKILL`);
      sendSignal(child, "SIGKILL", writer);
    });
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener("abort", onAbort, { once: true });

  try {
    const [exitCode, exitSignal] = await exited;
    const durationMs = Math.round(performance.now() - started);
    const stopWaiting = new AbortController();
    const allRead = Promise.all(reading).then(() => true);
    const readInTime = await Promise.race([
      allRead,
      clock.sleep(io.drainMs, stopWaiting.signal).then(() => false),
    ]);
    stopWaiting.abort();
    if (!readInTime) {
      if (interruption !== undefined) {
        // What it left behind must not outlive the stop.
        sendSignal(child, "SIGKILL", writer);
      } else {
        writer.write(
          "INFO",
          `${name} exited but its output stayed open (a background process it started holds it); stopped reading`,
        );
      }
      child.stdout?.destroy();
      child.stderr?.destroy();
      await allRead;
    }
    return { exitCode, signal: exitSignal, durationMs, lastStderr, interruption };
  } finally {
    killTimer.abort();
    signal.removeEventListener("abort", onAbort);
  }
}

/**
 * Feeds a stream's lines to `write`, pausing the stream while `write` reports that the
 * log has no room; resolves once the stream has ended (or was destroyed).
 */
async function readLines(
  stream: Readable,
  write: (line: string) => boolean,
  io: ProcessIo,
): Promise<void> {
  const lines = new LineSplitter(io.maxLineChars);
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    let room = true;
    for (const line of lines.push(chunk)) room = write(line) && room;
    if (!room) {
      stream.pause();
      void io.writer.room().then(() => stream.resume());
    }
  });
  // A destroyed stream rejects with a premature close: its lines so far still count.
  await finished(stream).catch(() => undefined);
  for (const line of lines.end()) write(line);
}

function sendSignal(child: ChildProcess, signal: NodeJS.Signals, writer: JobLogWriter): void {
  const pid = child.pid;
  if (pid === undefined) return;
  try {
    if (GROUPS) process.kill(-pid, signal);
    else child.kill(signal);
  } catch (error) {
    // ESRCH: everything in the group has already exited, which is what was wanted.
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return;
    writer.write(
      "ERROR",
      `could not send ${signal} to ${child.spawnfile} (pid ${pid}): ${(error as Error).message}`,
    );
  }
}

function startFailure(name: string, cwd: string, error: Error): InvokerError {
  const code = (error as NodeJS.ErrnoException).code;
  const why =
    code === "ENOENT"
      ? "no such program (give a path, or check PATH)"
      : code === "EACCES"
        ? "permission denied (is it executable?)"
        : error.message;
  return new InvokerError("commandFailed", `could not start ${name} in ${cwd}: ${why}`, {
    cause: error,
  });
}
