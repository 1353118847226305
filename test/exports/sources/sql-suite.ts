/**
 * The SQL source's contract, run against each real database (sql.*.test.ts): streaming
 * with flat memory, headers, bound parameters, the errors a user meets, aborts that let
 * the connection go on the server, and an end-to-end run into a CSV file.
 */
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: queries write parameters as ${name}
import { readFile } from "node:fs/promises";
import { type AddressInfo, createServer, type Socket } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SundialError } from "../../../src/errors.js";
import { writeExportFile } from "../../../src/exports/index.js";
import { sqlRows } from "../../../src/exports/sources/sql.js";
import type { SqlConnection } from "../../../src/exports/sources/sql-connection.js";
import { gc, memoryInUse } from "../../helpers/memory.js";
import { waitFor } from "../../helpers/wait-for.js";
import { failureOf } from "../../projects/helpers.js";
import { parseCsv, tempFolder } from "../helpers.js";

/** One database the contract runs against. */
export interface SqlPeer {
  readonly connection: SqlConnection;
  /** Runs setup SQL with the test's own client. */
  exec(sql: string): Promise<void>;
  /** Rows of the test's own client, values as that client gives them. */
  select(sql: string): Promise<Record<string, unknown>[]>;
  /** A query of `count` rows: `i` from 1 and `name` = 'customer <i>', in order. */
  series(count: number): string;
  /** The SQL type of exact decimals and of long text, for the tables the tests make. */
  readonly types: { readonly decimal: string; readonly text: string };
  /** Connections that fail: nothing listening, and a login the server refuses. */
  readonly unreachable: SqlConnection;
  readonly refused: SqlConnection | undefined;
  /** For servers: the session running a query whose text holds `marker`, and whether a session lives. */
  readonly sessions?: {
    running(marker: string): Promise<string | undefined>;
    alive(id: string): Promise<boolean>;
    /** A query that keeps the server busy before its first row. */
    slow(marker: string): string;
  };
  close(): Promise<void>;
}

async function all(rows: AsyncIterable<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const row of rows) out.push(row);
  return out;
}

let tableCount = 0;

export function sqlSourceContract(name: string, open: () => Promise<SqlPeer>): void {
  describe(`the SQL source on ${name}`, () => {
    let peer: SqlPeer;
    const tables: string[] = [];
    /** A table of this test run, dropped at the end. */
    const table = () => {
      const made = `sql_source_${process.pid}_${++tableCount}`;
      tables.push(made);
      return made;
    };
    beforeAll(async () => {
      peer = await open();
    });
    /** On a server: the session seen running the query goes away. */
    const sessionEnds = async (session: string | undefined) => {
      const sessions = peer.sessions;
      if (sessions === undefined) return;
      expect(session).toBeDefined();
      await waitFor("the query's session to end", async () =>
        (await sessions.alive(session as string)) ? undefined : true,
      );
    };
    afterAll(async () => {
      for (const made of tables) await peer.exec(`DROP TABLE IF EXISTS ${made}`);
      await peer.close();
    });

    it("streams 120,000 rows with flat memory, reporting the running count", async () => {
      gc();
      const used = memoryInUse;
      const before = used();
      let growth = 0;
      const progress: number[] = [];
      let count = 0;
      let last: unknown;
      for await (const row of sqlRows(peer.connection, peer.series(120_000), {
        onProgress: (rows) => progress.push(rows),
        progressEvery: 40_000,
      })) {
        count++;
        last = row;
        if (count % 20_000 === 0) {
          gc();
          growth = Math.max(growth, used() - before);
        }
      }
      expect(count).toBe(120_000);
      expect(last).toEqual({ i: 120_000, name: "customer 120000" });
      expect(progress).toEqual([40_000, 80_000, 120_000, 120_000]);
      // Some 10 MB of rows went through; memory held a batch of them.
      expect(growth).toBeLessThan(8 * 1024 * 1024);
    });

    it("gives the column names first with headers, even for an empty result", async () => {
      const rows = await all(sqlRows(peer.connection, peer.series(2), { headers: true }));
      expect(rows).toEqual([
        ["i", "name"],
        [1, "customer 1"],
        [2, "customer 2"],
      ]);
      const empty = `SELECT * FROM (${peer.series(2)}) s WHERE i > 5`;
      expect(await all(sqlRows(peer.connection, empty, { headers: true }))).toEqual([
        ["i", "name"],
      ]);
      expect(await all(sqlRows(peer.connection, empty))).toEqual([]);
    });

    it("keeps two columns of one name with headers, and refuses them as objects", async () => {
      const query = "SELECT 1 AS id, 2 AS id";
      expect(await all(sqlRows(peer.connection, query, { headers: true }))).toEqual([
        ["id", "id"],
        [1, 2],
      ]);
      const error = await failureOf(all(sqlRows(peer.connection, query)));
      expect(error).toMatchObject({ code: "sourceFailed", field: "query" });
      expect(error.message).toContain('two columns named "id"');
    });

    it("binds parameters as values: text that looks like SQL is only data", async () => {
      const made = table();
      await peer.exec(`CREATE TABLE ${made} (id INTEGER, name ${peer.types.text})`);
      await peer.exec(
        `INSERT INTO ${made} VALUES (1, 'Ada'), (2, 'O''Brien''; DROP TABLE ${made}; --')`,
      );
      const query = `SELECT id FROM ${made} WHERE name = :name OR name = \${name} ORDER BY id`;
      const find = (value: string) =>
        all(sqlRows(peer.connection, query, { parameters: { name: value } }));
      expect(await find("Ada")).toEqual([{ id: 1 }]);
      expect(await find("x' OR '1'='1")).toEqual([]);
      expect(await find(`O'Brien'; DROP TABLE ${made}; --`)).toEqual([{ id: 2 }]);
      // Colons in literals and comments are not parameters; the table is still there.
      const literal = `SELECT COUNT(*) AS n, ':name' AS t FROM ${made} -- :nothing`;
      expect(await all(sqlRows(peer.connection, literal))).toEqual([{ n: 2, t: ":name" }]);
    });

    it("refuses a missing parameter at once, naming it, before connecting", () => {
      const call = () =>
        sqlRows(peer.unreachable, "SELECT * FROM t WHERE a = :a AND b = ${b}", {
          parameters: { a: 1 },
        });
      expect(call).toThrow(SundialError);
      expect(call).toThrow(
        "parameters.b: the query uses :b but no parameter of that name was given (given: a)",
      );
    });

    it("says which connection and why when the query fails", async () => {
      const missingColumn = await failureOf(
        all(sqlRows(peer.connection, `SELECT amout FROM (${peer.series(1)}) s`)),
      );
      expect(missingColumn).toMatchObject({ code: "sourceFailed", field: "query" });
      expect(missingColumn.message).toMatch(
        new RegExp(
          `^connection "${peer.connection.name}" \\(${peer.connection.type}, .+\\): the query failed: .*amout`,
        ),
      );
      const syntax = await failureOf(all(sqlRows(peer.connection, "SELEC 1")));
      expect(syntax).toMatchObject({ code: "sourceFailed", field: "query" });
      const missingTable = await failureOf(
        all(sqlRows(peer.connection, "SELECT * FROM no_such_table")),
      );
      expect(missingTable.message).toContain("no_such_table");
    });

    it("says the host can't be reached", async () => {
      const error = await failureOf(all(sqlRows(peer.unreachable, "SELECT 1")));
      expect(error).toMatchObject({ code: "sourceFailed", field: "connection" });
      expect(error.message).toContain(`connection "${peer.unreachable.name}"`);
    });

    it("stops at an abort mid-stream, rejecting with its reason", async () => {
      const controller = new AbortController();
      const reason = new Error("stopped by the test");
      let count = 0;
      const marker = `abort_mid_${process.pid}_${Date.now()}`;
      let session: string | undefined;
      const reading = (async () => {
        for await (const _ of sqlRows(
          peer.connection,
          `${peer.series(2_000_000)} /* ${marker} */`,
          {
            signal: controller.signal,
          },
        )) {
          count++;
          if (count === 1 && peer.sessions) session = await peer.sessions.running(marker);
          if (count === 20_000) controller.abort(reason);
        }
      })();
      await expect(reading).rejects.toBe(reason);
      expect(count).toBeLessThan(2_000_000);
      await sessionEnds(session);
    });

    it("lets the connection go when the reader stops early", async () => {
      const marker = `early_stop_${process.pid}_${Date.now()}`;
      let session: string | undefined;
      for await (const _ of sqlRows(peer.connection, `${peer.series(2_000_000)} /* ${marker} */`)) {
        if (peer.sessions) session = await peer.sessions.running(marker);
        break;
      }
      await sessionEnds(session);
    });

    it("rejects at once when aborted before it starts", async () => {
      const reason = new Error("never started");
      await expect(
        all(sqlRows(peer.connection, "SELECT 1", { signal: AbortSignal.abort(reason) })),
      ).rejects.toBe(reason);
    });

    // What only a database server has: a network, logins, sessions.
    if (name !== "SQLite") {
      it("says a server that never answers did not answer in time, and stops waiting at an abort", async () => {
        const sockets: Socket[] = [];
        let onSocket = () => {};
        const silent = createServer((socket) => {
          sockets.push(socket);
          // Reads (and drops) what the client says, so that its hanging up is seen.
          socket.resume();
          socket.on("close", () => sockets.splice(sockets.indexOf(socket), 1));
          onSocket();
        });
        await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
        try {
          const { port } = silent.address() as AddressInfo;
          const connection = {
            ...peer.connection,
            settings: { ...peer.connection.settings, host: "127.0.0.1", port, timeoutMs: 1000 },
          } as SqlConnection;
          const error = await failureOf(all(sqlRows(connection, "SELECT 1")));
          expect(error).toMatchObject({ code: "sourceFailed", field: "connection" });
          expect(error.message).toContain("cannot reach the database: no answer within 1 s");
          // The socket was dropped, not left open until the server gives up.
          await waitFor("the timed-out socket to close", () =>
            sockets.length === 0 ? true : undefined,
          );

          const connecting = new AbortController();
          onSocket = () => connecting.abort(new Error("stopped while connecting"));
          const slowly = {
            ...connection,
            settings: { ...connection.settings, timeoutMs: 600_000 },
          };
          await expect(
            all(sqlRows(slowly as SqlConnection, "SELECT 1", { signal: connecting.signal })),
          ).rejects.toThrow("stopped while connecting");
          await waitFor("the aborted socket to close", () =>
            sockets.length === 0 ? true : undefined,
          );
        } finally {
          for (const socket of sockets) socket.destroy();
          await new Promise((resolve) => silent.close(resolve));
        }
      });

      it("says the login was refused", async () => {
        const refused = peer.refused as SqlConnection;
        const error = await failureOf(all(sqlRows(refused, "SELECT 1")));
        expect(error).toMatchObject({ code: "sourceFailed", field: "connection" });
        expect(error.message).toContain("refused the login");
        expect(error.message).not.toContain((refused.settings as { password?: string }).password);
      });

      it("stops a query still running on the server at an abort", async () => {
        const sessions = peer.sessions as NonNullable<SqlPeer["sessions"]>;
        const controller = new AbortController();
        const marker = `abort_slow_${process.pid}_${Date.now()}`;
        const reading = all(
          sqlRows(peer.connection, sessions.slow(marker), { signal: controller.signal }),
        );
        const session = await waitFor("the slow query to start", () => sessions.running(marker));
        controller.abort(new Error("stopped while the server worked"));
        await expect(reading).rejects.toThrow("stopped while the server worked");
        await sessionEnds(session);
      });
    }

    describe("end to end", () => {
      let folder: Awaited<ReturnType<typeof tempFolder>>;
      beforeEach(async () => {
        folder = await tempFolder("sql-source");
      });
      afterEach(() => folder.remove());

      it("writes a CSV file whose rows are the table's", async () => {
        const made = table();
        await peer.exec(
          `CREATE TABLE ${made} (id INTEGER, name ${peer.types.text}, amount ${peer.types.decimal}, note ${peer.types.text})`,
        );
        const tricky = ["plain", "comma, inside", 'a "quoted" word', "two\nlines", "ünïcödé ✓", ""];
        const values = tricky.map(
          (note, i) =>
            `(${i + 1}, 'customer ${i + 1}', ${i === 2 ? "NULL" : `${i * 1000}.25`}, '${note.replaceAll("'", "''")}')`,
        );
        for (let i = 0; i < 200; i++) values.push(`(${i + 100}, 'bulk ${i}', ${i}.5, NULL)`);
        await peer.exec(`INSERT INTO ${made} VALUES ${values.join(", ")}`);

        const manifest = await writeExportFile(
          sqlRows(
            peer.connection,
            `SELECT id, name, amount, note FROM ${made} WHERE id >= :from ORDER BY id`,
            {
              parameters: { from: 1 },
              headers: true,
            },
          ),
          { fileName: "customers.csv", format: { type: "csv" } },
          { directory: folder.dir, instant: Date.UTC(2026, 2, 28), timeZone: "UTC" },
        );
        expect(manifest).toMatchObject({ rows: 206, empty: false });

        const file = parseCsv(await readFile(manifest.path, "utf8"));
        const stored = await peer.select(`SELECT id, name, amount, note FROM ${made} ORDER BY id`);
        const text = (value: unknown) => (value === null ? "" : String(value));
        expect(file).toEqual([
          ["id", "name", "amount", "note"],
          ...stored.map((row) => [row.id, row.name, row.amount, row.note].map(text)),
        ]);
        // What the table holds, spelled out, so that a wrong reading on both sides can't agree.
        expect(file[3]).toEqual(["3", "customer 3", "", 'a "quoted" word']);
        expect(file[4]).toEqual(["4", "customer 4", "3000.25", "two\nlines"]);
      });
    });
  });
}
