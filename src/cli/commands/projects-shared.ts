/**
 * What `sundial projects` and `sundial tasks` share: running and optionally waiting for
 * the run's job, the config-version flags and table.
 */
import { errorCodeOf } from "../../errors.js";
import type { Job } from "../../jobs/job.js";
import type { CliIo } from "../command.js";
import { INTERRUPTED_EXIT_CODE, type RemoteClient, untilInterrupted } from "../remote.js";
import { textTable } from "../subcommands.js";

/** A job's wait is asked in chunks this long, so that a proxy never times the request out. */
const WAIT_CHUNK_MS = 60_000;

/** `versions`: which versions to show, or compare. */
export const VERSION_FLAGS = {
  from: { type: "string", value: "N", help: "Show what changed from version N (0: nothing)." },
  to: { type: "string", value: "N", help: "… to version N (default the newest)." },
  diff: { type: "boolean", help: "Show what changed between two versions (default the last two)." },
} as const;

export const RUN_FLAGS = {
  wait: {
    type: "boolean",
    help: "Wait for the run's job to end; exit 1 when it failed or did not finish.",
  },
} as const;

export const cell = (value: unknown): string =>
  value === undefined || value === null
    ? "-"
    : typeof value === "string"
      ? value
      : JSON.stringify(value);

export const yesNo = (value: boolean) => (value ? "yes" : "no");

/**
 * Starts a run (`path` answers its job), prints it, and with `--wait` waits for the job
 * to end. Exit code: 0, or with `--wait` 1 when the job failed or did not finish.
 */
export async function startRun(
  client: RemoteClient,
  path: string,
  what: string,
  flags: { readonly wait?: boolean | undefined; readonly json?: boolean | undefined },
  io: CliIo,
): Promise<number> {
  const job = await client.request<Job>("POST", path);
  if (!flags.wait) {
    io.stdout.write(
      flags.json
        ? `${JSON.stringify(job)}\n`
        : `Started ${what}: job ${job.id}. Follow it with: sundial jobs logs ${job.id} --follow\n`,
    );
    return 0;
  }
  if (!flags.json) io.stderr.write(`Started ${what}: job ${job.id}; waiting for it to end…\n`);
  const outcome = await untilInterrupted(async (signal) => {
    for (;;) {
      try {
        return await client.request<Job>("GET", `/jobs/${encodeURIComponent(job.id)}/wait`, {
          query: { timeout: WAIT_CHUNK_MS },
          signal,
        });
      } catch (error) {
        if (errorCodeOf(error) !== "timeout") throw error;
      }
    }
  });
  if (outcome === "interrupted") {
    io.stderr.write(`Stopped waiting; job ${job.id} carries on.\n`);
    return INTERRUPTED_EXIT_CODE;
  }
  const ended = outcome.value;
  const failed = ended.status !== "FINISHED" || ended.hasErrors;
  io.stdout.write(
    flags.json
      ? `${JSON.stringify(ended)}\n`
      : `Job ${ended.id} is ${ended.status}${ended.hasErrors ? `, with errors: sundial jobs logs ${ended.id} --level ERROR` : ""}.\n`,
  );
  return failed ? 1 : 0;
}

interface VersionRow {
  readonly version: number;
  readonly savedAt: number;
  readonly savedBy: string | null;
}

interface Diff {
  readonly from: number;
  readonly to: number;
  readonly changes: readonly {
    readonly path: string;
    readonly change: string;
    readonly from?: unknown;
    readonly to?: unknown;
  }[];
}

export function versionLines(versions: readonly VersionRow[]): string {
  if (versions.length === 0) return "No versions.\n";
  return textTable(
    ["VERSION", "SAVED", "BY"],
    versions.map((v) => [String(v.version), new Date(v.savedAt).toISOString(), cell(v.savedBy)]),
  );
}

/** A diff as `~ path: from → to`, `+ path: to`, `- path: from`. */
export function diffLines(diff: Diff): string {
  const head = `From version ${diff.from} to ${diff.to}: `;
  if (diff.changes.length === 0) return `${head}no change.\n`;
  const lines = diff.changes.map((c) =>
    c.change === "added"
      ? `+ ${c.path}: ${cell(c.to)}`
      : c.change === "removed"
        ? `- ${c.path}: ${cell(c.from)}`
        : `~ ${c.path}: ${cell(c.from)} → ${cell(c.to)}`,
  );
  return `${head}${diff.changes.length} change(s)\n${lines.join("\n")}\n`;
}

/**
 * `versions` of a project or a task at `base` (its API path): the list, or, when the
 * flags ask for it, what changed between two versions.
 */
export async function showVersions(
  client: RemoteClient,
  base: string,
  flags: { readonly diff?: boolean; readonly from?: string; readonly to?: string },
  print: (answer: unknown, text: string) => void,
): Promise<number> {
  if (flags.diff || flags.from !== undefined || flags.to !== undefined) {
    const diff = await client.request<Diff>("GET", `${base}/versions/diff`, {
      query: { from: flags.from, to: flags.to },
    });
    print(diff, diffLines(diff));
    return 0;
  }
  const versions = await client.request<{ result: VersionRow[] }>("GET", `${base}/versions`);
  print(versions, versionLines(versions.result));
  return 0;
}
