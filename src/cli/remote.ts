/**
 * The HTTP client of the commands that talk to a running server (`schedules`, `jobs`):
 * where the server is (`--url`, `SUNDIAL_URL`), who is asking (`--token`, `SUNDIAL_TOKEN`),
 * and what its answers mean to a person at a terminal. A problem+json answer becomes a
 * SundialError with the server's own code, so the exit code follows the error registry
 * exactly as for a local command; a server that can't be reached becomes one line saying
 * where we looked and what to do.
 */
import { ERROR_CODES, type ErrorCode, SundialError } from "../errors.js";
import { type FlagDefinitions, SHARED_FLAGS } from "./args.js";
import type { CliIo } from "./command.js";
import { parseSubcommand } from "./subcommands.js";

export const DEFAULT_URL = "http://127.0.0.1:8080";
// The api module's API_PREFIX, not imported: that would load Fastify into every remote command.
const API_PREFIX = "/api/v1";

/** The flags every remote subcommand takes. */
export const REMOTE_FLAGS = {
  url: {
    type: "string",
    value: "URL",
    help: `The server (default $SUNDIAL_URL, else ${DEFAULT_URL}).`,
  },
  token: {
    type: "string",
    value: "TOKEN",
    help: "An API token (default $SUNDIAL_TOKEN, which other users can't see in ps).",
  },
  json: SHARED_FLAGS.json,
  help: SHARED_FLAGS.help,
} as const satisfies FlagDefinitions;

/** The exit code of a command stopped by Ctrl-C, as shells report a SIGINT (128 + 2). */
export const INTERRUPTED_EXIT_CODE = 130;

const MAKE_TOKEN = "sundial tokens create --user NAME --name TEXT";

/** Words for the socket errors a person meets when the server isn't where they said. */
const UNREACHABLE: Readonly<Record<string, string>> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ENOTFOUND: "unknown host",
  EAI_AGAIN: "host name lookup failed",
  ETIMEDOUT: "timed out",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  UND_ERR_CONNECT_TIMEOUT: "timed out connecting",
  UND_ERR_SOCKET: "connection closed",
};

/** One Server-Sent Event: its `event` name (default `message`), its data and its id. */
export interface ServerSentEvent {
  readonly event: string;
  readonly data: string;
  readonly id: string | undefined;
}

export type QueryValue = string | number | boolean | undefined;

export interface RemoteRequest {
  readonly query?: Readonly<Record<string, QueryValue>>;
  readonly body?: unknown;
  readonly signal?: AbortSignal;
}

/** The errno-style code a failed fetch carries in its cause (or its cause's cause). */
function causeCode(error: unknown): string | undefined {
  let current = error;
  for (let depth = 0; depth < 4 && current !== undefined && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * A running server's API, as one user (or nobody, without a token).
 * @example
 * const client = RemoteClient.fromFlags(flags, io.env);
 * const job = await client.request<Job>("GET", `/jobs/${id}`);
 */
export class RemoteClient {
  private constructor(
    /** As the user gave it, without a trailing slash: what messages name. */
    readonly url: string,
    private readonly token: string | undefined,
  ) {}

  /**
   * The client `--url` and `--token` (else their variables) describe.
   * @throws SundialError `badRequest` naming the flag or variable for a URL that is not http(s).
   */
  static fromFlags(
    flags: { readonly url?: string | undefined; readonly token?: string | undefined },
    env: CliIo["env"],
  ): RemoteClient {
    const fromEnv = flags.url === undefined && env.SUNDIAL_URL !== undefined;
    const source = fromEnv ? "SUNDIAL_URL" : "--url";
    const text = (flags.url ?? (env.SUNDIAL_URL || DEFAULT_URL)).trim();
    let parsed: URL | undefined;
    try {
      parsed = new URL(text);
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) {
      throw new SundialError(
        "badRequest",
        `${source}: "${text}" is not an http:// or https:// URL, e.g. ${DEFAULT_URL}`,
        { field: source },
      );
    }
    // Accept the API's own address too (…/api/v1), as people copy it from the docs.
    const base = parsed.href.replace(/\/+$/, "").replace(/\/api\/v1$/, "");
    if (flags.token === "") {
      throw new SundialError("badRequest", "--token is empty; give an API token", {
        field: "--token",
      });
    }
    return new RemoteClient(base, flags.token ?? (env.SUNDIAL_TOKEN || undefined));
  }

  /**
   * Sends one request under `/api/v1` and answers its JSON (undefined for 204).
   * @throws SundialError with the server's code for a problem answer; `unavailable` when
   *   the server can't be reached or the answer is not Sundial's. An aborted `signal`
   *   rejects with the abort reason.
   */
  async request<T>(method: string, path: string, options: RemoteRequest = {}): Promise<T> {
    const response = await this.send(method, path, options, "application/json");
    if (!response.ok) throw await this.problem(response);
    if (response.status === 204) return undefined as T;
    const text = await this.read(response, options.signal);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw this.notSundial(response);
    }
  }

  /**
   * The Server-Sent Events of `path`, as they come, until the server ends the stream.
   * @throws as {@link request}; `unavailable` when the stream breaks off.
   */
  async *events(path: string, signal?: AbortSignal): AsyncGenerator<ServerSentEvent> {
    const options = signal === undefined ? {} : { signal };
    const response = await this.send("GET", path, options, "text/event-stream");
    if (!response.ok) throw await this.problem(response);
    const type = response.headers.get("content-type") ?? "";
    if (response.body === null || !type.startsWith("text/event-stream")) {
      throw this.notSundial(response);
    }
    try {
      yield* readServerSentEvents(response.body);
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new SundialError(
        "unavailable",
        `the server at ${this.url} broke off the event stream (${causeCode(error) ?? "closed"}); is it shutting down? Run the command again to carry on.`,
        { cause: error },
      );
    }
  }

  private async send(
    method: string,
    path: string,
    { query, body, signal }: RemoteRequest,
    accept: string,
  ): Promise<Response> {
    const url = new URL(`${this.url}${API_PREFIX}${path}`);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = { accept };
    if (this.token !== undefined) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    try {
      return await fetch(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(signal === undefined ? {} : { signal }),
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw this.unreachable(error);
    }
  }

  /** The body as text; a connection lost while reading it is the server going away. */
  private async read(response: Response, signal: AbortSignal | undefined): Promise<string> {
    try {
      return await response.text();
    } catch (error) {
      if (signal?.aborted) throw error;
      throw this.unreachable(error);
    }
  }

  private unreachable(error: unknown): SundialError {
    const code = causeCode(error);
    // fetch refuses some ports itself ("bad port"), with a message but no code.
    const cause = (error as { cause?: unknown } | null)?.cause;
    const why =
      code !== undefined
        ? (UNREACHABLE[code] ?? code)
        : cause instanceof Error
          ? cause.message
          : "no answer";
    return new SundialError(
      "unavailable",
      `cannot reach the Sundial server at ${this.url} (${why}); is \`sundial serve\` running there? Set --url or SUNDIAL_URL to where it runs.`,
      { field: "--url", cause: error },
    );
  }

  private notSundial(response: Response): SundialError {
    const type = response.headers.get("content-type")?.split(";")[0] || "no content type";
    return new SundialError(
      "unavailable",
      `${this.url} answered ${response.status} with ${type}, not Sundial's API; is --url (or SUNDIAL_URL) the address of \`sundial serve\`?`,
      { field: "--url" },
    );
  }

  /** The SundialError a problem+json answer stands for, with advice for the CLI's own flags. */
  private async problem(response: Response): Promise<SundialError> {
    let body: { code?: unknown; detail?: unknown; field?: unknown } | undefined;
    try {
      body = JSON.parse(await response.text()) as typeof body;
    } catch {
      body = undefined;
    }
    const code = body?.code;
    if (typeof code !== "string" || !Object.hasOwn(ERROR_CODES, code)) {
      return this.notSundial(response);
    }
    const detail = typeof body?.detail === "string" ? body.detail : response.statusText;
    const field = typeof body?.field === "string" ? body.field : undefined;
    let message = detail;
    if (code === "unauthorized") {
      message =
        this.token === undefined
          ? `the server at ${this.url} needs an API token: pass --token or set SUNDIAL_TOKEN (make one with \`${MAKE_TOKEN}\`)`
          : `${detail} Pass a valid API token with --token or SUNDIAL_TOKEN.`;
    }
    return new SundialError(code as ErrorCode, message, field === undefined ? {} : { field });
  }
}

/**
 * Reads a `text/event-stream` body event by event, as the HTML standard's EventSource
 * parses it: lines end in LF, CRLF or CR; `:` starts a comment; `data` lines join with LF;
 * a blank line ends an event, and one without data is dropped, as is an unended last event.
 * @example for await (const e of readServerSentEvents(response.body)) console.log(e.event, e.data);
 */
export async function* readServerSentEvents(
  body: AsyncIterable<Uint8Array>,
): AsyncGenerator<ServerSentEvent> {
  const decoder = new TextDecoder();
  let buffer = "";
  let event = "";
  let data: string[] = [];
  let id: string | undefined;
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    // A CR at the end may be the first half of a CRLF split across chunks: keep it back.
    const cut = buffer.endsWith("\r") ? buffer.length - 1 : buffer.length;
    const lines = buffer.slice(0, cut).split(/\r\n|\r|\n/);
    buffer = (lines.pop() as string) + buffer.slice(cut);
    for (const line of lines) {
      if (line === "") {
        if (data.length > 0) yield { event: event || "message", data: data.join("\n"), id };
        event = "";
        data = [];
        continue;
      }
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const name = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (name === "event") event = value;
      else if (name === "data") data.push(value);
      else if (name === "id" && !value.includes("\0")) id = value;
    }
  }
}

/**
 * Runs `work` with a signal that Ctrl-C aborts, so that a long wait or a followed stream
 * ends cleanly (the terminal tidied, no stack) instead of the process dying mid-write.
 * @returns what `work` resolved to, or `interrupted` when Ctrl-C stopped it.
 * @example const outcome = await untilInterrupted((signal) => follow(signal));
 */
export async function untilInterrupted<T>(
  work: (signal: AbortSignal) => Promise<T>,
): Promise<{ readonly value: T } | "interrupted"> {
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once("SIGINT", onSignal);
  try {
    return { value: await work(controller.signal) };
  } catch (error) {
    if (controller.signal.aborted) return "interrupted";
    throw error;
  } finally {
    process.off("SIGINT", onSignal);
  }
}

/** The flags of {@link REMOTE_FLAGS}, as a remote subcommand reads them. */
export interface RemoteFlagValues {
  readonly url?: string | undefined;
  readonly token?: string | undefined;
  readonly json?: boolean | undefined;
}

/** A remote command group's subcommand, read: see {@link parseRemoteSubcommand}. */
export interface RemoteSubcommand<S extends string, F extends RemoteFlagValues> {
  readonly sub: S;
  readonly flags: F;
  readonly positionals: readonly string[];
  readonly client: RemoteClient;
  /** Writes `value` as one JSON line with --json, else `text`. */
  print(value: unknown, text: string): void;
}

/**
 * Reads `<subcommand> [flags] [arguments]` of a command group that talks to a server
 * (see `parseSubcommand`), and makes its client from --url and --token.
 * @returns the exit code instead when the group's help was asked for or printed.
 * @throws SundialError `badRequest` for an unknown subcommand or flag, or a bad --url.
 * @example
 * const parsed = parseRemoteSubcommand<Subcommand, Flags>(argv, SUBCOMMANDS, help, io);
 * if ("exitCode" in parsed) return parsed.exitCode;
 */
export function parseRemoteSubcommand<S extends string, F extends RemoteFlagValues>(
  argv: readonly string[],
  subcommands: Readonly<Record<S, FlagDefinitions>>,
  help: () => string,
  io: CliIo,
): RemoteSubcommand<S, F> | { exitCode: number } {
  const parsed = parseSubcommand(argv, subcommands, help, io);
  if ("exitCode" in parsed) return parsed;
  const flags = parsed.flags as unknown as F;
  return {
    sub: parsed.sub,
    flags,
    positionals: parsed.positionals,
    client: RemoteClient.fromFlags(flags, io.env),
    print: (value, text) => io.stdout.write(flags.json ? `${JSON.stringify(value)}\n` : text),
  };
}
