/**
 * `sundial projects` and `sundial tasks` against a real server started in this process
 * (startServer: a temp SQLite database, port 0, authentication), run through `main` as a
 * user runs them. The tasks query the test PostgreSQL and write to a temp directory.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "../../src/api/server.js";
import { loadServerConfig } from "../../src/api/server-config.js";
import { AuthService } from "../../src/auth/index.js";
import { postgresSettings } from "../exports/sources/peers.js";
import { runMain } from "../helpers/cli.js";
import { postgresAvailable } from "../helpers/postgres.js";
import { waitFor } from "../helpers/wait-for.js";

if (await postgresAvailable("the projects and tasks CLI tests (their source)")) {
  describe("sundial projects and sundial tasks", () => {
    let dir: string;
    let server: RunningServer;
    const tokens = { operator: "", viewer: "" };
    let taskId = "";

    const sundial = (args: string[], token = tokens.operator) =>
      runMain(args, { SUNDIAL_URL: server.url, SUNDIAL_TOKEN: token });
    const file = async (name: string, value: unknown) => {
      const path = join(dir, name);
      await writeFile(path, JSON.stringify(value));
      return path;
    };

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "sundial-cli-projects-"));
      await mkdir(join(dir, "out"));
      const config = await loadServerConfig({
        flags: {
          port: "0",
          "data-dir": join(dir, "data"),
          conf: join(dir, "conf"),
          "log-level": "silent",
          "log-format": "json",
          "shutdown-grace-ms": "0",
        },
        env: { SUNDIAL_ADMIN_PASSWORD: "correct horse battery staple" },
        cwd: dir,
      });
      server = await startServer(config, pino({ level: "silent" }), { stderr: () => {} });
      const auth = new AuthService(server.sundial.store);
      for (const [name, role] of [
        ["olga", "operator"],
        ["vic", "viewer"],
      ] as const) {
        await auth.createUser({ name, roles: [role] });
        tokens[role] = (await auth.createToken({ user: name, name: "cli tests" })).secret;
      }
      const response = await fetch(`${server.url}/api/v1/connections`, {
        method: "POST",
        headers: { authorization: `Bearer ${tokens.operator}`, "content-type": "application/json" },
        body: JSON.stringify({ name: "warehouse", type: "postgres", settings: postgresSettings() }),
      });
      expect(response.status).toBe(201);
    });

    afterAll(async () => {
      await server?.close();
      await rm(dir, { recursive: true, force: true });
    });

    it("puts, lists and shows a project", async () => {
      const path = await file("sales.json", { name: "sales", parameters: { region: "north" } });
      expect(await sundial(["projects", "put", "--file", path])).toEqual({
        code: 0,
        stdout: "Created project sales (version 1).\n",
        stderr: "",
      });
      const again = await file("sales2.json", {
        description: "Daily sales",
        parameters: { region: "north" },
      });
      expect((await sundial(["projects", "put", "sales", "--file", again])).stdout).toBe(
        "Saved project sales (version 2).\n",
      );
      const list = await sundial(["projects", "list", "--owner", "me"]);
      expect(list.code).toBe(0);
      expect(list.stdout).toMatch(
        /^NAME +RUN MODE +TASKS +OWNERS +VERSION +ID\nsales +series +0 +olga +2 +prj_/,
      );
      const get = await sundial(["projects", "get", "sales"]);
      expect(get.stdout).toContain("description  Daily sales\n");
      const diff = await sundial(["projects", "versions", "sales", "--diff"]);
      expect(diff.stdout).toBe(
        "From version 1 to 2: 1 change(s)\n~ description: - → Daily sales\n",
      );
    });

    it("puts a task, runs it and waits, and lists it", async () => {
      const path = await file("north.json", {
        project: "sales",
        name: "north",
        source: { type: "sql", connection: "warehouse", query: "SELECT :region AS region" },
        output: { fileName: "north.csv", format: { type: "csv" } },
        destinations: [{ type: "directory", directory: join(dir, "out"), overwrite: true }],
      });
      const put = await sundial(["tasks", "put", "--file", path, "--json"]);
      expect(put.code, put.stderr).toBe(0);
      taskId = JSON.parse(put.stdout).id;
      const run = await sundial(["tasks", "run", taskId, "--wait"]);
      expect(run, run.stderr).toMatchObject({
        code: 0,
        stdout: expect.stringMatching(/^Job \S+ is FINISHED\.\n$/),
      });
      expect(await readdir(join(dir, "out"))).toEqual(["north.csv"]);
      const list = await sundial(["tasks", "list", "--project", "sales"]);
      expect(list.stdout).toMatch(new RegExp(`^ID .*\\n${taskId} +sales +north +yes +1 +- +1\\n$`));
      const started = await sundial(["projects", "run", "sales"]);
      expect(started.stdout).toMatch(
        /^Started project sales: job \S+\. Follow it with: sundial jobs logs/,
      );
    });

    it("duplicates, enables, disables and lists a task's versions", async () => {
      const copy = await sundial(["tasks", "duplicate", taskId, "--name", "north-2"]);
      expect(copy.stdout).toMatch(/^Copied to sales\/north-2: tsk_\S+, disabled; enable it with/);
      expect((await sundial(["tasks", "disable", taskId])).stdout).toBe(
        "Disabled task sales/north (version 2).\n",
      );
      expect((await sundial(["tasks", "enable", taskId])).stdout).toBe(
        "Enabled task sales/north (version 3).\n",
      );
      const versions = await sundial(["tasks", "versions", taskId]);
      expect(versions.stdout).toMatch(
        /^VERSION +SAVED +BY\n3 +\S+ +olga\n2 +\S+ +olga\n1 +\S+ +olga\n$/,
      );
      const diff = await sundial(["tasks", "versions", taskId, "--from", "1", "--to", "2"]);
      expect(diff.stdout).toBe("From version 1 to 2: 1 change(s)\n~ enabled: true → false\n");
      const disabled = await sundial(["tasks", "list", "--disabled", "--json"]);
      expect(JSON.parse(disabled.stdout).result.map((t: { name: string }) => t.name)).toEqual([
        "north-2",
      ]);
    });

    it("says what went wrong, with the exit code of its error", async () => {
      const missing = await sundial(["tasks", "get", "tsk_nope"]);
      expect(missing).toMatchObject({
        code: 1,
        stderr: expect.stringContaining('No task has the id "tsk_nope"'),
      });
      const bad = await file("bad.json", {
        project: "sales",
        name: "bad",
        source: { type: "sql" },
      });
      const refused = await sundial(["tasks", "put", "--file", bad]);
      expect(refused).toMatchObject({
        code: 2,
        stderr: expect.stringContaining("sundial tasks: output: is required"),
      });
      const viewer = await sundial(["tasks", "run", taskId], tokens.viewer);
      expect(viewer).toMatchObject({
        code: 1,
        stderr: expect.stringContaining("may not start export jobs"),
      });
      const busy = await sundial(["projects", "delete", "sales"]);
      expect(busy).toMatchObject({ code: 1, stderr: expect.stringContaining("task(s)") });
      expect((await sundial(["tasks", "frobnicate"])).code).toBe(2);
      expect(await sundial(["tasks", "--help"])).toMatchObject({
        code: 0,
        stdout: expect.stringContaining("Usage: sundial tasks list"),
      });
    });

    it("writes a failed run to the server's error log", async () => {
      const path = await file("broken.json", {
        project: "sales",
        name: "broken",
        source: { type: "sql", connection: "warehouse", query: "SELECT * FROM no_such_table" },
        output: { fileName: "broken.csv", format: { type: "csv" } },
      });
      const put = await sundial(["tasks", "put", "--file", path, "--json"]);
      const run = await sundial(["tasks", "run", JSON.parse(put.stdout).id, "--wait", "--json"]);
      expect(run.code).toBe(1);
      const job = JSON.parse(run.stdout) as { id: string; hasErrors: boolean };
      expect(job.hasErrors).toBe(true);
      const errors = join(dir, "data", "errors.log");
      const line = await waitFor("the error log's line", async () => {
        const text = await readFile(errors, "utf8").catch(() => "");
        return text.split("\n").find((l) => l.includes(job.id));
      });
      expect(JSON.parse(line)).toMatchObject({
        type: "export",
        hasErrors: true,
        msg: "job failed",
      });
      expect(line).toContain("no_such_table");
    });

    it("deletes tasks, then their project", async () => {
      const all = JSON.parse((await sundial(["tasks", "list", "--json"])).stdout).result as {
        id: string;
      }[];
      for (const task of all) {
        expect((await sundial(["tasks", "delete", task.id])).stdout).toBe(
          `Deleted task ${task.id}.\n`,
        );
      }
      expect((await sundial(["projects", "delete", "sales"])).stdout).toBe(
        "Deleted project sales.\n",
      );
      expect((await sundial(["projects", "list"])).stdout).toBe("No projects.\n");
    });
  });
}
