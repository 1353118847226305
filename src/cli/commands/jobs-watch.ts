/**
 * The parts of `sundial jobs` that watch a job over time: `logs --follow` (the server's
 * event stream, printed as it comes) and `wait` (long polls, with a spinner on a terminal),
 * both stopped cleanly by Ctrl-C; and the flag readers for times and durations they share
 * with the rest of the command.
 */

import * as calendar from "../../calendar/index.js";
import { errorCodeOf, SundialError } from "../../errors.js";
import { FINAL_STATUSES, JOB_STATUSES, type Job, type JobStatus } from "../../jobs/job.js";
import type { JobLog } from "../../jobs/job.service.js";
import type { CliIo } from "../command.js";
import { INTERRUPTED_EXIT_CODE, type RemoteClient, untilInterrupted } from "../remote.js";
import { Spinner } from "../spinner.js";

export type { JobLog } from "../../jobs/job.service.js";

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};
const DURATION = /^(?:\d+\s*(?:ms|[smhd])\s*)+$/;
/**
 * One long poll waits at most this long, so a spinner's status is never older and no
 * proxy drops a quiet request; the command asks again until its own --timeout.
 */
const WAIT_CHUNK_MS = 10_000;
const DEFAULT_WAIT: readonly JobStatus[] = ["FINISHED", "STOPPED", "CANCELED"];

const badFlag = (flag: string, message: string) =>
  new SundialError("badRequest", `${flag}: ${message}`, { field: flag });

export const jobPath = (id: string) => `/jobs/${encodeURIComponent(id)}`;

/** `90s`, `5m`, `1h 30m`, `250ms` in ms; undefined when `text` is not such a duration. */
function durationOf(text: string): number | undefined {
  const compact = text.trim().toLowerCase();
  if (!DURATION.test(compact)) return undefined;
  let ms = 0;
  for (const [, amount, unit] of compact.matchAll(/(\d+)\s*(ms|[smhd])/g)) {
    ms += Number(amount) * (UNIT_MS[unit as string] as number);
  }
  return ms;
}

/**
 * The instant a TIME flag gives, in ms: ISO 8601 (read in `--tz` without an offset), ms
 * since the epoch, or a duration back from `now` (`2h`); undefined when the flag is absent.
 * @throws SundialError `badRequest` naming the flag.
 * @example instantOf("create-from", "1d", undefined, Date.now())
 */
export function instantOf(
  name: string,
  text: string | undefined,
  tz: string | undefined,
  now: number,
): number | undefined {
  if (text === undefined) return undefined;
  const flag = `--${name}`;
  if (/^\d+$/.test(text.trim())) return Number(text);
  const back = durationOf(text);
  if (back !== undefined) return now - back;
  let zone: calendar.Zone;
  try {
    zone = calendar.Zone.of(tz ?? "UTC");
  } catch {
    throw badFlag("--tz", `"${tz}" is not an IANA time zone, e.g. Europe/London or UTC`);
  }
  try {
    return calendar.parseInstant(text, flag, zone);
  } catch (error) {
    if (!(error instanceof calendar.TriggerError)) throw error;
    throw badFlag(
      flag,
      `"${text}" is not a time: use ISO 8601 (2026-01-05T09:00:00Z), ms since the epoch, or a time back from now (30m, 2h, 1d)`,
    );
  }
}

/**
 * A comma-separated list of job statuses, in any case.
 * @throws SundialError `badRequest` naming `flag` and the status it doesn't know.
 */
export function statusList(flag: string, text: string): JobStatus[] {
  const statuses = text
    .split(",")
    .map((s) => s.trim().toUpperCase())
    .filter((s) => s !== "");
  if (statuses.length === 0) throw badFlag(flag, "give at least one status");
  for (const status of statuses) {
    if (!(JOB_STATUSES as readonly string[]).includes(status)) {
      throw badFlag(flag, `"${status}" is not a job status; use ${JOB_STATUSES.join(", ")}`);
    }
  }
  return statuses as JobStatus[];
}

/**
 * A log line as `logs` prints it: the instant, the level, the message. Its
 * `additionalInfo` (an error's stack, say) is for --json: it would bury the messages.
 */
export function logLine(line: JobLog): string {
  return `${new Date(line.at).toISOString()}  ${line.level.padEnd(5)}  ${line.message}\n`;
}

function statusText(job: Job): string {
  const errors = job.hasErrors ? ", with errors" : "";
  return `${job.status}${errors} (attempt ${job.attempt} of ${job.maxAttempts})`;
}

export interface LogFilter {
  readonly level: string | undefined;
  readonly message: string | undefined;
}

interface WatchFlags {
  readonly json?: boolean | undefined;
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly period?: string | undefined;
  readonly tz?: string | undefined;
  readonly size?: string | undefined;
  readonly status?: string | undefined;
  readonly timeout?: string | undefined;
}

/**
 * `jobs logs <id> --follow`: every line (those --level and --message select) as the server
 * streams it, until the job ends: FINISHED or CANCELED (the stream's `end`), or STOPPED.
 * With --json, each event as one JSON line `{ event, data }`.
 */
export async function followJob(
  client: RemoteClient,
  id: string,
  filter: LogFilter,
  flags: WatchFlags,
  io: CliIo,
): Promise<number> {
  // The stream has every line from the start and nothing else, so a range makes no sense.
  for (const name of ["from", "to", "period", "size"] as const) {
    if (flags[name] !== undefined) {
      throw badFlag(`--${name}`, "not with --follow, which prints every line until the job ends");
    }
  }
  const selected = (line: JobLog) =>
    (filter.level === undefined || line.level === filter.level) &&
    (filter.message === undefined || line.message.includes(filter.message));
  const emit = (event: string, data: unknown) => {
    if (flags.json) io.stdout.write(`${JSON.stringify({ event, data })}\n`);
    else if (event === "log") io.stdout.write(logLine(data as JobLog));
    else if (event === "status") io.stderr.write(`Job ${id} is ${statusText(data as Job)}.\n`);
  };

  const outcome = await untilInterrupted(async (signal) => {
    let first = true;
    for await (const { event, data: text } of client.events(`${jobPath(id)}/events`, signal)) {
      const data = JSON.parse(text) as unknown;
      if (event === "problem") {
        const problem = data as { code?: unknown; detail?: unknown };
        throw new SundialError(errorCodeOf(problem), String(problem.detail));
      }
      if (event === "log" && !selected(data as JobLog)) continue;
      emit(event, data);
      if (event === "end") return;
      if (event === "status" && (data as Job).status === "STOPPED") {
        // A STOPPED job's stream stays open (it may be resumed) and the lines come after
        // the first status, so a job stopped before we came is read, not followed.
        if (first) await printStoppedLogs(client, id, filter, emit, signal);
        io.stderr.write(`It may be resumed: sundial jobs resume ${id}\n`);
        return;
      }
      first = false;
    }
    throw new SundialError(
      "unavailable",
      `the server at ${client.url} ended the event stream before job ${id} ended; is it shutting down? Run the command again to carry on.`,
    );
  });
  if (outcome === "interrupted") {
    io.stderr.write(`\nStopped following; job ${id} carries on.\n`);
    return INTERRUPTED_EXIT_CODE;
  }
  return 0;
}

async function printStoppedLogs(
  client: RemoteClient,
  id: string,
  filter: LogFilter,
  emit: (event: string, data: unknown) => void,
  signal: AbortSignal,
): Promise<void> {
  const page = await client.request<{ result: JobLog[] }>("GET", `${jobPath(id)}/logs`, {
    query: { level: filter.level, message: filter.message, _size: 10_000 },
    signal,
  });
  for (const line of page.result) emit("log", line);
}

/**
 * `jobs wait <id>`: long polls until the job is in one of --status (exit 0), --timeout runs
 * out (`timeout`), or the job ends for good in another status (`conflict`: it never will).
 * A spinner on a terminal, unless --json; otherwise only the result.
 */
export async function waitForJob(
  client: RemoteClient,
  id: string,
  flags: WatchFlags,
  io: CliIo,
): Promise<number> {
  const wanted = flags.status === undefined ? DEFAULT_WAIT : statusList("--status", flags.status);
  let timeoutMs = Number.POSITIVE_INFINITY;
  if (flags.timeout !== undefined) {
    const seconds = /^\s*\d+\s*$/.test(flags.timeout) ? Number(flags.timeout) * 1000 : undefined;
    const ms = seconds ?? durationOf(flags.timeout);
    if (ms === undefined) {
      throw badFlag(
        "--timeout",
        `"${flags.timeout}" is not a duration such as 90s, 5m or 1h30m (a bare number is seconds)`,
      );
    }
    timeoutMs = ms;
  }
  const deadline = io.now() + timeoutMs;
  const goal = wanted.join(" or ");
  const waiting = (status: string) => `Waiting for job ${id} (${status}) to be ${goal}`;
  const spinner = flags.json ? undefined : Spinner.start(io.stderr, waiting("…"));

  const outcome = await untilInterrupted(async (signal) => {
    let job = await client.request<Job>("GET", jobPath(id), { signal });
    for (;;) {
      spinner?.update(waiting(job.status));
      if (wanted.includes(job.status)) return job;
      if (FINAL_STATUSES.includes(job.status)) {
        throw new SundialError(
          "conflict",
          `job ${id} ended ${job.status}, so it will never be ${goal}`,
        );
      }
      const left = deadline - io.now();
      if (left <= 0) {
        throw new SundialError(
          "timeout",
          `job ${id} is still ${job.status} after ${flags.timeout}, not ${goal}; wait longer (--timeout), or look at it: sundial jobs show ${id}`,
        );
      }
      try {
        return await client.request<Job>("GET", `${jobPath(id)}/wait`, {
          query: { status: wanted.join(","), timeout: Math.min(left, WAIT_CHUNK_MS) },
          signal,
        });
      } catch (error) {
        if (errorCodeOf(error) !== "timeout") throw error;
      }
      job = await client.request<Job>("GET", jobPath(id), { signal });
    }
  }).finally(() => spinner?.stop());

  if (outcome === "interrupted") {
    io.stderr.write(`Stopped waiting; job ${id} carries on.\n`);
    return INTERRUPTED_EXIT_CODE;
  }
  const job = outcome.value;
  io.stdout.write(
    flags.json
      ? `${JSON.stringify(job)}\n`
      : `Job ${id} is ${job.status}${job.hasErrors ? ", with errors" : ""}.\n`,
  );
  return 0;
}
