import pg from "pg";
import { describe, expect, it } from "vitest";
import { cellText } from "../../../src/exports/cell-text.js";
import { rowBatches } from "../../../src/exports/row-source.js";
import { sqlRows } from "../../../src/exports/sources/sql.js";
import type { SqlConnection } from "../../../src/exports/sources/sql-connection.js";
import { valueReader } from "../../../src/exports/sources/sql-postgres-values.js";
import { postgresAvailable, TEST_DATABASE_URL } from "../../helpers/postgres.js";
import { failureOf } from "../../projects/helpers.js";
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
        const [asValue, asText] = [valueReader(1184, false), valueReader(1184, true)];
        const seen: string[] = [];
        for (const zone of ["UTC", "Asia/Kathmandu", "America/St_Johns", "Africa/Monrovia"]) {
          await client.query(`SET TimeZone = '${zone}'`);
          const { rows } = await client.query<{ text: string }>(
            `SELECT (timestamptz '1960-01-01 00:00:00+00' + i * interval '7 days 3 hours 1.234567 seconds')::text AS text
               FROM generate_series(0, 600) AS i
             UNION ALL SELECT unnest(ARRAY['2026-03-27 06:00:00.5+00', '0099-01-01 00:00:00+00',
               '0001-01-01 00:00:00+00 BC', '12000-01-01 00:00:00+00', 'infinity', '-infinity',
               '9999-12-31 23:59:59.999999+00', '1000-01-01 00:00:00+00'])::timestamptz::text`,
          );
          for (const { text } of rows) {
            const bytes = Buffer.from(text);
            const value = asValue(bytes, 0, bytes.length);
            expect(Number(value), text).toEqual(Number(slow(text)));
            // What a CSV file gets instead of the value: the value's own text.
            expect(asText(bytes, 0, bytes.length), text).toBe(cellText(slow(text)));
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

    it("gives other types as pg does, and for text formats each value's text", async () => {
      const query = `SELECT i::int2 AS small, (i * 1000)::int4 AS mid, (i - 3)::int8 * 1000000007 AS big,
          (i::float8 / 7) AS ratio, 1e21::float8 AS huge, (i % 2 = 0) AS even,
          repeat('é', i) AS accents, repeat('x', i) AS ascii, '' AS empty,
          ARRAY[i, NULL] AS list, json_build_object('i', i) AS doc, '\\x00ff'::bytea AS bytes,
          gen_random_uuid() AS id, interval '1 day' * i AS span, (i * 1.5)::numeric(10, 2) AS exact,
          CASE WHEN i % 3 = 0 THEN NULL ELSE i END AS sometimes,
          9223372036854775807::int8 AS most, (-9223372036854775807 - 1)::int8 AS least
        FROM generate_series(0, 12) AS i ORDER BY i`;
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      try {
        const { rows: theirs } = await client.query({ text: query, rowMode: "array" });
        const values: unknown[][] = [];
        for await (const row of sqlRows(connection, query, { headers: true })) {
          values.push(row as unknown[]);
        }
        const texts: unknown[][] = [];
        const batches = sqlRows(connection, query, { headers: true })[rowBatches]({ text: true });
        for (let next = await batches.next(); !next.done; next = await batches.next()) {
          texts.push(...(next.value as unknown[][]));
        }
        const [header, ...mine] = values;
        expect(texts[0]).toEqual(header);
        const big = (header as string[]).indexOf("big");
        const most = (header as string[]).indexOf("most");
        const id = (header as string[]).indexOf("id");
        mine.forEach((row, r) => {
          row.forEach((value, c) => {
            // int8 is exact here (pg gives text); uuids differ from one query to the next.
            if (c === id) return;
            const pgValue = (theirs[r] as unknown[])[c];
            if (c === big || c >= most) expect(String(value)).toBe(pgValue);
            else expect(value, `${header?.[c]} in row ${r}`).toEqual(pgValue);
            expect(cellText((texts[r + 1] as unknown[])[c])).toBe(cellText(value));
          });
        });
      } finally {
        await client.end();
      }
    });

    it("reads values that span many socket reads, and rows split across reads", async () => {
      const rows: unknown[] = [];
      for await (const row of sqlRows(
        connection,
        `SELECT i, CASE WHEN i = 2 THEN repeat('é', 10000000) ELSE repeat('x', i) END AS text
           FROM generate_series(1, 20000) AS i ORDER BY i`,
      )) {
        rows.push(row);
      }
      expect(rows).toHaveLength(20_000);
      expect(rows[1]).toEqual({ i: 2, text: "é".repeat(10_000_000) });
      expect(rows[19_999]).toEqual({ i: 20_000, text: "x".repeat(20_000) });
    });

    it("fails on an error the server meets after rows were sent, naming it", async () => {
      let count = 0;
      const error = await failureOf(
        (async () => {
          for await (const _ of sqlRows(
            connection,
            "SELECT 1 / (20000 - i) AS x FROM generate_series(1, 30000) AS i",
          )) {
            count++;
          }
        })(),
      );
      expect(error).toMatchObject({ code: "sourceFailed", field: "query" });
      expect(error.message).toContain("division by zero (SQLSTATE 22012)");
      expect(count).toBeLessThan(20_000);
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
