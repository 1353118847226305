/**
 * The task scanner over HTTP: execute a `taskScanner` schedule now (answering its run, or
 * its end when asked to wait), cancel a run, list runs and read one. Thin: each route
 * checks its input against its schema and calls the service.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyReply, FastifyRequest } from "fastify";
import { type Static, Type } from "typebox";
import { Nullable, sameKeys } from "../api/openapi.js";
import { problemResponses } from "../api/problem.js";
import { SCANNER_JOB_TYPE } from "./scan-context.js";
import { ENDED_SCAN_STATES, SCAN_STATES, type ScanProgress, type ScanRun } from "./scan-run.js";
import type { ScannerService } from "./scanner.service.js";

export interface ScannerRoutesOptions {
  readonly scanner: ScannerService;
  /**
   * Refuses (throws `forbidden`) a caller who may not start `taskScanner` jobs: auth's
   * rule, given by the app. Without it, whoever may reach execute may execute.
   */
  readonly authorizeStart?: (request: FastifyRequest, jobType: string) => void;
}

const tags = ["scanner"];
const Instant = (description: string) =>
  Type.Integer({ description: `${description} (ms since 1970-01-01 UTC)` });
const Count = (description: string) => Type.Integer({ minimum: 0, description });

const ProgressSchema = Type.Object(
  {
    state: Type.Unsafe<ScanProgress["state"]>({ type: "string", enum: [...SCAN_STATES] }),
    total: Count("Records that matched (at most maxRecords)"),
    processed: Count("Records dealt with: successes, failures and skipped"),
    successes: Count("Tasks that succeeded (taskState.completed set)"),
    failures: Count("Tasks that failed (left started, tried again after recovery.timeout)"),
    skipped: Count("Records another scanner claimed first"),
  },
  { description: "How far the run has got" },
);
sameKeys<Static<typeof ProgressSchema>, ScanProgress>(true);

export const ScanRunSchema = Type.Object(
  {
    id: Type.String({ description: "The run's taskScanner job's id" }),
    schedule: Nullable(Type.String({ description: "The schedule scanned for" })),
    progress: ProgressSchema,
    message: Nullable(Type.String({ description: "Why it ended in ERROR, or was put back" })),
    node: Nullable(Type.String({ description: "The node that runs (or ran) it" })),
    startedBy: Nullable(Type.String({ description: "Who executed it; null for a fire" })),
    createdAt: Instant("When it was executed or fired"),
    startedAt: Nullable(Instant("When its scan started")),
    endedAt: Nullable(Instant("When it ended")),
    updatedAt: Instant("When its progress was last written"),
  },
  { description: "A task scanner run (docs/scanner.md)" },
);
sameKeys<Static<typeof ScanRunSchema>, ScanRun>(true);

const RunList = Type.Object({
  result: Type.Array(ScanRunSchema, { description: "Newest first" }),
  resultCount: Type.Integer(),
});

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });
const NameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) });

const ExecuteQuery = Type.Object(
  {
    waitForCompletion: Type.Optional(
      Type.Boolean({
        description: "Answer once the run has ended; default the schedule's waitForCompletion",
      }),
    ),
    timeout: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 600_000,
        description:
          "How long to wait at most (ms); default 30000. A run still going then is answered 202, as it is",
      }),
    ),
  },
  { additionalProperties: false },
);

const ListQuery = Type.Object(
  {
    schedule: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    state: Type.Optional(
      Type.Union([
        Type.Literal("INITIALIZED"),
        Type.Literal("ACTIVE"),
        Type.Literal("COMPLETED"),
        Type.Literal("CANCELLED"),
        Type.Literal("ERROR"),
      ]),
    ),
    _size: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1000, description: "How many at most; default 100" }),
    ),
  },
  { additionalProperties: false },
);

export const scannerRoutes: FastifyPluginAsyncTypebox<ScannerRoutesOptions> = async (
  app,
  { scanner, authorizeStart },
) => {
  // Ends a wait (not the run) when the client goes away or the server closes.
  const closing = new AbortController();
  app.addHook("onClose", async () => closing.abort());
  function untilGone(reply: FastifyReply): AbortSignal {
    const gone = new AbortController();
    const stop = () => gone.abort();
    closing.signal.addEventListener("abort", stop, { once: true });
    reply.raw.once("close", () => {
      closing.signal.removeEventListener("abort", stop);
      stop();
    });
    return gone.signal;
  }

  app.post(
    "/scanner/schedules/:name/execute",
    {
      // Any user may ask; auth allows operators, and groups granted taskScanner jobs.
      config: { access: "viewer" },
      schema: {
        summary: "Run a task scanner schedule's scan now",
        description:
          "Starts a run (a new `taskScanner` job, run by whichever node is free) and answers it: 202 while it has not ended, 200 once it has (with `waitForCompletion`). Operators and admins may execute, and users of a group granted `taskScanner`.",
        tags,
        params: NameParams,
        querystring: ExecuteQuery,
        response: {
          200: ScanRunSchema,
          202: ScanRunSchema,
          ...problemResponses("notFound"),
        },
      },
    },
    async (request, reply) => {
      authorizeStart?.(request, SCANNER_JOB_TYPE);
      const principal = request.principal;
      const run = await scanner.execute(request.params.name, {
        runBy: principal ? { id: principal.userId, name: principal.name } : undefined,
        waitForCompletion: request.query.waitForCompletion,
        maxWaitMs: request.query.timeout,
        signal: untilGone(reply),
      });
      const ended = ENDED_SCAN_STATES.includes(run.progress.state);
      return reply.code(ended ? 200 : 202).send(run);
    },
  );

  app.post(
    "/scanner/runs/:id/cancel",
    {
      config: { access: "operator" },
      schema: {
        summary: "Cancel a run that has not ended",
        description:
          "A run waiting to start is cancelled with its job; a running one is stopped (its tasks interrupted, the records it has not reached left as they are), and answered once it has stopped (or after 10 s, as it then is).",
        tags,
        params: IdParams,
        response: { 200: ScanRunSchema, ...problemResponses("notFound", "conflict") },
      },
    },
    async (request) => scanner.cancel(request.params.id),
  );

  app.get(
    "/scanner/runs",
    {
      config: { access: "viewer" },
      schema: {
        summary: "Scan runs, newest first",
        description:
          "Runs under way and the newest ended ones (the server keeps `scanRunsKept`, default 100). Answers `{ result, resultCount }`.",
        tags,
        querystring: ListQuery,
        response: { 200: RunList },
      },
    },
    async (request) => {
      const { schedule, state, _size } = request.query;
      const result = await scanner.list({ schedule, state, limit: _size });
      return { result, resultCount: result.length };
    },
  );

  app.get(
    "/scanner/runs/:id",
    {
      config: { access: "viewer" },
      schema: {
        summary: "A scan run",
        tags,
        params: IdParams,
        response: { 200: ScanRunSchema, ...problemResponses("notFound") },
      },
    },
    async (request) => scanner.get(request.params.id),
  );
};

/** For the UI's typed client: the list query. */
export type ScanRunListQuery = Static<typeof ListQuery>;
