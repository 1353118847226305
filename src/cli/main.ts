/**
 * The `sundial` command: finds the command named in argv, runs it, and turns what it
 * throws into one line of advice and an exit code from the error registry. bin/sundial.js
 * calls {@link main}; tests call it in-process with their own streams.
 */
import { readFile } from "node:fs/promises";
import { ERROR_CODES, errorCodeOf } from "../errors.js";
import { nearest } from "./args.js";
import type { CliIo, Command } from "./command.js";

interface CommandEntry {
  /** One line for `sundial --help`. */
  readonly summary: string;
  /** Loaded on demand, so `sundial next` never loads what `serve` needs. */
  readonly load: () => Promise<Command>;
}

const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  serve: {
    summary: "Run the server: the scheduler, the workers and the REST API.",
    load: async () => (await import("./commands/serve.js")).serveCommand,
  },
  next: {
    summary: "Print the next fire times of a trigger (cron, unix, calendar, interval, once).",
    load: async () => (await import("./commands/next.js")).nextCommand,
  },
  migrate: {
    summary: "Bring the database schema up to date (servers also do this when they start).",
    load: async () => (await import("./commands/migrate.js")).migrateCommand,
  },
  users: {
    summary: "Add users, set their passwords and list them, in the database.",
    load: async () => (await import("./commands/users.js")).usersCommand,
  },
  tokens: {
    summary: "Create, revoke and list API tokens, in the database.",
    load: async () => (await import("./commands/tokens.js")).tokensCommand,
  },
  schedules: {
    summary: "List, show, save, delete, pause and resume schedules on a running server.",
    load: async () => (await import("./commands/schedules.js")).schedulesCommand,
  },
  jobs: {
    summary: "List jobs, show one, read or follow its logs, wait for it, stop or resume it.",
    load: async () => (await import("./commands/jobs.js")).jobsCommand,
  },
  projects: {
    summary: "List, show, save, delete and run projects, and read their config history.",
    load: async () => (await import("./commands/projects.js")).projectsCommand,
  },
  tasks: {
    summary: "List, show, save, run, copy, enable and disable tasks; read their config history.",
    load: async () => (await import("./commands/tasks.js")).tasksCommand,
  },
  scanner: {
    summary: "Execute a task scanner schedule now, cancel a scan run, list runs or show one.",
    load: async () => (await import("./commands/scanner.js")).scannerCommand,
  },
};

function mainHelp(): string {
  const names = Object.keys(COMMANDS);
  const width = Math.max(...names.map((name) => name.length)) + 3;
  const rows = Object.entries(COMMANDS).map(
    ([name, entry]) => `  ${name.padEnd(width)}${entry.summary}`,
  );
  return `Usage: sundial <command> [options]

Sundial schedules background jobs and data exports.

Commands:
${rows.join("\n")}
  ${"help".padEnd(width)}Show the help of a command: sundial help <command>.

Options:
  -h, --help      Show this help.
  -v, --version   Print the version.

Run "sundial <command> --help" for a command's options and examples.
`;
}

async function version(): Promise<string> {
  // From the module's own location: dist/cli/ when installed, src/cli/ under the tests.
  const text = await readFile(new URL("../../package.json", import.meta.url), "utf8");
  return (JSON.parse(text) as { version: string }).version;
}

function unknownCommand(name: string, io: CliIo): number {
  const near = nearest(name, Object.keys(COMMANDS));
  const hint = near === undefined ? "" : ` Did you mean "${near}"?`;
  io.stderr.write(
    `sundial: unknown command "${name}".${hint}\nRun "sundial --help" for the list of commands.\n`,
  );
  return ERROR_CODES.badRequest.exitCode;
}

/** Prints what a command threw and chooses the exit code. */
function report(command: string, error: unknown, io: CliIo): number {
  const code = errorCodeOf(error);
  const message = error instanceof Error ? error.message : String(error);
  if (code !== "internal") {
    // A registered code is a mistake in what the user gave: advice, never a stack.
    const hint = code === "badRequest" ? `\nRun "sundial ${command} --help" for its options.` : "";
    io.stderr.write(`sundial ${command}: ${message}${hint}\n`);
    return ERROR_CODES[code].exitCode;
  }
  const debug = io.env.SUNDIAL_DEBUG === "1";
  const detail =
    debug && error instanceof Error && error.stack
      ? `\n${error.stack}`
      : "\n(Run with SUNDIAL_DEBUG=1 for the stack trace; please report it.)";
  io.stderr.write(`sundial ${command}: unexpected error: ${message}${detail}\n`);
  return ERROR_CODES.internal.exitCode;
}

let guardedStdout = false;

/**
 * A reader that goes away early (`sundial next ... | head -1`) makes writes fail with
 * EPIPE; that is the reader's choice, not our failure, so it ends output quietly.
 */
function guardBrokenPipe(): void {
  if (guardedStdout) return;
  guardedStdout = true;
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
  });
}

/**
 * Runs the `sundial` command line.
 * @param argv the arguments after the program name.
 * @param io streams, environment and clock; each defaults to the process's own.
 * @returns the exit code: 0 done, 2 a mistake in the command line or its input, 1 a failure.
 * @example process.exitCode = await main(["next", "0 0 6 ? * MON-FRI", "--tz", "Europe/London"]);
 */
export async function main(argv: string[], io: Partial<CliIo> = {}): Promise<number> {
  const full: CliIo = {
    stdin: io.stdin ?? process.stdin,
    stdout: io.stdout ?? process.stdout,
    stderr: io.stderr ?? process.stderr,
    env: io.env ?? process.env,
    now: io.now ?? Date.now,
  };
  if (full.stdout === process.stdout) guardBrokenPipe();

  const [first, ...rest] = argv;
  if (first === undefined) {
    full.stderr.write(mainHelp());
    return ERROR_CODES.badRequest.exitCode;
  }
  if (first === "-h" || first === "--help" || (first === "help" && rest.length === 0)) {
    full.stdout.write(mainHelp());
    return 0;
  }
  if (first === "-v" || first === "--version") {
    full.stdout.write(`${await version()}\n`);
    return 0;
  }
  if (first === "help") {
    const name = rest[0] as string;
    const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (entry === undefined) return unknownCommand(name, full);
    full.stdout.write((await entry.load()).help());
    return 0;
  }
  if (first.startsWith("-")) {
    full.stderr.write(
      `sundial: unknown option ${first}; options go after the command.\nRun "sundial --help" for the list of commands.\n`,
    );
    return ERROR_CODES.badRequest.exitCode;
  }
  const entry = Object.hasOwn(COMMANDS, first) ? COMMANDS[first] : undefined;
  if (entry === undefined) return unknownCommand(first, full);
  try {
    const command = await entry.load();
    return await command.run(rest, full);
  } catch (error) {
    return report(first, error, full);
  }
}
