/**
 * The web UI in Chromium against a real `sundial serve`: sign in; create a schedule,
 * seeing the message for an invalid expression and then the description and next fire
 * times of a valid one; watch its job run live to FINISHED; pause and resume everything.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ADMIN_PASSWORD,
  browserTestsCanRun,
  launchBrowser,
  ServeProcess,
  signIn,
} from "./helpers.js";

/** A script that waits for a file the test writes, so the test sees it RUNNING, then FINISHED. */
const GATED_SCRIPT = `const fs = require("node:fs");
log.info("step 1: waiting for the gate");
await progress(40);
while (!fs.existsSync(input.gate)) await new Promise((resolve) => setTimeout(resolve, 100));
log.info("step 2: the gate opened");
await progress(90);
return { steps: 2 };`;

describe.runIf(browserTestsCanRun())("the web UI", () => {
  let server: ServeProcess & { url: string };
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    [server, browser] = await Promise.all([ServeProcess.start(), launchBrowser()]);
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(20_000);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("sends a visitor to sign in, and back to the page asked for", async () => {
    await page.goto(`${server.url}/jobs?status=RUNNING`);
    await page.waitForURL(/\/login\?next=/);
    const wrong = page.locator("input[name=password]");
    await page.locator("input[name=name]").fill("admin");
    await wrong.fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();
    expect(await page.getByRole("alert").textContent()).toContain("Wrong user name or password");
    await signIn(page, server.url, "/jobs?status=RUNNING");
    await page.waitForURL(`${server.url}/jobs?status=RUNNING`);
    await page.getByRole("heading", { name: "Jobs" }).waitFor();
  });

  it("creates a schedule: an invalid expression's message, then a valid one's description and fires", async () => {
    await page.getByRole("link", { name: "Schedules" }).first().click();
    await page.getByRole("link", { name: "New schedule" }).click();
    await page.getByLabel("Id", { exact: true }).fill("ui-gated");
    const expression = page.getByRole("textbox", { name: "Expression" });
    await expression.fill("0 0 6 ? * 8");
    const error = page.getByTestId("trigger-error");
    await error.waitFor();
    expect(await error.textContent()).toContain('day-of-week: "8" is out of range 1-7 (SUN-SAT)');
    expect(await page.getByRole("button", { name: "Create schedule" }).isEnabled()).toBe(true);

    await expression.fill("*/2 * * * * ?");
    const description = page.getByTestId("trigger-description");
    await description.waitFor();
    expect(await description.textContent()).toMatch(/^Every 2 seconds/);
    expect(await page.getByTestId("next-fire-times").locator("li").count()).toBe(5);
    expect(await error.count()).toBe(0);

    const gate = join(server.dir, "gate");
    await page.getByRole("textbox", { name: "Invoke context" }).fill(
      JSON.stringify({
        script: { type: "text/javascript", source: GATED_SCRIPT },
        input: { gate },
      }),
    );
    await page.getByRole("button", { name: "Create schedule" }).click();
    await page.waitForURL(/\/schedules\?saved=ui-gated$/);
    const row = page.locator("tr[data-schedule=ui-gated]");
    await row.waitFor();
    expect(await row.textContent()).toContain("*/2 * * * * ?");
  });

  it("shows the schedule's job live, from RUNNING to FINISHED", async () => {
    // A bookmarkable filtered view: this schedule's running jobs.
    await page.goto(`${server.url}/jobs?scheduleId=ui-gated&status=RUNNING`);
    const link = page.locator("tr[data-job] a").first();
    await link.waitFor({ timeout: 30_000 });
    await link.click();
    await page.waitForURL(/\/jobs\/[^/?]+$/);
    const status = page.getByTestId("job-status");
    await page.getByTestId("feed-state").filter({ hasText: "live" }).waitFor();
    expect(await status.textContent()).toBe("RUNNING");
    await page.getByTestId("log-lines").getByText("step 1: waiting for the gate").waitFor();
    await page.getByTestId("job-progress").filter({ hasText: "40%" }).waitFor();

    await writeFile(join(server.dir, "gate"), "open");
    await status.filter({ hasText: "FINISHED" }).waitFor();
    await page.getByTestId("log-lines").getByText("step 2: the gate opened").waitFor();
    await page.getByTestId("feed-state").filter({ hasText: "complete" }).waitFor();
    expect(await page.getByTestId("job-results").textContent()).toContain('"steps": 2');

    // The level filter: no ERROR lines in this job.
    // Mantine draws its own controls over visually hidden inputs: click them as a user's click would reach them.
    await page.getByRole("radio", { name: "Errors" }).dispatchEvent("click");
    await page.getByText("No line matches the filter.").waitFor();
  });

  it("switches the schedule off from the list", async () => {
    await page.goto(`${server.url}/schedules`);
    await page.getByRole("switch", { name: "Disable ui-gated" }).dispatchEvent("click");
    await page.getByRole("switch", { name: "Enable ui-gated" }).waitFor();
  });

  it("pauses everything, with a banner on every page, and resumes", async () => {
    await page.goto(`${server.url}/`);
    await page.getByRole("button", { name: "Pause all" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Pause all" }).click();
    const banner = page.getByTestId("pause-banner");
    await banner.waitFor();
    expect(await banner.textContent()).toContain("Maintenance mode");
    await page.getByRole("link", { name: "Jobs" }).first().click();
    await page.getByRole("heading", { name: "Jobs" }).waitFor();
    await banner.waitFor();
    // A reload reads the state from the server, not from the page.
    await page.reload();
    await banner.waitFor();
    await banner.getByRole("button", { name: "Resume all" }).click();
    await banner.waitFor({ state: "detached" });
    await page.getByRole("button", { name: "Pause all" }).waitFor();
  });

  it("creates an API token, shows it once, and revokes it", async () => {
    await page.getByTestId("user-menu").click();
    await page.getByRole("menuitem", { name: "API tokens" }).click();
    await page.getByRole("button", { name: "New token" }).click();
    await page.getByRole("dialog").getByLabel("Name").fill("ui test");
    await page.getByRole("dialog").getByRole("button", { name: "Create token" }).click();
    expect(await page.getByTestId("token-secret").textContent()).toMatch(/^sundial_/);
    await page.getByRole("dialog").getByRole("button", { name: "Done" }).click();
    const row = page.locator('tr[data-token="ui test"]');
    expect(await row.textContent()).toContain("active");
    await row.getByRole("button", { name: "Revoke" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Revoke" }).click();
    await row.getByText("revoked").waitFor();
  });

  it("creates a connection by type and tests it", async () => {
    await page.getByRole("link", { name: "Connections" }).first().click();
    await page.getByRole("link", { name: "New connection" }).click();
    await page.getByRole("combobox", { name: "Type" }).click();
    await page.getByRole("option", { name: "SQLite" }).click();
    await page.getByRole("textbox", { name: "Name" }).fill("sundial-itself");
    await page
      .getByRole("textbox", { name: "Database file" })
      .fill(join(server.dir, "data", "sundial.db"));
    await page.getByRole("button", { name: "Create connection" }).click();
    await page.waitForURL(/\/connections\/sundial-itself$/);
    await page.getByRole("button", { name: "Test connection" }).click();
    const result = page.getByTestId("connection-test-result");
    await result.waitFor();
    expect(await result.textContent()).toContain("The connection works");
  });

  it("signs out from the user menu", async () => {
    await page.getByTestId("user-menu").click();
    await page.getByRole("menuitem", { name: "Sign out" }).click();
    await page.waitForURL(/\/login$/);
    await page.goto(`${server.url}/schedules`);
    await page.waitForURL(/\/login\?next=%2Fschedules$/);
  });

  it("signs in for the API documentation and returns to it", async () => {
    await page.goto(`${server.url}/login?next=/api/docs/`);
    await page.getByText("Sign in to open the API documentation").waitFor();
    await page.locator("input[name=name]").fill("admin");
    await page.locator("input[name=password]").fill(ADMIN_PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${server.url}/api/docs/`);
    await page.locator(".swagger-ui").first().waitFor();
  });
});
