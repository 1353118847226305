/**
 * Where a script's code comes from: inline (`source`) or a file in the scripts folder
 * (`file`). A file is read at each run, so editing it changes the next run; a path that
 * leads out of the folder (`..`, an absolute path, a symbolic link) is refused.
 */
import { readFile, realpath, stat } from "node:fs/promises";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { SundialError } from "../errors.js";

/** The `script` part of a script job's data. */
export interface ScriptSpec {
  readonly type: "text/javascript";
  readonly source?: string;
  readonly file?: string;
}

export interface LoadedScript {
  readonly source: string;
  /** The name stacks give it: the file's real path, or `invokeContext.script.source`. */
  readonly filename: string;
  /** The name messages give it: the file as the job names it, or `invokeContext.script.source`. */
  readonly displayName: string;
  /** What its `require` resolves from. */
  readonly requireFrom: string;
}

const INLINE = "invokeContext.script.source";
const FIELD = "invokeContext.script.file";

/**
 * The script's code, from its source or its file in `scriptsDir`.
 * @throws SundialError `badRequest` for neither or both of source and file, or a path out
 * of the folder; `notFound` for a missing file or folder.
 * @example await loadScript({ type: "text/javascript", file: "reports/daily.js" }, "/srv/sundial/scripts")
 */
export async function loadScript(spec: ScriptSpec, scriptsDir: string): Promise<LoadedScript> {
  checkSourceOrFile(spec, "invokeContext.script");
  const root = resolve(scriptsDir);
  if (spec.source !== undefined) {
    return {
      source: spec.source,
      filename: INLINE,
      displayName: INLINE,
      requireFrom: join(root, "inline-script.js"),
    };
  }
  const file = spec.file as string;
  const path = inside(root, file, root);
  const realRoot = await realpath(root).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") {
      throw new SundialError(
        "notFound",
        `${FIELD}: the scripts folder ${root} does not exist; create it or configure scriptsDir`,
        { field: FIELD },
      );
    }
    throw error;
  });
  const realPath = await realpath(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT" || error.code === "ENOTDIR") {
      throw new SundialError(
        "notFound",
        `${FIELD}: "${file}" is not in the scripts folder ${root}`,
        {
          field: FIELD,
        },
      );
    }
    throw error;
  });
  // A symbolic link inside the folder may still point out of it.
  inside(realRoot, relative(realRoot, realPath), root, file);
  if (!(await stat(realPath)).isFile()) {
    throw new SundialError("badRequest", `${FIELD}: "${file}" is not a file`, { field: FIELD });
  }
  const text = await readFile(realPath, "utf8");
  return {
    // A `#!` line is for running the file directly; it would be a syntax error here.
    source: text.startsWith("#!") ? text.replace(/^#![^\n]*/, "") : text,
    filename: realPath,
    displayName: file,
    requireFrom: realPath,
  };
}

/**
 * Checks that a script spec gives exactly one of `source` and `file`.
 * @throws SundialError `badRequest` naming `field`.
 */
export function checkSourceOrFile(spec: ScriptSpec, field: string): void {
  if ((spec.source === undefined) === (spec.file === undefined)) {
    throw new SundialError(
      "badRequest",
      `${field}: give either source (the code) or file (a path in the scripts folder), ${spec.source === undefined ? "not neither" : "not both"}`,
      { field },
    );
  }
}

/** `root/path`, when it stays in `root`; `shown` is the folder and `given` the path as the user wrote them. */
function inside(root: string, path: string, shown: string, given: string = path): string {
  const full = resolve(root, path);
  const rel = relative(root, full);
  if (
    isAbsolute(path) ||
    rel === "" ||
    rel === ".." ||
    rel.startsWith(`..${sep}`) ||
    isAbsolute(rel)
  ) {
    throw new SundialError(
      "badRequest",
      `${FIELD}: "${given}" leads out of the scripts folder ${shown}; give a path inside it, such as "reports/daily.js"`,
      { field: FIELD },
    );
  }
  return full;
}
