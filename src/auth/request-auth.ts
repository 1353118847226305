/**
 * Authenticating one request, before its body is read: a bearer token or the session
 * cookie becomes `request.principal`, a cookie-authenticated change must carry the
 * session's CSRF token, and the route's `config.access` decides whether the principal may
 * go on. A route that declares no access is admin-only, so forgetting it is never open.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { SundialError } from "../errors.js";
import type { Access, Principal } from "./auth.js";
import type { AuthService } from "./auth.service.js";
import { requireAccess, requireStartJob } from "./permissions.js";
import { sameSecret } from "./secret.js";

declare module "fastify" {
  interface FastifyContextConfig {
    /** Who may call the route: `public`, or the least role; none given means admin-only. */
    access?: Access;
    /**
     * The route starts a job of the type its body names (`{ type, options }`): the caller
     * must be allowed to start that type, and becomes the job's `runBy`.
     */
    startsJob?: boolean;
  }
  interface FastifyRequest {
    /** The authenticated caller; null on public routes and before authentication. */
    principal: Principal | null;
  }
}

/** Methods that change nothing, so they need no CSRF token and write no audit entry. */
export const SAFE_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS"]);
export const CSRF_HEADER = "x-csrf-token";

export interface SessionCookie {
  readonly name: string;
  /** `auto`: Secure when the request came over https (behind a proxy, set Fastify's trustProxy). */
  readonly secure: boolean | "auto";
}

const BEARER = /^Bearer[ ]+([^\s]+)[ ]*$/i;

/** The session id a request's cookie holds, if any. */
export function sessionIdOf(request: FastifyRequest, cookie: SessionCookie): string | undefined {
  const value = request.cookies[cookie.name];
  return value === undefined || value === "" ? undefined : value;
}

/**
 * The onRequest hook. Sets `request.principal`; remembers a session's CSRF token in
 * `csrfTokens` for the login and `me` routes.
 */
export function authenticateRequest(
  auth: AuthService,
  cookie: SessionCookie,
  csrfTokens: WeakMap<FastifyRequest, string>,
) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    // An unknown route is answered 404 by the app, authenticated or not.
    if (request.is404) return;
    const access = request.routeOptions.config.access ?? "admin";
    if (access === "public") return;

    const authorization = request.headers.authorization;
    if (authorization !== undefined) {
      // A browser never adds this header by itself, so a bearer request needs no CSRF token.
      const token = BEARER.exec(authorization)?.[1];
      if (token === undefined) {
        throw new SundialError(
          "unauthorized",
          "authorization: expected `Bearer <token>` with an API token",
          { field: "authorization" },
        );
      }
      request.principal = await auth.authenticateToken(token);
    } else {
      const sessionId = sessionIdOf(request, cookie);
      if (sessionId === undefined) {
        throw new SundialError(
          "unauthorized",
          "Log in first, or send an API token as `Authorization: Bearer <token>`.",
        );
      }
      const session = await auth.authenticateSession(sessionId);
      request.principal = session.principal;
      csrfTokens.set(request, session.csrfToken);
      if (!SAFE_METHODS.has(request.method)) {
        const given = request.headers[CSRF_HEADER];
        if (typeof given !== "string" || !sameSecret(given, session.csrfToken)) {
          throw new SundialError(
            "forbidden",
            `${CSRF_HEADER}: a change made with a session cookie must send the session's CSRF token (from login or GET /api/v1/auth/me) in this header`,
            { field: CSRF_HEADER },
          );
        }
      }
    }
    requireAccess(request.principal, access);
  };
}

/**
 * The preHandler hook (after the body is parsed) of routes that start jobs: checks that
 * the caller may start a job of the body's type, and records the caller as its `runBy`,
 * whatever the body said.
 */
export async function authorizeJobStart(request: FastifyRequest): Promise<void> {
  if (request.routeOptions.config.startsJob !== true || request.principal === null) return;
  const body = request.body as { type?: unknown; options?: Record<string, unknown> };
  if (typeof body?.type !== "string") return;
  requireStartJob(request.principal, body.type);
  body.options = {
    ...body.options,
    runBy: { id: request.principal.userId, name: request.principal.name },
  };
}
