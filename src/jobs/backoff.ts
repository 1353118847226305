/**
 * How long a failed job waits before its next attempt.
 */
import { type Static, Type } from "typebox";
import { SundialError } from "../errors.js";
import { validate } from "../validation.js";

export const BackoffSchema = Type.Object(
  {
    /** `fixed`: every retry waits `delayMs`; `exponential`: the wait doubles each attempt. */
    type: Type.Union([Type.Literal("fixed"), Type.Literal("exponential")]),
    /** The wait before the first retry, ms. */
    delayMs: Type.Integer({ minimum: 0 }),
    /** No wait is longer than this; default one hour. */
    maxDelayMs: Type.Optional(Type.Integer({ minimum: 0 })),
    /**
     * The random share of each wait, 0-1; default 0.2, so a planned 10 s becomes 8-10 s.
     * Jobs that failed together (a database restart) then don't all retry at once.
     */
    jitter: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  },
  { additionalProperties: false },
);
export type BackoffOptions = Static<typeof BackoffSchema>;

export const DEFAULT_BACKOFF: Required<BackoffOptions> = Object.freeze({
  type: "exponential",
  delayMs: 1_000,
  maxDelayMs: 3_600_000,
  jitter: 0.2,
});

/**
 * The wait, in ms, after attempt number `failedAttempt` (1 for the first run) failed.
 * @example retryDelay({ type: "exponential", delayMs: 1000, jitter: 0 }, 3) // 4000
 */
export function retryDelay(
  backoff: BackoffOptions,
  failedAttempt: number,
  random: () => number = Math.random,
): number {
  const max = backoff.maxDelayMs ?? DEFAULT_BACKOFF.maxDelayMs;
  const jitter = backoff.jitter ?? DEFAULT_BACKOFF.jitter;
  const planned =
    backoff.type === "fixed"
      ? backoff.delayMs
      : backoff.delayMs * 2 ** Math.max(0, Math.min(failedAttempt - 1, 64));
  const capped = Math.min(planned, max);
  return Math.round(capped * (1 - jitter * random()));
}

/**
 * Checks backoff options given by a user.
 * @throws SundialError `badRequest` naming the field at fault.
 * @example checkBackoff({ type: "fixed", delayMs: 5000 })
 */
export function checkBackoff(backoff: unknown, field = "backoff"): BackoffOptions {
  const checked = validate(BackoffSchema, backoff, field);
  if (checked.maxDelayMs !== undefined && checked.maxDelayMs < checked.delayMs) {
    throw new SundialError(
      "badRequest",
      `${field}.maxDelayMs: ${checked.maxDelayMs} is less than delayMs (${checked.delayMs})`,
      { field: `${field}.maxDelayMs` },
    );
  }
  return checked;
}
