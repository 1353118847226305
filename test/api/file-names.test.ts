import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestApi, testApi } from "./helpers.js";

let api: TestApi;

beforeAll(async () => {
  api = await testApi({ start: false });
});

afterAll(async () => {
  await api.close();
});

async function preview(body: unknown) {
  const res = await api.app.inject({
    method: "POST",
    url: "/api/v1/file-names/preview",
    payload: body as object,
  });
  return { status: res.statusCode, body: res.json() };
}

describe("POST /file-names/preview", () => {
  it("resolves dates in the task's zone, parameters and date steps, and names the delivered file", async () => {
    // 23:30 UTC on 31 March is already 1 April in London (BST).
    const res = await preview({
      template: `sales_%Y%m%d_\${region}_{-1M first:%Y-%m-%d}.csv`,
      timeZone: "Europe/London",
      parameters: { region: "north" },
      at: "2026-03-31T23:30:00Z",
      encrypt: true,
      zip: true,
    });
    expect(res).toEqual({
      status: 200,
      body: {
        valid: true,
        dataName: "sales_20260401_north_2026-03-01.csv",
        fileName: "sales_20260401_north_2026-03-01.csv.gpg.zip",
        at: "2026-03-31T23:30:00.000Z",
      },
    });
    const utc = await preview({ template: "sales_%Y%m%d.csv", at: Date.UTC(2026, 2, 31, 23, 30) });
    expect(utc.body).toMatchObject({
      dataName: "sales_20260331.csv",
      fileName: "sales_20260331.csv",
    });
    expect((await preview({ template: "a.csv", zip: true })).body).toMatchObject({
      fileName: "a.csv.zip",
    });
  });

  it("answers a template that doesn't resolve with valid: false and the field, for a form to show", async () => {
    const unknown = await preview({ template: `sales_\${region}.csv`, at: 0 });
    expect(unknown.status).toBe(200);
    expect(unknown.body).toMatchObject({ valid: false, field: "template" });
    expect(unknown.body.detail).toContain("region");
    const slash = await preview({ template: "a/%Y.csv", at: 0 });
    expect(slash.body).toMatchObject({ valid: false, field: "template" });
    expect(slash.body.detail).toMatch(/^template: /);
    const zone = await preview({ template: "a.csv", timeZone: "Mars/Olympus", at: 0 });
    expect(zone.body).toMatchObject({ valid: false, field: "timeZone" });
    const at = await preview({ template: "a.csv", at: "yesterday-ish" });
    expect(at.body).toEqual({
      valid: false,
      field: "at",
      detail: 'at: "yesterday-ish" is not an instant',
    });
  });

  it("refuses a body of the wrong shape with a 400 problem naming the field", async () => {
    const res = await preview({ template: "a.csv", zip: "yes" });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: "badRequest", field: "zip" });
  });
});
