// biome-ignore-all lint/suspicious/noTemplateCurlyInString: file name templates write parameters as ${name}
/**
 * Export runs end to end against real peers: a PostgreSQL query becomes a zipped CSV
 * (checked by Debian's unzip and sha256sum), kept in file history, downloaded over the
 * route, copied to a directory; an smtp-server receives the notifications. Then what goes
 * wrong: an empty result, a failing query, an unreachable SFTP host, a full row limit, a
 * bad spec, a missing parameter; each is in the run's log, keeps earlier files, and
 * leaves the task retryable.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ExportRunError,
  type ExportSpec,
  previewExport,
  runExport,
} from "../../../src/exports/index.js";
import { freshSchemaName, postgresAvailable, TEST_DATABASE_URL } from "../../helpers/postgres.js";
import { failureOf } from "../../projects/helpers.js";
import { closedPort, perSuite } from "../destinations/helpers.js";
import { startSmtpServer } from "../destinations/smtp-server.js";
import { peer } from "../helpers.js";
import { postgresSettings } from "../sources/peers.js";
import { type RunWorld, runContext, runWorld } from "./helpers.js";

if (await postgresAvailable("the export run tests")) {
  describe("export runs from PostgreSQL", () => {
    const sink = perSuite(startSmtpServer, (server) => server.stop());
    const schema = freshSchemaName("sundial_runs");
    let world: RunWorld;
    let target: string;

    beforeAll(async () => {
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      await client.query(`CREATE SCHEMA "${schema}"`);
      await client.query(
        `CREATE TABLE "${schema}".sales (id int, region text, amount numeric(10,2), note text)`,
      );
      await client.query(
        `INSERT INTO "${schema}".sales VALUES (1, 'north', 10.50, 'plain'), (2, 'south', 3.25, 'a, "quoted" note'), (3, 'north', 7.00, NULL)`,
      );
      await client.end();
      world = await runWorld();
      await world.connections.create({
        name: "warehouse",
        type: "postgres",
        settings: postgresSettings(),
      });
      await world.connections.create({ name: "mail", type: "smtp", settings: sink().connection() });
      target = await world.folder("target");
    });
    afterAll(async () => {
      await world?.close();
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    });

    // Checked by the run, as a task's saved settings are.
    const notifications = () =>
      [
        { when: "always", connection: "mail", to: ["ops@example.com"] },
      ] as ExportSpec["notifications"];
    const spec = (changes: Partial<ExportSpec> = {}): ExportSpec => ({
      source: {
        type: "sql",
        connection: "warehouse",
        query: `SELECT id, region, amount, note FROM "${schema}".sales WHERE region = :region ORDER BY id`,
      },
      output: { fileName: "sales_${region}_%Y%m%d.csv", format: { type: "csv" }, zip: true },
      destinations: [{ type: "directory", directory: target, overwrite: true }],
      notifications: notifications(),
      ...changes,
    });

    it("writes a zipped CSV, keeps it with its hashes, sends it, and notifies", async () => {
      const { ctx, lines, progress } = await runContext(world, { parameters: { region: "north" } });
      const result = await runExport(spec(), ctx);

      const file = result.file;
      expect(file).toBeDefined();
      if (file === undefined) return;
      expect(file).toMatchObject({
        name: "sales_north_20260330.csv.zip",
        rows: 2,
        empty: false,
        jobId: "job_1",
        taskId: "tsk_sales",
        taskName: "sales",
        projectId: "prj_finance",
        projectName: "finance",
      });
      expect(result).toMatchObject({ rows: 2, empty: false });
      // Debian's tools agree with the recorded hashes, and unzip reads the archive.
      expect((await peer("sha256sum", [file.path])).toString().split(" ")[0]).toBe(file.sha256);
      expect((await peer("md5sum", [file.path])).toString().split(" ")[0]).toBe(file.md5);
      await peer("unzip", ["-t", file.path]);
      expect((await peer("unzip", ["-p", file.path, "sales_north_20260330.csv"])).toString()).toBe(
        "id,region,amount,note\n1,north,10.50,plain\n3,north,7.00,\n",
      );
      const delivered = await readFile(join(target, file.name));
      expect(delivered.equals(await readFile(file.path))).toBe(true);
      expect(result.deliveries).toEqual([
        expect.objectContaining({ status: "sent", file: file.name }),
      ]);

      expect(lines).toEqual([
        expect.stringMatching(/^INFO running the query on connection "warehouse" \(postgres, /),
        "INFO 2 rows written",
        expect.stringMatching(
          new RegExp(
            `^INFO wrote ${file.name}: 2 rows, \\d+ bytes, sha256 ${file.sha256}; kept as file ${file.id}$`,
          ),
        ),
        `INFO directory ${target}: uploaded ${file.size} bytes to ${join(target, file.name)}`,
        expect.stringMatching(/^INFO always email to ops@example.com: sent to ops@example.com/),
      ]);
      expect(progress.at(0)).toBe(0);
      expect(progress.at(-1)).toBe(100);

      const [mail, ...more] = sink().take();
      expect(more).toEqual([]);
      expect(mail?.email.subject).toBe("sales succeeded");
      expect(mail?.email.text).toContain(`The task sales succeeded: 2 rows in ${file.name}.`);
      expect(result.notifications).toEqual([expect.objectContaining({ status: "sent" })]);

      // Downloadable over the route, by a viewer, byte for byte.
      const auth = { authorization: `Bearer ${world.viewerToken}` };
      const download = await world.app.inject({
        url: `/api/v1/files/${file.id}/content`,
        headers: auth,
      });
      expect(download.statusCode).toBe(200);
      expect(download.rawPayload.equals(delivered)).toBe(true);
      expect(download.headers["content-disposition"]).toBe(
        `attachment; filename="${file.name}"; filename*=UTF-8''${file.name}`,
      );
      expect(download.headers["content-type"]).toBe("application/octet-stream");
      const listed = await world.app.inject({
        url: "/api/v1/files?taskId=tsk_sales",
        headers: auth,
      });
      expect(listed.json()).toMatchObject({
        resultCount: 1,
        result: [{ id: file.id, sha256: file.sha256 }],
      });
      expect(listed.body).not.toContain(file.path);
      const one = await world.app.inject({ url: `/api/v1/files/${file.id}`, headers: auth });
      expect(one.json()).toMatchObject({ id: file.id, name: file.name, rows: 2, md5: file.md5 });
      expect((await world.app.inject({ url: `/api/v1/files/${file.id}/content` })).statusCode).toBe(
        401,
      );
      const traversal = await world.app.inject({
        url: "/api/v1/files/..%2F..%2Fsundial.db/content",
        headers: auth,
      });
      expect(traversal.statusCode).toBe(400);
      const unknown = await world.app.inject({
        url: "/api/v1/files/fil_AAAAAAAAAAAAAAAA/content",
        headers: auth,
      });
      expect(unknown.statusCode).toBe(404);
    });

    it("binds parameters as values: an injection finds nothing, and the empty file is not sent", async () => {
      const before = await readdir(target);
      const { ctx, lines } = await runContext(world, {
        parameters: { region: "x' OR '1'='1" },
      });
      const result = await runExport(
        spec({ output: { fileName: "empty_%Y%m%d.csv", format: { type: "csv" }, zip: true } }),
        ctx,
      );
      expect(result).toMatchObject({ rows: 0, empty: true });
      // Written as it is: neither zipped nor sent.
      expect(result.file?.name).toBe("empty_20260330.csv");
      expect(await readFile(result.file?.path ?? "", "utf8")).toBe("id,region,amount,note\n");
      expect(result.deliveries).toEqual([expect.objectContaining({ status: "skipped-empty" })]);
      expect(await readdir(target)).toEqual(before);
      expect(lines).toContain(
        "INFO empty_20260330.csv has no data rows; it is sent nowhere (sendEmptyFiles is off)",
      );
      expect(
        sink()
          .take()
          .map((mail) => mail.email.subject),
      ).toEqual(["sales succeeded"]);
    });

    it("previews the query as it will run, with its placeholders and values", async () => {
      const preview = await previewExport(spec(), {
        parameters: { region: "north", unused: "x" },
        connections: world.connections,
        files: world.files,
      });
      expect(preview).toEqual({
        connection: "warehouse",
        dialect: "postgres",
        query: `SELECT id, region, amount, note FROM "${schema}".sales WHERE region = :region ORDER BY id`,
        text: `SELECT id, region, amount, note FROM "${schema}".sales WHERE region = $1 ORDER BY id`,
        values: ["north"],
        names: ["region"],
      });
      const missing = await failureOf(
        previewExport(spec(), {
          parameters: {},
          connections: world.connections,
          files: world.files,
        }),
      );
      expect(missing.field).toBe("parameters.region");
    });

    it("fails a failing query with the database's reason, notifies, and keeps earlier files", async () => {
      const kept = await world.files.list();
      const before = await readdir(target);
      const { ctx, lines } = await runContext(world, { parameters: { region: "north" } });
      const broken = spec({
        source: {
          type: "sql",
          connection: "warehouse",
          query: `SELECT amout FROM "${schema}".sales WHERE region = :region`,
        },
      });
      const error = await failureOf(runExport(broken, ctx));
      expect(error.code).toBe("sourceFailed");
      expect(error.field).toBe("query");
      expect(error.message).toMatch(
        /^connection "warehouse" \(postgres, .*\): the query failed: column "amout" does not exist \(SQLSTATE 42703\)$/,
      );
      expect(lines.at(-2)).toBe(`ERROR the export sales failed: ${error.message}`);
      expect(lines.at(-1)).toMatch(/^INFO always email to ops@example.com: sent/);
      const [mail] = sink().take();
      expect(mail?.email.subject).toBe("sales failed");
      expect(mail?.email.text).toContain(`The task sales failed: ${error.message}`);
      expect(await world.files.list()).toEqual(kept);
      expect(await readdir(target)).toEqual(before);
    });

    it("fails when a destination is unreachable, after keeping the file, which can be resent", async () => {
      const port = await closedPort();
      await world.connections.create({
        name: "vendor-down",
        type: "sftp",
        settings: { host: "127.0.0.1", port, username: "acme", password: "secret" },
      });
      const { ctx, lines } = await runContext(world, { parameters: { region: "south" } });
      const error = await failureOf(
        runExport(
          spec({
            destinations: [
              { type: "sftp", name: "vendor", connection: "vendor-down", directory: "/incoming" },
            ],
          }),
          ctx,
        ),
      );
      expect(error.code).toBe("deliveryFailed");
      expect(error).toBeInstanceOf(ExportRunError);
      const failed = error as ExportRunError;
      expect(failed.deliveries).toEqual([
        expect.objectContaining({ destination: "vendor", status: "failed" }),
      ]);
      expect(failed.notifications).toEqual([expect.objectContaining({ status: "sent" })]);
      expect(error.message).toMatch(
        new RegExp(
          `^1 of 1 deliveries did not go through \\(sales_south_20260330\\.csv\\.zip: sftp://acme@127\\.0\\.0\\.1:${port}/incoming: can't be reached \\(ECONNREFUSED.*\\); the files are kept \\(fil_`,
        ),
      );
      expect(lines).toContainEqual(
        expect.stringMatching(
          /^ERROR vendor: sftp:\/\/acme@127\.0\.0\.1:\d+\/incoming: can't be reached \(ECONNREFUSED/,
        ),
      );
      expect(lines).toContain(`ERROR the export sales failed: ${error.message}`);
      const [mail] = sink().take();
      expect(mail?.email.subject).toBe("sales failed");
      expect(mail?.email.text).toContain("vendor: failed, sftp://acme@127.0.0.1");

      // The file was kept; a fixed destination gets it by resending.
      const [latest] = (await world.files.list({ taskId: "tsk_sales", _size: 1 })).result;
      expect(latest?.name).toBe("sales_south_20260330.csv.zip");
      expect(latest).toEqual(failed.file);
      expect(latest?.rows).toBe(1);
      const fixed = await world.folder("fixed");
      const outcomes = await world.files.resend(
        latest?.id ?? "",
        [{ type: "directory", directory: fixed }],
        { connections: world.connections },
      );
      expect(outcomes).toEqual([expect.objectContaining({ status: "sent" })]);
      expect(await readdir(fixed)).toEqual(["sales_south_20260330.csv.zip"]);
    });

    it("fails a full row limit, writing no file", async () => {
      const kept = await world.files.list();
      const { ctx } = await runContext(world, { parameters: { region: "north" } });
      const error = await failureOf(
        runExport(
          spec({ output: { fileName: "big.csv", format: { type: "csv" }, maxRows: 1 } }),
          ctx,
        ),
      );
      expect(error.code).toBe("rowLimitExceeded");
      expect(await world.files.list()).toEqual(kept);
      expect(await readdir(ctx.workDirectory)).toEqual([]);
      expect(
        sink()
          .take()
          .map((mail) => mail.email.subject),
      ).toEqual(["sales failed"]);
    });

    it("refuses a bad spec and a missing parameter naming the field, and notifies", async () => {
      const { ctx, lines } = await runContext(world, { parameters: { region: "north" } });
      const bad = await failureOf(
        runExport(
          spec({ output: { fileName: "a.csv", format: { type: "csv", delimiter: "\n" } } }),
          ctx,
        ),
      );
      expect(bad.code).toBe("badRequest");
      expect(bad.message).toBe("output.format.delimiter: holds a line break");
      expect(lines).toContain(
        "ERROR the export sales failed: output.format.delimiter: holds a line break",
      );
      const { ctx: without } = await runContext(world, { parameters: {} });
      const missing = await failureOf(runExport(spec(), without));
      expect(missing.field).toBe("parameters.region");
      expect(
        sink()
          .take()
          .map((mail) => mail.email.subject),
      ).toEqual(["sales failed", "sales failed"]);
      const unknown = await failureOf(
        runExport(spec({ source: { type: "sql", connection: "nowhere", query: "SELECT 1" } }), ctx),
      );
      expect(unknown.code).toBe("notFound");
      expect(unknown.field).toBe("source.connection");
      sink().take();
    });

    it("refuses, before reading the source, a destination naming a connection of another type or none", async () => {
      const kept = await world.files.list();
      const { ctx, lines } = await runContext(world, { parameters: { region: "north" } });
      const wrong = await failureOf(
        runExport(
          spec({ destinations: [{ type: "sftp", connection: "mail", directory: "/incoming" }] }),
          ctx,
        ),
      );
      expect(wrong.code).toBe("badRequest");
      expect(wrong.field).toBe("destinations[0].connection");
      expect(wrong.message).toBe(
        'destinations[0].connection: connection "mail" is of type smtp; an sftp destination takes sftp',
      );
      expect(lines.some((line) => line.includes("running the query"))).toBe(false);
      const missing = await failureOf(
        runExport(
          spec({ destinations: [{ type: "ftp", connection: "drop", directory: "/in" }] }),
          ctx,
        ),
      );
      expect(missing.code).toBe("notFound");
      expect(missing.field).toBe("destinations[0].connection");
      expect(await world.files.list()).toEqual(kept);
      // The failure notifications still go out, through the connection they name.
      expect(
        sink()
          .take()
          .map((mail) => mail.email.subject),
      ).toEqual(["sales failed", "sales failed"]);
    });

    it("stops when told, notifying nobody", async () => {
      const controller = new AbortController();
      const reason = new Error("stopped by the user");
      controller.abort(reason);
      const { ctx } = await runContext(world, {
        parameters: { region: "north" },
        signal: controller.signal,
      });
      await expect(runExport(spec(), ctx)).rejects.toBe(reason);
      expect(sink().take()).toEqual([]);
    });
  });
}
