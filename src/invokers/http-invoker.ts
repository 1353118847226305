/**
 * The `http` invoker: one request with the job's signal (a stop or timeout aborts it). A
 * status of 400 or more fails the job with the status and the start of the body; any
 * other response becomes the job's results, its body parsed when it is JSON.
 */
import { performance } from "node:perf_hooks";
import { type Static, Type } from "typebox";
import { SundialError } from "../errors.js";
import type { JobService } from "../jobs/job.service.js";
import type { JobHandler } from "../jobs/job-context.js";
import { validate } from "../validation.js";
import { invokeDeadline, MAX_TIMEOUT_MS } from "./invoke-deadline.js";
import { InvokerError } from "./invoker-error.js";

/** An `http` job's data (a schedule's `invokeContext`). */
export const HttpInvokeContextSchema = Type.Object(
  {
    /** Default `GET`. */
    method: Type.Optional(
      Type.Union([
        Type.Literal("GET"),
        Type.Literal("HEAD"),
        Type.Literal("POST"),
        Type.Literal("PUT"),
        Type.Literal("PATCH"),
        Type.Literal("DELETE"),
        Type.Literal("OPTIONS"),
      ]),
    ),
    /** An absolute `http:` or `https:` URL. */
    url: Type.String({ minLength: 1 }),
    headers: Type.Optional(Type.Record(Type.String(), Type.String())),
    /** Text is sent as it is; anything else as JSON (with `content-type: application/json` unless given). */
    body: Type.Optional(Type.Unknown()),
    /** The request is aborted after this many ms, and the job fails with reason `timeout`. */
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_TIMEOUT_MS })),
  },
  { additionalProperties: false },
);
export type HttpInvokeContext = Static<typeof HttpInvokeContextSchema>;

/** A finished `http` job's results. */
export interface HttpResults {
  readonly status: number;
  readonly statusText: string;
  /** The response headers worth keeping (see {@link RESULT_HEADERS}), names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  /** Parsed JSON for a JSON response, else its text; null for an empty or binary one. */
  readonly body: unknown;
  /** The body was longer than the invoker's `maxBodyBytes`: `body` is the start of its text. */
  readonly bodyTruncated: boolean;
  readonly durationMs: number;
}

export interface HttpInvokerOptions {
  /** How much of a response body is kept in the results; default 65 536 bytes. */
  readonly maxBodyBytes?: number;
}

/**
 * The response headers kept in results: what says what came back and where to look next.
 * Cookies and the like are left out, since results are shown to anyone who may see the job.
 */
export const RESULT_HEADERS: readonly string[] = [
  "content-type",
  "content-length",
  "content-encoding",
  "date",
  "etag",
  "last-modified",
  "location",
  "retry-after",
  "x-request-id",
];

/** What a failure message quotes of a response body. */
const EXCERPT_CHARS = 500;

/**
 * Checks an `http` job's data; `field` is what it is known by.
 * @throws SundialError `badRequest` naming the field, such as `invokeContext.url`.
 * @example checkHttpContext({ method: "POST", url: "https://example.com/hooks/nightly", body: { run: true } })
 */
export function checkHttpContext(data: unknown, field = "invokeContext"): HttpInvokeContext {
  const context = validate(HttpInvokeContextSchema, data, field);
  let url: URL | undefined;
  try {
    url = new URL(context.url);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new SundialError(
      "badRequest",
      `${field}.url: ${JSON.stringify(redact(context.url))} is not an absolute http: or https: URL`,
      { field: `${field}.url` },
    );
  }
  const method = context.method ?? "GET";
  if ((method === "GET" || method === "HEAD") && context.body !== undefined) {
    throw new SundialError(
      "badRequest",
      `${field}.body: a ${method} request has no body; use POST, PUT or PATCH`,
      { field: `${field}.body` },
    );
  }
  for (const [name, value] of Object.entries(context.headers ?? {})) {
    try {
      new Headers([[name, value]]);
    } catch {
      throw new SundialError(
        "badRequest",
        `${field}.headers.${name}: is not a valid header name and value`,
        { field: `${field}.headers.${name}` },
      );
    }
  }
  return context;
}

/**
 * The handler of the `http` job type.
 * @example
 * registry.define("http", httpInvoker(jobs), { maxAttempts: 3 });
 * await jobs.enqueue("http", { method: "POST", url: "https://example.com/hooks/nightly" });
 */
export function httpInvoker(
  jobs: JobService,
  options: HttpInvokerOptions = {},
): JobHandler<HttpInvokeContext, HttpResults> {
  const maxBodyBytes = options.maxBodyBytes ?? 65_536;
  return async ({ data, signal, log }) => {
    const context = checkHttpContext(data);
    const method = context.method ?? "GET";
    const what = `${method} ${redact(context.url)}`;
    const headers = new Headers(context.headers);
    let body: string | undefined;
    if (typeof context.body === "string") body = context.body;
    else if (context.body !== undefined) {
      body = JSON.stringify(context.body);
      if (!headers.has("content-type")) headers.set("content-type", "application/json");
    }
    const deadline = invokeDeadline(jobs.clock, signal, context.timeoutMs, what);
    const started = performance.now();
    try {
      let response: Response;
      try {
        response = await fetch(context.url, {
          method,
          headers,
          ...(body === undefined ? {} : { body }),
          signal: deadline.signal,
        });
      } catch (error) {
        if (deadline.signal.aborted) throw deadline.signal.reason;
        throw new InvokerError("httpFailed", `${what} failed: ${networkMessage(error)}`, {
          cause: error,
        });
      }
      const read = await readBody(response, maxBodyBytes).catch((error: unknown) => {
        if (deadline.signal.aborted) throw deadline.signal.reason;
        throw new InvokerError(
          "httpFailed",
          `${what}: reading the response failed: ${networkMessage(error)}`,
          {
            cause: error,
          },
        );
      });
      const durationMs = Math.round(performance.now() - started);
      const status = `${response.status}${response.statusText ? ` ${response.statusText}` : ""}`;
      if (response.status >= 400) {
        const text = decode(read.bytes);
        const quoted = text.trim() === "" ? "" : `: ${excerpt(text, read.truncated)}`;
        throw new InvokerError("httpFailed", `${what} answered ${status}${quoted}`);
      }
      await log.info(`${what} answered ${status} in ${durationMs} ms`);
      return {
        status: response.status,
        statusText: response.statusText,
        headers: keptHeaders(response.headers),
        body: bodyValue(response.headers.get("content-type"), read),
        bodyTruncated: read.truncated,
        durationMs,
      };
    } finally {
      deadline.clear();
    }
  };
}

interface ReadBody {
  readonly bytes: Uint8Array;
  readonly truncated: boolean;
}

/** At most `limit` bytes of the body: the rest is never downloaded. */
async function readBody(response: Response, limit: number): Promise<ReadBody> {
  if (response.body === null) return { bytes: new Uint8Array(0), truncated: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { bytes: Buffer.concat(chunks, size), truncated: false };
    if (size + value.byteLength > limit) {
      chunks.push(value.subarray(0, limit - size));
      await reader.cancel();
      return { bytes: Buffer.concat(chunks, limit), truncated: true };
    }
    chunks.push(value);
    size += value.byteLength;
  }
}

function bodyValue(contentType: string | null, read: ReadBody): unknown {
  if (read.bytes.byteLength === 0) return null;
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  const json = type === "application/json" || type.endsWith("+json");
  if (json && !read.truncated) {
    try {
      return JSON.parse(decode(read.bytes));
    } catch {
      // A server that says JSON and sends something else: keep what it sent, as text.
    }
  }
  const textual =
    type === "" ||
    json ||
    type.startsWith("text/") ||
    /^application\/(xml|javascript|x-www-form-urlencoded|yaml)$/.test(type) ||
    type.endsWith("+xml");
  return textual ? decode(read.bytes) : null;
}

function keptHeaders(headers: Headers): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of RESULT_HEADERS) {
    const value = headers.get(name);
    if (value !== null) kept[name] = value;
  }
  return kept;
}

function decode(bytes: Uint8Array): string {
  return new TextDecoder("utf-8").decode(bytes);
}

function excerpt(text: string, truncated: boolean): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > EXCERPT_CHARS || truncated ? `${flat.slice(0, EXCERPT_CHARS - 1)}…` : flat;
}

/** A URL for messages and logs: without its password. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^/@]*@/, "//***@");
  }
}

/** fetch says only "fetch failed"; the reason (ECONNREFUSED, a TLS error) is its cause. */
function networkMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code !== undefined && !cause.message.includes(code)
      ? `${cause.message} (${code})`
      : cause.message;
  }
  return error.message;
}
