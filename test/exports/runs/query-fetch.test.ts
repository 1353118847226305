// biome-ignore-all lint/suspicious/noTemplateCurlyInString: file name templates write parameters as ${name}
/**
 * Queries kept elsewhere: fetched from an http connection (a git host's raw files, here a
 * loopback server) and from a file over SFTP (OpenSSH's sshd), with the last good copy
 * (before parameters) used, and said so in the log, when a later fetch fails.
 */

import { rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ExportSpec } from "../../../src/exports/index.js";
import { runExport } from "../../../src/exports/index.js";
import { type Sshd, sshdAvailable, startSshd } from "../../helpers/sshd.js";
import { failureOf } from "../../projects/helpers.js";
import { sshLogin } from "../helpers.js";
import { type RunWorld, runContext, runWorld } from "./helpers.js";

const QUERY = "SELECT id, region FROM sales WHERE region = :region ORDER BY id";

describe("queries fetched from a server", () => {
  let world: RunWorld;
  let server: Server;
  let port: number;
  /** What the server answers next: a status and a body. */
  let answer: { status: number; body: string };
  const requests: { url: string; token: string | undefined }[] = [];

  beforeAll(async () => {
    world = await runWorld();
    const data = await world.folder("data");
    const db = new Database(join(data, "sales.db"));
    db.exec("CREATE TABLE sales (id INTEGER, region TEXT)");
    db.exec("INSERT INTO sales VALUES (1, 'north'), (2, 'south'), (3, 'north')");
    db.close();
    await world.connections.create({
      name: "local",
      type: "sqlite",
      settings: { path: join(data, "sales.db") },
    });
    server = createServer((request, response) => {
      requests.push({
        url: request.url ?? "",
        token: request.headers["private-token"] as string | undefined,
      });
      response.writeHead(answer.status, { "content-type": "text/plain" }).end(answer.body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as { port: number }).port;
    await world.connections.create({
      name: "git",
      type: "http",
      settings: {
        baseUrl: `http://127.0.0.1:${port}/raw/main`,
        token: "glpat-secret",
        tokenHeader: "PRIVATE-TOKEN",
      },
    });
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await world?.close();
  });

  const spec = (path: string): ExportSpec => ({
    source: { type: "sql", connection: "local", query: { http: { connection: "git", path } } },
    output: { fileName: "sales_${region}.csv", format: { type: "csv" } },
  });

  it("fetches the query, then uses its last good copy when the fetch fails", async () => {
    answer = { status: 200, body: QUERY };
    const first = await runContext(world, { parameters: { region: "north" } });
    const result = await runExport(spec("queries/sales.sql"), first.ctx);
    expect(result.rows).toBe(2);
    expect(requests.at(-1)).toEqual({ url: "/raw/main/queries/sales.sql", token: "glpat-secret" });
    expect(first.lines[0]).toBe(
      `INFO fetched the query from http://127.0.0.1:${port}/raw/main/queries/sales.sql (${QUERY.length} bytes)`,
    );
    // Kept as fetched: the parameters are bound at each run, never baked in.
    expect((await world.files.queries.get("http:git:queries/sales.sql"))?.query).toBe(QUERY);

    answer = { status: 503, body: "maintenance" };
    const second = await runContext(world, { parameters: { region: "south" } });
    const fallback = await runExport(spec("queries/sales.sql"), second.ctx);
    expect(fallback.rows).toBe(1);
    expect(second.lines.slice(0, 2)).toEqual([
      `ERROR could not fetch the query from http://127.0.0.1:${port}/raw/main/queries/sales.sql: connection "git" (http, http://127.0.0.1:${port}/raw/main/queries/sales.sql): GET answered 503 Service Unavailable`,
      expect.stringMatching(
        /^INFO using the copy of the query fetched at \d{4}-\d\d-\d\dT[\d:.]+Z \(sha256 [0-9a-f]{12}…\)$/,
      ),
    ]);
  });

  it("fails, naming the reason, when the fetch fails and no copy is kept", async () => {
    answer = { status: 404, body: "no such file" };
    const { ctx, lines } = await runContext(world, { parameters: { region: "north" } });
    const error = await failureOf(runExport(spec("queries/other.sql"), ctx));
    expect(error.code).toBe("sourceFailed");
    expect(error.message).toBe(
      `the query could not be fetched from http://127.0.0.1:${port}/raw/main/queries/other.sql, and no earlier copy is kept: connection "git" (http, http://127.0.0.1:${port}/raw/main/queries/other.sql): GET answered 404 Not Found; check the path and the connection's baseUrl`,
    );
    expect(lines).toEqual([`ERROR the export sales failed: ${error.message}`]);
  });

  it("refuses a connection of another type for the query", async () => {
    const { ctx } = await runContext(world, { parameters: { region: "north" } });
    const error = await failureOf(
      runExport(
        {
          ...spec("x"),
          source: {
            type: "sql",
            connection: "local",
            query: { http: { connection: "local", path: "x" } },
          },
        },
        ctx,
      ),
    );
    // Only a changed setting mends it: no copy of the query is used, and it is not retried.
    expect(error.code).toBe("badRequest");
    expect(error.field).toBe("source.query.http.connection");
    expect(error.message).toBe(
      'source.query.http.connection: connection "local" is of type sqlite; a query over http takes http',
    );
  });
});

if (sshdAvailable("the SFTP query fetch tests")) {
  describe("queries fetched over SFTP from OpenSSH", () => {
    let world: RunWorld;
    let sshd: Sshd;

    beforeAll(async () => {
      sshd = await startSshd();
      world = await runWorld();
      const data = await world.folder("data");
      const db = new Database(join(data, "sales.db"));
      db.exec("CREATE TABLE sales (id INTEGER, region TEXT)");
      db.exec("INSERT INTO sales VALUES (1, 'north'), (2, 'south')");
      db.close();
      await world.connections.create({
        name: "local",
        type: "sqlite",
        settings: { path: join(data, "sales.db") },
      });
      await world.connections.create({
        name: "vendor",
        type: "sftp",
        settings: sshLogin(sshd, { hostKeyFingerprint: sshd.hostKeyFingerprint }),
      });
    });
    afterAll(async () => {
      await world?.close();
      await sshd?.stop();
    });

    it("reads the query file, and falls back to its copy once the file is gone", async () => {
      const path = join(sshd.folder, "sales.sql");
      await writeFile(path, `\uFEFF${QUERY}\n`);
      const spec: ExportSpec = {
        source: {
          type: "sql",
          connection: "local",
          query: { file: { connection: "vendor", path } },
        },
        output: { fileName: "sales.csv", format: { type: "csv" } },
      };
      const first = await runContext(world, { parameters: { region: "north" } });
      expect((await runExport(spec, first.ctx)).rows).toBe(1);
      const where = `sftp://${sshd.username}@${sshd.host}:${sshd.port}${path}`;
      expect(first.lines[0]).toMatch(
        new RegExp(`^INFO fetched the query from ${where.replace(/[.]/g, "\\.")} \\(`),
      );

      await rm(path);
      const second = await runContext(world, { parameters: { region: "south" } });
      expect((await runExport(spec, second.ctx)).rows).toBe(1);
      expect(second.lines[0]).toBe(
        `ERROR could not fetch the query from ${where}: connection "vendor" (sftp, ${where}): no such file on the server`,
      );
      expect(second.lines[1]).toMatch(/^INFO using the copy of the query fetched at /);
    });
  });
}
