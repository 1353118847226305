/** Running the `sundial` command in tests: in this process, or as the real program. */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { main } from "../../src/cli/main.js";

export const ROOT = new URL("../..", import.meta.url).pathname;
/** The built program (`npm run build` first). */
export const BIN = join(ROOT, "bin", "sundial.js");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `main` in this process with captured streams. */
export async function runMain(
  args: string[],
  env: Record<string, string> = {},
): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  stdout.on("data", (c) => out.push(String(c)));
  stderr.on("data", (c) => err.push(String(c)));
  const code = await main(args, { stdin: new PassThrough(), stdout, stderr, env, now: Date.now });
  return { code, stdout: out.join(""), stderr: err.join("") };
}

/** Runs the real `sundial` program, as a user would, with `stdin` piped in. */
export function spawnSundial(
  args: string[],
  options: { cwd: string; env?: Record<string, string>; stdin?: string },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env: { ...process.env, SUNDIAL_DEBUG: "", ...options.env },
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({
        code: code ?? -1,
        stdout: Buffer.concat(stdout).toString(),
        stderr: Buffer.concat(stderr).toString(),
      }),
    );
    child.stdin.end(options.stdin ?? "");
  });
}
