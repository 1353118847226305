/**
 * The fire claim's compare-and-set, for many schedules in one statement: each schedule
 * moves from the fire it was due at (`prev`) to its next (`next`, NULL when it has no
 * more), but only if its next fire is still `prev`. The ids of the schedules that moved
 * come back; a fire whose schedule did not move was taken by someone else.
 *
 * Parameters: $1 the moves (JSON: [{ sid, prev, next }]), and on PostgreSQL $2 their ids
 * (text[]), which tells the planner how few rows to visit.
 */
import { type JsonColumns, jsonRowsPostgres, jsonRowsSqlite } from "./json-rows.js";

/** One schedule's move as the statement reads it. */
export interface MoveRecord {
  readonly sid: string;
  readonly prev: number;
  readonly next: number | null;
}

const COLUMNS: JsonColumns = [
  ["sid", "text"],
  ["prev", "bigint"],
  ["next", "bigint"],
];

const SET = "next_fire_at = moves.next, last_fire_at = moves.prev";

export const ADVANCE_SCHEDULES_POSTGRES = `UPDATE schedules SET ${SET}
FROM ${jsonRowsPostgres("$1", "moves", COLUMNS)}
WHERE schedules.id = moves.sid AND schedules.id = ANY($2::text[])
  AND schedules.next_fire_at = moves.prev
RETURNING schedules.id`;

// The unary `+` keeps SQLite on the primary key rather than the due-fires index.
export const ADVANCE_SCHEDULES_SQLITE = `UPDATE schedules SET ${SET}
FROM ${jsonRowsSqlite(COLUMNS)} AS moves
WHERE schedules.id = moves.sid AND +schedules.next_fire_at = moves.prev
RETURNING id`;
