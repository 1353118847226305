/**
 * File history: every file an export run produced, kept under the server's files
 * directory with its hashes and the run that made it, for listing, download and
 * resending, until its retention lapses. Also the last good copy of each fetched query
 * (query-fetch.ts), since both are what export runs keep between them.
 *
 * Vocabulary (docs/glossary.md): a **stored file** is a produced file that history keeps;
 * **resending** delivers a stored file again; **retention** is how many days it is kept.
 *
 * @example
 * const files = new FileHistoryService(sundial.store, { directory: "/var/lib/sundial/files" });
 * const stored = await files.record(manifest, { jobId, taskName: "sales" });
 * const { result, next } = await files.list({ taskId: "tsk_1", _size: 20 });
 */
import { randomBytes } from "node:crypto";
import { createReadStream, type ReadStream } from "node:fs";
import { copyFile, mkdir, rename, rm, stat } from "node:fs/promises";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { type Static, Type } from "typebox";
import { type Clock, systemClock } from "../../clock.js";
import { SundialError } from "../../errors.js";
import type { Store } from "../../store/store.js";
import { validate } from "../../validation.js";
import {
  type DeliveryOptions,
  type DeliveryOutcome,
  deliverFile,
} from "../destinations/delivery.js";
import type { ExportManifest } from "../export-file.js";
import { checkFileName } from "../file-name-template.js";
import type { CachedQuery, QueryCache } from "../sources/query-fetch.js";
import {
  FileHistoryRepository,
  type FilePosition,
  type FileRecord,
} from "./file-history.repository.js";

/** What made a file: the job, and the task and project it ran for. */
export interface ExportOrigin {
  readonly jobId: string;
  readonly taskId?: string | undefined;
  readonly taskName: string;
  readonly projectId?: string | undefined;
  readonly projectName?: string | undefined;
  /** Who started the run, when a user did (not the scheduler). */
  readonly startingUser?: string | undefined;
}

/** A file history keeps: its manifest (its `path` where it is kept now) and its origin. */
export interface StoredFile extends ExportManifest {
  readonly id: string;
  readonly jobId: string;
  readonly taskId: string | null;
  readonly taskName: string;
  readonly projectId: string | null;
  readonly projectName: string | null;
  readonly startedBy: string | null;
  /** When it was kept, ms since 1970-01-01 UTC. */
  readonly createdAt: number;
}

export interface FileHistoryOptions {
  /** Where files are kept (the server passes `<dataDir>/files`); created when missing. */
  readonly directory: string;
  /** Days a file is kept; default 90; 0 keeps every file forever. */
  readonly retentionDays?: number;
  readonly clock?: Clock;
}

export const FILE_ID_PATTERN = "^fil_[A-Za-z0-9_-]{16}$";
const FILE_ID = new RegExp(FILE_ID_PATTERN);

/** `list(query)`: every field optional; files come newest first. */
export const FileListQuerySchema = Type.Object(
  {
    taskId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    projectId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    /** How many at most; default 100. */
    _size: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    /** The `next` of the page before, to read on from it. */
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 400 })),
  },
  { additionalProperties: false },
);
export type FileListQuery = Static<typeof FileListQuerySchema>;

/** A page of files; `next` reads on (there may be more) when the page is full. */
export interface FilePage {
  readonly result: StoredFile[];
  readonly resultCount: number;
  readonly next?: string | undefined;
}

export const DEFAULT_RETENTION_DAYS = 90;
/** A hundred years: a longer retention is surely a typo, and 0 says "forever" plainly. */
export const MAX_RETENTION_DAYS = 36_500;
const DEFAULT_PAGE = 100;
const DAY_MS = 86_400_000;
/** Files removed per query while purging, so that a long backlog never holds a big transaction. */
const PURGE_BATCH = 500;

export class FileHistoryService {
  private readonly repository: FileHistoryRepository;
  private readonly directory: string;
  private readonly clock: Clock;
  readonly retentionDays: number;
  /** The last good copy of each fetched query, for every node of the cluster. */
  readonly queries: QueryCache;

  constructor(store: Store, options: FileHistoryOptions) {
    if (!isAbsolute(options.directory)) {
      throw new SundialError(
        "badRequest",
        `files directory: "${options.directory}" is relative; give an absolute path`,
        { field: "directory" },
      );
    }
    const days = options.retentionDays ?? DEFAULT_RETENTION_DAYS;
    if (!Number.isSafeInteger(days) || days < 0 || days > MAX_RETENTION_DAYS) {
      throw new SundialError(
        "badRequest",
        `retentionDays: ${String(days)} is not a whole number of days from 0 (forever) to ${MAX_RETENTION_DAYS}`,
        { field: "retentionDays" },
      );
    }
    this.repository = FileHistoryRepository.of(store);
    this.directory = resolve(options.directory);
    this.clock = options.clock ?? systemClock;
    this.retentionDays = days;
    const repository = this.repository;
    const clock = this.clock;
    this.queries = {
      async get(location): Promise<CachedQuery | undefined> {
        const row = await repository.cachedQuery(location);
        return row && { query: row.query, sha256: row.sha256, fetchedAt: row.fetched_at };
      },
      async put(location, query, sha256) {
        await repository.cacheQuery({ location, query, sha256, fetched_at: clock.now() });
      },
    };
  }

  /**
   * Keeps a produced file: moves it into the files directory (`<id>/<name>`) and records
   * it. The manifest's file is gone from where it was; the stored file's `path` says
   * where it is now.
   * @throws SundialError `badRequest` for a name that is not a plain file name; the file
   *   system's or the store's error, after which nothing is kept.
   */
  async record(file: ExportManifest, origin: ExportOrigin): Promise<StoredFile> {
    checkFileName(file.name, "file.name");
    const id = `fil_${randomBytes(12).toString("base64url")}`;
    const folder = join(this.directory, id);
    const path = join(folder, file.name);
    await mkdir(folder, { recursive: true });
    try {
      await moveFile(file.path, path);
      const row: FileRecord = {
        id,
        name: file.name,
        path: `${id}/${file.name}`,
        size: file.size,
        row_count: file.rows,
        md5: file.md5,
        sha256: file.sha256,
        job_id: origin.jobId,
        task_id: origin.taskId ?? null,
        task_name: origin.taskName,
        project_id: origin.projectId ?? null,
        project_name: origin.projectName ?? null,
        started_by: origin.startingUser ?? null,
        created_at: this.clock.now(),
      };
      await this.repository.insert(row);
      return this.toStoredFile(row);
    } catch (error) {
      await rm(folder, { recursive: true, force: true });
      throw error;
    }
  }

  /**
   * A page of files, newest first, of one task or project or all.
   * @throws SundialError `badRequest` naming the parameter (a `cursor` that is not one).
   */
  async list(query: FileListQuery = {}): Promise<FilePage> {
    const { taskId, projectId, _size, cursor } = validate(FileListQuerySchema, query);
    const size = _size ?? DEFAULT_PAGE;
    const rows = await this.repository.list({
      taskId,
      projectId,
      size,
      after: cursor === undefined ? undefined : readCursor(cursor),
    });
    const result = rows.map((row) => this.toStoredFile(row));
    const last = rows.at(-1);
    return {
      result,
      resultCount: result.length,
      ...(last !== undefined && rows.length === size
        ? { next: writeCursor({ createdAt: last.created_at, id: last.id }) }
        : {}),
    };
  }

  /** @throws SundialError `notFound`. */
  async get(id: string): Promise<StoredFile> {
    const row = FILE_ID.test(id) ? await this.repository.byId(id) : undefined;
    if (row === undefined) throw notFound(id);
    return this.toStoredFile(row);
  }

  /**
   * The file's content, for download.
   * @throws SundialError `notFound` when there is no such file, or it is gone from the
   *   files directory.
   * @example const { file, content } = await files.open(id); content.pipe(response);
   */
  async open(id: string): Promise<{ file: StoredFile; content: ReadStream }> {
    const file = await this.present(id);
    return { file, content: createReadStream(file.path) };
  }

  /**
   * Delivers a stored file again, to the destinations the caller gives (a task's current
   * ones), as a run does: the connections they name resolved through
   * `options.connections`, then each destination gives an outcome.
   * @throws SundialError `notFound` for the file, or naming `destinations[i].connection` for
   *   a connection that is not stored; `badRequest` for bad destinations or a connection of
   *   another type (naming `destinations[i]…`); the signal's reason when aborted.
   * @example const outcomes = await files.resend(id, task.destinations, { connections, parameters: { task: task.name } });
   */
  async resend(
    id: string,
    destinations: readonly unknown[],
    options: DeliveryOptions = {},
  ): Promise<DeliveryOutcome[]> {
    return deliverFile(await this.present(id), destinations, options);
  }

  /**
   * Deletes the files made more than `retentionDays` before `now`, from the directory and
   * the history, oldest first; none when `retentionDays` is 0 (forever). Idempotent, so
   * two nodes purging at once is harmless. Called on the server's retention timer
   * ({@link purgeEvery}).
   * @returns how many files were deleted.
   */
  async purge(now: number = this.clock.now()): Promise<number> {
    if (this.retentionDays === 0) return 0;
    const before = now - this.retentionDays * DAY_MS;
    let total = 0;
    for (;;) {
      const old = await this.repository.olderThan(before, PURGE_BATCH);
      const gone: string[] = [];
      for (const file of old) {
        // A file that can't be removed stays recorded, so that it is tried again and
        // still shows, rather than lingering on disk unknown.
        const removed = await rm(this.folderOf(file), { recursive: true, force: true }).then(
          () => true,
          () => false,
        );
        if (removed) gone.push(file.id);
      }
      total += await this.repository.delete(gone);
      if (old.length < PURGE_BATCH || gone.length === 0) return total;
    }
  }

  /**
   * Purges now and then every `intervalMs` (default an hour) until stopped; a failing
   * purge is reported to `onError` and tried again at the next interval.
   * @example const retention = files.purgeEvery(3_600_000, (e) => log.warn(e)); … retention.stop();
   */
  purgeEvery(intervalMs = 3_600_000, onError: (error: unknown) => void = () => {}) {
    const run = () => {
      this.purge().catch(onError);
    };
    run();
    const timer = setInterval(run, intervalMs);
    // Retention never keeps the process alive on its own.
    timer.unref();
    return { stop: () => clearInterval(timer) };
  }

  /** The stored file, once it is known to be on disk. */
  private async present(id: string): Promise<StoredFile> {
    const file = await this.get(id);
    const info = await stat(file.path).catch(() => undefined);
    if (info === undefined || !info.isFile()) {
      throw new SundialError(
        "notFound",
        `The file ${id} (${file.name}) is recorded but gone from the files directory; it can't be downloaded or resent.`,
        { field: "id" },
      );
    }
    return file;
  }

  /** The folder a file is kept in, never outside the files directory. */
  private folderOf(row: Pick<FileRecord, "id" | "path">): string {
    return this.inside(join(this.directory, row.id));
  }

  private inside(path: string): string {
    const within = relative(this.directory, resolve(path));
    // Ids and names are checked when a file is recorded; this holds even for a row
    // changed by hand.
    if (within === "" || within === ".." || within.startsWith(`..${sep}`) || isAbsolute(within)) {
      throw new SundialError("internal", `file history: ${path} is outside the files directory`);
    }
    return resolve(path);
  }

  private toStoredFile(row: FileRecord): StoredFile {
    return {
      id: row.id,
      name: row.name,
      path: this.inside(join(this.directory, row.path)),
      size: row.size,
      rows: row.row_count,
      empty: row.row_count === 0,
      md5: row.md5,
      sha256: row.sha256,
      jobId: row.job_id,
      taskId: row.task_id,
      taskName: row.task_name,
      projectId: row.project_id,
      projectName: row.project_name,
      startedBy: row.started_by,
      createdAt: row.created_at,
    };
  }
}

const notFound = (id: string) =>
  new SundialError("notFound", `No file has the id "${id}"; list the files to find it.`, {
    field: "id",
  });

/** Renames, or copies across file systems (the run's folder may be on another one). */
async function moveFile(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EXDEV") throw error;
    await copyFile(from, to);
    await rm(from, { force: true });
  }
}

function writeCursor(position: FilePosition): string {
  return Buffer.from(`${position.createdAt}.${position.id}`).toString("base64url");
}

function readCursor(cursor: string): FilePosition {
  const match = /^(\d{1,15})\.(fil_[A-Za-z0-9_-]{16})$/.exec(
    Buffer.from(cursor, "base64url").toString(),
  );
  if (match === null) {
    throw new SundialError(
      "badRequest",
      "cursor: is not a cursor this server gave; pass the `next` of the page before, as it was",
      { field: "cursor" },
    );
  }
  return { createdAt: Number(match[1]), id: match[2] as string };
}
