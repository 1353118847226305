import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from "fastify";
import { expect } from "vitest";
import type { Access } from "../../src/auth/auth.js";
import { AUTH_LOG_REDACT, type AuthPluginOptions, authPlugin } from "../../src/auth/auth.routes.js";
import type { AuthService } from "../../src/auth/auth.service.js";
import { requireStartJob } from "../../src/auth/permissions.js";
import { ERROR_CODES, errorCodeOf, SundialError } from "../../src/errors.js";
import { openStore } from "../../src/store/open-store.js";
import type { Store } from "../../src/store/store.js";

/** The error a promise rejects with; fails the test when it resolves. */
export async function refusalOf(
  promise: Promise<unknown>,
): Promise<SundialError & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(SundialError);
    return error as SundialError & Record<string, unknown>;
  }
  throw new Error("expected a refusal, but it succeeded");
}

/** Fresh SQLite files in temp folders, removed by {@link removeSqliteFiles}. */
const dirs: string[] = [];

export async function openSqliteStore(): Promise<Store> {
  const dir = await mkdtemp(join(tmpdir(), "sundial-auth-"));
  dirs.push(dir);
  return openStore({ database: join(dir, "sundial.db") });
}

export async function removeSqliteFiles(): Promise<void> {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

export const TEST_ACCESS_LEVELS = ["public", "viewer", "operator", "admin", "unset"] as const;

export interface TestApp {
  readonly app: FastifyInstance;
  /** Every log line the app wrote, as JSON text. */
  readonly logs: string[];
}

/**
 * A small app as src/api will build it: problem+json errors, the auth plugin before the
 * routes, and a GET and a POST route at `/test/<level>` for each access level (`unset`
 * declares none), plus `POST /test/jobs/:type` that checks the right to start a job type.
 * Its logger logs headers and bodies, so that a test proves the redaction, not the default
 * serializers' silence.
 */
export async function testApp(
  auth: AuthService,
  options: AuthPluginOptions = {},
): Promise<TestApp> {
  const logs: string[] = [];
  const app = Fastify({
    logger: {
      level: "trace",
      redact: [...AUTH_LOG_REDACT],
      stream: { write: (line: string) => logs.push(line) },
      serializers: {
        req: (req) => ({ method: req.method, url: req.url, headers: req.headers }),
        res: (reply) => ({
          statusCode: reply.statusCode,
          headers: (reply as unknown as { getHeaders(): unknown }).getHeaders(),
        }),
      },
    },
  });
  app.setErrorHandler((error, request, reply) => {
    const code = errorCodeOf(error);
    const { status } = ERROR_CODES[code];
    const field = error instanceof SundialError ? error.field : undefined;
    const detail = error instanceof Error ? error.message : String(error);
    if (status >= 500) request.log.error({ err: error }, "request failed");
    else request.log.info({ code, field }, detail);
    return reply
      .code(status)
      .type("application/problem+json")
      .send({ type: `urn:sundial:error:${code}`, title: code, status, code, detail, field });
  });
  await app.register(authPlugin(auth, options));
  app.addHook("preHandler", async (request) => {
    request.log.debug({ body: request.body }, "request body");
  });
  for (const level of TEST_ACCESS_LEVELS) {
    const config: { access?: Access } = level === "unset" ? {} : { access: level };
    app.get(`/test/${level}`, { config }, async (request) => ({
      who: request.principal?.name ?? null,
    }));
    app.post(`/test/${level}`, { config }, async (request) => ({
      who: request.principal?.name ?? null,
    }));
  }
  app.post<{ Params: { type: string } }>(
    "/test/jobs/:type",
    { config: { access: "viewer" } },
    async (request) => {
      requireStartJob(
        request.principal as NonNullable<typeof request.principal>,
        request.params.type,
      );
      return { started: request.params.type };
    },
  );
  await app.ready();
  return { app, logs };
}

/** The session cookie a login response set, as `name=value` for a Cookie header. */
export function sessionCookieOf(response: LightMyRequestResponse): string {
  const cookie = response.cookies.find((c) => c.name === "sundial_session");
  if (cookie === undefined) throw new Error(`no session cookie in ${response.statusCode} response`);
  return `${cookie.name}=${cookie.value}`;
}
