/**
 * Authentication on the real app: every route it has, asked by each role, with no
 * credentials, and with an expired or revoked token. The routes are read from the app as
 * it registers them, so a route added later is in the matrix without editing this file.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCESS_LEVELS, type Access } from "../../src/api/access.js";
import { AuthService, authPlugin } from "../../src/auth/index.js";
import { systemClock } from "../../src/clock.js";
import { type TestApi, testApi } from "./helpers.js";

interface RouteSeen {
  readonly method: string;
  readonly url: string;
  readonly access: Access;
}

const ROLES = ["viewer", "operator", "admin"] as const;
/** Routes about one user: beyond their access level, only that user or an admin may call them. */
const OWNER_ROUTES = new Set(["GET /api/v1/users/:name", "PUT /api/v1/users/:name/password"]);
/**
 * Routes that start an export: open to viewers, then to those who may start exports
 * (operators, admins, and a group granted the type; "starting jobs" below checks grants).
 */
const EXPORT_STARTS = new Set([
  "POST /api/v1/projects/:id/run",
  "POST /api/v1/tasks/:id/run",
  // Executing a scan starts a `taskScanner` job, under the same rule.
  "POST /api/v1/scanner/schedules/:name/execute",
]);
const DAY = 86_400_000;
const rank = (level: Access) => ACCESS_LEVELS.indexOf(level);

/** A path with its parameters filled in: ids that exist nowhere, so nothing is changed. */
const concrete = (url: string) => url.replace(/:[A-Za-z]+/g, "no-such-thing");

let api: TestApi;
let auth: AuthService;
const routes: RouteSeen[] = [];
const tokens = new Map<string, string>();
/** The auth service's clock, which a test moves on to make a token expire. */
let skewMs = 0;
const clock = { now: () => Date.now() + skewMs, sleep: systemClock.sleep };

beforeAll(async () => {
  api = await testApi({
    start: false,
    plugins: [
      async (app) => {
        app.addHook("onRoute", (route) => {
          const methods = Array.isArray(route.method) ? route.method : [route.method];
          for (const method of methods) {
            if (method === "HEAD" || method === "OPTIONS") continue;
            routes.push({ method, url: route.url, access: route.config?.access ?? "admin" });
          }
        });
      },
      // Plugins run when the app gets ready, after testApi has opened Sundial.
      async (app) => {
        auth = new AuthService(api.sundial.store, { clock });
        await authPlugin(auth)(app, {});
      },
    ],
  });
  await api.app.ready();
  for (const role of ROLES) {
    await auth.createUser({ name: `a-${role}`, password: "long enough password", roles: [role] });
    tokens.set(role, (await auth.createToken({ name: "matrix", user: `a-${role}` })).secret);
  }
  await auth.createUser({ name: "exporter", password: "long enough password", roles: ["viewer"] });
  await auth.putGroup("exporters", { members: ["exporter"], jobTypes: ["noop"] });
  tokens.set("exporter", (await auth.createToken({ name: "matrix", user: "exporter" })).secret);
});

afterAll(async () => {
  await api?.close();
});

async function ask(route: RouteSeen, token?: string) {
  return api.app.inject({
    method: route.method as "GET",
    url: concrete(route.url),
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    ...(route.method === "GET" || route.method === "DELETE" ? {} : { payload: {} }),
  });
}

describe("the access matrix of every route", () => {
  it("sees the app's routes, at every access level", () => {
    expect(routes.length).toBeGreaterThan(30);
    for (const level of ["public", "viewer", "operator", "admin"] as const) {
      expect(routes.some((route) => route.access === level)).toBe(true);
    }
  });

  it("refuses every non-public route without credentials (401), and serves the public ones", async () => {
    for (const route of routes) {
      const res = await ask(route);
      if (route.access === "public") expect([route, res.statusCode]).not.toEqual([route, 401]);
      else expect([route, res.statusCode]).toEqual([route, 401]);
    }
  });

  it("gives each role each route it ranks for, and 403 for the rest", async () => {
    for (const route of routes.filter((r) => r.access !== "public")) {
      for (const role of ROLES) {
        const res = await ask(route, tokens.get(role));
        const owned = OWNER_ROUTES.has(`${route.method} ${route.url}`);
        // The made-up user of an owner route is someone else's: only an admin may ask.
        const starts = EXPORT_STARTS.has(`${route.method} ${route.url}`);
        const allowed =
          rank(role) >= rank(route.access) &&
          (!owned || role === "admin") &&
          (!starts || role !== "viewer");
        // Allowed: whatever the route answers (404 for the made-up ids, 400 for the empty
        // body), but never a refusal of who is asking.
        if (allowed) expect([route, role, res.statusCode]).not.toContainEqual(403);
        else expect([route, role, res.statusCode]).toEqual([route, role, 403]);
        expect([route, role, res.statusCode]).not.toContainEqual(401);
      }
    }
  });

  it("refuses an expired or revoked token on every route (401)", async () => {
    const revoked = await auth.createToken({ name: "revoked", user: "a-admin" });
    await auth.revokeToken(revoked.token.id);
    const expired = await auth.createToken({ name: "expired", user: "a-admin", expiresInDays: 1 });
    for (const route of routes.filter((r) => r.access !== "public")) {
      expect([route, (await ask(route, revoked.secret)).statusCode]).toEqual([route, 401]);
    }
    skewMs = 2 * DAY;
    try {
      for (const route of routes.filter((r) => r.access !== "public")) {
        expect([route, (await ask(route, expired.secret)).statusCode]).toEqual([route, 401]);
      }
    } finally {
      skewMs = 0;
    }
  });

  it("lets a user of any role read their own account", async () => {
    for (const role of ROLES) {
      const res = await api.app.inject({
        method: "GET",
        url: `/api/v1/users/a-${role}`,
        headers: { authorization: `Bearer ${tokens.get(role)}` },
      });
      expect([role, res.statusCode]).toEqual([role, 200]);
    }
  });
});

describe("starting jobs", () => {
  const start = (token: string | undefined, type: string, runBy?: unknown) =>
    api.app.inject({
      method: "POST",
      url: "/api/v1/jobs",
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      payload: { type, data: null, ...(runBy === undefined ? {} : { options: { runBy } }) },
    });

  it("lets operators start any type, a granted group its types, and no other viewer", async () => {
    expect((await start(tokens.get("operator"), "noop")).statusCode).toBe(201);
    expect((await start(tokens.get("exporter"), "noop")).statusCode).toBe(201);
    const refused = await start(tokens.get("viewer"), "noop");
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: "forbidden", field: "type" });
    expect((await start(tokens.get("exporter"), "fail")).statusCode).toBe(403);
  });

  it("records the caller as runBy, whatever the body says", async () => {
    const res = await start(tokens.get("exporter"), "noop", {
      id: "someone",
      name: "Someone Else",
    });
    expect(res.statusCode).toBe(201);
    expect(res.json().runBy).toMatchObject({ name: "exporter" });
  });
});

describe("owners", () => {
  it("makes the caller the owner of what they create, and lists `owner=me`", async () => {
    const as = (role: string) => ({ authorization: `Bearer ${tokens.get(role)}` });
    const put = await api.app.inject({
      method: "PUT",
      url: "/api/v1/schedules/operators-own",
      headers: as("operator"),
      payload: { schedule: "0 0 6 * * ?", invokeService: "noop" },
    });
    expect(put.json()).toMatchObject({ owners: ["a-operator"] });
    const mine = (role: string) =>
      api.app.inject({
        method: "GET",
        url: "/api/v1/schedules?owner=me&fields=_id",
        headers: as(role),
      });
    expect((await mine("operator")).json().result).toEqual([{ _id: "operators-own" }]);
    expect((await mine("admin")).json().result).toEqual([]);
  });
});

describe("the API documentation", () => {
  it("is reached from the login page: a session cookie opens it", async () => {
    const page = await api.app.inject({ method: "GET", url: "/login" });
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toMatch(/^text\/html/);
    expect(page.body).toContain('fetch("/api/v1/auth/login"');
    const login = await api.app.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      payload: { name: "a-viewer", password: "long enough password" },
    });
    expect(login.statusCode).toBe(200);
    const cookie = String(login.headers["set-cookie"]).split(";")[0] as string;
    const docs = await api.app.inject({ method: "GET", url: "/api/docs/", headers: { cookie } });
    expect(docs.statusCode).toBe(200);
  });

  it("is for logged-in users: nothing but health and the login answers without credentials", async () => {
    for (const url of ["/api/openapi.json", "/api/docs/", "/api/docs/json"]) {
      expect([url, (await api.app.inject({ method: "GET", url })).statusCode]).toEqual([url, 401]);
      const res = await api.app.inject({
        method: "GET",
        url,
        headers: { authorization: `Bearer ${tokens.get("viewer")}` },
      });
      expect([url, res.statusCode]).toEqual([url, 200]);
    }
  });
});
