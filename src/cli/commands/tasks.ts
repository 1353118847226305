/**
 * `sundial tasks list|get|put|delete|run|duplicate|enable|disable|versions`: the tasks of a
 * running server, over its API. A task is named by its id (`tsk_…`, as list shows it).
 */
import { SundialError } from "../../errors.js";
import { type FlagDefinitions, type FlagValues, formatFlagHelp, wholeNumber } from "../args.js";
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
import {
  cell,
  RUN_FLAGS,
  showVersions,
  startRun,
  VERSION_FLAGS,
  yesNo,
} from "./projects-shared.js";

const LIST = {
  project: {
    type: "string",
    value: "PROJECT",
    help: "Only the tasks of this project (name or id).",
  },
  owner: { type: "string", value: "USER", help: "Only tasks of projects USER owns; me: yours." },
  search: {
    type: "string",
    value: "TEXT",
    help: "Only tasks whose (or whose project's) name holds TEXT.",
  },
  enabled: { type: "boolean", help: "Only enabled tasks." },
  disabled: { type: "boolean", help: "Only disabled tasks." },
  sort: {
    type: "string",
    value: "KEYS",
    help: "Comma-separated: name, project, rank, enabled, createdAt, updatedAt; -KEY descends (default project,rank,name).",
  },
  size: { type: "string", value: "N", help: "Tasks a page, 1-1000 (default 100)." },
  offset: { type: "string", value: "N", help: "Skip the first N matching tasks (the next page)." },
  all: { type: "boolean", help: "Read every page, not just the first." },
  ...REMOTE_FLAGS,
} as const;
const PUT = {
  file: { type: "string", value: "FILE", help: "The task as JSON; - reads stdin." },
  ...REMOTE_FLAGS,
} as const;
const DUPLICATE = {
  name: { type: "string", value: "NAME", help: 'The copy\'s name (default "<name> copy").' },
  project: {
    type: "string",
    value: "PROJECT",
    help: "Copy into this project (default the task's).",
  },
  ...REMOTE_FLAGS,
} as const;
const VERSIONS = { ...VERSION_FLAGS, ...REMOTE_FLAGS } as const;

const SUBCOMMANDS = {
  list: LIST,
  get: REMOTE_FLAGS,
  put: PUT,
  delete: REMOTE_FLAGS,
  run: { ...RUN_FLAGS, ...REMOTE_FLAGS },
  duplicate: DUPLICATE,
  enable: REMOTE_FLAGS,
  disable: REMOTE_FLAGS,
  versions: VERSIONS,
} as const;
type Subcommand = keyof typeof SUBCOMMANDS;
type Flags = FlagValues<typeof LIST> &
  FlagValues<typeof PUT> &
  FlagValues<typeof DUPLICATE> &
  FlagValues<typeof VERSIONS> &
  FlagValues<typeof RUN_FLAGS>;

interface TaskAnswer {
  readonly id: string;
  readonly project: string;
  readonly name: string;
  readonly enabled: boolean;
  readonly rank: number;
  readonly version: number;
  readonly parameters: Readonly<Record<string, string>>;
  readonly retries: { readonly count: number; readonly delayMs: number };
  readonly schedules: readonly { readonly _id: string; readonly nextFireTime: string | null }[];
  readonly source?: unknown;
  readonly output?: { readonly fileName?: string };
  readonly destinations?: readonly unknown[];
  readonly updatedAt: number;
}

interface TaskPage {
  readonly result: TaskAnswer[];
  readonly resultCount: number;
  readonly totalPagedResults: number;
  readonly remainingPagedResults: number;
}

function help(): string {
  return `Usage: sundial tasks list [filters] [--all] [--json]
       sundial tasks get <id> [--json]
       sundial tasks put [<id>] --file FILE|-
       sundial tasks delete <id>
       sundial tasks run <id> [--wait]
       sundial tasks duplicate <id> [--name NAME] [--project PROJECT]
       sundial tasks enable <id>
       sundial tasks disable <id>
       sundial tasks versions <id> [--diff [--from N] [--to N]]

The tasks of a running server, over its API (--url, else $SUNDIAL_URL, else
http://127.0.0.1:8080), as the user of an API token (--token, else $SUNDIAL_TOKEN).
Reading needs the viewer role, changing operator, running the right to start export jobs
(operator, or a group granted export).

put without an id creates a task from the file (the body of POST /tasks: its project,
name and export settings, docs/projects.md); with an id it replaces that task's config (a
new config version). run starts the task now, enabled or not. duplicate copies it,
disabled. versions lists its config versions, newest first; --diff shows what changed.

Options of list:
${formatFlagHelp(LIST)}

Options of duplicate:
${formatFlagHelp(DUPLICATE)}

Examples:
  sundial tasks list --project sales --sort -updatedAt
  sundial tasks put --file north.json
  sundial tasks run tsk_3kQ9v1xYb2c8ZrTq --wait
  sundial tasks versions tsk_3kQ9v1xYb2c8ZrTq --diff --from 1 --to 3
`;
}

const path = (id: string) => `/tasks/${encodeURIComponent(id)}`;

function listLines(page: TaskPage): string {
  if (page.result.length === 0) return "No tasks.\n";
  return textTable(
    ["ID", "PROJECT", "NAME", "ENABLED", "RANK", "NEXT FIRE", "VERSION"],
    page.result.map((t) => [
      t.id,
      t.project,
      t.name,
      yesNo(t.enabled),
      String(t.rank),
      cell(
        t.schedules
          .map((s) => s.nextFireTime)
          .filter((f) => f !== null)
          .sort()[0],
      ),
      String(t.version),
    ]),
  );
}

function taskLines(t: TaskAnswer): string {
  const pairs: [string, string][] = [
    ["id", t.id],
    ["project", t.project],
    ["name", t.name],
    ["enabled", yesNo(t.enabled)],
    ["rank", String(t.rank)],
    ["parameters", cell(t.parameters)],
    ["source", cell(t.source)],
    ["file name", cell(t.output?.fileName)],
    ["destinations", String(t.destinations?.length ?? 0)],
    ["retries", `${t.retries.count}, ${t.retries.delayMs} ms apart`],
    ["version", String(t.version)],
  ];
  for (const [i, s] of t.schedules.entries()) {
    pairs.push([i === 0 ? "schedules" : "", `${s._id}, next fire ${cell(s.nextFireTime)}`]);
  }
  return keyValueLines(pairs);
}

async function list(client: RemoteClient, flags: Flags, io: CliIo): Promise<void> {
  refuseBoth(flags, "enabled", "disabled");
  refuseBoth(flags, "all", "offset");
  const size = flags.size === undefined ? undefined : wholeNumber("--size", flags.size, 1, 1000);
  let offset =
    flags.offset === undefined
      ? 0
      : wholeNumber("--offset", flags.offset, 0, Number.MAX_SAFE_INTEGER);
  const result: TaskAnswer[] = [];
  let page: TaskPage;
  do {
    page = await client.request<TaskPage>("GET", "/tasks", {
      query: {
        project: flags.project,
        owner: flags.owner,
        search: flags.search,
        enabled: flags.enabled ? true : flags.disabled ? false : undefined,
        _sortKeys: flags.sort,
        _size: size,
        _pagedResultsOffset: offset === 0 ? undefined : offset,
      },
    });
    result.push(...page.result);
    offset += page.resultCount;
  } while (flags.all && page.remainingPagedResults > 0 && page.resultCount > 0);
  const all = { ...page, result, resultCount: result.length };
  if (flags.json) {
    io.stdout.write(`${JSON.stringify(all)}\n`);
    return;
  }
  io.stdout.write(listLines(all));
  if (page.remainingPagedResults > 0) {
    io.stderr.write(
      `${page.remainingPagedResults} more task(s): add --offset ${offset} for the next page, or --all.\n`,
    );
  }
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
  const id = () => onlyArgument(positionals, `tasks ${sub}`, "the task's id");

  switch (sub) {
    case "list":
      refuseExtra(positionals, 0, "list takes only flags");
      await list(client, flags, io);
      return 0;
    case "get": {
      const task = await client.request<TaskAnswer>("GET", path(id()));
      print(task, taskLines(task));
      return 0;
    }
    case "put": {
      refuseExtra(positionals, 1);
      const body = await readBody(flags.file, io, "task");
      const given = positionals[0];
      const task =
        given === undefined
          ? await client.request<TaskAnswer>("POST", "/tasks", { body })
          : await client.request<TaskAnswer>("PUT", path(given), { body });
      const verb = given === undefined ? "Created" : "Saved";
      print(
        task,
        `${verb} task ${task.project}/${task.name}: ${task.id} (version ${task.version}).\n`,
      );
      return 0;
    }
    case "delete": {
      const taskId = id();
      await client.request("DELETE", path(taskId));
      if (!flags.json) io.stdout.write(`Deleted task ${taskId}.\n`);
      return 0;
    }
    case "run": {
      const taskId = id();
      return startRun(client, `${path(taskId)}/run`, `task ${taskId}`, flags, io);
    }
    case "duplicate": {
      const copy = await client.request<TaskAnswer>("POST", `${path(id())}/duplicate`, {
        query: { name: flags.name, project: flags.project },
      });
      print(
        copy,
        `Copied to ${copy.project}/${copy.name}: ${copy.id}, disabled; enable it with: sundial tasks enable ${copy.id}\n`,
      );
      return 0;
    }
    case "enable":
    case "disable": {
      const task = await client.request<TaskAnswer>("POST", `${path(id())}/${sub}`);
      print(
        task,
        `${sub === "enable" ? "Enabled" : "Disabled"} task ${task.project}/${task.name} (version ${task.version}).\n`,
      );
      return 0;
    }
    case "versions": {
      const taskId = id();
      return showVersions(client, path(taskId), flags, print);
    }
  }
  throw new SundialError("badRequest", `unknown subcommand ${String(sub)}`);
}

export const tasksCommand: Command = { name: "tasks", help, run };
