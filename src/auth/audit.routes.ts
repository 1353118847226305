/**
 * The audit log: every request that may change something (any method but GET, HEAD and
 * OPTIONS) that reached a route is written down after its response, allowed or refused,
 * with who, what, the status and where from. Admins read it at `GET /api/v1/audit`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { Type } from "typebox";
import type { AuthService } from "./auth.service.js";
import { AuditQuerySchema } from "./auth-input.js";
import { AuditEntrySchema, authValidatorCompiler } from "./auth-schemas.js";
import { SAFE_METHODS } from "./request-auth.js";

declare module "fastify" {
  interface FastifyRequest {
    /**
     * What the change was about, for the audit entry, when the URL does not say (the name
     * of a user being created); else the route's `id` or `name` parameter.
     */
    auditTarget: string | null;
  }
}

function targetOf(request: FastifyRequest): string | null {
  if (request.auditTarget !== null) return request.auditTarget;
  const params = (request.params ?? {}) as Record<string, unknown>;
  const value = params.id ?? params.name ?? Object.values(params)[0];
  return typeof value === "string" ? value : null;
}

/** Adds the audit hook and route to `app`. */
export function registerAudit(app: FastifyInstance, auth: AuthService): void {
  app.decorateRequest("auditTarget", null);
  const pending = new Set<Promise<void>>();

  app.addHook("onResponse", async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.is404 || SAFE_METHODS.has(request.method)) return;
    const principal = request.principal;
    const write = auth
      .recordAudit({
        userId: principal?.userId ?? null,
        userName: principal?.name ?? null,
        tokenId: principal?.tokenId ?? null,
        method: request.method,
        route: request.routeOptions.url ?? request.url.split("?")[0] ?? "",
        target: targetOf(request),
        status: reply.statusCode,
        ip: request.ip,
      })
      // The response is gone; a lost entry can only be reported, loudly.
      .catch((error: unknown) =>
        request.log.error({ err: error }, "could not write the audit entry"),
      )
      .finally(() => pending.delete(write));
    pending.add(write);
  });
  // Closing waits for entries still being written, so a shutdown loses none.
  app.addHook("onClose", async () => {
    await Promise.all(pending);
  });

  app.get(
    "/api/v1/audit",
    {
      config: { access: "admin" },
      schema: {
        summary: "Audit entries, newest first",
        tags: ["auth"],
        querystring: AuditQuerySchema,
        response: { 200: Type.Array(AuditEntrySchema) },
      },
      validatorCompiler: authValidatorCompiler,
    },
    async (request) => auth.listAudit(request.query),
  );
}
