/**
 * A JavaScript processing script with a package.json runs with a private node_modules,
 * made by the real npm from tarballs `npm pack` made here (`file:` dependencies relative
 * to the script, or a registry served on loopback): a CommonJS script `require`s its
 * packages and an ES module `import`s them, both from where the script is; made on first
 * use, reused while package.json is unchanged, made anew when it changes, one per set of
 * packages; `npm ci` when a lock file is there; a failed install fails the run with npm's
 * own message.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { access, chmod, mkdir, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportExecutor } from "../../src/invokers/export-invoker.js";
import { DATA, type EnvWorld, envWorld, installLines } from "./processing-env-world.js";

/** The machine's npm, run in `cwd`. */
const npm = (args: string[], cwd: string) => promisify(execFile)("npm", args, { cwd });

/** `npm pack` of a CommonJS package whose `value` says its name and version; the tarball's path. */
async function packed(env: EnvWorld, into: string, name: string, version: string) {
  const source = await env.folder(`${name}-${version}`, {
    "package.json": JSON.stringify({ name, version, main: "index.js" }),
    "index.js": `exports.value = ${JSON.stringify(`${name} ${version}`)};\n`,
  });
  await npm(["pack", "--silent", "--pack-destination", into], source);
  return join(into, `${name}-${version}.tgz`);
}

/** A package.json naming these packages; relative `file:` paths as a user writes them. */
const manifest = (dependencies: Record<string, string>) =>
  JSON.stringify({
    name: "transform",
    private: true,
    scripts: { postinstall: "exit 1" },
    dependencies,
  });

const COMMONJS = `const { appendFileSync } = require("node:fs");
const { value } = require("sundial-probe-js");
appendFileSync(process.argv.at(-1), \`cjs \${value},\${require.resolve("sundial-probe-js")}\\n\`);
`;

const ESM = `import { appendFileSync } from "node:fs";
import { value } from "sundial-probe-js";
appendFileSync(process.argv.at(-1), \`esm \${value}\\n\`);
`;

describe("a JavaScript processing script's environment", () => {
  let env: EnvWorld;
  let tarballs: string;
  let scripts: string;
  const node = (script: string) => ({ command: "node", args: [script] });
  const file = (folder: string, name: string) => `file:${relative(folder, join(tarballs, name))}`;

  beforeAll(async () => {
    env = await envWorld();
    tarballs = await env.folder("tarballs");
    await packed(env, tarballs, "sundial-probe-js", "1.0.0");
    await packed(env, tarballs, "sundial-probe-js", "2.0.0");
    await packed(env, tarballs, "sundial-probe-other", "1.0.0");
    scripts = await env.folder("scripts", {
      "transform.cjs": COMMONJS,
      "transform.mjs": ESM,
    });
    await writeFile(
      join(scripts, "package.json"),
      manifest({ "sundial-probe-js": file(scripts, "sundial-probe-js-1.0.0.tgz") }),
    );
  });
  afterAll(() => env?.close());

  it("makes a private node_modules on first use, from which a CommonJS script requires", async () => {
    const { output, lines } = await env.run(node(join(scripts, "transform.cjs")));
    const [made] = await env.made();
    expect(made?.name).toMatch(/^node-[0-9a-f]{24}$/);
    const installed = join(made?.target ?? "", "node_modules", "sundial-probe-js", "index.js");
    expect(output).toBe(`${DATA}cjs sundial-probe-js 1.0.0,${installed}\n`);
    expect(lines).toContain(
      `INFO processing: making the JavaScript environment ${made?.name} for ${join(scripts, "transform.cjs")} from ${join(scripts, "package.json")}`,
    );
    expect(installLines(lines, "npm")[0]).toBe(
      "INFO npm: npm install --omit=dev --no-audit --no-fund --no-update-notifier",
    );
    expect(installLines(lines, "npm")).toContainEqual(
      expect.stringMatching(/^INFO npm: added 1 package/),
    );
    // The script's folder is left as it was; the project's own scripts did not run.
    expect((await readdir(scripts)).sort()).toEqual([
      "package.json",
      "transform.cjs",
      "transform.mjs",
    ]);
  });

  it("lets an ES module import the same packages, reusing the environment: nothing is installed again", async () => {
    const before = await env.made();
    const { output, lines } = await env.run(node(join(scripts, "transform.mjs")));
    expect(output).toBe(`${DATA}esm sundial-probe-js 1.0.0\n`);
    expect(await env.made()).toEqual(before);
    expect(installLines(lines, "npm")).toEqual([]);
    expect(lines).toContain(
      `INFO processing: using the JavaScript environment ${before[0]?.name} of ${join(scripts, "package.json")}`,
    );
  });

  it("runs a script given as the command, with a #! line, in it", async () => {
    const direct = join(scripts, "direct.mjs");
    await writeFile(direct, `#!/usr/bin/env node\n${ESM}`);
    await chmod(direct, 0o755);
    const before = await env.made();
    const { output } = await env.run({ command: direct });
    expect(output).toBe(`${DATA}esm sundial-probe-js 1.0.0\n`);
    expect(await env.made()).toEqual(before);
  });

  it("is where the export invoker's runs find it, given the server's settings", async () => {
    const before = await env.made();
    const lines: string[] = [];
    const execute = exportExecutor({
      connections: env.world.connections,
      files: env.world.files,
      workDirectory: await env.folder("runs"),
      scriptEnvironments: { directory: env.environments },
    });
    const report = await execute(
      {
        jobId: "job_invoked",
        task: {
          id: "tsk_invoked",
          name: "invoked",
          spec: {
            source: { type: "sql", connection: "local", query: "SELECT 1 AS id" },
            processing: node(join(scripts, "transform.mjs")),
            output: { fileName: "one.csv", format: { type: "csv" } },
          },
        },
        project: { id: "prj_invoked", name: "invoked" },
        parameters: {},
        timeZone: "UTC",
        instant: Date.parse("2026-03-30T05:00:00Z"),
        startingUser: null,
      },
      {
        signal: new AbortController().signal,
        log: async (level, message) => void lines.push(`${level} ${message}`),
        progress: async () => undefined,
      },
    );
    expect(report.ok).toBe(true);
    expect(lines).toContain(
      `INFO processing: using the JavaScript environment ${before[0]?.name} of ${join(scripts, "package.json")}`,
    );
    expect(await env.made()).toEqual(before);
  });

  it("makes a new one when package.json changes, and keeps the old", async () => {
    const [old] = await env.made();
    await writeFile(
      join(scripts, "package.json"),
      manifest({ "sundial-probe-js": file(scripts, "sundial-probe-js-2.0.0.tgz") }),
    );
    const esm = await env.run(node(join(scripts, "transform.mjs")));
    const made = await env.made();
    expect(made).toHaveLength(2);
    expect(made).toContainEqual(old);
    expect(esm.output).toBe(`${DATA}esm sundial-probe-js 2.0.0\n`);
    const cjs = await env.run(node(join(scripts, "transform.cjs")));
    expect(cjs.output).toMatch(/cjs sundial-probe-js 2\.0\.0,/);
    expect(installLines(cjs.lines, "npm")).toEqual([]);
  });

  it("gives another task with other packages its own, without the first one's", async () => {
    const other = await env.folder("other", {
      "transform.mjs": `import { appendFileSync } from "node:fs";
import { value } from "sundial-probe-other";
const seen = await import("sundial-probe-js").then(() => "sees js", () => "no js");
appendFileSync(process.argv.at(-1), \`\${value},\${seen}\\n\`);
`,
    });
    await writeFile(
      join(other, "package.json"),
      manifest({ "sundial-probe-other": file(other, "sundial-probe-other-1.0.0.tgz") }),
    );
    const before = await env.made();
    const { output } = await env.run(node(join(other, "transform.mjs")));
    expect(output).toBe(`${DATA}sundial-probe-other 1.0.0,no js\n`);
    expect(await env.made()).toHaveLength(before.length + 1);
  });

  it("installs with npm ci when a lock file is beside package.json", async () => {
    const locked = await env.folder("locked", { "transform.cjs": COMMONJS });
    await writeFile(
      join(locked, "package.json"),
      JSON.stringify({
        name: "locked",
        private: true,
        dependencies: { "sundial-probe-js": file(locked, "sundial-probe-js-1.0.0.tgz") },
      }),
    );
    await npm(["install", "--package-lock-only", "--no-audit", "--no-fund"], locked);
    await access(join(locked, "package-lock.json"));
    const { output, lines } = await env.run(node(join(locked, "transform.cjs")));
    expect(output).toMatch(/cjs sundial-probe-js 1\.0\.0,/);
    expect(installLines(lines, "npm")[0]).toBe(
      "INFO npm: npm ci --omit=dev --no-audit --no-fund --no-update-notifier",
    );
  });

  it("makes one again when its folder was removed, and clears away builds a crashed server left", async () => {
    const again = await env.folder("again", { "transform.cjs": COMMONJS });
    await writeFile(
      join(again, "package.json"),
      manifest({
        "sundial-probe-js": file(again, "sundial-probe-js-1.0.0.tgz"),
        "sundial-probe-other": file(again, "sundial-probe-other-1.0.0.tgz"),
      }),
    );
    const before = await env.made();
    await env.run(node(join(again, "transform.cjs")));
    const first = (await env.made()).find(
      (entry) => !before.some((old) => old.name === entry.name),
    );
    await rm(first?.target ?? "", { recursive: true });
    // What a server that crashed mid-install two hours ago left, and what a run is making now.
    const crashed = join(env.environments, "builds", `${first?.name}-crashd`);
    const current = join(env.environments, "builds", `${first?.name}-making`);
    await mkdir(crashed);
    await mkdir(current);
    const twoHoursAgo = new Date(Date.now() - 7_200_000);
    await utimes(crashed, twoHoursAgo, twoHoursAgo);
    const { output, lines } = await env.run(node(join(again, "transform.cjs")));
    const made = await env.made();
    const second = made.find((entry) => entry.name === first?.name);
    expect(second?.target).not.toBe(first?.target);
    expect(output).toMatch(/cjs sundial-probe-js 1\.0\.0,/);
    expect(installLines(lines, "npm")).toContainEqual(
      expect.stringMatching(/^INFO npm: added 2 packages/),
    );
    expect((await env.builds()).sort()).toEqual(
      [...made.map((entry) => entry.target), current].sort(),
    );
  });

  it("fails the run with npm's message when a package can't be installed, and keeps nothing", async () => {
    const broken = await env.folder("broken", { "transform.cjs": COMMONJS });
    const missing = join(tarballs, "sundial-probe-missing-1.0.0.tgz");
    await writeFile(
      join(broken, "package.json"),
      manifest({ "sundial-probe-missing": file(broken, "sundial-probe-missing-1.0.0.tgz") }),
    );
    const before = await env.made();
    const builds = await env.builds();
    const { error, lines } = await env.fail(node(join(broken, "transform.cjs")));
    expect(error.code).toBe("commandFailed");
    expect(error.message).toMatch(
      new RegExp(
        `^processing: making the JavaScript environment of ${join(broken, "transform.cjs")} from ${join(broken, "package.json")} failed: npm exited with code \\d+: .*ENOENT.*${missing}`,
      ),
    );
    expect(lines.at(-1)).toBe(`ERROR the export sales failed: ${error.message}`);
    expect(await env.made()).toEqual(before);
    expect(await env.builds()).toEqual(builds);
  });

  it("installs from the registry at npmRegistry, and fails with npm's message for a package it lacks", async () => {
    const tarball = await readFile(
      await packed(env, await env.folder("registry"), "sundial-probe-reg", "1.0.0"),
    );
    const asked: string[] = [];
    const registry: Server = createServer((request, response) => {
      asked.push(request.url ?? "");
      const base = `http://127.0.0.1:${(registry.address() as AddressInfo).port}`;
      if (request.url === "/sundial-probe-reg") {
        response.setHeader("content-type", "application/json");
        response.end(
          JSON.stringify({
            name: "sundial-probe-reg",
            "dist-tags": { latest: "1.0.0" },
            versions: {
              "1.0.0": {
                name: "sundial-probe-reg",
                version: "1.0.0",
                main: "index.js",
                dist: {
                  tarball: `${base}/sundial-probe-reg/-/sundial-probe-reg-1.0.0.tgz`,
                  shasum: createHash("sha1").update(tarball).digest("hex"),
                  integrity: `sha512-${createHash("sha512").update(tarball).digest("base64")}`,
                },
              },
            },
          }),
        );
      } else if (request.url === "/sundial-probe-reg/-/sundial-probe-reg-1.0.0.tgz") {
        response.end(tarball);
      } else {
        response.statusCode = 404;
        response.setHeader("content-type", "application/json");
        response.end('{"error":"Not found"}');
      }
    });
    await new Promise<void>((listening) => registry.listen(0, "127.0.0.1", listening));
    try {
      const url = `http://127.0.0.1:${(registry.address() as AddressInfo).port}/`;
      const folder = await env.folder("registered", {
        "package.json": manifest({ "sundial-probe-reg": "1.0.0" }),
        "transform.mjs": ESM.replace("sundial-probe-js", "sundial-probe-reg"),
      });
      const { output, lines } = await env.run(node(join(folder, "transform.mjs")), {
        npmRegistry: url,
      });
      expect(output).toBe(`${DATA}esm sundial-probe-reg 1.0.0\n`);
      expect(installLines(lines, "npm")[0]).toBe(
        `INFO npm: npm install --omit=dev --no-audit --no-fund --no-update-notifier --registry ${url}`,
      );
      // The tarball itself may come from npm's cache, which keeps it by its hash.
      expect(asked).toContain("/sundial-probe-reg");

      await mkdir(join(folder, "lacking"));
      await writeFile(
        join(folder, "lacking", "package.json"),
        manifest({ "sundial-probe-nope": "1.0.0" }),
      );
      await writeFile(join(folder, "lacking", "transform.mjs"), ESM);
      const { error } = await env.fail(node(join(folder, "lacking", "transform.mjs")), {
        npmRegistry: url,
      });
      expect(error.message).toMatch(
        /failed: npm exited with code \d+: code E404; 404 Not Found - GET http:\/\/127\.0\.0\.1:\d+\/sundial-probe-nope/,
      );
    } finally {
      await new Promise((closed) => registry.close(closed));
    }
  });
});
