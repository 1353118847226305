import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkHttpContext, type HttpInvokeContext } from "../../src/invokers/index.js";
import { ended, type Harness, invalid, openHarness, runJob } from "./helpers.js";

let h: Harness;
let server: Server;
let base: string;
/** Resolved when /slow has received a request (which it never answers). */
let slowArrived: () => void = () => undefined;

async function bodyOf(request: IncomingMessage): Promise<string> {
  let text = "";
  for await (const chunk of request) text += chunk;
  return text;
}

beforeAll(async () => {
  server = createServer(async (request, response) => {
    const path = request.url ?? "/";
    if (path === "/json") {
      response.writeHead(200, {
        "content-type": "application/json; charset=utf-8",
        "x-request-id": "req-1",
        "set-cookie": "session=secret",
      });
      response.end(JSON.stringify({ hello: "world" }));
    } else if (path === "/echo") {
      const body = await bodyOf(request);
      response.writeHead(201, { "content-type": "application/json", location: "/things/1" });
      response.end(
        JSON.stringify({
          method: request.method,
          contentType: request.headers["content-type"] ?? null,
          token: request.headers["x-token"] ?? null,
          body,
        }),
      );
    } else if (path === "/fail") {
      response.writeHead(503, { "content-type": "text/plain" });
      response.end("database is down\nretry later");
    } else if (path === "/big") {
      response.writeHead(200, { "content-type": "text/plain" });
      response.end("a".repeat(200_000));
    } else if (path === "/binary") {
      response.writeHead(200, { "content-type": "application/octet-stream" });
      response.end(Buffer.from([0, 1, 2, 3]));
    } else if (path === "/slow") {
      slowArrived();
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  h = await openHarness(() => ({ http: { maxBodyBytes: 1024 } }));
});

afterAll(async () => {
  await h.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function slowRequest(): Promise<void> {
  return new Promise((resolve) => {
    slowArrived = resolve;
  });
}

describe("the http invoker", () => {
  it("GETs JSON: status, selected headers and the parsed body are the results", async () => {
    const { job, messages } = await runJob(h.sundial, "http", { url: `${base}/json` });
    expect(job).toMatchObject({ status: "FINISHED", hasErrors: false });
    expect(job.results).toMatchObject({
      status: 200,
      statusText: "OK",
      body: { hello: "world" },
      bodyTruncated: false,
    });
    const headers = (job.results as { headers: Record<string, string> }).headers;
    expect(headers).toMatchObject({
      "content-type": "application/json; charset=utf-8",
      "x-request-id": "req-1",
    });
    expect(headers).not.toHaveProperty("set-cookie");
    expect(messages.some((m) => m.startsWith(`GET ${base}/json answered 200 OK in `))).toBe(true);
  });

  it("sends a JSON body with its content type, and headers", async () => {
    const { job } = await runJob(h.sundial, "http", {
      method: "POST",
      url: `${base}/echo`,
      headers: { "X-Token": "t0k" },
      body: { run: "nightly" },
    });
    expect(job.results).toMatchObject({
      status: 201,
      headers: { location: "/things/1" },
      body: {
        method: "POST",
        contentType: "application/json",
        token: "t0k",
        body: '{"run":"nightly"}',
      },
    });
  });

  it("sends a text body as it is", async () => {
    const { job } = await runJob(h.sundial, "http", {
      method: "PUT",
      url: `${base}/echo`,
      body: "plain words",
    });
    expect(job.results).toMatchObject({ body: { method: "PUT", body: "plain words" } });
  });

  it("fails on a status of 400 or more, with the status and the start of the body", async () => {
    const { job, logs } = await runJob(h.sundial, "http", { url: `${base}/fail` });
    expect(job).toMatchObject({ status: "FINISHED", hasErrors: true, results: null });
    expect(logs.at(-1)?.message).toBe(
      `failed: GET ${base}/fail answered 503 Service Unavailable: database is down retry later`,
    );
    expect(logs.at(-1)?.additionalInfo).toMatchObject({ error: { code: "httpFailed" } });
  });

  it("fails when the server can't be reached", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const { job, messages } = await runJob(h.sundial, "http", {
      url: `http://127.0.0.1:${port}/`,
    });
    expect(job.hasErrors).toBe(true);
    expect(messages.at(-1)).toMatch(
      /failed: GET http:\/\/127\.0\.0\.1:\d+\/ failed: .*ECONNREFUSED/,
    );
  });

  it("keeps at most maxBodyBytes of the body, and says it was cut", async () => {
    const { job } = await runJob(h.sundial, "http", { url: `${base}/big` });
    expect(job.results).toMatchObject({ body: "a".repeat(1024), bodyTruncated: true });
  });

  it("keeps no body for binary content", async () => {
    const { job } = await runJob(h.sundial, "http", { url: `${base}/binary` });
    expect(job.results).toMatchObject({ status: 200, body: null });
  });

  it("aborts the request when the job is stopped", async () => {
    const arrived = slowRequest();
    const { id } = await h.sundial.jobs.enqueue("http", { url: `${base}/slow` });
    await arrived;
    await h.sundial.jobs.stop(id);
    const { job } = await ended(h.sundial, id);
    expect(job.status).toBe("STOPPED");
  });

  it("aborts the request after its timeoutMs, ending with reason timeout", async () => {
    const { job, messages } = await runJob(h.sundial, "http", {
      url: `${base}/slow`,
      timeoutMs: 200,
    });
    expect(job).toMatchObject({ status: "FINISHED", hasErrors: true, reason: "timeout" });
    expect(messages.at(-1)).toBe(
      `failed: GET ${base}/slow timed out after 200 ms (invokeContext.timeoutMs)`,
    );
  });

  it("refuses bad invoke contexts, naming the field", async () => {
    const { job, messages } = await runJob(
      h.sundial,
      "http",
      invalid<HttpInvokeContext>({ url: "ftp://example.com/file" }),
    );
    expect(job.hasErrors).toBe(true);
    expect(messages.at(-1)).toBe(
      'failed: invokeContext.url: "ftp://example.com/file" is not an absolute http: or https: URL',
    );
    const cases: [unknown, string][] = [
      [{}, "invokeContext.url"],
      [{ url: "/relative" }, "invokeContext.url"],
      [{ url: base, method: "FETCH" }, "invokeContext.method"],
      [{ url: base, body: { a: 1 } }, "invokeContext.body"],
      [{ url: base, headers: { "bad name": "x" } }, "invokeContext.headers.bad name"],
      [{ url: base, headers: { accept: 1 } }, "invokeContext.headers.accept"],
      [{ url: base, timeoutMs: 1.5 }, "invokeContext.timeoutMs"],
    ];
    for (const [data, field] of cases) {
      expect(() => checkHttpContext(data), field).toThrow(expect.objectContaining({ field }));
    }
  });

  it("keeps passwords in URLs out of messages", async () => {
    expect(() => checkHttpContext({ url: "ftp://user:pw@example.com/" })).toThrow(
      'invokeContext.url: "ftp://user:***@example.com/" is not an absolute http: or https: URL',
    );
  });
});
