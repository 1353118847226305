/**
 * Schedules as files: `conf/schedule-<name>.json` holds the schedule object with
 * `_id` = name. Files are loaded at start and watched while running: a changed file
 * updates its schedule, a deleted file removes it, and an invalid file is reported (file,
 * field, reason) while the previous version keeps running.
 */
import { type FSWatcher, watch } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { ScheduleService } from "./schedule.service.js";

export interface FileProblem {
  readonly file: string;
  readonly field?: string;
  readonly message: string;
}

export interface ScheduleFilesOptions {
  readonly dir: string;
  readonly schedules: ScheduleService;
  /** Told about every file that cannot be used; the schedule it held keeps running as it was. */
  readonly onProblem: (problem: FileProblem) => void;
  /** Told about every schedule a file added, changed or removed. */
  readonly onChange?: (change: { file: string; id: string; action: "put" | "delete" }) => void;
}

const FILE = /^schedule-(.+)\.json$/;
/** Editors write a file in several steps; act once it has been quiet this long. */
const SETTLE_MS = 150;

export class ScheduleFiles {
  /** What each loaded file held, so an unchanged save changes nothing. */
  private readonly loaded = new Map<string, string>();
  private watcher: FSWatcher | undefined;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private pending = Promise.resolve();

  constructor(private readonly options: ScheduleFilesOptions) {}

  /** Loads every schedule file in the folder (none if it does not exist). */
  async load(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.options.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw error;
    }
    for (const name of names.filter((n) => FILE.test(n)).sort()) await this.apply(name);
  }

  /** Watches the folder until {@link close}. */
  watch(): void {
    if (this.watcher) return;
    try {
      this.watcher = watch(this.options.dir, (_event, name) => {
        if (typeof name !== "string" || !FILE.test(name)) return;
        clearTimeout(this.timers.get(name));
        this.timers.set(
          name,
          setTimeout(() => {
            this.timers.delete(name);
            this.pending = this.pending.then(() => this.apply(name));
          }, SETTLE_MS),
        );
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }

  async close(): Promise<void> {
    this.watcher?.close();
    this.watcher = undefined;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await this.pending;
  }

  private async apply(name: string): Promise<void> {
    const id = (FILE.exec(name) as RegExpExecArray)[1] as string;
    const file = join(this.options.dir, name);
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
        this.options.onProblem({ file, message: `cannot be read: ${(error as Error).message}` });
        return;
      }
      if (this.loaded.delete(name)) {
        await this.options.schedules.delete(id);
        this.options.onChange?.({ file, id, action: "delete" });
      }
      return;
    }
    if (this.loaded.get(name) === text) return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      this.options.onProblem({ file, message: `is not valid JSON: ${(error as Error).message}` });
      return;
    }
    const given = (value as { _id?: unknown } | null)?._id;
    if (given !== undefined && given !== id) {
      this.options.onProblem({
        file,
        field: "_id",
        message: `_id: "${String(given)}" differs from the file name; a file schedule-${id}.json holds the schedule "${id}"`,
      });
      return;
    }
    try {
      await this.options.schedules.put(id, value);
      this.loaded.set(name, text);
      this.options.onChange?.({ file, id, action: "put" });
    } catch (error) {
      const field = (error as { field?: string }).field;
      this.options.onProblem({
        file,
        ...(field ? { field } : {}),
        message: (error as Error).message,
      });
    }
  }
}
