/**
 * The Task scanner page in Chromium against a real `sundial serve`: reached from the
 * navigation; a taskScanner schedule executed from the page, its run shown with its
 * progress to COMPLETED; a run whose tasks are held shown ACTIVE and cancelled with the
 * Cancel button; the state filter in the URL. The records are in a SQLite file the test
 * made; their tasks call an HTTP server in the test.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  HOUR,
  type ScannedPeer,
  scanContext,
  scannerSchedule,
  sqlitePeer,
  TaskServer,
} from "../scanner/helpers.js";
import { browserTestsCanRun, launchBrowser, ServeProcess, signIn } from "./helpers.js";

describe.runIf(browserTestsCanRun())("the Task scanner page", () => {
  let server: ServeProcess & { url: string };
  let browser: Browser;
  let page: Page;
  let peer: ScannedPeer;
  let tasks: TaskServer;

  /** A request to the API as the page's session (with its CSRF token). */
  const api = (method: string, path: string, body: unknown) =>
    page.evaluate(
      async ({ method, path, body }) => {
        const me = (await (await fetch("/api/v1/auth/me")).json()) as { csrfToken: string };
        const res = await fetch(`/api/v1${path}`, {
          method,
          headers: { "content-type": "application/json", "x-csrf-token": me.csrfToken },
          body: JSON.stringify(body),
        });
        return res.status;
      },
      { method, path, body },
    );

  const scanSchedule = (table: string) =>
    scannerSchedule(scanContext(table, tasks, { numberOfThreads: 2 }));

  beforeAll(async () => {
    [server, browser, peer, tasks] = await Promise.all([
      ServeProcess.start(),
      launchBrowser(),
      sqlitePeer(),
      TaskServer.start(),
    ]);
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(20_000);
    await signIn(page, server.url, "/");
    expect(
      await api("POST", "/connections", {
        name: "records",
        type: "sqlite",
        settings: peer.settings,
      }),
    ).toBe(201);
    const now = Date.now();
    const rows = (count: number) =>
      Array.from({ length: count }, (_, i) => ({ id: i + 1, name: `r${i + 1}`, due: now - HOUR }));
    for (const [name, count] of [
      ["ui-scan", 3],
      ["ui-held", 4],
    ] as const) {
      const table = await peer.table(rows(count));
      expect(await api("PUT", `/schedules/${name}`, scanSchedule(table))).toBe(200);
    }
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await tasks?.close();
    await peer?.close();
  });

  const execute = async (schedule: string) => {
    await page.getByRole("combobox", { name: "Execute a scan now" }).click();
    await page.getByRole("option", { name: schedule }).click();
    await page.getByRole("button", { name: "Execute" }).click();
  };
  const rowOf = (schedule: string) => page.locator("tr[data-run]").filter({ hasText: schedule });

  it("is in the navigation, and says when there is no run yet", async () => {
    await page.getByRole("link", { name: "Task scanner" }).click();
    await page.waitForURL(`${server.url}/scanner`);
    await page.getByRole("heading", { name: "Task scanner" }).waitFor();
    await page.getByText("No scan runs yet").waitFor();
  });

  it("executes a schedule's scan and shows the run's progress to COMPLETED", async () => {
    await execute("ui-scan");
    const row = rowOf("ui-scan");
    await row.locator("[data-state=COMPLETED]").waitFor();
    expect(await row.getByTestId("scan-processed").textContent()).toBe("3 / 3");
    expect(await row.getByText("3 succeeded · 0 failed · 0 skipped").count()).toBe(1);
    expect(await row.getByRole("progressbar").getAttribute("aria-label")).toBe(
      "3 of 3 records processed",
    );
    expect(await row.getByRole("button", { name: /Cancel/ }).count()).toBe(0);
    expect(tasks.ids()).toEqual(["1", "2", "3"]);
  });

  it("cancels an ACTIVE run with its Cancel button", async () => {
    tasks.hold();
    try {
      await execute("ui-held");
      const row = rowOf("ui-held");
      await row.locator("[data-state=ACTIVE]").waitFor();
      await row.getByRole("button", { name: "Cancel the run of ui-held" }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Cancel the run" }).click();
      await row.locator("[data-state=CANCELLED]").waitFor();
      expect(await row.getByRole("button", { name: /Cancel/ }).count()).toBe(0);
      expect(await row.getByTestId("scan-processed").textContent()).toBe("0 / 4");
    } finally {
      tasks.release();
    }
  });

  it("filters by state from the URL", async () => {
    await page.goto(`${server.url}/scanner?state=CANCELLED`);
    await rowOf("ui-held").waitFor();
    expect(await page.locator("tr[data-run]").count()).toBe(1);
    await page.goto(`${server.url}/scanner?state=ERROR`);
    await page.getByText("No scan run matches these filters").waitFor();
  });
});
