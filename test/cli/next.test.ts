import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { type CliResult, spawnSundial } from "../helpers/cli.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const NOW = Date.parse("2026-11-21T12:00:00Z");

class Sink extends Writable {
  text = "";
  override _write(chunk: Buffer | string, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

type Result = CliResult;

/** Runs `sundial <args>` in-process, with a fixed clock and an empty environment. */
async function run(
  args: string[],
  options: { stdin?: string | Readable; env?: Record<string, string> } = {},
): Promise<Result> {
  const stdout = new Sink();
  const stderr = new Sink();
  const stdin =
    options.stdin instanceof Readable ? options.stdin : Readable.from([options.stdin ?? ""]);
  const code = await main(args, { stdin, stdout, stderr, env: options.env ?? {}, now: () => NOW });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

const lines = (text: string): string[] => text.split("\n").filter((line) => line !== "");
/** The fire lines of human output: everything after the description line. */
const fireLines = (text: string): string[] => lines(text).slice(1);

describe("sundial (in-process)", () => {
  it("prints the command list for --help and help, and exits 0", async () => {
    for (const args of [["--help"], ["-h"], ["help"]]) {
      const result = await run(args);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain("Usage: sundial <command>");
      expect(result.stdout).toMatch(/^ {2}next +Print the next fire times/m);
    }
  });

  it("prints the command list on stderr and exits 2 when no command is given", async () => {
    const result = await run([]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("Usage: sundial <command>");
  });

  it("prints the version from package.json", async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    for (const flag of ["--version", "-v"]) {
      expect(await run([flag])).toEqual({ code: 0, stdout: `${version}\n`, stderr: "" });
    }
  });

  it("suggests the nearest command for an unknown one, and exits 2", async () => {
    const result = await run(["nxt", "@daily"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('sundial: unknown command "nxt". Did you mean "next"?');
    expect((await run(["help", "nope"])).code).toBe(2);
    expect((await run(["--json"])).stderr).toContain("unknown option --json");
  });

  it("shows the next command's help, with examples, however it is asked for", async () => {
    const help = (await run(["next", "--help"])).stdout;
    expect(help).toContain("Usage: sundial next <expression> [options]");
    for (const example of [
      'sundial next "0 0 6 ? * MON-FRI" --tz Europe/London',
      'sundial next "*/15 * * * *"',
      'sundial next "hour=8-17; minute=*/30; dayOfWeek=Mon-Fri"',
      "sundial next --every 2 --unit hours --anchor",
      "sundial next --at 2026-12-24T18:00",
      "--dst quartz",
      "sundial next --batch",
    ]) {
      expect(help).toContain(example);
    }
    expect((await run(["help", "next"])).stdout).toBe(help);
    expect(await run(["next", "@daily", "--bogus", "-h"])).toEqual({
      code: 0,
      stdout: help,
      stderr: "",
    });
  });
});

describe("sundial next (in-process)", () => {
  it("prints each fire as a UTC instant beside its wall time in the zone", async () => {
    const result = await run([
      "next",
      "0 0 6 ? * MON-FRI",
      "--tz",
      "Europe/London",
      "--from",
      "2026-11-20T12:00:00Z",
      "--count",
      "3",
    ]);
    expect(result).toEqual({
      code: 0,
      stdout: [
        "At 06:00, Monday through Friday, Europe/London",
        "2026-11-23T06:00:00.000Z  Mon 2026-11-23 06:00:00 +00:00 GMT",
        "2026-11-24T06:00:00.000Z  Tue 2026-11-24 06:00:00 +00:00 GMT",
        "2026-11-25T06:00:00.000Z  Wed 2026-11-25 06:00:00 +00:00 GMT",
        "",
      ].join("\n"),
      stderr: "",
    });
  });

  it("counts from now by default, and prints 5 fires", async () => {
    const result = await run(["next", "0 0 * * *"]);
    expect(lines(result.stdout)[0]).toBe("At 00:00, UTC");
    expect(fireLines(result.stdout).map((line) => line.slice(0, 24))).toEqual([
      "2026-11-22T00:00:00.000Z",
      "2026-11-23T00:00:00.000Z",
      "2026-11-24T00:00:00.000Z",
      "2026-11-25T00:00:00.000Z",
      "2026-11-26T00:00:00.000Z",
    ]);
  });

  it("prints JSON with --json", async () => {
    const result = await run(["next", "0 0 6 ? * MON-FRI", "--json", "-n", "2"]);
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.stdout);
    expect(parsed).toMatchObject({
      expression: "0 0 6 ? * MON-FRI",
      type: "cron",
      timeZone: "UTC",
      next: ["2026-11-23T06:00:00.000Z", "2026-11-24T06:00:00.000Z"],
    });
    expect(lines(result.stdout)).toHaveLength(1);
  });

  it("reads a calendar expression, with wall times in the zone", async () => {
    const result = await run([
      "next",
      "hour=8-17; minute=*/30; dayOfWeek=Mon-Fri",
      "--tz",
      "America/New_York",
      "--from",
      "2026-11-20T22:00:00Z",
      "-n",
      "3",
      "--json",
    ]);
    expect(JSON.parse(result.stdout)).toMatchObject({
      type: "calendar",
      timeZone: "America/New_York",
      next: ["2026-11-20T22:30:00.000Z", "2026-11-23T13:00:00.000Z", "2026-11-23T13:30:00.000Z"],
    });
  });

  it("follows the DST policy across New York's spring-forward and fall-back", async () => {
    const fires = async (expression: string, from: string, extra: string[] = []) => {
      const args = ["next", expression, "--tz", "America/New_York", "--from", from, "-n", "3"];
      const result = await run([...args, ...extra]);
      expect(result.code).toBe(0);
      return fireLines(result.stdout);
    };
    // 02:30 does not exist on 8 March 2026: by default it fires at 03:30 EDT instead.
    expect(await fires("0 30 2 * * ?", "2026-03-07")).toEqual([
      "2026-03-07T07:30:00.000Z  Sat 2026-03-07 02:30:00 -05:00 EST",
      "2026-03-08T07:30:00.000Z  Sun 2026-03-08 03:30:00 -04:00 EDT",
      "2026-03-09T06:30:00.000Z  Mon 2026-03-09 02:30:00 -04:00 EDT",
    ]);
    // Quartz skips it.
    expect(await fires("0 30 2 * * ?", "2026-03-07", ["--dst", "quartz"])).toEqual([
      "2026-03-07T07:30:00.000Z  Sat 2026-03-07 02:30:00 -05:00 EST",
      "2026-03-09T06:30:00.000Z  Mon 2026-03-09 02:30:00 -04:00 EDT",
      "2026-03-10T06:30:00.000Z  Tue 2026-03-10 02:30:00 -04:00 EDT",
    ]);
    // 01:30 happens twice on 1 November 2026: first (EDT) by default, second (EST) for Quartz.
    expect(await fires("0 30 1 * * ?", "2026-11-01")).toEqual([
      "2026-11-01T05:30:00.000Z  Sun 2026-11-01 01:30:00 -04:00 EDT",
      "2026-11-02T06:30:00.000Z  Mon 2026-11-02 01:30:00 -05:00 EST",
      "2026-11-03T06:30:00.000Z  Tue 2026-11-03 01:30:00 -05:00 EST",
    ]);
    expect((await fires("0 30 1 * * ?", "2026-11-01", ["--dst", "quartz"]))[0]).toBe(
      "2026-11-01T06:30:00.000Z  Sun 2026-11-01 01:30:00 -05:00 EST",
    );
    expect(await fires("0 30 1 * * ?", "2026-11-01", ["--dst", "gap=skip,overlap=both"])).toEqual([
      "2026-11-01T05:30:00.000Z  Sun 2026-11-01 01:30:00 -04:00 EDT",
      "2026-11-01T06:30:00.000Z  Sun 2026-11-01 01:30:00 -05:00 EST",
      "2026-11-02T06:30:00.000Z  Mon 2026-11-02 01:30:00 -05:00 EST",
    ]);
  });

  it("builds interval triggers from --every, --unit and --anchor", async () => {
    const result = await run([
      "next",
      ...["--every", "2", "--unit", "hour", "--anchor", "2026-01-05T09:00"],
      ...["--tz", "Europe/Paris", "--from", "2026-01-05T12:00", "-n", "2", "--json"],
    ]);
    expect(JSON.parse(result.stdout)).toEqual({
      every: 2,
      unit: "hours",
      anchor: "2026-01-05T08:00:00.000Z",
      type: "interval",
      timeZone: "Europe/Paris",
      description: "Every 2 hours, Europe/Paris",
      next: ["2026-01-05T12:00:00.000Z", "2026-01-05T14:00:00.000Z"],
    });
  });

  it("anchors an interval at --from when --anchor is left out", async () => {
    const result = await run(["next", "--every", "90", "--unit", "minutes", "-n", "2"]);
    expect(fireLines(result.stdout).map((line) => line.slice(0, 24))).toEqual([
      "2026-11-21T13:30:00.000Z",
      "2026-11-21T15:00:00.000Z",
    ]);
  });

  it("builds once triggers from --at, and says on stderr when fires run out", async () => {
    const result = await run([...["next", "--at", "2026-12-24T18:00", "--tz", "Europe/Berlin"]]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      "Once, at 2026-12-24 18:00:00, Europe/Berlin\n2026-12-24T17:00:00.000Z  Thu 2026-12-24 18:00:00 +01:00 CET\n",
    );
    expect(result.stderr).toBe(
      "sundial next: 1 of 5 fires; the trigger has no more after 2026-12-24T17:00:00.000Z\n",
    );
  });

  it("reports an invalid expression as one line, no stack, exit 2", async () => {
    const result = await run(["next", "0 0 6 ? * 8"]);
    expect(result).toEqual({
      code: 2,
      stdout: "",
      stderr: 'sundial next: day-of-week: "8" is out of range 1-7 (SUN-SAT)\n',
    });
  });

  it("names the flag in errors about flag values", async () => {
    const cases: [string[], string][] = [
      [["--tz", "Mars/Olympus"], 'sundial next: --tz: "Mars/Olympus" is not an IANA time zone'],
      [["--from", "yesterday"], 'sundial next: --from: "yesterday" is not an ISO 8601 date-time'],
      [["--dst", "gap=jump"], 'sundial next: --dst gap: "jump" is not one of shift, skip'],
      [["--dst", "sometimes"], 'sundial next: --dst: "sometimes" is not a DST policy'],
      [["--type", "quartz"], 'sundial next: --type: "quartz" is not one of cron, unix'],
      [["--type", "once"], "sundial next: --type once does not go with an expression"],
    ];
    for (const [flags, message] of cases) {
      const result = await run(["next", "0 0 6 * * ?", ...flags]);
      expect(result.code, flags.join(" ")).toBe(2);
      expect(result.stderr.startsWith(message), result.stderr).toBe(true);
      expect(result.stderr).not.toMatch(/^\s+at /m);
    }
  });

  it("rejects bad flags with a message naming the flag and exit 2", async () => {
    const cases: [string[], string][] = [
      [["@daily", "--count", "0"], '--count: "0" is not a whole number from 1 to 10000'],
      [["@daily", "-n", "10001"], '--count: "10001" is not a whole number from 1 to 10000'],
      [["@daily", "--count", "2.5"], '--count: "2.5" is not a whole number from 1 to 10000'],
      [["@daily", "--count", "-3"], '--count: "-3" is not a whole number from 1 to 10000'],
      [["@daily", "--count"], "--count needs a value (N)"],
      [["@daily", "--tz", "--json"], "--tz needs a value (ZONE)"],
      [["@daily", "--cont", "3"], "unknown flag --cont; did you mean --count?"],
      [["@daily", "--json=yes"], '--json takes no value (got "yes")'],
      [["@daily", "--tz", "UTC", "--tz", "UTC"], "--tz is given more than once"],
      [["0", "0", "6", "*", "*"], "expected one expression but got 5 arguments; quote"],
      [[], "give an expression"],
      [["@daily", "--at", "2026-12-24"], "give one of an expression, --every or --at"],
      [["--every", "2"], "--every needs --unit"],
      [["--every", "0", "--unit", "days"], '--every: "0" is not a whole number of at least 1'],
      [["--every", "1", "--unit", "fortnights"], '--unit: "fortnights" is not one of seconds'],
      [["@daily", "--anchor", "2026-01-01"], "--anchor goes with --every"],
      [["--batch", "@daily"], "--batch reads every trigger from stdin; leave out the expression"],
      [["--batch", "--count", "3"], "--batch reads every trigger from stdin; leave out --count"],
    ];
    for (const [args, message] of cases) {
      const result = await run(["next", ...args]);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stdout).toBe("");
      expect(result.stderr, args.join(" ")).toMatch(
        /^sundial next: [^\n]+\nRun "sundial next --help" for its options\.\n$/,
      );
      expect(result.stderr, args.join(" ")).toContain(message);
    }
  });

  it("reports an unexpected failure in one line and exit 1, with the stack only when asked", async () => {
    const failing = () =>
      new Readable({
        read() {
          this.destroy(new Error("disk on fire"));
        },
      });
    const quiet = await run(["next", "--batch"], { stdin: failing() });
    expect(quiet.code).toBe(1);
    expect(quiet.stderr).toContain("sundial next: unexpected error: disk on fire");
    expect(quiet.stderr).toContain("SUNDIAL_DEBUG=1");
    expect(quiet.stderr).not.toMatch(/^\s+at /m);

    const debug = await run(["next", "--batch"], {
      stdin: failing(),
      env: { SUNDIAL_DEBUG: "1" },
    });
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/^\s+at /m);
  });
});

describe("sundial next --batch (in-process)", () => {
  const FROM = "2026-01-01T00:00:00Z";

  it("answers every line in order: fires, bad JSON, missing fields, invalid triggers", async () => {
    const input = [
      JSON.stringify({ id: 1, expression: "0 0 6 ? * MON-FRI", from: FROM, count: 2 }),
      "{not json",
      "",
      JSON.stringify({ id: "b", expression: "0 0 6 ? * 8", from: FROM, count: 1 }),
      JSON.stringify({ id: 3, from: FROM, count: 1 }),
      JSON.stringify({ expression: "@daily", from: FROM, count: 1 }),
      JSON.stringify({ id: 5, expression: "@daily", count: 1 }),
      JSON.stringify({ id: 6, expression: "@daily", from: FROM, count: 0 }),
      JSON.stringify({
        id: 7,
        expression: "@daily",
        timeZone: "Nowhere/Land",
        from: FROM,
        count: 1,
      }),
      "[1, 2]",
      JSON.stringify({
        id: 9,
        expression: "0 30 2 * * ?",
        timeZone: "America/New_York",
        dst: "quartz",
        from: "2026-03-07",
        count: 2,
      }),
      JSON.stringify({
        id: 10,
        expression: "0 30 2 * * ?",
        timeZone: "America/New_York",
        dst: { gap: "shift" },
        from: "2026-03-07",
        count: 2,
      }),
      JSON.stringify({ id: 11, expression: "0 0 6 ? * MON-FRI", from: "2026-01-05", count: 1 }),
    ].join("\n");
    const result = await run(["next", "--batch"], { stdin: `${input}\n` });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    const out = lines(result.stdout).map((line) => JSON.parse(line));
    expect(out).toEqual([
      { id: 1, next: ["2026-01-01T06:00:00.000Z", "2026-01-02T06:00:00.000Z"] },
      {
        id: null,
        error: { code: "badRequest", message: expect.stringContaining("line 2: not valid JSON") },
      },
      {
        id: "b",
        error: {
          code: "invalidTrigger",
          message: 'day-of-week: "8" is out of range 1-7 (SUN-SAT)',
        },
      },
      {
        id: 3,
        error: { code: "badRequest", message: expect.stringContaining("expression is missing") },
      },
      {
        id: null,
        error: { code: "badRequest", message: expect.stringContaining("line 6: id is missing") },
      },
      { id: 5, error: { code: "badRequest", message: expect.stringContaining("from is missing") } },
      { id: 6, error: { code: "badRequest", message: expect.stringContaining("count is 0") } },
      {
        id: 7,
        error: { code: "invalidTimeZone", message: expect.stringContaining("Nowhere/Land") },
      },
      {
        id: null,
        error: { code: "badRequest", message: expect.stringContaining("must be a JSON object") },
      },
      { id: 9, next: ["2026-03-07T07:30:00.000Z", "2026-03-09T06:30:00.000Z"] },
      { id: 10, next: ["2026-03-07T07:30:00.000Z", "2026-03-08T07:30:00.000Z"] },
      { id: 11, next: ["2026-01-05T06:00:00.000Z"] },
    ]);
  });

  it("answers interval and once requests too", async () => {
    const input = [
      { id: "i", every: 90, unit: "minutes", anchor: FROM, from: FROM, count: 2 },
      { id: "o", at: "2026-06-01T12:00:00+02:00", from: FROM, count: 3 },
    ]
      .map((request) => JSON.stringify(request))
      .join("\n");
    const out = lines((await run(["next", "--batch"], { stdin: input })).stdout);
    expect(out.map((line) => JSON.parse(line))).toEqual([
      { id: "i", next: ["2026-01-01T01:30:00.000Z", "2026-01-01T03:00:00.000Z"] },
      { id: "o", next: ["2026-06-01T10:00:00.000Z"] },
    ]);
  });

  it("gives the same answer to a repeated expression, whether parsed or cached", async () => {
    const request = (id: number, from: string) =>
      JSON.stringify({
        id,
        expression: "0 15 10 ? * 6L",
        timeZone: "Europe/London",
        from,
        count: 1,
      });
    const input = [request(1, FROM), request(2, "2026-02-01"), request(3, FROM)].join("\n");
    const out = lines((await run(["next", "--batch"], { stdin: input })).stdout).map((line) =>
      JSON.parse(line),
    );
    expect(out[0].next).toEqual(out[2].next);
    expect(out[1].next).not.toEqual(out[0].next);
  });

  it("writes nothing and exits 0 for an empty stdin", async () => {
    expect(await run(["next", "--batch"], { stdin: "" })).toEqual({
      code: 0,
      stdout: "",
      stderr: "",
    });
  });
});

/** Runs the real `sundial` program, as a user would, in `cwd`. */
function runSundial(args: string[], cwd: string, stdin = ""): Promise<CliResult> {
  return spawnSundial(args, { cwd, stdin });
}

describe("sundial (the real command)", () => {
  let cwd: string;

  beforeAll(() => {
    if (!existsSync(join(ROOT, "dist", "cli", "main.js"))) {
      execFileSync("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: ROOT, stdio: "inherit" });
    }
    cwd = mkdtempSync(join(tmpdir(), "sundial-cli-"));
    // A cold TypeScript build on a busy machine can outlast the default hook timeout.
  }, 180_000);

  afterAll(() => {
    rmSync(cwd, { recursive: true, force: true });
  });

  it("prints its version and help", async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    expect(await runSundial(["--version"], cwd)).toEqual({
      code: 0,
      stdout: `${version}\n`,
      stderr: "",
    });
    const help = await runSundial(["next", "--help"], cwd);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: sundial next");
  });

  it("prints fire times and exits 0", async () => {
    const result = await runSundial(
      ["next", "0 0 6 ? * MON-FRI", "--tz", "Europe/London", "--from", "2026-11-20T12:00:00Z"],
      cwd,
    );
    expect(result.code).toBe(0);
    expect(lines(result.stdout)[0]).toBe("At 06:00, Monday through Friday, Europe/London");
    expect(fireLines(result.stdout)[0]).toBe(
      "2026-11-23T06:00:00.000Z  Mon 2026-11-23 06:00:00 +00:00 GMT",
    );
    expect(fireLines(result.stdout)).toHaveLength(5);
  });

  it("exits 2 with one line of advice for a mistake, never a stack", async () => {
    const result = await runSundial(["next", "0 0 6 ? * 8"], cwd);
    expect(result).toEqual({
      code: 2,
      stdout: "",
      stderr: 'sundial next: day-of-week: "8" is out of range 1-7 (SUN-SAT)\n',
    });
    const flag = await runSundial(["next", "@daily", "--count", "many"], cwd);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('sundial next: --count: "many" is not a whole number');
    expect((await runSundial(["frobnicate"], cwd)).code).toBe(2);
  });

  it("answers a batch of 10,000 lines, one answer per line, in order", async () => {
    const expressions = ["0 0 6 ? * MON-FRI", "*/15 * * * *", "0 30 2 * * ?", "@hourly"];
    const requests: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      if (i % 997 === 0) {
        requests.push(`{"id": ${i}, broken`);
      } else if (i % 101 === 0) {
        requests.push(
          JSON.stringify({ id: i, expression: "0 0 25 * * ?", from: "2026-01-01", count: 1 }),
        );
      } else {
        requests.push(
          JSON.stringify({
            id: i,
            expression: expressions[i % expressions.length],
            timeZone: i % 2 === 0 ? "America/New_York" : "Europe/London",
            from: new Date(Date.UTC(2026, 0, 1) + i * 3_600_000).toISOString(),
            count: 3,
          }),
        );
      }
    }
    const result = await runSundial(["next", "--batch"], cwd, `${requests.join("\n")}\n`);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    const out = lines(result.stdout);
    expect(out).toHaveLength(10_000);
    out.forEach((line, i) => {
      const answer = JSON.parse(line);
      if (i % 997 === 0) {
        expect(answer).toEqual({
          id: null,
          error: { code: "badRequest", message: expect.stringContaining(`line ${i + 1}:`) },
        });
      } else if (i % 101 === 0) {
        expect(answer.id).toBe(i);
        expect(answer.error.code).toBe("invalidTrigger");
      } else {
        expect(answer.id).toBe(i);
        expect(answer.next).toHaveLength(3);
        for (const fire of answer.next)
          expect(fire).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      }
    });
  });
});
