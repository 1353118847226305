/**
 * The keys under which pages cache and refresh what they read, in one place, so that a
 * change knows what to invalidate: saving a schedule invalidates `["schedules"]`, which
 * refreshes the list, that schedule and the dashboard's next fires.
 */
export type QueryKey = readonly (string | number | boolean | null | undefined | object)[];

export const keys = {
  me: ["me"],
  schedulerState: ["scheduler", "state"],
  schedules: ["schedules"],
  scheduleList: (query: object) => ["schedules", "list", query],
  schedule: (id: string) => ["schedules", "one", id],
  jobs: ["jobs"],
  jobList: (query: object) => ["jobs", "list", query],
  job: (id: string) => ["jobs", "one", id],
  dashboard: (part: string) => ["jobs", "dashboard", part],
  tokens: ["tokens"],
  users: ["users"],
  groups: ["groups"],
  connections: ["connections"],
  connection: (name: string) => ["connections", "one", name],
  projects: ["projects"],
  projectList: (query: object) => ["projects", "list", query],
  project: (id: string) => ["projects", "one", id],
  tasks: ["tasks"],
  taskList: (query: object) => ["tasks", "list", query],
  task: (id: string) => ["tasks", "one", id],
  taskOverview: (id: string) => ["tasks", "overview", id],
  scanRuns: ["scanRuns"],
  scanRunList: (query: object) => ["scanRuns", "list", query],
} as const satisfies Record<string, QueryKey | ((...args: never[]) => QueryKey)>;

/** Whether `key` starts with `prefix`, element by element. */
export function startsWith(key: QueryKey, prefix: QueryKey): boolean {
  return prefix.every((part, i) => JSON.stringify(part) === JSON.stringify(key[i]));
}
