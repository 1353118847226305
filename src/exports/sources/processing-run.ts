/**
 * Running a processing script on the data file: `command ...args <data file>`, in the
 * run's folder, with the run's facts in its environment and nothing else of the server's
 * (whose variables hold its secrets):
 *
 * - `SUNDIAL_FILE`, `SUNDIAL_FILE_NAME`, `SUNDIAL_ROWS`, `SUNDIAL_WORK_DIRECTORY`;
 * - `SUNDIAL_JOB_ID`, `SUNDIAL_TASK_ID`, `SUNDIAL_TASK_NAME`, `SUNDIAL_PROJECT_ID`,
 *   `SUNDIAL_PROJECT_NAME`, `SUNDIAL_STARTING_USER`;
 * - each parameter as `SUNDIAL_PARAMETER_<name>` (characters other than letters, digits and
 *   `_` become `_`), and all of them as JSON in `SUNDIAL_PARAMETERS`;
 * - each connection as `SUNDIAL_CONNECTION_<name>`, a connection string
 *   (`postgres://etl:…@db:5432/dw`), and `SUNDIAL_CONNECTION_<name>_JSON`, its settings;
 * - `PATH`, `HOME`, `LANG`, `LC_ALL`, `TZ` and `TMPDIR` as the server has them.
 *
 * If it prints a JSON list of file paths (inside the run's folder), those files are the
 * output instead of the data file; otherwise the data file, as the script left it, is.
 */
import { spawn } from "node:child_process";
import { realpath, stat } from "node:fs/promises";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { SundialError } from "../../errors.js";
import type { ExportManifest } from "../export-file.js";
import type { SourceContext } from "../export-run-context.js";
import type { ExportOrigin } from "../file-history/file-history.service.js";
import { checkFileName } from "../file-name-template.js";
import type { Processing } from "./processing-script.js";

export interface ProcessingContext extends SourceContext {
  readonly origin: ExportOrigin;
  /** The connections it gets when the settings name none: the source's. */
  readonly defaultConnections: readonly string[];
}

const DEFAULT_TIMEOUT_MS = 600_000;
/** What is kept of its output: enough for a list of paths and a few lines of messages. */
const MAX_OUTPUT = 1_000_000;
const LOGGED_LINES = 20;
const PASSED_ENV = ["PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR"];

/**
 * Runs the processing script on `file`.
 * @returns the paths of the files that are the output now: `file.path`, or what the
 *   script listed.
 * @throws SundialError `commandFailed` naming `processing.command` when it can't start,
 *   exits non-zero (with its last lines), or runs past `timeoutMs`; `badRequest` naming the
 *   listed path that is outside the run's folder or not a file; the signal's reason when
 *   aborted.
 */
export async function runProcessing(
  processing: Processing,
  file: ExportManifest,
  context: ProcessingContext,
): Promise<string[]> {
  const env = await environment(processing, file, context);
  const timeoutMs = processing.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const shown = [processing.command, ...(processing.args ?? [])].join(" ");
  context.log("INFO", `processing ${file.name} with ${shown}`);
  const { stdout, stderr } = await run(processing, file.path, env, timeoutMs, context);
  for (const line of lastLines(stderr)) context.log("INFO", `processing: ${line}`);
  const listed = fileList(stdout);
  if (listed === undefined) {
    for (const line of lastLines(stdout)) context.log("INFO", `processing: ${line}`);
    return [file.path];
  }
  const paths: string[] = [];
  for (const [i, path] of listed.entries()) {
    paths.push(await listedFile(path, i, context.workDirectory));
  }
  context.log(
    "INFO",
    paths.length === 0
      ? "the processing script listed no files: there is no file to keep or send"
      : `the processing script listed ${paths.length} file(s), which replace ${file.name}`,
  );
  return paths;
}

function commandFailed(reason: string, cause?: unknown): SundialError {
  return new SundialError("commandFailed", `processing.command: ${reason}`, {
    field: "processing.command",
    ...(cause === undefined ? {} : { cause }),
  });
}

function run(
  processing: Processing,
  dataFile: string,
  env: Record<string, string>,
  timeoutMs: number,
  context: ProcessingContext,
): Promise<{ stdout: string; stderr: string }> {
  const { signal } = context;
  signal?.throwIfAborted();
  return new Promise((done, reject) => {
    // Its own process group, so that a stop or the time limit ends what it started too
    // (a shell's children would otherwise hold its output open, and run on).
    const child = spawn(processing.command, [...(processing.args ?? []), dataFile], {
      cwd: context.workDirectory,
      env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let timedOut = false;
    const killAll = () => {
      if (child.pid === undefined || child.exitCode !== null) return;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killAll();
    }, timeoutMs);
    signal?.addEventListener("abort", killAll, { once: true });
    const settle = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", killAll);
    };
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (text: string) => {
      if (stdout.length < MAX_OUTPUT) stdout += text;
    });
    child.stderr.setEncoding("utf8").on("data", (text: string) => {
      // The end says why it failed: keep the last part.
      stderr = (stderr + text).slice(-MAX_OUTPUT);
    });
    child.once("error", (error: NodeJS.ErrnoException) => {
      settle();
      if (signal?.aborted) return reject(signal.reason);
      reject(
        error.code === "ENOENT"
          ? commandFailed(
              `${processing.command} was not found (ENOENT); give a path, or a program on the server's PATH`,
              error,
            )
          : commandFailed(`${processing.command} could not start: ${error.message}`, error),
      );
    });
    child.once("close", (code, killedBy) => {
      settle();
      if (signal?.aborted) return reject(signal.reason);
      if (code === 0) return done({ stdout, stderr });
      const last = lastLines(stderr).at(-1) ?? lastLines(stdout).at(-1);
      const why = timedOut
        ? `did not finish within ${timeoutMs / 1000} s, and was stopped`
        : killedBy !== null
          ? `was killed (${killedBy})`
          : `exited with code ${code}`;
      for (const line of lastLines(stderr)) context.log("ERROR", `processing: ${line}`);
      reject(commandFailed(`${processing.command} ${why}${last === undefined ? "" : `: ${last}`}`));
    });
  });
}

function lastLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trimEnd())
    .filter((line) => line !== "")
    .slice(-LOGGED_LINES);
}

/** The list of paths the script printed, if what it printed is one. */
function fileList(stdout: string): string[] | undefined {
  const text = stdout.trim();
  if (!text.startsWith("[")) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value) || value.some((item) => typeof item !== "string")) return undefined;
  return value as string[];
}

/**
 * A listed file's real path, once it is known to be a file inside the run's folder: the
 * script may not hand over files from elsewhere on the server (they would be moved into
 * file history, and sent).
 */
async function listedFile(path: string, index: number, folder: string): Promise<string> {
  const field = `processing output [${index}]`;
  const fail = (reason: string): never => {
    throw new SundialError("badRequest", `${field}: ${JSON.stringify(path)} ${reason}`, { field });
  };
  const real = await realpath(resolve(folder, path)).catch(() =>
    fail("does not exist (paths are read from the run's folder, the script's working directory)"),
  );
  const within = relative(await realpath(folder), real);
  if (within === "" || within === ".." || within.startsWith(`..${sep}`) || isAbsolute(within)) {
    fail("is outside the run's folder; write the files there (the script's working directory)");
  }
  if (!(await stat(real)).isFile()) fail("is not a file");
  checkFileName(real.slice(real.lastIndexOf(sep) + 1), field);
  return real;
}

async function environment(
  processing: Processing,
  file: ExportManifest,
  context: ProcessingContext,
): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const name of PASSED_ENV) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  const { origin } = context;
  const facts: Record<string, string | undefined> = {
    SUNDIAL_FILE: file.path,
    SUNDIAL_FILE_NAME: file.name,
    SUNDIAL_ROWS: String(file.rows),
    SUNDIAL_WORK_DIRECTORY: context.workDirectory,
    SUNDIAL_JOB_ID: origin.jobId,
    SUNDIAL_TASK_ID: origin.taskId,
    SUNDIAL_TASK_NAME: origin.taskName,
    SUNDIAL_PROJECT_ID: origin.projectId,
    SUNDIAL_PROJECT_NAME: origin.projectName,
    SUNDIAL_STARTING_USER: origin.startingUser,
    SUNDIAL_PARAMETERS: JSON.stringify(context.parameters),
  };
  for (const [name, value] of Object.entries(facts)) if (value !== undefined) env[name] = value;
  for (const [name, value] of Object.entries(context.parameters)) {
    env[`SUNDIAL_PARAMETER_${envName(name)}`] = value;
  }
  for (const name of processing.connections ?? context.defaultConnections) {
    const connection = await context.connections.resolve(name);
    const settings = connection.settings as Record<string, unknown>;
    const url = connectionString(connection.type, settings);
    if (url !== undefined) env[`SUNDIAL_CONNECTION_${envName(name)}`] = url;
    env[`SUNDIAL_CONNECTION_${envName(name)}_JSON`] = JSON.stringify({
      name: connection.name,
      type: connection.type,
      settings,
    });
  }
  return env;
}

function envName(name: string): string {
  return name.replace(/[^A-Za-z0-9_]/g, "_");
}

/**
 * A connection as one string, the way most clients take it: `postgres://user:password@host:port/database`.
 * A `sqlite` connection is its file's path; a `gpg` key has none (its JSON has the key).
 */
export function connectionString(
  type: string,
  settings: Readonly<Record<string, unknown>>,
): string | undefined {
  const text = (key: string) =>
    typeof settings[key] === "string" ? (settings[key] as string) : undefined;
  if (type === "sqlite") return text("path");
  if (type === "http") return text("baseUrl");
  const schemes: Record<string, { scheme: string; port: number }> = {
    postgres: { scheme: "postgres", port: 5432 },
    mysql: { scheme: "mysql", port: 3306 },
    sftp: { scheme: "sftp", port: 22 },
    ssh: { scheme: "ssh", port: 22 },
    ftp: { scheme: "ftp", port: 21 },
    ftps: { scheme: "ftps", port: settings.secure === "implicit" ? 990 : 21 },
    smtp: {
      scheme: settings.secure === true ? "smtps" : "smtp",
      port: settings.secure === true ? 465 : 587,
    },
  };
  const kind = schemes[type];
  const host = text("host");
  if (kind === undefined || host === undefined) return undefined;
  const user = text("username");
  const password = text("password");
  const login =
    user === undefined
      ? ""
      : `${encodeURIComponent(user)}${password === undefined ? "" : `:${encodeURIComponent(password)}`}@`;
  const port = typeof settings.port === "number" ? settings.port : kind.port;
  const database = text("database");
  const ssl = text("ssl");
  return `${kind.scheme}://${login}${host}:${port}${database === undefined ? "" : `/${encodeURIComponent(database)}`}${ssl !== undefined && ssl !== "disable" ? `?sslmode=${ssl}` : ""}`;
}
