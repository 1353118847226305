/**
 * The project rules: a project's config is checked whole before anything is stored (its
 * schedules as the schedules they become); every create or edit that changes it appends
 * a config version in the same transaction; an edit names the version it builds on or
 * takes the newest; a project with tasks can't be deleted; its schedules are real
 * schedules invoking its run.
 *
 * @example
 * const projects = new ProjectService(sundial.store, { schedules: sundial.schedules, jobs: sundial.jobs });
 * const sales = await projects.create({ name: "sales", runMode: "series",
 *   schedules: [{ schedule: "0 0 6 ? * MON-FRI", timeZone: "Europe/London" }] }, { by: "ada" });
 * const job = await projects.run("sales", { runBy: { id: "usr_1", name: "ada" } });
 */
import { randomBytes } from "node:crypto";
import { type Clock, systemClock } from "../clock.js";
import { SundialError } from "../errors.js";
import type { Job, RunBy } from "../jobs/job.js";
import type { JobService } from "../jobs/job.service.js";
import type { ScheduleService } from "../schedules/schedule.service.js";
import { isUniqueViolation } from "../store/database-errors.js";
import type { Store } from "../store/store.js";
import { sameConfig } from "./config-diff.js";
import { ConfigHistory } from "./config-history.js";
import { EXPORT_JOB_TYPE, OwnedSchedules, taskScheduleContext } from "./owned-schedules.js";
import type {
  ConfigDiff,
  ConfigVersion,
  Project,
  ProjectConfig,
  ProjectSummary,
  SaveOptions,
  TaskConfig,
} from "./project.js";
import { type ProjectRecord, ProjectRepository } from "./project.repository.js";
import {
  checkBody,
  checkName,
  checkParameters,
  checkTimeZone,
  entryOf,
  type ProjectInput,
  ProjectInputSchema,
} from "./project-input.js";

export interface ProjectServiceOptions {
  readonly schedules: ScheduleService;
  readonly jobs: JobService;
  readonly clock?: Clock;
}

/** Who asked for a run: they become its job's `runBy`. */
export interface RunOptions {
  readonly runBy?: RunBy | undefined;
}

export const projectNotFound = (ref: string) =>
  new SundialError("notFound", `No project has the name or id "${ref}"; list them to find it.`, {
    field: "id",
  });

/** The edit built on a version that is no longer the newest. */
export function changedMeanwhile(what: string, given: number, current?: number): SundialError {
  const now = current === undefined ? "is past it" : `is at version ${current}`;
  return new SundialError(
    "conflict",
    `version: the edit builds on version ${given} of ${what}, which ${now}: it was changed meanwhile; read it again and redo the edit`,
    { field: "version" },
  );
}

export function projectConfigOf(record: Pick<ProjectRecord, "config">): ProjectConfig {
  return JSON.parse(record.config) as ProjectConfig;
}

export function taskConfigOf(record: { readonly config: string }): TaskConfig {
  return JSON.parse(record.config) as TaskConfig;
}

export class ProjectService {
  private readonly repository: ProjectRepository;
  private readonly owned: OwnedSchedules;
  private readonly jobs: JobService;
  private readonly clock: Clock;
  readonly history: ConfigHistory;

  constructor(store: Store, options: ProjectServiceOptions) {
    this.repository = ProjectRepository.of(store);
    this.owned = new OwnedSchedules(options.schedules);
    this.jobs = options.jobs;
    this.clock = options.clock ?? systemClock;
    this.history = new ConfigHistory(store, { clock: this.clock });
  }

  /**
   * Creates a project; version 1 of its config.
   * @throws SundialError `badRequest` / TriggerError naming the field; `conflict` when the name is taken.
   */
  async create(input: unknown, options: SaveOptions = {}): Promise<Project> {
    const id = `prj_${randomBytes(9).toString("base64url")}`;
    const config = this.configOf(checkBody(ProjectInputSchema, input), undefined, options.by);
    this.owned.check("project", id, config.schedules, { ...config, enabled: true });
    const now = this.clock.now();
    const by = options.by ?? null;
    await this.unique(config.name, () =>
      this.repository.transaction(async (repository) => {
        await repository.insertProject(
          {
            id,
            name: config.name,
            config: JSON.stringify(config),
            version: 1,
            created_at: now,
            updated_at: now,
            created_by: by,
            updated_by: by,
          },
          config.owners,
        );
        await ConfigHistory.appendIn(repository, {
          kind: "project",
          id,
          version: 1,
          config,
          by,
          at: now,
        });
      }),
    );
    await this.owned.save("project", id, config.schedules, 0, {
      ...config,
      enabled: true,
      by: options.by,
    });
    return this.get(id);
  }

  /** A project by id or name. @throws SundialError `notFound`. */
  async get(ref: string): Promise<Project> {
    const record = await this.record(ref);
    const { schedules, ...config } = projectConfigOf(record);
    return {
      id: record.id,
      ...config,
      schedules: await this.owned.view("project", record.id, schedules),
      taskCount: record.task_count,
      version: record.version,
      createdAt: record.created_at,
      updatedAt: record.updated_at,
      createdBy: record.created_by,
      updatedBy: record.updated_by,
    };
  }

  /** Projects by name, with their task counts; filtered by owner and by part of the name. */
  async list(query: { owner?: string; search?: string } = {}): Promise<ProjectSummary[]> {
    const rows = await this.repository.listProjects(query);
    return rows.map((record) => {
      const { schedules: _, parameters: __, ...config } = projectConfigOf(record);
      return {
        id: record.id,
        ...config,
        taskCount: record.task_count,
        version: record.version,
        createdAt: record.created_at,
        updatedAt: record.updated_at,
        createdBy: record.created_by,
        updatedBy: record.updated_by,
      };
    });
  }

  /**
   * Replaces a project's config (a rename among it); owners left out are kept. A change
   * appends a version; an edit that changes nothing appends none.
   * @throws SundialError `notFound`; `badRequest` naming the field; `conflict` for a
   *   taken name or a `version` that is no longer the newest.
   */
  async update(ref: string, input: unknown, options: SaveOptions = {}): Promise<Project> {
    const record = await this.record(ref);
    const body = checkBody(ProjectInputSchema, input);
    if (body.version !== undefined && body.version !== record.version) {
      throw changedMeanwhile(`project ${record.name}`, body.version, record.version);
    }
    const old = projectConfigOf(record);
    const config = this.configOf(body, old, options.by);
    this.owned.check("project", record.id, config.schedules, { ...config, enabled: true });
    if (sameConfig(old, config)) return this.get(record.id);
    const now = this.clock.now();
    const by = options.by ?? null;
    const version = record.version + 1;
    await this.unique(config.name, () =>
      this.repository.transaction(async (repository) => {
        const updated = await repository.updateProject(
          record.id,
          record.version,
          {
            name: config.name,
            config: JSON.stringify(config),
            version,
            updated_at: now,
            updated_by: by,
          },
          config.owners,
        );
        if (!updated) throw changedMeanwhile(`project ${record.name}`, record.version);
        await ConfigHistory.appendIn(repository, {
          kind: "project",
          id: record.id,
          version,
          config,
          by,
          at: now,
        });
      }),
    );
    await this.owned.save("project", record.id, config.schedules, old.schedules.length, {
      ...config,
      enabled: true,
      by: options.by,
    });
    if (old.timeZone !== config.timeZone || !sameConfig(old.owners, config.owners)) {
      await this.resaveTaskSchedules(record.id, config, options.by);
    }
    return this.get(record.id);
  }

  /** Tasks' schedules take their project's zone and owners: saved again when those change. */
  private async resaveTaskSchedules(
    projectId: string,
    project: ProjectConfig,
    by: string | undefined,
  ): Promise<void> {
    for (const task of await this.repository.tasksOfProject(projectId)) {
      const config = taskConfigOf(task);
      await this.owned.save("task", task.id, config.schedules, config.schedules.length, {
        ...taskScheduleContext(config, project),
        by,
      });
    }
  }

  /**
   * Deletes a project, its schedules and its config history.
   * @throws SundialError `notFound`; `conflict` while it has tasks.
   */
  async delete(ref: string): Promise<void> {
    const record = await this.record(ref);
    if (record.task_count > 0) {
      throw new SundialError(
        "conflict",
        `Project ${record.name} has ${record.task_count} task(s); delete them, or move them to another project, first.`,
        { field: "id" },
      );
    }
    const deleted = await this.repository.transaction(async (repository) => {
      await repository.deleteVersions("project", record.id);
      return repository.deleteProject(record.id);
    });
    if (!deleted) throw projectNotFound(ref);
    await this.owned.remove("project", record.id, projectConfigOf(record).schedules.length);
  }

  /**
   * Runs the project now: one `export` job that runs its enabled tasks in its run mode.
   * @throws SundialError `notFound`; `badRequest` when no `export` job type is defined.
   */
  async run(ref: string, options: RunOptions = {}): Promise<Job> {
    const record = await this.record(ref);
    return this.jobs.enqueue(
      EXPORT_JOB_TYPE,
      { projectId: record.id },
      { label: `project ${record.name}`, runBy: options.runBy ?? null },
    );
  }

  async versions(ref: string): Promise<ConfigVersion[]> {
    return this.history.versions("project", (await this.record(ref)).id);
  }

  async version(ref: string, version: number): Promise<ConfigVersion> {
    return this.history.version("project", (await this.record(ref)).id, version);
  }

  async diff(ref: string, from?: number, to?: number): Promise<ConfigDiff> {
    return this.history.diff("project", (await this.record(ref)).id, from, to);
  }

  /** The stored project, by id or else by name. @throws SundialError `notFound`. */
  async record(ref: string): Promise<ProjectRecord> {
    const record =
      (await this.repository.projectById(ref)) ?? (await this.repository.projectByName(ref));
    if (record === undefined) throw projectNotFound(ref);
    return record;
  }

  /** The config an input describes, with its defaults; an edit without owners keeps them. */
  private configOf(
    input: ProjectInput,
    old: ProjectConfig | undefined,
    by: string | undefined,
  ): ProjectConfig {
    return {
      name: checkName(input.name, "name", "project"),
      description: input.description ?? null,
      owners: input.owners ?? old?.owners ?? (by === undefined ? [] : [by]),
      parameters: checkParameters(input.parameters, "parameters"),
      runMode: input.runMode ?? "series",
      timeZone: checkTimeZone(input.timeZone ?? "UTC", "timeZone"),
      schedules: (input.schedules ?? []).map(entryOf),
    };
  }

  /** Runs a write whose unique violation means the project name is taken. */
  private async unique(name: string, write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      throw new SundialError(
        "conflict",
        `name: a project named "${name}" exists; choose another name`,
        { field: "name", cause: error },
      );
    }
  }
}
