/**
 * What the project and task tests share: a real Sundial on a fresh store (a temp SQLite
 * file or a fresh PostgreSQL schema), with projects wired as the server wires them
 * (`openProjects`: the `export` job type, config history of schedules, file history), and
 * optionally the app with authentication and users of each role.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { InjectOptions, LightMyRequestResponse } from "fastify";
import pg from "pg";
import { type App, buildApp } from "../../src/api/app.js";
import { openProjects } from "../../src/api/server.js";
import { AuthService, authPlugin } from "../../src/auth/index.js";
import { FileHistoryService } from "../../src/exports/file-history/index.js";
import { ConnectionService } from "../../src/projects/connections/index.js";
import { Sundial } from "../../src/sundial.js";
import { freshSchemaName, TEST_DATABASE_URL } from "../helpers/postgres.js";
import type { StoreKind } from "./helpers.js";

export type Projects = ReturnType<typeof openProjects>;

export interface ProjectWorld extends Projects {
  readonly sundial: Sundial;
  readonly connections: ConnectionService;
  readonly files: FileHistoryService;
  /** A temp folder of the test's own (directory destinations go under it). */
  readonly dir: string;
  close(): Promise<void>;
}

/** A valid task's export settings: a query, a CSV file, a directory. */
export function exportSettings(directory: string, query = "SELECT 1 AS one") {
  return {
    source: { type: "sql", connection: "warehouse", query },
    output: { fileName: "out_%Y%m%d.csv", format: { type: "csv" } },
    destinations: [{ type: "directory", directory, overwrite: true }],
  };
}

/** Opens Sundial on a fresh store with projects; `start` starts its workers. */
export async function projectWorld(
  kind: StoreKind,
  options: { readonly start?: boolean } = {},
): Promise<ProjectWorld> {
  const dir = await mkdtemp(join(tmpdir(), "sundial-projects-"));
  const schema = kind === "postgres" ? freshSchemaName("sundial_projects") : undefined;
  const sundial = await Sundial.open({
    database: kind === "postgres" ? TEST_DATABASE_URL : join(dir, "sundial.db"),
    ...(schema === undefined ? {} : { schema }),
    invokers: false,
    node: "projects-test",
  });
  const connections = new ConnectionService(sundial.store, {
    secretKey: "a-test-secret-key-of-at-least-32-characters",
  });
  const files = new FileHistoryService(sundial.store, { directory: join(dir, "files") });
  const projects = openProjects(sundial, {
    connections,
    files,
    workDirectory: join(dir, "runs"),
  });
  if (options.start === true) await sundial.start({ concurrency: 4 });
  return {
    ...projects,
    sundial,
    connections,
    files,
    dir,
    close: async () => {
      await sundial.close({ graceMs: 0 });
      if (schema !== undefined) {
        const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await client.end();
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export const ROLES = ["operator", "viewer", "exporter"] as const;
export type Role = (typeof ROLES)[number];

export interface ApiWorld extends ProjectWorld {
  readonly app: App;
  /** Calls the API as a user of that role (`exporter`: a viewer in a group granted `export`). */
  call(role: Role | undefined, options: InjectOptions): Promise<LightMyRequestResponse>;
}

/** A project world with the app, authentication, and a user (and token) of each role. */
export async function apiWorld(kind: StoreKind): Promise<ApiWorld> {
  const world = await projectWorld(kind, { start: true });
  const auth = new AuthService(world.sundial.store);
  const app = buildApp({
    sundial: world.sundial,
    connections: world.connections,
    files: world.files,
    projects: world,
    plugins: [(instance) => authPlugin(auth)(instance, {})],
  });
  await app.ready();
  const tokens = new Map<Role, string>();
  for (const role of ROLES) {
    await auth.createUser({
      name: role,
      password: "long enough password",
      roles: [role === "operator" ? "operator" : "viewer"],
    });
    tokens.set(role, (await auth.createToken({ name: "t", user: role })).secret);
  }
  await auth.putGroup("exporters", { members: ["exporter"], jobTypes: ["export"] });
  return {
    ...world,
    app,
    call: (role, options) =>
      app.inject({
        ...options,
        headers: {
          ...options.headers,
          ...(role === undefined ? {} : { authorization: `Bearer ${tokens.get(role)}` }),
        },
      }),
    close: async () => {
      await app.close();
      await world.close();
    },
  };
}
