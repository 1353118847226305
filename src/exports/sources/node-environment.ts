/**
 * A JavaScript script's environment: a folder with a copy of its `package.json` (and of
 * its lock file, if any), where `npm install --omit=dev` (`npm ci` with a lock file) makes
 * a private `node_modules`. The script runs where it is, so that its own relative imports
 * and files still resolve; its packages come from the environment:
 * - `require` (CommonJS) through `NODE_PATH`;
 * - `import` (ESM, which ignores `NODE_PATH`) through a resolve hook registered with
 *   `--import` in `NODE_OPTIONS`, which looks a bare name up in the environment first.
 */
import { readFile, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { SundialError } from "../../errors.js";
import type { ScriptDeclaration } from "./script-declaration.js";
import {
  type EnvironmentRecipe,
  pathWith,
  programPath,
  type ScriptEnvironmentSettings,
} from "./script-environment.js";

const LOCK_FILES = ["npm-shrinkwrap.json", "package-lock.json"];
const DEPENDENCY_FIELDS = [
  "dependencies",
  "optionalDependencies",
  "devDependencies",
  "peerDependencies",
];
const REGISTER_FILE = "sundial-register.mjs";
const RESOLVE_FILE = "sundial-resolve.mjs";

/** Loaded by `--import`: registers the resolve hook, which runs on the loader's thread. */
const REGISTER_SOURCE = `import { register } from "node:module";
register("./${RESOLVE_FILE}", import.meta.url);
`;

/**
 * A bare name imported from outside the environment (the script, its own modules) is
 * looked up in the environment first; inside it, packages resolve as npm laid them out
 * (a nested node_modules may hold another version).
 */
const RESOLVE_SOURCE = `const root = new URL("./", import.meta.url).href;
const parentURL = new URL("./package.json", import.meta.url).href;
const relativeOrUrl = /^(?:\\.{0,2}\\/|[A-Za-z][A-Za-z\\d+.-]*:|#)/;

export async function resolve(specifier, context, nextResolve) {
  if (!relativeOrUrl.test(specifier) && !(context.parentURL ?? "").startsWith(root)) {
    try {
      return await nextResolve(specifier, { ...context, parentURL });
    } catch (error) {
      if (error?.code !== "ERR_MODULE_NOT_FOUND") throw error;
    }
  }
  return nextResolve(specifier, context);
}
`;

/**
 * How to make and use the environment of a script with a `package.json` naming packages.
 * @throws SundialError `badRequest` naming the file when it or its lock file is not JSON;
 *   `commandFailed` when `node` is not on `PATH`.
 * @example const recipe = await nodeRecipe(declaration, settings, { PATH: "/usr/bin" }, workDirectory);
 */
export async function nodeRecipe(
  declaration: ScriptDeclaration,
  settings: ScriptEnvironmentSettings,
  env: Readonly<Record<string, string>>,
  cwd: string,
): Promise<EnvironmentRecipe> {
  const folder = dirname(declaration.file);
  const lock = await lockFile(folder);
  const manifest = asInstalled(parseJson(declaration.text, declaration.file), folder, {
    // Without a lock file npm would resolve the development packages too, from the
    // registry, only to leave them out; with one, npm ci wants the two to agree.
    keepDev: lock !== undefined,
  });
  const files: Record<string, string> = { "package.json": json(manifest) };
  if (lock !== undefined) {
    files[lock.name] = json(absoluteFileSpecs(parseJson(lock.text, lock.path), folder));
  }
  const node = await programPath(declaration.interpreter, env.PATH, cwd, declaration);
  return {
    kind: "node",
    label: "JavaScript",
    declaration,
    identity: [node, ...Object.entries(files).flat()],
    async build(directory, install) {
      for (const [name, text] of Object.entries(files))
        await writeFile(join(directory, name), text);
      await writeFile(join(directory, REGISTER_FILE), REGISTER_SOURCE);
      await writeFile(join(directory, RESOLVE_FILE), RESOLVE_SOURCE);
      await install({
        tool: "npm",
        command: "npm",
        args: [
          lock === undefined ? "install" : "ci",
          "--omit=dev",
          "--no-audit",
          "--no-fund",
          "--no-update-notifier",
          ...(settings.npmRegistry === undefined ? [] : ["--registry", settings.npmRegistry]),
        ],
        cwd: directory,
        reason: npmErrors,
      });
    },
    runIn(directory, program) {
      const modules = join(directory, "node_modules");
      const register = pathToFileURL(join(directory, REGISTER_FILE)).href;
      return {
        ...program,
        env: {
          ...program.env,
          PATH: pathWith(join(modules, ".bin"), program.env),
          NODE_PATH: modules,
          // A file URL has no spaces to quote.
          NODE_OPTIONS: `--import ${register}`,
        },
      };
    },
  };
}

async function lockFile(
  folder: string,
): Promise<{ name: string; path: string; text: string } | undefined> {
  for (const name of LOCK_FILES) {
    const path = join(folder, name);
    try {
      return { name, path, text: await readFile(path, "utf8") };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
  return undefined;
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new SundialError(
      "badRequest",
      `${file}: is not valid JSON (${(error as Error).message}); fix it, or remove it if the script needs no packages`,
      { field: file },
    );
  }
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/**
 * The package.json the environment gets: without its scripts (a project's build steps,
 * which would run in a folder without its sources), and with local packages' relative
 * paths (`file:../vendor/x.tgz`) made absolute, since it is copied elsewhere.
 */
function asInstalled(manifest: unknown, folder: string, options: { keepDev: boolean }): unknown {
  const { scripts: _scripts, ...rest } = (manifest ?? {}) as Record<string, unknown>;
  const copy: Record<string, unknown> = { ...rest };
  if (!options.keepDev) delete copy.devDependencies;
  for (const field of DEPENDENCY_FIELDS) {
    const deps = copy[field];
    if (deps === null || typeof deps !== "object") continue;
    copy[field] = Object.fromEntries(
      Object.entries(deps).map(([name, spec]) => [
        name,
        typeof spec === "string" && /^\.{1,2}\//.test(spec)
          ? `file:${resolve(folder, spec)}`
          : absoluteFileSpecs(spec, folder),
      ]),
    );
  }
  return copy;
}

/** Every `file:` path in `value` made absolute from `folder`. */
function absoluteFileSpecs(value: unknown, folder: string): unknown {
  if (typeof value === "string") {
    const path = value.startsWith("file:") ? value.slice("file:".length) : undefined;
    return path === undefined || isAbsolute(path) ? value : `file:${resolve(folder, path)}`;
  }
  if (Array.isArray(value)) return value.map((item) => absoluteFileSpecs(item, folder));
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, absoluteFileSpecs(item, folder)]),
  );
}

/**
 * npm's own account of a failure: the first of its `npm error` lines (the code and what
 * it was doing; the rest are advice and where its debug log is), less the status numbers
 * it prints on lines of their own.
 */
function npmErrors(stderr: string): string[] {
  return stderr
    .split(/\r?\n/)
    .filter((line) => /^npm (error|ERR!)/.test(line))
    .map((line) =>
      line
        .replace(/^npm (error|ERR!)\s*/, "")
        .replace(/\s+/g, " ")
        .trim(),
    )
    .filter((line) => line !== "" && !/^\d+$/.test(line))
    .slice(0, 3);
}
