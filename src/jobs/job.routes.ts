/**
 * Jobs over HTTP: find, read, logs, commands (stop, cancel, resume, retry, priority),
 * a long-polling wait and a Server-Sent Events feed, and running a job type now. Thin:
 * each route checks its input against its schema and calls the service.
 */
import type { ServerResponse } from "node:http";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyReply } from "fastify";
import { type Static, Type } from "typebox";
import { Nullable, StringEnum, sameKeys, textResponse } from "../api/openapi.js";
import { problemResponses } from "../api/problem.js";
import { type ErrorCode, errorCodeOf, SundialError } from "../errors.js";
import { LOG_LEVELS } from "../store/store.js";
import { EnqueueOptionsSchema } from "./enqueue-request.js";
import { ENDED_STATUSES, JOB_STATUSES, type Job } from "./job.js";
import type { JobLog, JobService } from "./job.service.js";
import { followJob, type JobFeedEvent } from "./job-feed.js";
import { JobFindQuerySchema, JobLogQuerySchema } from "./job-query.js";

export interface JobRoutesOptions {
  readonly jobs: JobService;
  /** How often an event stream reads the store; default 500 ms. */
  readonly feedPollMs?: number;
}

const DEFAULT_WAIT_MS = 30_000;
/** SSE comments this often keep proxies from closing a quiet stream. */
const KEEPALIVE_MS = 15_000;

const Instant = (description: string) =>
  Type.Integer({ description: `${description} (ms since 1970-01-01 UTC)` });

/** A job as the API answers it: every field of {@link Job}, which the serializer would drop otherwise. */
export const JobSchema = Type.Object(
  {
    id: Type.String({ description: "Sortable by creation: a later job has a greater id" }),
    type: Type.String({ description: "Its job type" }),
    label: Nullable(Type.String()),
    status: StringEnum(JOB_STATUSES),
    hasErrors: Type.Boolean(),
    progress: Type.Integer({ minimum: 0, maximum: 100 }),
    waiting: Type.Integer({
      description:
        "ms from creation to its (last) start; while it has not started, to now (or its end)",
    }),
    duration: Type.Integer({
      description:
        "ms from its (last) start to its end; while it runs, to now; 0 if it never started",
    }),
    createDate: Instant("When it was created"),
    startDate: Nullable(Instant("When its last attempt started")),
    endDate: Nullable(Instant("When it ended")),
    runBy: Nullable(
      Type.Object(
        { id: Type.String(), name: Type.String() },
        { description: "Who asked for it to run" },
      ),
    ),
    data: Type.Unknown({ description: "Its data (the invoke context), as JSON" }),
    results: Type.Unknown({ description: "What its handler returned, as JSON; null until then" }),
    scheduleId: Nullable(Type.String({ description: "The schedule whose fire made it" })),
    fireTime: Nullable(Instant("That fire's instant")),
    lowPriority: Type.Boolean({ description: "Runs only when no normal job is waiting" }),
    priority: Type.Integer({ description: "Higher runs first" }),
    attempt: Type.Integer({ description: "Runs started so far" }),
    maxAttempts: Type.Integer(),
    node: Nullable(Type.String({ description: "The node running it, while RUNNING or STOPPING" })),
    firedBy: Nullable(Type.String({ description: "The node that claimed the schedule's fire" })),
    reason: Nullable(
      Type.String({
        description:
          "Why it is as it is when the status alone doesn't say: `retry`, `timeout`, `missed`, `leaseExpired`",
      }),
    ),
    runAt: Instant("Not started before this instant"),
  },
  { description: "A job (docs/glossary.md)" },
);
sameKeys<Static<typeof JobSchema>, Job>(true);

/** A log line of a job. */
export const JobLogSchema = Type.Object({
  id: Type.Integer({ description: "Increasing: the SSE event id of the line" }),
  jobId: Type.String(),
  at: Instant("When it was written"),
  level: StringEnum(LOG_LEVELS),
  message: Type.String(),
  additionalInfo: Type.Unknown({ description: "JSON the handler added, or null" }),
});
sameKeys<Static<typeof JobLogSchema>, JobLog>(true);

const JobList = Type.Object({
  result: Type.Array(JobSchema, { description: "Newest created first" }),
  resultCount: Type.Integer(),
});
const LogList = Type.Object({
  result: Type.Array(JobLogSchema, { description: "Oldest first" }),
  resultCount: Type.Integer(),
});

// Named as the service names it, so a notFound and a bad path name the same field.
const IdParams = Type.Object({ jobId: Type.String({ minLength: 1, maxLength: 200 }) });

const EnqueueBody = Type.Object(
  {
    type: Type.String({
      minLength: 1,
      description: "A defined job type: `script`, `command`, `http`, or one the server defines",
    }),
    data: Type.Optional(Type.Unknown({ description: "The job's data (its invoke context)" })),
    options: Type.Optional(EnqueueOptionsSchema),
  },
  { additionalProperties: false },
);

const WaitQuery = Type.Object(
  {
    status: Type.Optional(
      Type.String({
        description: `Comma-separated statuses to wait for; default ${ENDED_STATUSES.join(",")}`,
      }),
    ),
    timeout: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 600_000,
        description: `How long to wait (ms) before answering 408 \`timeout\`; default ${DEFAULT_WAIT_MS}`,
      }),
    ),
  },
  { additionalProperties: false },
);

const EventsHeaders = Type.Object({
  "last-event-id": Type.Optional(
    Type.String({
      pattern: "^[0-9]{1,15}$",
      description: "The id of the last log line received: a reconnecting stream resumes after it",
    }),
  ),
});

/** The commands that take a job id and answer the job as it then is. */
const COMMANDS: readonly {
  readonly method: "POST" | "DELETE";
  readonly path: string;
  readonly summary: string;
  /** What it may answer besides the job: a job's status may not allow the command. */
  readonly errors: readonly ErrorCode[];
  readonly run: (jobs: JobService, jobId: string) => Promise<Job>;
}[] = [
  {
    method: "POST",
    path: "stop",
    summary: "Ask a RUNNING job to stop (it ends STOPPED, resumable)",
    errors: ["notFound", "conflict"],
    run: (jobs, id) => jobs.stop(id),
  },
  {
    method: "POST",
    path: "cancel",
    summary: "Cancel a PENDING or STOPPED job, for good",
    errors: ["notFound", "conflict"],
    run: (jobs, id) => jobs.cancel(id),
  },
  {
    method: "POST",
    path: "resume",
    summary: "Put a STOPPED job back in line, with its checkpoint",
    errors: ["notFound", "conflict"],
    run: (jobs, id) => jobs.resume(id),
  },
  {
    method: "POST",
    path: "low-priority",
    summary: "Run the job only when no normal job is waiting",
    errors: ["notFound"],
    run: (jobs, id) => jobs.setLowPriority(id),
  },
  {
    method: "DELETE",
    path: "low-priority",
    summary: "Give the job its normal place in line",
    errors: ["notFound"],
    run: (jobs, id) => jobs.removeLowPriority(id),
  },
];

/** One Server-Sent Event: log lines carry their id, so a reconnect resumes after the last. */
function sseChunk(event: JobFeedEvent): string {
  const data =
    event.kind === "log"
      ? event.log
      : event.kind === "progress"
        ? { jobId: event.jobId, progress: event.progress }
        : event.job;
  const id = event.kind === "log" ? `id: ${event.log.id}\n` : "";
  return `${id}event: ${event.kind}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** Writes, waiting for the client to take it when its buffer is full. */
async function write(res: ServerResponse, text: string): Promise<void> {
  if (res.destroyed || res.write(text)) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

export const jobRoutes: FastifyPluginAsyncTypebox<JobRoutesOptions> = async (app, options) => {
  const { jobs } = options;
  const tags = ["jobs"];

  // Long polls and event streams end when the server closes, rather than hold it open.
  const closing = new AbortController();
  app.addHook("preClose", async () => {
    closing.abort(
      new SundialError(
        "unavailable",
        "The server is shutting down; ask again once it is back, or ask another node.",
      ),
    );
  });

  /** Aborted when the server closes or the client goes away (or the answer is sent). */
  function untilGone(reply: FastifyReply): AbortSignal {
    const controller = new AbortController();
    const onClosing = () => controller.abort(closing.signal.reason);
    closing.signal.addEventListener("abort", onClosing, { once: true });
    reply.raw.once("close", () => {
      closing.signal.removeEventListener("abort", onClosing);
      controller.abort(new SundialError("unavailable", "The client closed the connection."));
    });
    return controller.signal;
  }

  const created = (reply: FastifyReply, job: Job) =>
    reply.code(201).header("location", `${app.prefix}/jobs/${job.id}`).send(job);

  app.get(
    "/jobs",
    {
      config: { access: "viewer" },
      schema: {
        summary: "Jobs matching the query, newest created first",
        description: "Answers `{ result, resultCount }`.",
        tags,
        querystring: JobFindQuerySchema,
        response: { 200: JobList },
      },
    },
    async (request) => {
      const result = await jobs.find(request.query);
      return { result, resultCount: result.length };
    },
  );

  app.post(
    "/jobs",
    {
      // Any user may ask; auth allows operators any type, others the types their groups were granted.
      config: { access: "viewer", startsJob: true },
      schema: {
        summary: "Run a job type now (or at `options.runAt`)",
        description:
          "Operators and admins may start any type; other users the types their groups are granted. The caller becomes the job's `runBy`.",
        tags,
        body: EnqueueBody,
        response: { 201: JobSchema },
      },
    },
    async (request, reply) => {
      const { type, data, options: enqueueOptions } = request.body;
      return created(reply, await jobs.enqueue(type, data, enqueueOptions));
    },
  );

  app.get(
    "/jobs/:jobId",
    {
      config: { access: "viewer" },
      schema: {
        summary: "A job",
        tags,
        params: IdParams,
        response: { 200: JobSchema, ...problemResponses("notFound") },
      },
    },
    async (request) => jobs.findById(request.params.jobId),
  );

  app.get(
    "/jobs/:jobId/logs",
    {
      config: { access: "viewer" },
      schema: {
        summary: "A job's log lines, oldest first",
        description: "Answers `{ result, resultCount }`.",
        tags,
        params: IdParams,
        querystring: JobLogQuerySchema,
        response: { 200: LogList, ...problemResponses("notFound") },
      },
    },
    async (request) => {
      const result = await jobs.logs(request.params.jobId, request.query);
      return { result, resultCount: result.length };
    },
  );

  for (const { method, path, summary, errors, run } of COMMANDS) {
    app.route({
      method,
      url: `/jobs/:jobId/${path}`,
      config: { access: "operator" },
      schema: {
        summary,
        description:
          "Answers the job as it then is; a command the job is already past answers it as it is.",
        tags,
        params: IdParams,
        response: { 200: JobSchema, ...problemResponses(...errors) },
      },
      handler: async (request) => run(jobs, request.params.jobId),
    });
  }

  app.post(
    "/jobs/:jobId/retry",
    {
      config: { access: "operator" },
      schema: {
        summary: "Run a failed or canceled job again, as a new job (answered, 201)",
        tags,
        params: IdParams,
        response: { 201: JobSchema, ...problemResponses("notFound", "conflict") },
      },
    },
    async (request, reply) => created(reply, await jobs.retry(request.params.jobId)),
  );

  app.get(
    "/jobs/:jobId/wait",
    {
      config: { access: "viewer" },
      schema: {
        summary: "Wait until the job is in one of the statuses (long poll)",
        description:
          "Answers the job at once if it already is, else when it gets there; 408 `timeout` when `timeout` ms pass first; 503 `unavailable` when the server shuts down meanwhile.",
        tags,
        params: IdParams,
        querystring: WaitQuery,
        response: {
          200: JobSchema,
          ...problemResponses("notFound", "timeout", "unavailable"),
        },
      },
    },
    async (request, reply) => {
      try {
        return await jobs.waitForJob(
          request.params.jobId,
          request.query.status ?? ENDED_STATUSES,
          request.query.timeout ?? DEFAULT_WAIT_MS,
          untilGone(reply),
        );
      } catch (error) {
        // The library calls the list `statuses`; here it is the `status` parameter.
        if (error instanceof SundialError && error.field === "statuses") {
          throw new SundialError("badRequest", error.message.replace(/^statuses:/, "status:"), {
            field: "status",
          });
        }
        throw error;
      }
    },
  );

  app.get(
    "/jobs/:jobId/events",
    {
      config: { access: "viewer" },
      schema: {
        summary: "The job as it happens (Server-Sent Events)",
        description:
          "`text/event-stream` of `status` (the job, first and on each change), `progress` (`{ jobId, progress }`), `log` (a log line, with the line's id as the event id) and, once the job is FINISHED or CANCELED, `end` (the job) before the stream closes; close the EventSource on `end`, or it reconnects. A reconnect sends `Last-Event-ID` and gets the lines after it. A failure mid-stream is a `problem` event.",
        tags,
        params: IdParams,
        headers: EventsHeaders,
        response: {
          200: textResponse(
            "text/event-stream",
            "Events whose `data` is JSON: `status` and `end` a job (as `GET /jobs/{jobId}` answers it), `log` a log line (as in `GET /jobs/{jobId}/logs`), `progress` `{ jobId, progress }`, `problem` `{ code, detail }`",
          ),
          ...problemResponses("notFound"),
        },
      },
    },
    async (request, reply) => {
      const signal = untilGone(reply);
      const lastId = request.headers["last-event-id"];
      const feed = followJob(jobs, request.params.jobId, {
        signal,
        ...(lastId === undefined ? {} : { afterLogId: Number(lastId) }),
        ...(options.feedPollMs === undefined ? {} : { pollMs: options.feedPollMs }),
      });
      // The first event is read before anything is sent, so an unknown job is still a 404 problem.
      const first = await feed.next();
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache",
        connection: "keep-alive",
        // Proxies such as nginx would otherwise hold events back.
        "x-accel-buffering": "no",
      });
      const keepalive = setInterval(() => void write(res, ": keepalive\n\n"), KEEPALIVE_MS);
      try {
        if (!first.done) await write(res, sseChunk(first.value));
        for await (const event of feed) await write(res, sseChunk(event));
      } catch (error) {
        request.log.error({ err: error }, "job event stream failed");
        const code = errorCodeOf(error);
        const detail =
          code === "internal"
            ? "The event stream failed; the server log has the details."
            : (error as Error).message;
        await write(res, `event: problem\ndata: ${JSON.stringify({ code, detail })}\n\n`);
      } finally {
        clearInterval(keepalive);
        res.end();
      }
    },
  );
};
