/**
 * A processing script's own environment: the packages its declaration names (a Python
 * virtual environment, a private `node_modules`), made on first use and reused while the
 * declaration is unchanged.
 *
 * Environments live in one folder (`<dataDir>/script-environments` under `sundial
 * serve`), each under a name keyed by a hash of its kind, its interpreter and its
 * declaration as installed: `python-3f2a…`. That name is a symbolic link to the folder the
 * environment was made in, `builds/python-3f2a…-XXXXXX`, and the link is made only once
 * the environment is complete: a crashed or failed install leaves no name that later runs
 * would use, and a build folder is never moved (a virtual environment holds its own path).
 * Two runs making the same environment at once each make their own; the one whose link
 * comes second discards its copy and uses the other's.
 */
import { createHash } from "node:crypto";
import { constants } from "node:fs";
import {
  access,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readlink,
  realpath,
  rm,
  stat,
  symlink,
  unlink,
  writeFile,
} from "node:fs/promises";
import { basename, delimiter, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { SundialError } from "../../errors.js";
import type { RunLog } from "../export-run-context.js";
import { howItEnded, lastLines, runProgram } from "./child-program.js";
import type { EnvironmentKind, ScriptDeclaration } from "./script-declaration.js";

/** How a server makes script environments (its `scriptEnvironments*`, `python*` and `npm*` settings). */
export interface ScriptEnvironmentSettings {
  /** Where environments are kept; absolute. */
  readonly directory: string;
  /** pip's `--index-url`: a package index (PEP 503) instead of PyPI. */
  readonly pythonIndexUrl?: string | undefined;
  /** pip's `--find-links`: a folder of wheels and source archives, or a page linking them. */
  readonly pythonFindLinks?: string | undefined;
  /** pip's `--no-index`: packages come from `pythonFindLinks` only. */
  readonly pythonNoIndex?: boolean | undefined;
  /** npm's `--registry`. */
  readonly npmRegistry?: string | undefined;
  /** How long making one environment may take; default 900,000 (15 minutes). */
  readonly installTimeoutMs?: number | undefined;
}

/** A program as it is about to run: the processing script, or the same in its environment. */
export interface ScriptProgram {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

/** One program run to make an environment (`python3 -m venv`, `pip install`, `npm ci`). */
export interface InstallStep {
  /** What its log lines are prefixed with: `pip`. */
  readonly tool: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** The lines of its output that say why it failed (pip's `ERROR:` lines). */
  readonly reason: (stderr: string) => string[];
}

/** How one kind of environment is made and used, for one declaration. */
export interface EnvironmentRecipe {
  readonly kind: EnvironmentKind;
  /** For the log: `Python`. */
  readonly label: string;
  readonly declaration: ScriptDeclaration;
  /** What the environment's key hashes besides its kind: its interpreter, and what is installed. */
  readonly identity: readonly string[];
  /** Fills `directory` (made, empty) with the environment, running each step through `install`. */
  build(directory: string, install: (step: InstallStep) => Promise<void>): Promise<void>;
  /** The processing script's program, changed to run in the environment at `directory`. */
  runIn(directory: string, program: ScriptProgram): ScriptProgram;
}

export interface EnvironmentContext {
  readonly log: RunLog;
  readonly signal?: AbortSignal | undefined;
}

const DEFAULT_INSTALL_TIMEOUT_MS = 900_000;
/** Past its install time limit (and this margin), an unpublished build is a crashed one. */
const ABANDONED_MARGIN_MS = 60_000;
const BUILDS = "builds";
/** What each environment says about itself, for an administrator looking at the folder. */
const ABOUT_FILE = "sundial-environment.json";
/** Bumped when environments are made differently, so that old ones are not reused. */
const RECIPE_VERSION = "1";
/** What installers get of the server's environment: how it reaches a package index. */
const INSTALLER_ENV = [
  "PATH",
  "HOME",
  "LANG",
  "LC_ALL",
  "TZ",
  "TMPDIR",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "http_proxy",
  "https_proxy",
  "no_proxy",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "REQUESTS_CA_BUNDLE",
  "NODE_EXTRA_CA_CERTS",
];
const INSTALLER_ENV_PREFIXES = ["PIP_", "npm_config_", "NPM_CONFIG_"];

/**
 * The folder of the environment `recipe` describes: the one made earlier for the same
 * declaration, or a new one, made now with its installers' output in the run's log.
 * @throws SundialError `commandFailed` (field `processing`) when an installer can't start,
 *   fails (with its own message) or runs past the install time limit; the signal's reason
 *   when aborted.
 * @example const directory = await environmentFor(await pythonRecipe(declaration, settings, env, cwd), settings, { log, signal });
 */
export async function environmentFor(
  recipe: EnvironmentRecipe,
  settings: ScriptEnvironmentSettings,
  context: EnvironmentContext,
): Promise<string> {
  const { log } = context;
  const name = `${recipe.kind}-${keyOf(recipe)}`;
  const link = join(settings.directory, name);
  const declared = recipe.declaration.file;
  const made = await published(link);
  if (made !== undefined) {
    log("INFO", `processing: using the ${recipe.label} environment ${name} of ${declared}`);
    return made;
  }
  const timeoutMs = settings.installTimeoutMs ?? DEFAULT_INSTALL_TIMEOUT_MS;
  await mkdir(join(settings.directory, BUILDS), { recursive: true, mode: 0o700 });
  await removeAbandoned(settings.directory, timeoutMs + ABANDONED_MARGIN_MS);
  const build = await mkdtemp(join(settings.directory, BUILDS, `${name}-`));
  log(
    "INFO",
    `processing: making the ${recipe.label} environment ${name} for ${recipe.declaration.script} from ${declared}`,
  );
  const started = performance.now();
  const deadline = Date.now() + timeoutMs;
  try {
    await recipe.build(build, (step) => install(step, recipe, deadline, timeoutMs, context));
    const about = {
      kind: recipe.kind,
      declaration: declared,
      script: recipe.declaration.script,
      interpreter: recipe.declaration.interpreter,
      madeAt: new Date().toISOString(),
    };
    await writeFile(join(build, ABOUT_FILE), `${JSON.stringify(about, null, 2)}\n`);
  } catch (error) {
    await rm(build, { recursive: true, force: true });
    throw error;
  }
  try {
    await symlink(join(BUILDS, basename(build)), link);
  } catch (error) {
    await rm(build, { recursive: true, force: true });
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    const theirs = await published(link);
    if (theirs === undefined) throw error;
    log("INFO", `processing: another run made the environment ${name} meanwhile; using it`);
    return theirs;
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  log(
    "INFO",
    `processing: the ${recipe.label} environment ${name} is ready (${seconds} s); runs reuse it while ${basename(declared)} is unchanged`,
  );
  return build;
}

function keyOf(recipe: EnvironmentRecipe): string {
  return createHash("sha256")
    .update(JSON.stringify([RECIPE_VERSION, recipe.kind, ...recipe.identity]))
    .digest("hex")
    .slice(0, 24);
}

/**
 * The real folder behind an environment's name, when it is there. A name left pointing
 * at nothing (its build folder removed by hand) is removed, so that it is made again.
 */
async function published(link: string): Promise<string | undefined> {
  try {
    return await realpath(link);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const dangling = await lstat(link).catch(() => undefined);
  if (dangling?.isSymbolicLink()) await unlink(link).catch(() => undefined);
  return undefined;
}

/**
 * Removes build folders that no name points to and that are older than any install may
 * take: what a crashed server or a killed install left behind.
 */
async function removeAbandoned(directory: string, olderThanMs: number): Promise<void> {
  const inUse = new Set<string>();
  for (const entry of await readdir(directory)) {
    if (entry === BUILDS) continue;
    const target = await readlink(join(directory, entry)).catch(() => undefined);
    if (target !== undefined) inUse.add(basename(target));
  }
  const builds = join(directory, BUILDS);
  for (const entry of await readdir(builds)) {
    if (inUse.has(entry)) continue;
    const stats = await stat(join(builds, entry)).catch(() => undefined);
    if (stats !== undefined && Date.now() - stats.mtimeMs > olderThanMs) {
      await rm(join(builds, entry), { recursive: true, force: true });
    }
  }
}

async function install(
  step: InstallStep,
  recipe: EnvironmentRecipe,
  deadline: number,
  timeoutMs: number,
  context: EnvironmentContext,
): Promise<void> {
  const { log, signal } = context;
  log("INFO", `${step.tool}: ${withoutPasswords([step.command, ...step.args].join(" "))}`);
  const failed = (reason: string, cause?: unknown) =>
    new SundialError(
      "commandFailed",
      `processing: making the ${recipe.label} environment of ${recipe.declaration.script} from ${recipe.declaration.file} failed: ${reason}`,
      { field: "processing", ...(cause === undefined ? {} : { cause }) },
    );
  const outcome = await runProgram({
    command: step.command,
    args: step.args,
    cwd: step.cwd,
    env: installerEnv(),
    timeoutMs: Math.max(1, deadline - Date.now()),
    signal,
    onLine: (line) => log("INFO", `${step.tool}: ${withoutPasswords(line)}`),
  }).catch((error: NodeJS.ErrnoException) => {
    if (signal?.aborted) throw error;
    throw failed(
      error.code === "ENOENT"
        ? `${step.command} was not found on the server's PATH`
        : `${step.command} could not start: ${error.message}`,
      error,
    );
  });
  if (outcome.code === 0) return;
  // What it said last is why it failed only when it ended by itself; the live log has
  // what it was doing when it was stopped.
  const ended = outcome.code !== null;
  const why = ended ? step.reason(outcome.stderr) : [];
  const said = ended && why.length === 0 ? lastLines(outcome.stderr || outcome.stdout, 3) : why;
  throw failed(
    `${step.tool} ${howItEnded(outcome, timeoutMs)}${said.length === 0 ? "" : `: ${withoutPasswords(said.join("; "))}`}`,
  );
}

/**
 * `text` with the passwords of the URLs in it masked (`https://ci:****@pypi.internal/simple`):
 * an index URL often carries its login, and the run's log is shown to viewers.
 */
function withoutPasswords(text: string): string {
  return text.replace(/(\/\/[^/\s:@]+):[^@\s/]+@/g, "$1:****@");
}

function installerEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    const passed =
      INSTALLER_ENV.includes(name) ||
      INSTALLER_ENV_PREFIXES.some((prefix) => name.startsWith(prefix));
    if (passed && value !== undefined) env[name] = value;
  }
  return env;
}

/**
 * The real path of the program `command` names, as a run with `path` (a `PATH`) would
 * start it: part of an environment's key, so that another interpreter makes another one.
 * @throws SundialError `commandFailed` naming `processing.command` when it is not there.
 */
export async function programPath(
  command: string,
  path: string | undefined,
  cwd: string,
  declaration: ScriptDeclaration,
): Promise<string> {
  const candidates = command.includes("/")
    ? [resolve(cwd, command)]
    : (path ?? "")
        .split(delimiter)
        .filter((dir) => dir !== "")
        .map((dir) => join(dir, command));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return await realpath(candidate);
    } catch {
      // Not this one.
    }
  }
  throw new SundialError(
    "commandFailed",
    `processing.command: ${command} was not found on the server's PATH; it makes the environment of ${declaration.script} (${declaration.file})`,
    { field: "processing.command" },
  );
}

/** `PATH` with `folder` first. */
export function pathWith(folder: string, env: Readonly<Record<string, string>>): string {
  return env.PATH === undefined || env.PATH === "" ? folder : `${folder}${delimiter}${env.PATH}`;
}
