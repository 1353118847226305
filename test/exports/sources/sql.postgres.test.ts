import pg from "pg";
import { describe, expect, it } from "vitest";
import { sqlRows } from "../../../src/exports/sources/sql.js";
import type { SqlConnection } from "../../../src/exports/sources/sql-connection.js";
import { parseTimestamptz } from "../../../src/exports/sources/sql-postgres.js";
import { postgresAvailable, TEST_DATABASE_URL } from "../../helpers/postgres.js";
import { postgresSettings } from "./peers.js";
import { type SqlPeer, sqlSourceContract } from "./sql-suite.js";

const connection: Extract<SqlConnection, { type: "postgres" }> = {
  name: "warehouse",
  type: "postgres",
  settings: postgresSettings(),
};

async function openPeer(): Promise<SqlPeer & { client: pg.Client }> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  const settings = connection.settings;
  return {
    client,
    connection,
    exec: async (sql) => {
      await client.query(sql);
    },
    select: async (sql) => (await client.query(sql)).rows,
    series: (count) => `SELECT i, 'customer ' || i AS name FROM generate_series(1, ${count}) AS i`,
    types: { decimal: "NUMERIC(12, 2)", text: "TEXT" },
    unreachable: { ...connection, name: "nowhere", settings: { ...settings, port: 1 } },
    // Loopback logins are trusted here, so a wrong password passes; a role that does not exist is refused.
    refused: {
      ...connection,
      name: "stranger",
      settings: { ...settings, username: "no_such_role_sundial", password: "not-the-password" },
    },
    sessions: {
      running: async (marker) => {
        const { rows } = await client.query<{ pid: number }>(
          "SELECT pid FROM pg_stat_activity WHERE query LIKE $1 AND pid <> pg_backend_pid()",
          [`%${marker}%`],
        );
        return rows[0] === undefined ? undefined : String(rows[0].pid);
      },
      alive: async (id) =>
        (await client.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1", [Number(id)]))
          .rowCount !== 0,
      slow: (marker) => `SELECT pg_sleep(120) /* ${marker} */`,
    },
    close: () => client.end(),
  };
}

if (await postgresAvailable("the SQL source tests")) {
  sqlSourceContract("PostgreSQL", openPeer);

  describe("the SQL source's PostgreSQL values", () => {
    it("gives exact integers, decimals as text, zoneless dates as text and instants as dates", async () => {
      const rows = [];
      for await (const row of sqlRows(
        connection,
        `SELECT 42::int8 AS small, 9007199254740993::int8 AS big, 1.10::numeric AS exact,
                DATE '2026-03-27' AS day, TIMESTAMP '2026-03-27 06:00:00' AS wall,
                TIMESTAMPTZ '2026-03-27 06:00:00+00' AS instant, 'x'::bytea AS bytes, true AS flag`,
      )) {
        rows.push(row);
      }
      expect(rows).toEqual([
        {
          small: 42,
          big: 9007199254740993n,
          exact: "1.10",
          day: "2026-03-27",
          wall: "2026-03-27 06:00:00",
          instant: new Date(Date.UTC(2026, 2, 27, 6)),
          bytes: Buffer.from("x"),
          flag: true,
        },
      ]);
    });

    it("reads every timestamptz the server writes as pg's own parser does, in any zone", async () => {
      // Offsets with minutes and seconds (Kathmandu, St John's, Monrovia before 1972),
      // fractions of every length, and the forms the fast reader hands on (BC, infinity,
      // years before 1000 and after 9999).
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      try {
        const slow = pg.types.getTypeParser(1184, "text") as (text: string) => Date | number;
        const seen: string[] = [];
        for (const zone of ["UTC", "Asia/Kathmandu", "America/St_Johns", "Africa/Monrovia"]) {
          await client.query(`SET TimeZone = '${zone}'`);
          const { rows } = await client.query<{ text: string }>(
            `SELECT (timestamptz '1960-01-01 00:00:00+00' + i * interval '7 days 3 hours 1.234567 seconds')::text AS text
               FROM generate_series(0, 600) AS i
             UNION ALL SELECT unnest(ARRAY['2026-03-27 06:00:00.5+00', '0099-01-01 00:00:00+00',
               '0001-01-01 00:00:00+00 BC', '12000-01-01 00:00:00+00', 'infinity', '-infinity'])
               ::timestamptz::text`,
          );
          for (const { text } of rows) {
            expect(Number(parseTimestamptz(text)), text).toEqual(Number(slow(text)));
          }
          seen.push(...rows.map(({ text }) => text));
        }
        // The forms that matter were met: offsets with seconds, and fractions.
        expect(seen.some((text) => /[+-]\d\d:\d\d:\d\d$/.test(text))).toBe(true);
        expect(seen.some((text) => /\.\d{6}[+-]/.test(text))).toBe(true);
      } finally {
        await client.end();
      }
    });

    it("binds a list as an array, and typed values as themselves", async () => {
      const rows = [];
      for await (const row of sqlRows(
        connection,
        "SELECT i FROM generate_series(1, 10) AS i WHERE i = ANY(:ids) AND :at::timestamptz > '2000-01-01' AND :on ORDER BY i",
        { parameters: { ids: [2, 5, 7], at: new Date(Date.UTC(2026, 0, 1)), on: true } },
      )) {
        rows.push(row);
      }
      expect(rows).toEqual([{ i: 2 }, { i: 5 }, { i: 7 }]);
    });
  });
}
