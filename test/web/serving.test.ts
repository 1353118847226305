/**
 * How `sundial serve` serves the web UI (src/api/web.routes.ts), through `inject()` on the
 * real app with auth: the built files, the SPA fallback, the server's own 404s, `/login`
 * as the UI's sign-in page, and what a server without a built UI answers.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { webRoutes } from "../../src/api/web.routes.js";
import { AuthService, authPlugin } from "../../src/auth/index.js";
import { type TestApi, testApi } from "../api/helpers.js";

const SHELL =
  '<!doctype html><html><head><script type="module" src="/assets/app-1a2b.js"></script></head><body><div id="root"></div></body></html>';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sundial-web-root-"));
  await mkdir(join(dir, "built", "assets"), { recursive: true });
  await writeFile(join(dir, "built", "index.html"), SHELL);
  await writeFile(join(dir, "built", "assets", "app-1a2b.js"), "console.log('app');");
  await writeFile(join(dir, "built", "favicon.svg"), "<svg/>");
  await writeFile(join(dir, "built", ".env"), "SECRET=1");
  await writeFile(join(dir, "outside.txt"), "not for the web");
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function appServing(root: string): Promise<TestApi> {
  const api = await testApi({
    start: false,
    plugins: [
      async (app) => {
        await authPlugin(new AuthService(api.sundial.store))(app, {});
      },
      webRoutes({ root }),
    ],
  });
  await api.app.ready();
  return api;
}

describe("with a built UI", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await appServing(join(dir, "built"));
  });
  afterAll(async () => api.close());
  const get = (url: string) => api.app.inject({ method: "GET", url });

  it("answers the app's shell at / and at every page address, without credentials", async () => {
    for (const url of ["/", "/jobs/01936f4e-8a2b", "/schedules/daily.report/edit?x=1", "/login"]) {
      const res = await get(url);
      expect([url, res.statusCode]).toEqual([url, 200]);
      expect(res.headers["content-type"]).toMatch(/^text\/html/);
      expect(res.body).toBe(SHELL);
      // Asked again each time, so that a new build shows at once.
      expect(res.headers["cache-control"]).toBe("no-cache");
      expect(res.headers["content-security-policy"]).toContain("script-src 'self'");
      expect(res.headers["x-frame-options"]).toBe("DENY");
    }
  });

  it("serves built files; the hashed ones are cached for good", async () => {
    const script = await get("/assets/app-1a2b.js");
    expect(script.statusCode).toBe(200);
    expect(script.headers["content-type"]).toMatch(/javascript/);
    expect(script.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    const icon = await get("/favicon.svg");
    expect(icon.statusCode).toBe(200);
    expect(icon.headers["cache-control"]).toBe("public, max-age=0");
  });

  it("answers a missing built file, a dotfile's name and the server's own addresses as 404 problems", async () => {
    for (const url of [
      "/assets/app-old.js",
      "/api/v1/no-such-route",
      "/api/nothing",
      "/healthz/x",
      "/metrics/x",
    ]) {
      const res = await get(url);
      expect([url, res.statusCode]).toEqual([url, 404]);
      expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
    }
    // Never the file itself: a dotfile's name is just another page address.
    expect((await get("/.env")).body).toBe(SHELL);
    for (const url of ["/../outside.txt", "/%2e%2e/outside.txt", "/..%2foutside.txt"]) {
      expect((await get(url)).body).not.toContain("not for the web");
    }
  });

  it("leaves the API as it was: health, problems and credentials", async () => {
    expect((await get("/healthz")).json()).toEqual({ status: "ok" });
    const api401 = await get("/api/v1/schedules");
    expect(api401.statusCode).toBe(401);
    expect(api401.json()).toMatchObject({ code: "unauthorized" });
    expect((await api.app.inject({ method: "POST", url: "/" })).statusCode).toBe(404);
  });
});

describe("without a built UI", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await appServing(join(dir, "not-built"));
  });
  afterAll(async () => api.close());

  it("says at / how to build it, and keeps the small login page for the API docs", async () => {
    const home = await api.app.inject({ method: "GET", url: "/" });
    expect(home.statusCode).toBe(200);
    expect(home.body).toContain("npm run build");
    expect((await api.app.inject({ method: "GET", url: "/jobs" })).statusCode).toBe(404);
    const login = await api.app.inject({ method: "GET", url: "/login?next=/api/docs/" });
    expect(login.statusCode).toBe(200);
    expect(login.body).toContain('fetch("/api/v1/auth/login"');
    // The page's script is built in a template string: it must still be valid JavaScript.
    const script = /<script>([\s\S]*)<\/script>/.exec(login.body)?.[1] ?? "";
    expect(() => new Function(script)).not.toThrow();
    expect(script).toContain('next[1] !== "\\\\"');
  });
});
