/**
 * Which script a processing command runs, and whether it declares its packages: a
 * `requirements.txt` beside a Python script, a `package.json` beside a JavaScript one.
 *
 * The script is found the way its interpreter would find it, relative to the run's
 * folder (the program's working directory):
 * - `python3 /opt/scripts/clean.py`: the first argument ending in `.py`;
 * - `node /opt/scripts/transform.mjs`: the first ending in `.js`, `.mjs` or `.cjs`;
 * - `/opt/scripts/clean.py` as the command itself: by its extension, else by its `#!` line.
 */
import { open, readFile } from "node:fs/promises";
import { basename, dirname, extname, join, resolve } from "node:path";
import type { Processing } from "./processing-script.js";

export type EnvironmentKind = "python" | "node";

/** A script that declares its packages. */
export interface ScriptDeclaration {
  readonly kind: EnvironmentKind;
  /** Absolute. */
  readonly script: string;
  /** The declaration: `requirements.txt` or `package.json` beside the script, absolute. */
  readonly file: string;
  /** Its content, as read. */
  readonly text: string;
  /**
   * The script is the command itself; an environment's interpreter then runs it by
   * name, since its `#!` line may name the server's own (`#!/usr/bin/python3`).
   */
  readonly direct: boolean;
  /** The interpreter that makes the environment (and runs the script): `python3`, `node`, a path. */
  readonly interpreter: string;
}

const KINDS: Readonly<
  Record<
    EnvironmentKind,
    {
      readonly interpreter: RegExp;
      readonly extensions: readonly string[];
      readonly declaration: string;
      readonly fallback: string;
    }
  >
> = {
  python: {
    interpreter: /^python(\d+(\.\d+)?)?$/,
    extensions: [".py"],
    declaration: "requirements.txt",
    fallback: "python3",
  },
  node: {
    interpreter: /^(node|nodejs)$/,
    extensions: [".js", ".mjs", ".cjs"],
    declaration: "package.json",
    fallback: "node",
  },
};

/** The file name of the declaration a kind of script has beside it. */
export function declarationName(kind: EnvironmentKind): string {
  return KINDS[kind].declaration;
}

/** Whether `command` is that kind's interpreter (`python3`, `/usr/bin/python3.11`, `node`). */
export function isInterpreter(kind: EnvironmentKind, command: string): boolean {
  return KINDS[kind].interpreter.test(basename(command));
}

/**
 * The script `processing` runs and its declaration, when it has one that names packages.
 * @returns `undefined` for a command that runs no script file we know, a script without a
 *   declaration beside it, or a declaration that names nothing to install.
 * @example await findScriptDeclaration({ command: "python3", args: ["/opt/scripts/clean.py"] }, workDirectory);
 * // { kind: "python", script: "/opt/scripts/clean.py", file: "/opt/scripts/requirements.txt", … }
 */
export async function findScriptDeclaration(
  processing: Processing,
  cwd: string,
): Promise<ScriptDeclaration | undefined> {
  const found = await scriptOf(processing, cwd);
  if (found === undefined) return undefined;
  const file = join(dirname(found.script), KINDS[found.kind].declaration);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw error;
  }
  if (!namesPackages(found.kind, text)) return undefined;
  return { ...found, file, text };
}

async function scriptOf(
  processing: Processing,
  cwd: string,
): Promise<Omit<ScriptDeclaration, "file" | "text"> | undefined> {
  const { command } = processing;
  for (const kind of Object.keys(KINDS) as EnvironmentKind[]) {
    if (!isInterpreter(kind, command)) continue;
    const { extensions } = KINDS[kind];
    const arg = processing.args?.find((item) => extensions.includes(extname(item)));
    if (arg === undefined) return undefined;
    return { kind, script: resolve(cwd, arg), direct: false, interpreter: command };
  }
  // A bare name is looked up on PATH by the system, not in a folder we could read.
  if (!command.includes("/")) return undefined;
  const script = resolve(cwd, command);
  const byExtension = (Object.keys(KINDS) as EnvironmentKind[]).find((kind) =>
    KINDS[kind].extensions.includes(extname(script)),
  );
  const shebang = await interpreterLine(script);
  const kind =
    byExtension ??
    (Object.keys(KINDS) as EnvironmentKind[]).find(
      (each) => shebang !== undefined && isInterpreter(each, shebang),
    );
  if (kind === undefined) return undefined;
  const interpreter =
    shebang !== undefined && isInterpreter(kind, shebang) ? shebang : KINDS[kind].fallback;
  return { kind, script, direct: true, interpreter };
}

/**
 * The program a script's `#!` line names: `python3` for `#!/usr/bin/env python3`,
 * `/usr/bin/python3.11` for itself; `undefined` without one (or when it can't be read).
 */
async function interpreterLine(script: string): Promise<string | undefined> {
  let head: string;
  try {
    const handle = await open(script, "r");
    try {
      const buffer = Buffer.alloc(256);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      head = buffer.subarray(0, bytesRead).toString("utf8");
    } finally {
      await handle.close();
    }
  } catch {
    // Not there, or not readable: the run itself says so when it starts it.
    return undefined;
  }
  if (!head.startsWith("#!")) return undefined;
  const words = (head.slice(2).split("\n")[0] ?? "").trim().split(/\s+/);
  const program = words[0];
  if (program === undefined || basename(program) !== "env") return program;
  // `#!/usr/bin/env -S python3 -u`: the first word that is not an option of env's.
  return words.slice(1).find((word) => !word.startsWith("-"));
}

/** Whether a declaration names anything to install (an empty one needs no environment). */
function namesPackages(kind: EnvironmentKind, text: string): boolean {
  if (kind === "python") {
    return text.split(/\r?\n/).some((line) => line.replace(/(^|\s)#.*$/, "").trim() !== "");
  }
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch {
    // npm reports what is wrong with it, in the run's log, when it installs.
    return true;
  }
  const { dependencies, optionalDependencies } = (manifest ?? {}) as Record<string, unknown>;
  return [dependencies, optionalDependencies].some(
    (deps) => deps !== null && typeof deps === "object" && Object.keys(deps).length > 0,
  );
}
