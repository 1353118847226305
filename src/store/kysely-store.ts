/**
 * The store operations, written once with Kysely for both dialects. What differs between
 * SQLite and PostgreSQL is named in a {@link Codec} (how booleans and JSON travel, which
 * claim query to use), never tested for with `if (postgres)` in the operations.
 */
import {
  CompiledQuery,
  type Insertable,
  type Kysely,
  type OnConflictBuilder,
  type Selectable,
  sql,
  type Transaction,
  type Updateable,
} from "kysely";
import type { Database, JobLogsTable, JobsTable, SchedulesTable } from "./database.js";
import { LOCAL_NOTICES, type NoticeListener, type Notices, type NoticeTopic } from "./notices.js";
import {
  ADVANCE_SCHEDULES_POSTGRES,
  ADVANCE_SCHEDULES_SQLITE,
  type MoveRecord,
} from "./sql/advance-schedules.js";
import {
  CLAIM_JOBS_POSTGRES,
  CLAIM_JOBS_SQLITE,
  claimedRowSqlite,
  positional,
} from "./sql/claim-jobs.js";
import {
  type EndedColumns,
  type EndingRecord,
  endedRow,
  endingRecord,
  FINISH_JOBS_POSTGRES,
  FINISH_JOBS_SQLITE,
} from "./sql/finish-jobs.js";
import type {
  ClaimedFires,
  FireClaim,
  FirePlan,
  HeldJob,
  JobChange,
  JobCounts,
  JobEnding,
  JobExpectation,
  JobOutcome,
  JobQuery,
  JobRow,
  JobStatus,
  LogLine,
  LogQuery,
  LogRow,
  NewJob,
  PurgeRule,
  ScheduleRow,
  Store,
} from "./store.js";

export interface Codec {
  readonly dialect: "sqlite" | "postgres";
  /** A boolean as the column takes it. */
  bool(value: boolean): number | boolean;
  /** JSON as the column takes it (text for both: PostgreSQL casts it to JSONB). */
  json(value: unknown): string | null;
  /** A JSON column's value as the driver returns it, parsed. */
  parse(value: unknown): unknown;
  /** The claim query (sql/claim-jobs.ts) for its arguments: node, now, lease until, limit. */
  claimJobs(args: readonly unknown[]): CompiledQuery;
  /** A row the claim query returned, as the table's row. */
  claimedRow(row: unknown): Selectable<JobsTable>;
  /** The fire claim's compare-and-set (sql/advance-schedules.ts): moves JSON, ids. */
  advanceSchedules(args: readonly unknown[]): CompiledQuery;
  /** Refreshes the planner's statistics of the jobs table; `null`: not needed. */
  readonly analyzeJobs: string | null;
  /** The batched ending query (sql/finish-jobs.ts) for its arguments: endings JSON, node, ids. */
  finishJobs(args: readonly unknown[]): CompiledQuery;
  /** SQL giving the database's clock in ms, as column `now`. */
  readonly now: string;
  /** Whether due schedules can be locked so concurrent claimers skip each other's (PostgreSQL). */
  readonly skipLocked: boolean;
  /** The function giving the 1-based position of a substring, or 0: `(haystack, needle)`. */
  readonly position: "instr" | "strpos";
  /**
   * Whether the fire key (schedule_id, fire_time) is a unique index of scheduled jobs only,
   * which ON CONFLICT must name with its predicate (PostgreSQL, from migration 000011);
   * SQLite's is the table's UNIQUE constraint.
   */
  readonly partialFireKey: boolean;
  /**
   * Whether the type-and-status index leaves out held jobs (SQLite, from migration 000012):
   * a query reaches it only with the term {@link UNHELD_SQLITE}, and finds held jobs
   * through the held index.
   */
  readonly unheldTypeIndex: boolean;
}

const toJsonText = (value: unknown): string | null =>
  value === undefined || value === null ? null : JSON.stringify(value);

export const SQLITE_CODEC: Codec = {
  dialect: "sqlite",
  bool: (value) => (value ? 1 : 0),
  json: toJsonText,
  parse: (value) => (typeof value === "string" ? JSON.parse(value) : (value ?? null)),
  claimJobs: (args) => {
    const query = positional(CLAIM_JOBS_SQLITE, args);
    return CompiledQuery.raw(query.text, query.args);
  },
  claimedRow: (row) => claimedRowSqlite(row as { claimed: string }),
  finishJobs: (args) => CompiledQuery.raw(FINISH_JOBS_SQLITE, args.slice(0, 2)),
  advanceSchedules: (args) => CompiledQuery.raw(ADVANCE_SCHEDULES_SQLITE, args.slice(0, 1)),
  // SQLite plans the hot statements the same way without statistics.
  analyzeJobs: null,
  now: "SELECT CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) AS now",
  position: "instr",
  skipLocked: false,
  partialFireKey: false,
  unheldTypeIndex: true,
};

export const POSTGRES_CODEC: Codec = {
  dialect: "postgres",
  bool: (value) => value,
  json: toJsonText,
  parse: (value) => value ?? null,
  claimJobs: (args) => CompiledQuery.raw(CLAIM_JOBS_POSTGRES, [...args]),
  claimedRow: (row) => row as Selectable<JobsTable>,
  finishJobs: (args) => CompiledQuery.raw(FINISH_JOBS_POSTGRES, [...args]),
  advanceSchedules: (args) => CompiledQuery.raw(ADVANCE_SCHEDULES_POSTGRES, [...args]),
  analyzeJobs: "ANALYZE jobs",
  now: "SELECT (extract(epoch from clock_timestamp()) * 1000)::bigint AS now",
  position: "strpos",
  skipLocked: true,
  partialFireKey: true,
  unheldTypeIndex: false,
};

/** The predicate of SQLite's type-and-status index, which a query must repeat to use it. */
const UNHELD_SQLITE = sql<boolean>`status NOT IN ('RUNNING', 'STOPPING')`;
const HELD_STATUSES: ReadonlySet<string> = new Set(["RUNNING", "STOPPING"]);

const DEFAULT_JOB_PAGE = 100;
/** Statuses of jobs not yet ended. */
const UNENDED: ReadonlySet<string> = new Set(["PENDING", "RUNNING", "STOPPING"]);
/** Jobs of a type beyond which SQLite pages it down the creation index (commonOnSqlite). */
const COMMON_TYPE = 5000;
const DEFAULT_LOG_PAGE = 1000;
/** Job runtime: jobs per INSERT in insertJobs, and jobs deleted per purgeJobs call. */
const JOB_CHUNK = 500;
const DEFAULT_PURGE_LIMIT = 1000;
/**
 * After inserting this many jobs at once the store refreshes the database's statistics
 * (at most once per ANALYZE_EVERY_MS): until autovacuum gets to it, PostgreSQL would
 * plan the hot statements for the table as it was before the burst, walking every job a
 * node ever held to end a hundred.
 */
const BULK_INSERT = 1000;
const ANALYZE_EVERY_MS = 60_000;
/** Lines per INSERT: 5 parameters each, well under SQLite's 32,766 and PostgreSQL's 65,535. */
const LOG_CHUNK = 1000;

export class KyselyStore implements Store {
  readonly dialect: "sqlite" | "postgres";
  private analyzedAt = Number.NEGATIVE_INFINITY;

  constructor(
    readonly db: Kysely<Database>,
    private readonly codec: Codec,
    readonly location: string,
    private readonly notices: Notices = LOCAL_NOTICES,
  ) {
    this.dialect = codec.dialect;
  }

  notify(topic: NoticeTopic, sender: string): void {
    this.notices.notify(topic, sender);
  }

  listen(listener: NoticeListener): Promise<() => Promise<void>> {
    return this.notices.listen(listener);
  }

  async now(): Promise<number> {
    const { rows } = await sql.raw<{ now: number }>(this.codec.now).execute(this.db);
    return Number(rows[0]?.now);
  }

  private schedule(row: Selectable<SchedulesTable>): ScheduleRow {
    return {
      id: row.id,
      config: this.codec.parse(row.config) as Record<string, unknown>,
      enabled: Boolean(row.enabled),
      nextFireAt: row.next_fire_at,
      lastFireAt: row.last_fire_at,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }

  private job(row: Selectable<JobsTable>): JobRow {
    return {
      id: row.id,
      type: row.type,
      label: row.label,
      status: row.status as JobStatus,
      reason: row.reason,
      hasErrors: Boolean(row.has_errors),
      progress: row.progress,
      data: this.codec.parse(row.data),
      results: this.codec.parse(row.results),
      checkpoint: this.codec.parse(row.checkpoint),
      scheduleId: row.schedule_id,
      fireTime: row.fire_time,
      lowPriority: Boolean(row.low_priority),
      priority: row.priority,
      attempt: row.attempt,
      maxAttempts: row.max_attempts,
      runAt: row.run_at,
      node: row.node,
      leaseUntil: row.lease_until,
      runById: row.run_by_id,
      runByName: row.run_by_name,
      createDate: row.create_date,
      startDate: row.start_date,
      endDate: row.end_date,
      firedBy: row.fired_by,
    };
  }

  /**
   * The job an insert of `row` (every column given, by newJob) leaves, as getJob would
   * read it, so that an insert need not return its rows: building an object of every
   * column of every row was most of enqueueMany's store time on SQLite. One difference:
   * PostgreSQL's jsonb may give the keys of `data` in another order.
   */
  private insertedRow(row: JobsTable): JobRow {
    return {
      ...this.job({ ...row, data: null }),
      data: row.data === null ? null : JSON.parse(row.data as string),
    };
  }

  /** The ON CONFLICT target of the fire key: each fire of a schedule makes at most one job. */
  private fireKey(oc: OnConflictBuilder<Database, "jobs">) {
    const key = oc.columns(["schedule_id", "fire_time"]);
    return this.codec.partialFireKey ? key.where("schedule_id", "is not", null) : key;
  }

  private newJob(job: NewJob): JobsTable {
    return {
      id: job.id,
      type: job.type,
      label: job.label ?? null,
      status: job.status ?? "PENDING",
      reason: job.reason ?? null,
      has_errors: this.codec.bool(false),
      progress: 0,
      data: this.codec.json(job.data),
      results: null,
      checkpoint: null,
      schedule_id: job.scheduleId ?? null,
      fire_time: job.fireTime ?? null,
      low_priority: this.codec.bool(job.lowPriority ?? false),
      priority: job.priority ?? 0,
      attempt: 0,
      max_attempts: job.maxAttempts ?? 1,
      run_at: job.runAt,
      node: null,
      lease_until: null,
      run_by_id: job.runById ?? null,
      run_by_name: job.runByName ?? null,
      create_date: job.createDate,
      start_date: null,
      end_date: job.status === "CANCELED" ? job.createDate : null,
      fired_by: job.firedBy ?? null,
    };
  }

  async putSchedule(row: ScheduleRow): Promise<void> {
    const values = {
      id: row.id,
      config: this.codec.json(row.config) as string,
      enabled: this.codec.bool(row.enabled),
      next_fire_at: row.nextFireAt,
      last_fire_at: row.lastFireAt,
      created_at: row.createdAt,
      updated_at: row.updatedAt,
    };
    await this.db
      .insertInto("schedules")
      .values(values)
      .onConflict((oc) =>
        oc.column("id").doUpdateSet({
          config: values.config,
          enabled: values.enabled,
          next_fire_at: values.next_fire_at,
          last_fire_at: values.last_fire_at,
          updated_at: values.updated_at,
        }),
      )
      .execute();
  }

  async getSchedule(id: string): Promise<ScheduleRow | undefined> {
    const row = await this.db
      .selectFrom("schedules")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    return row && this.schedule(row);
  }

  async listSchedules(options: { afterId?: string; limit?: number } = {}): Promise<ScheduleRow[]> {
    let query = this.db
      .selectFrom("schedules")
      .selectAll()
      .orderBy("id")
      .limit(options.limit ?? 1000);
    if (options.afterId !== undefined) query = query.where("id", ">", options.afterId);
    return (await query.execute()).map((row) => this.schedule(row));
  }

  async deleteSchedule(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom("schedules").where("id", "=", id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async earliestFire(): Promise<number | null> {
    const row = await this.db
      .selectFrom("schedules")
      .select((eb) => eb.fn.min("next_fire_at").as("earliest"))
      .where("enabled", "=", this.codec.bool(true))
      .where("next_fire_at", "is not", null)
      .executeTakeFirst();
    return row?.earliest === null || row?.earliest === undefined ? null : Number(row.earliest);
  }

  async dueSchedules(now: number, limit: number): Promise<ScheduleRow[]> {
    const rows = await this.db
      .selectFrom("schedules")
      .selectAll()
      .where("enabled", "=", this.codec.bool(true))
      .where("next_fire_at", "<=", now)
      .orderBy("next_fire_at")
      .orderBy("id")
      .limit(limit)
      .execute();
    return rows.map((row) => this.schedule(row));
  }

  async claimDueFires(
    now: number,
    limit: number,
    plan: (schedule: ScheduleRow, busy: boolean) => FirePlan,
  ): Promise<ClaimedFires> {
    return this.db.transaction().execute(async (trx) => {
      let query = trx
        .selectFrom("schedules")
        .selectAll("schedules")
        .select((eb) =>
          eb
            .exists(
              eb
                .selectFrom("jobs")
                .select("jobs.id")
                .whereRef("jobs.schedule_id", "=", "schedules.id")
                .where("jobs.status", "in", ["PENDING", "RUNNING", "STOPPING"]),
            )
            .as("busy"),
        )
        .where("enabled", "=", this.codec.bool(true))
        .where("next_fire_at", "<=", now)
        .orderBy("next_fire_at")
        .orderBy("id")
        .limit(limit);
      if (this.codec.skipLocked) query = query.forUpdate("schedules").skipLocked();
      const due = await query.execute();
      const fires: { schedule: ScheduleRow; job: NewJob; move: MoveRecord }[] = [];
      const waiting: ScheduleRow[] = [];
      for (const { busy, ...row } of due) {
        const schedule = this.schedule(row);
        const decision = plan(schedule, Boolean(busy));
        if (decision.kind === "wait") {
          waiting.push(schedule);
          continue;
        }
        const fireTime = schedule.nextFireAt as number;
        fires.push({
          schedule,
          job: { ...decision.job, scheduleId: schedule.id, fireTime },
          move: { sid: schedule.id, prev: fireTime, next: decision.next },
        });
      }
      if (fires.length === 0) return { jobs: [], waiting, examined: due.length, contended: 0 };
      // Still a compare-and-set: SQLite has no row locks, only its single writer.
      const advance = this.codec.advanceSchedules([
        JSON.stringify(fires.map((fire) => fire.move)),
        fires.map((fire) => fire.schedule.id),
      ]);
      const { rows: moved } = await trx.executeQuery<{ id: string }>(advance);
      const won = new Set(moved.map((row) => row.id));
      const made = await this.insertFireJobs(
        trx,
        fires.filter((fire) => won.has(fire.schedule.id)).map((fire) => fire.job),
      );
      // In the order the fires were due.
      const jobs = fires
        .map((fire) => made.get(fire.job.id))
        .filter((job): job is JobRow => job !== undefined);
      return { jobs, waiting, examined: due.length, contended: fires.length - jobs.length };
    });
  }

  /** Inserts fires' jobs, skipping any whose (schedule, fire time) already has one. */
  private async insertFireJobs(
    trx: Transaction<Database>,
    jobs: readonly NewJob[],
  ): Promise<Map<string, JobRow>> {
    const made = new Map<string, JobRow>();
    for (let i = 0; i < jobs.length; i += JOB_CHUNK) {
      const rows = await trx
        .insertInto("jobs")
        .values(jobs.slice(i, i + JOB_CHUNK).map((job) => this.newJob(job)))
        .onConflict((oc) => this.fireKey(oc).doNothing())
        .returningAll()
        .execute();
      for (const row of rows) made.set(row.id, this.job(row));
    }
    return made;
  }

  async claimFire(claim: FireClaim): Promise<JobRow | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const advanced = await trx
        .updateTable("schedules")
        .set({ next_fire_at: claim.next, last_fire_at: claim.expected })
        .where("id", "=", claim.scheduleId)
        .where("next_fire_at", "=", claim.expected)
        .executeTakeFirst();
      if (Number(advanced.numUpdatedRows) !== 1) return undefined;
      const job = { ...claim.job, scheduleId: claim.scheduleId, fireTime: claim.expected };
      const row = await trx
        .insertInto("jobs")
        .values(this.newJob(job))
        .onConflict((oc) => this.fireKey(oc).doNothing())
        .returningAll()
        .executeTakeFirst();
      return row && this.job(row);
    });
  }

  async firingPaused(): Promise<boolean> {
    const row = await this.db
      .selectFrom("scheduler_state")
      .select("paused")
      .where("id", "=", 1)
      .executeTakeFirst();
    return Boolean(row?.paused);
  }

  async setFiringPaused(paused: boolean, node: string, at: number): Promise<void> {
    await this.db
      .updateTable("scheduler_state")
      .set({ paused: this.codec.bool(paused), changed_at: at, changed_by: node })
      .where("id", "=", 1)
      .execute();
  }

  async insertJob(job: NewJob): Promise<JobRow> {
    const row = this.newJob(job);
    await this.db.insertInto("jobs").values(row).execute();
    return this.insertedRow(row);
  }

  async getJob(id: string): Promise<JobRow | undefined> {
    const row = await this.db
      .selectFrom("jobs")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    return row && this.job(row);
  }

  async findJobs(q: JobQuery = {}): Promise<JobRow[]> {
    let query = this.db.selectFrom("jobs").selectAll();
    // Held jobs always have a node: saying so lets the small held index answer "what runs
    // now", and ordering by the expression `+create_date` keeps SQLite from walking every
    // job ever stored down the creation index instead (sorting the few held ones is nothing).
    const held =
      q.status !== undefined &&
      q.status.length > 0 &&
      q.status.every((status) => HELD_STATUSES.has(status));
    if (q.type && q.type.length > 0) {
      const types = [...q.type];
      const walk = !(q.status && q.status.length > 0) && (await this.commonOnSqlite(types));
      query = query.where(walk ? sql<string>`+type` : sql.ref("type"), "in", types);
      if (!walk && !held && this.codec.unheldTypeIndex) {
        // SQLite's type-and-status index has no held job (migration 000012): asked for
        // none, the query says so; asked for some, they come from the held index.
        const asksHeld =
          q.status === undefined ||
          q.status.length === 0 ||
          q.status.some((status) => HELD_STATUSES.has(status));
        query = query.where(
          asksHeld
            ? sql<boolean>`rowid IN (SELECT rowid FROM jobs WHERE ${UNHELD_SQLITE} AND type IN (${sql.join(types)}) UNION ALL SELECT rowid FROM jobs WHERE node IS NOT NULL AND type IN (${sql.join(types)}))`
            : UNHELD_SQLITE,
        );
      }
    }
    // The same for jobs not yet ended, while few wait (SQLite only): the PENDING ones are
    // in the waiting index and the held ones in the held index. SQLite won't join two
    // partial indexes for an OR, so the rows are named by a union of both.
    const unended =
      !held &&
      !(q.type && q.type.length > 0) &&
      q.status !== undefined &&
      q.status.length > 0 &&
      q.status.every((status) => UNENDED.has(status)) &&
      (await this.fewPendingOnSqlite());
    if (q.status && q.status.length > 0) query = query.where("status", "in", [...q.status]);
    if (held) query = query.where("node", "is not", null);
    if (unended) {
      query = query.where(
        sql<boolean>`rowid IN (SELECT rowid FROM jobs WHERE status = 'PENDING' UNION ALL SELECT rowid FROM jobs WHERE node IS NOT NULL)`,
      );
    }
    if (q.startFrom !== undefined) query = query.where("start_date", ">=", q.startFrom);
    if (q.startTo !== undefined) query = query.where("start_date", "<=", q.startTo);
    if (q.endFrom !== undefined) query = query.where("end_date", ">=", q.endFrom);
    if (q.endTo !== undefined) query = query.where("end_date", "<=", q.endTo);
    if (q.createFrom !== undefined) query = query.where("create_date", ">=", q.createFrom);
    if (q.createTo !== undefined) query = query.where("create_date", "<=", q.createTo);
    if (q.hasErrors !== undefined)
      query = query.where("has_errors", "=", this.codec.bool(q.hasErrors));
    if (q.scheduleId !== undefined) query = query.where("schedule_id", "=", q.scheduleId);
    const rows = await query
      .orderBy(held || unended ? sql`+create_date` : sql.ref("create_date"), "desc")
      .orderBy("id", "desc")
      .limit(q.size ?? DEFAULT_JOB_PAGE)
      .execute();
    return rows.map((row) => this.job(row));
  }

  /**
   * Whether SQLite should page a type filtered without a status down the creation index.
   * From the type-and-status index it takes every job of the type and sorts them (0.2 s
   * for a common type of a million jobs); down the creation index, newest first, it stops
   * at the page, which is quick for a common type and slow for a rare one (it reads every
   * job to find none). So it counts, on the index, up to COMMON_TYPE jobs of the type.
   * PostgreSQL plans both cases well by itself.
   */
  /**
   * Whether SQLite should find jobs not yet ended through the waiting and held indexes,
   * then sort them: right while few wait (a status filter walked down the creation index
   * reads every ended job first, 50 ms at 300,000), wrong for a backlog of millions,
   * which the creation index pages quickly. So it counts, on the index, up to COMMON_TYPE.
   */
  private async fewPendingOnSqlite(): Promise<boolean> {
    if (this.dialect !== "sqlite") return false;
    const { rows } = await sql<{ n: number }>`SELECT count(*) AS n FROM (
      SELECT 1 FROM jobs WHERE status = 'PENDING' LIMIT ${COMMON_TYPE})`.execute(this.db);
    return Number(rows[0]?.n ?? 0) < COMMON_TYPE;
  }

  private async commonOnSqlite(types: readonly string[]): Promise<boolean> {
    if (this.dialect !== "sqlite") return false;
    const { rows } = await sql<{ n: number }>`SELECT count(*) AS n FROM (
      SELECT 1 FROM jobs WHERE type IN (${sql.join(types)}) AND ${UNHELD_SQLITE}
      LIMIT ${COMMON_TYPE})`.execute(this.db);
    return Number(rows[0]?.n ?? 0) >= COMMON_TYPE;
  }

  async claimJobs(node: string, now: number, leaseMs: number, limit: number): Promise<JobRow[]> {
    const query = this.codec.claimJobs([node, now, now + leaseMs, limit]);
    const { rows } = await this.db.executeQuery(query);
    const jobs = rows.map((row) => this.job(this.codec.claimedRow(row)));
    // RETURNING gives no order; hand them out in the order they were chosen.
    return jobs.sort(
      (a, b) =>
        Number(a.lowPriority) - Number(b.lowPriority) ||
        b.priority - a.priority ||
        a.runAt - b.runAt ||
        (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
  }

  async renewLeases(node: string, until: number): Promise<number> {
    const result = await this.db
      .updateTable("jobs")
      .set({ lease_until: until })
      .where("node", "=", node)
      .where("status", "in", ["RUNNING", "STOPPING"])
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async finishJob(id: string, node: string, outcome: JobOutcome): Promise<JobRow | undefined> {
    const [row] = await this.finishJobs(node, [{ id, outcome }]);
    return row;
  }

  async finishJobs(node: string, endings: readonly JobEnding[]): Promise<(JobRow | undefined)[]> {
    if (endings.length === 0) return [];
    const records = endings.map(({ id, outcome }) =>
      endingRecord(id, outcome, (value) => this.codec.json(value)),
    );
    const query = this.codec.finishJobs([
      JSON.stringify(records),
      node,
      endings.map(({ id }) => id),
    ]);
    const { rows } = await this.db.executeQuery<EndedColumns>(query);
    const returned = new Map(rows.map((row) => [row.id, row]));
    // A caller that didn't say what it held gets the rows read back.
    const unknown = endings.filter(({ id, held }) => held === undefined && returned.has(id));
    const read =
      unknown.length === 0
        ? new Map<string, JobRow>()
        : new Map(
            (
              await this.db
                .selectFrom("jobs")
                .selectAll()
                .where(
                  "id",
                  "in",
                  unknown.map(({ id }) => id),
                )
                .execute()
            ).map((row) => [row.id, this.job(row)]),
          );
    return endings.map(({ id, held, outcome }, i) => {
      const ended = returned.get(id);
      if (ended === undefined) return undefined;
      return held === undefined
        ? read.get(id)
        : endedRow(held, records[i] as EndingRecord, outcome, ended);
    });
  }

  async releaseExpired(now: number): Promise<JobRow[]> {
    const exhausted = sql<boolean>`attempt >= max_attempts`;
    const rows = await this.db
      .updateTable("jobs")
      .set({
        status: sql`CASE WHEN status = 'STOPPING' THEN 'STOPPED' WHEN ${exhausted} THEN 'FINISHED' ELSE 'PENDING' END`,
        has_errors: sql`CASE WHEN status = 'RUNNING' AND ${exhausted} THEN ${this.codec.bool(true)} ELSE has_errors END`,
        reason: sql`CASE WHEN status = 'RUNNING' AND ${exhausted} THEN 'leaseExpired' ELSE reason END`,
        end_date: sql`CASE WHEN status = 'STOPPING' OR ${exhausted} THEN ${now} ELSE end_date END`,
        run_at: sql`CASE WHEN status = 'RUNNING' AND NOT (${exhausted}) THEN ${now} ELSE run_at END`,
        node: null,
        lease_until: null,
      })
      .where("node", "is not", null)
      .where("status", "in", ["RUNNING", "STOPPING"])
      .where("lease_until", "<", now)
      .returningAll()
      .execute();
    return rows.map((row) => this.job(row));
  }

  async appendLogs(lines: readonly LogLine[]): Promise<void> {
    if (lines.length === 0) return;
    const rows = lines.map((line) => ({
      job_id: line.jobId,
      at: line.at,
      level: line.level,
      message: line.message,
      additional_info: this.codec.json(line.additionalInfo),
    }));
    await this.insertInChunks("job_logs", rows, LOG_CHUNK);
  }

  async findLogs(jobId: string, q: LogQuery = {}): Promise<LogRow[]> {
    let query = this.db.selectFrom("job_logs").selectAll().where("job_id", "=", jobId);
    if (q.level !== undefined) query = query.where("level", "=", q.level);
    if (q.message !== undefined && q.message !== "") {
      // A plain, case-sensitive substring on both databases (LIKE folds case on SQLite only).
      query = query.where(sql<boolean>`${sql.raw(this.codec.position)}(message, ${q.message}) > 0`);
    }
    if (q.from !== undefined) query = query.where("at", ">=", q.from);
    if (q.to !== undefined) query = query.where("at", "<=", q.to);
    const rows = await query
      .orderBy("at")
      .orderBy("id")
      .limit(q.size ?? DEFAULT_LOG_PAGE)
      .execute();
    return rows.map((row: Selectable<JobLogsTable>) => ({
      id: Number(row.id),
      jobId: row.job_id,
      at: row.at,
      level: row.level as LogRow["level"],
      message: row.message,
      additionalInfo: this.codec.parse(row.additional_info),
    }));
  }

  // ── Job runtime operations (src/jobs/) ─────────────────────────────────────────────

  async insertJobs(jobs: readonly NewJob[]): Promise<JobRow[]> {
    if (jobs.length === 0) return [];
    const rows = jobs.map((job) => this.newJob(job));
    // 24 parameters a job: chunks stay well under SQLite's 32,766 per statement.
    await this.insertInChunks("jobs", rows, JOB_CHUNK);
    if (jobs.length >= BULK_INSERT) await this.analyzeAfterBurst();
    return rows.map((row) => this.insertedRow(row));
  }

  /**
   * Inserts `rows` into `table` in one transaction, an INSERT per `size` rows: both
   * databases cap the parameters of a statement.
   */
  private async insertInChunks<T extends "jobs" | "job_logs">(
    table: T,
    rows: readonly Insertable<Database[T]>[],
    size: number,
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += size) {
        await trx
          .insertInto(table)
          .values(rows.slice(i, i + size))
          .execute();
      }
    });
  }

  private async analyzeAfterBurst(): Promise<void> {
    const statement = this.codec.analyzeJobs;
    if (statement === null || Date.now() - this.analyzedAt < ANALYZE_EVERY_MS) return;
    this.analyzedAt = Date.now();
    await sql.raw(statement).execute(this.db);
  }

  async updateJob(
    id: string,
    expected: JobExpectation,
    change: JobChange,
  ): Promise<JobRow | undefined> {
    if (expected.status.length === 0) return undefined;
    const set: Updateable<JobsTable> = {};
    if (change.status !== undefined) set.status = change.status;
    if (change.reason !== undefined) set.reason = change.reason;
    if (change.hasErrors !== undefined) set.has_errors = this.codec.bool(change.hasErrors);
    if (change.lowPriority !== undefined) set.low_priority = this.codec.bool(change.lowPriority);
    if (change.progress !== undefined) set.progress = change.progress;
    if (change.checkpoint !== undefined) set.checkpoint = this.codec.json(change.checkpoint);
    if (change.runAt !== undefined) set.run_at = change.runAt;
    if (change.endDate !== undefined) set.end_date = change.endDate;
    if (change.release === true) {
      set.node = null;
      set.lease_until = null;
    }
    // `id = id` keeps the statement valid when nothing but the expectation is asked for.
    let query = this.db
      .updateTable("jobs")
      .set(Object.keys(set).length > 0 ? set : { id })
      .where("id", "=", id)
      .where("status", "in", [...expected.status]);
    if (change.refundAttempt === true) {
      query = query.set({
        attempt: sql<number>`CASE WHEN attempt > 0 THEN attempt - 1 ELSE 0 END`,
      });
    }
    if (expected.node !== undefined) query = query.where("node", "=", expected.node);
    const row = await query.returningAll().executeTakeFirst();
    return row && this.job(row);
  }

  async jobsHeldBy(node: string): Promise<HeldJob[]> {
    const rows = await this.db
      .selectFrom("jobs")
      .select(["id", "status", "node"])
      .where("node", "=", node)
      .where("status", "in", ["RUNNING", "STOPPING"])
      .orderBy("id")
      .execute();
    return rows.map((row) => ({ id: row.id, status: row.status as JobStatus, node }));
  }

  async lapsedLeases(now: number): Promise<HeldJob[]> {
    const rows = await this.db
      .selectFrom("jobs")
      .select(["id", "status", "node"])
      // Held jobs have a node: the held index finds them.
      .where("node", "is not", null)
      .where("status", "in", ["RUNNING", "STOPPING"])
      .where("lease_until", "<", now)
      .orderBy("id")
      .execute();
    return rows.map((row) => ({
      id: row.id,
      status: row.status as JobStatus,
      node: row.node ?? "",
    }));
  }

  async earliestRunAt(): Promise<number | null> {
    const row = await this.db
      .selectFrom("jobs")
      .select((eb) => eb.fn.min("run_at").as("earliest"))
      .where("status", "=", "PENDING")
      .executeTakeFirst();
    return row?.earliest === null || row?.earliest === undefined ? null : Number(row.earliest);
  }

  async purgeJobs(rule: PurgeRule): Promise<number> {
    if (rule.endedBefore === undefined && rule.keepNewest === undefined) return 0;
    const ended = ["FINISHED", "CANCELED"];
    const doomed = this.db
      .selectFrom("jobs")
      .select("id")
      .where("status", "in", ended)
      .where((eb) => {
        const beyond = [];
        if (rule.endedBefore !== undefined) beyond.push(eb("end_date", "<", rule.endedBefore));
        if (rule.keepNewest !== undefined) {
          const newest = eb
            .selectFrom("jobs")
            .select("id")
            .where("status", "in", ended)
            .orderBy("end_date", "desc")
            .orderBy("id", "desc")
            .limit(rule.keepNewest);
          beyond.push(eb("id", "not in", newest));
        }
        return eb.or(beyond);
      })
      .orderBy("end_date")
      .orderBy("id")
      .limit(rule.limit ?? DEFAULT_PURGE_LIMIT);
    // Their logs go with them (ON DELETE CASCADE).
    const result = await this.db.deleteFrom("jobs").where("id", "in", doomed).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
  async countJobs(now: number): Promise<JobCounts> {
    // Each is answered from an index (jobs_type_status, jobs_waiting, jobs_held). PostgreSQL
    // answers them side by side; SQLite's single connection in turn.
    const [jobs, ready, leasing] = await Promise.all([
      this.codec.unheldTypeIndex
        ? // The held jobs are not in SQLite's type-and-status index: counted from the held one.
          sql<{ type: string; status: string; count: number }>`
            SELECT type, status, count(*) AS count FROM jobs WHERE ${UNHELD_SQLITE}
            GROUP BY type, status
            UNION ALL
            SELECT type, status, count(*) AS count FROM jobs
            WHERE node IS NOT NULL AND status IN ('RUNNING', 'STOPPING') GROUP BY type, status`
            .execute(this.db)
            .then((result) => result.rows)
        : this.db
            .selectFrom("jobs")
            .select(["type", "status", (eb) => eb.fn.countAll().as("count")])
            .groupBy(["type", "status"])
            .execute(),
      this.db
        .selectFrom("jobs")
        .select((eb) => eb.fn.countAll().as("count"))
        .where("status", "=", "PENDING")
        .where("run_at", "<=", now)
        .executeTakeFirst(),
      this.db
        .selectFrom("jobs")
        .select((eb) => eb.fn.count("node").distinct().as("count"))
        .where("node", "is not", null)
        .where("status", "in", ["RUNNING", "STOPPING"])
        .where("lease_until", ">=", now)
        .executeTakeFirst(),
    ]);
    return {
      // PostgreSQL's COUNT is a bigint, which pg hands over as text.
      jobs: jobs.map((row) => ({
        type: row.type,
        status: row.status as JobStatus,
        count: Number(row.count),
      })),
      ready: Number(ready?.count ?? 0),
      leasingNodes: Number(leasing?.count ?? 0),
    };
  }
  // ── end of job runtime operations ──────────────────────────────────────────────────

  async close(): Promise<void> {
    await this.notices.flush();
    await this.db.destroy();
  }
}
