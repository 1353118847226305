/**
 * The scan run queries, on the store's query builder (the table of migration
 * 000009-scan-runs). Rules (when a run starts, ends, is cancelled or purged) live in
 * scan-runner.ts and scanner.service.ts; here are only reads and writes. A run's ending is
 * a compare-and-set on its state, so an ended run is never written over.
 */
import type { Kysely, Selectable } from "kysely";
import type { Database } from "../store/database.js";
import type { Store } from "../store/store.js";
import {
  ENDED_SCAN_STATES,
  NO_COUNTS,
  SCAN_STATES,
  type ScanCounts,
  type ScanRun,
  type ScanState,
} from "./scan-run.js";

export interface ScanRunsTable {
  id: string;
  schedule: string | null;
  state: string;
  total: number;
  processed: number;
  successes: number;
  failures: number;
  skipped: number;
  message: string | null;
  node: string | null;
  started_by: string | null;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
  updated_at: number;
}

// A type, not an interface: withTables needs the implicit index signature only types have.
export type ScanRunTables = { scan_runs: ScanRunsTable };

const OPEN_STATES = SCAN_STATES.filter((state) => !ENDED_SCAN_STATES.includes(state));

export interface ScanRunFilter {
  readonly schedule?: string | undefined;
  readonly state?: ScanState | undefined;
  readonly limit: number;
}

function toRun(row: Selectable<ScanRunsTable>): ScanRun {
  return {
    id: row.id,
    schedule: row.schedule,
    progress: {
      state: row.state as ScanState,
      total: Number(row.total),
      processed: Number(row.processed),
      successes: Number(row.successes),
      failures: Number(row.failures),
      skipped: Number(row.skipped),
    },
    message: row.message,
    node: row.node,
    startedBy: row.started_by,
    createdAt: Number(row.created_at),
    startedAt: row.started_at === null ? null : Number(row.started_at),
    endedAt: row.ended_at === null ? null : Number(row.ended_at),
    updatedAt: Number(row.updated_at),
  };
}

export class ScanRunRepository {
  private constructor(private readonly db: Kysely<Database & ScanRunTables>) {}

  static of(store: Store): ScanRunRepository {
    return new ScanRunRepository(store.db.withTables<ScanRunTables>());
  }

  /**
   * Records a run executed but not started yet. Its job may have started it already (a
   * free node is quick): then only who executed it is added.
   */
  async create(row: {
    id: string;
    schedule: string | null;
    startedBy: string | null;
    at: number;
  }): Promise<void> {
    await this.db
      .insertInto("scan_runs")
      .values({
        id: row.id,
        schedule: row.schedule,
        state: "INITIALIZED",
        ...NO_COUNTS,
        message: null,
        node: null,
        started_by: row.startedBy,
        created_at: row.at,
        started_at: null,
        ended_at: null,
        updated_at: row.at,
      })
      .onConflict((oc) => oc.column("id").doUpdateSet({ started_by: row.startedBy }))
      .execute();
  }

  /** Makes the run ACTIVE on `node` with no counts: created now, or started again (a resumed job). */
  async start(row: {
    id: string;
    schedule: string | null;
    node: string;
    at: number;
  }): Promise<void> {
    const active = {
      state: "ACTIVE",
      ...NO_COUNTS,
      message: null,
      node: row.node,
      started_at: row.at,
      ended_at: null,
      updated_at: row.at,
    };
    await this.db
      .insertInto("scan_runs")
      .values({
        ...active,
        id: row.id,
        schedule: row.schedule,
        started_by: null,
        created_at: row.at,
      })
      .onConflict((oc) =>
        oc
          .column("id")
          .doUpdateSet(row.schedule === null ? active : { ...active, schedule: row.schedule }),
      )
      .execute();
  }

  /** The counts of a run that is still ACTIVE. */
  async progress(id: string, counts: ScanCounts, at: number): Promise<void> {
    await this.db
      .updateTable("scan_runs")
      .set({ ...counts, updated_at: at })
      .where("id", "=", id)
      .where("state", "=", "ACTIVE")
      .execute();
  }

  /**
   * Moves a run that has not ended to `state` (an ended one, or INITIALIZED for a run put
   * back), with its counts when given. Returns whether it moved.
   */
  async move(
    id: string,
    change: { state: ScanState; message: string | null; at: number; counts?: ScanCounts },
  ): Promise<boolean> {
    const ended = ENDED_SCAN_STATES.includes(change.state);
    const result = await this.db
      .updateTable("scan_runs")
      .set({
        ...change.counts,
        state: change.state,
        message: change.message,
        updated_at: change.at,
        ...(ended ? { ended_at: change.at } : {}),
      })
      .where("id", "=", id)
      .where("state", "in", OPEN_STATES)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async byId(id: string): Promise<ScanRun | undefined> {
    const row = await this.db
      .selectFrom("scan_runs")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    return row === undefined ? undefined : toRun(row);
  }

  /** Newest first (ties by id, so the order never changes between two reads). */
  async list(filter: ScanRunFilter): Promise<ScanRun[]> {
    let query = this.db
      .selectFrom("scan_runs")
      .selectAll()
      .orderBy("created_at", "desc")
      .orderBy("id", "desc")
      .limit(filter.limit);
    if (filter.schedule !== undefined) query = query.where("schedule", "=", filter.schedule);
    if (filter.state !== undefined) query = query.where("state", "=", filter.state);
    return (await query.execute()).map(toRun);
  }

  /** Deletes the ended runs older than the newest `keep`; returns how many went. */
  async purge(keep: number): Promise<number> {
    const result = await this.db
      .deleteFrom("scan_runs")
      .where("ended_at", "is not", null)
      .where("id", "not in", (eb) =>
        eb
          .selectFrom("scan_runs")
          .select("id")
          .where("ended_at", "is not", null)
          .orderBy("ended_at", "desc")
          .orderBy("id", "desc")
          .limit(keep),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
