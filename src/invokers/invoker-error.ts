/**
 * How an invoker says that what it ran failed: the program exited non-zero, the server
 * answered 4xx/5xx, the script threw. Invalid invoke contexts are `SundialError`s
 * (`badRequest`) instead, since the fault is in what was stored, not in what ran.
 */

/**
 * `commandFailed` (did not start, exited non-zero or was killed by a signal),
 * `httpFailed` (unreachable, or a status of 400 or more), `scriptFailed` (threw, did not
 * compile, ran out of memory or exited early).
 */
export type InvokerErrorCode = "commandFailed" | "httpFailed" | "scriptFailed";

/**
 * A failed invocation. The job runtime stores its name, code, message and stack in the
 * job's ERROR line, so the message carries every detail a reader needs (exit code,
 * status, script line).
 * @example
 * if (exitCode !== 0) throw new InvokerError("commandFailed", `rsync exited with code ${exitCode}`);
 */
export class InvokerError extends Error {
  override readonly name = "InvokerError";

  constructor(
    readonly code: InvokerErrorCode,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }
}
