/**
 * The Projects and Tasks pages in Chromium against a real `sundial serve` and the test
 * PostgreSQL: a project with a schedule's live description; an export task (SQL on the
 * test database, CSV, a `directory` destination), with the server's refusal of a relative
 * directory shown on that field; running it and seeing its job finish; downloading its
 * file from the file history; duplicating it (the copy is disabled); re-ranking; and the
 * All/My tasks lists with their filters in the URL.
 */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserTestsCanRun, launchBrowser, ServeProcess, signIn } from "./helpers.js";

const QUERY = "SELECT n AS id, 'row ' || n AS label FROM generate_series(1, 3) AS n ORDER BY n";
const CSV = "id,label\n1,row 1\n2,row 2\n3,row 3\n";

describe.runIf(browserTestsCanRun())("the Projects and Tasks pages", () => {
  let server: ServeProcess & { url: string };
  let browser: Browser;
  let page: Page;
  let outDir: string;
  let taskUrl: string;

  beforeAll(async () => {
    [server, browser, outDir] = await Promise.all([
      ServeProcess.start(),
      launchBrowser(),
      mkdtemp(join(tmpdir(), "sundial-web-out-")),
    ]);
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    page.setDefaultTimeout(20_000);
    await signIn(page, server.url, "/");
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  it("stores a connection to the test PostgreSQL (through the API, as the page's session)", async () => {
    const status = await page.evaluate(async () => {
      const me = (await (await fetch("/api/v1/auth/me")).json()) as { csrfToken: string };
      const res = await fetch("/api/v1/connections", {
        method: "POST",
        headers: { "content-type": "application/json", "x-csrf-token": me.csrfToken },
        body: JSON.stringify({
          name: "test-pg",
          type: "postgres",
          settings: { host: "127.0.0.1", port: 5432, database: "test", username: "postgres" },
        }),
      });
      return res.status;
    });
    expect(status).toBe(201);
  });

  it("creates a project, with its schedule's description as it is typed", async () => {
    await page.getByRole("link", { name: "Projects" }).first().click();
    await page.getByRole("heading", { name: "Projects" }).waitFor();
    await page.getByText("No projects yet").waitFor();
    await page.getByRole("link", { name: "New project" }).click();
    await page.getByRole("textbox", { name: "Name" }).fill("finance");
    await page.getByRole("textbox", { name: "Description" }).fill("Exports for finance");
    await page.getByRole("button", { name: "Add a parameter" }).click();
    await page.getByRole("textbox", { name: "Parameter 1 name" }).fill("region");
    await page.getByRole("textbox", { name: "Parameter 1 value" }).fill("north");
    await page.getByRole("button", { name: "Add a schedule" }).click();
    const entry = page.getByTestId("schedule-entry-0");
    await entry.getByRole("textbox", { name: "Expression" }).fill("0 0 6 ? * MON-FRI");
    await entry.getByTestId("trigger-description").waitFor();
    expect(await entry.getByTestId("trigger-description").textContent()).toMatch(/06:00/);
    expect(await entry.getByTestId("next-fire-times").locator("li").count()).toBe(5);
    // Disabled, so that it never runs during the test.
    await entry.getByRole("switch", { name: "Enabled" }).dispatchEvent("click");
    await page.getByRole("button", { name: "Create project" }).click();
    await page.waitForURL(/\/projects\/finance$/);
    await page.getByRole("heading", { name: "finance" }).waitFor();
    await page.getByText("0 0 6 ? * MON-FRI").waitFor();
    await page.getByText("No tasks yet").waitFor();
  });

  it("creates an export task with the guided form; a refused field shows the server's message", async () => {
    await page.getByRole("link", { name: "New task" }).first().click();
    await page.waitForURL(/\/tasks\/new\?project=finance$/);
    await expect
      .poll(() => page.getByRole("combobox", { name: "Project" }).inputValue())
      .toBe("finance");
    await page.getByRole("textbox", { name: "Name", exact: true }).fill("daily numbers");
    await page.getByRole("combobox", { name: "Database connection" }).click();
    await page.getByRole("option", { name: "test-pg (postgres)" }).click();
    await page.getByRole("textbox", { name: "Query", exact: true }).fill(QUERY);
    // The name a run would write, resolved as it is typed, with the project's parameters.
    const fileName = page.getByRole("textbox", { name: "File name template" });
    await fileName.fill(`numbers_\${nowhere}.csv`);
    await expect.poll(() => page.getByTestId("file-name-error").textContent()).toContain("nowhere");
    await fileName.fill(`numbers_\${region}.csv`);
    await expect
      .poll(() => page.getByTestId("file-name-preview").textContent())
      .toBe("A run now writes numbers_north.csv");
    await page.getByRole("button", { name: "Add a destination" }).click();
    const destination = page.getByTestId("destination-0");
    const directory = destination.getByRole("textbox", { name: "Directory" });
    await directory.fill("relative/out");
    await page.getByRole("button", { name: "Create task" }).click();
    await page.getByTestId("form-problem").waitFor();
    // Next to the field it names, as well as at the top.
    await destination.getByText("is not an absolute path").waitFor();
    expect(await directory.getAttribute("aria-invalid")).toBe("true");

    await directory.fill(outDir);
    await destination
      .getByRole("switch", { name: "Replace a file of the same name" })
      .dispatchEvent("click");
    await page.getByRole("button", { name: "Create task" }).click();
    await page.waitForURL(/\/tasks\/tsk_[^/]+$/);
    taskUrl = page.url();
    const summary = page.getByTestId("task-summary");
    await summary.waitFor();
    expect(await summary.textContent()).toContain(`directory ${outDir}`);
    expect(await page.getByTestId("task-enabled").textContent()).toBe("enabled");
    await page.getByText("It hasn't run yet.").waitFor();
  });

  it("shows the query as it will run, with the parameter bound", async () => {
    await page.getByRole("button", { name: "Show the query as it will run" }).click();
    const preview = page.getByTestId("query-preview");
    await preview.waitFor();
    expect(await preview.textContent()).toContain("generate_series(1, 3)");
  });

  it("runs it now and sees its job finish, then downloads its file from the file history", async () => {
    await page.getByRole("button", { name: "Run now" }).click();
    await page
      .locator("[data-testid=task-runs] [data-run-status=succeeded]")
      .waitFor({ timeout: 60_000 });
    await page.getByTestId("current-job-status").filter({ hasText: "FINISHED" }).waitFor();
    await page.getByTestId("feed-state").filter({ hasText: "complete" }).waitFor();
    await page.getByTestId("task-audit").getByText("succeeded").waitFor();

    const row = page.locator('[data-testid=task-files] tr[data-file="numbers_north.csv"]');
    await row.waitFor();
    expect(await row.textContent()).toContain("3");
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      row.getByRole("link", { name: "Download numbers_north.csv" }).click(),
    ]);
    expect(download.suggestedFilename()).toBe("numbers_north.csv");
    expect(await readFile(await download.path(), "utf8")).toBe(CSV);
    // And the directory destination got the same file.
    expect(await readdir(outDir)).toEqual(["numbers_north.csv"]);
    expect(await readFile(join(outDir, "numbers_north.csv"), "utf8")).toBe(CSV);
  });

  it("shows the config versions and a diff between two", async () => {
    await page.getByRole("button", { name: "Disable" }).click();
    await page.getByTestId("task-enabled").filter({ hasText: "disabled" }).waitFor();
    const diff = page.getByTestId("version-diff");
    await diff.waitFor();
    expect(await diff.textContent()).toContain("enabled");
    await page.getByRole("button", { name: "Enable" }).click();
    await page.getByTestId("task-enabled").filter({ hasText: "enabled" }).waitFor();
  });

  it("duplicates the task: the copy is disabled", async () => {
    await page.getByRole("button", { name: "Duplicate" }).click();
    await page.waitForURL((url) => /\/tasks\/tsk_/.test(url.pathname) && url.href !== taskUrl);
    await page.getByRole("heading", { name: "daily numbers copy" }).waitFor();
    expect(await page.getByTestId("task-enabled").textContent()).toBe("disabled");
  });

  it("zips the copy's file at the level set in the form", async () => {
    const copyUrl = page.url();
    await page.getByRole("link", { name: "Edit" }).click();
    await page.getByRole("switch", { name: "Zip the file" }).dispatchEvent("click");
    await page.getByRole("textbox", { name: "Zip level" }).fill("9");
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.waitForURL(copyUrl);
    const output = await page.evaluate(async (id) => {
      const task = (await (await fetch(`/api/v1/tasks/${id}`)).json()) as {
        output: { zip?: boolean; zipLevel?: number };
      };
      return task.output;
    }, new URL(copyUrl).pathname.split("/").at(-1));
    expect(output).toMatchObject({ zip: true, zipLevel: 9 });
    expect(await page.getByTestId("task-summary").textContent()).toContain("zipped");
  });

  it("re-ranks the project's tasks with the move buttons", async () => {
    await page.goto(`${server.url}/projects/finance`);
    const names = () =>
      page
        .locator("table[aria-label='Tasks in run order'] tr[data-task]")
        .evaluateAll((rows) => rows.map((row) => row.getAttribute("data-task")));
    await page.locator("tr[data-task='daily numbers copy']").waitFor();
    expect(await names()).toEqual(["daily numbers", "daily numbers copy"]);
    await page.getByRole("button", { name: "Move daily numbers copy up" }).click();
    await expect.poll(names, { timeout: 10_000 }).toEqual(["daily numbers copy", "daily numbers"]);
    // The keyboard: a row's handle moves it with the arrow keys.
    await page
      .getByRole("button", { name: "Move daily numbers copy: press the up or down arrow" })
      .focus();
    await page.keyboard.press("ArrowDown");
    await expect.poll(names, { timeout: 10_000 }).toEqual(["daily numbers", "daily numbers copy"]);
  });

  it("lists all tasks and mine, filtered by the URL and the name clouds", async () => {
    await page.getByRole("link", { name: "All tasks" }).click();
    await page.getByRole("heading", { name: "All tasks" }).waitFor();
    await page.getByTestId("task-count").filter({ hasText: "2 tasks" }).waitFor();
    await page.getByRole("combobox", { name: "State" }).click();
    await page.getByRole("option", { name: "Disabled" }).click();
    await page.waitForURL(/\/tasks\?enabled=false$/);
    await page.getByTestId("task-count").filter({ hasText: "1 task" }).waitFor();
    expect(await page.locator("tr[data-task]").getAttribute("data-task")).toBe(
      "daily numbers copy",
    );
    // A bookmarkable address: the cloud's project filter and a sort.
    await page.goto(`${server.url}/tasks?sort=-name`);
    await page.locator("[data-cloud=projects]", { hasText: "finance" }).click();
    await page.waitForURL(/project=finance/);
    await page.getByTestId("task-count").filter({ hasText: "2 tasks" }).waitFor();
    const order = () =>
      page
        .locator("tr[data-task]")
        .evaluateAll((rows) => rows.map((row) => row.getAttribute("data-task")));
    await expect.poll(order).toEqual(["daily numbers copy", "daily numbers"]);
    expect(page.url()).toMatch(/sort=-name/);
    await page.getByRole("link", { name: "My tasks" }).click();
    await page.getByRole("heading", { name: "My tasks" }).waitFor();
    await page.getByTestId("task-count").filter({ hasText: "2 tasks" }).waitFor();
  });
});
