import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeClock } from "../helpers/fake-clock.js";
import { type ProblemBody, type TestApi, testApi } from "./helpers.js";

let api: TestApi;

beforeEach(async () => {
  // Not started and on a fake clock: nothing fires, and fire times are exact.
  api = await testApi({ start: false, clock: new FakeClock("2026-11-23T09:00:30.000Z") });
});

afterEach(async () => {
  await api.close();
});

const every6am = {
  schedule: "0 0 6 ? * MON-FRI",
  timeZone: "Europe/London",
  invokeService: "noop",
  invokeContext: { to: "ops@example.com" },
};

async function request(method: "GET" | "POST" | "PUT" | "DELETE", url: string, body?: unknown) {
  const res = await api.app.inject({
    method,
    url: `/api/v1${url}`,
    ...(body === undefined ? {} : { payload: body as object }),
  });
  return { status: res.statusCode, body: res.body === "" ? undefined : res.json(), res };
}

describe("PUT /schedules/{id}", () => {
  it("creates a schedule with its defaults filled in, then replaces it", async () => {
    const created = await request("PUT", "/schedules/daily-report", every6am);
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      _id: "daily-report",
      enabled: true,
      type: "cron",
      schedule: "0 0 6 ? * MON-FRI",
      timeZone: "Europe/London",
      misfirePolicy: "fireAndProceed",
      concurrentExecution: false,
      persisted: true,
      invokeService: "noop",
      invokeContext: { to: "ops@example.com" },
      nextFireTime: "2026-11-24T06:00:00.000Z",
      lastFireTime: null,
    });
    const replaced = await request("PUT", "/schedules/daily-report", {
      ...every6am,
      enabled: false,
    });
    expect(replaced.body).toMatchObject({ enabled: false, nextFireTime: null });
    expect((await api.sundial.schedules.get("daily-report"))?.enabled).toBe(false);
  });

  it("refuses bad input naming the field, and stores nothing", async () => {
    const cases: [unknown, string, RegExp, string][] = [
      [
        { ...every6am, schedule: "0 0 6 ? * 8" },
        "day-of-week",
        /"8" is out of range/,
        "invalidTrigger",
      ],
      [{ schedule: "0 0 6 * * ?" }, "invokeService", /invokeService: is required/, "badRequest"],
      [{ ...every6am, colour: "red" }, "colour", /colour: is not a known setting/, "badRequest"],
      [{ ...every6am, timeZone: "Mars/Olympus" }, "timeZone", /Mars\/Olympus/, "invalidTimeZone"],
      [
        { ...every6am, misfireThreshold: -1 },
        "misfireThreshold",
        /misfireThreshold: -1/,
        "badRequest",
      ],
      [{ ...every6am, _id: "other" }, "_id", /differs from the id "bad"/, "badRequest"],
      [
        { ...every6am, invokeService: "nothing" },
        "invokeService",
        /not a defined job type/,
        "badRequest",
      ],
      [{ ...every6am, misfirePolicy: "later" }, "misfirePolicy", /is not one of/, "badRequest"],
    ];
    for (const [body, field, detail, code] of cases) {
      const res = await request("PUT", "/schedules/bad", body);
      expect(res.res.headers["content-type"]).toMatch(/^application\/problem\+json/);
      expect(res.body, JSON.stringify(body)).toMatchObject({
        status: 400,
        code,
        field: expect.stringContaining(field),
      });
      expect((res.body as ProblemBody).detail).toMatch(detail);
    }
    expect(await api.sundial.schedules.list()).toEqual([]);
  });

  it("refuses an id longer than 200 characters in the path", async () => {
    const res = await request("PUT", `/schedules/${"x".repeat(201)}`, every6am);
    expect(res.body).toMatchObject({ status: 400, code: "badRequest", field: "id" });
    const huge = await request("PUT", `/schedules/${"x".repeat(5000)}`, every6am);
    expect(huge.body).toMatchObject({ status: 400, code: "badRequest" });
    expect(huge.res.headers["content-type"]).toMatch(/^application\/problem\+json/);
  });
});

describe("POST /schedules", () => {
  it("creates a schedule with a server-assigned id, and says where it is", async () => {
    const res = await request("POST", "/schedules", every6am);
    expect(res.status).toBe(201);
    const id = (res.body as { _id: string })._id;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.res.headers.location).toBe(`/api/v1/schedules/${id}`);
    expect((await request("GET", `/schedules/${id}`)).status).toBe(200);
  });

  it("takes the body's _id when it has one", async () => {
    const res = await request("POST", "/schedules", { ...every6am, _id: "mine" });
    expect(res.body).toMatchObject({ _id: "mine" });
    expect(res.res.headers.location).toBe("/api/v1/schedules/mine");
  });
});

describe("GET /schedules/{id}", () => {
  it("answers the schedule with its next fire and the next 5 fire times", async () => {
    await request("PUT", "/schedules/daily-report", every6am);
    const res = await request("GET", "/schedules/daily-report");
    expect(res.body).toMatchObject({
      _id: "daily-report",
      nextFireTime: "2026-11-24T06:00:00.000Z",
      nextFireTimes: [
        "2026-11-24T06:00:00.000Z",
        "2026-11-25T06:00:00.000Z",
        "2026-11-26T06:00:00.000Z",
        "2026-11-27T06:00:00.000Z",
        "2026-11-30T06:00:00.000Z",
      ],
    });
  });

  it("lists fewer fire times when the trigger ends, none when disabled", async () => {
    await request("PUT", "/schedules/once", {
      type: "once",
      at: "2026-12-01T10:00:00Z",
      invokeService: "noop",
    });
    expect((await request("GET", "/schedules/once")).body).toMatchObject({
      nextFireTimes: ["2026-12-01T10:00:00.000Z"],
    });
    await request("PUT", "/schedules/off", { ...every6am, enabled: false });
    expect((await request("GET", "/schedules/off")).body).toMatchObject({
      nextFireTime: null,
      nextFireTimes: [],
    });
  });

  it("answers an unknown id with notFound", async () => {
    const res = await request("GET", "/schedules/nope");
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({
      code: "notFound",
      field: "id",
      detail: "No schedule has the id nope.",
    });
  });
});

describe("GET /schedules", () => {
  beforeEach(async () => {
    for (const [id, extra] of [
      ["a-cron", {}],
      ["b-off", { enabled: false }],
      ["c-unix", { schedule: "*/5 * * * *", timeZone: "UTC" }],
      ["d-fail", { invokeService: "fail" }],
      ["e-memory", { persisted: false }],
    ] as const) {
      await request("PUT", `/schedules/${id}`, { ...every6am, ...extra });
    }
  });

  const ids = (body: unknown) => (body as { result: { _id: string }[] }).result.map((s) => s._id);

  it("pages through every schedule, stored and in memory, by id", async () => {
    const first = await request("GET", "/schedules?_size=2");
    expect(first.body).toMatchObject({ resultCount: 2, pagedResultsCookie: "b-off" });
    expect(ids(first.body)).toEqual(["a-cron", "b-off"]);
    const second = await request("GET", "/schedules?_size=2&_pagedResultsCookie=b-off");
    expect(ids(second.body)).toEqual(["c-unix", "d-fail"]);
    const third = await request("GET", "/schedules?_size=2&_pagedResultsCookie=d-fail");
    expect(third.body).toMatchObject({ resultCount: 1, pagedResultsCookie: null });
    expect(ids(third.body)).toEqual(["e-memory"]);
  });

  it("filters by enabled, invokeService and trigger type", async () => {
    expect(ids((await request("GET", "/schedules?enabled=false")).body)).toEqual(["b-off"]);
    expect(ids((await request("GET", "/schedules?invokeService=fail")).body)).toEqual(["d-fail"]);
    expect(ids((await request("GET", "/schedules?type=unix")).body)).toEqual(["c-unix"]);
    // A filter's page is full when enough match, however many are passed over.
    const page = await request("GET", "/schedules?enabled=true&_size=2&_pagedResultsCookie=a-cron");
    expect(ids(page.body)).toEqual(["c-unix", "d-fail"]);
  });

  it("answers only the fields asked for, _id always", async () => {
    const onlyIds = await request("GET", "/schedules?fields=_id&_size=2");
    expect((onlyIds.body as { result: unknown[] }).result).toEqual([
      { _id: "a-cron" },
      { _id: "b-off" },
    ]);
    const some = await request("GET", "/schedules?fields=enabled,nextFireTime&_size=2");
    expect((some.body as { result: unknown[] }).result).toEqual([
      { _id: "a-cron", enabled: true, nextFireTime: "2026-11-24T06:00:00.000Z" },
      { _id: "b-off", enabled: false, nextFireTime: null },
    ]);
  });

  it("refuses bad query parameters, naming them", async () => {
    for (const [query, field, detail] of [
      ["fields=_id,colour", "fields", /"colour" is not a schedule field/],
      ["_size=0", "_size", /_size: 0/],
      ["_size=many", "_size", /_size: "many"/],
      ["enabled=maybe", "enabled", /enabled: "maybe"/],
      ["type=yearly", "type", /type: "yearly" is not one of "cron"/],
      ["sort=_id", "sort", /sort: is not a known setting/],
      // No authentication here, so no one is "me".
      ["owner=me", "owner", /owner: `me` needs a logged-in caller/],
      ["owner=", "owner", /owner/],
    ] as const) {
      const res = await request("GET", `/schedules?${query}`);
      expect(res.body, query).toMatchObject({ status: 400, code: "badRequest", field });
      expect((res.body as ProblemBody).detail).toMatch(detail);
    }
  });
});

describe("DELETE /schedules/{id}", () => {
  it("deletes a schedule, then answers notFound", async () => {
    await request("PUT", "/schedules/daily-report", every6am);
    const res = await request("DELETE", "/schedules/daily-report");
    expect(res.status).toBe(204);
    expect(res.body).toBeUndefined();
    expect(await api.sundial.schedules.get("daily-report")).toBeUndefined();
    expect((await request("DELETE", "/schedules/daily-report")).body).toMatchObject({
      status: 404,
      code: "notFound",
    });
  });
});

describe("the action style: /scheduler", () => {
  it("creates with _action=create, as POST /schedules does", async () => {
    const res = await request("POST", "/scheduler?_action=create", { ...every6am, _id: "legacy" });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ _id: "legacy", nextFireTime: "2026-11-24T06:00:00.000Z" });
    const bad = await request("POST", "/scheduler?_action=create", { invokeService: "noop" });
    expect(bad.body).toMatchObject({ status: 400, code: "invalidTrigger" });
    const none = await request("POST", "/scheduler?_action=create");
    expect(none.body).toMatchObject({ status: 400, field: "body" });
  });

  it("lists every id with _queryId=query-all-ids", async () => {
    for (const id of ["b", "a", "c"]) await request("PUT", `/schedules/${id}`, every6am);
    const res = await request("GET", "/scheduler?_queryId=query-all-ids");
    expect(res.body).toEqual({
      result: [{ _id: "a" }, { _id: "b" }, { _id: "c" }],
      resultCount: 3,
      pagedResultsCookie: null,
      totalPagedResultsPolicy: "NONE",
      totalPagedResults: -1,
      remainingPagedResults: -1,
    });
  });

  it("pauses and resumes firing with pauseJobs and resumeJobs", async () => {
    expect((await request("POST", "/scheduler?_action=pauseJobs")).body).toEqual({
      success: true,
    });
    expect(await api.sundial.isPaused()).toBe(true);
    expect((await request("POST", "/scheduler?_action=resumeJobs")).body).toEqual({
      success: true,
    });
    expect(await api.sundial.isPaused()).toBe(false);
  });

  it("answers listCurrentlyExecutingJobs with the running jobs (none here)", async () => {
    const res = await request("POST", "/scheduler?_action=listCurrentlyExecutingJobs");
    expect(res.status).toBe(200);
    expect(res.body).toEqual([]);
  });

  it("refuses an unknown _action or _queryId, naming the parameter and the allowed values", async () => {
    const action = await request("POST", "/scheduler?_action=explode");
    expect(action.body).toMatchObject({ status: 400, code: "badRequest", field: "_action" });
    expect((action.body as ProblemBody).detail).toBe(
      '_action: "explode" is not one of "create", "listCurrentlyExecutingJobs", "pauseJobs", "resumeJobs"',
    );
    const missing = await request("POST", "/scheduler");
    expect(missing.body).toMatchObject({ status: 400, field: "_action" });
    const query = await request("GET", "/scheduler?_queryId=query-everything");
    expect(query.body).toMatchObject({ status: 400, field: "_queryId" });
  });
});

describe("POST /triggers/preview", () => {
  it("describes a valid trigger and lists its next fire times", async () => {
    const res = await request("POST", "/triggers/preview", {
      expression: "0 0 6 ? * MON-FRI",
      timeZone: "Europe/London",
      from: "2026-11-23T00:00:00Z",
      count: 3,
    });
    expect(res.body).toEqual({
      valid: true,
      type: "cron",
      timeZone: "Europe/London",
      description: "At 06:00, Monday through Friday, Europe/London",
      nextFireTimes: [
        "2026-11-23T06:00:00.000Z",
        "2026-11-24T06:00:00.000Z",
        "2026-11-25T06:00:00.000Z",
      ],
    });
  });

  it("previews every trigger type", async () => {
    for (const body of [
      { expression: "*/15 * * * *" },
      { expression: "hour=9; minute=0; dayOfWeek=Mon-Fri" },
      { type: "interval", every: 2, unit: "weeks", anchor: "2026-11-23T09:00:00Z" },
      { type: "once", at: "2027-01-01T00:00:00Z" },
    ]) {
      const res = await request("POST", "/triggers/preview", { ...body, from: 0 });
      expect(res.body, JSON.stringify(body)).toMatchObject({ valid: true });
    }
  });

  it("answers an invalid trigger with valid: false and the field, for a form to show", async () => {
    const res = await request("POST", "/triggers/preview", { expression: "0 0 6 ? * 8" });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      valid: false,
      code: "invalidTrigger",
      field: "day-of-week",
      detail: 'day-of-week: "8" is out of range 1-7 (SUN-SAT)',
      allowed: "1-7 (SUN-SAT)",
    });
    const zone = await request("POST", "/triggers/preview", {
      expression: "0 * * * *",
      timeZone: "Nowhere/City",
    });
    expect(zone.body).toMatchObject({ valid: false, code: "invalidTimeZone", field: "timeZone" });
  });

  it("refuses a body that is not a trigger, as a problem", async () => {
    for (const [body, field] of [
      [{ expression: "0 * * * *", count: 0 }, "count"],
      [{ expression: "0 * * * *", count: 101 }, "count"],
      [{ expression: "0 * * * *", invokeService: "noop" }, "invokeService"],
      [{ every: "2", unit: "days" }, "every"],
      [{ expression: "0 * * * *", from: "soon" }, "from"],
    ] as const) {
      const res = await request("POST", "/triggers/preview", body);
      expect(res.body, JSON.stringify(body)).toMatchObject({ status: 400, field });
    }
  });
});
