/**
 * The hot claim path, hand-written: it runs on every worker poll.
 *
 * Parameters, in order: $1 node, $2 now (ms), $3 lease until (ms), $4 limit.
 * Order of claiming: normal priority before low, higher `priority` first, then the job
 * that has waited longest (`run_at`), then `id` so ties are stable. The `jobs_ready`
 * partial index serves exactly this order. PostgreSQL skips rows another node is
 * claiming (`SKIP LOCKED`), so concurrent nodes never wait on, or double-claim, a job;
 * SQLite has a single writer, whose UPDATE is atomic on its own.
 */
const COLUMNS_SET = `status = 'RUNNING', node = $1, lease_until = $3, start_date = $2, attempt = attempt + 1`;
const READY = `status = 'PENDING' AND run_at <= $2 ORDER BY low_priority, priority DESC, run_at, id LIMIT $4`;

export const CLAIM_JOBS_POSTGRES = `UPDATE jobs SET ${COLUMNS_SET}
WHERE id IN (SELECT id FROM jobs WHERE ${READY} FOR UPDATE SKIP LOCKED)
RETURNING *`;

export const CLAIM_JOBS_SQLITE = `UPDATE jobs SET ${COLUMNS_SET}
WHERE id IN (SELECT id FROM jobs WHERE ${READY})
RETURNING *`;

/**
 * PostgreSQL runs the claim with these set (SET LOCAL: for its transaction only). After a
 * burst of enqueues its statistics still say the queue is nearly empty, and it plans a
 * bitmap scan of every PENDING job and a sort, on every claim: a backlog of 20,000 jobs
 * then costs 10 ms a claim. Walking `jobs_ready` in order and stopping at the limit is
 * right at any size, so those two plans are ruled out here.
 */
export const CLAIM_SETTINGS_POSTGRES =
  "SET LOCAL enable_bitmapscan = off; SET LOCAL enable_sort = off";

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
