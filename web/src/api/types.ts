/**
 * The API's types, taken from the server's route schemas and models (type-only imports:
 * nothing of the server reaches the bundle). A change to a route's schema is a type error
 * here, not a surprise in the browser.
 */
import type { Static } from "typebox";
import type {
  ApiToken,
  CreatedToken,
  Group,
  Principal,
  Role,
  User,
} from "../../../src/auth/auth.js";
import type {
  GroupInput,
  NewToken,
  NewUser as NewUserInput,
  PasswordChange,
  UserChange as UserChangeInput,
} from "../../../src/auth/auth-input.js";
import type { StoredFileSchema } from "../../../src/exports/file-history/file.routes.js";
import type {
  FileNamePreview,
  FileNamePreviewInput,
} from "../../../src/exports/file-name.routes.js";
import type { ExportPreview } from "../../../src/exports/run-export.js";
import type { EnqueueOptions } from "../../../src/jobs/enqueue-request.js";
import type { Job, JobStatus } from "../../../src/jobs/job.js";
import type { JobLog } from "../../../src/jobs/job.service.js";
import type { JobFindQuery, JobLogQuery } from "../../../src/jobs/job-query.js";
import type {
  Connection,
  ConnectionSettings,
  ConnectionSummary,
  ConnectionTestResult,
  ConnectionType,
} from "../../../src/projects/connections/connection.js";
import type {
  ConnectionChangeSchema,
  NewConnectionSchema,
} from "../../../src/projects/connections/connection.service.js";
import type {
  AuditEvent,
  ConfigChange,
  ConfigDiff,
  ConfigVersion,
  Project,
  ProjectSummary,
  RunMode,
  RunStatus,
  ScheduleView,
  Task,
  TaskRun,
} from "../../../src/projects/project.js";
import type { ProjectInput, TaskInput } from "../../../src/projects/project-input.js";
import type { Schedule, ScheduleInput } from "../../../src/schedules/schedule.js";
import type { ScheduleListQuery, SchedulerState } from "../../../src/schedules/schedule.routes.js";
import type { TriggerPreview, TriggerPreviewInput } from "../../../src/schedules/trigger.routes.js";

export type {
  ApiToken,
  AuditEvent,
  ConfigChange,
  ConfigDiff,
  ConfigVersion,
  Connection,
  ConnectionSettings,
  ConnectionSummary,
  ConnectionTestResult,
  ConnectionType,
  CreatedToken,
  EnqueueOptions,
  ExportPreview,
  FileNamePreview,
  FileNamePreviewInput,
  Group,
  GroupInput,
  Job,
  JobFindQuery,
  JobLog,
  JobLogQuery,
  JobStatus,
  NewToken,
  PasswordChange,
  Principal,
  Project,
  ProjectInput,
  ProjectSummary,
  Role,
  RunMode,
  RunStatus,
  Schedule,
  ScheduleInput,
  ScheduleListQuery,
  SchedulerState,
  ScheduleView,
  Task,
  TaskInput,
  TaskRun,
  TriggerPreview,
  TriggerPreviewInput,
  User,
};

// Schemas built with `Type.Union(LIST.map(Type.Literal))` give `never` as their static
// type (TypeBox can't see through the map), so those fields are named from their lists.
export type NewConnection = Omit<Static<typeof NewConnectionSchema>, "type"> & {
  type: ConnectionType;
};
export type ConnectionChange = Omit<Static<typeof ConnectionChangeSchema>, "type"> & {
  type?: ConnectionType;
};
export type NewUser = Omit<NewUserInput, "roles"> & { roles: Role[] };
export type UserChange = Omit<UserChangeInput, "roles"> & { roles?: Role[] };

/** What `GET /schedules/{id}` answers: the schedule and its next fire times. */
export type ScheduleDetail = Schedule & { readonly nextFireTimes: readonly string[] };

/** What login and `GET /auth/me` answer. */
export type WhoAmI = Principal & { readonly csrfToken: string | null; readonly expiresAt?: number };

/** `{ result, resultCount }`, the shape of the API's lists. */
export interface ResultList<T> {
  readonly result: readonly T[];
  readonly resultCount: number;
}

/** A page of schedules; pass the cookie back for the next one (`null`: no more). */
export interface SchedulePage extends ResultList<Schedule> {
  readonly pagedResultsCookie: string | null;
}

/** The statuses a job can have, in the order a person reads them. */
export const JOB_STATUS_LIST: readonly JobStatus[] = [
  "PENDING",
  "RUNNING",
  "STOPPING",
  "STOPPED",
  "FINISHED",
  "CANCELED",
];

export const ROLE_LIST: readonly Role[] = ["admin", "operator", "viewer"];

/** A file an export run produced, as file history keeps it. */
export type StoredFile = Static<typeof StoredFileSchema>;

/** `GET /tasks`: filters, sort (`name,-updatedAt`) and the page. */
export interface TaskListQuery {
  readonly project?: string;
  readonly owner?: string;
  readonly enabled?: boolean;
  readonly search?: string;
  readonly _sortKeys?: string;
  readonly _pagedResultsOffset?: number;
  readonly _size?: number;
}

/** A page of tasks, with how many match in all. */
export interface TaskPage extends ResultList<Task> {
  readonly totalPagedResults: number;
  readonly remainingPagedResults: number;
}

/** What `GET /tasks/{id}/overview` answers: everything a task page shows. */
export interface TaskOverview {
  readonly task: Task;
  readonly runs: readonly TaskRun[];
  readonly files: readonly StoredFile[];
  readonly versions: readonly ConfigVersion[];
  readonly audit: readonly AuditEvent[];
}

/** What resending a file answers: an outcome per destination. */
export interface DeliveryOutcome {
  readonly destination: string;
  readonly file: string;
  readonly status: "sent" | "skipped-empty" | "failed";
  readonly detail: string;
  readonly code?: string;
}

/** The task scanner's runs (src/scanner/): a run, with its progress and state. */
export type { ScanProgress, ScanRun, ScanState } from "../../../src/scanner/scan-run.js";
export type { ScanRunListQuery } from "../../../src/scanner/scanner.routes.js";

/** A scan run's states, in the order a run goes through them. */
export const SCAN_STATE_LIST = [
  "INITIALIZED",
  "ACTIVE",
  "COMPLETED",
  "CANCELLED",
  "ERROR",
] as const;
