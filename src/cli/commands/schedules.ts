/**
 * `sundial schedules list|get|put|delete|pause|resume`: the schedules of a running server,
 * over its API. Pausing one schedule saves it with `enabled: false` (it keeps its place and
 * fires again once resumed); pausing with `--all` is the scheduler's maintenance mode, on
 * every node, which leaves each schedule's own `enabled` alone.
 */
import { SundialError } from "../../errors.js";
import { type Schedule, ScheduleInputSchema } from "../../schedules/schedule.js";
import {
  type FlagDefinitions,
  type FlagValues,
  formatFlagHelp,
  oneOf,
  wholeNumber,
} from "../args.js";
import type { CliIo, Command } from "../command.js";
import { parseRemoteSubcommand, REMOTE_FLAGS, type RemoteClient } from "../remote.js";
import {
  keyValueLines,
  onlyArgument,
  readBody,
  refuseBoth,
  refuseExtra,
  textTable,
} from "../subcommands.js";
import { WallTimeFormat } from "../wall-time.js";

const TRIGGER_TYPES = ["cron", "unix", "calendar", "interval", "once"] as const;

const LIST = {
  enabled: { type: "boolean", help: "Only enabled schedules." },
  disabled: { type: "boolean", help: "Only disabled (paused) schedules." },
  "invoke-service": { type: "string", value: "TYPE", help: "Only those invoking this job type." },
  type: {
    type: "string",
    value: "TYPE",
    help: `Only this trigger type: ${TRIGGER_TYPES.join(", ")}.`,
  },
  fields: {
    type: "string",
    value: "LIST",
    help: "Comma-separated fields to show (the id always comes), e.g. nextFireTime,enabled.",
  },
  size: { type: "string", value: "N", help: "Schedules a page, 1-1000 (default 100)." },
  after: {
    type: "string",
    value: "COOKIE",
    help: "The next page: the pagedResultsCookie the last page gave (list prints it).",
  },
  all: { type: "boolean", help: "Read every page, not just the first." },
  ...REMOTE_FLAGS,
} as const;
const PUT = {
  file: { type: "string", value: "FILE", help: "The schedule as JSON; - reads stdin." },
  ...REMOTE_FLAGS,
} as const;
const PAUSE = {
  all: {
    type: "boolean",
    help: "The whole scheduler, on every node (maintenance mode), instead of one schedule.",
  },
  ...REMOTE_FLAGS,
} as const;

const SUBCOMMANDS = {
  list: LIST,
  get: REMOTE_FLAGS,
  put: PUT,
  delete: REMOTE_FLAGS,
  pause: PAUSE,
  resume: PAUSE,
} as const;
type Subcommand = keyof typeof SUBCOMMANDS;
type Flags = FlagValues<typeof LIST> & FlagValues<typeof PUT>;

/** What `GET /schedules/{id}` adds to a schedule. */
interface ScheduleAnswer extends Schedule {
  readonly nextFireTimes: readonly string[];
}

interface SchedulePage {
  readonly result: readonly Record<string, unknown>[];
  readonly resultCount: number;
  readonly pagedResultsCookie: string | null;
}

function help(): string {
  return `Usage: sundial schedules list [filters] [--all] [--json]
       sundial schedules get <id> [--json]
       sundial schedules put <id> --file FILE|-
       sundial schedules delete <id>
       sundial schedules pause <id> | --all
       sundial schedules resume <id> | --all

The schedules of a running server, over its API (--url, else $SUNDIAL_URL, else
http://127.0.0.1:8080), as the user of an API token (--token, else $SUNDIAL_TOKEN; make
one with "sundial tokens create"). Reading needs the viewer role, changing operator.

put creates or replaces a schedule from a JSON file (the body of PUT /schedules/{id}; the
id may come from the file's _id instead). pause <id> disables one schedule and resume <id>
enables it again; pause --all stops every schedule firing, on every node, until
resume --all, leaving each schedule's own setting alone. A schedule from a conf/ file
takes its file's setting again when the file changes.

Options of list:
${formatFlagHelp(LIST)}

Examples:
  export SUNDIAL_URL=https://sundial.example.com SUNDIAL_TOKEN=sundial_…
  sundial schedules list --enabled --type cron
  sundial schedules get daily-report
  sundial schedules put daily-report --file daily-report.json
  sundial schedules pause daily-report
  sundial schedules pause --all
`;
}

const path = (id: string) => `/schedules/${encodeURIComponent(id)}`;
const cell = (value: unknown): string =>
  value === undefined || value === null
    ? "-"
    : typeof value === "string"
      ? value
      : JSON.stringify(value);
const yesNo = (value: boolean) => (value ? "yes" : "no");

/** The trigger as its writer would recognise it: the expression, the interval or the instant. */
function triggerText(s: Partial<Schedule>): string {
  if (s.type === "interval") return `every ${s.every} ${s.unit}`;
  if (s.type === "once") return `at ${s.at}`;
  return s.schedule ?? "-";
}

function listLines(page: SchedulePage, fields: string | undefined): string {
  if (page.result.length === 0) return "No schedules.\n";
  if (fields !== undefined) {
    const names = ["_id", ...new Set(fields.split(",").map((f) => f.trim()))].filter(
      (name, i) => name !== "" && (i === 0 || name !== "_id"),
    );
    return textTable(
      names,
      page.result.map((s) => names.map((name) => cell(s[name]))),
    );
  }
  const schedules = page.result as unknown as readonly Schedule[];
  return textTable(
    ["ID", "ENABLED", "TYPE", "TRIGGER", "TIME ZONE", "INVOKES", "NEXT FIRE"],
    schedules.map((s) => [
      s._id,
      yesNo(s.enabled),
      s.type,
      triggerText(s),
      s.timeZone,
      s.invokeService,
      cell(s.nextFireTime),
    ]),
  );
}

function scheduleLines(s: ScheduleAnswer): string {
  const wall = new WallTimeFormat(s.timeZone);
  const fires = s.nextFireTimes.map((fire) => `${fire}  ${wall.format(Date.parse(fire))}`);
  const pairs: [string, string][] = [
    ["id", s._id],
    ["enabled", yesNo(s.enabled)],
    ["trigger", `${s.type} ${triggerText(s)}`],
    ["time zone", s.timeZone],
  ];
  if (s.startTime !== undefined) pairs.push(["start time", cell(s.startTime)]);
  if (s.endTime !== undefined) pairs.push(["end time", cell(s.endTime)]);
  pairs.push(
    ["misfire policy", `${s.misfirePolicy} (after ${s.misfireThreshold} ms)`],
    ["concurrent", yesNo(s.concurrentExecution)],
    ["invokes", s.invokeService],
    ["invoke context", cell(s.invokeContext)],
    ["last fire", cell(s.lastFireTime)],
    ["updated", s.updatedAt],
    ["next fires", fires.length === 0 ? "none: it will not fire again" : (fires[0] as string)],
    ...fires.slice(1).map((fire): [string, string] => ["", fire]),
  );
  return keyValueLines(pairs);
}

/** The schedule as a PUT body: what the API answers, less what the server adds. */
function inputOf(schedule: Schedule): Record<string, unknown> {
  const inputFields = Object.keys(ScheduleInputSchema.properties);
  return Object.fromEntries(Object.entries(schedule).filter(([key]) => inputFields.includes(key)));
}

async function list(client: RemoteClient, flags: Flags, io: CliIo): Promise<void> {
  refuseBoth(flags, "enabled", "disabled");
  refuseBoth(flags, "all", "after");
  const query = {
    enabled: flags.enabled ? true : flags.disabled ? false : undefined,
    invokeService: flags["invoke-service"],
    type: flags.type === undefined ? undefined : oneOf("--type", flags.type, TRIGGER_TYPES),
    fields: flags.fields,
    _size: flags.size === undefined ? undefined : wholeNumber("--size", flags.size, 1, 1000),
  };
  const result: Record<string, unknown>[] = [];
  let cookie = flags.after ?? null;
  let page: SchedulePage;
  do {
    page = await client.request<SchedulePage>("GET", "/schedules", {
      query: { ...query, _pagedResultsCookie: cookie ?? undefined },
    });
    result.push(...page.result);
    cookie = page.pagedResultsCookie;
  } while (flags.all && cookie !== null);
  const all = { result, resultCount: result.length, pagedResultsCookie: cookie };
  if (flags.json) {
    io.stdout.write(`${JSON.stringify(all)}\n`);
    return;
  }
  io.stdout.write(listLines(all, flags.fields));
  if (cookie !== null) {
    io.stderr.write(
      `More schedules may follow: add --after ${cookie} for the next page, or --all.\n`,
    );
  }
}

/** What a command answered, and what it says to a person. */
interface Outcome {
  readonly value: unknown;
  readonly text: string;
}

/** pause and resume of one schedule: saves it with `enabled` set, unless it already is. */
async function setEnabled(client: RemoteClient, id: string, enabled: boolean): Promise<Outcome> {
  const current = await client.request<Schedule>("GET", path(id));
  if (current.enabled === enabled) {
    return {
      value: current,
      text: `Schedule ${id} is already ${enabled ? "enabled" : "paused"}.\n`,
    };
  }
  // The API has no partial update: the schedule goes back whole, less what the server adds.
  const schedule = await client.request<Schedule>("PUT", path(id), {
    body: { ...inputOf(current), enabled },
  });
  const text = enabled
    ? `Resumed schedule ${id}; next fire ${cell(schedule.nextFireTime)}.\n`
    : `Paused schedule ${id}: it won't fire until \`sundial schedules resume ${id}\`.\n`;
  return { value: schedule, text };
}

/** pause and resume of the scheduler on every node. */
async function setSchedulerPaused(client: RemoteClient, paused: boolean): Promise<Outcome> {
  const action = paused ? "pauseJobs" : "resumeJobs";
  const value = await client.request("POST", "/scheduler", { query: { _action: action } });
  const text = paused
    ? "Paused the scheduler on every node: nothing fires until `sundial schedules resume --all`; running jobs carry on.\n"
    : "Resumed the scheduler on every node; fires missed meanwhile follow their misfire policies.\n";
  return { value, text };
}

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseRemoteSubcommand<Subcommand, Flags>(
    argv,
    SUBCOMMANDS as Record<Subcommand, FlagDefinitions>,
    help,
    io,
  );
  if ("exitCode" in parsed) return parsed.exitCode;
  const { sub, positionals, flags, client, print } = parsed;

  switch (sub) {
    case "list":
      refuseExtra(positionals, 0, "list takes only flags");
      await list(client, flags, io);
      return 0;
    case "get": {
      const id = onlyArgument(positionals, "schedules get", "the schedule's id");
      const schedule = await client.request<ScheduleAnswer>("GET", path(id));
      print(schedule, scheduleLines(schedule));
      return 0;
    }
    case "put": {
      refuseExtra(positionals, 1);
      const body = await readBody(flags.file, io, "schedule");
      const id = positionals[0] ?? (typeof body._id === "string" ? body._id : undefined);
      if (id === undefined) {
        const message = "schedules put needs the schedule's id (or an _id in the file)";
        throw new SundialError("badRequest", message, { field: "id" });
      }
      const schedule = await client.request<Schedule>("PUT", path(id), { body });
      print(
        schedule,
        `Saved schedule ${id} (${schedule.enabled ? "enabled" : "disabled"}); next fire ${cell(schedule.nextFireTime)}.\n`,
      );
      return 0;
    }
    case "delete": {
      const id = onlyArgument(positionals, "schedules delete", "the schedule's id");
      await client.request("DELETE", path(id));
      // The API answers 204 with no body, so --json has nothing to print.
      if (!flags.json) io.stdout.write(`Deleted schedule ${id}.\n`);
      return 0;
    }
    case "pause":
    case "resume": {
      const paused = sub === "pause";
      if (flags.all) {
        refuseExtra(positionals, 0, "--all is the whole scheduler; leave out the id");
        const { value, text } = await setSchedulerPaused(client, paused);
        print(value, text);
        return 0;
      }
      if (positionals.length === 0) {
        throw new SundialError(
          "badRequest",
          `schedules ${sub} needs a schedule's id, or --all for the whole scheduler`,
          { field: "id" },
        );
      }
      const id = onlyArgument(positionals, `schedules ${sub}`, "the schedule's id");
      const { value, text } = await setEnabled(client, id, !paused);
      print(value, text);
      return 0;
    }
  }
}

export const schedulesCommand: Command = { name: "schedules", help, run };
