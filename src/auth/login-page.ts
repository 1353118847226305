/**
 * `GET /login`: the one page that answers without credentials, so that a browser can get a
 * session before it opens the web UI or the API documentation. When the server serves a
 * built web UI (src/api/web.routes.ts), `/login` is the UI's own sign-in page; this small
 * page is for a server without it. Either way `?next=/api/docs/` says where to go once
 * logged in (a path on this server; default the docs here, the dashboard in the UI). The
 * form posts to `POST /api/v1/auth/login` with fetch; the session cookie it sets is then
 * sent to /api.
 */
import type { FastifyInstance, FastifyReply } from "fastify";

/**
 * The decoration through which the web UI's routes take over `/login`: auth may not import
 * the api layer that serves the UI, so the UI hands its page to auth this way.
 */
export const LOGIN_SHELL = "sundialLoginShell";

declare module "fastify" {
  interface FastifyInstance {
    /** Sends the web UI's sign-in page; set only when a built UI is served. */
    [LOGIN_SHELL]?: (reply: FastifyReply) => FastifyReply;
  }
}

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Log in · Sundial</title>
<style>
  body { font: 16px/1.4 system-ui, sans-serif; display: grid; place-items: center; min-height: 90vh; margin: 0; }
  form { display: grid; gap: .75rem; width: min(20rem, 90vw); }
  input, button { font: inherit; padding: .5rem; }
  p[role=alert] { color: #b00020; min-height: 1.4em; margin: 0; }
</style>
</head>
<body>
<form>
  <h1>Sundial</h1>
  <label>User <input name="name" autocomplete="username" required autofocus></label>
  <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
  <button>Log in</button>
  <p role="alert"></p>
</form>
<script>
  const form = document.querySelector("form");
  const alert = document.querySelector("[role=alert]");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    alert.textContent = "";
    const body = JSON.stringify({ name: form.name.value, password: form.password.value });
    const res = await fetch("/api/v1/auth/login", { method: "POST", headers: { "content-type": "application/json" }, body });
    // Only a path on this server: an absolute or protocol-relative URL would send the user away.
    const next = new URLSearchParams(location.search).get("next") ?? "";
    const local = next[0] === "/" && next[1] !== "/" && next[1] !== "\\\\";
    if (res.ok) { location.href = local ? next : "/api/docs/"; return; }
    const problem = await res.json().catch(() => ({}));
    alert.textContent = problem.detail ?? "Login failed (" + res.status + ")";
  });
</script>
</body>
</html>
`;

export function registerLoginPage(app: FastifyInstance): void {
  app.get(
    "/login",
    { config: { access: "public" }, schema: { hide: true } },
    async (request, reply) => {
      const shell = request.server[LOGIN_SHELL];
      if (shell !== undefined) return shell(reply);
      return reply
        .type("text/html; charset=utf-8")
        .header(
          "content-security-policy",
          "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'",
        )
        .header("x-frame-options", "DENY")
        .send(PAGE);
    },
  );
}
