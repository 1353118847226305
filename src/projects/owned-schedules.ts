/**
 * The schedules of projects and tasks are real schedules in the ScheduleService (so they
 * fire exactly once across a cluster, show in `/schedules`, and keep their own config
 * history), each invoking the `export` job type with an invoke context that names its
 * project or task. The project or task keeps the entries as the user wrote them; here
 * they become schedules: `project.<id>.<n>` / `task.<id>.<n>`, the n-th entry from 1.
 *
 * A disabled task's schedules are saved disabled, so that they make no jobs; enabling
 * the task gives each entry its own `enabled` again.
 */
import { SundialError } from "../errors.js";
import type { ScheduleService } from "../schedules/schedule.service.js";
import type { ScheduleEntry, ScheduleView } from "./project.js";
import { entryOf } from "./project-input.js";

export type ScheduleOwner = "project" | "task";

/** What the owner adds to each of its entries. */
export interface OwnerContext {
  readonly timeZone: string;
  /** False for a disabled task: its schedules don't fire. */
  readonly enabled: boolean;
  readonly owners: readonly string[];
}

/** The job type schedules of projects and tasks invoke. */
export const EXPORT_JOB_TYPE = "export";

/**
 * What a task's schedules take from the task and its project: a disabled task's don't
 * fire, a task without a zone of its own has its project's, and the project's owners own
 * them.
 */
export function taskScheduleContext(
  task: { readonly enabled: boolean; readonly timeZone: string | null },
  project: { readonly timeZone: string; readonly owners: readonly string[] },
): OwnerContext {
  return {
    enabled: task.enabled,
    timeZone: task.timeZone ?? project.timeZone,
    owners: project.owners,
  };
}

export function scheduleId(kind: ScheduleOwner, ownerId: string, index: number): string {
  return `${kind}.${ownerId}.${index + 1}`;
}

export class OwnedSchedules {
  constructor(private readonly schedules: ScheduleService) {}

  /** The schedule an entry becomes. */
  private inputOf(
    kind: ScheduleOwner,
    ownerId: string,
    entry: ScheduleEntry,
    context: OwnerContext,
  ): Record<string, unknown> {
    const config = entryOf(entry);
    return {
      ...config,
      timeZone: config.timeZone ?? context.timeZone,
      enabled: context.enabled && config.enabled !== false,
      invokeService: EXPORT_JOB_TYPE,
      invokeContext: kind === "project" ? { projectId: ownerId } : { taskId: ownerId },
      owners: [...context.owners],
    };
  }

  /**
   * Checks every entry as the schedule it will be, before anything is stored.
   * @throws SundialError / TriggerError naming the field, e.g. `schedules[1].schedule`.
   */
  check(
    kind: ScheduleOwner,
    ownerId: string,
    entries: readonly ScheduleEntry[],
    context: OwnerContext,
  ): void {
    entries.forEach((entry, index) => {
      if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
        throw new SundialError("badRequest", `schedules[${index}]: must be a schedule object`, {
          field: `schedules[${index}]`,
        });
      }
      this.schedules.check(this.inputOf(kind, ownerId, entry, context), `schedules[${index}]`);
    });
  }

  /**
   * Saves the entries as the owner's schedules and deletes those beyond them (of the
   * `previous` entries the owner had). Check them first: a schedule refused half-way would
   * leave the earlier ones saved.
   */
  async save(
    kind: ScheduleOwner,
    ownerId: string,
    entries: readonly ScheduleEntry[],
    previous: number,
    context: OwnerContext & { readonly by?: string | undefined },
  ): Promise<void> {
    const by = context.by === undefined ? {} : { by: context.by };
    for (const [index, entry] of entries.entries()) {
      const id = scheduleId(kind, ownerId, index);
      await this.schedules.put(id, this.inputOf(kind, ownerId, entry, context), by);
    }
    await this.remove(kind, ownerId, previous, entries.length);
  }

  /** Deletes the owner's schedules from entry `from` up to `count`. */
  async remove(kind: ScheduleOwner, ownerId: string, count: number, from = 0): Promise<void> {
    for (let index = from; index < count; index++) {
      await this.schedules.delete(scheduleId(kind, ownerId, index));
    }
  }

  /** The entries as read back: each with its schedule's id and next fire. */
  async view(
    kind: ScheduleOwner,
    ownerId: string,
    entries: readonly ScheduleEntry[],
  ): Promise<ScheduleView[]> {
    return Promise.all(
      entries.map(async (entry, index) => {
        const id = scheduleId(kind, ownerId, index);
        const schedule = await this.schedules.get(id);
        return { ...entryOf(entry), _id: id, nextFireTime: schedule?.nextFireTime ?? null };
      }),
    );
  }
}
