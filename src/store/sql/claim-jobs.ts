/**
 * The hot claim path, hand-written: it runs on every worker poll.
 *
 * Parameters, in order: $1 node, $2 now (ms), $3 lease until (ms), $4 limit.
 * Order of claiming: normal priority before low, higher `priority` first, then the job
 * that has waited longest (`run_at`), then `id` so ties are stable. The `jobs_ready`
 * partial index serves exactly this order. SQLite has a single writer, whose UPDATE is
 * atomic on its own. On PostgreSQL the same statement, with `FOR UPDATE SKIP LOCKED` so
 * that concurrent nodes never wait on, or double-claim, a job, is the function
 * `sundial_claim_jobs` (migrations/postgres/000010-claim-function.sql says why; 000011 is
 * its latest version): a change of the claim changes both, the function by a new migration.
 */
import type { Selectable } from "kysely";
import type { JobsTable } from "../database.js";

const COLUMNS_SET = `status = 'RUNNING', node = $1, lease_until = $3, start_date = $2, attempt = attempt + 1`;
const READY = `status = 'PENDING' AND run_at <= $2 ORDER BY low_priority, priority DESC, run_at, id LIMIT $4`;

export const CLAIM_JOBS_POSTGRES = "SELECT * FROM sundial_claim_jobs($1, $2, $3, $4)";

/**
 * The jobs table's columns, in the order SQLite's claim returns them. Each claimed row comes
 * back as one JSON array (JSON columns inside it as their text): better-sqlite3 builds a
 * returned row's object a column at a time, which for the table's 25 columns was half of
 * a claim's cost; JSON.parse and an object built here take a fifth of that.
 */
const CLAIMED_COLUMNS = [
  "id",
  "type",
  "label",
  "status",
  "reason",
  "has_errors",
  "progress",
  "data",
  "results",
  "checkpoint",
  "schedule_id",
  "fire_time",
  "low_priority",
  "priority",
  "attempt",
  "max_attempts",
  "run_at",
  "node",
  "lease_until",
  "run_by_id",
  "run_by_name",
  "create_date",
  "start_date",
  "end_date",
  "fired_by",
] as const satisfies readonly (keyof JobsTable)[];
// A column added to the table and not to the list fails to compile here.
const EVERY_COLUMN: [Exclude<keyof JobsTable, (typeof CLAIMED_COLUMNS)[number]>] extends [never]
  ? true
  : never = true;
void EVERY_COLUMN;

export const CLAIM_JOBS_SQLITE = `UPDATE jobs SET ${COLUMNS_SET}
WHERE id IN (SELECT id FROM jobs WHERE ${READY})
RETURNING json_array(${CLAIMED_COLUMNS.join(", ")}) AS claimed`;

/**
 * A row of SQLite's claim, as the table's row. Written out rather than looped over the
 * column list: an object built key by key cost twice the JSON.parse before it.
 */
export function claimedRowSqlite(row: { readonly claimed: string }): Selectable<JobsTable> {
  const v = JSON.parse(row.claimed) as { readonly [I in keyof typeof CLAIMED_COLUMNS]: never };
  return {
    id: v[0],
    type: v[1],
    label: v[2],
    status: v[3],
    reason: v[4],
    has_errors: v[5],
    progress: v[6],
    data: v[7],
    results: v[8],
    checkpoint: v[9],
    schedule_id: v[10],
    fire_time: v[11],
    low_priority: v[12],
    priority: v[13],
    attempt: v[14],
    max_attempts: v[15],
    run_at: v[16],
    node: v[17],
    lease_until: v[18],
    run_by_id: v[19],
    run_by_name: v[20],
    create_date: v[21],
    start_date: v[22],
    end_date: v[23],
    fired_by: v[24],
  };
}

// The positions above and the list the statement returns must agree: checked once, here.
{
  const positions = claimedRowSqlite({ claimed: JSON.stringify(CLAIMED_COLUMNS.map((_, i) => i)) });
  const wrong = CLAIMED_COLUMNS.filter((name, i) => positions[name] !== (i as never));
  if (wrong.length > 0)
    throw new Error(`claimedRowSqlite reads ${wrong.join(", ")} from the wrong place`);
}

/**
 * Rewrites `$n` placeholders as plain `?` (which every driver binds) and gives the
 * argument list in the order the placeholders appear.
 */
export function positional(
  text: string,
  args: readonly unknown[],
): { text: string; args: unknown[] } {
  const ordered: unknown[] = [];
  const rewritten = text.replace(/\$(\d+)/g, (_, n: string) => {
    ordered.push(args[Number(n) - 1]);
    return "?";
  });
  return { text: rewritten, args: ordered };
}
