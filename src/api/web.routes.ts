/**
 * The web UI: the files Vite built into `dist/web`, and its `index.html` for every other
 * page address (the SPA fallback), so that a bookmarked `/jobs/…` opens the app, which
 * then routes in the browser. The shell holds no data, so it is public; every piece of
 * data comes through the API with the session cookie and its CSRF token.
 *
 * Without a built UI (a checkout where only `tsc` ran), the server starts all the same and
 * `/` says how to build it; the API and its docs work as before.
 *
 * @example
 * const app = buildApp({ sundial, plugins: [authenticate, webRoutes()] });
 */
import { stat } from "node:fs/promises";
import { resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply } from "fastify";
import { LOGIN_SHELL } from "../auth/login-page.js";
import type { AppPlugin } from "./app.js";

export interface WebRoutesOptions {
  /** The built UI; default `dist/web` of this package (from src/api/ and dist/api/ alike). */
  readonly root?: string;
}

export const WEB_ROOT = fileURLToPath(new URL("../../dist/web/", import.meta.url));

/** The server's own addresses: an unknown route under them is a 404 problem, never the app. */
const SERVER_PATHS = ["api", "healthz", "readyz", "metrics"];
/** Vite names these files by their content hash, so they never change under one name. */
const HASHED_DIR = "assets/";

/**
 * Mantine writes its theme into a `<style>` element and React sets `style` attributes, so
 * styles need 'unsafe-inline'; scripts come only from the built files.
 */
const SHELL_HEADERS = {
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
};

const NOT_BUILT = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sundial</title>
<style>body { font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem; } code { background: #f1f3f5; padding: .1rem .3rem; }</style>
</head>
<body>
<h1>Sundial</h1>
<p>The web UI is not built. In the Sundial checkout, run <code>npm run build</code> (or
<code>npm run build:web</code> for the UI alone), then restart <code>sundial serve</code>.</p>
<p>The API works meanwhile: <a href="/login">log in</a> to open its documentation at
<a href="/api/docs/">/api/docs</a>.</p>
</body>
</html>
`;

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Sends the app's `index.html`; the browser asks again each time, so a new build shows at once. */
function sendShell(reply: FastifyReply, root: string): FastifyReply {
  return reply
    .headers({ ...SHELL_HEADERS, "cache-control": "no-cache" })
    .sendFile("index.html", root, { cacheControl: false });
}

/**
 * The web UI's routes, as a plugin for `buildApp({ plugins })`: `GET /*` (static files,
 * else the shell), and `/login` as the app's sign-in page.
 */
export function webRoutes(options: WebRoutesOptions = {}): AppPlugin {
  const root = resolve(options.root ?? WEB_ROOT);
  return async (app: FastifyInstance) => {
    const built = await isFile(resolve(root, "index.html"));
    if (!built) {
      app.log.warn(
        { root },
        "the web UI is not built, so / only says how to build it: run `npm run build`",
      );
    }
    // Only the reply.sendFile decorator: the routes below decide what is served.
    await app.register(fastifyStatic, { serve: false });
    // When built, the app owns /login too, so one sign-in page serves the UI and the API docs.
    if (built) app.decorate(LOGIN_SHELL, (reply: FastifyReply) => sendShell(reply, root));

    app.get<{ Params: { "*": string } }>(
      "/*",
      { config: { access: "public" }, schema: { hide: true } },
      async (request, reply) => {
        const path = request.params["*"];
        const top = path.split("/", 1)[0] ?? "";
        if (SERVER_PATHS.includes(top)) return reply.callNotFound();
        if (!built) {
          return reply
            .code(path === "" ? 200 : 404)
            .headers(SHELL_HEADERS)
            .type("text/html; charset=utf-8")
            .send(NOT_BUILT);
        }
        const file = resolve(root, path);
        const inside = file.startsWith(root + sep);
        const hidden = path.split("/").some((part) => part.startsWith("."));
        if (inside && !hidden && !path.includes("\0") && (await isFile(file))) {
          const hashed = path.startsWith(HASHED_DIR);
          return reply
            .headers(SHELL_HEADERS)
            .sendFile(path, root, hashed ? { maxAge: "1y", immutable: true } : { maxAge: 0 });
        }
        // A missing built file is a 404, not the page: a stale tab asking for an old bundle.
        if (path.startsWith(HASHED_DIR)) return reply.callNotFound();
        return sendShell(reply, root);
      },
    );
  };
}
