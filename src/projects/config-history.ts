/**
 * Config history: every create or edit of a project, a task or a schedule appends a
 * version holding the full config, who saved it and when; the newest is the one that
 * runs. An edit that changes nothing appends nothing (a `conf/` file loaded again at each
 * start would otherwise add a version per restart). Projects and tasks append inside
 * their save's transaction, through {@link ConfigHistory.appendIn}; schedules are followed
 * through the ScheduleService's save hook.
 *
 * @example
 * const history = new ConfigHistory(store);
 * history.follow(sundial.schedules);
 * const { changes } = await history.diff("task", task.id, 1, 3);
 */
import { type Clock, systemClock } from "../clock.js";
import { SundialError } from "../errors.js";
import type { ScheduleService } from "../schedules/schedule.service.js";
import { isUniqueViolation } from "../store/database-errors.js";
import type { Store } from "../store/store.js";
import { diffConfigs, sameConfig } from "./config-diff.js";
import type { ConfigDiff, ConfigKind, ConfigVersion } from "./project.js";
import { ProjectRepository, type VersionRecord } from "./project.repository.js";

/** Two nodes saving one schedule at once both read the same newest number; one tries again. */
const APPEND_TRIES = 5;

function toVersion(row: VersionRecord): ConfigVersion {
  return {
    version: row.version,
    savedBy: row.saved_by,
    savedAt: row.saved_at,
    config: JSON.parse(row.config) as Record<string, unknown>,
  };
}

export class ConfigHistory {
  private readonly repository: ProjectRepository;
  private readonly clock: Clock;

  constructor(store: Store, options: { readonly clock?: Clock } = {}) {
    this.repository = ProjectRepository.of(store);
    this.clock = options.clock ?? systemClock;
  }

  /** Appends version `version` within a project's or task's save (its transaction). */
  static async appendIn(
    repository: ProjectRepository,
    entry: {
      readonly kind: ConfigKind;
      readonly id: string;
      readonly version: number;
      readonly config: unknown;
      readonly by: string | null;
      readonly at: number;
    },
  ): Promise<void> {
    await repository.insertVersion({
      kind: entry.kind,
      subject_id: entry.id,
      version: entry.version,
      config: JSON.stringify(entry.config),
      saved_by: entry.by,
      saved_at: entry.at,
    });
  }

  /**
   * Appends the next version of a config kept elsewhere (a schedule), unless it is the
   * same as the newest. Returns the newest version number.
   */
  async append(kind: ConfigKind, id: string, config: unknown, by: string | null): Promise<number> {
    for (let tries = 1; ; tries++) {
      const newest = await this.repository.newestVersion(kind, id);
      if (newest !== undefined && sameConfig(JSON.parse(newest.config), config)) {
        return newest.version;
      }
      const version = (newest?.version ?? 0) + 1;
      try {
        await ConfigHistory.appendIn(this.repository, {
          kind,
          id,
          version,
          config,
          by,
          at: this.clock.now(),
        });
        return version;
      } catch (error) {
        if (!isUniqueViolation(error) || tries >= APPEND_TRIES) throw error;
      }
    }
  }

  /**
   * Appends a version of every schedule the service saves (API, CLI, `conf/` files, and
   * the schedules of projects and tasks), until the returned function is called.
   */
  follow(schedules: ScheduleService): () => void {
    return schedules.onSave(async (id, config, options) => {
      await this.append("schedule", id, config, options.by ?? null);
    });
  }

  /** Every version, newest first. */
  async versions(kind: ConfigKind, id: string): Promise<ConfigVersion[]> {
    return (await this.repository.versions(kind, id)).map(toVersion);
  }

  /** @throws SundialError `notFound` naming `field` (default `version`). */
  async version(kind: ConfigKind, id: string, version: number, field = "version") {
    const row = await this.repository.version(kind, id, version);
    if (row === undefined) {
      throw new SundialError(
        "notFound",
        `${field}: ${kind} ${id} has no version ${version}; list its versions to find one`,
        { field },
      );
    }
    return toVersion(row);
  }

  /**
   * What changed from version `from` to version `to`: `to` defaults to the newest, `from`
   * to the one before it; version 0 is the empty config (so 0 → 1 lists everything the
   * first version set).
   * @throws SundialError `notFound` naming `from` or `to`.
   */
  async diff(kind: ConfigKind, id: string, from?: number, to?: number): Promise<ConfigDiff> {
    const newest = await this.repository.newestVersion(kind, id);
    if (newest === undefined) {
      throw new SundialError("notFound", `${kind} ${id} has no config versions`, { field: "id" });
    }
    const toVersionNumber = to ?? newest.version;
    const fromVersionNumber = from ?? Math.max(0, toVersionNumber - 1);
    const configOf = async (version: number, field: string) =>
      version === 0 ? {} : (await this.version(kind, id, version, field)).config;
    return {
      from: fromVersionNumber,
      to: toVersionNumber,
      changes: diffConfigs(
        await configOf(fromVersionNumber, "from"),
        await configOf(toVersionNumber, "to"),
      ),
    };
  }
}
