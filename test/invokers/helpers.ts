/**
 * One Sundial per test file, on a temp SQLite file, with the built-in invokers defined and
 * the worker pool running on the real clock (the invokers run real processes, threads and
 * requests); and a way to run one job to its end.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EnqueueArgs, Job, JobLog, JobStatus, JobTypes } from "../../src/index.js";
import { Sundial } from "../../src/index.js";
import { type InvokersOptions, registerInvokers } from "../../src/invokers/index.js";
import { waitFor } from "../helpers/wait-for.js";

export interface Harness {
  readonly sundial: Sundial;
  /** A temp folder of the test file's own, removed at the end. */
  readonly dir: string;
  close(): Promise<void>;
}

export async function openHarness(
  options: (dir: string) => InvokersOptions = () => ({}),
): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), "sundial-invokers-"));
  const sundial = await Sundial.open({
    database: join(dir, "sundial.db"),
    node: "invokers-test",
    invokers: false,
  });
  registerInvokers(sundial, options(dir));
  await sundial.start({ concurrency: 4 });
  return {
    sundial,
    dir,
    close: async () => {
      await sundial.close({ graceMs: 0 });
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const ENDED: JobStatus[] = ["FINISHED", "STOPPED", "CANCELED"];

export interface Ran {
  readonly job: Job;
  readonly logs: JobLog[];
  /** The log's messages, oldest first. */
  readonly messages: string[];
}

/** Enqueues a job and waits for it to end. */
export async function runJob<T extends keyof JobTypes>(
  sundial: Sundial,
  type: T,
  data: JobTypes[T],
): Promise<Ran> {
  const { id } = await sundial.jobs.enqueue(type, ...([data] as unknown as EnqueueArgs<T>));
  return ended(sundial, id);
}

/** The job once it has ended, with its log. */
export async function ended(sundial: Sundial, id: string): Promise<Ran> {
  const job = await sundial.jobs.waitForJob(id, ENDED, 30_000);
  const logs = await sundial.jobs.logs(id, { _size: 10_000 });
  return { job, logs, messages: logs.map((line) => line.message) };
}

/** Waits until the job's log has a line matching `pattern`, and returns it. */
export function logLine(sundial: Sundial, id: string, pattern: RegExp): Promise<JobLog> {
  return waitFor(`a log line matching ${pattern}`, async () =>
    (await sundial.jobs.logs(id)).find((line) => pattern.test(line.message)),
  );
}

/** Data an invoker must refuse, past the type checker. */
export function invalid<T>(value: unknown): T {
  return value as T;
}
