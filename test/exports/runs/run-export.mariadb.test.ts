/**
 * Export runs from MariaDB: rows to an NDJSON file, and the two mistakes users make most,
 * a wrong password and a missing column, each a clear `sourceFailed` in the run's log.
 */
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ExportSpec, runExport } from "../../../src/exports/index.js";
import { failureOf } from "../../projects/helpers.js";
import { MARIADB, mariadbAvailable, mariadbClient } from "../sources/peers.js";
import { type RunWorld, runContext, runWorld } from "./helpers.js";

const TABLE = `sundial_runs_${process.pid}`;

if (await mariadbAvailable("the export run tests")) {
  describe("export runs from MariaDB", () => {
    let world: RunWorld;

    beforeAll(async () => {
      const client = await mariadbClient();
      await client.query(`CREATE TABLE ${TABLE} (id INT, name VARCHAR(20))`);
      await client.query(`INSERT INTO ${TABLE} VALUES (1, 'Ada'), (2, 'Grace')`);
      await client.end();
      world = await runWorld();
      const { host, port, username, password, database } = MARIADB;
      const settings = { host, port, username, database, ...(password === "" ? {} : { password }) };
      await world.connections.create({ name: "shop", type: "mysql", settings });
      await world.connections.create({
        name: "shop-wrong",
        type: "mysql",
        settings: { ...settings, password: "not-the-password" },
      });
    });
    afterAll(async () => {
      await world?.close();
      const client = await mariadbClient();
      await client.query(`DROP TABLE IF EXISTS ${TABLE}`);
      await client.end();
    });

    const spec = (connection: string, query: string): ExportSpec => ({
      source: { type: "sql", connection, query, headers: false },
      output: { fileName: "people.ndjson", format: { type: "ndjson" } },
    });

    it("writes the rows", async () => {
      const { ctx } = await runContext(world, { parameters: { min: "1" } });
      const result = await runExport(
        spec("shop", `SELECT id, name FROM ${TABLE} WHERE id >= :min ORDER BY id`),
        ctx,
      );
      expect(await readFile(result.file?.path ?? "", "utf8")).toBe(
        '{"id":1,"name":"Ada"}\n{"id":2,"name":"Grace"}\n',
      );
    });

    it("says the login was refused, for a wrong password", async () => {
      const { ctx, lines } = await runContext(world);
      const error = await failureOf(runExport(spec("shop-wrong", `SELECT id FROM ${TABLE}`), ctx));
      expect(error.code).toBe("sourceFailed");
      expect(error.message).toMatch(
        /^connection "shop-wrong" \(mysql, .*\): the server refused the login of user "root": .*; check the connection's username and password$/,
      );
      expect(lines).toEqual([
        expect.stringMatching(/^INFO running the query on connection "shop-wrong"/),
        `ERROR the export sales failed: ${error.message}`,
      ]);
    });

    it("names a missing column", async () => {
      const { ctx } = await runContext(world);
      const error = await failureOf(runExport(spec("shop", `SELECT nme FROM ${TABLE}`), ctx));
      expect(error.field).toBe("query");
      expect(error.message).toMatch(
        /the query failed: Unknown column 'nme' in .*\(ER_BAD_FIELD_ERROR, SQLSTATE 42S22\)$/,
      );
    });
  });
}
