/**
 * `GET /login`: the one page that answers without credentials, so that a browser can get a
 * session before it opens the API documentation (and, later, the web UI). The form posts to
 * `POST /api/v1/auth/login` with fetch; the session cookie it sets is then sent to /api.
 */
import type { FastifyInstance } from "fastify";

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
    if (res.ok) { location.href = "/api/docs/"; return; }
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
    async (_request, reply) =>
      reply
        .type("text/html; charset=utf-8")
        .header(
          "content-security-policy",
          "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'",
        )
        .header("x-frame-options", "DENY")
        .send(PAGE),
  );
}
