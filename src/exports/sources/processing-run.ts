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
 *
 * A script that declares its packages (script-declaration.ts) runs in an environment of
 * its own, made on first use (script-environment.ts).
 */
import { realpath, stat } from "node:fs/promises";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { SundialError } from "../../errors.js";
import type { ExportManifest } from "../export-file.js";
import type { SourceContext } from "../export-run-context.js";
import type { ExportOrigin } from "../file-history/file-history.service.js";
import { checkFileName } from "../file-name-template.js";
import { howItEnded, lastLines, runProgram } from "./child-program.js";
import { nodeRecipe } from "./node-environment.js";
import type { Processing } from "./processing-script.js";
import { pythonRecipe } from "./python-environment.js";
import { findScriptDeclaration } from "./script-declaration.js";
import {
  environmentFor,
  type ScriptEnvironmentSettings,
  type ScriptProgram,
} from "./script-environment.js";

export interface ProcessingContext extends SourceContext {
  readonly origin: ExportOrigin;
  /** The connections it gets when the settings name none: the source's. */
  readonly defaultConnections: readonly string[];
  /** Where and how a script that declares its packages gets its environment. */
  readonly scriptEnvironments?: ScriptEnvironmentSettings | undefined;
}

const DEFAULT_TIMEOUT_MS = 600_000;
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
  const started = await program(processing, file.path, env, context);
  const { stdout, stderr } = await run(processing, started, timeoutMs, context);
  for (const line of lastLines(stderr, LOGGED_LINES)) context.log("INFO", `processing: ${line}`);
  const listed = fileList(stdout);
  if (listed === undefined) {
    for (const line of lastLines(stdout, LOGGED_LINES)) context.log("INFO", `processing: ${line}`);
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

/**
 * The program as it runs: the command and its arguments, then the data file; in the
 * script's own environment when it declares its packages.
 */
async function program(
  processing: Processing,
  dataFile: string,
  env: Record<string, string>,
  context: ProcessingContext,
): Promise<ScriptProgram> {
  const plain = { command: processing.command, args: [...(processing.args ?? []), dataFile], env };
  const declaration = await findScriptDeclaration(processing, context.workDirectory);
  if (declaration === undefined) return plain;
  const settings = context.scriptEnvironments;
  if (settings === undefined) {
    throw new SundialError(
      "commandFailed",
      `processing: ${declaration.script} declares its packages (${declaration.file}), but this run has no folder for script environments (scriptEnvironments in the run's context; sundial serve keeps them in <dataDir>/script-environments)`,
      { field: "processing" },
    );
  }
  const recipe = await (declaration.kind === "python" ? pythonRecipe : nodeRecipe)(
    declaration,
    settings,
    env,
    context.workDirectory,
  );
  return recipe.runIn(await environmentFor(recipe, settings, context), plain);
}

async function run(
  processing: Processing,
  started: ScriptProgram,
  timeoutMs: number,
  context: ProcessingContext,
): Promise<{ stdout: string; stderr: string }> {
  const { command } = processing;
  const outcome = await runProgram({
    ...started,
    cwd: context.workDirectory,
    timeoutMs,
    signal: context.signal,
  }).catch((error: NodeJS.ErrnoException) => {
    if (context.signal?.aborted) throw error;
    throw error.code === "ENOENT"
      ? commandFailed(
          `${command} was not found (ENOENT); give a path, or a program on the server's PATH`,
          error,
        )
      : commandFailed(`${command} could not start: ${error.message}`, error);
  });
  const { stdout, stderr } = outcome;
  if (outcome.code === 0) return { stdout, stderr };
  const last = lastLines(stderr, LOGGED_LINES).at(-1) ?? lastLines(stdout, LOGGED_LINES).at(-1);
  for (const line of lastLines(stderr, LOGGED_LINES)) context.log("ERROR", `processing: ${line}`);
  const why = howItEnded(outcome, timeoutMs);
  throw commandFailed(`${command} ${why}${last === undefined ? "" : `: ${last}`}`);
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
