/**
 * The registry of error codes: every error a user can meet has a stable `code` (which the
 * API, UI and CLI branch on, never the message), an HTTP status, and a line in
 * docs/errors.md (a test keeps the two in step).
 */
import type { CalendarErrorCode } from "./calendar/index.js";

export interface ErrorCodeInfo {
  /** The HTTP status the API answers with. */
  readonly status: number;
  /** The CLI's exit code: 2 for a mistake in what the user gave, 1 for anything else. */
  readonly exitCode: 1 | 2;
  /** One sentence: what it means and what to do. */
  readonly summary: string;
}

const calendarCodes: Record<CalendarErrorCode, ErrorCodeInfo> = {
  invalidTrigger: {
    status: 400,
    exitCode: 2,
    summary:
      "A trigger (cron, unix, calendar, interval or once) is invalid; the message names the field, the text and what is allowed.",
  },
  invalidDelay: {
    status: 400,
    exitCode: 2,
    summary:
      "A delay or working calendar (amount, unit, weekend, holidays) is invalid; the message names the field and what is allowed.",
  },
  invalidTimeZone: {
    status: 400,
    exitCode: 2,
    summary:
      "A time zone name is not an IANA zone known to this Node.js; use a name such as Europe/London or UTC.",
  },
};

export const ERROR_CODES = Object.freeze({
  ...calendarCodes,
  badRequest: {
    status: 400,
    exitCode: 2,
    summary:
      "The request or command line is malformed (an unknown flag, a missing argument, a value of the wrong type); the message says which.",
  },
  schemaTooNew: {
    status: 503,
    exitCode: 1,
    summary:
      "The database was written by a newer Sundial; upgrade Sundial, or point it at another database.",
  },
  schemaOutdated: {
    status: 503,
    exitCode: 1,
    summary: "The database schema is older than this Sundial; run `sundial migrate`.",
  },
  storeUnavailable: {
    status: 503,
    exitCode: 1,
    summary:
      "The database cannot be opened or reached; check the file path or DATABASE_URL and that the server is running.",
  },
  notFound: {
    status: 404,
    exitCode: 1,
    summary: "No job (or other item) has the id given; check the id, or list to find it.",
  },
  conflict: {
    status: 409,
    exitCode: 1,
    summary:
      "The item is not in a state that allows the operation (cancelling a running job, resuming an unstopped one); the message says which state it is in and what is allowed.",
  },
  timeout: {
    status: 408,
    exitCode: 1,
    summary:
      "A wait ended before what it waited for happened (a job did not reach the status in time); wait longer or check the job.",
  },
  unauthorized: {
    status: 401,
    exitCode: 1,
    summary:
      "The request has no valid credentials (no session or token, a wrong password, an expired or revoked token); log in or pass a valid token.",
  },
  forbidden: {
    status: 403,
    exitCode: 1,
    summary:
      "The user is known but their roles do not allow this operation; ask an admin for the role or group it needs.",
  },
  payloadTooLarge: {
    status: 413,
    exitCode: 2,
    summary: "The request body is larger than the server accepts; send less, or raise the limit.",
  },
  tooManyRequests: {
    status: 429,
    exitCode: 1,
    summary: "Too many attempts in a short time (logins are rate-limited); wait and try again.",
  },
  unavailable: {
    status: 503,
    exitCode: 1,
    summary:
      "The server or service cannot be reached, or is shutting down; check that `sundial serve` runs at the URL given.",
  },
  commandFailed: {
    status: 502,
    exitCode: 1,
    summary:
      "A program did not start, exited non-zero, was killed or ran too long: a `command` job's, an export's processing script, or an SSH source's command on its server; the log has its output.",
  },
  httpFailed: {
    status: 502,
    exitCode: 1,
    summary:
      "An `http` job's request failed or got a status of 400 or more; the message has the status and the start of the body.",
  },
  scriptFailed: {
    status: 502,
    exitCode: 1,
    summary:
      "A `script` job threw, had a syntax error or ran out of memory; the message has the location.",
  },
  rowLimitExceeded: {
    status: 422,
    exitCode: 1,
    summary:
      "An export produced more data rows than its `maxRows` allows, and no file was written; raise `maxRows` or narrow the query.",
  },
  invalidRow: {
    status: 422,
    exitCode: 1,
    summary:
      "A row can't be written in the export's format; the message names the row, the column and the reason (a wrong number of values, a character the encoding lacks).",
  },
  deliveryFailed: {
    status: 502,
    exitCode: 1,
    summary:
      "A destination or notification could not take the file or message (unreachable host, refused login, host key mismatch, an existing file without overwrite, a size mismatch); the message names the destination and the reason.",
  },
  sourceFailed: {
    status: 502,
    exitCode: 1,
    summary:
      "An export's source could not give its rows: the database is unreachable, refused the login, or the query failed; the message names the connection and the reason.",
  },
  internal: {
    status: 500,
    exitCode: 1,
    summary:
      "An unexpected failure inside Sundial; the log has the details. Please report it with the log lines.",
  },
} satisfies Record<string, ErrorCodeInfo>);

export type ErrorCode = keyof typeof ERROR_CODES;

/** An error with a registered code, for everything outside the pure calendar. */
export class SundialError extends Error {
  override readonly name = "SundialError";
  readonly code: ErrorCode;
  readonly field: string | undefined;

  constructor(code: ErrorCode, message: string, options: { field?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.field = options.field;
  }
}

/** The registered code of any thrown value: its own code when registered, else `internal`. */
export function errorCodeOf(error: unknown): ErrorCode {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && Object.hasOwn(ERROR_CODES, code)
    ? (code as ErrorCode)
    : "internal";
}
