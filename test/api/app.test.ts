import { afterEach, describe, expect, it } from "vitest";
import { ACCESS_LEVELS } from "../../src/api/access.js";
import { buildApp } from "../../src/api/app.js";
import { migrationsFor } from "../../src/store/migrations.js";
import { type ProblemBody, type TestApi, testApi } from "./helpers.js";

let api: TestApi | undefined;

afterEach(async () => {
  await api?.close();
  api = undefined;
});

async function open(options: Parameters<typeof testApi>[0] = {}): Promise<TestApi> {
  api = await testApi({ start: false, ...options });
  return api;
}

describe("errors as problem+json", () => {
  it("answers an unknown route with a notFound problem", async () => {
    const { app } = await open();
    const res = await app.inject({ method: "GET", url: "/api/v1/nothing-here" });
    expect(res.statusCode).toBe(404);
    expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(res.json()).toEqual({
      type: "urn:sundial:error:notFound",
      title: "Not found",
      status: 404,
      code: "notFound",
      detail: "No route GET /api/v1/nothing-here; see /api/docs for the routes",
    });
  });

  it("answers malformed JSON with badRequest naming the body, and stores nothing", async () => {
    const { app, sundial } = await open();
    const res = await app.inject({
      method: "PUT",
      url: "/api/v1/schedules/a",
      headers: { "content-type": "application/json" },
      payload: '{"schedule": "0 * * * * ?",',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      code: "badRequest",
      field: "body",
      detail: "body: is not valid JSON",
    });
    expect(await sundial.schedules.list()).toEqual([]);
  });

  it("answers an empty JSON body and an unsupported content type with badRequest", async () => {
    const { app } = await open();
    const empty = await app.inject({
      method: "POST",
      url: "/api/v1/schedules",
      headers: { "content-type": "application/json" },
      payload: "",
    });
    expect(empty.json<ProblemBody>()).toMatchObject({ status: 400, field: "body" });
    const xml = await app.inject({
      method: "POST",
      url: "/api/v1/schedules",
      headers: { "content-type": "application/xml" },
      payload: "<schedule/>",
    });
    expect(xml.json<ProblemBody>()).toMatchObject({
      status: 400,
      code: "badRequest",
      field: "content-type",
    });
    const none = await app.inject({ method: "POST", url: "/api/v1/schedules" });
    expect(none.json<ProblemBody>()).toMatchObject({
      status: 400,
      field: "body",
      detail: "body: is required; send it as application/json",
    });
  });

  it("answers a body over the limit with 413 payloadTooLarge, and stores nothing", async () => {
    const { app, sundial } = await open({ bodyLimit: 1000 });
    const res = await app.inject({
      method: "PUT",
      url: "/api/v1/schedules/big",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify({
        schedule: "0 * * * * ?",
        invokeService: "noop",
        invokeContext: { padding: "x".repeat(2000) },
      }),
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual({
      type: "urn:sundial:error:payloadTooLarge",
      title: "Payload too large",
      status: 413,
      code: "payloadTooLarge",
      detail: "body: is larger than the 1000 bytes the server accepts; send less",
      field: "body",
    });
    expect(await sundial.schedules.get("big")).toBeUndefined();
  });

  it("answers the default 1 MiB limit with 413 too", async () => {
    const { app } = await open();
    const res = await app.inject({
      method: "POST",
      url: "/api/v1/jobs",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify({ type: "noop", data: "x".repeat(1024 * 1024) }),
    });
    expect(res.json<ProblemBody>()).toMatchObject({ status: 413, code: "payloadTooLarge" });
  });

  it("hides the message of an unexpected failure from the client", async () => {
    const { app } = await open({
      plugins: [
        async (scope) => {
          scope.get("/boom", { config: { access: "public" } }, async () => {
            throw new Error("SELECT secret FROM somewhere failed");
          });
        },
      ],
    });
    const res = await app.inject({ method: "GET", url: "/boom" });
    expect(res.statusCode).toBe(500);
    expect(res.json<ProblemBody>()).toMatchObject({ code: "internal", status: 500 });
    expect(res.body).not.toContain("secret");
  });
});

describe("route access", () => {
  it("gives every route a known access, which plugins registered first can read", async () => {
    const seen = new Map<string, unknown>();
    const { app } = await open({
      plugins: [
        async (scope) => {
          scope.addHook("onRoute", (route) => {
            seen.set(`${String(route.method)} ${route.url}`, route.config?.access);
          });
        },
      ],
    });
    await app.ready();
    const access = Object.fromEntries(
      [...seen].filter(([route]) => !route.includes("/api/docs/") && !route.startsWith("HEAD")),
    );
    expect(access).toEqual({
      "GET /healthz": "public",
      "GET /readyz": "public",
      "GET /metrics": "viewer",
      "PUT /api/v1/schedules/:id": "operator",
      "POST /api/v1/schedules": "operator",
      "GET /api/v1/schedules/:id": "viewer",
      "GET /api/v1/schedules": "viewer",
      "DELETE /api/v1/schedules/:id": "operator",
      "POST /api/v1/scheduler": "operator",
      "GET /api/v1/scheduler/state": "viewer",
      "GET /api/v1/scheduler": "viewer",
      "POST /api/v1/triggers/preview": "viewer",
      "POST /api/v1/file-names/preview": "viewer",
      "GET /api/v1/connections": "viewer",
      "POST /api/v1/connections": "operator",
      "GET /api/v1/connections/:name": "operator",
      "PUT /api/v1/connections/:name": "operator",
      "DELETE /api/v1/connections/:name": "operator",
      "POST /api/v1/connections/:name/test": "operator",
      "GET /api/v1/files": "viewer",
      "GET /api/v1/files/:id": "viewer",
      "GET /api/v1/files/:id/content": "viewer",
      "GET /api/v1/projects": "viewer",
      "POST /api/v1/projects": "operator",
      "GET /api/v1/projects/:id": "viewer",
      "PUT /api/v1/projects/:id": "operator",
      "DELETE /api/v1/projects/:id": "operator",
      "POST /api/v1/projects/:id/run": "viewer",
      "GET /api/v1/projects/:id/versions": "viewer",
      "GET /api/v1/projects/:id/versions/diff": "viewer",
      "GET /api/v1/projects/:id/versions/:version": "viewer",
      "GET /api/v1/schedules/:id/versions": "viewer",
      "GET /api/v1/schedules/:id/versions/diff": "viewer",
      "GET /api/v1/tasks": "viewer",
      "POST /api/v1/tasks": "operator",
      "GET /api/v1/tasks/:id": "viewer",
      "PUT /api/v1/tasks/:id": "operator",
      "DELETE /api/v1/tasks/:id": "operator",
      "POST /api/v1/tasks/:id/run": "viewer",
      "POST /api/v1/tasks/:id/enable": "operator",
      "POST /api/v1/tasks/:id/disable": "operator",
      "PUT /api/v1/tasks/:id/schedules": "operator",
      "POST /api/v1/tasks/:id/duplicate": "operator",
      "POST /api/v1/tasks/:id/cancel-retry": "operator",
      "GET /api/v1/tasks/:id/versions": "viewer",
      "GET /api/v1/tasks/:id/versions/diff": "viewer",
      "GET /api/v1/tasks/:id/versions/:version": "viewer",
      "GET /api/v1/tasks/:id/runs": "viewer",
      "GET /api/v1/tasks/:id/audit": "viewer",
      "GET /api/v1/tasks/:id/files": "viewer",
      "POST /api/v1/tasks/:id/files/:fileId/resend": "operator",
      "GET /api/v1/tasks/:id/preview": "operator",
      "GET /api/v1/tasks/:id/overview": "viewer",
      "POST /api/v1/scanner/schedules/:name/execute": "viewer",
      "POST /api/v1/scanner/runs/:id/cancel": "operator",
      "GET /api/v1/scanner/runs": "viewer",
      "GET /api/v1/scanner/runs/:id": "viewer",
      "GET /api/v1/jobs": "viewer",
      "POST /api/v1/jobs": "viewer",
      "GET /api/v1/jobs/:jobId": "viewer",
      "GET /api/v1/jobs/:jobId/logs": "viewer",
      "POST /api/v1/jobs/:jobId/stop": "operator",
      "POST /api/v1/jobs/:jobId/cancel": "operator",
      "POST /api/v1/jobs/:jobId/resume": "operator",
      "POST /api/v1/jobs/:jobId/low-priority": "operator",
      "DELETE /api/v1/jobs/:jobId/low-priority": "operator",
      "POST /api/v1/jobs/:jobId/retry": "operator",
      "GET /api/v1/jobs/:jobId/wait": "viewer",
      "GET /api/v1/jobs/:jobId/events": "viewer",
    });
    for (const [route, level] of seen) {
      expect(ACCESS_LEVELS, route).toContain(level);
    }
  });

  it("lets a plugin's hooks refuse a request by the route's access, as authentication will", async () => {
    const { app } = await open({
      plugins: [
        async (scope) => {
          scope.addHook("onRequest", async (request, reply) => {
            const access = request.routeOptions.config.access;
            if (access !== "public" && request.headers["x-role"] !== "operator") {
              await reply.code(403).send({ refused: access });
            }
          });
        },
      ],
    });
    expect((await app.inject({ method: "GET", url: "/healthz" })).statusCode).toBe(200);
    // The docs come before the plugins (so they list the plugins' routes too), and are for
    // viewers, like the rest: the plugin's hooks reach them.
    expect((await app.inject({ method: "GET", url: "/api/openapi.json" })).statusCode).toBe(403);
    expect((await app.inject({ method: "GET", url: "/api/docs/" })).statusCode).toBe(403);
    const asOperator = { "x-role": "operator" };
    expect(
      (await app.inject({ method: "GET", url: "/api/openapi.json", headers: asOperator }))
        .statusCode,
    ).toBe(200);
    const refused = await app.inject({ method: "GET", url: "/api/v1/jobs" });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toEqual({ refused: "viewer" });
    const allowed = await app.inject({
      method: "GET",
      url: "/api/v1/jobs",
      headers: { "x-role": "operator" },
    });
    expect(allowed.statusCode).toBe(200);
  });

  it("refuses to start with a route that does not say who may call it", async () => {
    const { sundial } = await open();
    const app = buildApp({
      sundial,
      plugins: [
        async (scope) => {
          scope.get("/forgotten", async () => "open to all");
        },
      ],
    });
    await expect(app.ready()).rejects.toThrow(
      "GET /forgotten: give the route config.access (public, viewer, operator, admin)",
    );
  });
});

describe("health and docs", () => {
  it("says the process is up and the database ready", async () => {
    const { app } = await open();
    expect((await app.inject({ method: "GET", url: "/healthz" })).json()).toEqual({
      status: "ok",
    });
    const ready = await app.inject({ method: "GET", url: "/readyz" });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: "ready" });
  });

  it("is not ready when the schema lacks a migration", async () => {
    const { app, sundial } = await open();
    const latest = migrationsFor("sqlite").at(-1)?.version as number;
    await sundial.store.db.deleteFrom("sundial_migrations").where("version", "=", latest).execute();
    const res = await app.inject({ method: "GET", url: "/readyz" });
    expect(res.statusCode).toBe(503);
    expect(res.json<ProblemBody>()).toMatchObject({ code: "schemaOutdated", status: 503 });
  });

  it("serves the OpenAPI document built from the route schemas, and the docs UI", async () => {
    const { app } = await open();
    const res = await app.inject({ method: "GET", url: "/api/openapi.json" });
    expect(res.statusCode).toBe(200);
    const doc = res.json<{
      openapi: string;
      paths: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>>;
    }>();
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/api/v1/schedules/{id}",
        "/api/v1/jobs",
        "/api/v1/jobs/{jobId}/events",
        "/api/v1/triggers/preview",
        "/healthz",
      ]),
    );
    const jobQuery = doc.paths["/api/v1/jobs"]?.get?.parameters?.map((p) => p.name);
    expect(jobQuery).toEqual(
      expect.arrayContaining(["type", "status", "startFrom", "hasErrors", "scheduleId", "_size"]),
    );
    const ui = await app.inject({ method: "GET", url: "/api/docs/" });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers["content-type"]).toMatch(/text\/html/);
  });
});
