/**
 * `GET /jobs/{jobId}/events` over a real listening socket, read with fetch as a browser's
 * EventSource would: the events of a job that runs while the stream is open.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Job } from "../../src/jobs/job.js";
import { waitFor } from "../helpers/wait-for.js";
import { deferred } from "../jobs/helpers.js";
import { type TestApi, testApi } from "./helpers.js";
import { parseEvents, type ServerSentEvent } from "./job-routes-suite.js";

let api: TestApi | undefined;

afterEach(async () => {
  await api?.close();
  api = undefined;
});

/** Reads a text/event-stream response event by event. */
function eventReader(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const queue: ServerSentEvent[] = [];
  return {
    /** The next event, or undefined once the server ended the stream. */
    async next(): Promise<ServerSentEvent | undefined> {
      for (;;) {
        const queued = queue.shift();
        if (queued !== undefined) return queued;
        const { done, value } = await reader.read();
        if (done) return undefined;
        buffer += decoder.decode(value, { stream: true });
        const end = buffer.lastIndexOf("\n\n");
        if (end === -1) continue;
        queue.push(...parseEvents(buffer.slice(0, end + 2)));
        buffer = buffer.slice(end + 2);
      }
    },
    cancel: () => reader.cancel(),
  };
}

async function post(url: string, body: unknown): Promise<Job> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return (await res.json()) as Job;
}

describe("job events over a listening socket", () => {
  it("streams a running job's status, log lines and progress as they happen, then end", async () => {
    api = await testApi();
    const first = deferred();
    const second = deferred();
    api.sundial.define("steps", async ({ log, progress }) => {
      await first.promise;
      await log.info("step 1");
      await progress(50);
      await second.promise;
      await log.info("step 2");
      await progress(100);
      return { steps: 2 };
    });
    const base = await api.app.listen({ host: "127.0.0.1", port: 0 });
    const job = await post(`${base}/api/v1/jobs`, { type: "steps" });
    const res = await fetch(`${base}/api/v1/jobs/${job.id}/events`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const events = eventReader(res.body as ReadableStream<Uint8Array>);

    const opening = await events.next();
    expect(opening).toMatchObject({ event: "status", data: { id: job.id } });
    let latest = opening;
    while ((latest?.data as Job | undefined)?.status !== "RUNNING") {
      latest = await events.next();
      expect(latest?.event).toBe("status");
    }

    first.resolve();
    expect(await events.next()).toMatchObject({ event: "log", data: { message: "step 1" } });
    expect(await events.next()).toEqual({
      event: "progress",
      id: undefined,
      data: { jobId: job.id, progress: 50 },
    });

    second.resolve();
    expect(await events.next()).toMatchObject({ event: "log", data: { message: "step 2" } });
    // The rest: perhaps progress 100 on its own, then FINISHED (with its results), then end.
    const rest: ServerSentEvent[] = [];
    for (let event = await events.next(); event !== undefined; event = await events.next()) {
      rest.push(event);
    }
    expect(rest.at(-2)).toMatchObject({
      event: "status",
      data: { status: "FINISHED", progress: 100, results: { steps: 2 } },
    });
    expect(rest.at(-1)).toMatchObject({ event: "end", data: { id: job.id, status: "FINISHED" } });
    expect(rest.slice(0, -2).every((e) => e.event === "progress")).toBe(true);
  });

  it("ends open event streams when the server closes, without an end event", async () => {
    api = await testApi();
    const base = await api.app.listen({ host: "127.0.0.1", port: 0 });
    const job = await post(`${base}/api/v1/jobs`, { type: "gated" });
    const res = await fetch(`${base}/api/v1/jobs/${job.id}/events`);
    const events = eventReader(res.body as ReadableStream<Uint8Array>);
    expect(await events.next()).toMatchObject({ event: "status" });
    const closing = api.app.close();
    const after: string[] = [];
    for (let event = await events.next(); event !== undefined; event = await events.next()) {
      after.push(event.event);
    }
    await closing;
    expect(after).not.toContain("end");
  });

  it("answers a long poll with 503 unavailable when the server closes meanwhile", async () => {
    api = await testApi();
    const base = await api.app.listen({ host: "127.0.0.1", port: 0 });
    const job = await post(`${base}/api/v1/jobs`, { type: "gated" });
    const listening = api.sundial.jobs.events.listenerCount("changed");
    const waiting = fetch(`${base}/api/v1/jobs/${job.id}/wait?status=FINISHED&timeout=600000`);
    const { events } = api.sundial.jobs;
    await waitFor("the wait to listen", () =>
      events.listenerCount("changed") > listening ? true : undefined,
    );
    const closing = api.app.close();
    const res = await waiting;
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ code: "unavailable", status: 503 });
    await closing;
  });
});
