/**
 * Real Quartz (`org.quartz.CronExpression`) as a test peer, for differential tests of our
 * Quartz cron engine.
 *
 * `QuartzNext.java` is compiled on demand into `.quartz-build/` at the repository root and
 * run once per batch: a JVM start costs a few hundred milliseconds, a case well under one,
 * so callers should hand over thousands of cases at a time.
 *
 * Where things are looked for: `java`/`javac` in `$JAVA_HOME/bin` when JAVA_HOME is set,
 * else on PATH; the jar at `$QUARTZ_JAR`, default `/usr/share/java/quartz2.jar` (Debian's
 * libquartz2-java). `CronExpression` logs nothing, so slf4j is not needed on the classpath.
 */
import { spawn, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "vitest";

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(HERE, "../..");
const SOURCE = join(HERE, "QuartzNext.java");
const BUILD_DIR = join(REPO_ROOT, ".quartz-build");
const MAIN_CLASS = "QuartzNext";
const DEFAULT_JAR = "/usr/share/java/quartz2.jar";
const INSTALL_HINT =
  "on Debian: apt-get install default-jdk-headless libquartz2-java (.ci/run does this)";

/** One question for Quartz: the next `count` fires strictly after `from`, in `timeZone`. */
export interface QuartzCase {
  readonly id: string;
  readonly expression: string;
  readonly timeZone: string;
  /** An ISO instant with `Z` or an offset, or epoch milliseconds. */
  readonly from: string | number;
  readonly count: number;
}

/**
 * Quartz's answer. `next` holds ISO UTC instants with milliseconds, fewer than asked for
 * when Quartz ran out of fires, or when `incomplete` says why it stopped early: one
 * `getTimeAfter` call outlived QuartzNext's watchdog (Quartz loops forever on a few
 * expressions it accepts, such as `0W`), or threw.
 */
export type QuartzAnswer =
  | {
      readonly id: string;
      readonly kind: "fires";
      readonly next: readonly string[];
      readonly incomplete: string | undefined;
    }
  | { readonly id: string; readonly kind: "rejected"; readonly error: string };

export interface QuartzPeer {
  /** For logs: the java binary, its version and the jar. */
  readonly description: string;
  /**
   * Asks Quartz about every case in one JVM run; answers come back in the cases' order.
   * @example
   * const [answer] = await peer.nextFireTimes([
   *   { id: "a", expression: "0 30 2 * * ?", timeZone: "America/New_York", from: "2026-03-07T12:00:00Z", count: 2 },
   * ]);
   * // { id: "a", kind: "fires", next: ["2026-03-09T06:30:00.000Z", "2026-03-10T06:30:00.000Z"], incomplete: undefined }
   */
  nextFireTimes(cases: readonly QuartzCase[]): Promise<QuartzAnswer[]>;
  /**
   * The UTC offsets, in minutes, that `java.util.TimeZone` (the zone data Quartz computes
   * with) gives `timeZone` at each instant (epoch ms). One JVM run for all requests.
   */
  zoneOffsets(
    requests: readonly { readonly timeZone: string; readonly instants: readonly number[] }[],
  ): Promise<number[][]>;
}

export type QuartzLookup =
  | { readonly ok: true; readonly peer: QuartzPeer }
  | { readonly ok: false; readonly reason: string };

function tool(name: "java" | "javac"): string {
  const home = process.env.JAVA_HOME;
  return home ? join(home, "bin", name) : name;
}

/** The first line a `-version` run prints, or why the tool cannot run. */
function probe(binary: string): { ok: true; version: string } | { ok: false; reason: string } {
  const run = spawnSync(binary, ["-version"], { encoding: "utf8", timeout: 30_000 });
  if (run.error) {
    const code = (run.error as NodeJS.ErrnoException).code;
    return {
      ok: false,
      reason:
        code === "ENOENT"
          ? `${binary} was not found`
          : `${binary} -version failed: ${run.error.message}`,
    };
  }
  const text = `${run.stderr}${run.stdout}`.trim();
  if (run.status !== 0)
    return { ok: false, reason: `${binary} -version exited with ${run.status}: ${text}` };
  return { ok: true, version: text.split("\n")[0] ?? "" };
}

function mtime(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/**
 * Compiles QuartzNext.java unless its class file is at least as new. Vitest runs test
 * files in parallel processes, so classes are compiled into a private directory and moved
 * into place one by one, the main class last: a concurrent reader sees either the old
 * complete set or the new one.
 */
function compile(jar: string): { ok: true } | { ok: false; reason: string } {
  const target = join(BUILD_DIR, `${MAIN_CLASS}.class`);
  const built = mtime(target);
  const source = mtime(SOURCE);
  if (source === undefined) return { ok: false, reason: `${SOURCE} is missing` };
  if (built !== undefined && built >= source) return { ok: true };

  const javac = tool("javac");
  const found = probe(javac);
  if (!found.ok) return { ok: false, reason: `${found.reason} (needed to compile ${SOURCE})` };
  mkdirSync(BUILD_DIR, { recursive: true });
  const scratch = mkdtempSync(join(BUILD_DIR, "compile-"));
  try {
    const run = spawnSync(javac, ["-nowarn", "-d", scratch, "-cp", jar, SOURCE], {
      encoding: "utf8",
      timeout: 120_000,
    });
    if (run.error || run.status !== 0) {
      const output = `${run.stdout ?? ""}${run.stderr ?? ""}`.trim() || String(run.error);
      return {
        ok: false,
        reason: `${javac} (${found.version}) could not compile ${SOURCE}; it needs Java 17 or newer:\n${output}`,
      };
    }
    const classes = readdirSync(scratch).filter((f) => f.endsWith(".class"));
    classes.sort(
      (a, b) => Number(a === `${MAIN_CLASS}.class`) - Number(b === `${MAIN_CLASS}.class`),
    );
    for (const file of classes) renameSync(join(scratch, file), join(BUILD_DIR, file));
    return { ok: true };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Finds java, the Quartz jar and (when QuartzNext needs compiling) javac, compiling as
 * needed. Synchronous, so a test file can decide at collection time whether to skip.
 */
export function findQuartz(): QuartzLookup {
  const jar = process.env.QUARTZ_JAR ?? DEFAULT_JAR;
  if (!existsSync(jar)) {
    return {
      ok: false,
      reason: `the Quartz jar ${jar} is missing (set QUARTZ_JAR, or ${INSTALL_HINT})`,
    };
  }
  const java = tool("java");
  const found = probe(java);
  if (!found.ok) return { ok: false, reason: `${found.reason} (${INSTALL_HINT})` };
  const compiled = compile(jar);
  if (!compiled.ok) return { ok: false, reason: `${compiled.reason}\n(${INSTALL_HINT})` };
  const classpath = [BUILD_DIR, jar].join(delimiter);
  return {
    ok: true,
    peer: {
      description: `${java} (${found.version}) with ${jar}`,
      nextFireTimes: async (cases) => {
        const lines = await runJava(
          java,
          classpath,
          cases.map((c) => JSON.stringify(c)),
        );
        return lines.map((line, i) => toAnswer(line, cases[i]!.id));
      },
      zoneOffsets: async (requests) => {
        const lines = await runJava(
          java,
          classpath,
          requests.map((r, i) =>
            JSON.stringify({
              offsets: true,
              id: String(i),
              timeZone: r.timeZone,
              instants: r.instants,
            }),
          ),
        );
        return lines.map((line, i) => {
          const parsed = JSON.parse(line) as {
            id?: string;
            offsets?: number[];
            inputError?: string;
          };
          if (parsed.id !== String(i) || !Array.isArray(parsed.offsets)) {
            throw new Error(`QuartzNext answered offsets request ${i} with ${line}`);
          }
          return parsed.offsets;
        });
      },
    },
  };
}

function toAnswer(line: string, id: string): QuartzAnswer {
  const parsed = JSON.parse(line) as {
    id?: string;
    next?: string[];
    hung?: boolean;
    thrown?: string;
    error?: string;
    inputError?: string;
  };
  // An input error is a bug in the caller, not something Quartz said; never compare it.
  if (parsed.inputError !== undefined)
    throw new Error(`QuartzNext refused case ${id}: ${parsed.inputError}`);
  if (parsed.id !== id)
    throw new Error(`QuartzNext answered case ${id} with a line for ${parsed.id}`);
  if (parsed.error !== undefined) return { id, kind: "rejected", error: parsed.error };
  if (!Array.isArray(parsed.next)) throw new Error(`QuartzNext answered case ${id} with ${line}`);
  const incomplete = parsed.hung
    ? "getTimeAfter did not return within QuartzNext's watchdog"
    : parsed.thrown === undefined
      ? undefined
      : `getTimeAfter threw ${parsed.thrown}`;
  return { id, kind: "fires", next: parsed.next, incomplete };
}

/** Feeds JSON Lines to one QuartzNext run and returns its output lines, one per input. */
function runJava(java: string, classpath: string, input: readonly string[]): Promise<string[]> {
  // C1 only and the serial collector: a short batch run is dominated by JVM warm-up.
  const args = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", classpath, MAIN_CLASS];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(java, args, { stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      const stderr = Buffer.concat(err).toString("utf8").trim();
      if (code !== 0) {
        reject(new Error(`QuartzNext exited with ${code ?? signal}${stderr ? `: ${stderr}` : ""}`));
        return;
      }
      const lines = Buffer.concat(out)
        .toString("utf8")
        .split("\n")
        .filter((l) => l !== "");
      if (lines.length !== input.length) {
        reject(
          new Error(
            `QuartzNext answered ${lines.length} of ${input.length} lines${stderr ? `: ${stderr}` : ""}`,
          ),
        );
        return;
      }
      resolvePromise(lines);
    });
    // A closed pipe shows up as the exit code above, with Java's own message on stderr.
    child.stdin.on("error", () => {});
    child.stdin.end(input.length === 0 ? "" : `${input.join("\n")}\n`);
  });
}

/**
 * The peer for a test file, under the project's rule for real peers: when Quartz cannot be
 * run, the file's tests are skipped with a loud message, except under CI (`CI=true`), where
 * a failing test is registered instead, so that a green CI run always means Quartz was
 * really asked.
 */
export function quartzForTests(): QuartzPeer | undefined {
  const lookup = findQuartz();
  if (lookup.ok) return lookup.peer;
  if (process.env.CI === "true") {
    test("Quartz peer is available (required under CI=true)", () => {
      throw new Error(`Quartz cannot be run: ${lookup.reason}`);
    });
  } else {
    const bar = "!".repeat(78);
    console.warn(`\n${bar}\nSKIPPING the Quartz differential tests: ${lookup.reason}\n${bar}\n`);
  }
  return undefined;
}
