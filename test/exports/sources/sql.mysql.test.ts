import type { Connection } from "mysql2/promise";
import { describe, expect, it } from "vitest";
import { sqlRows } from "../../../src/exports/sources/sql.js";
import type { SqlConnection } from "../../../src/exports/sources/sql-connection.js";
import { MARIADB, mariadbAvailable, mariadbClient } from "./peers.js";
import { type SqlPeer, sqlSourceContract } from "./sql-suite.js";

const connection: Extract<SqlConnection, { type: "mysql" }> = {
  name: "shop",
  type: "mysql",
  settings: { ...MARIADB },
};

async function openPeer(): Promise<SqlPeer> {
  const client: Connection = await mariadbClient();
  return {
    connection,
    exec: async (sql) => {
      await client.query(sql);
    },
    select: async (sql) => (await client.query(sql))[0] as Record<string, unknown>[],
    // MariaDB's sequence engine: seq_1_to_N is a table of 1..N.
    series: (count) => `SELECT seq AS i, CONCAT('customer ', seq) AS name FROM seq_1_to_${count}`,
    types: { decimal: "DECIMAL(12, 2)", text: "TEXT" },
    unreachable: { ...connection, name: "nowhere", settings: { ...MARIADB, port: 1 } },
    refused: {
      ...connection,
      name: "intruder",
      settings: { ...MARIADB, password: "not-the-password" },
    },
    sessions: {
      running: async (marker) => {
        const [rows] = await client.query(
          "SELECT ID AS id FROM information_schema.PROCESSLIST WHERE INFO LIKE ? AND ID <> CONNECTION_ID()",
          [`%${marker}%`],
        );
        const first = (rows as { id: number }[])[0];
        return first === undefined ? undefined : String(first.id);
      },
      alive: async (id) => {
        const [rows] = await client.query(
          "SELECT 1 FROM information_schema.PROCESSLIST WHERE ID = ?",
          [Number(id)],
        );
        return (rows as unknown[]).length > 0;
      },
      slow: (marker) => `SELECT SLEEP(120) AS slept /* ${marker} */`,
    },
    close: () => client.end(),
  };
}

if (await mariadbAvailable("the SQL source tests")) {
  sqlSourceContract("MariaDB", openPeer);

  describe("the SQL source's MariaDB values", () => {
    it("gives exact integers, decimals and dates as text", async () => {
      const rows = [];
      for await (const row of sqlRows(
        connection,
        `SELECT CAST(42 AS SIGNED) AS small, CAST(9007199254740993 AS UNSIGNED) AS big, CAST(1.10 AS DECIMAL(4,2)) AS exact,
                DATE '2026-03-27' AS day, TIMESTAMP '2026-03-27 06:00:00' AS wall, :at AS param`,
        { parameters: { at: new Date(Date.UTC(2026, 0, 1, 12)) } },
      )) {
        rows.push(row);
      }
      expect(rows).toEqual([
        {
          small: 42,
          big: "9007199254740993",
          exact: "1.10",
          day: "2026-03-27",
          wall: "2026-03-27 06:00:00",
          param: "2026-01-01 12:00:00",
        },
      ]);
    });

    it("refuses a list parameter, which MySQL can't bind", () => {
      expect(() =>
        sqlRows(connection, "SELECT 1 WHERE 1 IN (:ids)", { parameters: { ids: [1, 2] } }),
      ).toThrow("parameters.ids: is a list, which only PostgreSQL binds");
    });
  });
}
