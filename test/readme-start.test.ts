/**
 * The README's first command, run as a new user runs it: in a copy of the checkout, the
 * command line the README opens with (`npm install && npm start`), with only the flags
 * the README says go after `--` (a free port, JSON logs). The server it starts builds
 * everything, creates the admin user, runs a schedule put over HTTP every second, and
 * stops cleanly on SIGTERM.
 *
 * The copy gets the checkout's installed packages as hard links, so `npm install` finds
 * them in place rather than downloading them again; everything else is the copy's own.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Job } from "../src/jobs/job.js";
import { api, logIn, ROOT, ServeProcess } from "./helpers/serve-process.js";
import { waitFor } from "./helpers/wait-for.js";

const PASSWORD = "readme first command";

/** The README's opening commands, as test/readme.test.ts reads them. */
function firstCommand(): string {
  const opening = /```sh\n([\s\S]*?)```/.exec(readFileSync(join(ROOT, "README.md"), "utf8"));
  const line = opening?.[1]?.split("\n")[0]?.replace(/#.*/, "").trim();
  if (line === undefined || line === "") throw new Error("README.md opens with no command");
  return line;
}

describe("the README's first command, in a fresh copy", () => {
  let copy: string;
  let server: ServeProcess | undefined;

  beforeAll(async () => {
    copy = await mkdtemp(join(tmpdir(), "sundial-readme-"));
    // What a clone holds: the tracked files and those not yet committed, never ignored ones.
    const files = execFileSync("git", ["ls-files", "-z", "-co", "--exclude-standard"], {
      cwd: ROOT,
      encoding: "utf8",
    })
      .split("\0")
      .filter((file) => file !== "" && existsSync(join(ROOT, file)));
    for (const file of files) {
      mkdirSync(dirname(join(copy, file)), { recursive: true });
      cpSync(join(ROOT, file), join(copy, file));
    }
    execFileSync("cp", ["-al", join(ROOT, "node_modules"), join(copy, "node_modules")]);
    // npm rewrites its record of what is installed; a link would change the checkout's.
    const record = join("node_modules", ".package-lock.json");
    execFileSync("cp", ["--remove-destination", join(ROOT, record), join(copy, record)]);
  });

  afterAll(async () => {
    server?.kill();
    await server?.exited;
    await rm(copy, { recursive: true, force: true });
  });

  it("builds, starts, runs a schedule every second, and stops cleanly", async () => {
    const command = firstCommand();
    expect(command).toBe("npm install && npm start");
    server = new ServeProcess({
      command: ["bash", "-c", `${command} -- --port 0 --log-format json`],
      cwd: copy,
      env: {
        SUNDIAL_ADMIN_PASSWORD: PASSWORD,
        // npm quiet about funding and audits, and never asking to update itself.
        npm_config_fund: "false",
        npm_config_audit: "false",
        npm_config_update_notifier: "false",
        npm_config_prefer_offline: "true",
      },
      // npm install, the TypeScript build and the UI's build come first.
      startMs: 300_000,
    });
    const base = await server.url();
    expect(await api(undefined, `${base}/readyz`)).toEqual({ status: "ready" });
    // The web UI was built and is served at the root.
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    await expect(api(undefined, `${base}/api/v1/schedules`)).rejects.toThrow(/401/);

    const admin = await logIn(base, "admin", PASSWORD);
    await api(admin, `${base}/api/v1/schedules/every-second`, "PUT", {
      schedule: "* * * * * ?",
      invokeService: "script",
      invokeContext: { script: { type: "text/javascript", source: "return 1;" } },
    });
    const jobs = async () =>
      ((await api(admin, `${base}/api/v1/jobs?scheduleId=every-second`)) as { result: Job[] })
        .result;
    const first = await waitFor("the schedule's first job", async () => (await jobs())[0]);
    expect(
      await api(admin, `${base}/api/v1/jobs/${first.id}/wait?status=FINISHED&timeout=60000`),
    ).toMatchObject({ hasErrors: false, results: 1 });
    await waitFor("a second fire's job", async () =>
      (await jobs()).length >= 2 ? true : undefined,
    );

    // Ctrl-C in a terminal signals npm and the server together: their process group. The
    // server shuts down once, gracefully, however many of them pass the signal on.
    server.signal("SIGTERM");
    await server.line(/^stopped$/);
    await server.exited;
    expect(server.stderr).not.toContain("exiting now");
    expect(existsSync(join(copy, "data", "sundial.db"))).toBe(true);
  }, 360_000);
});
