// biome-ignore-all lint/suspicious/noTemplateCurlyInString: scans' conditions and URLs hold ${…} placeholders.
/**
 * What the task scanner tests share: the scanned databases (a SQLite file, the test
 * PostgreSQL, the test MariaDB) with throw-away tables of records; a node (a real Sundial
 * with the scanner, on a temp SQLite store or a shared PostgreSQL schema); and an HTTP
 * server the records' tasks call, which records each call, can hold or fail them, and
 * counts how many run at once.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { Connection } from "mysql2/promise";
import pg from "pg";
// The library's entry point: what an application embedding the scanner imports.
import {
  ConnectionService,
  openTaskScanner,
  type ScanContext,
  type ScannerOptions,
  type ScannerService,
  type ScanRun,
  Sundial,
} from "../../src/index.js";
import { type TimeFormat, timeParameter } from "../../src/scanner/scan-sql.js";
import { MARIADB, mariadbClient, postgresSettings } from "../exports/sources/peers.js";
import { TEST_DATABASE_URL } from "../helpers/postgres.js";

export const SECRET_KEY = "a-test-secret-key-of-at-least-32-characters";
export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

/** One row of a records table; instants are ms, null for NULL. */
export interface RecordRow {
  readonly id: number;
  readonly name: string;
  readonly due: number | null;
  readonly started?: number | null;
  readonly completed?: number | null;
}

/** A record's state as the table holds it after a scan. */
export interface RecordState {
  readonly id: number;
  /** The started and completed columns, as text (null for NULL). */
  readonly started: string | null;
  readonly completed: string | null;
}

/** A database the scanner scans, with a client of the test's own for setting up and checking. */
export interface ScannedPeer {
  readonly name: string;
  readonly type: "sqlite" | "postgres" | "mysql";
  readonly settings: Record<string, unknown>;
  /** Makes a records table (id, name, due, started, completed) holding `rows`; answers its name. */
  table(rows: readonly RecordRow[], format?: TimeFormat): Promise<string>;
  /** Each record's started and completed, by id. */
  states(table: string): Promise<RecordState[]>;
  close(): Promise<void>;
}

const columnType = (format: TimeFormat, timestamp: string) =>
  format === "timestamp" ? timestamp : "BIGINT";

/** The values of `rows` as the peer binds them, in column order. */
function valuesOf(row: RecordRow, format: TimeFormat, dialect: ScannedPeer["type"]): unknown[] {
  const at = (ms: number | null | undefined) =>
    ms === null || ms === undefined ? null : timeParameter(ms, format, dialect);
  return [row.id, row.name, at(row.due), at(row.started), at(row.completed)];
}

const freshName = (prefix: string) => `${prefix}_${randomBytes(4).toString("hex")}`;
/** A row of `SELECT id, started, completed`, the instants as text. */
const stateOf = (row: Record<string, unknown>): RecordState => {
  const text = (value: unknown) => (value === null || value === undefined ? null : String(value));
  return { id: Number(row.id), started: text(row.started), completed: text(row.completed) };
};

/** A SQLite file in a temp folder. */
export async function sqlitePeer(): Promise<ScannedPeer> {
  const dir = await mkdtemp(join(tmpdir(), "sundial-scanned-"));
  const path = join(dir, "records.db");
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  return {
    name: "SQLite",
    type: "sqlite",
    settings: { path, readOnly: false },
    async table(rows, format = "timestamp") {
      const name = freshName("records");
      const t = columnType(format, "TEXT");
      db.exec(
        `CREATE TABLE ${name} (id INTEGER PRIMARY KEY, name TEXT, due ${t}, started ${t}, completed ${t})`,
      );
      const insert = db.prepare(`INSERT INTO ${name} VALUES (?, ?, ?, ?, ?)`);
      for (const row of rows) insert.run(...valuesOf(row, format, "sqlite"));
      return name;
    },
    async states(table) {
      return (
        db.prepare(`SELECT id, started, completed FROM ${table} ORDER BY id`).all() as Record<
          string,
          unknown
        >[]
      ).map(stateOf);
    },
    async close() {
      db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The test PostgreSQL, in a schema of its own (so tables are named `schema.table`). */
export async function postgresPeer(): Promise<ScannedPeer> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  const schema = freshName("scanned");
  await client.query(`CREATE SCHEMA ${schema}`);
  return {
    name: "PostgreSQL",
    type: "postgres",
    settings: postgresSettings(),
    async table(rows, format = "timestamp") {
      const name = `${schema}.${freshName("records")}`;
      const t = columnType(format, "TIMESTAMPTZ");
      await client.query(
        `CREATE TABLE ${name} (id INTEGER PRIMARY KEY, name TEXT, due ${t}, started ${t}, completed ${t})`,
      );
      for (const row of rows) {
        await client.query(
          `INSERT INTO ${name} VALUES ($1, $2, $3, $4, $5)`,
          valuesOf(row, format, "postgres"),
        );
      }
      return name;
    },
    async states(table) {
      const { rows } = await client.query(
        `SELECT id, started::text AS started, completed::text AS completed FROM ${table} ORDER BY id`,
      );
      return rows.map(stateOf);
    },
    async close() {
      await client.query(`DROP SCHEMA ${schema} CASCADE`);
      await client.end();
    },
  };
}

/** The test MariaDB's database, with tables of fresh names. */
export async function mariadbPeer(): Promise<ScannedPeer> {
  const client: Connection = await mariadbClient();
  await client.query("SET time_zone = '+00:00'");
  const tables: string[] = [];
  return {
    name: "MariaDB",
    type: "mysql",
    // An empty password is no password (the connection refuses an empty one).
    settings: Object.fromEntries(Object.entries(MARIADB).filter(([, value]) => value !== "")),
    async table(rows, format = "timestamp") {
      const name = freshName("records");
      tables.push(name);
      const t = columnType(format, "DATETIME(3)");
      await client.query(
        `CREATE TABLE ${name} (id INTEGER PRIMARY KEY, name VARCHAR(100), due ${t} NULL, started ${t} NULL, completed ${t} NULL)`,
      );
      for (const row of rows) {
        await client.execute(
          `INSERT INTO ${name} VALUES (?, ?, ?, ?, ?)`,
          valuesOf(row, format, "mysql") as (string | number | null)[],
        );
      }
      return name;
    },
    async states(table) {
      const [rows] = await client.query(
        `SELECT id, CAST(started AS CHAR) AS started, CAST(completed AS CHAR) AS completed FROM ${table} ORDER BY id`,
      );
      return (rows as Record<string, unknown>[]).map(stateOf);
    },
    async close() {
      for (const name of tables) await client.query(`DROP TABLE IF EXISTS ${name}`);
      await client.end();
    },
  };
}

/** A Sundial with the task scanner (and the built-in invokers), as a node runs it. */
export interface ScannerNode {
  readonly sundial: Sundial;
  readonly scanner: ScannerService;
  readonly connections: ConnectionService;
  close(): Promise<void>;
}

export interface NodeOptions {
  /** A PostgreSQL URL (with `schema`) shared by several nodes; default a temp SQLite file. */
  readonly database?: string;
  readonly schema?: string;
  readonly node?: string;
  readonly scanner?: Omit<ScannerOptions, "connections">;
  /** Start the workers (this many at once); default 4. 0 leaves the node stopped. */
  readonly concurrency?: number;
}

export async function openNode(options: NodeOptions = {}): Promise<ScannerNode> {
  const dir = await mkdtemp(join(tmpdir(), "sundial-scanner-"));
  const sundial = await Sundial.open({
    database: options.database ?? join(dir, "sundial.db"),
    ...(options.schema === undefined ? {} : { schema: options.schema }),
    node: options.node ?? "scanner-test",
  });
  const connections = new ConnectionService(sundial.store, { secretKey: SECRET_KEY });
  const scanner = openTaskScanner(sundial, {
    connections,
    progressEveryMs: 0,
    ...options.scanner,
  });
  const concurrency = options.concurrency ?? 4;
  if (concurrency > 0) await sundial.start({ concurrency });
  return {
    sundial,
    scanner,
    connections,
    close: async () => {
      await sundial.close({ graceMs: 0 });
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Stores `peer` as the connection `records` (unless a node sharing the store has). */
export async function storeConnection(node: ScannerNode, peer: ScannedPeer): Promise<void> {
  await node.connections.create({
    name: "records",
    type: peer.type,
    settings: peer.settings,
  } as Parameters<ConnectionService["create"]>[0]);
}

/** A scan of `table` on the `records` connection: due before now, a POST per record to `server`. */
export function scanContext(
  table: string,
  server: TaskServer,
  extra: Omit<Partial<ScanContext>, "scan"> & { readonly scan?: Partial<ScanContext["scan"]> } = {},
): ScanContext {
  const { scan, ...rest } = extra;
  return {
    scan: {
      connection: "records",
      table,
      property: "due",
      condition: { before: "${Time.now}" },
      taskState: { started: "started", completed: "completed" },
      recovery: { timeout: "1h" },
      ...scan,
    },
    task: { method: "POST", url: `${server.url}/records/\${objectID}` },
    ...rest,
  };
}

/** A schedule scanning with `context`; it never fires during a test. */
export function scannerSchedule(context: ScanContext) {
  return {
    schedule: "0 0 0 1 1 ? 2099",
    timeZone: "UTC",
    invokeService: "taskScanner",
    invokeContext: context,
  };
}

/** Saves the schedule `name` scanning with `context`. */
export async function putScannerSchedule(
  node: ScannerNode,
  name: string,
  context: ScanContext,
): Promise<void> {
  await node.sundial.schedules.put(name, scannerSchedule(context));
}

/** Executes schedule `name` and waits for the run's end. */
export async function scanNow(node: ScannerNode, name: string): Promise<ScanRun> {
  return node.scanner.execute(name, { waitForCompletion: true, maxWaitMs: 60_000 });
}

/** One call a record's task made. */
export interface TaskCall {
  readonly objectID: string;
  readonly method: string;
  readonly body: unknown;
}

/** The server records' tasks call: `POST /records/<objectID>`. */
export class TaskServer {
  readonly calls: TaskCall[] = [];
  inFlight = 0;
  maxInFlight = 0;
  /** How long each answer waits. */
  delayMs = 0;
  /** objectIDs answered 500. */
  readonly failing = new Set<string>();
  private held: (() => void)[] | undefined;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<TaskServer> {
    let self: TaskServer | undefined;
    const server = createServer((request, response) => void self?.answer(request, response));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    self = new TaskServer(server, `http://127.0.0.1:${port}`);
    return self;
  }

  /** Answers nothing until {@link release}. */
  hold(): void {
    this.held ??= [];
  }

  release(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const go of held) go();
  }

  reset(): void {
    this.calls.length = 0;
    this.maxInFlight = 0;
    this.delayMs = 0;
    this.failing.clear();
  }

  /** The objectIDs called, in order of number. */
  ids(): string[] {
    return this.calls.map((call) => call.objectID).sort((a, b) => Number(a) - Number(b));
  }

  private async answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const raw = Buffer.concat(chunks).toString();
      const objectID = decodeURIComponent((request.url ?? "").replace(/^\/records\//, ""));
      this.calls.push({
        objectID,
        method: request.method ?? "",
        body: raw === "" ? null : JSON.parse(raw),
      });
      const held = this.held;
      if (held !== undefined) await new Promise<void>((resolve) => held.push(resolve));
      if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
      const failed = this.failing.has(objectID);
      response.writeHead(failed ? 500 : 200, { "content-type": "application/json" });
      response.end(JSON.stringify(failed ? { error: "refused" } : { ok: true }));
    } finally {
      this.inFlight--;
    }
  }

  async close(): Promise<void> {
    this.release();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
