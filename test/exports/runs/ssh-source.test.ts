/**
 * The SSH command source against OpenSSH's own sshd on loopback: output as lines, CSV and
 * NDJSON rows, a script kept on SFTP, a non-zero exit with its exit code and the end of its
 * standard error, a stop and a time limit that end the remote command, too much output, and
 * the login failures worded as the SFTP ones are.
 */
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ExportSpec, runExport } from "../../../src/exports/index.js";
import { type Sshd, sshdAvailable, startSshd } from "../../helpers/sshd.js";
import { waitFor } from "../../helpers/wait-for.js";
import { failureOf } from "../../projects/helpers.js";
import { sshLogin } from "../helpers.js";
import { type RunWorld, runContext, runWorld } from "./helpers.js";

const run = promisify(execFile);

/** The pids of processes whose command line holds `marker` (the remote command's shell). */
async function processesWith(marker: string): Promise<string[]> {
  try {
    // Run without a shell, whose own command line would hold the marker.
    const { stdout } = await run("pgrep", ["-f", marker]);
    return stdout.split("\n").filter((line) => line !== "");
  } catch (error) {
    // pgrep exits 1 when nothing matches.
    if ((error as { code?: unknown }).code === 1) return [];
    throw error;
  }
}

if (sshdAvailable("the SSH command source tests")) {
  describe("the SSH command source against OpenSSH's sshd", () => {
    let world: RunWorld;
    let sshd: Sshd;

    beforeAll(async () => {
      sshd = await startSshd();
      world = await runWorld();
      const login = sshLogin(sshd);
      await world.connections.create({
        name: "box",
        type: "ssh",
        settings: { ...login, hostKeyFingerprint: sshd.hostKeyFingerprint },
      });
      await world.connections.create({ name: "files", type: "sftp", settings: login });
      await world.connections.create({
        name: "stranger",
        type: "ssh",
        settings: { ...login, privateKey: await sshd.makeKey({ authorized: false }) },
      });
    });
    afterAll(async () => {
      await world?.close();
      await sshd?.stop();
    });

    const spec = (source: Record<string, unknown>, fileName = "out.csv"): ExportSpec =>
      ({
        source: { type: "ssh", connection: "box", ...source },
        output: { fileName, format: { type: fileName.endsWith(".json") ? "json" : "csv" } },
      }) as ExportSpec;

    it("makes a row of each line of the output, in one column, and logs its standard error", async () => {
      const { ctx, lines } = await runContext(world);
      const result = await runExport(
        spec({ command: "printf 'alpha\\nbeta, gamma\\n\\nlast'; echo 'a note' >&2" }),
        ctx,
      );
      expect(result.rows).toBe(4);
      expect(await readFile(result.file?.path ?? "", "utf8")).toBe(
        'line\nalpha\n"beta, gamma"\n\nlast\n',
      );
      expect(lines.slice(0, 3)).toEqual([
        `INFO running the command on connection "box" (ssh, ${sshd.username}@${sshd.host}:${sshd.port})`,
        "INFO ssh: a note",
        "INFO the command exited with code 0, giving 23 bytes of output",
      ]);
    });

    it("reads CSV and NDJSON output as rows", async () => {
      const csv = await runExport(
        spec(
          { command: "printf 'id,name\\n1,Ada\\n2,\"Grace, H\"\\n'", output: "csv" },
          "people.json",
        ),
        (await runContext(world)).ctx,
      );
      expect(JSON.parse(await readFile(csv.file?.path ?? "", "utf8"))).toEqual([
        { id: "1", name: "Ada" },
        { id: "2", name: "Grace, H" },
      ]);
      const ndjson = await runExport(
        spec({ command: `printf '{"id":1}\\n{"id":2,"tag":"x"}\\n'`, output: "ndjson" }),
        (await runContext(world)).ctx,
      );
      expect(await readFile(ndjson.file?.path ?? "", "utf8")).toBe("id\n1\n2\n");
      const broken = await failureOf(
        runExport(
          spec({ command: "echo 'not json'", output: "ndjson" }),
          (await runContext(world)).ctx,
        ),
      );
      expect(broken).toMatchObject({ code: "invalidRow" });
      expect(broken.message).toMatch(/^line 1: is not JSON/);
    });

    it("runs a script kept on SFTP, and its last good copy once the file is gone", async () => {
      const path = join(sshd.folder, `report-${randomUUID()}.sh`);
      await writeFile(path, 'for region in north south; do\n  echo "$region"\ndone\n');
      const kept = spec({ command: { file: { connection: "files", path } } });
      const first = await runContext(world);
      const result = await runExport(kept, first.ctx);
      expect(await readFile(result.file?.path ?? "", "utf8")).toBe("line\nnorth\nsouth\n");
      expect(first.lines[0]).toMatch(/^INFO fetched the command from sftp:\/\/.* \(\d+ bytes\)$/);

      await writeFile(path, "");
      const second = await runContext(world);
      expect((await runExport(kept, second.ctx)).rows).toBe(2);
      expect(second.lines[0]).toMatch(/^ERROR could not fetch the command from sftp:.* is empty/);
      expect(second.lines[1]).toMatch(/^INFO using the copy of the command fetched at /);
    });

    it("fails a non-zero exit with its code and the end of its standard error, keeping no file", async () => {
      const before = await world.files.list();
      const { ctx, lines } = await runContext(world);
      const script = 'echo partial; for i in 1 2 3 4 5 6; do echo "problem $i" >&2; done; exit 3';
      const error = await failureOf(runExport(spec({ command: script }), ctx));
      expect(error.code).toBe("commandFailed");
      expect(error.field).toBe("source.command");
      expect(error.message).toBe(
        `source.command: on connection "box" (ssh, ${sshd.username}@${sshd.host}:${sshd.port}), the command exited with code 3; its standard error ended with:\nproblem 2\nproblem 3\nproblem 4\nproblem 5\nproblem 6`,
      );
      expect(lines).toContain("ERROR ssh: problem 1");
      expect(lines.at(-1)).toBe(`ERROR the export sales failed: ${error.message}`);
      expect(await world.files.list()).toEqual(before);
      expect(await readdir(ctx.workDirectory)).toEqual([]);

      const silent = await failureOf(
        runExport(spec({ command: "exit 7" }), (await runContext(world)).ctx),
      );
      expect(silent.message).toMatch(
        /the command exited with code 7; it wrote nothing to standard error$/,
      );
    });

    it("ends the remote command when stopped, and when past its time limit", async () => {
      const marker = `sundial-${randomUUID()}`;
      // It prints on, so that it also ends where OpenSSH refuses signals (a root login).
      const command = `while :; do echo tick; sleep 0.1; done; : ${marker}`;
      const controller = new AbortController();
      const reason = new Error("stopped by the user");
      const { ctx } = await runContext(world, { signal: controller.signal });
      const running = runExport(spec({ command }), ctx);
      await waitFor("the command to run", async () =>
        (await processesWith(marker)).length > 0 ? true : undefined,
      );
      controller.abort(reason);
      await expect(running).rejects.toBe(reason);
      await waitFor("the command to end", async () =>
        (await processesWith(marker)).length === 0 ? true : undefined,
      );

      const late = `sundial-${randomUUID()}`;
      const error = await failureOf(
        runExport(
          spec({ command: `while :; do echo tick; sleep 0.1; done; : ${late}`, timeoutMs: 1000 }),
          (await runContext(world)).ctx,
        ),
      );
      expect(error.code).toBe("commandFailed");
      expect(error.message).toContain("the command did not finish within 1 s, and was stopped");
      await waitFor("the timed-out command to end", async () =>
        (await processesWith(late)).length === 0 ? true : undefined,
      );
    });

    it("stops a command whose output passes maxBytes", async () => {
      const error = await failureOf(
        runExport(
          spec({ command: "head -c 100000 /dev/zero | tr '\\0' 'x'", maxBytes: 1000 }),
          (await runContext(world)).ctx,
        ),
      );
      expect(error).toMatchObject({ code: "sourceFailed", field: "source.maxBytes" });
      expect(error.message).toContain("the command's output passed maxBytes (1000 bytes)");
    });

    it("names a refused login, and a connection of another type, as a task's field", async () => {
      const refused = await failureOf(
        runExport(spec({ connection: "stranger", command: "true" }), (await runContext(world)).ctx),
      );
      expect(refused).toMatchObject({ code: "sourceFailed", field: "source.connection" });
      expect(refused.message).toContain(
        `connection "stranger" (ssh, ${sshd.username}@${sshd.host}:${sshd.port}): refused the login as ${sshd.username} (`,
      );
      expect(refused.message).toContain("check the connection's username and private key");
      const wrong = await failureOf(
        runExport(spec({ connection: "files", command: "true" }), (await runContext(world)).ctx),
      );
      expect(wrong).toMatchObject({
        code: "badRequest",
        field: "source.connection",
        message: 'source.connection: connection "files" is of type sftp; an ssh source takes ssh',
      });
    });
  });
}
