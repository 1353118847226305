/**
 * The job types this process can run: each a name, a handler and its run options.
 */
import { SundialError } from "../errors.js";
import { type BackoffOptions, checkBackoff, DEFAULT_BACKOFF } from "./backoff.js";
import type { DataOf } from "./job.js";
import type { JobHandler } from "./job-context.js";

export interface JobTypeOptions {
  /** Runs at most this many times before it ends with errors; default 1 (no retry). */
  readonly maxAttempts?: number;
  /** The wait between attempts; default exponential from 1 s, at most 1 h, 20 % jitter. */
  readonly backoff?: BackoffOptions;
  /**
   * An attempt running longer is aborted (its signal, reason `timeout`) and fails; if its
   * handler ignores the signal the pool stops waiting for it. Default: no limit.
   */
  readonly timeoutMs?: number;
  /**
   * Checks a job's data where it is given ahead of the run: a schedule invoking the type is
   * refused when it is saved, rather than failing at every fire. Throw a `SundialError`
   * `badRequest` whose message starts with the field under `field` (`invokeContext` for a
   * schedule), e.g. `invokeContext.to: must be an email address`; what it returns is ignored.
   * @example
   * validate: (data, field) => {
   *   if (!Value.Check(ReportSchema, data)) throw new SundialError("badRequest", `${field}: is not a report request`, { field });
   * }
   */
  readonly validate?: JobDataCheck;
}

/** See {@link JobTypeOptions.validate}. */
export type JobDataCheck = (data: unknown, field: string) => unknown;

/** A defined job type, with every option settled. */
export interface JobDefinition {
  readonly type: string;
  readonly handler: JobHandler;
  readonly maxAttempts: number;
  readonly backoff: BackoffOptions;
  readonly timeoutMs: number | undefined;
  readonly validate: JobDataCheck | undefined;
}

/** More would be a mistake (a loop computing it) rather than a policy. */
export const MAX_ATTEMPTS_LIMIT = 1000;

/**
 * The typed registry of job types.
 * @example
 * const registry = new JobRegistry();
 * registry.define("send-invoice", async ({ data, log }) => {
 *   await log.info(`sending ${data.invoiceId}`); // data typed by JobTypes["send-invoice"]
 *   return { sent: true };
 * }, { maxAttempts: 3, backoff: { type: "exponential", delayMs: 5_000 } });
 */
export class JobRegistry {
  private readonly definitions = new Map<string, JobDefinition>();

  /**
   * Defines a job type. Its data is typed by {@link JobTypes} when the type is declared
   * there, else by `TData` (give it, or annotate the handler's context).
   * @throws SundialError `badRequest` for a bad name or option, `conflict` when the type is already defined.
   */
  define<TType extends string, TData = DataOf<TType>, TResults = unknown>(
    type: TType,
    handler: JobHandler<TData, TResults>,
    options: JobTypeOptions = {},
  ): this {
    checkTypeName(type);
    if (typeof handler !== "function") {
      throw new SundialError("badRequest", `handler: the handler of "${type}" is not a function`, {
        field: "handler",
      });
    }
    if (this.definitions.has(type)) {
      throw new SundialError(
        "conflict",
        `Job type "${type}" is already defined; each type has one handler.`,
        { field: "type" },
      );
    }
    const maxAttempts = options.maxAttempts ?? 1;
    checkMaxAttempts(maxAttempts, "maxAttempts");
    if (options.timeoutMs !== undefined) checkTimeout(options.timeoutMs);
    if (options.validate !== undefined && typeof options.validate !== "function") {
      throw new SundialError(
        "badRequest",
        `validate: the validate of "${type}" is not a function`,
        {
          field: "validate",
        },
      );
    }
    this.definitions.set(type, {
      type,
      handler: handler as JobHandler,
      maxAttempts,
      backoff: checkBackoff(options.backoff ?? DEFAULT_BACKOFF),
      timeoutMs: options.timeoutMs,
      validate: options.validate,
    });
    return this;
  }

  get(type: string): JobDefinition | undefined {
    return this.definitions.get(type);
  }

  /**
   * The definition of `type`, which the input names under `field`.
   * @throws SundialError `badRequest` naming `field` when the type is not defined.
   * @example registry.require(schedule.invokeService, "invokeService")
   */
  require(type: string, field: string): JobDefinition {
    const definition = this.definitions.get(type);
    if (definition !== undefined) return definition;
    const known = this.types();
    throw new SundialError(
      "badRequest",
      `${field}: "${String(type)}" is not a defined job type; ` +
        (known.length > 0 ? `defined: ${known.join(", ")}` : "define it first with define()"),
      { field },
    );
  }

  /** The defined types, in the order they were defined. */
  types(): string[] {
    return [...this.definitions.keys()];
  }
}

export function checkMaxAttempts(value: unknown, field: string): number {
  if (
    typeof value !== "number" ||
    !Number.isInteger(value) ||
    value < 1 ||
    value > MAX_ATTEMPTS_LIMIT
  ) {
    throw new SundialError(
      "badRequest",
      `${field}: ${String(value)} is not a whole number from 1 to ${MAX_ATTEMPTS_LIMIT}`,
      { field },
    );
  }
  return value;
}

function checkTimeout(value: unknown): void {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) {
    throw new SundialError(
      "badRequest",
      `timeoutMs: ${String(value)} is not a whole number of milliseconds above 0`,
      { field: "timeoutMs" },
    );
  }
}

function checkTypeName(type: unknown): void {
  // Names travel in URLs, log lines and conf files: keep them printable and short.
  if (typeof type !== "string" || !/^[^\s\p{Cc}]{1,200}$/u.test(type)) {
    throw new SundialError(
      "badRequest",
      `type: ${JSON.stringify(type)} is not a job type name (1-200 characters, no spaces or control characters)`,
      { field: "type" },
    );
  }
}
