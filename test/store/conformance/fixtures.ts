import { expect } from "vitest";
import type { JobRow, NewJob, ScheduleRow, Store } from "../../../src/store/store.js";

/** The open store of the running test; each test gets a fresh, empty one. */
export type CurrentStore = () => Store;

/**
 * The suite's epoch: every time is given explicitly, offset from here. It is well past
 * 2^31 ms so that a 32-bit column or a lossy conversion shows, and far enough from the
 * wall clock that an adapter reading `Date.now()` instead of the given `now` fails.
 */
export const T0 = Date.UTC(2030, 0, 1, 9, 0, 0);
export const MINUTE = 60_000;

export function aSchedule(id: string, fields: Partial<ScheduleRow> = {}): ScheduleRow {
  return {
    id,
    config: { trigger: { cron: "0 */5 * * * ?" }, zone: "Europe/London", invokeService: "script" },
    enabled: true,
    nextFireAt: T0,
    lastFireAt: null,
    createdAt: T0 - MINUTE,
    updatedAt: T0 - MINUTE,
    ...fields,
  };
}

export function aJob(id: string, fields: Partial<NewJob> = {}): NewJob {
  return { id, type: "script", runAt: T0, createDate: T0, ...fields };
}

/**
 * Inserts `jobs` and claims them on `node` at `now`, checking that exactly they were
 * claimed; the caller makes sure no other job is ready then.
 */
export async function running(
  store: Store,
  node: string,
  now: number,
  leaseMs: number,
  ...jobs: NewJob[]
): Promise<JobRow[]> {
  for (const job of jobs) await store.insertJob(job);
  const claimed = await store.claimJobs(node, now, leaseMs, jobs.length + 1);
  expect(ids(claimed).sort()).toEqual(ids(jobs).sort());
  return claimed;
}

export function ids(rows: readonly { readonly id: string }[]): string[] {
  return rows.map((row) => row.id);
}

/** JSON worth round-tripping: nesting, every JSON type, and text that trips up encoders. */
export const AWKWARD_JSON = {
  nested: { deeper: { deepest: [1, [2, [3, { four: 4 }]]] } },
  emptyObject: {},
  emptyArray: [],
  nothing: null,
  yes: true,
  no: false,
  zero: 0,
  negative: -42,
  fraction: 0.1,
  tiny: 1e-7,
  large: Number.MAX_SAFE_INTEGER,
  emptyText: "",
  unicode: "Grüße, 日本語, שלום, emoji 🚀👩‍💻, combining e\u0301",
  separators: "line\u2028para\u2029tab\tnewline\n",
  quoting: `"double" 'single' \\backslash\\ \`tick\``,
  sqlish: "'); DROP TABLE jobs; --",
  "ключ с пробелами": "unicode key",
} as const;

/**
 * What opening rejected with; a store that opened when it should not have is closed (so
 * a failing test leaks no connection) and reported as `"opened"`.
 */
export async function refusal(opening: Promise<Store>): Promise<unknown> {
  return opening.then(
    async (store) => {
      await store.close();
      return "opened";
    },
    (error: unknown) => error,
  );
}
