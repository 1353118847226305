/**
 * Every error the API answers is `application/problem+json` (RFC 9457) carrying the
 * registry's stable `code` (src/errors.ts), so clients branch on the code, never the text:
 * `{ type, title, status, code, detail, field? }`. Errors thrown by services, Fastify's
 * own errors (a malformed or oversized body, an unknown route) and unexpected failures all
 * end here.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { type Static, Type } from "typebox";
import { ERROR_CODES, type ErrorCode, errorCodeOf } from "../errors.js";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

const CODES = Object.keys(ERROR_CODES) as ErrorCode[];

/**
 * The body of every error, as a route schema: the routes name it for their error statuses
 * ({@link problemResponses}), so the OpenAPI document shows it and Fastify serializes
 * problems with it. It must name every field {@link problem} sets: the serializer drops
 * any other.
 */
export const ProblemSchema = Type.Object(
  {
    type: Type.String({
      description:
        "`urn:sundial:error:<code>`: stable, and the same for every problem with the code",
    }),
    title: Type.String({ description: 'The code in words, e.g. "Not found"' }),
    status: Type.Integer({ description: "The HTTP status" }),
    // A string with an enum rather than a union of literals: the serializer writes a
    // literal's value whatever the data holds.
    code: Type.Unsafe<ErrorCode>({
      type: "string",
      enum: CODES,
      description: "Stable: branch on it, never on `detail` (docs/errors.md)",
    }),
    detail: Type.String({ description: "What went wrong and what to do, for people" }),
    field: Type.Optional(
      Type.String({ description: "The field, parameter or header at fault, when there is one" }),
    ),
  },
  { description: "An RFC 9457 problem (`application/problem+json`)" },
);

/** What every error answers; see {@link ProblemSchema}. */
export type Problem = Readonly<Static<typeof ProblemSchema>>;

/** A response of a route schema whose body is a problem. */
export interface ProblemResponse {
  readonly description: string;
  readonly content: { readonly [PROBLEM_CONTENT_TYPE]: { readonly schema: typeof ProblemSchema } };
}

/**
 * The error responses of a route schema, one per status of the codes given (codes that
 * share a status share the entry, whose description names them all):
 * `response: { 200: JobSchema, ...problemResponses("notFound", "conflict") }`.
 * The errors every route may give (401 and 403 by its access, 400 for its input, 413 for a
 * body, 500) are added to the OpenAPI document for all routes (src/api/openapi.ts).
 */
export function problemResponses(...codes: readonly ErrorCode[]): Record<number, ProblemResponse> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const { status } = ERROR_CODES[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, shared]) => [
      status,
      {
        description: shared.map((code) => `\`${code}\`: ${ERROR_CODES[code].summary}`).join(" "),
        content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } },
      },
    ]),
  );
}

/** The problem for `code`. */
export function problem(code: ErrorCode, detail: string, field?: string): Problem {
  const words = code.replace(/[A-Z]/g, (letter) => ` ${letter.toLowerCase()}`);
  return {
    type: `urn:sundial:error:${code}`,
    title: words.charAt(0).toUpperCase() + words.slice(1),
    status: ERROR_CODES[code].status,
    code,
    detail,
    ...(field === undefined ? {} : { field }),
  };
}

/** Fastify's own request errors, in the words of the registry. */
function fastifyProblem(error: FastifyError, bodyLimit: number): Problem | undefined {
  switch (error.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return problem(
        "payloadTooLarge",
        `body: is larger than the ${bodyLimit} bytes the server accepts; send less`,
        "body",
      );
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return problem("badRequest", "body: is not valid JSON", "body");
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return problem(
        "badRequest",
        "body: is empty while content-type says JSON; send a JSON body, or no content-type",
        "body",
      );
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return problem(
        "badRequest",
        "content-type: is not supported; send the body as application/json",
        "content-type",
      );
  }
  // Other request errors Fastify raises itself (a bad URL, a wrong content-length).
  const status = error.statusCode ?? 500;
  if (error.code?.startsWith("FST_") && status >= 400 && status < 500) {
    return problem("badRequest", error.message);
  }
  return undefined;
}

/**
 * The problem for anything thrown: a registered code keeps its message and field; an
 * unexpected failure says only that it happened (its message may hold internals such as
 * SQL), and is logged in full by {@link registerProblems}.
 */
export function problemOf(error: unknown, bodyLimit: number): Problem {
  const code = errorCodeOf(error);
  if (code !== "internal") {
    const { message, field } = error as { message?: unknown; field?: unknown };
    return problem(
      code,
      typeof message === "string" ? message : code,
      typeof field === "string" && field !== "" ? field : undefined,
    );
  }
  return (
    fastifyProblem(error as FastifyError, bodyLimit) ??
    problem(
      "internal",
      "An unexpected failure inside Sundial; the server log has the details under this request's id.",
    )
  );
}

/** Sends `p` as problem+json. */
export function sendProblem(reply: FastifyReply, p: Problem): FastifyReply {
  return reply.code(p.status).type(PROBLEM_CONTENT_TYPE).send(p);
}

/** Answers every error and unknown route of `app` with problem+json. */
export function registerProblems(app: FastifyInstance, bodyLimit: number): void {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const p = problemOf(error, bodyLimit);
    if (p.status >= 500) request.log.error({ err: error }, "request failed");
    else request.log.info({ code: p.code, field: p.field }, p.detail);
    return sendProblem(reply, p);
  });
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) =>
    sendProblem(
      reply,
      problem(
        "notFound",
        `No route ${request.method} ${request.url.split("?")[0]}; see /api/docs for the routes`,
      ),
    ),
  );
}
