/**
 * `sundial serve`: its mistakes in-process, the repo's example conf/, and the real
 * command (`node bin/sundial.js serve`, the built package) run as a user runs it.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Job } from "../../src/jobs/job.js";
import { Sundial } from "../../src/sundial.js";
import { runMain } from "../helpers/cli.js";
import { FakeClock } from "../helpers/fake-clock.js";
import { api, logIn, ROOT, ServeProcess } from "../helpers/serve-process.js";
import { waitFor } from "../helpers/wait-for.js";

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "sundial-serve-"));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("sundial serve, in-process", () => {
  it("prints its help", async () => {
    const res = await runMain(["serve", "--help"]);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^Usage: sundial serve \[options\]/);
    expect(res.stdout).toContain("--shutdown-grace-ms MS");
  });

  it("refuses bad settings before starting anything, naming the flag or variable (exit 2)", async () => {
    const data = join(dir, "data");
    for (const [args, env, message] of [
      [["--port", "http"], {}, 'sundial serve: --port: "http" must be integer'],
      [[], { SUNDIAL_PORT: "99999" }, "sundial serve: SUNDIAL_PORT: 99999 must be"],
      [["--prot", "80"], {}, "sundial serve: unknown flag --prot; did you mean --port?"],
      [["now"], {}, 'sundial serve: unexpected argument "now"; serve takes only flags'],
      [["--config", join(dir, "none.json")], {}, "sundial serve: --config: cannot read"],
    ] as const) {
      const res = await runMain(["serve", "--data-dir", data, ...args], { ...env });
      expect(res.code, args.join(" ")).toBe(2);
      expect(res.stderr).toContain(message);
      expect(res.stderr).toContain('Run "sundial serve --help" for its options.');
    }
    expect(existsSync(join(data, "sundial.db"))).toBe(false);
  });

  describe("with its port taken", () => {
    let taken: Server;
    beforeEach(async () => {
      taken = createServer();
      await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    });
    afterEach(async () => {
      await new Promise((resolve) => taken.close(resolve));
    });

    it("says so and exits 1, having started nothing", async () => {
      const port = (taken.address() as { port: number }).port;
      const res = await runMain([
        "serve",
        "--port",
        String(port),
        "--data-dir",
        join(dir, "data"),
        "--conf",
        join(dir, "conf"),
        "--log-format",
        "json",
        "--log-level",
        "silent",
      ]);
      expect(res.code).toBe(1);
      expect(res.stderr).toBe(
        `sundial serve: 127.0.0.1:${port} is in use by another program; choose another --host or --port\n`,
      );
    });
  });
});

describe("the example conf/", () => {
  it("holds a valid heartbeat schedule that runs every minute", async () => {
    const problems: unknown[] = [];
    const sundial = await Sundial.open({
      database: join(dir, "sundial.db"),
      conf: join(ROOT, "conf"),
      onConfProblem: (problem) => problems.push(problem),
      // Files are loaded at start; on a clock that stands still nothing fires meanwhile.
      clock: new FakeClock("2026-11-23T09:00:30.000Z"),
    });
    try {
      await sundial.start();
      expect(problems).toEqual([]);
      const heartbeat = await sundial.schedules.get("heartbeat");
      expect(heartbeat).toMatchObject({ invokeService: "script", enabled: true });
      const fires = sundial.schedules.upcomingFires(heartbeat as NonNullable<typeof heartbeat>, 2);
      expect(fires).toEqual(["2026-11-23T09:01:00.000Z", "2026-11-23T09:02:00.000Z"]);
    } finally {
      await sundial.close({ graceMs: 0 });
    }
  });
});

describe("sundial serve, end to end", () => {
  let server: ServeProcess | undefined;

  beforeAll(() => {
    if (!existsSync(join(ROOT, "dist", "cli", "commands", "serve.js"))) {
      throw new Error("dist/ lacks the serve command: run `npm run build` before these tests");
    }
  });

  afterEach(() => {
    server?.kill();
    server = undefined;
  });

  it("starts, runs a schedule put over HTTP every second, and stops cleanly on SIGTERM", async () => {
    server = new ServeProcess({ cwd: dir });
    const base = await server.url();
    expect(await api(undefined, `${base}/readyz`)).toEqual({ status: "ready" });
    // Nothing but health and login without credentials.
    await expect(api(undefined, `${base}/api/v1/schedules`)).rejects.toThrow(/401/);
    // The first start made `admin` and showed its one-time password, once, on stderr.
    const password = /one-time password\s+(\S+)/.exec(server.stderr)?.[1];
    expect(password).toMatch(/^\S{16,}$/);
    expect(server.lines.some((l) => JSON.stringify(l).includes(password as string))).toBe(false);
    const admin = await logIn(base, "admin", password as string);

    await api(admin, `${base}/api/v1/schedules/every-second`, "PUT", {
      schedule: "* * * * * ?",
      invokeService: "script",
      invokeContext: { script: { type: "text/javascript", source: "log.info('tick'); return 1;" } },
    });
    const jobs = async () =>
      ((await api(admin, `${base}/api/v1/jobs?scheduleId=every-second`)) as { result: Job[] })
        .result;
    const first = await waitFor("the schedule's first job", async () => (await jobs())[0]);
    const done = (await api(
      admin,
      `${base}/api/v1/jobs/${first.id}/wait?status=FINISHED&timeout=60000`,
    )) as Job;
    expect(done).toMatchObject({ hasErrors: false, results: 1, scheduleId: "every-second" });
    const logs = (await api(admin, `${base}/api/v1/jobs/${first.id}/logs`)) as {
      result: { message: string }[];
    };
    expect(logs.result.map((l) => l.message)).toContain("tick");
    await waitFor("a second fire's job", async () =>
      (await jobs()).length >= 2 ? true : undefined,
    );

    server.child.kill("SIGTERM");
    const exit = await server.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    const messages = server.lines.map((l) => String(l.msg));
    expect(messages.some((m) => m.startsWith("shutting down"))).toBe(true);
    expect(messages.at(-1)).toBe("stopped");
    expect(server.lines.some((l) => l.msg === "job ended" && l.schedule === "every-second")).toBe(
      true,
    );
    expect(server.stderr.replace(/\n*First start:[\s\S]*sundial users passwd admin\n+/, "")).toBe(
      "",
    );
    // The defaults, relative to where it ran: ./data holds the database and the secret key.
    expect((await stat(join(dir, "data", "sundial.db"))).isFile()).toBe(true);
    expect((await stat(join(dir, "data", "secret.key"))).mode & 0o777).toBe(0o600);
  });

  it("exits at once on a second signal while a running job holds the shutdown", async () => {
    server = new ServeProcess({
      args: ["--shutdown-grace-ms", "600000"],
      cwd: dir,
      env: { SUNDIAL_ADMIN_PASSWORD: "correct horse battery staple" },
    });
    const base = await server.url();
    expect(server.stderr).toBe("");
    const admin = await logIn(base, "admin", "correct horse battery staple");
    const job = (await api(admin, `${base}/api/v1/jobs`, "POST", {
      type: "script",
      data: {
        script: {
          type: "text/javascript",
          source: "await new Promise((resolve) => setTimeout(resolve, 3_600_000));",
        },
      },
    })) as Job;
    expect(job.runBy).toEqual({ id: expect.any(String), name: "admin" });
    await api(admin, `${base}/api/v1/jobs/${job.id}/wait?status=RUNNING&timeout=60000`);
    server.child.kill("SIGTERM");
    await server.line(/^shutting down/);
    server.child.kill("SIGTERM");
    expect(await server.exited).toEqual({ code: 1, signal: null });
    expect(server.stderr).toContain("sundial serve: SIGTERM again, exiting now");
  });
});
