/**
 * One run of a script, on the handler's side: the worker thread with its memory limit,
 * the answers to its `sys.jobs` calls, its output in the job's log, and its end. When the
 * job must stop, the script's `signal` aborts; a script that has not ended `killGraceMs`
 * later is terminated, which stops even `while (true) {}`.
 */
import type { Readable } from "node:stream";
import { finished } from "node:stream/promises";
import { Worker } from "node:worker_threads";
import type { Clock } from "../clock.js";
import type { JobService } from "../jobs/job.service.js";
import { JobInterrupted } from "../jobs/job-context.js";
import type { JobFindQuery, JobLogQuery } from "../jobs/job-query.js";
import { InvokerError } from "./invoker-error.js";
import type { JobLogWriter } from "./job-log-writer.js";
import { LineSplitter } from "./line-splitter.js";
import type {
  CallErrorInfo,
  FromScript,
  ScriptCall,
  ScriptErrorInfo,
  ScriptStart,
  ToScript,
} from "./script-protocol.js";
import { SCRIPT_WORKER_SOURCE } from "./script-worker.js";

export interface ScriptRunEnvironment {
  readonly jobs: JobService;
  readonly clock: Clock;
  readonly writer: JobLogWriter;
  /** Aborted when the script must stop. */
  readonly signal: AbortSignal;
  readonly killGraceMs: number;
  readonly resourceLimits: {
    readonly maxOldGenerationSizeMb: number;
    readonly maxYoungGenerationSizeMb?: number;
    readonly stackSizeMb?: number;
  };
  /** The script as messages name it (its file, or `invokeContext.script.source`). */
  readonly displayName: string;
  /** The running job's own progress and checkpoint (its handler context's). */
  progress(percent: number): Promise<void>;
  saveCheckpoint(value: unknown): Promise<void>;
}

type Outcome =
  | { readonly ok: true; readonly value: unknown }
  /** `aborted`: the script threw its signal's reason (or an AbortError), having been asked to stop. */
  | { readonly ok: false; readonly error: unknown; readonly aborted: boolean };

/**
 * Runs the script to its end and returns its results (what it returned, else what it last
 * gave `setResult`).
 * @throws InvokerError `scriptFailed` when it threw, did not compile, ran out of memory or
 * exited early; the signal's reason when it was stopped.
 */
export function runScript(env: ScriptRunEnvironment, start: ScriptStart): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const { signal, writer } = env;
    const worker = new Worker(SCRIPT_WORKER_SOURCE, {
      eval: true,
      workerData: start,
      resourceLimits: env.resourceLimits,
      stdout: true,
      stderr: true,
      // The node's own flags (an inspector port, a loader) are not the script's.
      execArgv: [],
      name: `sundial script, job ${start.jobId}`,
    });
    let outcome: Outcome | undefined;
    let lastResult: unknown = null;
    let exited = false;
    const reading = [
      readLines(worker.stdout, (line) => writer.write("INFO", line)),
      readLines(worker.stderr, (line) => writer.write("ERROR", line)),
    ];

    const killTimer = new AbortController();
    const onAbort = () => {
      const reason = signal.reason as unknown;
      const kind = reason instanceof JobInterrupted ? reason.kind : "stopped";
      const message = reason instanceof Error ? reason.message : String(reason);
      post({ kind: "abort", reason: { kind, message } });
      void env.clock.sleep(env.killGraceMs, killTimer.signal).then(() => {
        if (killTimer.signal.aborted || exited) return;
        writer.write(
          "INFO",
          `the script was still running ${env.killGraceMs} ms after it was asked to stop (${message}); its worker thread was terminated`,
        );
        void worker.terminate();
      });
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });

    function post(message: ToScript): void {
      if (exited) return;
      try {
        worker.postMessage(message);
      } catch (error) {
        // Only a reply can hold something that won't clone (a job's JSON always does);
        // the script then sees the failure rather than waiting for ever.
        if (message.kind !== "reply" || !message.ok) {
          env.jobs.events.emit("error", error);
          return;
        }
        post({ kind: "reply", id: message.id, ok: false, error: callErrorInfo(error) });
      }
    }

    worker.on("message", (message: FromScript) => {
      switch (message.kind) {
        case "log":
          // The worker already made additionalInfo JSON, so this can't throw.
          writer.write(message.level, message.message, message.additionalInfo);
          return;
        case "call":
          void answer(message.id, message.method, message.args);
          return;
        case "result":
          lastResult = message.value;
          return;
        case "done":
          outcome ??= { ok: true, value: message.results };
          void worker.terminate();
          return;
        case "failed":
          outcome ??= {
            ok: false,
            error: scriptError(message.error, env.displayName),
            aborted: ["JobInterrupted", "AbortError"].includes(message.error.name),
          };
          void worker.terminate();
          return;
      }
    });

    worker.on("error", (error: Error) => {
      outcome ??= { ok: false, error: crashError(error, env), aborted: false };
    });

    worker.once("exit", (code) => {
      exited = true;
      killTimer.abort();
      signal.removeEventListener("abort", onAbort);
      void Promise.all(reading).then(() => {
        const interruption = signal.aborted ? (signal.reason as unknown) : undefined;
        // As the runtime does for its own timeout: a script that outran its time fails,
        // even if it managed to finish while being stopped.
        const timedOut = interruption instanceof JobInterrupted && interruption.kind === "timeout";
        if (outcome === undefined) {
          if (interruption !== undefined) reject(interruption);
          else if (code === 0) resolve(lastResult);
          else {
            reject(
              new InvokerError(
                "scriptFailed",
                `${env.displayName} ended (exit code ${code}) before it returned`,
              ),
            );
          }
        } else if (outcome.ok) {
          if (timedOut) reject(interruption);
          else resolve(outcome.value);
        } else if (interruption !== undefined && outcome.aborted) reject(interruption);
        else reject(outcome.error);
      });
    });

    async function answer(id: number, method: ScriptCall, args: readonly unknown[]): Promise<void> {
      let reply: ToScript;
      try {
        // Lines the script logged before the call are stored before what the call does.
        await writer.flush();
        reply = { kind: "reply", id, ok: true, value: await dispatch(method, args) };
      } catch (error) {
        reply = { kind: "reply", id, ok: false, error: callErrorInfo(error) };
      }
      post(reply);
    }

    function dispatch(method: ScriptCall, args: readonly unknown[]): Promise<unknown> {
      const { jobs } = env;
      const [a, b, c] = args;
      const id = a as string;
      switch (method) {
        case "find":
          return jobs.find(a as JobFindQuery | undefined);
        case "findById":
          return jobs.findById(id);
        case "logs":
          return jobs.logs(id, b as JobLogQuery | undefined);
        case "logInfo":
          return jobs.logInfo(id, b as string, c);
        case "logError":
          return jobs.logError(id, b as string, c);
        case "waitForJob":
          return jobs.waitForJob(id, b as string[], c as number);
        case "setLowPriority":
          return jobs.setLowPriority(id);
        case "removeLowPriority":
          return jobs.removeLowPriority(id);
        case "progress":
          return env.progress(a as number);
        case "saveCheckpoint":
          return env.saveCheckpoint(a);
        default:
          return Promise.reject(new TypeError(`sys.jobs has no method ${String(method)}`));
      }
    }
  });
}

function readLines(stream: Readable, write: (line: string) => void): Promise<void> {
  const lines = new LineSplitter(10_000);
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    for (const line of lines.push(chunk)) write(line);
  });
  return finished(stream)
    .catch(() => undefined)
    .then(() => {
      for (const line of lines.end()) write(line);
    });
}

/** A script's failure as the job's error: what, and where in the script. */
function scriptError(info: ScriptErrorInfo, displayName: string): InvokerError {
  const where =
    info.line === undefined
      ? ""
      : ` (${displayName}:${info.line}${info.column === undefined ? "" : `:${info.column}`})`;
  const error = new InvokerError("scriptFailed", `${info.name}: ${info.message}${where}`);
  // The stack users need is the script's, not the handler's.
  if (info.stack !== undefined) error.stack = info.stack;
  return error;
}

function crashError(error: Error, env: ScriptRunEnvironment): InvokerError {
  if ((error as NodeJS.ErrnoException).code === "ERR_WORKER_OUT_OF_MEMORY") {
    return new InvokerError(
      "scriptFailed",
      `${env.displayName} ran out of memory: its heap is limited to ${env.resourceLimits.maxOldGenerationSizeMb} MB (the script invoker's maxOldGenerationSizeMb)`,
      { cause: error },
    );
  }
  return new InvokerError("scriptFailed", `${env.displayName} crashed: ${error.message}`, {
    cause: error,
  });
}

function callErrorInfo(error: unknown): CallErrorInfo {
  if (!(error instanceof Error)) return { name: "Error", message: String(error) };
  const { code, field } = error as { code?: unknown; field?: unknown };
  return {
    name: error.name,
    message: error.message,
    ...(typeof code === "string" ? { code } : {}),
    ...(typeof field === "string" ? { field } : {}),
  };
}
