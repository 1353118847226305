import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../../src/auth/auth.service.js";
import type { Store } from "../../src/store/store.js";
import { FakeClock } from "../helpers/fake-clock.js";
import { waitFor } from "../helpers/wait-for.js";
import {
  openSqliteStore,
  removeSqliteFiles,
  sessionCookieOf,
  TEST_ACCESS_LEVELS,
  type TestApp,
  testApp,
} from "./helpers.js";

const T0 = Date.UTC(2030, 0, 1, 9, 0, 0);
const DAY = 86_400_000;
const PASSWORD = "correct horse battery";
const ROLES = ["admin", "operator", "viewer"] as const;
type Role = (typeof ROLES)[number];
/** One user per role, named after it. */
const USER: Record<Role, string> = { admin: "root", operator: "olga", viewer: "vic" };

function expectProblem(
  response: LightMyRequestResponse,
  status: number,
  code: string,
  field?: string,
): void {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
  const body = response.json();
  expect(body).toMatchObject({ status, code, type: `urn:sundial:error:${code}` });
  expect(typeof body.detail).toBe("string");
  if (field !== undefined) expect(body.field).toBe(field);
}

let store: Store;
let clock: FakeClock;
let auth: AuthService;
let harness: TestApp;
let app: FastifyInstance;
const tokens = {} as Record<Role, string>;
const sessions = {} as Record<Role, { cookie: string; csrf: string }>;

async function login(name: string, password = PASSWORD, remoteAddress = "127.0.0.1") {
  return app.inject({
    method: "POST",
    url: "/api/v1/auth/login",
    payload: { name, password },
    remoteAddress,
  });
}

beforeAll(async () => {
  store = await openSqliteStore();
  clock = new FakeClock(T0);
  auth = new AuthService(store, {
    clock,
    loginLimits: { windowMs: 10 * 60_000, perName: 3, perIp: 1000 },
  });
  harness = await testApp(auth);
  app = harness.app;
  for (const role of ROLES) {
    await auth.createUser({ name: USER[role], password: PASSWORD, roles: [role] });
    tokens[role] = (await auth.createToken({ name: `${role} token` }, USER[role])).secret;
    const response = await login(USER[role]);
    expect(response.statusCode, response.body).toBe(200);
    sessions[role] = { cookie: sessionCookieOf(response), csrf: response.json().csrfToken };
  }
});
afterAll(async () => {
  await app.close();
  await store.close();
  await removeSqliteFiles();
});

/** Whether a role may call a route of an access level (`unset`: admin-only). */
function allowed(role: Role, level: (typeof TEST_ACCESS_LEVELS)[number]): boolean {
  const rank = { public: 0, viewer: 1, operator: 2, admin: 3, unset: 3 }[level];
  return rank <= { viewer: 1, operator: 2, admin: 3 }[role];
}

describe("access: each role × each access level", () => {
  for (const role of ROLES) {
    for (const level of TEST_ACCESS_LEVELS) {
      const verdict = allowed(role, level) ? "allowed" : "403";
      it(`${role} on a ${level} route: ${verdict}, by token and by session`, async () => {
        for (const method of ["GET", "POST"] as const) {
          const byToken = await app.inject({
            method,
            url: `/test/${level}`,
            headers: { authorization: `Bearer ${tokens[role]}` },
          });
          const bySession = await app.inject({
            method,
            url: `/test/${level}`,
            headers: { cookie: sessions[role].cookie, "x-csrf-token": sessions[role].csrf },
          });
          for (const response of [byToken, bySession]) {
            if (!allowed(role, level)) {
              expectProblem(response, 403, "forbidden");
              continue;
            }
            expect(response.statusCode, response.body).toBe(200);
            // A public route does not authenticate, so it does not know who calls.
            expect(response.json()).toEqual({ who: level === "public" ? null : USER[role] });
          }
        }
      });
    }
  }

  it("without credentials: 401 on every route but public ones; unknown routes stay 404", async () => {
    for (const level of TEST_ACCESS_LEVELS) {
      for (const method of ["GET", "POST"] as const) {
        const response = await app.inject({ method, url: `/test/${level}` });
        if (level === "public") expect(response.statusCode).toBe(200);
        else expectProblem(response, 401, "unauthorized");
      }
    }
    expect((await app.inject({ method: "GET", url: "/nothing/here" })).statusCode).toBe(404);
  });

  it("401 for an unknown, revoked or expired token, or one that is not a bearer token", async () => {
    const get = (authorization: string) =>
      app.inject({ method: "GET", url: "/test/viewer", headers: { authorization } });
    expectProblem(await get("Bearer sundial_not-a-real-token"), 401, "unauthorized");
    expectProblem(await get(`Basic ${tokens.viewer}`), 401, "unauthorized", "authorization");
    expectProblem(await get("Bearer"), 401, "unauthorized", "authorization");

    const revoked = await auth.createToken({ name: "to revoke" }, USER.viewer);
    expect((await get(`Bearer ${revoked.secret}`)).statusCode).toBe(200);
    const revoke = await app.inject({
      method: "DELETE",
      url: `/api/v1/tokens/${revoked.token.id}`,
      headers: { authorization: `Bearer ${tokens.viewer}` },
    });
    expect(revoke.json()).toMatchObject({ id: revoked.token.id, revokedAt: clock.now() });
    expectProblem(await get(`Bearer ${revoked.secret}`), 401, "unauthorized");

    // A second service on the same database, with its own clock, a day and more later.
    const later = new FakeClock(T0);
    const other = await testApp(new AuthService(store, { clock: later }));
    try {
      const expiring = await auth.createToken({ name: "one day", expiresInDays: 1 }, USER.viewer);
      const call = () =>
        other.app.inject({
          method: "GET",
          url: "/test/viewer",
          headers: { authorization: `Bearer ${expiring.secret}` },
        });
      await later.advance(DAY - 1);
      expect((await call()).statusCode).toBe(200);
      await later.advance(1);
      const expired = await call();
      expectProblem(expired, 401, "unauthorized");
      expect(expired.json().detail).toContain("expired");
    } finally {
      await other.app.close();
    }
  });

  it("a group grant lets a viewer start jobs of its type only", async () => {
    const admin = { authorization: `Bearer ${tokens.admin}` };
    const put = await app.inject({
      method: "PUT",
      url: "/api/v1/groups/exporters",
      headers: admin,
      payload: { members: [USER.viewer], jobTypes: ["export"] },
    });
    expect(put.json()).toMatchObject({ name: "exporters", members: ["vic"], jobTypes: ["export"] });
    const start = (type: string) =>
      app.inject({
        method: "POST",
        url: `/test/jobs/${type}`,
        headers: { authorization: `Bearer ${tokens.viewer}` },
      });
    expect((await start("export")).json()).toEqual({ started: "export" });
    expectProblem(await start("script"), 403, "forbidden", "type");
    const me = await app.inject({
      method: "GET",
      url: "/api/v1/auth/me",
      headers: { authorization: `Bearer ${tokens.viewer}` },
    });
    expect(me.json()).toMatchObject({ groups: ["exporters"], jobTypes: ["export"], via: "token" });
    const removed = await app.inject({
      method: "DELETE",
      url: "/api/v1/groups/exporters",
      headers: admin,
    });
    expect(removed.statusCode).toBe(204);
    expectProblem(await start("export"), 403, "forbidden");
  });
});

describe("sessions and CSRF", () => {
  it("a cookie-authenticated change needs the session's CSRF token; a bearer one does not", async () => {
    const { cookie, csrf } = sessions.operator;
    const post = (headers: Record<string, string>) =>
      app.inject({ method: "POST", url: "/test/viewer", headers });
    expectProblem(await post({ cookie }), 403, "forbidden", "x-csrf-token");
    expectProblem(
      await post({ cookie, "x-csrf-token": "guess" }),
      403,
      "forbidden",
      "x-csrf-token",
    );
    // Another session's token is no good either.
    expectProblem(
      await post({ cookie, "x-csrf-token": sessions.viewer.csrf }),
      403,
      "forbidden",
      "x-csrf-token",
    );
    expect((await post({ cookie, "x-csrf-token": csrf })).statusCode).toBe(200);
    expect((await post({ authorization: `Bearer ${tokens.operator}` })).statusCode).toBe(200);
    // Reading needs no CSRF token.
    expect(
      (await app.inject({ method: "GET", url: "/test/viewer", headers: { cookie } })).statusCode,
    ).toBe(200);
  });

  it("sets an HttpOnly, SameSite=Strict cookie, Secure when asked, and logout ends the session", async () => {
    const response = await login(USER.viewer);
    const cookie = response.cookies.find((c) => c.name === "sundial_session");
    expect(cookie).toMatchObject({
      httpOnly: true,
      sameSite: "Strict",
      path: "/api",
      maxAge: 43_200,
    });
    expect(cookie?.secure).toBeUndefined();
    expect(response.json()).toMatchObject({
      name: "vic",
      roles: ["viewer"],
      via: "session",
      csrfToken: expect.any(String),
      expiresAt: clock.now() + 12 * 3_600_000,
    });
    expect(response.headers["cache-control"]).toBe("no-store");

    const me = await app.inject({
      method: "GET",
      url: "/api/v1/auth/me",
      headers: { cookie: sessionCookieOf(response) },
    });
    expect(me.json()).toMatchObject({ name: "vic", csrfToken: response.json().csrfToken });

    const logout = await app.inject({
      method: "POST",
      url: "/api/v1/auth/logout",
      headers: { cookie: sessionCookieOf(response) },
    });
    expect(logout.statusCode).toBe(204);
    expect(logout.cookies.find((c) => c.name === "sundial_session")?.value).toBe("");
    expectProblem(
      await app.inject({
        method: "GET",
        url: "/api/v1/auth/me",
        headers: { cookie: sessionCookieOf(response) },
      }),
      401,
      "unauthorized",
    );

    const secure = await testApp(auth, { secureCookie: true });
    try {
      const over = await secure.app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        payload: { name: USER.viewer, password: PASSWORD },
      });
      expect(over.cookies.find((c) => c.name === "sundial_session")?.secure).toBe(true);
    } finally {
      await secure.app.close();
    }
  });
});

describe("the login rate limit", () => {
  it("answers 429 with Retry-After after too many failures for a name, right password or not", async () => {
    await auth.createUser({ name: "target", password: PASSWORD, roles: ["viewer"] });
    for (let i = 0; i < 3; i++) {
      expectProblem(
        await login("target", "wrong password", `198.51.100.${i}`),
        401,
        "unauthorized",
      );
    }
    const limited = await login("target", PASSWORD, "203.0.113.9");
    expectProblem(limited, 429, "tooManyRequests");
    expect(limited.headers["retry-after"]).toBe("600");
    await clock.advance(10 * 60_000);
    expect((await login("target", PASSWORD, "203.0.113.9")).statusCode).toBe(200);
  });

  it("refuses malformed logins as bad requests without echoing the password", async () => {
    const wrongType = await app.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      payload: { name: "vic", password: 123456789012345 },
    });
    expectProblem(wrongType, 400, "badRequest", "password");
    expect(wrongType.body).not.toContain("123456789012345");
    const array = await app.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      payload: ["vic", "my secret password"],
    });
    expectProblem(array, 400, "badRequest", "body");
    expect(array.body).not.toContain("my secret password");
  });
});

describe("users, tokens and the audit log over HTTP", () => {
  const as = (role: Role) => ({ authorization: `Bearer ${tokens[role]}` });

  it("only admins manage users; anyone reads themself and changes their own password", async () => {
    expectProblem(
      await app.inject({ method: "GET", url: "/api/v1/users", headers: as("operator") }),
      403,
      "forbidden",
    );
    const created = await app.inject({
      method: "POST",
      url: "/api/v1/users",
      headers: as("admin"),
      payload: { name: "newbie", password: PASSWORD, roles: ["viewer"] },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ name: "newbie", roles: ["viewer"], hasPassword: true });
    expectProblem(
      await app.inject({
        method: "POST",
        url: "/api/v1/users",
        headers: as("admin"),
        payload: { name: "newbie", password: PASSWORD, roles: ["viewer"] },
      }),
      409,
      "conflict",
      "name",
    );
    expect(
      (await app.inject({ method: "GET", url: "/api/v1/users/vic", headers: as("viewer") })).json(),
    ).toMatchObject({ name: "vic" });
    expectProblem(
      await app.inject({ method: "GET", url: "/api/v1/users/olga", headers: as("viewer") }),
      403,
      "forbidden",
    );

    const newbie = await login("newbie");
    const headers = {
      cookie: sessionCookieOf(newbie),
      "x-csrf-token": newbie.json().csrfToken as string,
    };
    const change = (payload: object) =>
      app.inject({ method: "PUT", url: "/api/v1/users/newbie/password", headers, payload });
    expectProblem(
      await change({ password: "a brand new password" }),
      400,
      "badRequest",
      "currentPassword",
    );
    expect(
      (await change({ password: "a brand new password", currentPassword: PASSWORD })).statusCode,
    ).toBe(204);
    // The session that made the change stays logged in.
    expect((await app.inject({ method: "GET", url: "/api/v1/auth/me", headers })).statusCode).toBe(
      200,
    );
    // An admin sets anyone's password without the current one.
    const reset = await app.inject({
      method: "PUT",
      url: "/api/v1/users/newbie/password",
      headers: as("admin"),
      payload: { password: PASSWORD },
    });
    expect(reset.statusCode).toBe(204);

    const disabled = await app.inject({
      method: "DELETE",
      url: "/api/v1/users/newbie",
      headers: as("admin"),
    });
    expect(disabled.json()).toMatchObject({ name: "newbie", disabled: true });
    expectProblem(await login("newbie"), 401, "unauthorized");
  });

  it("tokens: each user sees and revokes their own; others' answer 404; admins see all", async () => {
    const created = await app.inject({
      method: "POST",
      url: "/api/v1/tokens",
      headers: as("viewer"),
      payload: { name: "laptop", expiresInDays: 7 },
    });
    expect(created.statusCode).toBe(201);
    expect(created.headers["cache-control"]).toBe("no-store");
    const { token, secret } = created.json();
    expect(secret).toMatch(/^sundial_/);
    expect(token).toMatchObject({ name: "laptop", user: "vic", expiresAt: clock.now() + 7 * DAY });

    const mine = await app.inject({ method: "GET", url: "/api/v1/tokens", headers: as("viewer") });
    expect(mine.json().map((t: { user: string }) => t.user)).toEqual(
      expect.arrayContaining(["vic"]),
    );
    expect(new Set(mine.json().map((t: { user: string }) => t.user))).toEqual(new Set(["vic"]));
    expect(mine.body).not.toContain(secret);
    expectProblem(
      await app.inject({ method: "GET", url: "/api/v1/tokens?user=olga", headers: as("viewer") }),
      403,
      "forbidden",
    );
    expectProblem(
      await app.inject({
        method: "POST",
        url: "/api/v1/tokens",
        headers: as("viewer"),
        payload: { name: "for olga", user: "olga" },
      }),
      403,
      "forbidden",
    );
    expectProblem(
      await app.inject({
        method: "DELETE",
        url: `/api/v1/tokens/${token.id}`,
        headers: as("operator"),
      }),
      404,
      "notFound",
      "id",
    );
    const byAdmin = await app.inject({
      method: "GET",
      url: "/api/v1/tokens?user=vic",
      headers: as("admin"),
    });
    expect(byAdmin.json().map((t: { id: string }) => t.id)).toContain(token.id);
    const revoked = await app.inject({
      method: "DELETE",
      url: `/api/v1/tokens/${token.id}`,
      headers: as("admin"),
    });
    expect(revoked.json()).toMatchObject({ id: token.id, revokedAt: clock.now() });
  });

  it("writes an audit entry for every change asked, allowed or refused, and none for reads", async () => {
    await app.inject({
      method: "POST",
      url: "/api/v1/users",
      headers: as("admin"),
      payload: { name: "audited", password: PASSWORD, roles: ["viewer"] },
      remoteAddress: "192.0.2.44",
    });
    await app.inject({ method: "POST", url: "/test/admin", headers: as("viewer") });
    await app.inject({ method: "GET", url: "/test/viewer?after-this=1", headers: as("viewer") });
    const audit = async (query: string) =>
      (
        await app.inject({ method: "GET", url: `/api/v1/audit?${query}`, headers: as("admin") })
      ).json();
    const created = await waitFor("the audit entry of the user created", async () => {
      const [entry] = await audit("target=audited&route=/api/v1/users");
      return entry;
    });
    expect(created).toEqual({
      id: expect.any(Number),
      at: clock.now(),
      userId: expect.stringMatching(/^usr_/),
      userName: "root",
      tokenId: expect.stringMatching(/^tok_/),
      method: "POST",
      route: "/api/v1/users",
      target: "audited",
      status: 201,
      ip: "192.0.2.44",
    });
    const refused = await waitFor("the audit entry of the refusal", async () => {
      const [entry] = await audit("route=/test/admin&user=vic");
      return entry;
    });
    expect(refused).toMatchObject({ method: "POST", status: 403, userName: "vic" });
    expect(await audit("route=/test/viewer&method=GET")).toEqual([]);
    const logins = await audit("route=/api/v1/auth/login&target=target");
    expect(logins.map((e: { status: number }) => e.status)).toEqual(
      expect.arrayContaining([401, 429, 200]),
    );
    expectProblem(
      await app.inject({ method: "GET", url: "/api/v1/audit", headers: as("operator") }),
      403,
      "forbidden",
    );
    expectProblem(
      await app.inject({ method: "GET", url: "/api/v1/audit?limit=lots", headers: as("admin") }),
      400,
      "badRequest",
      "limit",
    );
  });

  it("takes SQL in names, filters and paths as plain text", async () => {
    const injection = "x'; DROP TABLE users; --";
    expectProblem(
      await app.inject({
        method: "POST",
        url: "/api/v1/users",
        headers: as("admin"),
        payload: { name: injection, password: PASSWORD, roles: ["viewer"] },
      }),
      400,
      "badRequest",
      "name",
    );
    const token = await app.inject({
      method: "POST",
      url: "/api/v1/tokens",
      headers: as("operator"),
      payload: { name: injection },
    });
    expect(token.json().token.name).toBe(injection);
    expectProblem(await login("root' OR '1'='1", "' OR '1'='1"), 401, "unauthorized");
    for (const url of [
      `/api/v1/users/${encodeURIComponent("' OR 1=1 --")}`,
      `/api/v1/users/${encodeURIComponent("../../etc/passwd")}`,
      `/api/v1/groups/${encodeURIComponent("x' OR 'a'='a")}`,
    ]) {
      expectProblem(
        await app.inject({ method: "GET", url, headers: as("admin") }),
        404,
        "notFound",
      );
    }
    const filtered = await app.inject({
      method: "GET",
      url: `/api/v1/audit?user=${encodeURIComponent("' OR 1=1 --")}`,
      headers: as("admin"),
    });
    expect(filtered.json()).toEqual([]);
    const users = await app.inject({ method: "GET", url: "/api/v1/users", headers: as("admin") });
    expect(users.json().map((u: { name: string }) => u.name)).toContain("root");
  });
});

describe("secrets", () => {
  it("never appear in responses, except a new token's secret once, nor in the logs", async () => {
    const password = "a very secret password 1";
    const responses: LightMyRequestResponse[] = [];
    const call = async (options: InjectOptions) => {
      const response = await app.inject(options);
      responses.push(response);
      return response;
    };
    await call({
      method: "POST",
      url: "/api/v1/users",
      headers: { authorization: `Bearer ${tokens.admin}` },
      payload: { name: "keeper", password, roles: ["operator"] },
    });
    await call({
      method: "POST",
      url: "/api/v1/auth/login",
      payload: { name: "keeper", password: "a wrong password" },
    });
    const loggedIn = await call({
      method: "POST",
      url: "/api/v1/auth/login",
      payload: { name: "keeper", password },
    });
    const cookie = sessionCookieOf(loggedIn);
    const sessionId = cookie.split("=")[1] as string;
    const csrf = loggedIn.json().csrfToken as string;
    const created = await call({
      method: "POST",
      url: "/api/v1/tokens",
      headers: { cookie, "x-csrf-token": csrf },
      payload: { name: "script" },
    });
    const secret = created.json().secret as string;
    for (const url of ["/api/v1/tokens", "/api/v1/auth/me", "/api/v1/users", "/api/v1/audit"]) {
      await call({ method: "GET", url, headers: { authorization: `Bearer ${secret}` } });
    }
    await call({
      method: "PUT",
      url: "/api/v1/users/keeper/password",
      headers: { cookie, "x-csrf-token": csrf },
      payload: { password: "tiny-pw-x", currentPassword: password },
    });
    await app.close();

    for (const response of responses) {
      expect(response.body).not.toContain(password);
      expect(response.body).not.toContain(sessionId);
      expect(response.body).not.toMatch(/scrypt\$|password_hash|secret_hash|id_hash/);
      if (response !== created) expect(response.body).not.toContain(secret);
    }
    const logs = harness.logs.join("");
    // The logger did see the requests, headers and bodies, with the credentials redacted.
    expect(logs).toContain("/api/v1/auth/login");
    expect(logs).toContain("[Redacted]");
    for (const value of [password, "a wrong password", "tiny-pw-x", secret, sessionId, csrf]) {
      expect(logs).not.toContain(value);
    }
  });
});
