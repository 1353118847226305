/**
 * SQL in every filter and path parameter, and path traversal in every path parameter, of
 * every route the OpenAPI document lists (read from it, so a route added later is asked
 * too). Text is a value, never SQL, and never a path: each answer is the one a harmless
 * unknown value gets (no rows, or the same 400 or 404), never a 5xx, and the database
 * holds what it held before.
 */
import type { InjectOptions, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService, authPlugin } from "../../src/auth/index.js";
import { type TestApi, testApi } from "./helpers.js";

const SQL = [
  "' OR '1'='1",
  "x'); DROP TABLE jobs; --",
  '" OR ""="',
  "%' OR 1=1 --",
  "1; DELETE FROM users",
  "' UNION SELECT secret_hash, 1 FROM api_tokens --",
];
const TRAVERSAL = [
  "../../../../etc/passwd",
  "..\\..\\..\\windows\\win.ini",
  "....//....//etc/passwd",
  "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
  "/etc/passwd",
];
const HARMLESS = "nothing";
/** Parameters whose answer depends on where the text sorts, not whether it matches. */
const ORDERED = new Set(["_pagedResultsCookie"]);
const TABLES = [
  "jobs",
  "job_logs",
  "schedules",
  "users",
  "api_tokens",
  "user_groups",
  "connections",
  "scan_runs",
];

interface Parameter {
  readonly name: string;
  readonly in: "query" | "path" | "header";
}
interface Operation {
  readonly method: string;
  readonly path: string;
  readonly parameters: readonly Parameter[];
}

let api: TestApi;
let token: string;
let operations: Operation[];
let before: Record<string, number>;
/** Ids that exist, so that a route with an id reaches its filters. */
let existing: Record<string, string>;

async function counts(): Promise<Record<string, number>> {
  const db = api.sundial.store.db.withTables<Record<string, { id: unknown }>>();
  const entries = await Promise.all(
    TABLES.map(async (table) => {
      const row = await db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow();
      return [table, Number(row.n)] as const;
    }),
  );
  return Object.fromEntries(entries);
}

function ask(request: InjectOptions): Promise<LightMyRequestResponse> {
  return api.app.inject({
    ...request,
    headers: { ...request.headers, authorization: `Bearer ${token}` },
  });
}

/** What an answer says, leaving out the echo of the value given (problems quote it). */
function gist(res: LightMyRequestResponse): unknown {
  const body = res.body === "" ? null : res.json();
  if (res.statusCode < 300) return { status: res.statusCode, body };
  return { status: res.statusCode, code: body.code, field: body.field };
}

beforeAll(async () => {
  let auth: AuthService | undefined;
  api = await testApi({
    plugins: [
      async (app) => {
        auth = new AuthService(api.sundial.store);
        await authPlugin(auth)(app, {});
      },
    ],
  });
  await api.app.ready();
  await auth?.createUser({ name: "root", password: "long enough password", roles: ["admin"] });
  token = (await (auth as AuthService).createToken({ name: "hostile", user: "root" })).secret;
  const job = (
    await ask({ method: "POST", url: "/api/v1/jobs", payload: { type: "noop" } })
  ).json();
  await ask({ method: "GET", url: `/api/v1/jobs/${job.id}/wait?timeout=60000` });
  existing = { jobId: job.id, id: "kept", name: "root" };
  await ask({
    method: "PUT",
    url: "/api/v1/schedules/kept",
    payload: { schedule: "0 0 6 * * ?", invokeService: "noop" },
  });
  await api.connections.create({
    name: "warehouse",
    type: "sqlite",
    settings: { path: "/nonexistent/warehouse.db" },
  });
  const doc = (await ask({ method: "GET", url: "/api/openapi.json" })).json<{
    paths: Record<string, Record<string, { parameters?: Parameter[] }>>;
  }>();
  operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      method: method.toUpperCase(),
      path,
      parameters: operation.parameters ?? [],
    })),
  );
  before = await counts();
});

afterAll(async () => {
  await api?.close();
});

/** A path with each parameter set to `value` (encoded), or a made-up id. */
function pathOf(operation: Operation, values: Record<string, string>): string {
  return operation.path.replace(/\{([A-Za-z]+)\}/g, (_, name: string) =>
    encodeURIComponent(values[name] ?? HARMLESS),
  );
}

describe("hostile text", () => {
  it("in every query parameter of every reading route is a value, not SQL", async () => {
    const asked: string[] = [];
    const differ: unknown[] = [];
    for (const operation of operations.filter((o) => o.method === "GET")) {
      for (const parameter of operation.parameters.filter((p) => p.in === "query")) {
        const url = (value: string) =>
          `${pathOf(operation, existing)}?${new URLSearchParams({ [parameter.name]: value })}`;
        const baseline = gist(await ask({ method: "GET", url: url(HARMLESS) }));
        for (const value of SQL) {
          const res = await ask({ method: "GET", url: url(value) });
          asked.push(`${operation.path}?${parameter.name}`);
          expect([operation.path, parameter.name, value, res.statusCode]).not.toEqual([
            operation.path,
            parameter.name,
            value,
            expect.toSatisfy((status: number) => status >= 500),
          ]);
          // Matched as text (the answer a harmless value gets), or refused as input naming
          // the parameter (too long, not one of the allowed values): never run.
          const refused =
            JSON.stringify(gist(res)) ===
            JSON.stringify({ status: 400, code: "badRequest", field: parameter.name });
          if (
            !ORDERED.has(parameter.name) &&
            !refused &&
            JSON.stringify(gist(res)) !== JSON.stringify(baseline)
          ) {
            differ.push({
              route: operation.path,
              parameter: parameter.name,
              value,
              got: gist(res),
              baseline,
            });
          }
        }
      }
    }
    expect(differ).toEqual([]);
    expect([...new Set(asked)]).toEqual(
      expect.arrayContaining([
        "/api/v1/jobs?type",
        "/api/v1/jobs?status",
        "/api/v1/jobs?scheduleId",
        "/api/v1/jobs/{jobId}/logs?message",
        "/api/v1/jobs/{jobId}/logs?period",
        "/api/v1/jobs/{jobId}/logs?timeZone",
        "/api/v1/schedules?invokeService",
        "/api/v1/schedules?owner",
        "/api/v1/schedules?fields",
        "/api/v1/schedules?_pagedResultsCookie",
        "/api/v1/tokens?user",
        "/api/v1/audit?user",
        "/api/v1/audit?route",
        "/api/v1/audit?target",
        "/api/v1/audit?method",
        "/api/v1/connections?type",
        "/api/v1/jobs/{jobId}/wait?status",
      ]),
    );
    expect(await counts()).toEqual(before);
  });

  it("in every path parameter is an id that matches nothing, never SQL or a file", async () => {
    const differ: unknown[] = [];
    const asked = new Set<string>();
    for (const operation of operations) {
      const names = operation.parameters.filter((p) => p.in === "path").map((p) => p.name);
      if (names.length === 0) continue;
      const request = (value: string): InjectOptions => ({
        method: operation.method as "GET",
        url: pathOf(operation, Object.fromEntries(names.map((name) => [name, value]))),
        // No body: what is asked is whether the path finds anything.
      });
      const baseline = gist(await ask(request(HARMLESS)));
      for (const value of [...SQL, ...TRAVERSAL]) {
        asked.add(`${operation.method} ${operation.path}`);
        const res = await ask(request(value));
        expect(res.body).not.toMatch(/root:.*:0:0:|\[fonts\]/);
        if (JSON.stringify(gist(res)) !== JSON.stringify(baseline)) {
          differ.push({
            route: `${operation.method} ${operation.path}`,
            value,
            got: gist(res),
            baseline,
          });
        }
      }
    }
    expect(differ).toEqual([]);
    expect(asked.size).toBeGreaterThanOrEqual(25);
    expect(await counts()).toEqual(before);
  });

  it("as an id that is stored is kept as given, and read back as given", async () => {
    for (const id of [...SQL, ...TRAVERSAL]) {
      const put = await ask({
        method: "PUT",
        url: `/api/v1/schedules/${encodeURIComponent(id)}`,
        payload: { schedule: "0 0 6 * * ?", invokeService: "noop", enabled: false },
      });
      expect([id, put.statusCode]).toEqual([id, 200]);
      expect(put.json()._id).toBe(id);
      const read = await ask({ method: "GET", url: `/api/v1/schedules/${encodeURIComponent(id)}` });
      expect(read.json()._id).toBe(id);
      await ask({ method: "DELETE", url: `/api/v1/schedules/${encodeURIComponent(id)}` });
    }
    expect(await counts()).toEqual(before);
  });
});
