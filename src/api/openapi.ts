/**
 * The OpenAPI document, built from the route schemas (so it can't drift from what the
 * routes check and answer), at `/api/openapi.json`, and the docs UI at `/api/docs`; and the
 * helpers route files use to write their response schemas.
 *
 * Response schemas are not only documentation: Fastify serializes each answer with the
 * schema of its status, and silently drops any property the schema does not name, writes a
 * literal's value whatever the data holds, and turns `null` into `""` or `0` unless the
 * schema allows it. Hence the rules route files follow: every field of what a handler
 * returns is in its schema ({@link SameKeys} makes a missing one a compile error), nullable
 * fields say so ({@link Nullable}), enums are strings with an `enum` ({@link StringEnum}),
 * and free-form JSON is `Type.Unknown()` (written as it is).
 */
import { readFileSync } from "node:fs";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance, RouteOptions } from "fastify";
import { type Static, type TSchema, Type } from "typebox";
import type { ErrorCode } from "../errors.js";
import type { Access } from "./access.js";
import { problemResponses } from "./problem.js";

/** Read once; from src/api/ under the tests and dist/api/ when built, package.json is two up. */
const VERSION = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  }
).version;

/**
 * `schema` or `null`, as `type: [<type>, "null"]` (OpenAPI 3.1), which the serializer
 * writes without trying each branch of an `anyOf`. For schemas with one `type`.
 * @example runBy: Nullable(Type.Object({ id: Type.String(), name: Type.String() }))
 */
export function Nullable<S extends TSchema & { readonly type: string }>(schema: S) {
  return Type.Unsafe<Static<S> | null>({ ...schema, type: [schema.type, "null"] });
}

/**
 * One of `values`, as `{ type: "string", enum }`: a union of literals would be written
 * by the serializer as whichever literal it matched first, never checked against the data.
 * @example status: StringEnum(JOB_STATUSES)
 */
export function StringEnum<const T extends readonly string[]>(
  values: T,
  options: { readonly description?: string } = {},
) {
  return Type.Unsafe<T[number]>({ type: "string", enum: [...values], ...options });
}

/**
 * `true` when the schema's type `S` names exactly the keys of `T`, else the keys that
 * differ; see {@link sameKeys}.
 */
export type SameKeys<S, T> = [Exclude<keyof T, keyof S>, Exclude<keyof S, keyof T>] extends [
  never,
  never,
]
  ? true
  : {
      readonly notInSchema: Exclude<keyof T, keyof S>;
      readonly notInType: Exclude<keyof S, keyof T>;
    };

/**
 * Checks at compile time, and does nothing at run time: a route file calls it for each
 * response schema and the type its service returns, so that a field added to the type but
 * not to the schema (which the serializer would drop) fails to compile, naming the field.
 * @example sameKeys<Static<typeof JobSchema>, Job>(true);
 */
export function sameKeys<S, T>(_same: SameKeys<S, T>): void {}

/** A 200 `text/…` answer, such as Prometheus text or an event stream. */
export function textResponse(mediaType: string, description: string) {
  return { description, content: { [mediaType]: { schema: Type.String() } } };
}

/** A 204 answer: the schema says there is no body. */
export const NoContent = Type.Null({ description: "No content" });

/** The route schema as @fastify/swagger hands it over: anything a route declared. */
interface DocumentedSchema {
  readonly body?: unknown;
  readonly querystring?: unknown;
  readonly params?: unknown;
  readonly headers?: unknown;
  readonly response?: Readonly<Record<string, unknown>>;
  readonly [key: string]: unknown;
}

const SECURITY = [{ bearer: [] }, { session: [] }];

/**
 * Adds to a route's document what every route may answer, so that route files list only
 * their own errors: 401 and 403 unless public, 400 for a route that checks input, 413 for
 * one that takes a body, 500 for all; and the credentials it takes. Only the document
 * changes: Fastify serializes these problems without a schema, which drops nothing.
 */
function withCommonResponses(schema: DocumentedSchema | undefined, route: RouteOptions) {
  const access = (route.config as { access?: Access } | undefined)?.access ?? "admin";
  const given = schema ?? {};
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  const takesBody = methods.some(
    (method) => !["GET", "HEAD", "DELETE", "OPTIONS"].includes(method),
  );
  const codes: ErrorCode[] = ["internal"];
  if (access !== "public") codes.push("unauthorized", "forbidden");
  if (takesBody || given.querystring || given.params || given.headers) codes.push("badRequest");
  if (takesBody) codes.push("payloadTooLarge");
  return {
    ...given,
    ...(access === "public" ? { security: [] } : { security: SECURITY }),
    response: { ...problemResponses(...codes), ...given.response },
  };
}

/** Registers the document and the UI; call before the routes, whose schemas it collects. */
export function registerOpenApi(app: FastifyInstance): void {
  app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Sundial",
        version: VERSION,
        description:
          "Schedules, jobs and triggers. Every error is application/problem+json: `{ type, title, status, code, detail, field? }`, where `code` is stable (docs/errors.md).",
      },
      tags: [
        { name: "schedules", description: "Schedules and the scheduler" },
        { name: "triggers", description: "Checking and previewing triggers" },
        { name: "jobs", description: "Jobs: find, follow and command them" },
        { name: "connections", description: "Stored connections, secrets masked" },
        { name: "auth", description: "Logging in, users, groups, API tokens, the audit log" },
        { name: "health", description: "Liveness and readiness" },
        { name: "metrics", description: "Prometheus metrics" },
      ],
      components: {
        securitySchemes: {
          bearer: {
            type: "http",
            scheme: "bearer",
            description: "An API token (`sundial_…`), from `POST /api/v1/tokens`",
          },
          session: {
            type: "apiKey",
            in: "cookie",
            name: "sundial_session",
            description:
              "The session cookie `POST /api/v1/auth/login` sets; changes also send its CSRF token as `X-CSRF-Token`",
          },
        },
      },
    },
    transform: ({ schema, url, route }) => ({
      schema: withCommonResponses(schema as DocumentedSchema | undefined, route) as never,
      url,
    }),
  });
  app.register(swaggerUi, { routePrefix: "/api/docs" });
  app.register(async (scope) => {
    scope.get(
      "/api/openapi.json",
      { config: { access: "viewer" }, schema: { hide: true } },
      async () => app.swagger(),
    );
  });
}
