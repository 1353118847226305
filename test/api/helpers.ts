/**
 * An app on a real Sundial: a temp SQLite file, or a fresh PostgreSQL schema. Job types
 * for the tests are defined here: `noop` (logs a line), `fail` (throws), and `gated`
 * (runs until the test opens its gate, or stops with a checkpoint when told to).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { type App, buildApp } from "../../src/api/app.js";
import { openProjects } from "../../src/api/server.js";
import type { Clock } from "../../src/clock.js";
import { FileHistoryService } from "../../src/exports/file-history/index.js";
import { ConnectionService } from "../../src/projects/connections/index.js";
import { openTaskScanner } from "../../src/scanner/index.js";
import { Sundial } from "../../src/sundial.js";
import { freshSchemaName, TEST_DATABASE_URL } from "../helpers/postgres.js";

export type Database = "sqlite" | "postgres";

/** The server key stored connection secrets are encrypted under, in these tests. */
export const TEST_SECRET_KEY = "test-secret-key-of-at-least-32-characters";

/** A gate the `gated` job type waits on: `open(id)` lets that job finish. */
export class Gates {
  private readonly waiting = new Map<string, () => void>();
  private readonly opened = new Set<string>();

  wait(id: string, signal: AbortSignal): Promise<void> {
    if (this.opened.has(id)) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      signal.addEventListener("abort", () => resolve(), { once: true });
    });
  }

  open(id: string): void {
    this.opened.add(id);
    this.waiting.get(id)?.();
  }
}

export interface TestApi {
  readonly app: App;
  readonly sundial: Sundial;
  readonly connections: ConnectionService;
  readonly gates: Gates;
  close(): Promise<void>;
}

export interface TestApiOptions {
  readonly database?: Database;
  /** Start the scheduler and workers; default true. */
  readonly start?: boolean;
  readonly clock?: Clock;
  readonly bodyLimit?: number;
  readonly plugins?: Parameters<typeof buildApp>[0]["plugins"];
}

/** Opens Sundial on a fresh database and builds the app on it. */
export async function testApi(options: TestApiOptions = {}): Promise<TestApi> {
  const dir = await mkdtemp(join(tmpdir(), "sundial-api-"));
  let dropSchema = async (): Promise<void> => {};
  let database = join(dir, "sundial.db");
  let schema: string | undefined;
  if (options.database === "postgres") {
    database = TEST_DATABASE_URL;
    schema = freshSchemaName("sundial_api");
    const name = schema;
    dropSchema = async () => {
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
      await client.end();
    };
  }
  const sundial = await Sundial.open({
    database,
    ...(schema === undefined ? {} : { schema }),
    invokers: false,
    node: "api-test",
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  const gates = new Gates();
  sundial.define("noop", async ({ log, data }) => {
    await log.info(`noop ran with ${JSON.stringify(data)}`);
    return { ok: true };
  });
  sundial.define("fail", async () => {
    throw new Error("this job always fails");
  });
  sundial.define("gated", async ({ job, signal, log, progress, saveCheckpoint }) => {
    await log.info("gated job started");
    await progress(10);
    await gates.wait(job.id, signal);
    if (signal.aborted) {
      await saveCheckpoint({ stoppedAt: "the gate" });
      throw signal.reason;
    }
    await log.info("gate opened");
    return { opened: true };
  });
  const connections = new ConnectionService(sundial.store, { secretKey: TEST_SECRET_KEY });
  // Projects, tasks and file history as the server wires them, so that every route the
  // server has is here (the access matrix and the hostile-input tests walk them all).
  const files = new FileHistoryService(sundial.store, { directory: join(dir, "files") });
  const projects = openProjects(sundial, {
    connections,
    files,
    workDirectory: join(dir, "runs"),
  });
  const scanner = openTaskScanner(sundial, { connections });
  const app = buildApp({
    sundial,
    connections,
    files,
    projects,
    scanner,
    feedPollMs: 20,
    ...(options.bodyLimit === undefined ? {} : { bodyLimit: options.bodyLimit }),
    ...(options.plugins === undefined ? {} : { plugins: options.plugins }),
  });
  if (options.start !== false) await sundial.start({ concurrency: 4 });
  return {
    app,
    sundial,
    connections,
    gates,
    close: async () => {
      await app.close();
      await sundial.close({ graceMs: 0 });
      await dropSchema();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A problem+json body, typed for expectations. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  field?: string;
}
