/**
 * The OpenAPI document of the real server (`startServer`, every route it registers, auth
 * included) describes what every route answers, not only what it takes: each operation
 * has a 2xx response with a schema (or a 204 without a body), and each error response is
 * the problem+json shape. The document is read as a client reads it, so a route added
 * later is checked without editing this file; the failure lists every offender.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "../../src/api/server.js";
import { loadServerConfig } from "../../src/api/server-config.js";

const PASSWORD = "a long enough admin password";

interface Response {
  readonly description?: string;
  readonly content?: Record<string, { readonly schema?: Record<string, unknown> }>;
}
interface Operation {
  readonly responses?: Record<string, Response>;
  readonly security?: readonly unknown[];
}
interface Document {
  readonly paths: Record<string, Record<string, Operation>>;
  readonly components?: { readonly securitySchemes?: Record<string, unknown> };
}

let dir: string;
let server: RunningServer;
let doc: Document;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sundial-openapi-"));
  const config = await loadServerConfig({
    flags: { port: "0", conf: join(dir, "no-conf") },
    env: { SUNDIAL_ADMIN_PASSWORD: PASSWORD },
    cwd: dir,
  });
  server = await startServer(config, pino({ level: "silent" }), { stderr: () => {} });
  const login = await server.app.inject({
    method: "POST",
    url: "/api/v1/auth/login",
    payload: { name: "admin", password: PASSWORD },
  });
  expect(login.statusCode, login.body).toBe(200);
  const cookie = String(login.headers["set-cookie"]).split(";")[0] as string;
  const res = await server.app.inject({
    method: "GET",
    url: "/api/openapi.json",
    headers: { cookie },
  });
  expect(res.statusCode).toBe(200);
  doc = res.json<Document>();
});

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Every operation of the document: `GET /api/v1/jobs/{jobId}` and its description. */
function operations(): [string, string, Operation][] {
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(
      ([method, operation]) =>
        [method.toUpperCase(), path, operation] as [string, string, Operation],
    ),
  );
}

/** What is wrong with one operation's responses, if anything. */
function faultsOf(operation: Operation): string[] {
  const responses = Object.entries(operation.responses ?? {});
  const faults: string[] = [];
  const success = responses.filter(([status]) => /^2\d\d$/.test(status));
  if (success.length === 0) faults.push("no 2xx response");
  for (const [status, response] of success) {
    const schemas = Object.values(response.content ?? {}).filter((c) => c.schema !== undefined);
    // A 204 has no body; every other success says what its body is. (A route without a
    // response schema gets @fastify/swagger's "Default Response", which has no content.)
    if (status === "204") {
      if (schemas.length > 0) faults.push("204 with a body");
    } else if (schemas.length === 0) faults.push(`${status} without a schema`);
  }
  for (const [status, response] of responses) {
    if (/^2\d\d$/.test(status)) continue;
    const schema = response.content?.["application/problem+json"]?.schema as
      | { properties?: Record<string, unknown> }
      | undefined;
    if (schema?.properties?.code === undefined || schema.properties.detail === undefined) {
      faults.push(`${status} is not problem+json`);
    }
  }
  return faults;
}

describe("the OpenAPI document", () => {
  it("lists the routes of every domain", () => {
    const paths = Object.keys(doc.paths);
    for (const path of [
      "/api/v1/jobs/{jobId}",
      "/api/v1/schedules/{id}",
      "/api/v1/scheduler",
      "/api/v1/triggers/preview",
      "/api/v1/connections/{name}",
      "/api/v1/users/{name}",
      "/api/v1/tokens",
      "/api/v1/auth/login",
      "/api/v1/audit",
      "/healthz",
      "/readyz",
      "/metrics",
    ]) {
      expect(paths).toContain(path);
    }
  });

  it("gives every route under /api/v1, health and metrics a 2xx response schema and problem+json errors", () => {
    const offenders = operations()
      .filter(
        ([, path]) =>
          path.startsWith("/api/v1/") || ["/healthz", "/readyz", "/metrics"].includes(path),
      )
      .flatMap(([method, path, operation]) =>
        faultsOf(operation).map((fault) => `${method} ${path}: ${fault}`),
      );
    expect(offenders).toEqual([]);
  });

  it("says which credentials each route takes, and that those without them get 401", () => {
    expect(Object.keys(doc.components?.securitySchemes ?? {}).sort()).toEqual([
      "bearer",
      "session",
    ]);
    const publicRoutes = new Set([
      "POST /api/v1/auth/login",
      "POST /api/v1/auth/logout",
      "GET /healthz",
      "GET /readyz",
    ]);
    for (const [method, path, operation] of operations()) {
      const route = `${method} ${path}`;
      if (publicRoutes.has(route)) {
        expect([route, operation.security]).toEqual([route, []]);
        continue;
      }
      expect([route, operation.security?.length]).toEqual([route, 2]);
      expect([route, Object.keys(operation.responses ?? {})]).toEqual([
        route,
        expect.arrayContaining(["401", "403"]),
      ]);
    }
  });

  it("describes what a job, a schedule and a problem hold, field by field", () => {
    const job = doc.paths["/api/v1/jobs/{jobId}"]?.get?.responses?.["200"]?.content?.[
      "application/json"
    ]?.schema as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(job.properties)).toEqual(
      expect.arrayContaining(["id", "status", "runBy", "data", "results", "scheduleId", "runAt"]),
    );
    expect(job.properties.label).toMatchObject({ type: ["string", "null"] });
    const schedule = doc.paths["/api/v1/schedules/{id}"]?.get?.responses?.["200"]?.content?.[
      "application/json"
    ]?.schema as { properties: Record<string, unknown> };
    expect(Object.keys(schedule.properties)).toEqual(
      expect.arrayContaining(["_id", "nextFireTime", "nextFireTimes", "owners", "invokeContext"]),
    );
    const notFound = doc.paths["/api/v1/jobs/{jobId}"]?.get?.responses?.["404"];
    expect(notFound?.description).toMatch(/`notFound`/);
    expect(notFound?.content?.["application/problem+json"]?.schema).toMatchObject({
      properties: { code: { enum: expect.arrayContaining(["notFound", "badRequest"]) } },
      required: expect.arrayContaining(["type", "title", "status", "code", "detail"]),
    });
  });
});
