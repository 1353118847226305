/**
 * Who may call a route. Every route declares `config: { access }`; authentication
 * (src/auth's plugin, given to `buildApp`) reads it to allow or refuse the caller. A route
 * that forgot to say is refused when the app is built, rather than found admin-only later.
 */
import type { FastifyInstance, RouteOptions } from "fastify";
import { ACCESS_LEVELS } from "../auth/index.js";

// The levels, and the `config.access` route option, are auth's (src/auth/request-auth.ts).
export { ACCESS_LEVELS, type Access } from "../auth/index.js";

/**
 * Routes that third-party plugins add under these prefixes (the docs UI) are for viewers:
 * nothing but health and the login answers without credentials.
 */
const VIEWER_PREFIXES = ["/api/docs"];

/**
 * Makes every route registered from now on declare its access.
 * @throws Error at registration for a route without a known `config.access`.
 */
export function requireAccess(app: FastifyInstance): void {
  app.addHook("onRoute", (route: RouteOptions) => {
    const config = (route.config ?? {}) as { access?: unknown };
    if (config.access === undefined && VIEWER_PREFIXES.some((p) => route.url.startsWith(p))) {
      route.config = { ...config, access: "viewer" };
      return;
    }
    if (!(ACCESS_LEVELS as readonly unknown[]).includes(config.access)) {
      throw new Error(
        `${String(route.method)} ${route.url}: give the route config.access (${ACCESS_LEVELS.join(", ")})`,
      );
    }
  });
}
