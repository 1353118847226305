/**
 * The browser tests' peers: a real `sundial serve` (the built program, a temp data
 * directory, a free port) and Debian's Chromium driven by playwright-core. Outside CI a
 * missing Chromium skips these tests loudly; under CI=true it fails them.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { waitFor } from "../helpers/wait-for.js";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const CHROMIUM = "/usr/bin/chromium";
export const ADMIN_PASSWORD = "correct horse battery staple";

/** Why the browser tests can't run here, or undefined when they can. */
export function missingPeer(): string | undefined {
  if (!existsSync(join(ROOT, "dist", "web", "index.html"))) {
    return "dist/web lacks the built UI: run `npm run build` (npm test does) before these tests";
  }
  if (!existsSync(CHROMIUM))
    return `${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`;
  return undefined;
}

/**
 * Whether to run: true, or false after saying why on stderr. Under CI a missing peer is a
 * failure, never a skip.
 */
export function browserTestsCanRun(): boolean {
  const missing = missingPeer();
  if (missing === undefined) return true;
  if (process.env.CI === "true") throw new Error(`browser tests: ${missing}`);
  process.stderr.write(`\n*** SKIPPING the browser tests: ${missing} ***\n\n`);
  return false;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu"],
  });
}

/** A `sundial serve` child process on a temp directory. */
export class ServeProcess {
  readonly lines: Record<string, unknown>[] = [];
  stderr = "";
  private constructor(
    readonly dir: string,
    readonly child: ChildProcess,
  ) {}

  /** Starts one and waits until it listens; `url` is then where. */
  static async start(): Promise<ServeProcess & { url: string }> {
    const dir = await mkdtemp(join(tmpdir(), "sundial-web-"));
    await mkdir(join(dir, "conf"));
    const env: Record<string, string | undefined> = { ...process.env };
    for (const name of Object.keys(env)) {
      if (name.startsWith("SUNDIAL_") || name === "DATABASE_URL") delete env[name];
    }
    env.SUNDIAL_ADMIN_PASSWORD = ADMIN_PASSWORD;
    const child = spawn(
      process.execPath,
      [
        join(ROOT, "bin", "sundial.js"),
        "serve",
        "--port",
        "0",
        "--data-dir",
        join(dir, "data"),
        "--conf",
        join(dir, "conf"),
        "--log-format",
        "json",
      ],
      { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] },
    );
    const server = new ServeProcess(dir, child);
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      try {
        server.lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        server.stderr += `${line}\n`;
      }
    });
    child.stderr?.on("data", (chunk) => {
      server.stderr += String(chunk);
    });
    const started = await waitFor(
      "sundial serve to start",
      () => {
        if (child.exitCode !== null) throw new Error(`sundial serve exited: ${server.stderr}`);
        return server.lines.find((l) => String(l.msg).startsWith("started: "));
      },
      60_000,
    );
    return Object.assign(server, { url: String(started.url) });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once("exit", resolve));
      this.child.kill("SIGTERM");
      const timer = setTimeout(() => this.child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Signs in as admin through the sign-in page, starting from `path`, and waits to arrive. */
export async function signIn(page: Page, base: string, path = "/"): Promise<void> {
  await page.goto(`${base}${path}`);
  await page.locator("input[name=name]").fill("admin");
  await page.locator("input[name=password]").fill(ADMIN_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByTestId("user-menu").waitFor();
}
