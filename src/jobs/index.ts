/**
 * The job runtime: job types, the service users command jobs through, and the worker
 * pool that runs them.
 */
export { type BackoffOptions, BackoffSchema, DEFAULT_BACKOFF, retryDelay } from "./backoff.js";
export {
  type EnqueueArgs,
  type EnqueueOptions,
  EnqueueOptionsSchema,
  type EnqueueRequest,
} from "./enqueue-request.js";
export {
  type DataOf,
  ENDED_STATUSES,
  FINAL_STATUSES,
  JOB_STATUSES,
  type Job,
  type JobStatus,
  type JobTypes,
  type RunBy,
  toJob,
} from "./job.js";
export {
  type JobLog,
  JobService,
  type JobServiceOptions,
  type RetentionRule,
} from "./job.service.js";
export {
  type InterruptionKind,
  type JobContext,
  type JobHandler,
  JobInterrupted,
  type JobLogger,
} from "./job-context.js";
export {
  type JobEventListener,
  type JobEventMap,
  type JobEventName,
  JobEvents,
} from "./job-events.js";
export { newJobId } from "./job-id.js";
export {
  type JobFindQuery,
  JobFindQuerySchema,
  type JobLogQuery,
  JobLogQuerySchema,
  periodRange,
} from "./job-query.js";
export {
  type JobDataCheck,
  type JobDefinition,
  JobRegistry,
  type JobTypeOptions,
} from "./job-registry.js";
export {
  type StartOptions,
  type StopOptions,
  WorkerPool,
  type WorkerPoolOptions,
} from "./worker-pool.js";
