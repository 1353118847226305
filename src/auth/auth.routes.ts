/**
 * The auth plugin for the app: authentication and access checks on every route, CSRF
 * protection for cookie sessions, the audit log, and the login, user, group and token
 * routes. It is registered before the routes and is not encapsulated, so its hooks cover
 * every route of the app.
 *
 * @example
 * const auth = new AuthService(sundial.store);
 * const app = Fastify({ logger: { redact: AUTH_LOG_REDACT } });
 * await app.register(authPlugin(auth, { secureCookie: "auto" }));
 */
import fastifyCookie, { type CookieSerializeOptions } from "@fastify/cookie";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from "fastify";
import { NoContent } from "../api/openapi.js";
import { problemResponses } from "../api/problem.js";
import { errorCodeOf } from "../errors.js";
import { registerAudit } from "./audit.routes.js";
import type { Principal } from "./auth.js";
import type { AuthService } from "./auth.service.js";
import { LoginSchema } from "./auth-input.js";
import { authValidatorCompiler, WhoAmISchema } from "./auth-schemas.js";
import { LoginThrottledError } from "./login-limit.js";
import { registerLoginPage } from "./login-page.js";
import {
  authenticateRequest,
  authorizeJobStart,
  type SessionCookie,
  sessionIdOf,
} from "./request-auth.js";
import { registerTokenRoutes } from "./token.routes.js";
import { principalOf, registerUserRoutes } from "./user.routes.js";

export interface AuthPluginOptions {
  /**
   * The session cookie's Secure attribute: `true`, `false`, or `"auto"` (default): Secure
   * when the request came over https, as Fastify sees it (set `trustProxy` behind a proxy
   * that ends TLS).
   */
  readonly secureCookie?: boolean | "auto";
  /** Default `sundial_session`. */
  readonly cookieName?: string;
}

export const SESSION_COOKIE = "sundial_session";
/** The browser sends the session cookie to the API only, not with the UI's static files. */
const COOKIE_PATH = "/api";

/**
 * Pino `redact` paths that keep credentials out of logs, whatever the request and
 * response serializers log: `Fastify({ logger: { redact: AUTH_LOG_REDACT } })`.
 */
export const AUTH_LOG_REDACT: readonly string[] = Object.freeze([
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  "password",
  "currentPassword",
  "secret",
  "csrfToken",
  "*.password",
  "*.currentPassword",
  "*.secret",
  "*.csrfToken",
]);

/** What login and `GET /auth/me` answer: the caller, and the CSRF token of a session. */
function whoAmI(principal: Principal, csrfToken: string | undefined, expiresAt?: number) {
  return {
    ...principal,
    csrfToken: csrfToken ?? null,
    ...(expiresAt === undefined ? {} : { expiresAt }),
  };
}

function registerSessionRoutes(
  instance: FastifyInstance,
  auth: AuthService,
  cookie: SessionCookie,
  csrfTokens: WeakMap<FastifyRequest, string>,
): void {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ["auth"];
  const cookieOptions = (maxAgeMs: number): CookieSerializeOptions => ({
    path: COOKIE_PATH,
    httpOnly: true,
    sameSite: "strict",
    secure: cookie.secure,
    maxAge: Math.floor(maxAgeMs / 1000),
  });

  app.post(
    "/api/v1/auth/login",
    {
      config: { access: "public" },
      schema: {
        summary: "Log in: sets the session cookie, and answers who you are and the CSRF token",
        description:
          "Failed logins are limited per name and per address: over the limit, 429 with `Retry-After`.",
        tags,
        body: LoginSchema,
        response: {
          200: WhoAmISchema,
          ...problemResponses("unauthorized", "tooManyRequests"),
        },
      },
      validatorCompiler: authValidatorCompiler,
      // Before the body is checked, so that a malformed login is audited with the name too.
      preValidation: async (request) => {
        const name = (request.body as { name?: unknown } | null)?.name;
        if (typeof name === "string") request.auditTarget = name.slice(0, 200);
      },
    },
    async (request, reply) => {
      const { session } = await auth.login(request.body, request.ip).catch((error: unknown) => {
        if (error instanceof LoginThrottledError) {
          reply.header("retry-after", String(error.retryAfterSeconds));
        }
        throw error;
      });
      const { principal, csrfToken } = await auth.authenticateSession(session.id);
      request.principal = principal;
      return reply
        .setCookie(cookie.name, session.id, cookieOptions(auth.sessionLifetimeMs))
        .header("cache-control", "no-store")
        .send(whoAmI(principal, csrfToken, session.expiresAt));
    },
  );

  app.post(
    "/api/v1/auth/logout",
    {
      config: { access: "public" },
      schema: {
        summary: "End the session and clear its cookie",
        tags,
        response: { 204: NoContent },
      },
    },
    async (request, reply) => {
      const id = sessionIdOf(request, cookie);
      if (id !== undefined) {
        // For the audit entry; a session that already ended logs out all the same.
        request.principal = await auth.authenticateSession(id).then(
          (session) => session.principal,
          (error: unknown) => {
            if (errorCodeOf(error) !== "unauthorized") throw error;
            return null;
          },
        );
        await auth.destroySession(id);
      }
      return reply.clearCookie(cookie.name, { path: COOKIE_PATH }).code(204).send(null);
    },
  );

  app.get(
    "/api/v1/auth/me",
    {
      config: { access: "viewer" },
      schema: {
        summary: "Who you are, and your session's CSRF token (again, for a reloaded page)",
        tags,
        response: { 200: WhoAmISchema },
      },
    },
    async (request, reply) =>
      reply
        .header("cache-control", "no-store")
        .send(whoAmI(principalOf(request), csrfTokens.get(request))),
  );
}

/**
 * The auth plugin: `app.register(authPlugin(auth, options))`, before the routes. Adds
 * `request.principal` and `request.auditTarget`, an onRequest hook (authentication, CSRF,
 * access), an onResponse hook (audit), and registers @fastify/cookie unless the app has.
 */
export function authPlugin(auth: AuthService, options: AuthPluginOptions = {}): FastifyPluginAsync {
  const cookie: SessionCookie = {
    name: options.cookieName ?? SESSION_COOKIE,
    secure: options.secureCookie ?? "auto",
  };
  const plugin = async (app: FastifyInstance): Promise<void> => {
    if (!app.hasRequestDecorator("cookies")) await app.register(fastifyCookie);
    app.decorateRequest("principal", null);
    const csrfTokens = new WeakMap<FastifyRequest, string>();
    app.addHook("onRequest", authenticateRequest(auth, cookie, csrfTokens));
    app.addHook("preHandler", authorizeJobStart);
    registerAudit(app, auth);
    registerSessionRoutes(app, auth, cookie, csrfTokens);
    registerUserRoutes(app, auth, (request) => sessionIdOf(request, cookie));
    registerTokenRoutes(app, auth);
    registerLoginPage(app);
  };
  // What fastify-plugin does: the hooks and decorators reach the whole app, not a child scope.
  return Object.assign(plugin, {
    [Symbol.for("skip-override")]: true,
    [Symbol.for("fastify.display-name")]: "sundial-auth",
  });
}
