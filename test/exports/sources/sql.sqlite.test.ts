import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { SundialError } from "../../../src/errors.js";
import { sqlRows } from "../../../src/exports/sources/sql.js";
import type { SqlConnection } from "../../../src/exports/sources/sql-connection.js";
import { type SqlPeer, sqlSourceContract } from "./sql-suite.js";

async function openPeer(): Promise<SqlPeer> {
  const dir = await mkdtemp(join(tmpdir(), "sundial-sql-sqlite-"));
  const path = join(dir, "shop.db");
  const db = new Database(path);
  const connection: SqlConnection = { name: "local", type: "sqlite", settings: { path } };
  return {
    connection,
    exec: async (sql) => {
      db.exec(sql);
    },
    select: async (sql) => db.prepare(sql).all() as Record<string, unknown>[],
    series: (count) =>
      `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ${count}) SELECT i, 'customer ' || i AS name FROM s`,
    types: { decimal: "NUMERIC", text: "TEXT" },
    unreachable: { ...connection, name: "nowhere", settings: { path: join(dir, "missing.db") } },
    refused: undefined,
    close: async () => {
      db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

sqlSourceContract("SQLite", openPeer);

describe("the SQL source's SQLite files", () => {
  it("reads a file without changing it unless told, and never creates one", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sundial-sql-sqlite-"));
    try {
      const path = join(dir, "a.db");
      const db = new Database(path);
      db.exec("CREATE TABLE t (v INTEGER); INSERT INTO t VALUES (9007199254740993), (7)");
      db.close();
      const local: SqlConnection = { name: "local", type: "sqlite", settings: { path } };
      const read = async (connection: SqlConnection, query: string) => {
        const rows = [];
        for await (const row of sqlRows(connection, query)) rows.push(row);
        return rows;
      };
      expect(await read(local, "SELECT v FROM t ORDER BY v")).toEqual([
        { v: 7 },
        { v: 9007199254740993n },
      ]);
      const readOnly = read(local, "INSERT INTO t VALUES (1)");
      await expect(readOnly).rejects.toBeInstanceOf(SundialError);
      await expect(readOnly).rejects.toMatchObject({ code: "sourceFailed", field: "query" });
      const writable = { ...local, settings: { path, readOnly: false } };
      expect(await read(writable, "INSERT INTO t VALUES (1)")).toEqual([]);

      const missing = read({ ...local, settings: { path: join(dir, "b.db") } }, "SELECT 1");
      await expect(missing).rejects.toMatchObject({ code: "sourceFailed", field: "connection" });
      await expect(missing).rejects.toThrow(/b\.db does not exist/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
