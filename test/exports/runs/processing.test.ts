// biome-ignore-all lint/suspicious/noTemplateCurlyInString: shell scripts write variables as ${name}
/**
 * The processing script: a real program (/bin/sh) run on the data file with the run's
 * facts in its environment, changing the file in place or listing files that replace
 * it, each then zipped as the output says; and its failures, named.
 */
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ExportSpec, runExport } from "../../../src/exports/index.js";
import { failureOf } from "../../projects/helpers.js";
import { peer, tempFolder } from "../helpers.js";
import { type RunWorld, runContext, runWorld } from "./helpers.js";

describe("the processing script", () => {
  let world: RunWorld;
  let dbPath: string;
  beforeAll(async () => {
    world = await runWorld();
    dbPath = join(await world.folder("data"), "people.db");
    const db = new Database(dbPath);
    db.exec("CREATE TABLE people (id INTEGER, name TEXT)");
    db.exec("INSERT INTO people VALUES (1, 'Ada'), (2, 'Grace')");
    db.close();
    await world.connections.create({ name: "local", type: "sqlite", settings: { path: dbPath } });
  });
  afterAll(() => world?.close());

  /** A spec whose processing is `sh -c <script>`: the data file is its $1. */
  const spec = (
    script: string,
    output: Partial<ExportSpec["output"]> = {},
    extra = {},
  ): ExportSpec => ({
    source: { type: "sql", connection: "local", query: "SELECT id, name FROM people ORDER BY id" },
    processing: { command: "sh", args: ["-c", script, "sh"], ...extra },
    output: { fileName: "people.csv", format: { type: "csv" }, ...output },
  });

  it("changes the data file in place, then zips it, with the run's facts in its environment", async () => {
    const { ctx, lines } = await runContext(world, { parameters: { region: "north" } });
    const result = await runExport(
      spec(
        'sed -i "s/Ada/ADA/" "$1"; echo "done $SUNDIAL_TASK_NAME $SUNDIAL_PARAMETER_region $SUNDIAL_ROWS $(basename "$1")"',
        {
          zip: true,
        },
      ),
      ctx,
    );
    expect(result.file?.name).toBe("people.csv.zip");
    expect(result.rows).toBe(2);
    await peer("unzip", ["-t", result.file?.path ?? ""]);
    expect((await peer("unzip", ["-p", result.file?.path ?? "", "people.csv"])).toString()).toBe(
      "id,name\n1,ADA\n2,Grace\n",
    );
    expect(lines).toContain("INFO processing: done sales north 2 people.csv");
    expect((await peer("sha256sum", [result.file?.path ?? ""])).toString().split(" ")[0]).toBe(
      result.file?.sha256,
    );
  });

  it("encrypts and zips what it leaves, which gpg decrypts and unzip reads", async () => {
    const home = await tempFolder("gnupg");
    const gpg = (...args: string[]) =>
      peer("gpg", ["--batch", "--pinentry-mode", "loopback", "--passphrase", "", ...args], {
        GNUPGHOME: home.dir,
      });
    try {
      await gpg(
        "--quick-gen-key",
        "Vendor <vendor@sundial.invalid>",
        "future-default",
        "default",
        "never",
      );
      const publicKey = (await gpg("--armor", "--export", "vendor@sundial.invalid")).toString();
      const { ctx } = await runContext(world);
      const result = await runExport(
        spec('sed -i "s/Grace/GRACE/" "$1"', { encrypt: { publicKey }, zip: true }),
        ctx,
      );
      const file = result.file;
      expect(file?.name).toBe("people.csv.gpg.zip");
      await peer("unzip", ["-t", file?.path ?? ""]);
      const inner = join(home.dir, "inner.gpg");
      await writeFile(inner, await peer("unzip", ["-p", file?.path ?? "", "people.csv.gpg"]));
      expect((await gpg("--quiet", "--decrypt", inner)).toString()).toBe(
        "id,name\n1,Ada\n2,GRACE\n",
      );
    } finally {
      await peer("gpgconf", ["--kill", "gpg-agent"], { GNUPGHOME: home.dir }).catch(
        () => undefined,
      );
      await home.remove();
    }
  });

  it("takes the files it lists instead, each kept and sent, and hides the server's environment", async () => {
    process.env.SUNDIAL_TEST_SECRET = "hidden";
    const target = await world.folder("target");
    const { ctx } = await runContext(world);
    const result = await runExport(
      {
        ...spec(
          'mkdir -p out; head -2 "$1" > out/first.csv; echo "$SUNDIAL_CONNECTION_local|${SUNDIAL_TEST_SECRET:-none}" > out/second.txt; echo \'["out/first.csv", "out/second.txt"]\'',
        ),
        destinations: [{ type: "directory", directory: target }],
      },
      ctx,
    );
    delete process.env.SUNDIAL_TEST_SECRET;
    expect(result.files.map((file) => file.name)).toEqual(["first.csv", "second.txt"]);
    expect(result.deliveries.map((outcome) => outcome.status)).toEqual(["sent", "sent"]);
    expect((await readdir(target)).sort()).toEqual(["first.csv", "second.txt"]);
    expect(await readFile(join(target, "first.csv"), "utf8")).toBe("id,name\n1,Ada\n");
    expect(await readFile(join(target, "second.txt"), "utf8")).toBe(`${dbPath}|none\n`);
  });

  it("fails naming the program and its last line, when it exits non-zero or is not there", async () => {
    const { ctx, lines } = await runContext(world);
    const error = await failureOf(
      runExport(spec('echo "bad input in $(basename "$1")" >&2; exit 3'), ctx),
    );
    expect(error.code).toBe("commandFailed");
    expect(error.message).toBe(
      "processing.command: sh exited with code 3: bad input in people.csv",
    );
    expect(lines).toContain("ERROR processing: bad input in people.csv");
    const missing = await failureOf(
      runExport(
        { ...spec(""), processing: { command: "no-such-program-here" } },
        (await runContext(world)).ctx,
      ),
    );
    expect(missing.message).toBe(
      "processing.command: no-such-program-here was not found (ENOENT); give a path, or a program on the server's PATH",
    );
    const slow = await failureOf(
      runExport(spec("sleep 5", {}, { timeoutMs: 1000 }), (await runContext(world)).ctx),
    );
    expect(slow.message).toBe("processing.command: sh did not finish within 1 s, and was stopped");
  });

  it("refuses a listed file outside the run's folder", async () => {
    const error = await failureOf(
      runExport(spec(`echo '["${dbPath}"]'`), (await runContext(world)).ctx),
    );
    expect(error.code).toBe("badRequest");
    expect(error.message).toBe(
      `processing output [0]: "${dbPath}" is outside the run's folder; write the files there (the script's working directory)`,
    );
  });
});
