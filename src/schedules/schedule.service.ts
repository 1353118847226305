/**
 * The rules of schedules: what a valid one is, its defaults, and when it next fires.
 * Persisted schedules live in the store; `persisted: false` ones live in this process only
 * (they fire on every node and have no catch-up after a restart). With a job registry,
 * what a schedule invokes is checked when it is saved, not first at a fire.
 */
import { parseTrigger, type Trigger, TriggerError, type TriggerSpec } from "../calendar/index.js";
import type { Clock } from "../clock.js";
import { SundialError } from "../errors.js";
import type { JobRegistry } from "../jobs/job-registry.js";
import type { ScheduleRow, Store } from "../store/store.js";
import { validate } from "../validation.js";
import {
  DEFAULT_MISFIRE_THRESHOLD,
  type Schedule,
  type ScheduleInput,
  ScheduleInputSchema,
} from "./schedule.js";

/** A schedule ready to fire: its stored row, and its trigger parsed once. */
export interface LiveSchedule {
  readonly row: ScheduleRow;
  readonly schedule: Schedule;
  readonly trigger: Trigger;
}

const TRIGGER_KEYS = [
  "type",
  "expression",
  "every",
  "unit",
  "anchor",
  "at",
  "timeZone",
  "startTime",
  "endTime",
  "dst",
] as const;

/** The trigger spec inside a schedule (`schedule` is the old name of `expression`). */
function triggerSpecOf(input: ScheduleInput): TriggerSpec {
  if (input.schedule !== undefined && input.expression !== undefined) {
    throw new SundialError(
      "badRequest",
      "schedule: give the expression as schedule or as expression, not both",
      {
        field: "schedule",
      },
    );
  }
  const spec: Record<string, unknown> = {};
  for (const key of TRIGGER_KEYS) if (input[key] !== undefined) spec[key] = input[key];
  if (input.schedule !== undefined) spec.expression = input.schedule;
  return spec as TriggerSpec;
}

/** Parses a schedule's trigger, reporting the expression under the name the user gave it. */
function triggerOf(input: ScheduleInput, prefix: string): Trigger {
  try {
    return parseTrigger(triggerSpecOf(input));
  } catch (error) {
    if (!(error instanceof TriggerError)) throw error;
    const renamed =
      error.field === "expression" && input.schedule !== undefined ? "schedule" : error.field;
    const field = prefix ? `${prefix}.${renamed}` : renamed;
    const message = error.message.startsWith(`${error.field}:`)
      ? `${field}:${error.message.slice(error.field.length + 1)}`
      : `${field}: ${error.message}`;
    throw new TriggerError(error.code, message, {
      field,
      ...(error.text === undefined ? {} : { text: error.text }),
      ...(error.allowed === undefined ? {} : { allowed: error.allowed }),
    });
  }
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** The stored config with every default filled in (what `get` shows, minus the times). */
function normalise(input: ScheduleInput, id: string, trigger: Trigger): Record<string, unknown> {
  const spec = trigger.spec;
  const config: Record<string, unknown> = {
    _id: id,
    enabled: input.enabled ?? true,
    type: trigger.type,
    ...(spec.expression === undefined ? {} : { schedule: spec.expression }),
    ...(spec.every === undefined
      ? {}
      : { every: spec.every, unit: spec.unit, anchor: spec.anchor }),
    ...(spec.at === undefined ? {} : { at: spec.at }),
    timeZone: trigger.timeZone,
    ...(spec.startTime === undefined ? {} : { startTime: spec.startTime }),
    ...(spec.endTime === undefined ? {} : { endTime: spec.endTime }),
    ...(input.dst === undefined ? {} : { dst: input.dst }),
    misfirePolicy: input.misfirePolicy ?? "fireAndProceed",
    misfireThreshold: input.misfireThreshold ?? DEFAULT_MISFIRE_THRESHOLD,
    concurrentExecution: input.concurrentExecution ?? false,
    persisted: input.persisted ?? true,
    invokeService: input.invokeService,
    ...(input.invokeContext === undefined ? {} : { invokeContext: input.invokeContext }),
    invokeLogLevel: input.invokeLogLevel ?? "info",
    owners: input.owners ?? [],
  };
  return config;
}

/** The part of a config that decides when it fires: if unchanged, an edit keeps the next fire. */
function timingOf(config: Record<string, unknown>): string {
  const { type, schedule, every, unit, anchor, at, timeZone, startTime, endTime, dst, enabled } =
    config;
  return JSON.stringify({
    type,
    schedule,
    every,
    unit,
    anchor,
    at,
    timeZone,
    startTime,
    endTime,
    dst,
    enabled,
  });
}

export interface ScheduleListOptions {
  readonly afterId?: string;
  readonly limit?: number;
  /** Only enabled (true) or disabled (false) schedules. */
  readonly enabled?: boolean;
  /** Only schedules invoking this job type. */
  readonly invokeService?: string;
  /** Only schedules whose trigger is of this type (`cron`, `unix`, …). */
  readonly type?: string;
  /** Only schedules this user owns. */
  readonly owner?: string;
}

/** Who saves a schedule: they own a new one that names no owners. */
export interface SaveOptions {
  readonly by?: string;
}

/** Told of each saved schedule: its id, its stored config and who saved it. */
export type ScheduleSaveListener = (
  id: string,
  config: Readonly<Record<string, unknown>>,
  options: SaveOptions,
) => Promise<void> | void;

/** How many stored schedules keep their parsed trigger (see ScheduleService.live). */
const PARSED_CACHE = 20_000;

export class ScheduleService {
  private readonly memory = new Map<string, LiveSchedule>();
  private readonly parsed = new Map<string, { updatedAt: number; live: LiveSchedule }>();
  private readonly listeners = new Set<() => void>();
  private readonly saveListeners = new Set<ScheduleSaveListener>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly newId: () => string,
    /**
     * The job types schedules may invoke: with it, `invokeService` must be defined when a
     * schedule is saved, and `invokeContext` must pass the type's `validate`. Without it
     * anything is taken, and a bad schedule fails when its jobs run.
     */
    private readonly registry?: JobRegistry,
  ) {}

  /** Called after every change, so the scheduler re-plans its sleep. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Called after every save, and awaited before `put` answers, so that what it records
   * (the config history of src/projects) is there when the caller reads it back.
   */
  onSave(listener: ScheduleSaveListener): () => void {
    this.saveListeners.add(listener);
    return () => this.saveListeners.delete(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }

  /**
   * Checks a schedule without storing it: returns it as `put` would store it.
   * @throws SundialError `badRequest` / TriggerError `invalidTrigger`, naming the field.
   */
  check(input: unknown, prefix = ""): { input: ScheduleInput; trigger: Trigger } {
    const valid = validate(ScheduleInputSchema, input, prefix);
    const trigger = triggerOf(valid, prefix);
    this.checkInvoke(valid, prefix);
    return { input: valid, trigger };
  }

  /** What a fire will create: a job of a defined type, with data that type accepts. */
  private checkInvoke(input: ScheduleInput, prefix: string): void {
    if (this.registry === undefined) return;
    const named = (name: string) => (prefix ? `${prefix}.${name}` : name);
    const definition = this.registry.require(input.invokeService, named("invokeService"));
    if (definition.validate === undefined) return;
    const field = named("invokeContext");
    try {
      // A fire hands its job `invokeContext` as data, or null when there is none.
      definition.validate(input.invokeContext ?? null, field);
    } catch (error) {
      if (input.invokeContext === undefined) {
        throw new SundialError(
          "badRequest",
          `${field}: is required by the job type "${input.invokeService}"`,
          { field, cause: error },
        );
      }
      if (error instanceof SundialError || error instanceof TriggerError) throw error;
      // A check written by a user may throw anything; the fault is still the input's.
      throw new SundialError(
        "badRequest",
        `${field}: ${error instanceof Error ? error.message : String(error)}`,
        { field, cause: error },
      );
    }
  }

  /**
   * Creates or replaces the schedule `id`. Invalid input changes nothing. Input without
   * `owners` keeps the schedule's owners, or, for a new one, makes `options.by` its owner.
   */
  async put(id: string, input: unknown, options: SaveOptions = {}): Promise<Schedule> {
    if (typeof id !== "string" || id.trim() === "" || id.length > 200) {
      throw new SundialError("badRequest", `_id: "${id}" must be 1-200 characters`, {
        field: "_id",
      });
    }
    const checked = this.check(input);
    if (checked.input._id !== undefined && checked.input._id !== id) {
      throw new SundialError(
        "badRequest",
        `_id: "${checked.input._id}" differs from the id "${id}" it is stored under`,
        {
          field: "_id",
        },
      );
    }
    const now = this.clock.now();
    const config = normalise(checked.input, id, checked.trigger);
    const persisted = config.persisted as boolean;
    const existing = persisted ? await this.store.getSchedule(id) : this.memory.get(id)?.row;
    if (checked.input.owners === undefined) {
      const kept = existing?.config.owners as string[] | undefined;
      config.owners = kept ?? (options.by === undefined ? [] : [options.by]);
    }
    const keepNext = existing !== undefined && timingOf(existing.config) === timingOf(config);
    const row: ScheduleRow = {
      id,
      config,
      enabled: config.enabled as boolean,
      nextFireAt: keepNext ? existing.nextFireAt : (checked.trigger.nextMs(now) ?? null),
      lastFireAt: existing?.lastFireAt ?? null,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    };
    if (persisted) {
      await this.store.putSchedule(row);
      this.memory.delete(id);
    } else {
      this.memory.set(id, { row, schedule: toSchedule(row), trigger: checked.trigger });
      await this.store.deleteSchedule(id);
    }
    this.changed();
    for (const listener of this.saveListeners) await listener(id, config, options);
    return toSchedule(row);
  }

  /** Creates a schedule with a new id. */
  async create(input: unknown, options: SaveOptions = {}): Promise<Schedule> {
    const given = (input as { _id?: unknown } | null)?._id;
    return this.put(typeof given === "string" ? given : this.newId(), input, options);
  }

  async get(id: string): Promise<Schedule | undefined> {
    const row = this.memory.get(id)?.row ?? (await this.store.getSchedule(id));
    return row && toSchedule(row);
  }

  /** Schedules ordered by id and matching the filters, in memory and stored together. */
  async list(options: ScheduleListOptions = {}): Promise<Schedule[]> {
    const limit = options.limit ?? 1000;
    const matches = (s: Schedule) =>
      (options.enabled === undefined || s.enabled === options.enabled) &&
      (options.invokeService === undefined || s.invokeService === options.invokeService) &&
      (options.type === undefined || s.type === options.type) &&
      (options.owner === undefined || s.owners.includes(options.owner));
    const found: Schedule[] = [];
    // The filters are applied here, not in the store: a page read may hold few matches.
    for (let afterId = options.afterId; ; ) {
      const page = await this.page(afterId, limit);
      found.push(...page.filter(matches));
      const last = page.at(-1);
      if (found.length >= limit || page.length < limit || last === undefined) {
        return found.slice(0, limit);
      }
      afterId = last._id;
    }
  }

  private async page(afterId: string | undefined, limit: number): Promise<Schedule[]> {
    const stored = await this.store.listSchedules({
      ...(afterId === undefined ? {} : { afterId }),
      limit,
    });
    const memory = [...this.memory.values()]
      .map((live) => live.row)
      .filter((row) => afterId === undefined || row.id > afterId);
    return [...stored, ...memory]
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .slice(0, limit)
      .map(toSchedule);
  }

  /** The next `count` fire times of a schedule from its next fire on; none when it won't fire again. */
  upcomingFires(schedule: Schedule, count: number): string[] {
    if (schedule.nextFireTime === null) return [];
    const trigger = triggerOf(schedule as unknown as ScheduleInput, schedule._id);
    const fires = [schedule.nextFireTime];
    for (let at = Date.parse(schedule.nextFireTime); fires.length < count; ) {
      const next = trigger.nextMs(at);
      if (next === undefined) break;
      fires.push(new Date(next).toISOString());
      at = next;
    }
    return fires;
  }

  async delete(id: string): Promise<boolean> {
    const inMemory = this.memory.delete(id);
    const stored = await this.store.deleteSchedule(id);
    this.parsed.delete(id);
    if (inMemory || stored) this.changed();
    return inMemory || stored;
  }

  /**
   * The schedule behind a stored row, its trigger parsed once per version. The most
   * recently fired PARSED_CACHE schedules are kept: a node with 100,000 daily schedules
   * would otherwise hold all of them after a day (about 2 KB each), for a parse that
   * takes microseconds.
   */
  live(row: ScheduleRow): LiveSchedule {
    const memory = this.memory.get(row.id);
    if (memory) return memory;
    const known = this.parsed.get(row.id);
    if (known && known.updatedAt === row.updatedAt) {
      // Map keeps insertion order: moving a hit to the end makes the first key the least recent.
      this.parsed.delete(row.id);
      this.parsed.set(row.id, known);
      return { ...known.live, row };
    }
    const trigger = triggerOf(row.config as ScheduleInput, row.id);
    const live = { row, schedule: toSchedule(row), trigger };
    this.parsed.delete(row.id);
    this.parsed.set(row.id, { updatedAt: row.updatedAt, live });
    if (this.parsed.size > PARSED_CACHE) {
      this.parsed.delete(this.parsed.keys().next().value as string);
    }
    return live;
  }

  /** The in-memory schedules (`persisted: false`). */
  inMemory(): LiveSchedule[] {
    return [...this.memory.values()];
  }

  /** Records that an in-memory schedule fired (the store does this for persisted ones). */
  advanceInMemory(id: string, fired: number, next: number | null): void {
    const live = this.memory.get(id);
    if (!live) return;
    const row = { ...live.row, lastFireAt: fired, nextFireAt: next };
    this.memory.set(id, { ...live, row, schedule: toSchedule(row) });
  }
}

/** A stored row as users see it. */
export function toSchedule(row: ScheduleRow): Schedule {
  const config = row.config as unknown as Schedule;
  return {
    ...config,
    // Schedules saved before owners existed have none.
    owners: config.owners ?? [],
    nextFireTime: row.enabled ? iso(row.nextFireAt) : null,
    lastFireTime: iso(row.lastFireAt),
    createdAt: iso(row.createdAt) as string,
    updatedAt: iso(row.updatedAt) as string,
  };
}
