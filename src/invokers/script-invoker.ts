/**
 * The `script` invoker: JavaScript run in a worker thread of its own, with a memory limit
 * and a time limit that are enforced (the thread is terminated), and the `sys.jobs` API.
 * Scripts are trusted code, written by the people who run Sundial: the thread is there so
 * that a runaway script can be stopped, not to sandbox it (it may `require` anything).
 *
 * A script sees: `input` (the invoke context's `input`), `objectID` (when the task scanner
 * runs it for a record), `context` (its job, schedule and whole invoke context),
 * `log.info` / `log.error` (and `console.*`), `progress(n)`, `setResult(value)` (or
 * `return value`), `checkpoint` / `saveCheckpoint(value)`, `signal` (aborted when the job
 * must stop), `sys.jobs` and `require`.
 */
import { resolve } from "node:path";
import { type Static, Type } from "typebox";
import type { JobService } from "../jobs/job.service.js";
import type { JobHandler } from "../jobs/job-context.js";
import { validate } from "../validation.js";
import { invokeDeadline, MAX_TIMEOUT_MS } from "./invoke-deadline.js";
import { JobLogWriter } from "./job-log-writer.js";
import { runScript } from "./script-run.js";
import { checkSourceOrFile, loadScript } from "./script-source.js";

/** A `script` job's data (a schedule's `invokeContext`). */
export const ScriptInvokeContextSchema = Type.Object(
  {
    script: Type.Object(
      {
        type: Type.Literal("text/javascript"),
        /** The code; give this or `file`. */
        source: Type.Optional(Type.String()),
        /** A path in the scripts folder, read at each run; give this or `source`. */
        file: Type.Optional(Type.String({ minLength: 1 })),
      },
      { additionalProperties: false },
    ),
    /** Handed to the script as `input`. */
    input: Type.Optional(Type.Unknown()),
    /** Handed to the script as `objectID`: the task scanner gives each record's id here. */
    objectID: Type.Optional(Type.String({ maxLength: 10_000 })),
    /** The script is stopped after this many ms, and the job fails with reason `timeout`. */
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_TIMEOUT_MS })),
  },
  { additionalProperties: false },
);
export type ScriptInvokeContext = Static<typeof ScriptInvokeContextSchema>;

export interface ScriptInvokerOptions {
  /** Where `script.file` paths are read from; default `./scripts` (from the process's directory). */
  readonly scriptsDir?: string;
  /** The script's heap limit; default 256 MB. */
  readonly maxOldGenerationSizeMb?: number;
  /** V8's young generation limit; default V8's. */
  readonly maxYoungGenerationSizeMb?: number;
  /** The thread's stack; default V8's (4 MB). */
  readonly stackSizeMb?: number;
  /** How long a script asked to stop may take before its thread is terminated; default 2000 ms. */
  readonly killGraceMs?: number;
  /** Log lines stored per job at most; default 10 000. */
  readonly maxLogLines?: number;
}

/**
 * Checks a `script` job's data; `field` is what it is known by. The file itself (that it
 * exists, inside the scripts folder) is checked when the job runs, on the node that runs it.
 * @throws SundialError `badRequest` naming the field, such as `invokeContext.script.type`.
 * @example checkScriptContext({ script: { type: "text/javascript", file: "reports/daily.js" } })
 */
export function checkScriptContext(data: unknown, field = "invokeContext"): ScriptInvokeContext {
  const context = validate(ScriptInvokeContextSchema, data, field);
  checkSourceOrFile(context.script, `${field}.script`);
  return context;
}

/**
 * The handler of the `script` job type.
 * @example
 * registry.define("script", scriptInvoker(jobs, { scriptsDir: "/srv/sundial/scripts" }), { timeoutMs: 600_000 });
 * await jobs.enqueue("script", {
 *   script: { type: "text/javascript", source: "log.info(`hello ${input.name}`); return { ok: true };" },
 *   input: { name: "Ada" },
 * });
 */
export function scriptInvoker(
  jobs: JobService,
  options: ScriptInvokerOptions = {},
): JobHandler<ScriptInvokeContext, unknown> {
  const scriptsDir = resolve(options.scriptsDir ?? "scripts");
  const resourceLimits = {
    maxOldGenerationSizeMb: options.maxOldGenerationSizeMb ?? 256,
    ...(options.maxYoungGenerationSizeMb === undefined
      ? {}
      : { maxYoungGenerationSizeMb: options.maxYoungGenerationSizeMb }),
    ...(options.stackSizeMb === undefined ? {} : { stackSizeMb: options.stackSizeMb }),
  };
  return async ({ job, data, signal, checkpoint, progress, saveCheckpoint }) => {
    const context = checkScriptContext(data);
    const script = await loadScript(context.script, scriptsDir);
    const writer = new JobLogWriter(jobs, job.id, { maxLines: options.maxLogLines ?? 10_000 });
    const deadline = invokeDeadline(jobs.clock, signal, context.timeoutMs, script.displayName);
    try {
      return await runScript(
        {
          jobs,
          clock: jobs.clock,
          writer,
          signal: deadline.signal,
          killGraceMs: options.killGraceMs ?? 2_000,
          resourceLimits,
          displayName: script.displayName,
          progress,
          saveCheckpoint,
        },
        {
          source: script.source,
          filename: script.filename,
          requireFrom: script.requireFrom,
          jobId: job.id,
          input: context.input ?? null,
          ...(context.objectID === undefined ? {} : { objectID: context.objectID }),
          context: {
            jobId: job.id,
            scheduleId: job.scheduleId,
            fireTime: job.fireTime,
            invokeContext: data,
          },
          checkpoint,
        },
      );
    } finally {
      deadline.clear();
      await writer.close();
    }
  };
}
