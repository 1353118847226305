/**
 * Fastify writes every answer through the route's response schema and silently drops any
 * property the schema does not name, so each route's answer is compared here with the
 * object the service itself returns: with every optional and nullable field filled in, and
 * left empty. On SQLite and PostgreSQL (whose BIGINT and JSON columns come back as other
 * types), behind the real auth plugin.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { InjectOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService, authPlugin } from "../../src/auth/index.js";
import type { Job } from "../../src/jobs/job.js";
import { waitFor } from "../helpers/wait-for.js";
import { type Database as DatabaseKind, type TestApi, testApi } from "./helpers.js";
import { parseEvents } from "./job-routes-suite.js";

/** Fields that move while a job waits or runs: they are the same kind, not the same value. */
const moving = (job: Job) => ({
  ...job,
  waiting: expect.any(Number),
  duration: expect.any(Number),
});

export function responseSuite(database: DatabaseKind): void {
  describe(`full answers on ${database}`, () => {
    let api: TestApi;
    let auth: AuthService;
    let token: string;
    let dir: string;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "sundial-responses-"));
      api = await testApi({
        database,
        plugins: [
          async (app) => {
            auth = new AuthService(api.sundial.store);
            await authPlugin(auth)(app, {});
          },
        ],
      });
      await api.app.ready();
      await auth.createUser({ name: "root", password: "long enough password", roles: ["admin"] });
      token = (await auth.createToken({ name: "responses", user: "root" })).secret;
    });

    afterAll(async () => {
      await api?.close();
      await rm(dir, { recursive: true, force: true });
    });

    async function call(method: InjectOptions["method"], url: string, payload?: unknown) {
      const res = await api.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${token}` },
        ...(payload === undefined ? {} : { payload: payload as object }),
      });
      expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
      return { status: res.statusCode, body: res.body === "" ? undefined : res.json() };
    }

    const jobs = () => api.sundial.jobs;

    async function finished(id: string): Promise<Job> {
      return (await call("GET", `/api/v1/jobs/${id}/wait?status=FINISHED&timeout=60000`)).body;
    }

    describe("jobs", () => {
      let done: Job;
      let failed: Job;

      beforeAll(async () => {
        const created = await call("POST", "/api/v1/jobs", {
          type: "noop",
          data: { n: 1, nested: { list: [1, "two", null], flag: true } },
          options: { label: "every field", priority: 7, maxAttempts: 2 },
        });
        expect(created.status).toBe(201);
        done = await finished(created.body.id);
        failed = await finished((await call("POST", "/api/v1/jobs", { type: "fail" })).body.id);
        // An ERROR line with JSON beside it, on the job that failed anyway.
        await jobs().logError(failed.id, "a line with more", { rows: [4, 9], why: "testing" });
      });

      it("answer a finished job with every field, as the service has it", async () => {
        const stored = await jobs().findById(done.id);
        expect(stored).toMatchObject({
          label: "every field",
          runBy: { name: "root" },
          results: { ok: true },
          startDate: expect.any(Number),
          node: null,
        });
        expect(done).toEqual(stored);
        expect((await call("GET", `/api/v1/jobs/${done.id}`)).body).toEqual(stored);
        expect((await call("GET", `/api/v1/jobs/${failed.id}`)).body).toEqual(
          await jobs().findById(failed.id),
        );
      });

      it("answer a list and a job's logs, additional info included", async () => {
        const list = (await call("GET", "/api/v1/jobs?status=FINISHED")).body;
        expect(list).toEqual({
          result: await jobs().find({ status: "FINISHED" }),
          resultCount: 2,
        });
        const logs = await jobs().logs(failed.id);
        expect(logs.at(-1)).toMatchObject({ additionalInfo: { rows: [4, 9] }, level: "ERROR" });
        expect((await call("GET", `/api/v1/jobs/${failed.id}/logs`)).body).toEqual({
          result: logs,
          resultCount: logs.length,
        });
      });

      it("stream the same job and log lines as Server-Sent Events", async () => {
        const res = await api.app.inject({
          method: "GET",
          url: `/api/v1/jobs/${done.id}/events`,
          headers: { authorization: `Bearer ${token}` },
        });
        const events = parseEvents(res.body);
        const stored = await jobs().findById(done.id);
        expect(events[0]).toMatchObject({ event: "status", data: stored });
        expect(events.filter((e) => e.event === "log").map((e) => e.data)).toEqual(
          await jobs().logs(done.id),
        );
        expect(events.at(-1)).toMatchObject({ event: "end", data: stored });
      });

      it("answer a schedule's job with its fire, and commands with the job as it then is", async () => {
        await call("PUT", "/api/v1/schedules/every-second", {
          schedule: "* * * * * ?",
          invokeService: "noop",
          invokeContext: { from: "a schedule" },
        });
        const fired = await waitFor("a fired job", async () => {
          const [job] = await jobs().find({ scheduleId: "every-second", status: "FINISHED" });
          return job;
        });
        await call("DELETE", "/api/v1/schedules/every-second");
        expect(fired).toMatchObject({ fireTime: expect.any(Number), firedBy: "api-test" });
        expect((await call("GET", `/api/v1/jobs/${fired.id}`)).body).toEqual(
          await jobs().findById(fired.id),
        );

        const later = (
          await call("POST", "/api/v1/jobs", { type: "noop", options: { delayMs: 3_600_000 } })
        ).body as Job;
        const low = (await call("POST", `/api/v1/jobs/${later.id}/low-priority`)).body;
        expect(low).toEqual(moving(await jobs().findById(later.id)));
        expect(low).toMatchObject({ lowPriority: true, status: "PENDING" });
        const canceled = (await call("POST", `/api/v1/jobs/${later.id}/cancel`)).body;
        expect(canceled).toEqual(await jobs().findById(later.id));
        const retried = await call("POST", `/api/v1/jobs/${later.id}/retry`);
        expect(retried.status).toBe(201);
        // It runs at once: the answer has every field of the job, which moves on.
        const again = await finished(retried.body.id);
        expect(Object.keys(retried.body).sort()).toEqual(Object.keys(again).sort());
        expect(again).toEqual(await jobs().findById(retried.body.id));
      });

      it("answer the running jobs of the action style as the scheduler lists them", async () => {
        const gated = (await call("POST", "/api/v1/jobs", { type: "gated" })).body as Job;
        await call("GET", `/api/v1/jobs/${gated.id}/wait?status=RUNNING&timeout=60000`);
        const running = (await call("POST", "/api/v1/scheduler?_action=listCurrentlyExecutingJobs"))
          .body as Job[];
        expect(running).toEqual(
          (await api.sundial.listCurrentlyExecutingJobs()).map((job) => moving(job)),
        );
        expect(running[0]).toMatchObject({ id: gated.id, node: "api-test", status: "RUNNING" });
        api.gates.open(gated.id);
        await finished(gated.id);
      });
    });

    describe("schedules", () => {
      const full = {
        enabled: true,
        schedule: "0 30 6 ? * MON-FRI",
        timeZone: "Europe/London",
        startTime: "2030-01-01T00:00:00.000Z",
        endTime: "2040-01-01T00:00:00.000Z",
        dst: { gap: "skip", overlap: "first" },
        misfirePolicy: "doNothing",
        misfireThreshold: 5000,
        concurrentExecution: true,
        persisted: true,
        invokeService: "noop",
        invokeContext: { report: "daily", recipients: ["a@example.com"], limits: { rows: 10 } },
        invokeLogLevel: "debug",
        owners: ["root", "ops"],
      };

      it("answer a schedule with every optional field as the service stores it", async () => {
        const put = (await call("PUT", "/api/v1/schedules/full", full)).body;
        const stored = await api.sundial.schedules.get("full");
        expect(stored).toMatchObject({ ...full, _id: "full", type: "cron" });
        expect(put).toEqual(stored);
        const one = (await call("GET", "/api/v1/schedules/full")).body;
        expect(one).toEqual({
          ...stored,
          nextFireTimes: api.sundial.schedules.upcomingFires(
            stored as NonNullable<typeof stored>,
            5,
          ),
        });
        expect(one.nextFireTimes).toHaveLength(5);
      });

      it("answer interval, once and disabled schedules, created either way", async () => {
        const interval = (
          await call("POST", "/api/v1/schedules", {
            _id: "interval",
            every: 2,
            unit: "hours",
            anchor: "2030-01-01T00:15:00Z",
            invokeService: "noop",
          })
        ).body;
        expect(interval).toMatchObject({ every: 2, unit: "hours", anchor: expect.any(String) });
        expect(interval).toEqual(await api.sundial.schedules.get("interval"));
        const once = (
          await call("POST", "/api/v1/scheduler?_action=create", {
            _id: "once",
            at: "2031-06-01T12:00:00Z",
            enabled: false,
            invokeService: "noop",
          })
        ).body;
        expect(once).toMatchObject({ at: expect.any(String), nextFireTime: null });
        expect(once).toEqual(await api.sundial.schedules.get("once"));
      });

      it("answer lists whole, or with only the fields asked for", async () => {
        const all = await api.sundial.schedules.list({ limit: 100 });
        expect((await call("GET", "/api/v1/schedules")).body).toEqual({
          result: all,
          resultCount: all.length,
          pagedResultsCookie: null,
        });
        const some = (await call("GET", "/api/v1/schedules?fields=invokeContext,nextFireTime,dst"))
          .body;
        expect(some.result).toContainEqual({
          _id: "full",
          invokeContext: full.invokeContext,
          nextFireTime: (await api.sundial.schedules.get("full"))?.nextFireTime,
          dst: full.dst,
        });
        expect((await call("GET", "/api/v1/scheduler?_queryId=query-all-ids")).body).toEqual({
          result: all.map((schedule) => ({ _id: schedule._id })),
          resultCount: all.length,
          pagedResultsCookie: null,
          totalPagedResultsPolicy: "NONE",
          totalPagedResults: -1,
          remainingPagedResults: -1,
        });
      });

      it("answer a trigger preview with everything it found, valid or not", async () => {
        const invalid = (
          await call("POST", "/api/v1/triggers/preview", { expression: "0 0 6 ? * 8" })
        ).body;
        expect(invalid).toEqual({
          valid: false,
          code: "invalidTrigger",
          field: "day-of-week",
          detail: expect.stringContaining("day-of-week"),
          allowed: "1-7 (SUN-SAT)",
        });
        const valid = (
          await call("POST", "/api/v1/triggers/preview", {
            expression: "0 0 6 ? * MON",
            timeZone: "Europe/London",
            count: 2,
            from: "2030-01-01T00:00:00Z",
          })
        ).body;
        expect(valid).toEqual({
          valid: true,
          type: "cron",
          timeZone: "Europe/London",
          description: expect.any(String),
          nextFireTimes: ["2030-01-07T06:00:00.000Z", "2030-01-14T06:00:00.000Z"],
        });
      });
    });

    describe("users, groups, tokens, sessions and the audit log", () => {
      it("answer users, groups and tokens as the auth service has them", async () => {
        const ada = (
          await call("POST", "/api/v1/users", {
            name: "ada",
            password: "another long password",
            roles: ["operator", "viewer"],
          })
        ).body;
        await call("PUT", "/api/v1/groups/exporters", { members: ["ada"], jobTypes: ["export"] });
        expect(ada).toEqual({ ...(await auth.getUser("ada")), groups: [] });
        expect((await call("GET", "/api/v1/users/ada")).body).toEqual(await auth.getUser("ada"));
        expect((await call("GET", "/api/v1/users")).body).toEqual(await auth.listUsers());
        expect((await call("PATCH", "/api/v1/users/ada", { roles: ["viewer"] })).body).toEqual(
          await auth.getUser("ada"),
        );
        expect((await call("GET", "/api/v1/groups")).body).toEqual(await auth.listGroups());
        expect((await call("GET", "/api/v1/groups/exporters")).body).toEqual(
          await auth.getGroup("exporters"),
        );

        const created = (await call("POST", "/api/v1/tokens", { name: "ci", user: "ada" })).body;
        expect(created).toEqual({
          token: await auth.getToken(created.token.id),
          secret: expect.stringMatching(/^sundial_/),
        });
        expect((await auth.authenticateToken(created.secret)).name).toBe("ada");
        expect((await call("GET", "/api/v1/tokens?user=ada")).body).toEqual(
          await auth.listTokens("ada"),
        );
        const revoked = (await call("DELETE", `/api/v1/tokens/${created.token.id}`)).body;
        expect(revoked).toEqual(await auth.getToken(created.token.id));
        expect(revoked.revokedAt).toEqual(expect.any(Number));
      });

      it("answer a login and `me` with the principal and the session's CSRF token", async () => {
        const login = await api.app.inject({
          method: "POST",
          url: "/api/v1/auth/login",
          payload: { name: "root", password: "long enough password" },
        });
        const cookie = login.cookies.find((c) => c.name === "sundial_session");
        const session = await auth.authenticateSession(cookie?.value as string);
        const whoAmI = { ...session.principal, csrfToken: session.csrfToken };
        expect(login.json()).toEqual({ ...whoAmI, expiresAt: expect.any(Number) });
        const me = await api.app.inject({
          method: "GET",
          url: "/api/v1/auth/me",
          headers: { cookie: `sundial_session=${cookie?.value}` },
        });
        expect(me.json()).toEqual(whoAmI);
        expect((await call("GET", "/api/v1/auth/me")).body).toEqual({
          ...(await auth.authenticateToken(token)),
          csrfToken: null,
        });
      });

      it("answer the audit log as it is stored", async () => {
        expect((await call("GET", "/api/v1/audit?limit=1000")).body).toEqual(
          await auth.listAudit({ limit: 1000 }),
        );
      });
    });

    describe("connections", () => {
      it("answer connections with their secrets masked, as the service reads them", async () => {
        const file = join(dir, "source.db");
        new Database(file).close();
        const created = (
          await call("POST", "/api/v1/connections", {
            name: "warehouse",
            type: "postgres",
            description: "the warehouse",
            settings: {
              host: "db.example.com",
              database: "dw",
              username: "etl",
              password: "a secret password",
              ssl: "require",
            },
          })
        ).body;
        expect(created).toEqual(await api.connections.get("warehouse"));
        expect(created.settings).toEqual({
          host: "db.example.com",
          database: "dw",
          username: "etl",
          password: { set: true },
          ssl: "require",
        });
        await call("POST", "/api/v1/connections", {
          name: "local",
          type: "sqlite",
          settings: { path: file },
        });
        expect((await call("GET", "/api/v1/connections/local")).body).toEqual(
          await api.connections.get("local"),
        );
        const list = await api.connections.list();
        expect((await call("GET", "/api/v1/connections")).body).toEqual({
          result: list,
          resultCount: list.length,
        });
        const tested = (await call("POST", "/api/v1/connections/local/test")).body;
        const direct = await api.connections.test("local");
        expect(tested).toEqual({ ...direct, message: expect.any(String) });
        expect(Object.keys(tested).sort()).toEqual(Object.keys(direct).sort());
      });
    });

    describe("health", () => {
      it("answers its status", async () => {
        expect((await call("GET", "/healthz")).body).toEqual({ status: "ok" });
        expect((await call("GET", "/readyz")).body).toEqual({ status: "ready" });
      });
    });
  });
}
