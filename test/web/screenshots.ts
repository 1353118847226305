/**
 * `npm run screenshots`: starts a real server, fills it with a few schedules, jobs,
 * connections and users through the API, and saves screenshots of the main pages (a
 * laptop's width, and two at a phone's) into docs/screenshots/, which the README shows.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { waitFor } from "../helpers/wait-for.js";
import {
  ADMIN_PASSWORD,
  launchBrowser,
  missingPeer,
  ROOT,
  ServeProcess,
  signIn,
} from "./helpers.js";

const OUT = join(ROOT, "docs", "screenshots");

let server: ServeProcess & { url: string };
let browser: Browser;

/** The API as the admin, with a session cookie and its CSRF token. */
async function apiClient(base: string) {
  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "admin", password: ADMIN_PASSWORD }),
  });
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] as string;
  return async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: {
        cookie,
        "x-csrf-token": csrfToken,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return (text === "" ? undefined : JSON.parse(text)) as T;
  };
}

const script = (source: string) => ({ script: { type: "text/javascript", source } });

/** Schedules of each trigger type, jobs that succeed, fail, run and are missed, and the rest. */
async function seed(base: string, gate: string): Promise<void> {
  const api = await apiClient(base);
  const put = (id: string, body: object) => api("PUT", `/schedules/${id}`, body);
  await put("nightly-sales-export", {
    schedule: "0 30 2 ? * MON-FRI",
    timeZone: "Europe/London",
    invokeService: "command",
    invokeContext: { command: "/usr/bin/env", args: ["true"] },
  });
  await put("hourly-crm-sync", {
    type: "unix",
    schedule: "5 * * * *",
    timeZone: "America/New_York",
    invokeService: "http",
    invokeContext: { url: "https://crm.example.com/sync", method: "POST" },
  });
  await put("payroll-reminder", {
    type: "calendar",
    schedule: "hour=9; minute=0; dayOfMonth=Last Mon",
    timeZone: "Europe/Berlin",
    invokeService: "script",
    invokeContext: script("log.info('reminder sent');"),
  });
  await put("cache-warmup", {
    type: "interval",
    every: 15,
    unit: "minutes",
    anchor: "2026-01-01T00:00",
    enabled: false,
    invokeService: "script",
    invokeContext: script("return 1;"),
  });
  // Fires every second; its job holds the schedule, so later fires are missed.
  await put("ledger-import", {
    schedule: "* * * * * ?",
    misfirePolicy: "doNothing",
    misfireThreshold: 0,
    invokeService: "script",
    invokeContext: {
      ...script(`const fs = require("node:fs");
for (let i = 1; i <= 6; i++) {
  log.info(\`imported batch \${i} of 10 (\${i * 250} rows)\`);
  await progress(i * 10);
  await new Promise((resolve) => setTimeout(resolve, 150));
}
while (!fs.existsSync(input.gate)) await new Promise((resolve) => setTimeout(resolve, 100));
return { rows: 2500 };`),
      input: { gate },
    },
  });
  for (const label of ["refresh materialized views", "rotate logs", "send daily digest"]) {
    await api("POST", "/jobs", {
      type: "script",
      data: script(
        `log.info("${label}: started"); log.info("${label}: done"); return { ok: true };`,
      ),
      options: { label },
    });
  }
  await api("POST", "/jobs", {
    type: "script",
    data: script(
      `log.info("connecting to sftp.vendor.example"); log.error("upload refused: 550 permission denied"); throw new Error("upload refused");`,
    ),
    options: { label: "upload to vendor" },
  });
  await api("POST", "/connections", {
    name: "warehouse",
    type: "postgres",
    description: "Reporting replica",
    settings: {
      host: "db.internal",
      database: "sales",
      username: "reporter",
      password: "not-a-real-password",
      ssl: "require",
    },
  }).catch(() => undefined);
  await api("POST", "/connections", {
    name: "vendor-sftp",
    type: "sftp",
    description: "Daily files for the vendor",
    settings: { host: "sftp.vendor.example", username: "acme", password: "not-a-real-password" },
  }).catch(() => undefined);
  await api("POST", "/users", {
    name: "ada",
    password: "a long enough password",
    roles: ["operator"],
  });
  await api("POST", "/users", { name: "bob", roles: ["viewer"] });
  await api("PUT", "/groups/exporters", { members: ["bob"], jobTypes: ["export"] });
  await api("POST", "/tokens", { name: "CI deploys", expiresInDays: 30 });
  await seedProjects(api, gate);
  await seedScanner(api, dirname(gate));
  // Wait for a running import with progress and a few missed fires.
  await waitFor(
    "a missed fire",
    async () => {
      const jobs = await api<{ result: { reason: string | null }[] }>(
        "GET",
        "/jobs?scheduleId=ledger-import&status=CANCELED",
      );
      return jobs.result.some((job) => job.reason === "missed") ? true : undefined;
    },
    30_000,
  );
}

type Api = Awaited<ReturnType<typeof apiClient>>;

/** Two projects with tasks; one task (on the test PostgreSQL) has run, so its page has history. */
/** A task scanner over accounts whose sunset date has come, run once: the Task scanner page. */
async function seedScanner(api: Api, dir: string): Promise<void> {
  const path = join(dir, "hr.db");
  const db = new Database(path);
  db.exec(
    "CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT, sunset_date TEXT, sunset_started TEXT, sunset_completed TEXT)",
  );
  const insert = db.prepare("INSERT INTO accounts (id, name, sunset_date) VALUES (?, ?, ?)");
  const day = 86_400_000;
  for (const [id, name, days] of [
    [1, "avery", -3],
    [2, "blake", -1],
    [3, "casey", -10],
    [4, "devon", 5],
    [5, "emery", 30],
  ] as const) {
    insert.run(id, name, new Date(Date.now() + days * day).toISOString());
  }
  db.close();
  await api("POST", "/connections", {
    name: "hr",
    type: "sqlite",
    description: "The HR system's accounts",
    settings: { path, readOnly: false },
  });
  await api("PUT", "/schedules/sunset-accounts", {
    schedule: "0 0 6 ? * MON-FRI",
    timeZone: "Europe/London",
    invokeService: "taskScanner",
    invokeContext: {
      numberOfThreads: 2,
      scan: {
        connection: "hr",
        table: "accounts",
        property: "sunset_date",
        condition: { before: "${Time.now}" },
        taskState: { started: "sunset_started", completed: "sunset_completed" },
        recovery: { timeout: "10m" },
      },
      task: script("log.info(`disabled the account of ${input.name}`);"),
    },
  });
  await api("POST", "/scanner/schedules/sunset-accounts/execute?waitForCompletion=true");
}

async function seedProjects(api: Api, gate: string): Promise<void> {
  await api("POST", "/connections", {
    name: "test-pg",
    type: "postgres",
    description: "The test database",
    settings: { host: "127.0.0.1", port: 5432, database: "test", username: "postgres" },
  });
  await api("POST", "/projects", {
    name: "finance",
    description: "Daily sales exports for finance and the vendor",
    owners: ["admin", "ada"],
    parameters: { region: "north" },
    timeZone: "Europe/London",
    schedules: [{ schedule: "0 0 6 ? * MON-FRI", enabled: false }],
  });
  await api("POST", "/projects", {
    name: "crm",
    description: "Customer lists for the CRM",
    owners: ["bob"],
    runMode: "parallel",
  });
  const outDir = join(gate, "..");
  const task = await api<{ id: string }>("POST", "/tasks", {
    project: "finance",
    name: "north daily",
    source: {
      type: "sql",
      connection: "test-pg",
      query:
        "SELECT n AS id, current_date - n AS day, n * 100 AS amount\nFROM generate_series(1, 250) AS n\nWHERE :region = 'north'",
    },
    output: {
      fileName: `sales_\${region}_{yesterday:%Y%m%d}.csv`,
      format: { type: "csv", delimiter: ";" },
    },
    destinations: [{ type: "directory", directory: outDir, overwrite: true }],
    retries: { count: 2, delayMs: 600_000 },
    schedules: [{ schedule: "0 30 6 ? * MON-FRI", enabled: false }],
  });
  for (const name of ["south daily", "monthly statement"]) {
    await api("POST", "/tasks", {
      project: "finance",
      name,
      enabled: name !== "monthly statement",
      source: { type: "sql", connection: "test-pg", query: "SELECT 1 AS one" },
      output: { fileName: "stmt_{-1M first:%Y%m%d}.csv", format: { type: "csv" }, zip: true },
    });
  }
  await api("POST", "/tasks", {
    project: "crm",
    name: "active customers",
    source: { type: "sql", connection: "test-pg", query: "SELECT 1 AS id" },
    output: { fileName: "customers_%Y%m%d.ndjson", format: { type: "ndjson" } },
  });
  await api("POST", `/tasks/${task.id}/run`);
  await waitFor(
    "the task's run",
    async () => {
      const runs = await api<{ result: { status: string }[] }>("GET", `/tasks/${task.id}/runs`);
      return runs.result.some((run) => run.status === "succeeded") ? true : undefined;
    },
    30_000,
  );
  await api("PUT", `/tasks/${task.id}/schedules`, {
    schedules: [{ schedule: "0 45 6 ? * MON-FRI", enabled: false }],
  });
}

async function shot(page: Page, name: string, path: string, ready: () => Promise<unknown>) {
  await page.goto(`${server.url}${path}`);
  await ready();
  // Notifications and transitions settle.
  await page.waitForTimeout(600);
  await page.screenshot({ path: join(OUT, `${name}.png`) });
}

beforeAll(async () => {
  const missing = missingPeer();
  if (missing !== undefined) throw new Error(missing);
  [server, browser] = await Promise.all([ServeProcess.start(), launchBrowser()]);
  await mkdir(OUT, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

it("saves screenshots of the main pages", async () => {
  const gate = join(server.dir, "gate");
  await seed(server.url, gate);
  const page = await browser.newPage({
    viewport: { width: 1280, height: 800 },
    colorScheme: "light",
  });
  page.setDefaultTimeout(20_000);

  await page.goto(`${server.url}/login`);
  await page.waitForSelector("input[name=name]");
  await page.screenshot({ path: join(OUT, "sign-in.png") });
  await signIn(page, server.url, "/");

  await shot(page, "dashboard", "/", () => page.getByTestId("runs-chart").waitFor());
  await shot(page, "schedules", "/schedules", () =>
    page.locator("tr[data-schedule]").first().waitFor(),
  );
  await shot(page, "schedule-form", "/schedules/nightly-sales-export/edit", () =>
    page.getByTestId("next-fire-times").waitFor(),
  );
  await shot(page, "jobs", "/jobs", () => page.locator("tr[data-job]").first().waitFor());
  await page.goto(`${server.url}/jobs?scheduleId=ledger-import&status=RUNNING`);
  await page.locator("tr[data-job] a").first().click();
  await page.getByTestId("log-lines").getByText("imported batch 6 of 10").waitFor();
  await page.waitForTimeout(600);
  await page.screenshot({ path: join(OUT, "job.png"), fullPage: true });
  await shot(page, "projects", "/projects", () =>
    page.locator("tr[data-project]").first().waitFor(),
  );
  await shot(page, "project", "/projects/finance", () =>
    page.locator("tr[data-task]").first().waitFor(),
  );
  await shot(page, "tasks", "/tasks", () => page.locator("tr[data-task]").first().waitFor());
  await page.goto(`${server.url}/tasks?search=north`);
  await page.locator("tr[data-task] a").first().click();
  await page.getByTestId("task-files").waitFor();
  await page.getByTestId("version-diff").waitFor();
  await page.waitForTimeout(600);
  await page.screenshot({ path: join(OUT, "task.png"), fullPage: true });
  await page.getByRole("link", { name: "Edit" }).click();
  await page.getByTestId("next-fire-times").first().waitFor();
  await page.waitForTimeout(600);
  await page.screenshot({ path: join(OUT, "task-form.png"), fullPage: true });
  await shot(page, "connection", "/connections/warehouse", () =>
    page.getByTestId("secret-password").waitFor(),
  );
  await shot(page, "tokens", "/account/tokens", () =>
    page.locator("tr[data-token]").first().waitFor(),
  );
  await shot(page, "users", "/admin/users", () => page.locator("tr[data-user]").first().waitFor());
  await shot(page, "scanner", "/scanner", () =>
    page.locator("tr[data-run] [data-state=COMPLETED]").first().waitFor(),
  );

  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, "phone-dashboard", "/", () => page.getByTestId("runs-chart").waitFor());
  await shot(page, "phone-jobs", "/jobs", () => page.locator("[data-job]").first().waitFor());
  await shot(page, "phone-tasks", "/tasks", () => page.locator("[data-task]").first().waitFor());

  await writeFile(gate, "open");
  expect(true).toBe(true);
});
