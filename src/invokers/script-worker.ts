/**
 * What a script's worker thread runs: it compiles the script as the body of an async
 * function (so `await` and `return` work at its top level, and its line numbers stay its
 * own), hands it its API, and reports logs, calls and the outcome to the job's handler.
 *
 * The worker is started from text (`eval: true`, see {@link SCRIPT_WORKER_SOURCE}) rather
 * than from a file: a worker file would have to exist as JavaScript both when Sundial runs
 * from its TypeScript sources (the tests) and from dist/, and Node 20 loads no TypeScript.
 * So {@link scriptWorkerMain} must stand alone: it may use its own locals, globals and
 * `require`, and never a value imported into this module (types are fine: they vanish).
 */
import type { Job } from "../jobs/job.js";
import type {
  CallErrorInfo,
  FromScript,
  ScriptCall,
  ScriptErrorInfo,
  ScriptJob,
  ScriptJobsApi,
  ScriptStart,
  ToScript,
} from "./script-protocol.js";

/** The worker's program; runs once, in the worker thread. */
export function scriptWorkerMain(): void {
  const threads = require("node:worker_threads") as typeof import("node:worker_threads");
  const vm = require("node:vm") as typeof import("node:vm");
  const util = require("node:util") as typeof import("node:util");
  const { createRequire } = require("node:module") as typeof import("node:module");
  const port = threads.parentPort as import("node:worker_threads").MessagePort;
  const start = threads.workerData as ScriptStart;

  const stop = new AbortController();
  const replies = new Map<
    number,
    { resolve(value: unknown): void; reject(error: unknown): void }
  >();
  let nextCall = 1;
  let ended = false;
  let result: unknown = null;

  function send(message: FromScript): void {
    if (!ended) port.postMessage(message);
  }

  port.on("message", (message: ToScript) => {
    if (message.kind === "abort") {
      const reason = Object.assign(new Error(message.reason.message), {
        name: "JobInterrupted",
        kind: message.reason.kind,
      });
      stop.abort(reason);
      return;
    }
    const waiting = replies.get(message.id);
    if (waiting === undefined) return;
    replies.delete(message.id);
    if (message.ok) waiting.resolve(message.value);
    else waiting.reject(callError(message.error));
  });

  function callError(info: CallErrorInfo): Error {
    return Object.assign(new Error(info.message), {
      name: info.name,
      ...(info.code === undefined ? {} : { code: info.code }),
      ...(info.field === undefined ? {} : { field: info.field }),
    });
  }

  function call(method: ScriptCall, args: unknown[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const id = nextCall++;
      // Throws at once for what can't cross to the handler (a function, say).
      port.postMessage({ kind: "call", id, method, args } satisfies FromScript);
      replies.set(id, { resolve, reject });
    });
  }

  /** `value` as stored JSON gives it back; a clear error naming `field` when it can't be. */
  function toJson(value: unknown, field: string): unknown {
    if (value === undefined) return null;
    let text: string | undefined;
    try {
      text = JSON.stringify(value, (_key, item: unknown) => {
        if (typeof item === "bigint") return item.toString();
        if (item instanceof Error) return { name: item.name, message: item.message };
        return item;
      });
    } catch (error) {
      throw new TypeError(`${field}: cannot be stored as JSON (${(error as Error).message})`);
    }
    return text === undefined ? null : JSON.parse(text);
  }

  function text(value: unknown): string {
    return typeof value === "string" ? value : util.inspect(value, { breakLength: Infinity });
  }

  function logLine(level: "INFO" | "ERROR", message: unknown, info?: unknown): Promise<void> {
    try {
      send({
        kind: "log",
        level,
        message: text(message),
        ...(info === undefined ? {} : { additionalInfo: toJson(info, "additionalInfo") }),
      });
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  const log = Object.freeze({
    info: (message: unknown, additionalInfo?: unknown) => logLine("INFO", message, additionalInfo),
    error: (message: unknown, additionalInfo?: unknown) =>
      logLine("ERROR", message, additionalInfo),
  });
  // What a script prints belongs in its job's log, in order with its other lines.
  const print =
    (level: "INFO" | "ERROR") =>
    (...values: unknown[]) =>
      void logLine(level, util.format(...values));
  console.log = print("INFO");
  console.info = print("INFO");
  console.debug = print("INFO");
  console.warn = print("ERROR");
  console.error = print("ERROR");

  function jobObject(job: Job): ScriptJob {
    const self: ScriptJob = {
      id: () => job.id,
      label: () => job.label,
      type: () => job.type,
      status: () => job.status,
      progress: () => job.progress,
      waiting: () => job.waiting,
      duration: () => job.duration,
      hasErrors: () => job.hasErrors,
      startDate: () => job.startDate,
      endDate: () => job.endDate,
      runBy: () => job.runBy,
      data: () => job.data,
      results: () => job.results,
      logs: (query) => jobs.logs(job.id, query),
      logInfo: (message, additionalInfo) => jobs.logInfo(job.id, message, additionalInfo),
      logError: (message, additionalInfo) => jobs.logError(job.id, message, additionalInfo),
      refresh: () => jobs.findById(job.id),
      toJSON: () => job,
    };
    return Object.freeze(self);
  }

  const asJob = (value: unknown) => jobObject(value as Job);
  const jobs: ScriptJobsApi = {
    find: async (query) => ((await call("find", [query])) as Job[]).map(jobObject),
    findById: async (jobId) => asJob(await call("findById", [jobId])),
    logs: async (jobId, query) => (await call("logs", [jobId, query])) as never,
    logInfo: async (jobId, message, additionalInfo) => {
      await call("logInfo", [jobId, message, toJson(additionalInfo, "additionalInfo")]);
    },
    logError: async (jobId, message, additionalInfo) => {
      await call("logError", [jobId, message, toJson(additionalInfo, "additionalInfo")]);
    },
    waitForJob: async (jobId, statuses, maxTimeMs) =>
      asJob(await call("waitForJob", [jobId, statuses, maxTimeMs])),
    setLowPriority: async (jobId) => asJob(await call("setLowPriority", [jobId])),
    removeLowPriority: async (jobId) => asJob(await call("removeLowPriority", [jobId])),
    getCurrentJobId: () => start.jobId,
    getCurrentJob: async () => asJob(await call("findById", [start.jobId])),
  };
  Object.freeze(jobs);
  const sys = Object.freeze({ jobs });

  const progress = async (percent: number) => {
    await call("progress", [percent]);
  };
  const saveCheckpoint = async (value: unknown) => {
    await call("saveCheckpoint", [toJson(value, "checkpoint")]);
  };
  const setResult = (value: unknown) => {
    result = toJson(value, "results");
    send({ kind: "result", value: result });
  };

  function describe(error: unknown): ScriptErrorInfo {
    if (!(error instanceof Error)) {
      return { name: "Error", message: `the script threw ${text(error)}` };
    }
    const stack = typeof error.stack === "string" ? error.stack : "";
    const at = stack.indexOf(`${start.filename}:`);
    const where =
      at < 0 ? null : /^(\d+)(?::(\d+))?/.exec(stack.slice(at + start.filename.length + 1));
    // A syntax error's stack opens with the line and a caret; other stacks keep the script's frames.
    const header = stack.search(/\n\s+at /);
    const frames =
      error instanceof SyntaxError && at === 0
        ? stack.slice(0, header < 0 ? undefined : header)
        : [
            `${error.name}: ${error.message}`,
            ...stack.split("\n").filter((line) => line.includes(`${start.filename}:`)),
          ].join("\n");
    return {
      name: error.name,
      message: error.message,
      stack: frames,
      ...(where?.[1] === undefined ? {} : { line: Number(where[1]) }),
      ...(where?.[2] === undefined ? {} : { column: Number(where[2]) }),
    };
  }

  function fail(error: unknown): void {
    send({ kind: "failed", error: describe(error) });
    ended = true;
  }

  process.on("uncaughtException", fail);
  process.on("unhandledRejection", fail);

  const parameters = [
    "sys",
    "log",
    "input",
    "context",
    "progress",
    "setResult",
    "checkpoint",
    "saveCheckpoint",
    "signal",
    "require",
    // Only for a task scanner's record: a script elsewhere may declare its own `objectID`.
    ...(start.objectID === undefined ? [] : ["objectID"]),
  ];
  let body: (...args: unknown[]) => Promise<unknown>;
  try {
    // The script is the body of an async function; the header takes line 0, so the
    // script's first line is line 1 in every stack and message.
    body = new vm.Script(`(async function (${parameters.join(", ")}) {\n${start.source}\n})`, {
      filename: start.filename,
      lineOffset: -1,
    }).runInThisContext() as typeof body;
  } catch (error) {
    fail(error);
    return;
  }
  body(
    sys,
    log,
    start.input,
    Object.freeze(start.context),
    progress,
    setResult,
    start.checkpoint,
    saveCheckpoint,
    stop.signal,
    createRequire(start.requireFrom),
    start.objectID,
  ).then((value) => {
    let results: unknown;
    try {
      results = value === undefined ? result : toJson(value, "results");
    } catch (error) {
      fail(error);
      return;
    }
    send({ kind: "done", results });
    ended = true;
  }, fail);
}

/** The worker's source: {@link scriptWorkerMain}, called. */
export const SCRIPT_WORKER_SOURCE = `(${scriptWorkerMain.toString()})();`;
