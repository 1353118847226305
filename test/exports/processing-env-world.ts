/**
 * What the script environment tests share: a run world with a SQLite source of two rows,
 * a folder for environments, folders for scripts, and runs of a processing script whose
 * output (the data file, with what the script appended) is read back.
 */
import { readdir, readFile, readlink, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { SundialError } from "../../src/errors.js";
import { type ExportRunResult, type ExportSpec, runExport } from "../../src/exports/index.js";
import type { ScriptEnvironmentSettings } from "../../src/exports/sources/script-environment.js";
import { failureOf } from "../projects/helpers.js";
import { type RunWorld, runContext, runWorld } from "./runs/helpers.js";

export interface EnvironmentEntry {
  /** `python-3f2a…`. */
  readonly name: string;
  /** The build folder it points to, absolute. */
  readonly target: string;
  readonly inode: number;
  readonly mtimeMs: number;
}

export interface EnvWorld {
  readonly world: RunWorld;
  /** Where environments are made. */
  readonly environments: string;
  /** A fresh folder, with these files written into it. */
  folder(name: string, files?: Readonly<Record<string, string>>): Promise<string>;
  /** Starts an export whose processing is `processing`; its log fills `lines` as it runs. */
  start(
    processing: ExportSpec["processing"],
    settings: Partial<ScriptEnvironmentSettings> | null,
    options?: { readonly signal?: AbortSignal; readonly onLog?: (line: string) => void },
  ): { done: Promise<ExportRunResult>; lines: string[] };
  /** Runs an export whose processing is `processing`; the output file's text and the log. */
  run(
    processing: ExportSpec["processing"],
    settings?: Partial<ScriptEnvironmentSettings>,
  ): Promise<{ output: string; lines: string[] }>;
  /** The same, for a run that must fail: its error and the log. */
  fail(
    processing: ExportSpec["processing"],
    settings?: Partial<ScriptEnvironmentSettings> | null,
  ): Promise<{ error: SundialError; lines: string[] }>;
  /** The environments made so far, by name. */
  made(): Promise<EnvironmentEntry[]>;
  /** The build folders there, published or not. */
  builds(): Promise<string[]>;
  close(): Promise<void>;
}

export const DATA = "id,name\n1,Ada\n2,Grace\n";

/** Opens a world; close it after the suite. */
export async function envWorld(): Promise<EnvWorld> {
  const world = await runWorld();
  const db = join(await world.folder("data"), "people.db");
  const sqlite = new Database(db);
  sqlite.exec("CREATE TABLE people (id INTEGER, name TEXT)");
  sqlite.exec("INSERT INTO people VALUES (1, 'Ada'), (2, 'Grace')");
  sqlite.close();
  await world.connections.create({ name: "local", type: "sqlite", settings: { path: db } });
  const environments = join(await world.folder("environments"), "made");
  const spec = (processing: ExportSpec["processing"]): ExportSpec => ({
    source: { type: "sql", connection: "local", query: "SELECT id, name FROM people ORDER BY id" },
    processing,
    output: { fileName: "people.csv", format: { type: "csv" } },
  });
  const start: EnvWorld["start"] = (processing, settings, options = {}) => {
    const lines: string[] = [];
    const done = runContext(world, {
      ...(settings === null
        ? {}
        : { scriptEnvironments: { directory: environments, ...settings } }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      log: (level, message) => {
        lines.push(`${level} ${message}`);
        options.onLog?.(`${level} ${message}`);
      },
    }).then(({ ctx }) => runExport(spec(processing), ctx));
    return { done, lines };
  };
  return {
    world,
    environments,
    folder: async (name, files = {}) => {
      const dir = await world.folder(name);
      for (const [file, text] of Object.entries(files)) await writeFile(join(dir, file), text);
      return dir;
    },
    start,
    run: async (processing, settings = {}) => {
      const { done, lines } = start(processing, settings);
      const result = await done;
      return { output: await readFile(result.file?.path ?? "", "utf8"), lines };
    },
    fail: async (processing, settings = {}) => {
      const { done, lines } = start(processing, settings);
      return { error: await failureOf(done), lines };
    },
    made: async () => {
      const entries: EnvironmentEntry[] = [];
      for (const name of (await readdir(environments).catch(() => [])).sort()) {
        if (name === "builds") continue;
        const target = join(environments, await readlink(join(environments, name)));
        const stats = await stat(target);
        entries.push({ name, target, inode: stats.ino, mtimeMs: stats.mtimeMs });
      }
      return entries;
    },
    builds: async () =>
      (await readdir(join(environments, "builds")).catch(() => []))
        .sort()
        .map((name) => join(environments, "builds", name)),
    close: () => world.close(),
  };
}

/** The log lines an installer wrote (`INFO pip: …`), which a reused environment has none of. */
export function installLines(lines: readonly string[], tool: string): string[] {
  return lines.filter((line) => line.startsWith(`INFO ${tool}: `));
}
