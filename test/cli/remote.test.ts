/**
 * `sundial schedules` and `sundial jobs` against a real server started in this process
 * (startServer: a temp SQLite database, port 0, the auth plugin), run through `main` as a
 * user runs them, and through the built program for Ctrl-C. Users and tokens are made with
 * the auth service on the server's own store. A `gated` job type runs until the test opens
 * its gate, so that a job can be watched while it runs.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "../../src/api/server.js";
import { loadServerConfig } from "../../src/api/server-config.js";
import { AuthService } from "../../src/auth/index.js";
import { main } from "../../src/cli/main.js";
import type { Job } from "../../src/jobs/job.js";
import type { Schedule } from "../../src/schedules/schedule.js";
import { Gates } from "../api/helpers.js";
import { BIN, ROOT, runMain } from "../helpers/cli.js";
import { waitFor } from "../helpers/wait-for.js";

let dir: string;
let server: RunningServer;
const gates = new Gates();
const tokens = { operator: "", viewer: "" };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sundial-remote-"));
  // Through the real config loader, so that the server is configured as `sundial serve` would be.
  const config = await loadServerConfig({
    flags: {
      port: "0",
      "data-dir": dir,
      conf: join(dir, "conf"),
      "log-level": "silent",
      "log-format": "json",
      "shutdown-grace-ms": "0",
    },
    env: { SUNDIAL_ADMIN_PASSWORD: "correct horse battery staple" },
    cwd: dir,
  });
  server = await startServer(config, pino({ level: "silent" }), { stderr: () => {} });
  server.sundial.define("noop", async ({ log }) => {
    await log.info("noop ran");
    return { ok: true };
  });
  server.sundial.define("gated", async ({ job, signal, log }) => {
    await log.info("gated job started");
    await gates.wait(job.id, signal);
    if (signal.aborted) throw signal.reason;
    await log.info("gate opened");
    return { opened: true };
  });
  const auth = new AuthService(server.sundial.store);
  for (const [name, role] of [
    ["olga", "operator"],
    ["vic", "viewer"],
  ] as const) {
    await auth.createUser({ name, roles: [role] });
    tokens[role] = (await auth.createToken({ user: name, name: "cli tests" })).secret;
  }
});

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Runs `sundial …` against the server as the operator (or as `token`; "" for none). */
function sundial(args: string[], token = tokens.operator) {
  return runMain(args, {
    SUNDIAL_URL: server.url,
    ...(token === "" ? {} : { SUNDIAL_TOKEN: token }),
  });
}

/** Runs `sundial …` in this process while the test watches its output grow. */
function started(args: string[], stdin = "", stderrIsTty = false) {
  const out = { stdout: "", stderr: "" };
  const stdout = new PassThrough();
  const stderr = Object.assign(new PassThrough(), { isTTY: stderrIsTty });
  stdout.on("data", (chunk) => {
    out.stdout += String(chunk);
  });
  stderr.on("data", (chunk) => {
    out.stderr += String(chunk);
  });
  const input = new PassThrough();
  input.end(stdin);
  const env = { SUNDIAL_URL: server.url, SUNDIAL_TOKEN: tokens.operator };
  const code = main(args, { stdin: input, stdout, stderr, env, now: Date.now });
  return { out, code };
}

async function enqueue(type: "noop" | "gated"): Promise<Job> {
  return server.sundial.jobs.enqueue(type, {});
}

async function running(id: string): Promise<void> {
  await server.sundial.jobs.waitForJob(id, ["RUNNING"], 30_000);
}

const schedule = (id: string) => ({
  _id: id,
  // Weekdays at 06:00 in 2099: every fire is far off, so nothing runs during the test.
  schedule: "0 0 6 ? * MON-FRI 2099",
  timeZone: "Europe/London",
  invokeService: "noop",
});

describe("sundial schedules", () => {
  it("puts schedules from a file and from stdin, then gets one with its next fire times", async () => {
    const file = join(dir, "alpha.json");
    await writeFile(file, JSON.stringify(schedule("alpha")));
    const put = await sundial(["schedules", "put", "alpha", "--file", file]);
    expect(put).toEqual({
      code: 0,
      stdout: "Saved schedule alpha (enabled); next fire 2099-01-01T06:00:00.000Z.\n",
      stderr: "",
    });

    // The id may come from the file's _id; `-` reads stdin.
    const fromStdin = started(
      ["schedules", "put", "--file", "-", "--json"],
      JSON.stringify(schedule("beta")),
    );
    expect(await fromStdin.code).toBe(0);
    expect(JSON.parse(fromStdin.out.stdout)).toMatchObject({ _id: "beta", enabled: true });
    await writeFile(
      join(dir, "gamma.json"),
      JSON.stringify({ ...schedule("gamma"), _id: undefined }),
    );
    expect(
      (await sundial(["schedules", "put", "gamma", "--file", join(dir, "gamma.json")])).code,
    ).toBe(0);

    const get = await sundial(["schedules", "get", "alpha"]);
    expect(get.code).toBe(0);
    expect(get.stdout).toContain("trigger         cron 0 0 6 ? * MON-FRI 2099\n");
    expect(get.stdout).toContain(
      "next fires      2099-01-01T06:00:00.000Z  Thu 2099-01-01 06:00:00 +00:00 GMT\n" +
        "                2099-01-02T06:00:00.000Z  Fri 2099-01-02 06:00:00 +00:00 GMT\n",
    );
    const json = await sundial(["schedules", "get", "alpha", "--json"]);
    expect(JSON.parse(json.stdout).nextFireTimes).toHaveLength(5);
  });

  it("lists schedules as a table or JSON, a page at a time or --all of them", async () => {
    const table = await sundial(["schedules", "list"]);
    expect(table.code).toBe(0);
    expect(table.stdout.split("\n")[0]).toMatch(
      /^ID +ENABLED +TYPE +TRIGGER +TIME ZONE +INVOKES +NEXT FIRE$/,
    );
    expect(table.stdout).toMatch(
      /^alpha +yes +cron +0 0 6 \? \* MON-FRI 2099 +Europe\/London +noop +2099-01-01T06:00:00.000Z$/m,
    );

    const first = await sundial(["schedules", "list", "--size", "2", "--fields", "enabled"]);
    expect(first.stdout).toBe("_id    enabled\nalpha  true\nbeta   true\n");
    expect(first.stderr).toBe(
      "More schedules may follow: add --after beta for the next page, or --all.\n",
    );
    const next = await sundial(["schedules", "list", "--size", "2", "--after", "beta", "--json"]);
    expect(JSON.parse(next.stdout)).toMatchObject({
      result: [{ _id: "gamma" }],
      pagedResultsCookie: null,
    });

    const all = await sundial(["schedules", "list", "--size", "1", "--all", "--json"]);
    const body = JSON.parse(all.stdout);
    expect(body.result.map((s: Schedule) => s._id)).toEqual(["alpha", "beta", "gamma"]);
    expect(body).toMatchObject({ resultCount: 3, pagedResultsCookie: null });
    expect(all.stderr).toBe("");
  });

  it("pauses and resumes one schedule, and the whole scheduler with --all", async () => {
    expect((await sundial(["schedules", "pause", "beta"])).stdout).toBe(
      "Paused schedule beta: it won't fire until `sundial schedules resume beta`.\n",
    );
    expect((await server.sundial.schedules.get("beta"))?.enabled).toBe(false);
    expect((await sundial(["schedules", "pause", "beta"])).stdout).toBe(
      "Schedule beta is already paused.\n",
    );
    const disabled = await sundial(["schedules", "list", "--disabled", "--fields", "_id"]);
    expect(disabled.stdout).toBe("_id\nbeta\n");
    const resumed = await sundial(["schedules", "resume", "beta", "--json"]);
    expect(JSON.parse(resumed.stdout)).toMatchObject({
      _id: "beta",
      enabled: true,
      invokeService: "noop",
    });
    expect((await server.sundial.schedules.get("beta"))?.enabled).toBe(true);

    const paused = await sundial(["schedules", "pause", "--all"]);
    expect(paused.stdout).toMatch(/^Paused the scheduler on every node/);
    expect(await server.sundial.isPaused()).toBe(true);
    expect((await sundial(["schedules", "resume", "--all", "--json"])).stdout).toBe(
      '{"success":true}\n',
    );
    expect(await server.sundial.isPaused()).toBe(false);
  });

  it("deletes a schedule; a second delete is notFound (exit 1)", async () => {
    expect(await sundial(["schedules", "delete", "gamma"])).toEqual({
      code: 0,
      stdout: "Deleted schedule gamma.\n",
      stderr: "",
    });
    expect(await sundial(["schedules", "delete", "gamma"])).toEqual({
      code: 1,
      stdout: "",
      stderr: "sundial schedules: No schedule has the id gamma.\n",
    });
  });
});

describe("sundial jobs", () => {
  it("waits for a job, then lists, shows and prints its logs, as text and JSON", async () => {
    const job = await enqueue("noop");
    const waited = await sundial(["jobs", "wait", job.id]);
    expect(waited).toEqual({ code: 0, stdout: `Job ${job.id} is FINISHED.\n`, stderr: "" });

    const list = await sundial([
      "jobs",
      "list",
      "--type",
      "noop",
      "--status",
      "finished",
      "--create-from",
      "1h",
    ]);
    expect(list.code).toBe(0);
    expect(list.stdout.split("\n")[0]).toMatch(
      /^ID +TYPE +STATUS +ERRORS +PROGRESS +CREATED +DURATION +SCHEDULE$/,
    );
    expect(list.stdout).toMatch(new RegExp(`^${job.id} +noop +FINISHED +no +0% +\\S+Z +`, "m"));
    const json = await sundial([
      "jobs",
      "list",
      "--type",
      "noop",
      "--no-errors",
      "--size",
      "1",
      "--json",
    ]);
    expect(JSON.parse(json.stdout)).toMatchObject({ result: [{ id: job.id }], resultCount: 1 });
    const none = await sundial(["jobs", "list", "--type", "noop", "--has-errors"]);
    expect(none.stdout).toBe("No jobs.\n");

    const show = await sundial(["jobs", "show", job.id]);
    expect(show.stdout).toContain(`id        ${job.id}\n`);
    expect(show.stdout).toContain('results   {"ok":true}\n');
    expect(JSON.parse((await sundial(["jobs", "show", job.id, "--json"])).stdout)).toMatchObject({
      id: job.id,
      status: "FINISHED",
    });

    const logs = await sundial(["jobs", "logs", job.id, "--level", "info", "--period", "1h"]);
    expect(logs.stdout).toMatch(/^\S+Z {2}INFO {3}noop ran\n$/);
    const logJson = await sundial([
      "jobs",
      "logs",
      job.id,
      "--message",
      "nothing like it",
      "--json",
    ]);
    expect(JSON.parse(logJson.stdout)).toEqual({ result: [], resultCount: 0 });
  });

  it("follows a running job's logs as they come, until it ends", async () => {
    const job = await enqueue("gated");
    const follow = started(["jobs", "logs", job.id, "--follow"]);
    // The first line arrives while the job is still held at its gate: it is read live.
    await waitFor("the first log line", () =>
      follow.out.stdout.includes("gated job started") ? true : undefined,
    );
    expect(follow.out.stdout).not.toContain("gate opened");
    gates.open(job.id);
    expect(await follow.code).toBe(0);
    expect(follow.out.stdout).toMatch(
      /^\S+Z {2}INFO {3}gated job started\n\S+Z {2}INFO {3}gate opened\n$/,
    );
    expect(follow.out.stderr).toContain(`Job ${job.id} is FINISHED (attempt 1 of `);

    const events = await sundial(["jobs", "logs", job.id, "-f", "--json"]);
    const kinds = events.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line).event);
    expect(kinds[0]).toBe("status");
    expect(kinds.filter((kind: string) => kind === "log")).toHaveLength(2);
    expect(kinds.at(-1)).toBe("end");
  });

  it("stops, resumes and cancels a job; waits for a status; follows a stopped job to its last line", async () => {
    const job = await enqueue("gated");
    await running(job.id);
    const stop = await sundial(["jobs", "stop", job.id]);
    expect(stop.stdout).toMatch(new RegExp(`^Job ${job.id} is now (STOPPING|STOPPED)\\.\\n$`));
    expect(
      (await sundial(["jobs", "wait", job.id, "--status", "STOPPED", "--json"])).stdout,
    ).toMatch(/"status":"STOPPED"/);
    const stopped = await sundial(["jobs", "logs", job.id, "--follow"]);
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toMatch(/gated job started\n$/);
    expect(stopped.stderr).toContain(`It may be resumed: sundial jobs resume ${job.id}\n`);

    expect((await sundial(["jobs", "resume", job.id])).stdout).toMatch(
      /is now (PENDING|RUNNING)\.\n$/,
    );
    await running(job.id);
    await sundial(["jobs", "stop", job.id]);
    await sundial(["jobs", "wait", job.id, "--status", "STOPPED"]);
    const cancel = await sundial(["jobs", "cancel", job.id, "--json"]);
    expect(JSON.parse(cancel.stdout)).toMatchObject({ id: job.id, status: "CANCELED" });

    // A job that ended otherwise never gets there: said at once, not after a timeout.
    expect(await sundial(["jobs", "wait", job.id, "--status", "FINISHED"])).toEqual({
      code: 1,
      stdout: "",
      stderr: `sundial jobs: job ${job.id} ended CANCELED, so it will never be FINISHED\n`,
    });
  });

  it("gives up waiting after --timeout with the timeout code's exit status", async () => {
    const job = await enqueue("gated");
    const res = await sundial(["jobs", "wait", job.id, "--status", "FINISHED", "--timeout", "1s"]);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe("");
    expect(res.stderr).toMatch(
      new RegExp(
        `^sundial jobs: job ${job.id} is still (PENDING|RUNNING) after 1s, not FINISHED; wait longer`,
      ),
    );
    gates.open(job.id);
  });

  it("shows a spinner while waiting on a terminal, and only the result otherwise", async () => {
    const job = await enqueue("gated");
    await running(job.id);
    const onTty = started(["jobs", "wait", job.id], "", true);
    await waitFor("the spinner", () =>
      onTty.out.stderr.includes("Waiting for job") ? true : undefined,
    );
    gates.open(job.id);
    expect(await onTty.code).toBe(0);
    expect(onTty.out.stdout).toBe(`Job ${job.id} is FINISHED.\n`);
    expect(onTty.out.stderr.endsWith("\r\u001b[K")).toBe(true);

    const json = started(["jobs", "wait", job.id, "--json"], "", true);
    expect(await json.code).toBe(0);
    expect(json.out.stderr).toBe("");
    expect(JSON.parse(json.out.stdout)).toMatchObject({ id: job.id, status: "FINISHED" });
  });
});

describe("credentials and reachability", () => {
  it("asks for a token when none is given (401, exit 1)", async () => {
    expect(await sundial(["jobs", "list"], "")).toEqual({
      code: 1,
      stdout: "",
      stderr: `sundial jobs: the server at ${server.url} needs an API token: pass --token or set SUNDIAL_TOKEN (make one with \`sundial tokens create --user NAME --name TEXT\`)\n`,
    });
    const wrong = await sundial(["schedules", "list", "--token", "sundial_not-a-token"], "");
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toBe(
      "sundial schedules: The API token is not valid; check it, or create a new one. Pass a valid API token with --token or SUNDIAL_TOKEN.\n",
    );
  });

  it("says which role a viewer lacks to stop a job (403, exit 1)", async () => {
    const job = await enqueue("gated");
    const res = await sundial(["jobs", "stop", job.id], tokens.viewer);
    expect(res).toEqual({
      code: 1,
      stdout: "",
      stderr: "sundial jobs: This needs the operator role; vic has viewer. Ask an admin for it.\n",
    });
    // Reading is a viewer's right.
    expect((await sundial(["jobs", "show", job.id], tokens.viewer)).code).toBe(0);
    gates.open(job.id);
  });

  it("names the URL and what to do when nothing listens there (exit 1)", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const res = await runMain(["jobs", "list", "--url", `http://127.0.0.1:${port}/`]);
    expect(res).toEqual({
      code: 1,
      stdout: "",
      stderr: `sundial jobs: cannot reach the Sundial server at http://127.0.0.1:${port} (connection refused); is \`sundial serve\` running there? Set --url or SUNDIAL_URL to where it runs.\n`,
    });
  });
});

describe("mistakes in the command line (exit 2, naming the flag)", () => {
  it.each([
    [["jobs", "list", "--staus", "RUNNING"], "unknown flag --staus; did you mean --status?"],
    [["jobs", "list", "--status", "DONE"], '--status: "DONE" is not a job status; use PENDING,'],
    [
      ["jobs", "list", "--create-from", "last tuesday"],
      '--create-from: "last tuesday" is not a time',
    ],
    [["jobs", "list", "--size", "0"], '--size: "0" is not a whole number from 1 to 1000'],
    [["jobs", "list", "--has-errors", "--no-errors"], "give --has-errors or --no-errors, not both"],
    [
      ["jobs", "list", "--tz", "Mars/Olympus", "--end-to", "2026-01-01"],
      '--tz: "Mars/Olympus" is not an IANA time zone',
    ],
    [["jobs", "wait", "x", "--timeout", "soon"], '--timeout: "soon" is not a duration such as 90s'],
    [["jobs", "logs", "x", "--follow", "--size", "5"], "--size: not with --follow"],
    [["jobs", "logs", "x", "--level", "DEBUG"], '--level: "DEBUG" is not one of INFO, ERROR'],
    [["jobs", "logs", "x", "--period", "2h", "--from", "1h"], "give --from or --period, not both"],
    [["jobs", "show"], "jobs show needs the job's id"],
    [["jobs", "halt", "x"], 'unknown subcommand "halt"'],
    [["schedules", "list", "--type", "weekly"], '--type: "weekly" is not one of cron, unix'],
    [["schedules", "list", "--all", "--after", "x"], "give --all or --after, not both"],
    [
      ["schedules", "pause"],
      "schedules pause needs a schedule's id, or --all for the whole scheduler",
    ],
    [["schedules", "put", "x"], "--file is required"],
    [
      ["schedules", "put", "x", "--file", "/nonexistent/x.json"],
      "--file: cannot read /nonexistent/x.json (ENOENT)",
    ],
    [
      ["schedules", "get", "x", "--url", "ftp://example.com"],
      '--url: "ftp://example.com" is not an http:// or https:// URL',
    ],
  ])("sundial %j", async (args, message) => {
    const res = await sundial(args);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe("");
    expect(res.stderr).toContain(message);
  });

  it("names SUNDIAL_URL when the URL came from there", async () => {
    const res = await runMain(["jobs", "list"], { SUNDIAL_URL: "localhost:8080" });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('SUNDIAL_URL: "localhost:8080" is not an http:// or https:// URL');
  });

  it("refuses a --file that is not JSON before sending anything", async () => {
    const file = join(dir, "broken.json");
    await writeFile(file, "{ not json");
    const res = await sundial(["schedules", "put", "broken", "--file", file]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`--file: ${file} is not JSON`);
    expect(await server.sundial.schedules.get("broken")).toBeUndefined();
  });

  it("has help for both commands, listed by sundial --help", async () => {
    for (const command of ["schedules", "jobs"]) {
      const res = await runMain([command, "--help"]);
      expect(res.code).toBe(0);
      expect(res.stdout).toMatch(new RegExp(`^Usage: sundial ${command} list`));
      expect((await runMain(["--help"])).stdout).toMatch(new RegExp(`^  ${command} +\\S`, "m"));
    }
  });
});

describe("the built program", () => {
  let child: ChildProcess | undefined;

  beforeAll(() => {
    if (!existsSync(join(ROOT, "dist", "cli", "commands", "jobs.js"))) {
      throw new Error("dist/ lacks the jobs command: run `npm run build` before these tests");
    }
  });
  afterAll(() => {
    if (child?.exitCode === null) child.kill("SIGKILL");
  });

  it("stops following on Ctrl-C, cleanly, leaving the job running", async () => {
    const job = await enqueue("gated");
    child = spawn(process.execPath, [BIN, "jobs", "logs", job.id, "--follow"], {
      env: {
        ...process.env,
        SUNDIAL_URL: server.url,
        SUNDIAL_TOKEN: tokens.operator,
        SUNDIAL_DEBUG: "",
      },
    });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk) => {
      stdout += String(chunk);
    });
    child.stderr?.on("data", (chunk) => {
      stderr += String(chunk);
    });
    const exited = new Promise<number | null>((resolve) => child?.on("exit", resolve));
    await waitFor(
      "the first log line",
      () => (stdout.includes("gated job started") ? true : undefined),
      30_000,
    );
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    expect(stderr).toMatch(new RegExp(`Stopped following; job ${job.id} carries on\\.\\n$`));
    expect((await server.sundial.jobs.findById(job.id)).status).toBe("RUNNING");
    gates.open(job.id);
  });
});
