/**
 * Every error a route says it answers, asked through inject(): one case per route and
 * status that the OpenAPI document lists (besides 401 and 403, which the access matrix asks
 * of every route, and 500), each answered as problem+json with its code. The document is
 * the checklist: a route that documents a status no case here asks, or a case asking one
 * its route does not document, fails the test. Then every route that takes a body is sent
 * one over the limit (413).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { InjectOptions, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService, authPlugin } from "../../src/auth/index.js";
import type { Job } from "../../src/jobs/job.js";
import { RunRepository } from "../../src/projects/run.repository.js";
import { type TestApi, testApi } from "./helpers.js";

/** Statuses asked elsewhere, for every route: the access matrix (401, 403), 500 nowhere. */
const ASKED_ELSEWHERE = new Set(["401", "403", "413", "500"]);
/** Errors that need the server to go away or the database to break, asked in their own files. */
const COVERED_BY: Record<string, string> = {
  "GET /api/v1/jobs/{jobId}/wait 503":
    "test/api/events.test.ts: answers a long poll with 503 unavailable when the server closes meanwhile",
  "GET /readyz 503": "test/api/app.test.ts: is not ready when the schema lacks a migration",
  "GET /metrics 503": "below: /metrics when the database fails",
};
const PASSWORD = "long enough password";
const LONG_ID = "x".repeat(201);

interface Case {
  /** As the OpenAPI document names it: `GET /api/v1/jobs/{jobId}`. */
  readonly route: string;
  readonly status: number;
  readonly code: string;
  readonly field?: string;
  readonly request: InjectOptions;
  /** The session cookie instead of the admin's token (logins). */
  readonly anonymous?: boolean;
  /** A viewer's token, of no group, instead of the admin's (starting exports). */
  readonly viewer?: boolean;
}

let api: TestApi;
let auth: AuthService;
let token: string;
let viewerToken: string;
/** A project and its task `daily`: a query on a stored SQLite connection into a directory. */
let project: { id: string };
let task: { id: string };
/** A task of the project whose run is the `running` job: the task runs. */
let busyTask: { id: string };
let exportDir: string;
let running: Job;
let pending: Job;
let done: Job;
let documented: Map<string, Set<string>>;
/** A scan run that has ended (in ERROR: its connection does not exist). */
let endedScan: { id: string };

const get = (url: string): InjectOptions => ({ method: "GET", url });
const del = (url: string): InjectOptions => ({ method: "DELETE", url });
const post = (url: string, payload?: unknown): InjectOptions => ({
  method: "POST",
  url,
  ...(payload === undefined ? {} : { payload: payload as object }),
});
const put = (url: string, payload: unknown): InjectOptions => ({
  method: "PUT",
  url,
  payload: payload as object,
});
const patch = (url: string, payload: unknown): InjectOptions => ({
  method: "PATCH",
  url,
  payload: payload as object,
});

function ask(
  request: InjectOptions,
  anonymous = false,
  bearer = token,
): Promise<LightMyRequestResponse> {
  return api.app.inject({
    ...request,
    headers: { ...request.headers, ...(anonymous ? {} : { authorization: `Bearer ${bearer}` }) },
  });
}

/** POSTs `body` as the admin, expecting 201; answers what was created. */
async function created<T>(url: string, body: unknown): Promise<T> {
  const res = await ask(post(url, body));
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

async function job(path: string): Promise<Job> {
  const res = await ask(get(`/api/v1/jobs/${path}`));
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

beforeAll(async () => {
  api = await testApi({
    plugins: [
      async (app) => {
        auth = new AuthService(api.sundial.store);
        await authPlugin(auth)(app, {});
      },
    ],
  });
  await api.app.ready();
  await auth.createUser({ name: "root", password: PASSWORD, roles: ["admin"] });
  token = (await auth.createToken({ name: "errors", user: "root" })).secret;
  await api.connections.create({
    name: "warehouse",
    type: "postgres",
    settings: { host: "db.example.com", database: "dw", username: "etl" },
  });
  const enqueue = async (body: unknown) => (await ask(post("/api/v1/jobs", body))).json() as Job;
  running = await enqueue({ type: "gated" });
  pending = await enqueue({ type: "noop", options: { delayMs: 3_600_000 } });
  done = await enqueue({ type: "noop" });
  await job(`${running.id}/wait?status=RUNNING&timeout=60000`);
  await job(`${done.id}/wait?status=FINISHED&timeout=60000`);

  await auth.createUser({ name: "looker", password: PASSWORD, roles: ["viewer"] });
  viewerToken = (await auth.createToken({ name: "errors", user: "looker" })).secret;
  exportDir = await mkdtemp(join(tmpdir(), "sundial-error-cases-"));
  await api.connections.create({
    name: "shop",
    type: "sqlite",
    settings: { path: join(exportDir, "shop.db") },
  });
  project = await created("/api/v1/projects", { name: "errands" });
  task = await created("/api/v1/tasks", taskBody("daily"));
  // An export can't be held RUNNING here (no source blocks on SQLite); the gated job is, so
  // it becomes the task's run, recorded as running the task now records one.
  busyTask = await created("/api/v1/tasks", taskBody("busy"));
  await RunRepository.of(api.sundial.store).queue({
    job_id: running.id,
    task_id: busyTask.id,
    project_id: project.id,
    attempt: 1,
    retry_of: null,
    queued_at: running.createDate,
  });
  await ask(
    put("/api/v1/schedules/scan", {
      schedule: "0 0 0 1 1 ? 2099",
      invokeService: "taskScanner",
      invokeContext: {
        scan: {
          connection: "nowhere",
          table: "users",
          property: "due",
          condition: { before: "2026-01-01" },
          taskState: { started: "started", completed: "completed" },
        },
        task: { url: "http://127.0.0.1:1/" },
      },
    }),
  );
  await ask(
    put("/api/v1/schedules/not-a-scan", { schedule: "0 0 0 1 1 ? 2099", invokeService: "noop" }),
  );
  const scan = await ask(post("/api/v1/scanner/schedules/scan/execute?waitForCompletion=true"));
  expect(scan.statusCode, scan.body).toBe(200);
  endedScan = scan.json();

  const doc = (await ask(get("/api/openapi.json"))).json<{
    paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
  }>();
  documented = new Map(
    Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => [
        `${method.toUpperCase()} ${path}`,
        new Set(Object.keys(operation.responses)),
      ]),
    ),
  );
});

afterAll(async () => {
  if (running !== undefined) api?.gates.open(running.id);
  await api?.close();
  if (exportDir !== undefined) await rm(exportDir, { recursive: true, force: true });
});

/** A valid task of the project: `extra` replaces or adds settings. */
function taskBody(name: string, extra: Record<string, unknown> = {}) {
  return {
    project: "errands",
    name,
    source: { type: "sql", connection: "shop", query: "SELECT 1 AS one" },
    output: { fileName: `${name}.csv`, format: { type: "csv" } },
    destinations: [{ type: "directory", directory: exportDir, overwrite: true }],
    ...extra,
  };
}

/**
 * The 400 of an id longer than ids may be and the 404 of an unknown one, for `route`
 * (`GET /api/v1/tasks/{id}`): a route without a body whose only parameter is `{id}`.
 */
function idCases(route: string): Case[] {
  const [method, path] = route.split(" ") as [InjectOptions["method"], string];
  const at = (id: string): InjectOptions => ({ method, url: path.replace("{id}", id) });
  return [
    { route, status: 400, code: "badRequest", field: "id", request: at(LONG_ID) },
    { route, status: 404, code: "notFound", field: "id", request: at("nothing") },
  ];
}

/** The cases, built once the jobs they ask about exist. */
function cases(): Case[] {
  const jobs = "/api/v1/jobs";
  const unknownJob = "01936f4e-0000-7000-8000-000000000000";
  const unknownFile = "fil_0000000000000000";
  const projects = "/api/v1/projects";
  const tasks = "/api/v1/tasks";
  return [
    // jobs
    {
      route: "GET /api/v1/jobs",
      status: 400,
      code: "badRequest",
      field: "status",
      request: get(`${jobs}?status=DONE`),
    },
    {
      route: "POST /api/v1/jobs",
      status: 400,
      code: "badRequest",
      field: "type",
      request: post(jobs, { type: "nothing" }),
    },
    {
      route: "GET /api/v1/jobs/{jobId}",
      status: 400,
      code: "badRequest",
      field: "jobId",
      request: get(`${jobs}/${LONG_ID}`),
    },
    {
      route: "GET /api/v1/jobs/{jobId}",
      status: 404,
      code: "notFound",
      field: "jobId",
      request: get(`${jobs}/${unknownJob}`),
    },
    {
      route: "GET /api/v1/jobs/{jobId}/logs",
      status: 400,
      code: "badRequest",
      field: "level",
      request: get(`${jobs}/${done.id}/logs?level=WARN`),
    },
    {
      route: "GET /api/v1/jobs/{jobId}/logs",
      status: 404,
      code: "notFound",
      field: "jobId",
      request: get(`${jobs}/${unknownJob}/logs`),
    },
    ...(["stop", "cancel", "resume", "retry", "low-priority"] as const).flatMap((command) => [
      {
        route: `POST /api/v1/jobs/{jobId}/${command}`,
        status: 400,
        code: "badRequest",
        field: "jobId",
        request: post(`${jobs}/${LONG_ID}/${command}`),
      },
      {
        route: `POST /api/v1/jobs/{jobId}/${command}`,
        status: 404,
        code: "notFound",
        field: "jobId",
        request: post(`${jobs}/${unknownJob}/${command}`),
      },
    ]),
    {
      route: "POST /api/v1/jobs/{jobId}/stop",
      status: 409,
      code: "conflict",
      request: post(`${jobs}/${pending.id}/stop`),
    },
    {
      route: "POST /api/v1/jobs/{jobId}/cancel",
      status: 409,
      code: "conflict",
      request: post(`${jobs}/${running.id}/cancel`),
    },
    {
      route: "POST /api/v1/jobs/{jobId}/resume",
      status: 409,
      code: "conflict",
      request: post(`${jobs}/${done.id}/resume`),
    },
    {
      route: "POST /api/v1/jobs/{jobId}/retry",
      status: 409,
      code: "conflict",
      request: post(`${jobs}/${done.id}/retry`),
    },
    {
      route: "DELETE /api/v1/jobs/{jobId}/low-priority",
      status: 400,
      code: "badRequest",
      field: "jobId",
      request: del(`${jobs}/${LONG_ID}/low-priority`),
    },
    {
      route: "DELETE /api/v1/jobs/{jobId}/low-priority",
      status: 404,
      code: "notFound",
      field: "jobId",
      request: del(`${jobs}/${unknownJob}/low-priority`),
    },
    {
      route: "GET /api/v1/jobs/{jobId}/wait",
      status: 400,
      code: "badRequest",
      field: "timeout",
      request: get(`${jobs}/${pending.id}/wait?timeout=-1`),
    },
    {
      route: "GET /api/v1/jobs/{jobId}/wait",
      status: 404,
      code: "notFound",
      field: "jobId",
      request: get(`${jobs}/${unknownJob}/wait`),
    },
    {
      route: "GET /api/v1/jobs/{jobId}/wait",
      status: 408,
      code: "timeout",
      request: get(`${jobs}/${pending.id}/wait?timeout=0`),
    },
    {
      route: "GET /api/v1/jobs/{jobId}/events",
      status: 400,
      code: "badRequest",
      field: "last-event-id",
      request: { ...get(`${jobs}/${done.id}/events`), headers: { "last-event-id": "x" } },
    },
    {
      route: "GET /api/v1/jobs/{jobId}/events",
      status: 404,
      code: "notFound",
      field: "jobId",
      request: get(`${jobs}/${unknownJob}/events`),
    },
    // schedules, the scheduler and triggers
    {
      route: "PUT /api/v1/schedules/{id}",
      status: 400,
      code: "invalidTrigger",
      field: "day-of-week",
      request: put("/api/v1/schedules/a", { schedule: "0 0 6 ? * 8", invokeService: "noop" }),
    },
    {
      route: "POST /api/v1/schedules",
      status: 400,
      code: "invalidTimeZone",
      request: post("/api/v1/schedules", {
        schedule: "0 0 6 * * ?",
        timeZone: "Mars/Olympus",
        invokeService: "noop",
      }),
    },
    {
      route: "GET /api/v1/schedules/{id}",
      status: 400,
      code: "badRequest",
      field: "id",
      request: get(`/api/v1/schedules/${LONG_ID}`),
    },
    {
      route: "GET /api/v1/schedules/{id}",
      status: 404,
      code: "notFound",
      field: "id",
      request: get("/api/v1/schedules/nothing"),
    },
    {
      route: "GET /api/v1/schedules",
      status: 400,
      code: "badRequest",
      field: "_size",
      request: get("/api/v1/schedules?_size=0"),
    },
    {
      route: "DELETE /api/v1/schedules/{id}",
      status: 400,
      code: "badRequest",
      field: "id",
      request: del(`/api/v1/schedules/${LONG_ID}`),
    },
    {
      route: "DELETE /api/v1/schedules/{id}",
      status: 404,
      code: "notFound",
      field: "id",
      request: del("/api/v1/schedules/nothing"),
    },
    {
      route: "POST /api/v1/scheduler",
      status: 400,
      code: "badRequest",
      field: "_action",
      request: post("/api/v1/scheduler?_action=explode"),
    },
    {
      route: "GET /api/v1/scheduler",
      status: 400,
      code: "badRequest",
      field: "_queryId",
      request: get("/api/v1/scheduler?_queryId=query-some"),
    },
    {
      route: "POST /api/v1/triggers/preview",
      status: 400,
      code: "badRequest",
      field: "count",
      request: post("/api/v1/triggers/preview", { expression: "0 * * * * ?", count: 0 }),
    },
    {
      route: "POST /api/v1/file-names/preview",
      status: 400,
      code: "badRequest",
      field: "zip",
      request: post("/api/v1/file-names/preview", { template: "a.csv", zip: "yes" }),
    },
    // connections
    {
      route: "GET /api/v1/connections",
      status: 400,
      code: "badRequest",
      field: "type",
      request: get("/api/v1/connections?type=telnet"),
    },
    {
      route: "POST /api/v1/connections",
      status: 400,
      code: "badRequest",
      field: "settings.host",
      request: post("/api/v1/connections", {
        name: "x",
        type: "postgres",
        settings: { database: "d", username: "u" },
      }),
    },
    {
      route: "POST /api/v1/connections",
      status: 409,
      code: "conflict",
      field: "name",
      request: post("/api/v1/connections", {
        name: "warehouse",
        type: "postgres",
        settings: { host: "h", database: "d", username: "u" },
      }),
    },
    ...(["GET", "PUT", "DELETE"] as const).flatMap((method) => {
      const body =
        method === "PUT"
          ? { payload: { settings: { host: "h", database: "d", username: "u" } } }
          : {};
      return [
        {
          route: `${method} /api/v1/connections/{name}`,
          status: 400,
          code: "badRequest",
          field: "name",
          request: { method, url: `/api/v1/connections/${LONG_ID}`, ...body },
        },
        {
          route: `${method} /api/v1/connections/{name}`,
          status: 404,
          code: "notFound",
          field: "name",
          request: { method, url: "/api/v1/connections/nothing", ...body },
        },
      ];
    }),
    {
      route: "POST /api/v1/connections/{name}/test",
      status: 400,
      code: "badRequest",
      field: "name",
      request: post(`/api/v1/connections/${LONG_ID}/test`),
    },
    {
      route: "POST /api/v1/connections/{name}/test",
      status: 404,
      code: "notFound",
      field: "name",
      request: post("/api/v1/connections/nothing/test"),
    },
    // logging in, users, groups, tokens, the audit log
    {
      route: "POST /api/v1/auth/login",
      status: 400,
      code: "badRequest",
      field: "password",
      anonymous: true,
      request: post("/api/v1/auth/login", { name: "root", password: 12 }),
    },
    {
      route: "POST /api/v1/auth/login",
      status: 401,
      code: "unauthorized",
      anonymous: true,
      request: post("/api/v1/auth/login", { name: "root", password: "not the password" }),
    },
    {
      route: "POST /api/v1/auth/login",
      status: 429,
      code: "tooManyRequests",
      anonymous: true,
      request: post("/api/v1/auth/login", { name: "locked-out", password: "wrong password" }),
    },
    {
      route: "POST /api/v1/auth/logout",
      status: 400,
      code: "badRequest",
      field: "body",
      anonymous: true,
      request: {
        method: "POST",
        url: "/api/v1/auth/logout",
        headers: { "content-type": "application/json" },
        payload: "{",
      },
    },
    {
      route: "POST /api/v1/users",
      status: 400,
      code: "badRequest",
      field: "roles[0]",
      request: post("/api/v1/users", { name: "ada", roles: ["superuser"] }),
    },
    {
      route: "POST /api/v1/users",
      status: 409,
      code: "conflict",
      field: "name",
      request: post("/api/v1/users", { name: "root", roles: ["viewer"] }),
    },
    ...(["GET", "PATCH", "DELETE"] as const).flatMap((method) => {
      const body = method === "PATCH" ? { payload: { disabled: false } } : {};
      return [
        {
          route: `${method} /api/v1/users/{name}`,
          status: 400,
          code: "badRequest",
          field: "name",
          request: { method, url: `/api/v1/users/${LONG_ID}`, ...body },
        },
        {
          route: `${method} /api/v1/users/{name}`,
          status: 404,
          code: "notFound",
          field: "name",
          request: { method, url: "/api/v1/users/nobody", ...body },
        },
      ];
    }),
    {
      route: "PATCH /api/v1/users/{name}",
      status: 409,
      code: "conflict",
      field: "roles",
      request: patch("/api/v1/users/root", { roles: ["viewer"] }),
    },
    {
      route: "DELETE /api/v1/users/{name}",
      status: 409,
      code: "conflict",
      field: "disabled",
      request: del("/api/v1/users/root"),
    },
    {
      route: "PUT /api/v1/users/{name}/password",
      status: 400,
      code: "badRequest",
      field: "password",
      request: put("/api/v1/users/root/password", { password: "short" }),
    },
    {
      route: "PUT /api/v1/users/{name}/password",
      status: 404,
      code: "notFound",
      field: "name",
      request: put("/api/v1/users/nobody/password", { password: "a new long password" }),
    },
    {
      route: "GET /api/v1/groups/{name}",
      status: 400,
      code: "badRequest",
      field: "name",
      request: get(`/api/v1/groups/${LONG_ID}`),
    },
    {
      route: "GET /api/v1/groups/{name}",
      status: 404,
      code: "notFound",
      field: "name",
      request: get("/api/v1/groups/nothing"),
    },
    {
      route: "PUT /api/v1/groups/{name}",
      status: 400,
      code: "badRequest",
      field: "jobTypes",
      request: put("/api/v1/groups/exporters", { members: [] }),
    },
    {
      route: "PUT /api/v1/groups/{name}",
      status: 404,
      code: "notFound",
      field: "members[0]",
      request: put("/api/v1/groups/exporters", { members: ["nobody"], jobTypes: [] }),
    },
    {
      route: "DELETE /api/v1/groups/{name}",
      status: 400,
      code: "badRequest",
      field: "name",
      request: del(`/api/v1/groups/${LONG_ID}`),
    },
    {
      route: "DELETE /api/v1/groups/{name}",
      status: 404,
      code: "notFound",
      field: "name",
      request: del("/api/v1/groups/nothing"),
    },
    {
      route: "GET /api/v1/tokens",
      status: 400,
      code: "badRequest",
      field: "colour",
      request: get("/api/v1/tokens?colour=red"),
    },
    {
      route: "GET /api/v1/tokens",
      status: 404,
      code: "notFound",
      field: "name",
      request: get("/api/v1/tokens?user=nobody"),
    },
    {
      route: "POST /api/v1/tokens",
      status: 400,
      code: "badRequest",
      field: "expiresInDays",
      request: post("/api/v1/tokens", { name: "x", expiresInDays: 0 }),
    },
    {
      route: "POST /api/v1/tokens",
      status: 404,
      code: "notFound",
      field: "name",
      request: post("/api/v1/tokens", { name: "x", user: "nobody" }),
    },
    {
      route: "DELETE /api/v1/tokens/{id}",
      status: 400,
      code: "badRequest",
      field: "id",
      request: del(`/api/v1/tokens/${LONG_ID}`),
    },
    {
      route: "DELETE /api/v1/tokens/{id}",
      status: 404,
      code: "notFound",
      field: "id",
      request: del("/api/v1/tokens/tok_nothing"),
    },
    {
      route: "GET /api/v1/audit",
      status: 400,
      code: "badRequest",
      field: "limit",
      request: get("/api/v1/audit?limit=0"),
    },
    // projects, and the config history of schedules
    {
      route: "GET /api/v1/projects",
      status: 400,
      code: "badRequest",
      field: "owner",
      request: get("/api/v1/projects?owner="),
    },
    {
      route: "POST /api/v1/projects",
      status: 400,
      code: "badRequest",
      field: "runMode",
      request: post("/api/v1/projects", { name: "sideways", runMode: "sideways" }),
    },
    {
      route: "POST /api/v1/projects",
      status: 409,
      code: "conflict",
      field: "name",
      request: post("/api/v1/projects", { name: "errands" }),
    },
    {
      route: "PUT /api/v1/projects/{id}",
      status: 400,
      code: "badRequest",
      field: "parameters.region-name",
      request: put(`${projects}/${project.id}`, {
        name: "errands",
        parameters: { "region-name": "north" },
      }),
    },
    {
      route: "PUT /api/v1/projects/{id}",
      status: 404,
      code: "notFound",
      field: "id",
      request: put(`${projects}/nothing`, { name: "errands" }),
    },
    {
      route: "PUT /api/v1/projects/{id}",
      status: 409,
      code: "conflict",
      field: "version",
      request: put(`${projects}/${project.id}`, { name: "errands", version: 99 }),
    },
    ...[
      "GET /api/v1/projects/{id}",
      "DELETE /api/v1/projects/{id}",
      "POST /api/v1/projects/{id}/run",
      "GET /api/v1/projects/{id}/versions",
    ].flatMap(idCases),
    {
      route: "DELETE /api/v1/projects/{id}",
      status: 409,
      code: "conflict",
      field: "id",
      request: del(`${projects}/${project.id}`),
    },
    {
      route: "POST /api/v1/projects/{id}/run",
      status: 403,
      code: "forbidden",
      field: "type",
      viewer: true,
      request: post(`${projects}/${project.id}/run`),
    },
    {
      route: "GET /api/v1/projects/{id}/versions/diff",
      status: 400,
      code: "badRequest",
      field: "from",
      request: get(`${projects}/${project.id}/versions/diff?from=-1`),
    },
    {
      route: "GET /api/v1/projects/{id}/versions/diff",
      status: 404,
      code: "notFound",
      field: "from",
      request: get(`${projects}/${project.id}/versions/diff?from=99`),
    },
    {
      route: "GET /api/v1/projects/{id}/versions/{version}",
      status: 400,
      code: "badRequest",
      field: "version",
      request: get(`${projects}/${project.id}/versions/0`),
    },
    {
      route: "GET /api/v1/projects/{id}/versions/{version}",
      status: 404,
      code: "notFound",
      field: "version",
      request: get(`${projects}/${project.id}/versions/99`),
    },
    {
      route: "GET /api/v1/schedules/{id}/versions",
      status: 400,
      code: "badRequest",
      field: "id",
      request: get(`/api/v1/schedules/${LONG_ID}/versions`),
    },
    {
      route: "GET /api/v1/schedules/{id}/versions/diff",
      status: 400,
      code: "badRequest",
      field: "to",
      request: get("/api/v1/schedules/nothing/versions/diff?to=0"),
    },
    {
      route: "GET /api/v1/schedules/{id}/versions/diff",
      status: 404,
      code: "notFound",
      field: "id",
      request: get("/api/v1/schedules/nothing/versions/diff"),
    },
    // tasks
    {
      route: "GET /api/v1/tasks",
      status: 400,
      code: "badRequest",
      field: "_sortKeys",
      request: get("/api/v1/tasks?_sortKeys=colour"),
    },
    {
      route: "GET /api/v1/tasks",
      status: 404,
      code: "notFound",
      field: "project",
      request: get("/api/v1/tasks?project=nothing"),
    },
    {
      route: "POST /api/v1/tasks",
      status: 400,
      code: "badRequest",
      field: "destinations[0].directory",
      request: post(
        "/api/v1/tasks",
        taskBody("nowhere", { destinations: [{ type: "directory" }] }),
      ),
    },
    {
      route: "POST /api/v1/tasks",
      status: 404,
      code: "notFound",
      field: "project",
      request: post("/api/v1/tasks", taskBody("stray", { project: "nothing" })),
    },
    {
      route: "POST /api/v1/tasks",
      status: 409,
      code: "conflict",
      field: "name",
      request: post("/api/v1/tasks", taskBody("daily")),
    },
    {
      route: "PUT /api/v1/tasks/{id}",
      status: 400,
      code: "badRequest",
      field: "retries.count",
      request: put(`${tasks}/${task.id}`, taskBody("daily", { retries: { count: 101 } })),
    },
    {
      route: "PUT /api/v1/tasks/{id}",
      status: 404,
      code: "notFound",
      field: "id",
      request: put(`${tasks}/nothing`, taskBody("daily")),
    },
    {
      route: "PUT /api/v1/tasks/{id}",
      status: 409,
      code: "conflict",
      field: "version",
      request: put(`${tasks}/${task.id}`, taskBody("daily", { version: 99 })),
    },
    ...[
      "GET /api/v1/tasks/{id}",
      "DELETE /api/v1/tasks/{id}",
      "POST /api/v1/tasks/{id}/run",
      "POST /api/v1/tasks/{id}/enable",
      "POST /api/v1/tasks/{id}/disable",
      "POST /api/v1/tasks/{id}/cancel-retry",
      "GET /api/v1/tasks/{id}/versions",
      "GET /api/v1/tasks/{id}/preview",
    ].flatMap(idCases),
    {
      route: "POST /api/v1/tasks/{id}/run",
      status: 403,
      code: "forbidden",
      field: "type",
      viewer: true,
      request: post(`${tasks}/${task.id}/run`),
    },
    {
      route: "POST /api/v1/tasks/{id}/cancel-retry",
      status: 409,
      code: "conflict",
      field: "id",
      request: post(`${tasks}/${busyTask.id}/cancel-retry`),
    },
    {
      route: "PUT /api/v1/tasks/{id}/schedules",
      status: 400,
      code: "badRequest",
      field: "schedules[0].invokeService",
      request: put(`${tasks}/${task.id}/schedules`, {
        schedules: [{ schedule: "0 0 6 * * ?", invokeService: "noop" }],
      }),
    },
    {
      route: "PUT /api/v1/tasks/{id}/schedules",
      status: 404,
      code: "notFound",
      field: "id",
      request: put(`${tasks}/nothing/schedules`, { schedules: [] }),
    },
    {
      route: "POST /api/v1/tasks/{id}/duplicate",
      status: 400,
      code: "badRequest",
      field: "name",
      request: post(`${tasks}/${task.id}/duplicate?name=${"x".repeat(101)}`),
    },
    {
      route: "POST /api/v1/tasks/{id}/duplicate",
      status: 404,
      code: "notFound",
      field: "project",
      request: post(`${tasks}/${task.id}/duplicate?project=nothing`),
    },
    {
      route: "POST /api/v1/tasks/{id}/duplicate",
      status: 409,
      code: "conflict",
      field: "name",
      request: post(`${tasks}/${task.id}/duplicate?name=daily`),
    },
    {
      route: "GET /api/v1/tasks/{id}/versions/diff",
      status: 400,
      code: "badRequest",
      field: "from",
      request: get(`${tasks}/${task.id}/versions/diff?from=first`),
    },
    {
      route: "GET /api/v1/tasks/{id}/versions/diff",
      status: 404,
      code: "notFound",
      field: "from",
      request: get(`${tasks}/${task.id}/versions/diff?from=99`),
    },
    {
      route: "GET /api/v1/tasks/{id}/versions/{version}",
      status: 400,
      code: "badRequest",
      field: "version",
      request: get(`${tasks}/${task.id}/versions/first`),
    },
    {
      route: "GET /api/v1/tasks/{id}/versions/{version}",
      status: 404,
      code: "notFound",
      field: "version",
      request: get(`${tasks}/${task.id}/versions/99`),
    },
    ...(["runs", "audit", "files", "overview"] as const).flatMap((path) => [
      {
        route: `GET /api/v1/tasks/{id}/${path}`,
        status: 400,
        code: "badRequest",
        field: "_size",
        request: get(`${tasks}/${task.id}/${path}?_size=0`),
      },
      {
        route: `GET /api/v1/tasks/{id}/${path}`,
        status: 404,
        code: "notFound",
        field: "id",
        request: get(`${tasks}/nothing/${path}`),
      },
    ]),
    {
      route: "POST /api/v1/tasks/{id}/files/{fileId}/resend",
      status: 400,
      code: "badRequest",
      field: "fileId",
      request: post(`${tasks}/${task.id}/files/${LONG_ID}/resend`),
    },
    {
      route: "POST /api/v1/tasks/{id}/files/{fileId}/resend",
      status: 404,
      code: "notFound",
      field: "fileId",
      request: post(`${tasks}/${task.id}/files/${unknownFile}/resend`),
    },
    // file history
    {
      route: "GET /api/v1/files",
      status: 400,
      code: "badRequest",
      field: "cursor",
      request: get(`/api/v1/files?taskId=${task.id}&cursor=`),
    },
    ...(["", "/content"] as const).flatMap((path) => [
      {
        route: `GET /api/v1/files/{id}${path}`,
        status: 400,
        code: "badRequest",
        field: "id",
        request: get(`/api/v1/files/${LONG_ID}${path}`),
      },
      {
        route: `GET /api/v1/files/{id}${path}`,
        status: 404,
        code: "notFound",
        field: "id",
        request: get(`/api/v1/files/${unknownFile}${path}`),
      },
    ]),
    // the task scanner
    {
      route: "POST /api/v1/scanner/schedules/{name}/execute",
      status: 400,
      code: "badRequest",
      field: "name",
      request: post("/api/v1/scanner/schedules/not-a-scan/execute"),
    },
    {
      route: "POST /api/v1/scanner/schedules/{name}/execute",
      status: 404,
      code: "notFound",
      field: "name",
      request: post("/api/v1/scanner/schedules/nothing/execute"),
    },
    {
      route: "GET /api/v1/scanner/runs",
      status: 400,
      code: "badRequest",
      field: "state",
      request: get("/api/v1/scanner/runs?state=DONE"),
    },
    ...(["", "/cancel"] as const).flatMap((path) => [
      {
        route: `${path === "" ? "GET" : "POST"} /api/v1/scanner/runs/{id}${path}`,
        status: 400,
        code: "badRequest",
        field: "id",
        request: (path === "" ? get : post)(`/api/v1/scanner/runs/${LONG_ID}${path}`),
      },
      {
        route: `${path === "" ? "GET" : "POST"} /api/v1/scanner/runs/{id}${path}`,
        status: 404,
        code: "notFound",
        field: "id",
        request: (path === "" ? get : post)(`/api/v1/scanner/runs/${unknownJob}${path}`),
      },
    ]),
    {
      route: "POST /api/v1/scanner/runs/{id}/cancel",
      status: 409,
      code: "conflict",
      request: post(`/api/v1/scanner/runs/${endedScan.id}/cancel`),
    },
  ];
}

describe("every documented error of every route", () => {
  it("is asked here, or in the file named for it", () => {
    const asked = new Set(cases().map((c) => `${c.route} ${c.status}`));
    const missing = [...documented].flatMap(([route, statuses]) =>
      [...statuses]
        .filter((status) => !/^2/.test(status) && !ASKED_ELSEWHERE.has(status))
        .map((status) => `${route} ${status}`)
        .filter((key) => !asked.has(key) && COVERED_BY[key] === undefined),
    );
    expect(missing).toEqual([]);
    const undocumented = [...asked].filter((key) => {
      const [method, path, status] = key.split(" ");
      return !documented.get(`${method} ${path}`)?.has(status as string);
    });
    expect(undocumented).toEqual([]);
  });

  it("is answered as problem+json with its status, code and field", async () => {
    // Over the login limit for one name: five failures, then even a sixth is refused.
    for (let i = 0; i < 5; i++) {
      await ask(
        post("/api/v1/auth/login", { name: "locked-out", password: "wrong password" }),
        true,
      );
    }
    const answers = [];
    for (const c of cases()) {
      const res = await ask(c.request, c.anonymous, c.viewer ? viewerToken : token);
      const body = String(res.headers["content-type"]).startsWith("application/problem+json")
        ? res.json()
        : res.body;
      answers.push({
        route: c.route,
        status: res.statusCode,
        code: body.code,
        ...(c.field === undefined ? {} : { field: body.field }),
      });
    }
    expect(answers).toEqual(
      cases().map((c) => ({
        route: c.route,
        status: c.status,
        code: c.code,
        ...(c.field === undefined ? {} : { field: c.field }),
      })),
    );
  });

  it("answers a body over the limit with 413 on every route that takes one", async () => {
    const big = JSON.stringify({ padding: "x".repeat(1024 * 1024) });
    const answers = [];
    for (const route of documented.keys()) {
      const [method, path] = route.split(" ") as [string, string];
      if (!["POST", "PUT", "PATCH"].includes(method)) continue;
      const url = path.replace(/\{[A-Za-z]+\}/g, "x");
      const res = await ask(
        {
          method: method as "POST",
          url,
          headers: { "content-type": "application/json" },
          payload: big,
        },
        route === "POST /api/v1/auth/login",
      );
      answers.push([route, res.statusCode, res.json().code]);
    }
    expect(answers.length).toBeGreaterThan(15);
    expect(answers).toEqual(answers.map(([route]) => [route, 413, "payloadTooLarge"]));
  });
});

describe("/metrics when the database fails", () => {
  it("answers 503 storeUnavailable", async () => {
    const broken = await testApi({ start: false });
    try {
      await broken.sundial.store.db.schema.dropTable("job_logs").execute();
      await broken.sundial.store.db.schema.dropTable("jobs").execute();
      const res = await broken.app.inject({ method: "GET", url: "/metrics" });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ code: "storeUnavailable", status: 503 });
    } finally {
      await broken.close();
    }
  });
});
