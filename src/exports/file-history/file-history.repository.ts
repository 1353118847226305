/**
 * The file history queries, on the store's query builder (tables made by migration
 * 000007-export-files). Rules (where files are kept, what a page is, retention) live in
 * file-history.service.ts; here are only reads and writes.
 */
import type { Kysely, Selectable } from "kysely";
import type { Database } from "../../store/database.js";
import type { Store } from "../../store/store.js";

export interface ExportFilesTable {
  id: string;
  name: string;
  /** Relative to the files directory: `<id>/<name>`. */
  path: string;
  size: number;
  row_count: number;
  md5: string;
  sha256: string;
  job_id: string;
  task_id: string | null;
  task_name: string;
  project_id: string | null;
  project_name: string | null;
  started_by: string | null;
  created_at: number;
}

export interface ExportQueryCacheTable {
  location: string;
  query: string;
  sha256: string;
  fetched_at: number;
}

// A type, not an interface: withTables needs the implicit index signature only types have.
export type FileHistoryTables = {
  export_files: ExportFilesTable;
  export_query_cache: ExportQueryCacheTable;
};

export type FileRecord = Selectable<ExportFilesTable>;

/** Where a page of files starts: after this file, in the order newest first. */
export interface FilePosition {
  readonly createdAt: number;
  readonly id: string;
}

export interface FileFilter {
  readonly taskId?: string | undefined;
  readonly projectId?: string | undefined;
  readonly after?: FilePosition | undefined;
  readonly size: number;
}

export class FileHistoryRepository {
  private constructor(private readonly db: Kysely<Database & FileHistoryTables>) {}

  static of(store: Store): FileHistoryRepository {
    return new FileHistoryRepository(store.db.withTables<FileHistoryTables>());
  }

  async insert(row: FileRecord): Promise<void> {
    await this.db.insertInto("export_files").values(row).execute();
  }

  byId(id: string): Promise<FileRecord | undefined> {
    return this.db.selectFrom("export_files").selectAll().where("id", "=", id).executeTakeFirst();
  }

  /** Newest first (ties by id, so that a page never repeats or skips a file). */
  list(filter: FileFilter): Promise<FileRecord[]> {
    let query = this.db
      .selectFrom("export_files")
      .selectAll()
      .orderBy("created_at", "desc")
      .orderBy("id", "desc")
      .limit(filter.size);
    if (filter.taskId !== undefined) query = query.where("task_id", "=", filter.taskId);
    if (filter.projectId !== undefined) query = query.where("project_id", "=", filter.projectId);
    const after = filter.after;
    if (after !== undefined) {
      query = query.where((eb) =>
        eb.or([
          eb("created_at", "<", after.createdAt),
          eb.and([eb("created_at", "=", after.createdAt), eb("id", "<", after.id)]),
        ]),
      );
    }
    return query.execute();
  }

  /** Files made before `before`, oldest first, at most `limit`. */
  olderThan(before: number, limit: number): Promise<Pick<FileRecord, "id" | "path">[]> {
    return this.db
      .selectFrom("export_files")
      .select(["id", "path"])
      .where("created_at", "<", before)
      .orderBy("created_at")
      .orderBy("id")
      .limit(limit)
      .execute();
  }

  async delete(ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const result = await this.db
      .deleteFrom("export_files")
      .where("id", "in", ids)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  cachedQuery(location: string): Promise<Selectable<ExportQueryCacheTable> | undefined> {
    return this.db
      .selectFrom("export_query_cache")
      .selectAll()
      .where("location", "=", location)
      .executeTakeFirst();
  }

  async cacheQuery(row: ExportQueryCacheTable): Promise<void> {
    await this.db
      .insertInto("export_query_cache")
      .values(row)
      .onConflict((oc) =>
        oc.column("location").doUpdateSet({
          query: row.query,
          sha256: row.sha256,
          fetched_at: row.fetched_at,
        }),
      )
      .execute();
  }
}
