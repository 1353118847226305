/**
 * The jobs routes, held to the same behaviour on SQLite and PostgreSQL: a running
 * Sundial (real worker pool, real clock) behind `inject()`. Waits go through the API's own
 * long poll, so nothing sleeps on the wall clock.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Job } from "../../src/jobs/job.js";
import { type Database, type ProblemBody, type TestApi, testApi } from "./helpers.js";

export function jobRoutesSuite(database: Database): void {
  describe(`jobs over HTTP on ${database}`, () => {
    let api: TestApi;

    beforeEach(async () => {
      api = await testApi({ database });
    });

    afterEach(async () => {
      await api.close();
    });

    async function call(method: "GET" | "POST" | "DELETE", url: string, body?: unknown) {
      const res = await api.app.inject({
        method,
        url: `/api/v1${url}`,
        ...(body === undefined ? {} : { payload: body as object }),
      });
      return { status: res.statusCode, body: res.json(), headers: res.headers };
    }

    async function enqueue(type: string, extra: Record<string, unknown> = {}): Promise<Job> {
      const res = await call("POST", "/jobs", { type, ...extra });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body as Job;
    }

    /** Long-polls the API until the job is in `status`. */
    async function until(id: string, status: string): Promise<Job> {
      const res = await call("GET", `/jobs/${id}/wait?status=${status}&timeout=60000`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body as Job;
    }

    const later = { options: { delayMs: 3_600_000 } };

    it("runs a job type now with POST /jobs, and follows it with GET and wait", async () => {
      const res = await call("POST", "/jobs", {
        type: "noop",
        data: { n: 1 },
        options: { label: "first", priority: 5 },
      });
      expect(res.status).toBe(201);
      const job = res.body as Job;
      expect(job).toMatchObject({ type: "noop", label: "first", priority: 5, data: { n: 1 } });
      expect(res.headers.location).toBe(`/api/v1/jobs/${job.id}`);
      const done = await until(job.id, "FINISHED");
      expect(done).toMatchObject({ status: "FINISHED", hasErrors: false, results: { ok: true } });
      expect((await call("GET", `/jobs/${job.id}`)).body).toMatchObject({
        id: job.id,
        status: "FINISHED",
      });
    });

    it("refuses a bad job naming the field, and stores nothing", async () => {
      for (const [body, field, detail] of [
        [{ type: "nothing" }, "type", /"nothing" is not a defined job type; defined: noop/],
        [{}, "type", /type: is required/],
        [{ type: "noop", options: { priority: 5000 } }, "options.priority", /5000/],
        [{ type: "noop", options: { runBy: { id: "" } } }, "options.runBy", /./],
        [{ type: "noop", colour: "red" }, "colour", /is not a known setting/],
      ] as const) {
        const res = await call("POST", "/jobs", body);
        expect(res.body, JSON.stringify(body)).toMatchObject({
          status: 400,
          code: "badRequest",
          field: expect.stringContaining(field),
        });
        expect((res.body as ProblemBody).detail).toMatch(detail);
      }
      expect((await call("GET", "/jobs")).body).toEqual({ result: [], resultCount: 0 });
    });

    it("finds jobs with exactly find's query parameters", async () => {
      const ok = await enqueue("noop");
      const failed = await enqueue("fail");
      await until(ok.id, "FINISHED");
      await until(failed.id, "FINISHED");
      const waiting = await enqueue("noop", later);
      const ids = async (query: string) =>
        ((await call("GET", `/jobs?${query}`)).body as { result: Job[] }).result.map((j) => j.id);

      expect(await ids("")).toEqual([waiting.id, failed.id, ok.id]);
      expect(await ids("status=PENDING")).toEqual([waiting.id]);
      expect(await ids("status=PENDING,FINISHED&_size=2")).toEqual([waiting.id, failed.id]);
      expect(await ids("type=fail")).toEqual([failed.id]);
      expect(await ids("type=fail&type=gated")).toEqual([failed.id]);
      expect(await ids("hasErrors=true")).toEqual([failed.id]);
      expect(await ids("hasErrors=false&status=FINISHED")).toEqual([ok.id]);
      expect(await ids(`createFrom=${waiting.createDate}`)).toEqual([waiting.id]);
      expect(await ids("scheduleId=nightly")).toEqual([]);
      const listed = await call("GET", "/jobs?_size=1");
      expect(listed.body).toMatchObject({ resultCount: 1 });
    });

    it("refuses unknown query parameters and bad values, naming them", async () => {
      for (const [query, field, detail] of [
        ["colour=red", "colour", /colour: is not a known setting/],
        ["status=DONE", "status", /status: "DONE" is not a job status; use PENDING/],
        ["_size=0", "_size", /_size: 0/],
        ["_size=1001", "_size", /_size: 1001/],
        ["hasErrors=perhaps", "hasErrors", /hasErrors: "perhaps"/],
        ["startFrom=yesterday", "startFrom", /startFrom: "yesterday"/],
        ["type=noop' OR '1'='1", "", /./],
      ] as const) {
        const res = await call("GET", `/jobs?${query.replace(/ /g, "%20")}`);
        if (field === "") {
          // Text in a filter is a value, never SQL: it matches no job type.
          expect(res.body).toEqual({ result: [], resultCount: 0 });
          continue;
        }
        expect(res.body, query).toMatchObject({ status: 400, code: "badRequest", field });
        expect((res.body as ProblemBody).detail).toMatch(detail);
      }
    });

    it("answers a job's logs with the logs query", async () => {
      const ok = await enqueue("noop", { data: { n: 7 } });
      const failed = await enqueue("fail");
      await until(ok.id, "FINISHED");
      await until(failed.id, "FINISHED");
      const lines = (await call("GET", `/jobs/${ok.id}/logs`)).body as {
        result: { message: string; level: string }[];
        resultCount: number;
      };
      expect(lines.result.map((l) => l.message)).toContain('noop ran with {"n":7}');
      const errors = (await call("GET", `/jobs/${failed.id}/logs?level=ERROR`)).body as {
        result: { message: string; level: string }[];
      };
      expect(errors.result.length).toBeGreaterThan(0);
      expect(errors.result.every((l) => l.level === "ERROR")).toBe(true);
      expect(errors.result.map((l) => l.message).join("\n")).toMatch(/this job always fails/);
      const matching = (await call("GET", `/jobs/${ok.id}/logs?message=noop%20ran&_size=1`))
        .body as { result: unknown[] };
      expect(matching.result).toHaveLength(1);
      expect((await call("GET", `/jobs/${ok.id}/logs?period=today`)).status).toBe(200);
      for (const [query, field] of [
        ["period=fortnight", "period"],
        ["level=WARN", "level"],
        ["_size=10001", "_size"],
        ["timeZone=Mars/Olympus&period=today", "timeZone"],
      ] as const) {
        const res = await call("GET", `/jobs/${ok.id}/logs?${query}`);
        expect(res.body, query).toMatchObject({ status: 400, field });
      }
    });

    it("answers notFound, naming jobId, on every route of an unknown job", async () => {
      const unknown = "01936f4e-8a2b-7c41-9d3e-5f0a1b2c3d4e";
      for (const [method, path] of [
        ["GET", ""],
        ["GET", "/logs"],
        ["GET", "/wait"],
        ["GET", "/events"],
        ["POST", "/stop"],
        ["POST", "/cancel"],
        ["POST", "/resume"],
        ["POST", "/retry"],
        ["POST", "/low-priority"],
        ["DELETE", "/low-priority"],
      ] as const) {
        const res = await call(method, `/jobs/${unknown}${path}`);
        expect(res.body, `${method} ${path}`).toEqual({
          type: "urn:sundial:error:notFound",
          title: "Not found",
          status: 404,
          code: "notFound",
          detail: `No job has the id ${unknown}.`,
          field: "jobId",
        });
      }
    });

    it("stops a running job, resumes it from its checkpoint, and lets it finish", async () => {
      const job = await enqueue("gated");
      await until(job.id, "RUNNING");
      const executing = await call("POST", "/scheduler?_action=listCurrentlyExecutingJobs");
      expect((executing.body as Job[]).map((j) => j.id)).toEqual([job.id]);
      const stopping = await call("POST", `/jobs/${job.id}/stop`);
      expect(stopping.status).toBe(200);
      expect(["STOPPING", "STOPPED"]).toContain((stopping.body as Job).status);
      await until(job.id, "STOPPED");
      // Asked again, a stopped job is answered as it is.
      expect((await call("POST", `/jobs/${job.id}/stop`)).body).toMatchObject({
        status: "STOPPED",
      });
      const resumed = await call("POST", `/jobs/${job.id}/resume`);
      expect(resumed.status).toBe(200);
      await until(job.id, "RUNNING");
      api.gates.open(job.id);
      expect(await until(job.id, "FINISHED")).toMatchObject({ results: { opened: true } });
    });

    it("answers a command the job's status does not allow with a conflict that says what to do", async () => {
      const running = await enqueue("gated");
      await until(running.id, "RUNNING");
      const cancel = await call("POST", `/jobs/${running.id}/cancel`);
      expect(cancel.status).toBe(409);
      expect(cancel.body).toMatchObject({ code: "conflict", status: 409 });
      expect((cancel.body as ProblemBody).detail).toMatch(/is RUNNING .*stop it first/);
      expect((await call("POST", `/jobs/${running.id}/resume`)).body).toMatchObject({
        code: "conflict",
      });
      expect((await call("POST", `/jobs/${running.id}/retry`)).body).toMatchObject({
        code: "conflict",
      });
      const pending = await enqueue("noop", later);
      const stop = await call("POST", `/jobs/${pending.id}/stop`);
      expect(stop.body).toMatchObject({ status: 409, code: "conflict" });
      expect((stop.body as ProblemBody).detail).toMatch(/cancel a PENDING job instead/);
      api.gates.open(running.id);
      await until(running.id, "FINISHED");
      const retry = await call("POST", `/jobs/${running.id}/retry`);
      expect((retry.body as ProblemBody).detail).toMatch(/finished without errors/);
    });

    it("cancels a pending job for good, and retries it as a new job", async () => {
      const pending = await enqueue("noop", later);
      const canceled = await call("POST", `/jobs/${pending.id}/cancel`);
      expect(canceled.body).toMatchObject({ id: pending.id, status: "CANCELED" });
      expect((await call("POST", `/jobs/${pending.id}/cancel`)).body).toMatchObject({
        status: "CANCELED",
      });
      const retried = await call("POST", `/jobs/${pending.id}/retry`);
      expect(retried.status).toBe(201);
      const again = retried.body as Job;
      expect(again.id).not.toBe(pending.id);
      expect(retried.headers.location).toBe(`/api/v1/jobs/${again.id}`);
      await until(again.id, "FINISHED");
      const note = (await call("GET", `/jobs/${again.id}/logs?message=retry%20of`)).body as {
        result: unknown[];
      };
      expect(note.result).toHaveLength(1);
    });

    it("marks a job low priority and back", async () => {
      const job = await enqueue("noop", later);
      expect((await call("POST", `/jobs/${job.id}/low-priority`)).body).toMatchObject({
        lowPriority: true,
      });
      expect((await call("DELETE", `/jobs/${job.id}/low-priority`)).body).toMatchObject({
        lowPriority: false,
      });
    });

    it("answers a wait that runs out with 408 timeout, and bad wait parameters with 400", async () => {
      const job = await enqueue("noop", later);
      const res = await call("GET", `/jobs/${job.id}/wait?status=FINISHED&timeout=0`);
      expect(res.status).toBe(408);
      expect(res.body).toMatchObject({ code: "timeout", status: 408 });
      expect((res.body as ProblemBody).detail).toMatch(/did not reach FINISHED .* it is PENDING/);
      // A wait for where the job already is answers at once.
      expect((await call("GET", `/jobs/${job.id}/wait?status=PENDING`)).body).toMatchObject({
        status: "PENDING",
      });
      for (const [query, field, detail] of [
        ["status=DONE", "status", /^status: "DONE" is not a job status/],
        ["timeout=-1", "timeout", /timeout: -1/],
        ["timeout=soon", "timeout", /timeout: "soon"/],
        ["timeout=600001", "timeout", /600001/],
        ["statuses=FINISHED", "statuses", /is not a known setting/],
      ] as const) {
        const bad = await call("GET", `/jobs/${job.id}/wait?${query}`);
        expect(bad.body, query).toMatchObject({ status: 400, code: "badRequest", field });
        expect((bad.body as ProblemBody).detail).toMatch(detail);
      }
    });

    it("streams a finished job's events: its status, its log lines, then end", async () => {
      const job = await enqueue("noop", { data: { n: 3 } });
      await until(job.id, "FINISHED");
      const res = await api.app.inject({ method: "GET", url: `/api/v1/jobs/${job.id}/events` });
      expect(res.statusCode).toBe(200);
      expect(res.headers["content-type"]).toBe("text/event-stream; charset=utf-8");
      const events = parseEvents(res.body);
      expect(events.map((e) => e.event)).toEqual([
        "status",
        ...events.filter((e) => e.event === "log").map(() => "log"),
        "end",
      ]);
      expect(events[0]?.data).toMatchObject({ id: job.id, status: "FINISHED" });
      const logs = events.filter((e) => e.event === "log");
      expect(logs.map((e) => (e.data as { message: string }).message)).toContain(
        'noop ran with {"n":3}',
      );
      expect(logs.every((e) => e.id === String((e.data as { id: number }).id))).toBe(true);
      // Reconnecting after the first line gives only the lines after it.
      const resumed = await api.app.inject({
        method: "GET",
        url: `/api/v1/jobs/${job.id}/events`,
        headers: { "last-event-id": logs[0]?.id as string },
      });
      const again = parseEvents(resumed.body).filter((e) => e.event === "log");
      expect(again.map((e) => e.id)).toEqual(logs.slice(1).map((e) => e.id));
      const bad = await api.app.inject({
        method: "GET",
        url: `/api/v1/jobs/${job.id}/events`,
        headers: { "last-event-id": "the-first" },
      });
      expect(bad.json()).toMatchObject({ status: 400, field: "last-event-id" });
    });
  });
}

export interface ServerSentEvent {
  readonly event: string;
  readonly id: string | undefined;
  readonly data: unknown;
}

/** Parses a text/event-stream body (comments and blank keep-alives left out). */
export function parseEvents(text: string): ServerSentEvent[] {
  return text
    .split("\n\n")
    .filter((block) => block.trim() !== "" && !block.startsWith(":"))
    .map((block) => {
      const fields = new Map<string, string>();
      for (const line of block.split("\n")) {
        const colon = line.indexOf(": ");
        fields.set(line.slice(0, colon), line.slice(colon + 2));
      }
      return {
        event: fields.get("event") ?? "message",
        id: fields.get("id"),
        data: JSON.parse(fields.get("data") ?? "null"),
      };
    });
}
