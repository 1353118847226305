/**
 * The file routes on the real app (authentication, problem+json): pages, a name that
 * needs encoding in Content-Disposition, ids that can't reach outside the files
 * directory, and the routes in the OpenAPI document.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoredFile } from "../../../src/exports/index.js";
import { type RunWorld, runWorld } from "../runs/helpers.js";

describe("the file routes", () => {
  let world: RunWorld;
  const stored: StoredFile[] = [];
  const get = (url: string) =>
    world.app.inject({ url, headers: { authorization: `Bearer ${world.viewerToken}` } });

  beforeAll(async () => {
    world = await runWorld();
    const run = await world.folder("run");
    for (const name of ["ventes été 2026.csv", "a.csv", 'say "hi".csv']) {
      const path = join(run, name);
      await writeFile(path, `${name}\n`);
      stored.push(
        await world.files.record(
          {
            name,
            path,
            size: Buffer.byteLength(`${name}\n`),
            rows: 1,
            empty: false,
            md5: "m",
            sha256: "ab".repeat(32),
          },
          { jobId: "job_1", taskId: "tsk_1", taskName: "t" },
        ),
      );
    }
  });
  afterAll(() => world?.close());

  it("names the download so that every client reads the name, and no header breaks", async () => {
    const accents = await get(`/api/v1/files/${stored[0]?.id}/content`);
    expect(accents.statusCode).toBe(200);
    expect(accents.body).toBe("ventes été 2026.csv\n");
    expect(accents.headers["content-disposition"]).toBe(
      "attachment; filename=\"ventes _t_ 2026.csv\"; filename*=UTF-8''ventes%20%C3%A9t%C3%A9%202026.csv",
    );
    expect(accents.headers["x-content-type-options"]).toBe("nosniff");
    const quotes = await get(`/api/v1/files/${stored[2]?.id}/content`);
    expect(quotes.headers["content-disposition"]).toBe(
      "attachment; filename=\"say _hi_.csv\"; filename*=UTF-8''say%20%22hi%22.csv",
    );
  });

  it("pages the list with next and cursor, and refuses a made-up cursor", async () => {
    const first = await get("/api/v1/files?taskId=tsk_1&_size=2");
    expect(first.statusCode).toBe(200);
    const page = first.json() as { result: { id: string }[]; next: string };
    expect(page.result.map((file) => file.id)).toHaveLength(2);
    const second = await get(`/api/v1/files?taskId=tsk_1&_size=2&cursor=${page.next}`);
    const rest = second.json() as { result: { id: string }[]; next?: string };
    expect(rest.result).toHaveLength(1);
    expect(rest.next).toBeUndefined();
    expect(new Set([...page.result, ...rest.result].map((file) => file.id))).toEqual(
      new Set(stored.map((file) => file.id)),
    );
    const bad = await get("/api/v1/files?cursor=bm9wZQ");
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: "badRequest", field: "cursor" });
  });

  it("refuses ids that are not file ids, and answers unknown ones 404", async () => {
    for (const id of ["..%2F..%2Fsundial.db", "fil_..%2F..%2F..%2Fetc", "%2Fetc%2Fpasswd"]) {
      expect((await get(`/api/v1/files/${id}/content`)).statusCode).toBe(400);
    }
    // A bare .. is a path segment: the URL names no file route at all.
    expect((await get("/api/v1/files/../content")).statusCode).toBe(404);
    const unknown = await get("/api/v1/files/fil_AAAAAAAAAAAAAAAA");
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: "notFound" });
  });

  it("are in the OpenAPI document", async () => {
    const doc = await get("/api/openapi.json");
    expect(doc.statusCode).toBe(200);
    const paths = Object.keys((doc.json() as { paths: Record<string, unknown> }).paths);
    expect(paths).toEqual(
      expect.arrayContaining(["/api/v1/files", "/api/v1/files/{id}", "/api/v1/files/{id}/content"]),
    );
  });
});
