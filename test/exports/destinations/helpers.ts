import { createHash, randomBytes } from "node:crypto";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import type { ExportManifest } from "../../../src/exports/index.js";
import { tempFolder } from "../helpers.js";

/** Writes `content` as a produced file in `dir`, and gives its manifest. */
export async function producedFile(
  dir: string,
  name: string,
  content: string | Buffer,
  rows = 2,
): Promise<ExportManifest> {
  const bytes = typeof content === "string" ? Buffer.from(content) : content;
  const path = join(dir, name);
  await writeFile(path, bytes);
  const digest = (algorithm: string) => createHash(algorithm).update(bytes).digest("hex");
  return {
    name,
    path,
    size: bytes.length,
    rows,
    empty: rows === 0,
    md5: digest("md5"),
    sha256: digest("sha256"),
  };
}

/** A produced file of `size` random bytes (which no zip makes smaller). */
export function randomFile(dir: string, name: string, size: number): Promise<ExportManifest> {
  return producedFile(dir, name, randomBytes(size), 1000);
}

/** Checks that `dir` holds exactly `names` (hidden temporary files included). */
export async function expectEntries(dir: string, names: readonly string[]): Promise<void> {
  expect((await readdir(dir)).sort()).toEqual([...names].sort());
}

/** Checks that `dir/name` holds the bytes of `file`. */
export async function expectSameBytes(dir: string, file: ExportManifest, name = file.name) {
  expect((await readFile(join(dir, name))).equals(await readFile(file.path))).toBe(true);
}

/** The error `promise` rejects with (failing when it resolves). */
export async function rejectionOf(
  promise: Promise<unknown>,
): Promise<Error & { code?: string; field?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string; field?: string };
  }
  throw new Error("expected a rejection, but it resolved");
}

/** An AbortController whose signal is aborted once `bytes` bytes have gone out. */
export function abortAfter(bytes: number): {
  reason: Error;
  signal: AbortSignal;
  onProgress: (sent: number) => void;
} {
  const controller = new AbortController();
  const reason = new Error(`stopped after ${bytes} bytes`);
  return {
    reason,
    signal: controller.signal,
    onProgress: (sent) => {
      if (sent >= bytes && !controller.signal.aborted) controller.abort(reason);
    },
  };
}

/**
 * Something a suite starts before its tests and stops after them, failed or not (a
 * server, a folder): registers the hooks and gives a function that returns it in a test.
 * @example const sink = perSuite(startSmtpServer, (server) => server.stop()); … sink().port
 */
export function perSuite<T>(
  start: () => Promise<T>,
  stop: (resource: T) => Promise<void>,
): () => T {
  let resource: T | undefined;
  beforeAll(async () => {
    resource = await start();
  });
  afterAll(async () => {
    if (resource !== undefined) await stop(resource);
  });
  return () => {
    if (resource === undefined) throw new Error("a suite's resource used outside its tests");
    return resource;
  };
}

/** A temporary folder for a suite's local files, removed after its tests. */
export function localFolder(prefix: string): () => string {
  const folder = perSuite(
    () => tempFolder(prefix),
    (made) => made.remove(),
  );
  return () => folder().dir;
}

/** A loopback port nothing listens on. */
export function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
