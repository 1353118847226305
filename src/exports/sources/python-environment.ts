/**
 * A Python script's environment: `python3 -m venv`, then `pip install -r requirements.txt`
 * with the server's index settings, run from the script's folder (so that the file's
 * relative entries, `-r common.txt` or `./wheels/x.whl`, mean what its author meant).
 * The script then runs with the environment's `python`.
 */
import { dirname, join } from "node:path";
import type { ScriptDeclaration } from "./script-declaration.js";
import {
  type EnvironmentRecipe,
  pathWith,
  programPath,
  type ScriptEnvironmentSettings,
} from "./script-environment.js";

/**
 * How to make and use the environment of a script with a `requirements.txt`.
 * @throws SundialError `commandFailed` when its interpreter is not on `PATH`.
 * @example const recipe = await pythonRecipe(declaration, settings, { PATH: "/usr/bin" }, workDirectory);
 */
export async function pythonRecipe(
  declaration: ScriptDeclaration,
  settings: ScriptEnvironmentSettings,
  env: Readonly<Record<string, string>>,
  cwd: string,
): Promise<EnvironmentRecipe> {
  const interpreter = await programPath(declaration.interpreter, env.PATH, cwd, declaration);
  const folder = dirname(declaration.file);
  return {
    kind: "python",
    label: "Python",
    declaration,
    identity: [interpreter, declaration.text],
    async build(directory, install) {
      await install({
        tool: "venv",
        command: declaration.interpreter,
        args: ["-m", "venv", directory],
        cwd: folder,
        reason: pythonErrors,
      });
      await install({
        tool: "pip",
        command: join(directory, "bin", "python"),
        args: [
          "-m",
          "pip",
          "install",
          "--no-input",
          "--disable-pip-version-check",
          "--progress-bar",
          "off",
          ...indexOptions(settings),
          "-r",
          declaration.file,
        ],
        cwd: folder,
        reason: pythonErrors,
      });
    },
    runIn(directory, program) {
      // The script's own interpreter is the one the environment was made with: its
      // `python` stands in for it (and for a script whose `#!` line names the server's).
      const { args } = program;
      return {
        command: join(directory, "bin", "python"),
        args: declaration.direct ? [declaration.script, ...args] : args,
        env: {
          ...program.env,
          PATH: pathWith(join(directory, "bin"), program.env),
          VIRTUAL_ENV: directory,
        },
      };
    },
  };
}

function indexOptions(settings: ScriptEnvironmentSettings): string[] {
  return [
    ...(settings.pythonIndexUrl === undefined ? [] : ["--index-url", settings.pythonIndexUrl]),
    ...(settings.pythonFindLinks === undefined ? [] : ["--find-links", settings.pythonFindLinks]),
    ...(settings.pythonNoIndex === true ? ["--no-index"] : []),
  ];
}

/** pip's and venv's own account of a failure: its `ERROR:` lines, else its last line. */
function pythonErrors(stderr: string): string[] {
  return stderr
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.startsWith("ERROR:") || line.startsWith("Error:"));
}
