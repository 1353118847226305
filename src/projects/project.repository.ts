/**
 * The project, task and config-version queries, on the store's query builder. Rules
 * (what is valid, who owns what, when a version is appended) live in the services; here
 * are only reads and writes, every value bound as a parameter and every sort column
 * taken from an allowlist.
 */
import { type Kysely, type Selectable, sql, type Updateable } from "kysely";
import type { Database } from "../store/database.js";
import type { Store } from "../store/store.js";
import type {
  ConfigVersionsTable,
  ProjectsTable,
  ProjectTables,
  TasksTable,
} from "./project-tables.js";

type ProjectDatabase = Database & ProjectTables;

export type ProjectRecord = Selectable<ProjectsTable> & { readonly task_count: number };
export type TaskRecord = Selectable<TasksTable> & { readonly project_name: string };
export type VersionRecord = Selectable<ConfigVersionsTable>;

/** The columns a task list may be sorted by, as the API names them. */
export const TASK_SORT_KEYS = {
  name: "tasks.name",
  project: "projects.name",
  rank: "tasks.run_rank",
  enabled: "tasks.enabled",
  createdAt: "tasks.created_at",
  updatedAt: "tasks.updated_at",
} as const;
export type TaskSortKey = keyof typeof TASK_SORT_KEYS;

export interface TaskListQuery {
  readonly projectId?: string | undefined;
  readonly owner?: string | undefined;
  readonly enabled?: boolean | undefined;
  /** A case-insensitive substring of the task's or its project's name. */
  readonly search?: string | undefined;
  readonly sort: readonly { readonly key: TaskSortKey; readonly descending: boolean }[];
  readonly offset: number;
  readonly limit: number;
}

/** `%`, `_` and `\` match themselves in a LIKE pattern built from `text`. */
function likePattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export class ProjectRepository {
  /** Within a transaction, `db` is the transaction. */
  private constructor(private readonly db: Kysely<ProjectDatabase>) {}

  static of(store: Store): ProjectRepository {
    return new ProjectRepository(store.db.withTables<ProjectTables>());
  }

  /**
   * Runs `work` in one transaction; not to be nested. No other store operation may run
   * inside it: on SQLite the store has one connection, which the transaction holds.
   */
  transaction<T>(work: (repository: ProjectRepository) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => work(new ProjectRepository(trx)));
  }

  // ── projects ─────────────────────────────────────────────────────────────────────

  private projects() {
    return this.db
      .selectFrom("projects")
      .selectAll("projects")
      .select((eb) =>
        eb
          .selectFrom("tasks")
          .select(eb.fn.countAll<number>().as("n"))
          .whereRef("tasks.project_id", "=", "projects.id")
          .as("task_count"),
      );
  }

  private async oneProject(where: "id" | "name", value: string) {
    const row = await this.projects().where(`projects.${where}`, "=", value).executeTakeFirst();
    return row && { ...row, task_count: Number(row.task_count) };
  }

  projectById(id: string): Promise<ProjectRecord | undefined> {
    return this.oneProject("id", id);
  }

  projectByName(name: string): Promise<ProjectRecord | undefined> {
    return this.oneProject("name", name);
  }

  /** By name; filtered by owner and by a case-insensitive substring of the name. */
  async listProjects(query: { owner?: string; search?: string }): Promise<ProjectRecord[]> {
    let select = this.projects().orderBy("projects.name");
    if (query.owner !== undefined) {
      const owner = query.owner;
      select = select.where((eb) =>
        eb.exists(
          eb
            .selectFrom("project_owners")
            .select("project_owners.owner")
            .whereRef("project_owners.project_id", "=", "projects.id")
            .where("project_owners.owner", "=", owner),
        ),
      );
    }
    if (query.search !== undefined) {
      const pattern = likePattern(query.search);
      select = select.where(sql<boolean>`lower(projects.name) like ${pattern} escape '\\'`);
    }
    const rows = await select.execute();
    return rows.map((row) => ({ ...row, task_count: Number(row.task_count) }));
  }

  /** Inserts a project and its owners; throws a unique violation when the name is taken. */
  async insertProject(row: ProjectsTable, owners: readonly string[]): Promise<void> {
    await this.db.insertInto("projects").values(row).execute();
    await this.setOwners(row.id, owners);
  }

  /**
   * Changes the project if it is still at `version` (a compare-and-set: two edits can't
   * both build on the same version); false when it is gone or was changed meanwhile.
   */
  async updateProject(
    id: string,
    version: number,
    change: Updateable<ProjectsTable>,
    owners: readonly string[],
  ): Promise<boolean> {
    const result = await this.db
      .updateTable("projects")
      .set(change)
      .where("id", "=", id)
      .where("version", "=", version)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) return false;
    await this.db.deleteFrom("project_owners").where("project_id", "=", id).execute();
    await this.setOwners(id, owners);
    return true;
  }

  private async setOwners(projectId: string, owners: readonly string[]): Promise<void> {
    if (owners.length === 0) return;
    await this.db
      .insertInto("project_owners")
      .values(owners.map((owner) => ({ project_id: projectId, owner })))
      .execute();
  }

  async deleteProject(id: string): Promise<boolean> {
    await this.db.deleteFrom("project_owners").where("project_id", "=", id).execute();
    const result = await this.db.deleteFrom("projects").where("id", "=", id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  // ── tasks ────────────────────────────────────────────────────────────────────────

  private tasks() {
    return this.db
      .selectFrom("tasks")
      .innerJoin("projects", "projects.id", "tasks.project_id")
      .selectAll("tasks")
      .select("projects.name as project_name");
  }

  taskById(id: string): Promise<TaskRecord | undefined> {
    return this.tasks().where("tasks.id", "=", id).executeTakeFirst();
  }

  /** A project's tasks in run order: by rank, then name. */
  tasksOfProject(projectId: string): Promise<TaskRecord[]> {
    return this.tasks()
      .where("tasks.project_id", "=", projectId)
      .orderBy("tasks.run_rank")
      .orderBy("tasks.name")
      .execute();
  }

  taskNamesOfProject(projectId: string): Promise<{ name: string; run_rank: number }[]> {
    return this.db
      .selectFrom("tasks")
      .select(["name", "run_rank"])
      .where("project_id", "=", projectId)
      .execute();
  }

  /** A page of tasks and how many match in all. */
  async listTasks(query: TaskListQuery): Promise<{ rows: TaskRecord[]; total: number }> {
    let select = this.tasks();
    if (query.projectId !== undefined)
      select = select.where("tasks.project_id", "=", query.projectId);
    if (query.enabled !== undefined)
      select = select.where("tasks.enabled", "=", query.enabled ? 1 : 0);
    if (query.owner !== undefined) {
      const owner = query.owner;
      select = select.where((eb) =>
        eb.exists(
          eb
            .selectFrom("project_owners")
            .select("project_owners.owner")
            .whereRef("project_owners.project_id", "=", "tasks.project_id")
            .where("project_owners.owner", "=", owner),
        ),
      );
    }
    if (query.search !== undefined) {
      const pattern = likePattern(query.search);
      select = select.where(
        sql<boolean>`(lower(tasks.name) like ${pattern} escape '\\' or lower(projects.name) like ${pattern} escape '\\')`,
      );
    }
    const counted = await select
      .clearSelect()
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    let page = select;
    for (const { key, descending } of query.sort) {
      page = page.orderBy(TASK_SORT_KEYS[key], descending ? "desc" : "asc");
    }
    // The id last: pages never repeat or skip a task whose sort values tie.
    const rows = await page.orderBy("tasks.id").offset(query.offset).limit(query.limit).execute();
    return { rows, total: Number(counted.n) };
  }

  /** Inserts a task; throws a unique violation when its project has a task of that name. */
  async insertTask(row: TasksTable): Promise<void> {
    await this.db.insertInto("tasks").values(row).execute();
  }

  /** As {@link updateProject}, for a task. */
  async updateTask(id: string, version: number, change: Updateable<TasksTable>): Promise<boolean> {
    const result = await this.db
      .updateTable("tasks")
      .set(change)
      .where("id", "=", id)
      .where("version", "=", version)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Deletes a task with its runs, audit events and config versions. */
  async deleteTask(id: string): Promise<boolean> {
    await this.db.deleteFrom("task_runs").where("task_id", "=", id).execute();
    await this.db.deleteFrom("task_audit").where("task_id", "=", id).execute();
    await this.deleteVersions("task", id);
    const result = await this.db.deleteFrom("tasks").where("id", "=", id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  // ── config versions ──────────────────────────────────────────────────────────────

  /** Appends a version; throws a unique violation when that number is taken. */
  async insertVersion(row: ConfigVersionsTable): Promise<void> {
    await this.db.insertInto("config_versions").values(row).execute();
  }

  newestVersion(kind: string, subjectId: string): Promise<VersionRecord | undefined> {
    return this.db
      .selectFrom("config_versions")
      .selectAll()
      .where("kind", "=", kind)
      .where("subject_id", "=", subjectId)
      .orderBy("version", "desc")
      .limit(1)
      .executeTakeFirst();
  }

  /** Newest first. */
  versions(kind: string, subjectId: string): Promise<VersionRecord[]> {
    return this.db
      .selectFrom("config_versions")
      .selectAll()
      .where("kind", "=", kind)
      .where("subject_id", "=", subjectId)
      .orderBy("version", "desc")
      .execute();
  }

  version(kind: string, subjectId: string, version: number): Promise<VersionRecord | undefined> {
    return this.db
      .selectFrom("config_versions")
      .selectAll()
      .where("kind", "=", kind)
      .where("subject_id", "=", subjectId)
      .where("version", "=", version)
      .executeTakeFirst();
  }

  async deleteVersions(kind: string, subjectId: string): Promise<void> {
    await this.db
      .deleteFrom("config_versions")
      .where("kind", "=", kind)
      .where("subject_id", "=", subjectId)
      .execute();
  }
}
