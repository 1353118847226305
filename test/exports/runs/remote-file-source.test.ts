/**
 * The remote file source against real servers: a `;`-separated CSV on OpenSSH's SFTP
 * re-delivered `|`-separated, a CSV on an FTP server (ftp-srv) turned into JSON, an NDJSON
 * file under an http connection; wildcards in a file's name on both servers; and the CSV
 * reader on its own, fed a character at a time. (SMB shares: test/exports/smb-source.test.ts.)
 */
import { mkdir, readFile, utimes, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ExportSpec, runExport } from "../../../src/exports/index.js";
import { parseCsv } from "../../../src/exports/sources/remote-file-source.js";
import { type Sshd, sshdAvailable, startSshd } from "../../helpers/sshd.js";
import { failureOf } from "../../projects/helpers.js";
import { type FtpServer, startFtpServer } from "../destinations/ftp-server.js";
import { sshLogin } from "../helpers.js";
import { type RunWorld, runContext, runWorld } from "./helpers.js";

async function* chunksOf(text: string, size: number): AsyncGenerator<string> {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}

async function rowsOf(text: string, size: number, delimiter = ",", quote = '"') {
  const rows: string[][] = [];
  for await (const row of parseCsv(chunksOf(text, size), delimiter, quote)) rows.push(row);
  return rows;
}

describe("reading CSV", () => {
  const text =
    'id;name;note\r\n1;"Ada; Countess";"said ""hi""\nand left"\r\n\r\n2;Grace;\r\n3;"";x';
  const expected = [
    ["id", "name", "note"],
    ["1", "Ada; Countess", 'said "hi"\nand left'],
    ["2", "Grace", ""],
    ["3", "", "x"],
  ];

  it("reads quoted delimiters, doubled quotes and line breaks, whatever the chunks", async () => {
    for (const size of [1, 2, 3, 7, 1000]) expect(await rowsOf(text, size, ";")).toEqual(expected);
    expect(await rowsOf("a||b\n1||2\n", 1, "||")).toEqual([
      ["a", "b"],
      ["1", "2"],
    ]);
  });

  it("refuses a quoted value that is never closed, naming its line", async () => {
    const error = await failureOf(rowsOf('id,name\n1,"Ada\n2,Grace\n', 4));
    expect(error.code).toBe("invalidRow");
    expect(error.message).toBe("line 2: a quoted value starts here and is never closed");
  });
});

describe("remote files over FTP and http", () => {
  let world: RunWorld;
  let ftp: FtpServer;
  let web: Server;
  let webPort: number;

  beforeAll(async () => {
    world = await runWorld();
    ftp = await startFtpServer();
    await world.connections.create({
      name: "drop",
      type: "ftp",
      settings: {
        host: "127.0.0.1",
        port: ftp.port,
        username: ftp.username,
        password: ftp.password,
      },
    });
    web = createServer((request, response) => {
      if (request.url === "/data/people.ndjson") {
        response.end('{"id":1,"name":"Ada"}\n\n{"id":2,"name":"Grace"}\n');
      } else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => web.listen(0, "127.0.0.1", resolve));
    webPort = (web.address() as { port: number }).port;
    await world.connections.create({
      name: "web",
      type: "http",
      settings: { baseUrl: `http://127.0.0.1:${webPort}/data/` },
    });
  });
  afterAll(async () => {
    await new Promise((resolve) => web?.close(resolve));
    await ftp?.stop();
    await world?.close();
  });

  it("turns a CSV on FTP into JSON", async () => {
    await writeFile(join(ftp.root, "people.csv"), "id,name\n1,Ada\n2,Grace\n");
    const spec: ExportSpec = {
      source: {
        type: "remoteFile",
        connection: "drop",
        path: "/people.csv",
        format: { type: "csv" },
      },
      output: { fileName: "people.json", format: { type: "json" } },
    };
    const { ctx, lines } = await runContext(world);
    const result = await runExport(spec, ctx);
    expect(JSON.parse(await readFile(result.file?.path ?? "", "utf8"))).toEqual([
      { id: "1", name: "Ada" },
      { id: "2", name: "Grace" },
    ]);
    expect(lines[0]).toBe(
      `INFO downloaded ftp://${ftp.username}@127.0.0.1:${ftp.port}/people.csv (22 bytes)`,
    );
  });

  it("reads NDJSON under an http connection, and names a file that isn't there", async () => {
    const spec = (path: string): ExportSpec => ({
      source: { type: "remoteFile", connection: "web", path, format: { type: "ndjson" } },
      output: { fileName: "people.csv", format: { type: "csv" } },
    });
    const { ctx } = await runContext(world);
    const result = await runExport(spec("people.ndjson"), ctx);
    expect(await readFile(result.file?.path ?? "", "utf8")).toBe("id,name\n1,Ada\n2,Grace\n");
    const missing = await failureOf(
      runExport(spec("nobody.ndjson"), (await runContext(world)).ctx),
    );
    expect(missing.code).toBe("sourceFailed");
    expect(missing.message).toBe(
      `connection "web" (http, http://127.0.0.1:${webPort}/data/nobody.ndjson): GET answered 404 Not Found; check the path and the connection's baseUrl`,
    );
  });

  it("takes the greatest name a wildcard matches when the server gives no times (LIST)", async () => {
    await mkdir(join(ftp.root, "drops"));
    for (const day of ["0326", "0327", "0325"]) {
      await writeFile(join(ftp.root, "drops", `sales_${day}.csv`), `day\n${day}\n`);
    }
    await writeFile(join(ftp.root, "drops", "sales_0399.txt"), "day\n9\n");
    const spec: ExportSpec = {
      source: {
        type: "remoteFile",
        connection: "drop",
        path: "/drops/sales_????.csv",
        format: { type: "csv" },
      },
      output: { fileName: "day.csv", format: { type: "csv" } },
    };
    const { ctx, lines } = await runContext(world);
    const result = await runExport(spec, ctx);
    expect(await readFile(result.file?.path ?? "", "utf8")).toBe("day\n0327\n");
    expect(lines[0]).toBe(
      `INFO downloaded ftp://${ftp.username}@127.0.0.1:${ftp.port}/drops/sales_0327.csv (9 bytes, the newest of 3 files matching sales_????.csv)`,
    );
    const none = await failureOf(
      runExport(
        { ...spec, source: { ...spec.source, path: "/drops/*.json" } as ExportSpec["source"] },
        (await runContext(world)).ctx,
      ),
    );
    expect(none).toMatchObject({ code: "sourceFailed", field: "path" });
    expect(none.message).toMatch(/\/drops\/\*\.json\): no file in \/drops\/ matches \*\.json$/);
  });

  it("fails a file over its size limit, and an FTP file that isn't there", async () => {
    await writeFile(join(ftp.root, "big.csv"), "id\n".repeat(100));
    const spec = (path: string, maxBytes?: number): ExportSpec => ({
      source: {
        type: "remoteFile",
        connection: "drop",
        path,
        format: { type: "csv" },
        ...(maxBytes === undefined ? {} : { maxBytes }),
      },
      output: { fileName: "x.csv", format: { type: "csv" } },
    });
    const big = await failureOf(runExport(spec("/big.csv", 50), (await runContext(world)).ctx));
    expect(big.message).toMatch(/\/big\.csv\): is larger than 50 bytes$/);
    const missing = await failureOf(runExport(spec("/none.csv"), (await runContext(world)).ctx));
    // ftp-srv answers 551 where most servers answer 550 ("no such file"); both name the file.
    expect(missing.message).toMatch(/\/none\.csv\): the download failed: 551 ENOENT/);
  });

  it("names a refused login as the FTP destination does", async () => {
    await world.connections.create({
      name: "drop-wrong",
      type: "ftp",
      settings: { host: "127.0.0.1", port: ftp.port, username: ftp.username, password: "wrong" },
    });
    const spec: ExportSpec = {
      source: {
        type: "remoteFile",
        connection: "drop-wrong",
        path: "/people.csv",
        format: { type: "csv" },
      },
      output: { fileName: "x.csv", format: { type: "csv" } },
    };
    const error = await failureOf(runExport(spec, (await runContext(world)).ctx));
    expect(error.code).toBe("sourceFailed");
    expect(error.field).toBe("connection");
    expect(error.message).toMatch(
      new RegExp(
        `^connection "drop-wrong" \\(ftp, ftp://${ftp.username}@127\\.0\\.0\\.1:${ftp.port}/people\\.csv\\): refused the login as ${ftp.username} \\(530 .*\\); check the connection's username and password$`,
      ),
    );
  });
});

if (sshdAvailable("the remote file source tests")) {
  describe("remote files over SFTP from OpenSSH", () => {
    let world: RunWorld;
    let sshd: Sshd;

    beforeAll(async () => {
      sshd = await startSshd();
      world = await runWorld();
      await world.connections.create({
        name: "vendor",
        type: "sftp",
        settings: sshLogin(sshd),
      });
    });
    afterAll(async () => {
      await world?.close();
      await sshd?.stop();
    });

    it("re-delivers a ;-separated CSV |-separated, keeping quoted values whole", async () => {
      await writeFile(join(sshd.folder, "in.csv"), 'id;name\n1;"Ada; Countess"\n2;Grace\n');
      const target = await world.folder("target");
      const outgoing = join(sshd.folder, "outgoing");
      await mkdir(outgoing);
      const spec: ExportSpec = {
        source: {
          type: "remoteFile",
          connection: "vendor",
          path: join(sshd.folder, "in.csv"),
          format: { type: "csv", delimiter: ";" },
        },
        output: { fileName: "out.csv", format: { type: "csv", delimiter: "|" } },
        destinations: [
          { type: "directory", directory: target },
          // Back to the server, through the same stored connection.
          { type: "sftp", connection: "vendor", directory: outgoing },
        ],
      };
      const result = await runExport(spec, (await runContext(world)).ctx);
      expect(result.rows).toBe(2);
      const expected = "id|name\n1|Ada; Countess\n2|Grace\n";
      expect(await readFile(join(target, "out.csv"), "utf8")).toBe(expected);
      expect(await readFile(join(outgoing, "out.csv"), "utf8")).toBe(expected);
      expect(result.deliveries.map((delivery) => delivery.destination)).toEqual([
        `directory ${target}`,
        `sftp vendor:${outgoing}`,
      ]);
    });

    it("takes the file modified last that a wildcard matches, not the greatest name", async () => {
      const drops = join(sshd.folder, "drops");
      await mkdir(drops);
      const drop = async (name: string, iso: string) => {
        await writeFile(join(drops, name), `name\n${name}\n`);
        await utimes(join(drops, name), new Date(iso), new Date(iso));
      };
      await drop("sales_b.csv", "2026-03-26T06:00:00Z");
      await drop("sales_a.csv", "2026-03-27T06:00:00Z");
      await drop("Sales_c.csv", "2026-03-28T06:00:00Z");
      const spec: ExportSpec = {
        source: {
          type: "remoteFile",
          connection: "vendor",
          path: `${drops}/sales_*.csv`,
          format: { type: "csv" },
        },
        output: { fileName: "latest.csv", format: { type: "csv" } },
      };
      const { ctx, lines } = await runContext(world);
      const result = await runExport(spec, ctx);
      // SFTP names keep their case: Sales_c.csv is not a match.
      expect(await readFile(result.file?.path ?? "", "utf8")).toBe("name\nsales_a.csv\n");
      expect(lines[0]).toContain(
        "/drops/sales_a.csv (17 bytes, the newest of 2 files matching sales_*.csv)",
      );
    });

    it("names a refused key and a host key that is not the pinned one, as the SFTP destination does", async () => {
      await world.connections.create({
        name: "stranger",
        type: "sftp",
        settings: sshLogin(sshd, { privateKey: await sshd.makeKey({ authorized: false }) }),
      });
      const other = "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s";
      await world.connections.create({
        name: "pinned",
        type: "sftp",
        settings: sshLogin(sshd, { hostKeyFingerprint: other }),
      });
      const spec = (connection: string): ExportSpec => ({
        source: { type: "remoteFile", connection, path: "/in.csv", format: { type: "csv" } },
        output: { fileName: "x.csv", format: { type: "csv" } },
      });
      const refused = await failureOf(runExport(spec("stranger"), (await runContext(world)).ctx));
      expect(refused).toMatchObject({ code: "sourceFailed", field: "connection" });
      expect(refused.message).toContain(
        `connection "stranger" (sftp, sftp://${sshd.username}@${sshd.host}:${sshd.port}/in.csv): refused the login as ${sshd.username} (`,
      );
      expect(refused.message).toContain("check the connection's username and private key");
      const pinned = await failureOf(runExport(spec("pinned"), (await runContext(world)).ctx));
      expect(pinned.message).toContain(
        `the server presented the host key ${sshd.hostKeyFingerprint}, not the pinned ${other}, so Sundial did not log in`,
      );
    });
  });
}
