/**
 * The built-in invokers as job types: `script`, `command` and `http`, each a name a
 * schedule's `invokeService` can give, with its invoke context type-checked by
 * `JobTypes` (so `jobs.enqueue("command", { command: "ls" })` compiles and
 * `jobs.enqueue("command", { cmd: "ls" })` does not).
 */
import { type Static, type TSchema, Type } from "typebox";
import { SundialError } from "../errors.js";
import { BackoffSchema } from "../jobs/backoff.js";
import { JobService } from "../jobs/job.service.js";
import type { JobRegistry, JobTypeOptions } from "../jobs/job-registry.js";
import { validate } from "../validation.js";
import {
  type CommandInvokeContext,
  checkCommandContext,
  commandInvoker,
} from "./command-invoker.js";
import { checkHttpContext, type HttpInvokeContext, httpInvoker } from "./http-invoker.js";
import { MAX_TIMEOUT_MS } from "./invoke-deadline.js";
import { checkScriptContext, type ScriptInvokeContext, scriptInvoker } from "./script-invoker.js";

declare module "../jobs/job.js" {
  interface JobTypes {
    command: CommandInvokeContext;
    http: HttpInvokeContext;
    script: ScriptInvokeContext;
  }
}

/** The names the built-in invokers are defined under. */
export const INVOKER_TYPES = ["script", "command", "http"] as const;
export type InvokerType = (typeof INVOKER_TYPES)[number];

const positive = (maximum = MAX_TIMEOUT_MS) => Type.Optional(Type.Integer({ minimum: 1, maximum }));

/** Options of the job type itself, as `define` takes them. */
const jobTypeFields = {
  maxAttempts: positive(1000),
  backoff: Type.Optional(BackoffSchema),
  /** Every job of the type is stopped after this long (the runtime's timeout). */
  timeoutMs: positive(),
};

/** One invoker's options, or `false` to leave it undefined (a node that must not run programs). */
const invokerOptions = <P extends Record<string, TSchema>>(fields: P) =>
  Type.Optional(
    Type.Union([
      Type.Literal(false),
      Type.Object({ ...jobTypeFields, ...fields }, { additionalProperties: false }),
    ]),
  );

/** `registerInvokers`' options: one entry per invoker. */
export const InvokersOptionsSchema = Type.Object(
  {
    command: invokerOptions({
      killGraceMs: positive(),
      maxLogLines: positive(10_000_000),
      maxLineChars: positive(100_000),
      inheritEnv: Type.Optional(Type.Boolean()),
      cwd: Type.Optional(Type.String({ minLength: 1 })),
    }),
    http: invokerOptions({
      maxBodyBytes: positive(64 * 1024 * 1024),
    }),
    script: invokerOptions({
      scriptsDir: Type.Optional(Type.String({ minLength: 1 })),
      maxOldGenerationSizeMb: positive(1_000_000),
      maxYoungGenerationSizeMb: positive(1_000_000),
      stackSizeMb: positive(1024),
      killGraceMs: positive(),
      maxLogLines: positive(10_000_000),
    }),
  },
  { additionalProperties: false },
);
export type InvokersOptions = Static<typeof InvokersOptionsSchema>;

/** Scripts get an hour unless told otherwise: a runaway script is the common mistake. */
export const DEFAULT_SCRIPT_TIMEOUT_MS = 3_600_000;

/** Where invokers are defined: a `Sundial`, a `JobService`, or a registry with its service. */
export type InvokerHost =
  | JobService
  | { readonly jobs: JobService }
  | { readonly registry: JobRegistry; readonly jobs: JobService };

/**
 * Defines the built-in invokers as the job types `script`, `command` and `http` (those not
 * turned off with `false`), each with its invoke context check as `validate`, and returns
 * the names defined.
 * @throws SundialError `badRequest` for a bad option (named, e.g. `options.script.scriptsDir`);
 * `conflict` when one of the types is already defined.
 * @example
 * const sundial = await Sundial.open();
 * registerInvokers(sundial, {
 *   script: { scriptsDir: "/srv/sundial/scripts", timeoutMs: 600_000 },
 *   command: { inheritEnv: false, maxAttempts: 3 },
 *   http: false,
 * });
 * await sundial.jobs.enqueue("command", { command: "ls", args: ["-l"] });
 */
export function registerInvokers(host: InvokerHost, options: InvokersOptions = {}): InvokerType[] {
  const settings = validate(InvokersOptionsSchema, options, "options");
  const jobs = host instanceof JobService ? host : host.jobs;
  // Only the { registry, jobs } form names a registry; a Sundial's is its service's own.
  const registry =
    !(host instanceof JobService) && "registry" in host ? host.registry : jobs.registry;
  // All or none: a clash found half-way would leave some invokers defined.
  const taken = INVOKER_TYPES.filter(
    (type) => settings[type] !== false && registry.get(type) !== undefined,
  );
  if (taken.length > 0) {
    throw new SundialError(
      "conflict",
      `Job type "${taken.join('", "')}" is already defined; turn that invoker off (${taken[0]}: false) or define your own under another name.`,
      { field: "type" },
    );
  }
  const defined: InvokerType[] = [];
  const { script, command, http } = settings;
  if (script !== false) {
    const { maxAttempts, backoff, timeoutMs, ...rest } = script ?? {};
    registry.define("script", scriptInvoker(jobs, rest), {
      ...typeOptions({ maxAttempts, backoff }),
      timeoutMs: timeoutMs ?? DEFAULT_SCRIPT_TIMEOUT_MS,
      validate: checkScriptContext,
    });
    defined.push("script");
  }
  if (command !== false) {
    const { maxAttempts, backoff, timeoutMs, ...rest } = command ?? {};
    registry.define("command", commandInvoker(jobs, rest), {
      ...typeOptions({ maxAttempts, backoff, timeoutMs }),
      validate: checkCommandContext,
    });
    defined.push("command");
  }
  if (http !== false) {
    const { maxAttempts, backoff, timeoutMs, ...rest } = http ?? {};
    registry.define("http", httpInvoker(jobs, rest), {
      ...typeOptions({ maxAttempts, backoff, timeoutMs }),
      validate: checkHttpContext,
    });
    defined.push("http");
  }
  return defined;
}

/** The given job type options, without the ones left out (define's defaults then apply). */
function typeOptions(
  options: {
    [K in keyof JobTypeOptions]: JobTypeOptions[K] | undefined;
  },
): JobTypeOptions {
  return Object.fromEntries(
    Object.entries(options).filter(([, value]) => value !== undefined),
  ) as JobTypeOptions;
}
