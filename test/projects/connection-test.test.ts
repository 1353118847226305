/**
 * Testing connections against real peers: PostgreSQL, MariaDB, a SQLite file, an HTTP
 * server on loopback, a key made by gpg; and the seam other clients plug their testers into.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectionService, type ConnectionTester } from "../../src/projects/connections/index.js";
import type { Store } from "../../src/store/store.js";
import { tempFolder } from "../exports/helpers.js";
import { MARIADB, mariadbAvailable, postgresSettings } from "../exports/sources/peers.js";
import { postgresAvailable } from "../helpers/postgres.js";
import { gpgKeys, testStore } from "./helpers.js";

const SECRET_KEY = "a-test-secret-key-of-at-least-32-characters";
const postgres = await postgresAvailable("the connection tests");
const mariadb = await mariadbAvailable("the connection tests");

let store: Store;
let remove: () => Promise<void>;
let folder: Awaited<ReturnType<typeof tempFolder>>;
let server: Server;
let baseUrl: string;
/** What the HTTP server saw of each request, and how it answers. */
const seen: {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingHttpHeaders;
}[] = [];
const sftpCalls: unknown[] = [];
const slowTester: ConnectionTester<"ftp"> = (_, signal) =>
  new Promise((_resolve, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
let connections: ConnectionService;

beforeAll(async () => {
  ({ store, remove } = await testStore("sqlite"));
  folder = await tempFolder("connection-test");
  server = createServer((request, response) => {
    seen.push({ method: request.method, url: request.url, headers: request.headers });
    const status =
      request.url?.startsWith("/private") && request.headers["private-token"] !== "glpat-1"
        ? 401
        : 200;
    // Like some file hosts: HEAD is not allowed where files are served.
    if (request.url?.startsWith("/files") && request.method === "HEAD")
      response.writeHead(405).end();
    else response.writeHead(status, { "content-type": "text/plain" }).end("hello");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  connections = new ConnectionService(store, {
    secretKey: SECRET_KEY,
    testers: {
      sftp: async (connection, signal) => {
        sftpCalls.push({ connection, aborted: signal.aborted });
        if (connection.settings.password !== "right")
          throw new Error("the server refused the login");
        return { ok: true, message: "logged in", details: { hostKeyFingerprint: "SHA256:x" } };
      },
      ftp: slowTester,
    },
    testTimeoutMs: 1000,
  });
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await folder.remove();
  await remove();
});

/** A loopback port nothing listens on (fetch refuses the well-known ones, such as 1). */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe("testing a connection", () => {
  it.runIf(postgres)("connects to PostgreSQL and asks its version", async () => {
    await connections.create({ name: "pg", type: "postgres", settings: postgresSettings() });
    const result = await connections.test("pg");
    expect(result).toMatchObject({
      ok: true,
      details: { version: expect.stringMatching(/^PostgreSQL /) },
    });
    expect(result.message).toMatch(/^connected and queried the version: PostgreSQL/);
  });

  it.runIf(postgres)("says why PostgreSQL can't be reached, as a result", async () => {
    await connections.create({
      name: "pg-down",
      type: "postgres",
      settings: { ...postgresSettings(), port: 1 },
    });
    const result = await connections.test("pg-down");
    expect(result.ok).toBe(false);
    expect(result.message).toMatch(
      /^connection "pg-down" \(postgres, 127\.0\.0\.1:1\/.+\): cannot reach the database: the connection was refused/,
    );
  });

  it.runIf(mariadb)("connects to MariaDB, and says when the password is wrong", async () => {
    await connections.create({
      name: "maria",
      type: "mysql",
      settings: { ...MARIADB, password: MARIADB.password || undefined },
    });
    expect(await connections.test("maria")).toMatchObject({
      ok: true,
      details: { version: expect.stringMatching(/MariaDB/) },
    });
    await connections.create({
      name: "maria-bad",
      type: "mysql",
      settings: { ...MARIADB, password: "wrong-password" },
    });
    const refused = await connections.test("maria-bad");
    expect(refused.ok).toBe(false);
    expect(refused.message).toContain('refused the login of user "root"');
    expect(refused.message).not.toContain("wrong-password");
  });

  it("opens a SQLite file, and says when it is missing", async () => {
    const path = join(folder.dir, "shop.db");
    new Database(path).close();
    await connections.create({ name: "file", type: "sqlite", settings: { path } });
    expect(await connections.test("file")).toMatchObject({
      ok: true,
      details: { version: expect.stringMatching(/^3\./) },
    });
    await connections.create({
      name: "no-file",
      type: "sqlite",
      settings: { path: join(folder.dir, "none.db") },
    });
    expect(await connections.test("no-file")).toMatchObject({
      ok: false,
      message: expect.stringContaining("none.db does not exist"),
    });
  });

  it("asks an HTTP base URL with the connection's headers and token", async () => {
    await connections.create({
      name: "web",
      type: "http",
      settings: { baseUrl: `${baseUrl}/exports/`, headers: { Accept: "text/csv" }, token: "t0ken" },
    });
    expect(await connections.test("web")).toEqual({
      ok: true,
      message: `HEAD ${baseUrl}/exports/ answered 200 OK`,
      details: { status: "200" },
    });
    expect(seen.at(-1)).toMatchObject({
      method: "HEAD",
      url: "/exports/",
      headers: { accept: "text/csv", authorization: "Bearer t0ken" },
    });

    await connections.create({
      name: "files",
      type: "http",
      settings: { baseUrl: `${baseUrl}/files/` },
    });
    expect(await connections.test("files")).toMatchObject({
      ok: true,
      message: `GET ${baseUrl}/files/ answered 200 OK`,
    });

    const gitlab = { baseUrl: `${baseUrl}/private/`, tokenHeader: "PRIVATE-TOKEN" };
    await connections.create({
      name: "git",
      type: "http",
      settings: { ...gitlab, token: "glpat-1" },
    });
    expect(await connections.test("git")).toMatchObject({ ok: true });
    await connections.create({
      name: "git-bad",
      type: "http",
      settings: { ...gitlab, token: "nope" },
    });
    expect(await connections.test("git-bad")).toEqual({
      ok: false,
      message: `HEAD ${baseUrl}/private/ answered 401 Unauthorized; check the token (and tokenHeader)`,
      details: { status: "401" },
    });
    const closed = await closedPort();
    await connections.create({
      name: "web-down",
      type: "http",
      settings: { baseUrl: `http://127.0.0.1:${closed}/` },
    });
    expect(await connections.test("web-down")).toMatchObject({
      ok: false,
      message: expect.stringMatching(
        new RegExp(`^HEAD http://127\\.0\\.0\\.1:${closed}/ failed: .*ECONNREFUSED`),
      ),
    });
  });

  it("checks that a gpg key can encrypt, and tells its fingerprint", async () => {
    const { publicKey } = await gpgKeys();
    await connections.create({ name: "vendor", type: "gpg", settings: { publicKey } });
    const result = await connections.test("vendor");
    expect(result).toMatchObject({
      ok: true,
      details: {
        fingerprint: expect.stringMatching(/^[0-9A-F]{40,64}$/),
        userIds: "Vendor <vendor@sundial.invalid>",
        expires: "never",
      },
    });
  });

  it("hands a plugged-in tester the decrypted connection, and reports what it throws", async () => {
    const settings = { host: "files.example.com", username: "acme", password: "right" };
    await connections.create({ name: "drop", type: "sftp", settings });
    expect(await connections.test("drop")).toEqual({
      ok: true,
      message: "logged in",
      details: { hostKeyFingerprint: "SHA256:x" },
    });
    expect(sftpCalls.at(-1)).toEqual({
      connection: { name: "drop", type: "sftp", settings },
      aborted: false,
    });
    await connections.update("drop", { settings: { ...settings, password: "wrong" } });
    expect(await connections.test("drop")).toEqual({
      ok: false,
      message: "the server refused the login",
    });
  });

  it("gives up on a tester past the time limit, and says a type has no tester", async () => {
    await connections.create({ name: "slow", type: "ftp", settings: { host: "ftp.example.com" } });
    expect(await connections.test("slow")).toEqual({ ok: false, message: "no answer within 1 s" });
    await connections.create({
      name: "mail",
      type: "smtp",
      settings: { host: "smtp.example.com", from: "a@example.com" },
    });
    expect(await connections.test("mail")).toEqual({
      ok: false,
      message:
        "smtp connections can't be tested by this server yet: no tester for smtp is installed",
    });
  });
});
