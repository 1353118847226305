/**
 * `sundial projects list|get|put|delete|run|versions`: the projects of a running server,
 * over its API. A project is named by its name or its id.
 */
import { SundialError } from "../../errors.js";
import { type FlagDefinitions, type FlagValues, formatFlagHelp } from "../args.js";
import type { CliIo, Command } from "../command.js";
import { parseRemoteSubcommand, REMOTE_FLAGS, type RemoteClient } from "../remote.js";
import { keyValueLines, onlyArgument, readBody, refuseExtra, textTable } from "../subcommands.js";
import { cell, RUN_FLAGS, showVersions, startRun, VERSION_FLAGS } from "./projects-shared.js";

const LIST = {
  owner: { type: "string", value: "USER", help: "Only projects USER owns; me: yours." },
  search: {
    type: "string",
    value: "TEXT",
    help: "Only projects whose name holds TEXT (any case).",
  },
  ...REMOTE_FLAGS,
} as const;
const PUT = {
  file: { type: "string", value: "FILE", help: "The project as JSON; - reads stdin." },
  ...REMOTE_FLAGS,
} as const;
const VERSIONS = { ...VERSION_FLAGS, ...REMOTE_FLAGS } as const;

const SUBCOMMANDS = {
  list: LIST,
  get: REMOTE_FLAGS,
  put: PUT,
  delete: REMOTE_FLAGS,
  run: { ...RUN_FLAGS, ...REMOTE_FLAGS },
  versions: VERSIONS,
} as const;
type Subcommand = keyof typeof SUBCOMMANDS;
type Flags = FlagValues<typeof LIST> &
  FlagValues<typeof PUT> &
  FlagValues<typeof VERSIONS> &
  FlagValues<typeof RUN_FLAGS>;

interface ProjectAnswer {
  readonly id: string;
  readonly name: string;
  readonly description: string | null;
  readonly owners: readonly string[];
  readonly runMode: string;
  readonly timeZone: string;
  readonly taskCount: number;
  readonly version: number;
  readonly updatedAt: number;
  readonly parameters?: Readonly<Record<string, string>>;
  readonly schedules?: readonly { readonly _id: string; readonly nextFireTime: string | null }[];
}

function help(): string {
  return `Usage: sundial projects list [--owner USER|me] [--search TEXT] [--json]
       sundial projects get <project> [--json]
       sundial projects put [<project>] --file FILE|-
       sundial projects delete <project>
       sundial projects run <project> [--wait]
       sundial projects versions <project> [--diff [--from N] [--to N]]

The projects of a running server, over its API (--url, else $SUNDIAL_URL, else
http://127.0.0.1:8080), as the user of an API token (--token, else $SUNDIAL_TOKEN).
A <project> is its name or id. Reading needs the viewer role, changing operator, running
the right to start export jobs (operator, or a group granted export).

put creates the project, or replaces the one named (a new config version); the file is
the body of POST /projects (docs/projects.md). run starts one export job that runs the
project's enabled tasks in its run mode. versions lists its config versions, newest
first; --diff shows what changed, field by field.

Options of list:
${formatFlagHelp(LIST)}

Options of versions:
${formatFlagHelp(VERSIONS)}

Examples:
  sundial projects put --file sales.json
  sundial projects run sales --wait
  sundial projects versions sales --diff --from 1
`;
}

const path = (ref: string) => `/projects/${encodeURIComponent(ref)}`;

function projectLines(p: ProjectAnswer): string {
  const pairs: [string, string][] = [
    ["id", p.id],
    ["name", p.name],
    ["description", cell(p.description)],
    ["owners", p.owners.join(", ") || "-"],
    ["run mode", p.runMode],
    ["time zone", p.timeZone],
    ["tasks", String(p.taskCount)],
    ["parameters", cell(p.parameters)],
    ["version", String(p.version)],
  ];
  for (const [i, s] of (p.schedules ?? []).entries()) {
    pairs.push([i === 0 ? "schedules" : "", `${s._id}, next fire ${cell(s.nextFireTime)}`]);
  }
  return keyValueLines(pairs);
}

/** The project in the file, created or (when it exists) replaced. */
async function put(client: RemoteClient, ref: string | undefined, body: Record<string, unknown>) {
  const name = ref ?? (typeof body.name === "string" ? body.name : undefined);
  if (name === undefined) {
    throw new SundialError(
      "badRequest",
      "projects put needs the project's name (or a name in the file)",
      {
        field: "project",
      },
    );
  }
  try {
    await client.request("GET", path(name));
  } catch (error) {
    if ((error as SundialError).code !== "notFound") throw error;
    const created = await client.request<ProjectAnswer>("POST", "/projects", {
      body: { name, ...body },
    });
    return { project: created, verb: "Created" };
  }
  const project = await client.request<ProjectAnswer>("PUT", path(name), {
    body: { name, ...body },
  });
  return { project, verb: "Saved" };
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
    case "list": {
      refuseExtra(positionals, 0, "list takes only flags");
      const page = await client.request<{ result: ProjectAnswer[] }>("GET", "/projects", {
        query: { owner: flags.owner, search: flags.search },
      });
      const rows = page.result.map((p) => [
        p.name,
        p.runMode,
        String(p.taskCount),
        p.owners.join(",") || "-",
        String(p.version),
        p.id,
      ]);
      print(
        page,
        rows.length === 0
          ? "No projects.\n"
          : textTable(["NAME", "RUN MODE", "TASKS", "OWNERS", "VERSION", "ID"], rows),
      );
      return 0;
    }
    case "get": {
      const ref = onlyArgument(positionals, "projects get", "the project's name or id");
      const project = await client.request<ProjectAnswer>("GET", path(ref));
      print(project, projectLines(project));
      return 0;
    }
    case "put": {
      refuseExtra(positionals, 1);
      const body = await readBody(flags.file, io, "project");
      const { project, verb } = await put(client, positionals[0], body);
      print(project, `${verb} project ${project.name} (version ${project.version}).\n`);
      return 0;
    }
    case "delete": {
      const ref = onlyArgument(positionals, "projects delete", "the project's name or id");
      await client.request("DELETE", path(ref));
      if (!flags.json) io.stdout.write(`Deleted project ${ref}.\n`);
      return 0;
    }
    case "run": {
      const ref = onlyArgument(positionals, "projects run", "the project's name or id");
      return startRun(client, `${path(ref)}/run`, `project ${ref}`, flags, io);
    }
    case "versions": {
      const ref = onlyArgument(positionals, "projects versions", "the project's name or id");
      return showVersions(client, path(ref), flags, print);
    }
  }
}

export const projectsCommand: Command = { name: "projects", help, run };
