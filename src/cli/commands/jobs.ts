/**
 * `sundial jobs list|show|logs|wait|stop|cancel|resume`: the jobs of a running server, over
 * its API. The query flags are exactly `GET /jobs`'s and `GET /jobs/{id}/logs`'s, in flag
 * form; `logs --follow` and `wait` are in jobs-watch.ts.
 */
import type { Job } from "../../jobs/job.js";
import {
  type FlagDefinitions,
  type FlagValues,
  formatFlagHelp,
  oneOf,
  wholeNumber,
} from "../args.js";
import type { CliIo, Command } from "../command.js";
import { parseRemoteSubcommand, REMOTE_FLAGS, type RemoteClient } from "../remote.js";
import { keyValueLines, onlyArgument, refuseBoth, refuseExtra, textTable } from "../subcommands.js";
import {
  followJob,
  instantOf,
  type JobLog,
  jobPath,
  logLine,
  statusList,
  waitForJob,
} from "./jobs-watch.js";

const TIME = "TIME";
const TZ = {
  type: "string",
  value: "ZONE",
  help: "The zone of TIMEs without an offset (default UTC).",
} as const;

const LIST = {
  type: { type: "string", value: "TYPES", help: "Job types, comma-separated." },
  status: {
    type: "string",
    value: "STATUSES",
    help: "Comma-separated: PENDING, RUNNING, FINISHED, STOPPING, STOPPED, CANCELED.",
  },
  schedule: { type: "string", value: "ID", help: "The jobs of one schedule's fires." },
  "create-from": { type: "string", value: TIME, help: "Created at or after TIME." },
  "create-to": { type: "string", value: TIME, help: "Created at or before TIME." },
  "start-from": { type: "string", value: TIME, help: "Started at or after TIME." },
  "start-to": { type: "string", value: TIME, help: "Started at or before TIME." },
  "end-from": { type: "string", value: TIME, help: "Ended at or after TIME." },
  "end-to": { type: "string", value: TIME, help: "Ended at or before TIME." },
  "has-errors": { type: "boolean", help: "Only jobs that had errors." },
  "no-errors": { type: "boolean", help: "Only jobs without errors." },
  size: { type: "string", value: "N", help: "At most N jobs, newest first, 1-1000 (default 100)." },
  tz: TZ,
  ...REMOTE_FLAGS,
} as const;
const LOGS = {
  level: { type: "string", value: "LEVEL", help: "Only lines of this level: INFO or ERROR." },
  message: { type: "string", value: "TEXT", help: "Only lines containing TEXT (case-sensitive)." },
  from: { type: "string", value: TIME, help: "Lines written at or after TIME." },
  to: { type: "string", value: TIME, help: "Lines written at or before TIME." },
  period: {
    type: "string",
    value: "PERIOD",
    help: 'today, yesterday, or a time back from now, e.g. "2h 30m" (not with --from/--to).',
  },
  tz: { ...TZ, help: "The zone of TIMEs without an offset, and of --period's midnight." },
  size: {
    type: "string",
    value: "N",
    help: "At most N lines, oldest first, 1-10000 (default 1000).",
  },
  follow: {
    type: "boolean",
    short: "f",
    help: "Print every line as it comes until the job ends (Ctrl-C stops following).",
  },
  ...REMOTE_FLAGS,
} as const;
const WAIT = {
  status: {
    type: "string",
    value: "STATUSES",
    help: "Comma-separated statuses to wait for (default FINISHED,STOPPED,CANCELED).",
  },
  timeout: {
    type: "string",
    value: "DURATION",
    help: "Give up after this long: 90s, 5m, 1h30m (default: no limit).",
  },
  ...REMOTE_FLAGS,
} as const;

const SUBCOMMANDS = {
  list: LIST,
  show: REMOTE_FLAGS,
  logs: LOGS,
  wait: WAIT,
  stop: REMOTE_FLAGS,
  cancel: REMOTE_FLAGS,
  resume: REMOTE_FLAGS,
} as const;
type Subcommand = keyof typeof SUBCOMMANDS;
// Each subcommand's values, joined: the same name has the same type in every subcommand.
type JobsFlags = FlagValues<typeof LIST> & FlagValues<typeof LOGS> & FlagValues<typeof WAIT>;
type TimeFlag = "create-from" | "create-to" | "start-from" | "start-to" | "end-from" | "end-to";

function help(): string {
  return `Usage: sundial jobs list [filters] [--json]
       sundial jobs show <id> [--json]
       sundial jobs logs <id> [filters] [--follow] [--json]
       sundial jobs wait <id> [--status STATUSES] [--timeout DURATION] [--json]
       sundial jobs stop|cancel|resume <id> [--json]

The jobs of a running server, over its API (--url, else $SUNDIAL_URL, else
http://127.0.0.1:8080), as the user of an API token (--token, else $SUNDIAL_TOKEN; make
one with "sundial tokens create"). Reading needs the viewer role; stop, cancel and
resume need operator.

A TIME is ISO 8601 (2026-01-05T09:00:00Z; without an offset it is in --tz, default UTC),
ms since the epoch, or a time back from now: 30m, 2h, 1d 12h. stop asks a RUNNING job to
stop (it ends STOPPED, resumable); cancel ends a PENDING or STOPPED job for good; resume
puts a STOPPED job back in line. wait exits 0 once the job is in one of the statuses, and
1 (code timeout) when --timeout runs out first; on a terminal it shows a spinner.

Options of list:
${formatFlagHelp(LIST)}

Options of logs:
${formatFlagHelp(LOGS)}

Options of wait:
${formatFlagHelp(WAIT)}

Examples:
  sundial jobs list --status FINISHED --has-errors --end-from 1d
  sundial jobs logs 01936f4e-8a2b-7c41-9d3e-5f0a1b2c3d4e --level ERROR --period 2h
  sundial jobs logs 01936f4e-8a2b-7c41-9d3e-5f0a1b2c3d4e --follow
  sundial jobs wait 01936f4e-8a2b-7c41-9d3e-5f0a1b2c3d4e --status FINISHED --timeout 10m
`;
}

const iso = (ms: number | null) => (ms === null ? "-" : new Date(ms).toISOString());

/** A duration as a person reads it: 850 ms, 12.4 s, 3m 05s, 2h 10m. */
function duration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes}m ${String(Math.floor(ms / 1000) % 60).padStart(2, "0")}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, "0")}m`;
}

function listLines(jobs: readonly Job[]): string {
  if (jobs.length === 0) return "No jobs.\n";
  return textTable(
    ["ID", "TYPE", "STATUS", "ERRORS", "PROGRESS", "CREATED", "DURATION", "SCHEDULE"],
    jobs.map((j) => [
      j.id,
      j.type,
      j.status,
      j.hasErrors ? "yes" : "no",
      `${j.progress}%`,
      iso(j.createDate),
      j.startDate === null ? "-" : duration(j.duration),
      j.scheduleId ?? "-",
    ]),
  );
}

function jobLines(j: Job): string {
  const json = (value: unknown) => (value === null ? "-" : JSON.stringify(value));
  return keyValueLines([
    ["id", j.id],
    ["type", j.type],
    ["label", j.label ?? "-"],
    [
      "status",
      `${j.status}${j.hasErrors ? ", with errors" : ""}${j.reason ? ` (${j.reason})` : ""}`,
    ],
    ["progress", `${j.progress}%`],
    ["attempt", `${j.attempt} of ${j.maxAttempts}`],
    ["created", iso(j.createDate)],
    ["run at", iso(j.runAt)],
    ["started", iso(j.startDate)],
    ["ended", iso(j.endDate)],
    ["waited", duration(j.waiting)],
    ["ran", duration(j.duration)],
    ["run by", j.runBy?.name ?? "-"],
    ["schedule", j.scheduleId === null ? "-" : `${j.scheduleId}, fire of ${iso(j.fireTime)}`],
    ["node", j.node ?? "-"],
    ["priority", `${j.priority}${j.lowPriority ? ", low" : ""}`],
    ["data", json(j.data)],
    ["results", json(j.results)],
  ]);
}

async function list(client: RemoteClient, flags: JobsFlags, io: CliIo): Promise<void> {
  refuseBoth(flags, "has-errors", "no-errors");
  const at = (flag: TimeFlag) => instantOf(flag, flags[flag], flags.tz, io.now());
  const query = {
    type: flags.type,
    status: flags.status === undefined ? undefined : statusList("--status", flags.status).join(","),
    scheduleId: flags.schedule,
    createFrom: at("create-from"),
    createTo: at("create-to"),
    startFrom: at("start-from"),
    startTo: at("start-to"),
    endFrom: at("end-from"),
    endTo: at("end-to"),
    hasErrors: flags["has-errors"] ? true : flags["no-errors"] ? false : undefined,
    _size: flags.size === undefined ? undefined : wholeNumber("--size", flags.size, 1, 1000),
  };
  const page = await client.request<{ result: Job[]; resultCount: number }>("GET", "/jobs", {
    query,
  });
  if (flags.json) {
    io.stdout.write(`${JSON.stringify(page)}\n`);
    return;
  }
  io.stdout.write(listLines(page.result));
  const last = page.result.at(-1);
  if (last !== undefined && page.resultCount === (query._size ?? 100)) {
    io.stderr.write(
      `There may be more: raise --size (at most 1000), or add --create-to ${iso(last.createDate)} for older ones.\n`,
    );
  }
}

async function logs(
  client: RemoteClient,
  id: string,
  flags: JobsFlags,
  io: CliIo,
): Promise<number> {
  const level =
    flags.level === undefined
      ? undefined
      : oneOf("--level", flags.level.toUpperCase(), ["INFO", "ERROR"]);
  if (flags.follow) return followJob(client, id, { level, message: flags.message }, flags, io);
  refuseBoth(flags, "from", "period");
  refuseBoth(flags, "to", "period");
  const page = await client.request<{ result: JobLog[]; resultCount: number }>(
    "GET",
    `${jobPath(id)}/logs`,
    {
      query: {
        level,
        message: flags.message,
        from: instantOf("from", flags.from, flags.tz, io.now()),
        to: instantOf("to", flags.to, flags.tz, io.now()),
        period: flags.period,
        timeZone: flags.tz,
        _size: flags.size === undefined ? undefined : wholeNumber("--size", flags.size, 1, 10_000),
      },
    },
  );
  io.stdout.write(flags.json ? `${JSON.stringify(page)}\n` : page.result.map(logLine).join(""));
  return 0;
}

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseRemoteSubcommand<Subcommand, JobsFlags>(
    argv,
    SUBCOMMANDS as Record<Subcommand, FlagDefinitions>,
    help,
    io,
  );
  if ("exitCode" in parsed) return parsed.exitCode;
  const { sub, positionals, flags, client } = parsed;

  if (sub === "list") {
    refuseExtra(positionals, 0, "list takes only flags");
    await list(client, flags, io);
    return 0;
  }
  const id = onlyArgument(positionals, `jobs ${sub}`, "the job's id");
  switch (sub) {
    case "show": {
      const job = await client.request<Job>("GET", jobPath(id));
      io.stdout.write(flags.json ? `${JSON.stringify(job)}\n` : jobLines(job));
      return 0;
    }
    case "logs":
      return logs(client, id, flags, io);
    case "wait":
      return waitForJob(client, id, flags, io);
    case "stop":
    case "cancel":
    case "resume": {
      const job = await client.request<Job>("POST", `${jobPath(id)}/${sub}`);
      io.stdout.write(
        flags.json ? `${JSON.stringify(job)}\n` : `Job ${id} is now ${job.status}.\n`,
      );
      return 0;
    }
  }
}

export const jobsCommand: Command = { name: "jobs", help, run };
