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
const COLUMNS_SET = `status = 'RUNNING', node = $1, lease_until = $3, start_date = $2, attempt = attempt + 1`;
const READY = `status = 'PENDING' AND run_at <= $2 ORDER BY low_priority, priority DESC, run_at, id LIMIT $4`;

export const CLAIM_JOBS_POSTGRES = "SELECT * FROM sundial_claim_jobs($1, $2, $3, $4)";

export const CLAIM_JOBS_SQLITE = `UPDATE jobs SET ${COLUMNS_SET}
WHERE id IN (SELECT id FROM jobs WHERE ${READY})
RETURNING *`;

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
