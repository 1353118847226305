/**
 * What the export run tests share: a real Sundial on a temp SQLite file (its store holds
 * connections and file history), the app with authentication and the file routes, and a
 * run context that collects the run's log.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { type App, buildApp } from "../../../src/api/app.js";
import { AuthService, authPlugin } from "../../../src/auth/index.js";
import { type ExportRunContext, FileHistoryService } from "../../../src/exports/index.js";
import { ConnectionService } from "../../../src/projects/connections/index.js";
import { Sundial } from "../../../src/sundial.js";

export const SECRET_KEY = "a-test-secret-key-of-at-least-32-characters";

export interface RunWorld {
  readonly sundial: Sundial;
  readonly connections: ConnectionService;
  readonly files: FileHistoryService;
  readonly app: App;
  /** A viewer's API token. */
  readonly viewerToken: string;
  /** A fresh empty folder under the world's temp folder. */
  folder(name: string): Promise<string>;
  close(): Promise<void>;
}

/** Opens a world; close it after the suite. */
export async function runWorld(): Promise<RunWorld> {
  const dir = await mkdtemp(join(tmpdir(), "sundial-runs-"));
  const sundial = await Sundial.open({
    database: join(dir, "sundial.db"),
    invokers: false,
    node: "runs-test",
  });
  const connections = new ConnectionService(sundial.store, { secretKey: SECRET_KEY });
  const files = new FileHistoryService(sundial.store, { directory: join(dir, "files") });
  const auth = new AuthService(sundial.store);
  const app = buildApp({
    sundial,
    connections,
    files,
    plugins: [(instance: FastifyInstance) => authPlugin(auth)(instance, {})],
  });
  await app.ready();
  await auth.createUser({ name: "vera", password: "long enough password", roles: ["viewer"] });
  const viewerToken = (await auth.createToken({ name: "t", user: "vera" })).secret;
  let folders = 0;
  return {
    sundial,
    connections,
    files,
    app,
    viewerToken,
    folder: async (name) => {
      const path = join(dir, `${name}-${++folders}`);
      await mkdir(path);
      return path;
    },
    close: async () => {
      await app.close();
      await sundial.close({ graceMs: 0 });
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A run context whose log lines are kept in `lines`, as `LEVEL message`. */
export async function runContext(
  world: RunWorld,
  overrides: Partial<ExportRunContext> = {},
): Promise<{ ctx: ExportRunContext; lines: string[]; progress: number[] }> {
  const lines: string[] = [];
  const progress: number[] = [];
  const ctx: ExportRunContext = {
    parameters: {},
    connections: world.connections,
    files: world.files,
    signal: new AbortController().signal,
    log: (level, message) => lines.push(`${level} ${message}`),
    progress: (percent) => progress.push(percent),
    now: new Date("2026-03-30T05:00:00Z"),
    timeZone: "Europe/London",
    origin: {
      jobId: "job_1",
      taskId: "tsk_sales",
      taskName: "sales",
      projectId: "prj_finance",
      projectName: "finance",
    },
    workDirectory: await world.folder("work"),
    ...overrides,
  };
  return { ctx, lines, progress };
}
