/**
 * The task rules: a task's config (its export settings through the exports' own check,
 * the connections they name against the stored ones' types, its schedules as the
 * schedules they become) is checked whole before anything is stored; every create or edit
 * that changes it (enable, disable, reschedule and a move to another project among them)
 * appends a config version in the same transaction, and the newest is what runs; a
 * duplicate starts disabled; task names are unique in a project. A task names stored
 * connections and holds no secret, so what is stored is what is read back.
 *
 * Running tasks, their runs, audit events and files are task-runs.service.ts's.
 *
 * @example
 * const tasks = new TaskService(sundial.store, { projects, schedules: sundial.schedules, exportSettings: checkExportSpec });
 * const task = await tasks.create({ project: "sales", name: "north", source: {…}, output: {…}, destinations: […] }, { by: "ada" });
 * await tasks.setEnabled(task.id, false, { by: "ada" });
 */
import { randomBytes } from "node:crypto";
import { type Clock, systemClock } from "../clock.js";
import { SundialError } from "../errors.js";
import type { ScheduleService } from "../schedules/schedule.service.js";
import { isUniqueViolation } from "../store/database-errors.js";
import type { Store } from "../store/store.js";
import { sameConfig } from "./config-diff.js";
import { ConfigHistory } from "./config-history.js";
import { ConnectionRepository } from "./connections/connection.repository.js";
import type { ExportSettingsCheck } from "./export-ports.js";
import { OwnedSchedules, taskScheduleContext } from "./owned-schedules.js";
import type {
  ConfigDiff,
  ConfigVersion,
  ProjectConfig,
  SaveOptions,
  ScheduleEntry,
  Task,
  TaskConfig,
} from "./project.js";
import { ProjectRepository, type TaskListQuery, type TaskRecord } from "./project.repository.js";
import {
  changedMeanwhile,
  type ProjectService,
  projectConfigOf,
  taskConfigOf,
} from "./project.service.js";
import {
  checkBody,
  checkName,
  checkParameters,
  checkTimeZone,
  DEFAULT_RETRIES,
  EXPORT_SETTINGS,
  entryOf,
  type TaskInput,
  TaskInputSchema,
} from "./project-input.js";

export interface TaskServiceOptions {
  readonly projects: ProjectService;
  readonly schedules: ScheduleService;
  /** The exports' check of a task's settings (`checkExportSpec`). */
  readonly exportSettings: ExportSettingsCheck;
  readonly clock?: Clock;
}

export const taskNotFound = (id: string) =>
  new SundialError("notFound", `No task has the id "${id}"; list tasks to find it.`, {
    field: "id",
  });

/** A stored task and its project's config: what every rule about a task starts from. */
export interface TaskState {
  readonly record: TaskRecord;
  readonly config: TaskConfig;
  readonly project: ProjectConfig;
}

/**
 * A task's config as a version holds it: as users write it, the export settings beside
 * the task's own (so that a diff names `output.format.delimiter`, as the API does).
 */
function versionConfig(config: TaskConfig): Record<string, unknown> {
  const { spec, ...rest } = config;
  return { ...rest, ...spec };
}

export class TaskService {
  private readonly repository: ProjectRepository;
  private readonly connections: ConnectionRepository;
  private readonly owned: OwnedSchedules;
  private readonly projects: ProjectService;
  private readonly exportSettings: ExportSettingsCheck;
  private readonly clock: Clock;
  private readonly history: ConfigHistory;

  constructor(store: Store, options: TaskServiceOptions) {
    this.repository = ProjectRepository.of(store);
    this.connections = ConnectionRepository.of(store);
    this.owned = new OwnedSchedules(options.schedules);
    this.projects = options.projects;
    this.exportSettings = options.exportSettings;
    this.clock = options.clock ?? systemClock;
    this.history = new ConfigHistory(store, { clock: this.clock });
  }

  /**
   * Creates a task in the project its input names; version 1 of its config.
   * @throws SundialError `badRequest` / TriggerError naming the field; `notFound` naming
   *   `project`; `conflict` when the project has a task of that name.
   */
  async create(input: unknown, options: SaveOptions = {}): Promise<Task> {
    const body = checkBody(TaskInputSchema, input) as TaskInput;
    const { config, project } = await this.configOf(body, undefined);
    return this.save(undefined, config, project, options);
  }

  /** @throws SundialError `notFound`. */
  async get(id: string): Promise<Task> {
    const { record, config } = await this.state(id);
    return this.view(record, config);
  }

  /** A page of tasks, sorted, with how many match in all. */
  async list(query: TaskListQuery): Promise<{ result: Task[]; total: number }> {
    const { rows, total } = await this.repository.listTasks(query);
    return {
      result: await Promise.all(rows.map((row) => this.view(row, taskConfigOf(row)))),
      total,
    };
  }

  /**
   * Replaces a task's config; a `rank` left out keeps the task's place. A change appends a
   * version; an edit that changes nothing appends none.
   * @throws as {@link create}; `conflict` for a `version` that is no longer the newest.
   */
  async update(id: string, input: unknown, options: SaveOptions = {}): Promise<Task> {
    const current = await this.state(id);
    const body = checkBody(TaskInputSchema, input) as TaskInput;
    if (body.version !== undefined && body.version !== current.record.version) {
      throw changedMeanwhile(`task ${current.config.name}`, body.version, current.record.version);
    }
    const { config, project } = await this.configOf(body, current.config);
    return this.save(current, config, project, options);
  }

  /** Enables or disables a task: a disabled task's schedules don't fire and its project's runs skip it. */
  async setEnabled(id: string, enabled: boolean, options: SaveOptions = {}): Promise<Task> {
    const current = await this.state(id);
    return this.save(current, { ...current.config, enabled }, current.project, options);
  }

  /**
   * Replaces a task's schedules.
   * @throws SundialError / TriggerError naming the field, e.g. `schedules[0].schedule`.
   */
  async reschedule(id: string, schedules: unknown, options: SaveOptions = {}): Promise<Task> {
    if (!Array.isArray(schedules)) {
      throw new SundialError("badRequest", "schedules: must be a list of schedules", {
        field: "schedules",
      });
    }
    const current = await this.state(id);
    // Checked as the whole task would be, so the messages are the same.
    const body = checkBody(TaskInputSchema, {
      project: current.config.projectId,
      name: current.config.name,
      schedules,
    });
    const entries = (body.schedules ?? []).map(entryOf);
    return this.save(current, { ...current.config, schedules: entries }, current.project, options);
  }

  /**
   * Copies a task, disabled, under `name` (default "<name> copy", numbered while taken),
   * in its project or the one named; the copy's history starts at version 1.
   */
  async duplicate(
    id: string,
    change: { readonly name?: string | undefined; readonly project?: string | undefined } = {},
    options: SaveOptions = {},
  ): Promise<Task> {
    const current = await this.state(id);
    const target =
      change.project === undefined
        ? { id: current.config.projectId, config: current.project }
        : await this.projectOf(change.project);
    const name =
      change.name === undefined
        ? await this.freeName(target.id, current.config.name)
        : checkName(change.name, "name", "task");
    const config = { ...current.config, projectId: target.id, name, enabled: false };
    return this.save(undefined, config, target.config, options);
  }

  /** Deletes a task, its schedules, runs, audit events and config versions. @throws SundialError `notFound`. */
  async delete(id: string): Promise<void> {
    const { config } = await this.state(id);
    const deleted = await this.repository.transaction((repository) => repository.deleteTask(id));
    if (!deleted) throw taskNotFound(id);
    await this.owned.remove("task", id, config.schedules.length);
  }

  /** Every config version, the newest first. */
  async versions(id: string): Promise<ConfigVersion[]> {
    await this.state(id);
    return this.history.versions("task", id);
  }

  async version(id: string, version: number): Promise<ConfigVersion> {
    await this.state(id);
    return this.history.version("task", id, version);
  }

  /** What changed between two versions, field by field. */
  async diff(id: string, from?: number, to?: number): Promise<ConfigDiff> {
    await this.state(id);
    return this.history.diff("task", id, from, to);
  }

  /** The stored task and its project's config. @throws SundialError `notFound`. */
  async state(id: string): Promise<TaskState> {
    const record = await this.repository.taskById(id);
    if (record === undefined) throw taskNotFound(id);
    const project = await this.projects.record(record.project_id);
    return { record, config: taskConfigOf(record), project: projectConfigOf(project) };
  }

  /** The task as users read it: its export settings flattened in, its schedules with their ids. */
  async view(record: TaskRecord, config: TaskConfig): Promise<Task> {
    const { spec, schedules, ...rest } = config;
    return {
      id: record.id,
      ...rest,
      project: record.project_name,
      schedules: await this.owned.view("task", record.id, schedules),
      ...spec,
      version: record.version,
      createdAt: record.created_at,
      updatedAt: record.updated_at,
      createdBy: record.created_by,
      updatedBy: record.updated_by,
    } as Task;
  }

  /** Stores a new task (`current` undefined) or a changed one, then its schedules. */
  private async save(
    current: TaskState | undefined,
    config: TaskConfig,
    project: ProjectConfig,
    options: SaveOptions,
  ): Promise<Task> {
    const id = current?.record.id ?? `tsk_${randomBytes(9).toString("base64url")}`;
    const context = taskScheduleContext(config, project);
    this.owned.check("task", id, config.schedules, context);
    if (current !== undefined && sameConfig(current.config, config)) return this.get(id);
    const now = this.clock.now();
    const by = options.by ?? null;
    const version = (current?.record.version ?? 0) + 1;
    const row = {
      project_id: config.projectId,
      name: config.name,
      enabled: config.enabled ? 1 : 0,
      run_rank: config.rank,
      config: JSON.stringify(config),
      version,
      updated_at: now,
      updated_by: by,
    };
    try {
      await this.repository.transaction(async (repository) => {
        if (current === undefined) {
          await repository.insertTask({ id, ...row, created_at: now, created_by: by });
        } else if (!(await repository.updateTask(id, current.record.version, row))) {
          throw changedMeanwhile(`task ${current.config.name}`, current.record.version);
        }
        await ConfigHistory.appendIn(repository, {
          kind: "task",
          id,
          version,
          config: versionConfig(config),
          by,
          at: now,
        });
      });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      throw new SundialError(
        "conflict",
        `name: project ${project.name} has a task named "${config.name}"; choose another name`,
        { field: "name", cause: error },
      );
    }
    const previous = current?.config.schedules.length ?? 0;
    await this.owned.save("task", id, config.schedules, previous, { ...context, by: options.by });
    return this.get(id);
  }

  /** The config an input describes, with its defaults, its export settings checked. */
  private async configOf(
    input: TaskInput,
    old: TaskConfig | undefined,
  ): Promise<{ config: TaskConfig; project: ProjectConfig }> {
    const project = await this.projectOf(input.project);
    const name = checkName(input.name, "name", "task");
    const settings = Object.fromEntries(
      EXPORT_SETTINGS.filter((key) => input[key] !== undefined).map((key) => [key, input[key]]),
    );
    const parameters = checkParameters(input.parameters, "parameters");
    // Templates may name any parameter a run will have: the project's and the task's.
    const names = Object.keys({ ...project.config.parameters, ...parameters });
    const spec = (await this.exportSettings(settings, "", {
      parameters: names,
      // A connection named but not stored yet is allowed: the run checks it.
      connectionType: async (name) => (await this.connections.byName(name))?.type,
    })) as Record<string, unknown>;
    const sameProject = old?.projectId === project.id;
    const config: TaskConfig = {
      projectId: project.id,
      name,
      enabled: input.enabled ?? true,
      rank: input.rank ?? (sameProject && old ? old.rank : await this.nextRank(project.id)),
      parameters,
      timeZone:
        input.timeZone === undefined || input.timeZone === null
          ? null
          : checkTimeZone(input.timeZone, "timeZone"),
      schedules: (input.schedules ?? []).map((entry) => entryOf(entry as ScheduleEntry)),
      retries: { ...DEFAULT_RETRIES, ...input.retries },
      spec,
    };
    return { config, project: project.config };
  }

  /** The id of the project `ref` names. @throws SundialError `notFound` naming `project`. */
  async projectIdOf(ref: string): Promise<string> {
    return (await this.projectOf(ref)).id;
  }

  private async projectOf(ref: string): Promise<{ id: string; config: ProjectConfig }> {
    try {
      const record = await this.projects.record(ref);
      return { id: record.id, config: projectConfigOf(record) };
    } catch (error) {
      if ((error as SundialError).code !== "notFound") throw error;
      throw new SundialError(
        "notFound",
        `project: no project has the name or id "${ref}"; create it first, or list projects to find it`,
        { field: "project" },
      );
    }
  }

  /** After the project's last task: a new task runs last in a series. */
  private async nextRank(projectId: string): Promise<number> {
    const tasks = await this.repository.taskNamesOfProject(projectId);
    return tasks.length === 0 ? 1 : Math.max(...tasks.map((task) => task.run_rank)) + 1;
  }

  private async freeName(projectId: string, name: string): Promise<string> {
    const taken = new Set((await this.repository.taskNamesOfProject(projectId)).map((t) => t.name));
    const base = `${name.slice(0, 90)} copy`;
    for (let n = 1; ; n++) {
      const candidate = n === 1 ? base : `${base} ${n}`;
      if (!taken.has(candidate)) return candidate;
    }
  }
}
