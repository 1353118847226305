/**
 * `sundial scanner execute|cancel|list|show`: the task scanner of a running server, over
 * its API. `execute --wait` follows the run (a spinner with its counts on a terminal)
 * until it ends, and exits 1 unless every record's task succeeded.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { ENDED_SCAN_STATES, SCAN_STATES, type ScanRun } from "../../scanner/scan-run.js";
import { type FlagDefinitions, formatFlagHelp, oneOf, wholeNumber } from "../args.js";
import type { CliIo, Command } from "../command.js";
import {
  INTERRUPTED_EXIT_CODE,
  parseRemoteSubcommand,
  REMOTE_FLAGS,
  type RemoteClient,
  untilInterrupted,
} from "../remote.js";
import { Spinner } from "../spinner.js";
import { keyValueLines, onlyArgument, refuseExtra, textTable } from "../subcommands.js";

const LIST = {
  schedule: { type: "string", value: "NAME", help: "The runs of one schedule." },
  state: { type: "string", value: "STATE", help: `One of ${SCAN_STATES.join(", ")}.` },
  size: { type: "string", value: "N", help: "At most N runs, newest first, 1-1000 (default 100)." },
  ...REMOTE_FLAGS,
} as const;
const EXECUTE = {
  wait: {
    type: "boolean",
    help: "Follow the run until it ends; exit 1 unless every task succeeded (Ctrl-C stops following, not the run).",
  },
  ...REMOTE_FLAGS,
} as const;

const SUBCOMMANDS = {
  execute: EXECUTE,
  cancel: REMOTE_FLAGS,
  list: LIST,
  show: REMOTE_FLAGS,
} as const;
type Subcommand = keyof typeof SUBCOMMANDS;
type ScannerFlags = { wait?: boolean; schedule?: string; state?: string; size?: string } & {
  url?: string;
  token?: string;
  json?: boolean;
};

/** How often `execute --wait` reads the run. */
const POLL_MS = 500;

function help(): string {
  return `Usage: sundial scanner execute <schedule> [--wait] [--json]
       sundial scanner cancel <id> [--json]
       sundial scanner list [--schedule NAME] [--state STATE] [--size N] [--json]
       sundial scanner show <id> [--json]

The task scanner of a running server, over its API (--url, else $SUNDIAL_URL, else
http://127.0.0.1:8080), as the user of an API token (--token, else $SUNDIAL_TOKEN).
execute runs a taskScanner schedule's scan now (operators, or a group granted taskScanner)
and prints the run's id; cancel stops a run that has not ended (operator); list and show
need the viewer role. A run's progress counts the records matched (total), dealt with
(processed), whose task succeeded or failed, and those another scanner claimed first
(skipped). See docs/scanner.md.

Options of execute:
${formatFlagHelp(EXECUTE)}

Options of list:
${formatFlagHelp(LIST)}

Examples:
  sundial scanner execute sunset --wait
  sundial scanner list --schedule sunset --state ERROR
  sundial scanner cancel 01936f4e-8a2b-7c41-9d3e-5f0a1b2c3d4e
`;
}

const iso = (ms: number | null) => (ms === null ? "-" : new Date(ms).toISOString());
const runPath = (id: string) => `/scanner/runs/${encodeURIComponent(id)}`;

/** `12 of 40 processed: 10 succeeded, 1 failed, 1 skipped`. */
function counts(run: ScanRun): string {
  const p = run.progress;
  return `${p.processed} of ${p.total} processed: ${p.successes} succeeded, ${p.failures} failed, ${p.skipped} skipped`;
}

function runLines(run: ScanRun): string {
  return keyValueLines([
    ["id", run.id],
    ["schedule", run.schedule ?? "-"],
    ["state", run.progress.state],
    ["progress", counts(run)],
    ["message", run.message ?? "-"],
    ["node", run.node ?? "-"],
    ["started by", run.startedBy ?? (run.schedule === null ? "-" : "its schedule")],
    ["created", iso(run.createdAt)],
    ["started", iso(run.startedAt)],
    ["ended", iso(run.endedAt)],
  ]);
}

function listLines(runs: readonly ScanRun[]): string {
  if (runs.length === 0) return "No scan runs.\n";
  return textTable(
    ["ID", "SCHEDULE", "STATE", "PROCESSED", "SUCCESSES", "FAILURES", "SKIPPED", "CREATED"],
    runs.map((run) => [
      run.id,
      run.schedule ?? "-",
      run.progress.state,
      `${run.progress.processed}/${run.progress.total}`,
      String(run.progress.successes),
      String(run.progress.failures),
      String(run.progress.skipped),
      iso(run.createdAt),
    ]),
  );
}

const ended = (run: ScanRun) => ENDED_SCAN_STATES.includes(run.progress.state);

/** Reads the run until it ends; a spinner shows its counts on a terminal. */
async function follow(client: RemoteClient, first: ScanRun, io: CliIo) {
  const spinner = Spinner.start(io.stderr, `Scan run ${first.id}: ${first.progress.state}`);
  try {
    return await untilInterrupted(async (signal) => {
      let run = first;
      while (!ended(run)) {
        await sleep(POLL_MS, undefined, { signal });
        run = await client.request<ScanRun>("GET", runPath(run.id), { signal });
        spinner?.update(`Scan run ${run.id}: ${run.progress.state}, ${counts(run)}`);
      }
      return run;
    });
  } finally {
    spinner?.stop();
  }
}

async function execute(client: RemoteClient, name: string, flags: ScannerFlags, io: CliIo) {
  const started = await client.request<ScanRun>(
    "POST",
    `/scanner/schedules/${encodeURIComponent(name)}/execute`,
    // The command follows the run itself, whatever the schedule's waitForCompletion says.
    { query: { waitForCompletion: false } },
  );
  if (!flags.wait) {
    io.stdout.write(
      flags.json
        ? `${JSON.stringify(started)}\n`
        : `Started scan run ${started.id} of schedule ${name}; follow it with: sundial scanner show ${started.id}\n`,
    );
    return 0;
  }
  const outcome = await follow(client, started, io);
  if (outcome === "interrupted") {
    io.stderr.write(`\nStopped following; scan run ${started.id} carries on.\n`);
    return INTERRUPTED_EXIT_CODE;
  }
  const run = outcome.value;
  io.stdout.write(flags.json ? `${JSON.stringify(run)}\n` : runLines(run));
  return run.progress.state === "COMPLETED" && run.progress.failures === 0 ? 0 : 1;
}

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseRemoteSubcommand<Subcommand, ScannerFlags>(
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
      const page = await client.request<{ result: ScanRun[]; resultCount: number }>(
        "GET",
        "/scanner/runs",
        {
          query: {
            schedule: flags.schedule,
            state:
              flags.state === undefined
                ? undefined
                : oneOf("--state", flags.state.toUpperCase(), SCAN_STATES),
            _size:
              flags.size === undefined ? undefined : wholeNumber("--size", flags.size, 1, 1000),
          },
        },
      );
      io.stdout.write(flags.json ? `${JSON.stringify(page)}\n` : listLines(page.result));
      return 0;
    }
    case "execute":
      return execute(
        client,
        onlyArgument(positionals, "scanner execute", "the schedule's name"),
        flags,
        io,
      );
    case "cancel": {
      const id = onlyArgument(positionals, "scanner cancel", "the run's id");
      const cancelled = await client.request<ScanRun>("POST", `${runPath(id)}/cancel`);
      print(
        cancelled,
        `Scan run ${id} is now ${cancelled.progress.state}; ${counts(cancelled)}.\n`,
      );
      return 0;
    }
    case "show": {
      const id = onlyArgument(positionals, "scanner show", "the run's id");
      const shown = await client.request<ScanRun>("GET", runPath(id));
      print(shown, runLines(shown));
      return 0;
    }
  }
}

export const scannerCommand: Command = { name: "scanner", help, run };
