/**
 * The connection routes on the real app (problem+json errors, authentication), through
 * `inject()`: who may do what, and that no answer ever carries a secret.
 */
import { join } from "node:path";
import Database from "better-sqlite3";
import type { InjectOptions, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService, authPlugin } from "../../src/auth/index.js";
import type { ConnectionService } from "../../src/projects/connections/index.js";
import { type ProblemBody, type TestApi, testApi } from "../api/helpers.js";
import { tempFolder } from "../exports/helpers.js";

const PASSWORD = "pa55-W0rd-that-must-never-show";
const TOKEN = "glpat-never-shown-either";
const ROLES = ["viewer", "operator"] as const;

let api: TestApi;
let connections: ConnectionService;
let folder: Awaited<ReturnType<typeof tempFolder>>;
const tokens = new Map<string, string>();
/** Every answer of the test, to check at the end that none holds a secret. */
const answers: string[] = [];

beforeAll(async () => {
  folder = await tempFolder("connection-routes");
  api = await testApi({
    start: false,
    plugins: [
      async (app) => {
        await authPlugin(new AuthService(api.sundial.store))(app, {});
      },
    ],
  });
  await api.app.ready();
  // The app's own service (testApi builds it); it holds what the routes stored.
  connections = api.connections;
  const auth = new AuthService(api.sundial.store);
  for (const role of ROLES) {
    await auth.createUser({ name: role, password: "long enough password", roles: [role] });
    tokens.set(role, (await auth.createToken({ name: "t", user: role })).secret);
  }
});

afterAll(async () => {
  await api?.close();
  await folder?.remove();
  for (const answer of answers) {
    expect(answer).not.toContain(PASSWORD);
    expect(answer).not.toContain(TOKEN);
  }
});

async function call(
  role: (typeof ROLES)[number] | undefined,
  options: InjectOptions,
): Promise<LightMyRequestResponse> {
  const response = await api.app.inject({
    ...options,
    headers: role === undefined ? {} : { authorization: `Bearer ${tokens.get(role)}` },
  });
  answers.push(JSON.stringify(response.headers) + response.body);
  return response;
}

const warehouse = {
  name: "warehouse",
  type: "postgres",
  settings: { host: "db.example.com", database: "dw", username: "etl", password: PASSWORD },
};

describe("the connection routes", () => {
  it("create a connection for an operator, answering it with its secrets masked", async () => {
    const created = await call("operator", {
      method: "POST",
      url: "/api/v1/connections",
      payload: warehouse,
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.headers.location).toBe("/api/v1/connections/warehouse");
    expect(created.json()).toMatchObject({
      name: "warehouse",
      type: "postgres",
      createdBy: "operator",
      settings: { host: "db.example.com", password: { set: true } },
    });
    const web = {
      name: "web",
      type: "http",
      settings: { baseUrl: "https://example.com/", token: TOKEN },
    };
    expect(
      (await call("operator", { method: "POST", url: "/api/v1/connections", payload: web }))
        .statusCode,
    ).toBe(201);
  });

  it("let a viewer list names and types, but not read settings or change anything", async () => {
    const list = await call("viewer", { method: "GET", url: "/api/v1/connections" });
    expect(list.statusCode).toBe(200);
    expect(list.json()).toEqual({
      result: [
        expect.objectContaining({ name: "warehouse", type: "postgres" }),
        expect.objectContaining({ name: "web", type: "http" }),
      ],
      resultCount: 2,
    });
    expect(list.json().result[0]).not.toHaveProperty("settings");
    expect(
      (await call("viewer", { method: "GET", url: "/api/v1/connections?type=http" })).json()
        .resultCount,
    ).toBe(1);
    for (const options of [
      { method: "GET", url: "/api/v1/connections/warehouse" },
      { method: "PUT", url: "/api/v1/connections/warehouse", payload: { settings: {} } },
      { method: "DELETE", url: "/api/v1/connections/warehouse" },
      { method: "POST", url: "/api/v1/connections/warehouse/test" },
      { method: "POST", url: "/api/v1/connections", payload: { ...warehouse, name: "mine" } },
    ] as InjectOptions[]) {
      const response = await call("viewer", options);
      expect(response.statusCode, `${options.method} ${options.url}`).toBe(403);
      expect(response.json<ProblemBody>().code).toBe("forbidden");
    }
    expect((await call(undefined, { method: "GET", url: "/api/v1/connections" })).statusCode).toBe(
      401,
    );
  });

  it("read one connection for an operator, secrets masked", async () => {
    const read = await call("operator", { method: "GET", url: "/api/v1/connections/web" });
    expect(read.statusCode).toBe(200);
    expect(read.json().settings).toEqual({ baseUrl: "https://example.com/", token: { set: true } });
    const missing = await call("operator", { method: "GET", url: "/api/v1/connections/nope" });
    expect(missing.statusCode).toBe(404);
    expect(missing.json<ProblemBody>()).toMatchObject({ code: "notFound", field: "name" });
  });

  it("replace settings, keeping a secret the body leaves out", async () => {
    const { password: _, ...settings } = warehouse.settings;
    const put = await call("operator", {
      method: "PUT",
      url: "/api/v1/connections/warehouse",
      payload: { description: "replica", settings: { ...settings, port: 6432 } },
    });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toMatchObject({
      description: "replica",
      settings: { port: 6432, password: { set: true } },
    });
    expect((await connections.resolve("warehouse", ["postgres"])).settings.password).toBe(PASSWORD);
  });

  it("refuse bad input as problem+json naming the field, storing nothing", async () => {
    const cases: [unknown, string][] = [
      [
        { ...warehouse, name: "other", settings: { ...warehouse.settings, port: 99999 } },
        "settings.port",
      ],
      [{ ...warehouse, name: "other", type: "oracle" }, "type"],
      [
        { ...warehouse, name: "other", settings: { ...warehouse.settings, password: 42 } },
        "settings.password",
      ],
      [{ name: "other", type: "postgres" }, "settings"],
    ];
    for (const [payload, field] of cases) {
      const response = await call("operator", {
        method: "POST",
        url: "/api/v1/connections",
        payload: payload as object,
      });
      expect(response.statusCode, response.body).toBe(400);
      expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
      expect(response.json<ProblemBody>()).toMatchObject({ code: "badRequest", field });
    }
    const taken = await call("operator", {
      method: "POST",
      url: "/api/v1/connections",
      payload: warehouse,
    });
    expect(taken.statusCode).toBe(409);
    expect((await connections.list()).map((c) => c.name)).toEqual(["warehouse", "web"]);
  });

  it("test a connection, answering the finding", async () => {
    const path = join(folder.dir, "shop.db");
    new Database(path).close();
    await call("operator", {
      method: "POST",
      url: "/api/v1/connections",
      payload: { name: "file", type: "sqlite", settings: { path } },
    });
    const ok = await call("operator", { method: "POST", url: "/api/v1/connections/file/test" });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ ok: true, details: { version: expect.any(String) } });
    await connections.update("file", { settings: { path: join(folder.dir, "gone.db") } });
    const failed = await call("operator", { method: "POST", url: "/api/v1/connections/file/test" });
    expect(failed.statusCode).toBe(200);
    expect(failed.json()).toMatchObject({
      ok: false,
      message: expect.stringContaining("gone.db does not exist"),
    });
  });

  it("are described in the OpenAPI document", async () => {
    const doc = (await call("viewer", { method: "GET", url: "/api/openapi.json" })).json();
    expect(Object.keys(doc.paths).filter((path: string) => path.includes("connections"))).toEqual([
      "/api/v1/connections",
      "/api/v1/connections/{name}",
      "/api/v1/connections/{name}/test",
    ]);
    expect(
      doc.paths["/api/v1/connections"].post.requestBody.content["application/json"].schema.required,
    ).toEqual(["name", "type", "settings"]);
  });

  it("delete a connection", async () => {
    const gone = await call("operator", { method: "DELETE", url: "/api/v1/connections/file" });
    expect(gone.statusCode).toBe(204);
    expect(
      (await call("operator", { method: "GET", url: "/api/v1/connections/file" })).statusCode,
    ).toBe(404);
    expect(
      (await call("operator", { method: "DELETE", url: "/api/v1/connections/file" })).statusCode,
    ).toBe(404);
  });
});
