/**
 * A `sundial serve` run as a user runs it, in a child process of its own, and the HTTP
 * calls a test makes to it: a browser's login (session cookie and CSRF token) and JSON
 * requests. test/api/serve.test.ts starts the built command; test/readme-start.test.ts
 * starts it through the README's first command.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { waitFor } from "./wait-for.js";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface ServeCommand {
  /** The program and its arguments; default `node bin/sundial.js serve --port 0 --log-format json`. */
  readonly command?: readonly string[];
  /** Extra arguments after the default command's. */
  readonly args?: readonly string[];
  readonly cwd: string;
  readonly env?: Readonly<Record<string, string>>;
  /** How long to wait for the server's start line; default 60 s. */
  readonly startMs?: number;
}

/** The child process, its JSON log lines (other stdout lines apart) and its stderr. */
export class ServeProcess {
  readonly child: ChildProcess;
  readonly lines: Record<string, unknown>[] = [];
  /** Stdout lines that are not the server's JSON log (npm's own, for one). */
  readonly otherLines: string[] = [];
  stderr = "";
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly startMs: number;

  constructor(options: ServeCommand) {
    const env: Record<string, string | undefined> = { ...process.env };
    for (const name of Object.keys(env)) {
      if (name.startsWith("SUNDIAL_") || name === "DATABASE_URL") delete env[name];
    }
    Object.assign(env, options.env ?? {});
    const [program, ...args] = options.command ?? [
      process.execPath,
      join(ROOT, "bin", "sundial.js"),
      "serve",
      "--port",
      "0",
      "--log-format",
      "json",
    ];
    // Its own process group, so that a signal reaches npm and the server it started alike.
    this.child = spawn(program as string, [...args, ...(options.args ?? [])], {
      cwd: options.cwd,
      env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    this.startMs = options.startMs ?? 60_000;
    createInterface({ input: this.child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      if (line.startsWith("{")) this.lines.push(JSON.parse(line) as Record<string, unknown>);
      else this.otherLines.push(line);
    });
    this.child.stderr?.on("data", (chunk) => {
      this.stderr += String(chunk);
    });
    this.exited = new Promise((resolve) =>
      this.child.on("exit", (code, signal) => resolve({ code, signal })),
    );
  }

  /** The first log line whose message matches, once it is written. */
  line(message: RegExp): Promise<Record<string, unknown>> {
    return waitFor(
      `a log line matching ${message} (stderr: ${this.stderr}; other output: ${this.otherLines.join("\n")})`,
      () => this.lines.find((l) => message.test(String(l.msg))),
      this.startMs,
    );
  }

  async url(): Promise<string> {
    return (await this.line(/^started: /)).url as string;
  }

  /** Sends a signal to the whole process group. */
  signal(name: NodeJS.Signals): void {
    if (this.child.pid !== undefined) process.kill(-this.child.pid, name);
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      try {
        this.signal("SIGKILL");
      } catch {
        // Already gone.
      }
    }
  }
}

/** A browser's session: its cookie, and the CSRF token a change must carry. */
export interface Session {
  readonly cookie: string;
  readonly csrfToken: string;
}

export async function logIn(base: string, name: string, password: string): Promise<Session> {
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name, password }),
  });
  const body = (await res.json()) as { csrfToken: string };
  if (!res.ok) throw new Error(`login: ${res.status} ${JSON.stringify(body)}`);
  const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0] as string;
  return { cookie, csrfToken: body.csrfToken };
}

/** A JSON request, as a session (or none); throws with the status and body when not ok. */
export async function api(
  session: Session | undefined,
  url: string,
  method = "GET",
  body?: unknown,
): Promise<unknown> {
  const headers: Record<string, string> = {};
  if (session !== undefined) {
    headers.cookie = session.cookie;
    if (method !== "GET") headers["x-csrf-token"] = session.csrfToken;
  }
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(url, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text}`);
  return text === "" ? undefined : JSON.parse(text);
}
