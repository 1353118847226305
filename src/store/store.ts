/**
 * The store port: every read and write the scheduler and the job runtime make, named by
 * what it does (`claimFire`, `claimJobs`), never by how. Two adapters implement it, one
 * on an embedded SQLite file and one on PostgreSQL, and one conformance suite
 * (test/store/) holds both to the same behaviour. Times are UTC instants in milliseconds.
 */

import type { Kysely } from "kysely";
import type { Database } from "./database.js";
import type { NoticeListener, NoticeTopic } from "./notices.js";

export const JOB_STATUSES = [
  "PENDING",
  "RUNNING",
  "FINISHED",
  "STOPPING",
  "STOPPED",
  "CANCELED",
] as const;
/** PENDING → RUNNING → FINISHED, or STOPPING → STOPPED (resumable), or CANCELED (final). */
export type JobStatus = (typeof JOB_STATUSES)[number];

export const LOG_LEVELS = ["INFO", "ERROR"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A schedule as stored: its configuration, and where its firing has got to. */
export interface ScheduleRow {
  readonly id: string;
  /** The schedule object as the user gave it (trigger, policies, what to invoke). */
  readonly config: Readonly<Record<string, unknown>>;
  readonly enabled: boolean;
  /** The next fire not yet claimed; `null` when the schedule will not fire again. */
  readonly nextFireAt: number | null;
  readonly lastFireAt: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** A job as stored. */
export interface JobRow {
  readonly id: string;
  readonly type: string;
  readonly label: string | null;
  readonly status: JobStatus;
  /** Why a job ended as it did when the status alone doesn't say, e.g. `missed`. */
  readonly reason: string | null;
  readonly hasErrors: boolean;
  readonly progress: number;
  readonly data: unknown;
  readonly results: unknown;
  /** What a stopped job saved, handed back to its handler on resume. */
  readonly checkpoint: unknown;
  readonly scheduleId: string | null;
  readonly fireTime: number | null;
  readonly lowPriority: boolean;
  readonly priority: number;
  readonly attempt: number;
  readonly maxAttempts: number;
  /** Not claimed before this instant (retries wait here). */
  readonly runAt: number;
  /** The node holding the job, while RUNNING or STOPPING. */
  readonly node: string | null;
  readonly leaseUntil: number | null;
  readonly runById: string | null;
  readonly runByName: string | null;
  readonly createDate: number;
  readonly startDate: number | null;
  readonly endDate: number | null;
  /** The node that claimed the schedule's fire and made the job; `null` when enqueued. */
  readonly firedBy: string | null;
}

/** What enqueueing a job needs; the rest takes its default. */
export interface NewJob {
  readonly id: string;
  readonly type: string;
  readonly label?: string | null;
  readonly status?: "PENDING" | "CANCELED";
  readonly reason?: string | null;
  readonly data?: unknown;
  readonly scheduleId?: string | null;
  readonly fireTime?: number | null;
  readonly lowPriority?: boolean;
  readonly priority?: number;
  readonly maxAttempts?: number;
  readonly runAt: number;
  readonly runById?: string | null;
  readonly runByName?: string | null;
  readonly createDate: number;
  readonly firedBy?: string | null;
}

/**
 * Claiming one fire of a schedule: advance its `nextFireAt` from `expected` to `next` (a
 * compare-and-set, so two nodes can't both win), and insert `job` for it, in one
 * transaction. The job is keyed by (schedule, fire time), so even a replayed claim makes
 * no second job.
 */
export interface FireClaim {
  readonly scheduleId: string;
  readonly expected: number;
  readonly next: number | null;
  readonly job: NewJob;
}

/** What one due fire becomes: a job (and the schedule's next fire), or nothing yet. */
export type FirePlan =
  | { readonly kind: "fire"; readonly next: number | null; readonly job: NewJob }
  /** The fire waits (its schedule's previous job is still active); the schedule is left as it is. */
  | { readonly kind: "wait" };

export interface ClaimedFires {
  /** The jobs the fires made (a replayed fire whose job exists makes none). */
  readonly jobs: readonly JobRow[];
  /** The schedules whose fires were left waiting. */
  readonly waiting: readonly ScheduleRow[];
  /** How many due schedules the claim looked at: `limit` means there may be more. */
  readonly examined: number;
  /**
   * Fires that another claim had already taken (the compare-and-set lost, or the fire
   * already had its job): duplicates prevented.
   */
  readonly contended: number;
}

/** `find(query)`: every field optional; newest created first. */
export interface JobQuery {
  readonly type?: readonly string[];
  readonly status?: readonly JobStatus[];
  readonly startFrom?: number;
  readonly startTo?: number;
  readonly endFrom?: number;
  readonly endTo?: number;
  readonly createFrom?: number;
  readonly createTo?: number;
  readonly hasErrors?: boolean;
  readonly scheduleId?: string;
  /** How many at most; default 100. */
  readonly size?: number;
}

export interface LogLine {
  readonly jobId: string;
  readonly at: number;
  readonly level: LogLevel;
  readonly message: string;
  readonly additionalInfo?: unknown;
}

export interface LogRow extends LogLine {
  readonly id: number;
  readonly additionalInfo: unknown;
}

export interface LogQuery {
  readonly level?: LogLevel;
  /** A substring of the message. */
  readonly message?: string;
  readonly from?: number;
  readonly to?: number;
  /** How many at most, oldest first; default 1000. */
  readonly size?: number;
}

/** How a claimed job ended. */
export interface JobOutcome {
  readonly status: "FINISHED" | "STOPPED" | "CANCELED" | "PENDING";
  readonly hasErrors?: boolean;
  readonly results?: unknown;
  readonly checkpoint?: unknown;
  readonly reason?: string | null;
  /** For a retry (status PENDING): when to try again. */
  readonly runAt?: number;
  readonly at: number;
  /** When the run really began, if later than the claim's `startDate` (a job claimed ahead). */
  readonly startedAt?: number;
}

export interface JobEnding {
  readonly id: string;
  readonly outcome: JobOutcome;
  /**
   * The job as the node holding it knows it: its claimed row with the run's own progress
   * and checkpoint writes. Given it, the store answers with it changed by the ending and
   * the few fields others may change meanwhile (`hasErrors`, priorities), instead of
   * reading every column of the row back.
   */
  readonly held?: JobRow;
}

export interface Store {
  readonly dialect: "sqlite" | "postgres";
  /** Where the data lives, for messages (a file path, or a URL without its password). */
  readonly location: string;
  /**
   * The query builder, for the repositories of other domains (auth, projects) that keep
   * their own tables (created by the migrations here): `store.db.withTables<T>()`. The
   * scheduler's and job runtime's tables are reached only through the operations below.
   */
  readonly db: Kysely<Database>;

  /** The database's clock: in a cluster it is the one clock every node agrees on. */
  now(): Promise<number>;

  /** Inserts or replaces a schedule; a replaced schedule keeps its original `createdAt`. */
  putSchedule(row: ScheduleRow): Promise<void>;
  getSchedule(id: string): Promise<ScheduleRow | undefined>;
  /** Schedules ordered by id, `limit` at a time after `afterId`. */
  listSchedules(options?: { afterId?: string; limit?: number }): Promise<ScheduleRow[]>;
  deleteSchedule(id: string): Promise<boolean>;
  /** The earliest `nextFireAt` of an enabled schedule, for the scheduler to sleep until. */
  earliestFire(): Promise<number | null>;
  /** Enabled schedules due at `now`, earliest first. */
  dueSchedules(now: number, limit: number): Promise<ScheduleRow[]>;
  /**
   * Claims up to `limit` due fires in one transaction. Each due, enabled schedule chosen is
   * locked (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so nodes split the due schedules between
   * them rather than race for the same ones), `plan` decides what its fire becomes (given
   * whether the schedule has a job PENDING, RUNNING or STOPPING), and for each fire the
   * schedule moves on and its job is inserted under the (schedule, fire time) key. Earliest
   * fires first.
   */
  claimDueFires(
    now: number,
    limit: number,
    plan: (schedule: ScheduleRow, busy: boolean) => FirePlan,
  ): Promise<ClaimedFires>;
  /**
   * See {@link FireClaim}. Returns the job, or `undefined` when another claim won (or the
   * fire already had a job: the schedule still moves on, so the loop is never stuck).
   */
  claimFire(claim: FireClaim): Promise<JobRow | undefined>;
  /** Whether firing is paused across the cluster (maintenance mode). */
  firingPaused(): Promise<boolean>;
  /** Pauses or resumes firing on every node; `node` is recorded as who changed it. */
  setFiringPaused(paused: boolean, node: string, at: number): Promise<void>;

  /** A job inserted as CANCELED (a missed fire) gets `endDate = createDate`. */
  insertJob(job: NewJob): Promise<JobRow>;
  getJob(id: string): Promise<JobRow | undefined>;
  findJobs(query?: JobQuery): Promise<JobRow[]>;
  /**
   * Claims up to `limit` PENDING jobs whose `runAt` has come, normal priority before low,
   * higher `priority` first, then oldest: they become RUNNING on `node`, leased until
   * `now + leaseMs`, with `attempt` counted up. No job is ever claimed twice.
   */
  claimJobs(node: string, now: number, leaseMs: number, limit: number): Promise<JobRow[]>;
  /**
   * Extends the leases of every job `node` holds; returns how many. Not to be run beside a
   * {@link finishJobs} of the same node: the two change the same rows in no set order.
   */
  renewLeases(node: string, until: number): Promise<number>;
  /** Ends (or, for a retry, requeues) a job `node` holds; `undefined` if it no longer holds it. */
  finishJob(id: string, node: string, outcome: JobOutcome): Promise<JobRow | undefined>;
  /**
   * {@link finishJob} for many jobs in one statement, each ending as its outcome says; the
   * answer is in the order given, `undefined` for a job `node` no longer holds.
   */
  finishJobs(node: string, endings: readonly JobEnding[]): Promise<(JobRow | undefined)[]>;
  /**
   * Recovers the jobs of nodes that died: a RUNNING job whose lease lapsed before `now`
   * goes back to PENDING (runnable at once), or, when it has used all its attempts, ends
   * FINISHED with `hasErrors` and reason `leaseExpired`; a STOPPING one becomes STOPPED.
   * A lease ending exactly at `now` still holds.
   * Returns the recovered jobs as they now are.
   */
  releaseExpired(now: number): Promise<JobRow[]>;

  appendLogs(lines: readonly LogLine[]): Promise<void>;
  /** `message` matches a case-sensitive substring; lines come oldest first. */
  findLogs(jobId: string, query?: LogQuery): Promise<LogRow[]>;

  // ── Job runtime operations (src/jobs/) ─────────────────────────────────────────────
  // Owned by the job runtime; their contract is test/store/conformance/jobs-runtime.ts.

  /** Inserts every job or, when one fails (a duplicate id), none. Returns them in order. */
  insertJobs(jobs: readonly NewJob[]): Promise<JobRow[]>;
  /**
   * A compare-and-set: applies `change` only if the job's status is one of
   * `expected.status` (and, given `expected.node`, that node holds it). Returns the job as
   * it now is, or `undefined` when it does not exist or is not as expected.
   */
  updateJob(id: string, expected: JobExpectation, change: JobChange): Promise<JobRow | undefined>;
  /** The jobs `node` holds (RUNNING or STOPPING), so it can act on stop requests and losses. */
  jobsHeldBy(node: string): Promise<HeldJob[]>;
  /** Held jobs whose lease lapsed before `now`, with their node: what `releaseExpired` takes back. */
  lapsedLeases(now: number): Promise<HeldJob[]>;
  /** The earliest `runAt` of a PENDING job, for a worker to sleep until; `null` when none waits. */
  earliestRunAt(): Promise<number | null>;
  /**
   * Deletes ended jobs (FINISHED or CANCELED) with their logs: those that ended before
   * `endedBefore`, and those older than the newest `keepNewest` ended jobs. At most `limit`
   * (default 1000) per call, oldest first; returns how many went.
   */
  purgeJobs(rule: PurgeRule): Promise<number>;
  /** What monitoring reads (metrics): jobs by type and status, the ready queue, leasing nodes at `now`. */
  countJobs(now: number): Promise<JobCounts>;
  // ── end of job runtime operations ──────────────────────────────────────────────────

  /** Tells the other nodes that schedules changed or jobs are ready (see notices.ts). */
  notify(topic: NoticeTopic, sender: string): void;
  /** Hears the nodes' notices until the returned function is called. */
  listen(listener: NoticeListener): Promise<() => Promise<void>>;

  close(): Promise<void>;
}

// ── Job runtime types (src/jobs/) ────────────────────────────────────────────────────

/** What {@link Store.updateJob} requires of a job before changing it. */
export interface JobExpectation {
  readonly status: readonly JobStatus[];
  /** The node that must hold the job. */
  readonly node?: string;
}

/** A change to a job; fields left out are kept. */
export interface JobChange {
  readonly status?: JobStatus;
  readonly reason?: string | null;
  readonly hasErrors?: boolean;
  readonly lowPriority?: boolean;
  /** 0-100, whole. */
  readonly progress?: number;
  /** JSON; `null` clears it. */
  readonly checkpoint?: unknown;
  readonly runAt?: number;
  readonly endDate?: number | null;
  /** Lets go of the job: its node and lease are cleared. */
  readonly release?: boolean;
  /** Takes back the attempt its last claim counted: the run was cut short through no fault of its own. */
  readonly refundAttempt?: boolean;
}

/** A job a node holds, as {@link Store.jobsHeldBy} and {@link Store.lapsedLeases} give it. */
export interface HeldJob {
  readonly id: string;
  readonly status: JobStatus;
  readonly node: string;
}

export interface JobCount {
  readonly type: string;
  readonly status: JobStatus;
  readonly count: number;
}

/** See {@link Store.countJobs}. */
export interface JobCounts {
  /** Stored jobs by type and status; a pair with no job is absent. */
  readonly jobs: readonly JobCount[];
  /** PENDING jobs whose `runAt` has come: the queue waiting for a free worker. */
  readonly ready: number;
  /** Nodes holding an unexpired lease on a job, i.e. running jobs right now. */
  readonly leasingNodes: number;
}

/** See {@link Store.purgeJobs}; give `endedBefore`, `keepNewest` or both. */
export interface PurgeRule {
  readonly endedBefore?: number;
  readonly keepNewest?: number;
  readonly limit?: number;
}
// ── end of job runtime types ─────────────────────────────────────────────────────────
