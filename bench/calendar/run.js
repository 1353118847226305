/**
 * Sundial's calendar engine against croner and cron-parser, all measured in this one run.
 *
 * Run:  npm run bench                 (builds dist/, then runs this file; about a minute)
 *       node bench/calendar/run.js    (when dist/ is already built)
 *       BENCH_ROUNDS=3 npm run bench  (fewer timing rounds, for a quicker look)
 *
 * Read: three measurements, each printed as Sundial's figure, each peer's, and the ratio
 * Sundial/peer (above 1 means Sundial is better: faster, or smaller):
 * 1. next fire: for every expression of corpus.js, in UTC and in Europe/London, parse once
 *    and compute the same sequence of successive fires with each library; fires per
 *    second, the median of the rounds. In UTC the three sequences are checked to agree
 *    first, and a warning names the first instant where one differs.
 * 2. parse: microseconds per parse of one corpus spec (expression + zone), the median.
 * 3. memory: heap bytes held per parsed trigger, from heapUsed after a full GC before and
 *    after parsing many varied expressions and keeping every result; measured in a child
 *    process per library (this file with --memory), so that no other heap disturbs it.
 * The rounds interleave the libraries, in an order that rotates, so a busy neighbour
 * slows them all alike rather than the one that happened to be running.
 */
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { CronExpressionParser } from "cron-parser";
import { Cron } from "croner";
import { parseTrigger } from "../../dist/index.js";
import { CORPUS, FIRES, START, variedExpression, ZONES } from "./corpus.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) {
  throw new Error(`BENCH_ROUNDS=${process.env.BENCH_ROUNDS}: give a whole number of rounds ≥ 1`);
}
/** Sundial runs a sequence in about a millisecond; shorter samples would mostly be timer noise. */
const MIN_SAMPLE_MS = 10;
/** Long enough that a sample includes the young-generation GCs that parsing causes. */
const PARSE_SAMPLE_MS = 50;
/**
 * Triggers per memory measurement. croner keeps a 10,000-entry array of years in every
 * pattern (about 80 KB), so 100,000 of them would not fit a default heap; cron-parser
 * parses slowly enough that 100,000 would take most of the run's budget.
 */
const MEMORY_COUNT = { sundial: 100_000, croner: 2_000, cronParser: 20_000 };
const TARGETS = { croner: 2, parseUs: 20, bytes: 2048 };

/**
 * One adapter per library: `parse` builds the object that answers "next fire", `run`
 * computes `n` successive fires from START with the library's own API for that, storing
 * them in `out` when given, and returns how many it found.
 */
const LIBRARIES = {
  sundial: {
    name: "sundial",
    parse: (expression, timeZone) => parseTrigger({ expression, timeZone }),
    run(trigger, n, out) {
      let t = START;
      for (let i = 0; i < n; i++) {
        const fire = trigger.nextMs(t);
        if (fire === undefined) return i;
        if (out !== undefined) out[i] = fire;
        t = fire;
      }
      return n;
    },
  },
  // The same trigger through the Date API, which is what the peers offer.
  sundialDate: {
    name: "sundial next()",
    parse: (expression, timeZone) => parseTrigger({ expression, timeZone }),
    run(trigger, n, out) {
      let d = new Date(START);
      for (let i = 0; i < n; i++) {
        d = trigger.next(d);
        if (d === null) return i;
        if (out !== undefined) out[i] = d.getTime();
      }
      return n;
    },
  },
  croner: {
    name: "croner",
    // croner's `timezone: "UTC"` goes through Intl on every step and is 3-7× slower than
    // `utcOffset: 0`, which means the same; the peer gets its faster form.
    parse: (expression, timeZone) =>
      new Cron(
        expression,
        timeZone === "UTC" ? { paused: true, utcOffset: 0 } : { paused: true, timezone: timeZone },
      ),
    run(cron, n, out) {
      let d = new Date(START);
      for (let i = 0; i < n; i++) {
        d = cron.nextRun(d);
        if (d === null) return i;
        if (out !== undefined) out[i] = d.getTime();
      }
      return n;
    },
  },
  cronParser: {
    name: "cron-parser",
    parse: (expression, timeZone) =>
      CronExpressionParser.parse(expression, { tz: timeZone, currentDate: START }),
    run(expression, n, out) {
      for (let i = 0; i < n; i++) {
        const t = expression.next().getTime();
        if (out !== undefined) out[i] = t;
      }
      return n;
    },
  },
};
const PEERS = ["croner", "cronParser"];
const TIMED = ["sundial", "sundialDate", ...PEERS];

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const rotate = (xs, k) => xs.map((_, i) => xs[(i + k) % xs.length]);
const firesOf = (entry) => entry.fires ?? FIRES;

/** A sequence's fires, timed once: the warm-up, the agreement check and the calibration. */
function firstPass(lib, entry, zone) {
  const n = firesOf(entry);
  const out = new Float64Array(n);
  const object = lib.parse(entry.expression, zone);
  let found;
  let error;
  const t0 = performance.now();
  try {
    found = lib.run(object, n, out);
  } catch (e) {
    error = e;
    found = 0;
  }
  const ms = performance.now() - t0;
  return { fires: out.subarray(0, found), ms, error };
}

/** Milliseconds for one sequence, averaged over `reps` fresh objects parsed beforehand. */
function sample(lib, entry, zone, reps) {
  const n = firesOf(entry);
  const objects = [];
  for (let i = 0; i < reps; i++) objects.push(lib.parse(entry.expression, zone));
  const t0 = performance.now();
  for (const object of objects) lib.run(object, n, undefined);
  return (performance.now() - t0) / reps;
}

const iso = (ms) => (ms === undefined ? "(none)" : new Date(ms).toISOString());

function disagreement(reference, other) {
  const n = Math.max(reference.length, other.length);
  for (let i = 0; i < n; i++) {
    if (reference[i] !== other[i]) return { index: i, ours: reference[i], theirs: other[i] };
  }
  return undefined;
}

function measureNextFire(warnings) {
  const rows = Object.fromEntries(ZONES.map((zone) => [zone, []]));

  for (const zone of ZONES) {
    for (const entry of CORPUS) {
      const expected = firesOf(entry);
      const row = { entry, timed: true, reps: {}, ms: {} };
      const passes = {};
      for (const lib of TIMED) {
        const { name } = LIBRARIES[lib];
        const pass = firstPass(LIBRARIES[lib], entry, zone);
        passes[lib] = pass;
        // A shorter sequence would be a different benchmark, so such a row is not timed.
        if (pass.error !== undefined || pass.fires.length !== expected) {
          row.timed = false;
          const what = pass.error ?? `${pass.fires.length} of ${expected} fires`;
          warnings.push(`${zone} "${entry.expression}": ${name} gave ${what}; row not timed`);
          continue;
        }
        // A short first pass is mostly start-up cost: time a warm one to calibrate.
        const ms = pass.ms < MIN_SAMPLE_MS ? sample(LIBRARIES[lib], entry, zone, 1) : pass.ms;
        row.reps[lib] = Math.min(1000, Math.max(1, Math.ceil(MIN_SAMPLE_MS / ms)));
        row.ms[lib] = [];
      }
      rows[zone].push(row);
      // Libraries resolve DST gaps and overlaps differently by design; compare in UTC only.
      if (zone !== "UTC") continue;
      for (const lib of ["sundialDate", ...PEERS]) {
        const diff = disagreement(passes.sundial.fires, passes[lib].fires);
        if (diff === undefined) continue;
        const { name } = LIBRARIES[lib];
        warnings.push(
          `UTC "${entry.expression}": ${name} differs from sundial at fire #${diff.index + 1}: ` +
            `sundial ${iso(diff.ours)}, ${name} ${iso(diff.theirs)}`,
        );
      }
    }
  }

  for (let round = 0; round < ROUNDS; round++) {
    for (const zone of ZONES) {
      for (const row of rows[zone]) {
        if (!row.timed) continue;
        for (const lib of rotate(TIMED, round)) {
          row.ms[lib].push(sample(LIBRARIES[lib], row.entry, zone, row.reps[lib]));
        }
      }
    }
  }

  const result = {};
  for (const zone of ZONES) {
    result[zone] = rows[zone].map((row) => ({
      expression: row.entry.expression,
      fires: firesOf(row.entry),
      ms: row.timed ? Object.fromEntries(TIMED.map((lib) => [lib, median(row.ms[lib])])) : null,
    }));
  }
  return result;
}

function measureParse() {
  const specs = ZONES.flatMap((zone) => CORPUS.map((entry) => [entry.expression, zone]));
  const libs = ["sundial", ...PEERS];
  const reps = {};
  const parseAll = (lib, times) => {
    const { parse } = LIBRARIES[lib];
    let last;
    const t0 = performance.now();
    for (let r = 0; r < times; r++) {
      for (const [expression, zone] of specs) last = parse(expression, zone);
    }
    const ms = performance.now() - t0;
    if (last === undefined) throw new Error("unreachable: keeps the parse result observable");
    return (ms * 1000) / (times * specs.length);
  };
  for (const lib of libs) {
    parseAll(lib, 20); // warm-up
    const us = parseAll(lib, 5);
    reps[lib] = Math.max(1, Math.ceil((PARSE_SAMPLE_MS * 1000) / (us * specs.length)));
  }
  const samples = Object.fromEntries(libs.map((lib) => [lib, []]));
  // Parsing is cheap to time, so it gets more rounds than the fires do.
  for (let round = 0; round < Math.max(ROUNDS, 7); round++) {
    for (const lib of rotate(libs, round)) samples[lib].push(parseAll(lib, reps[lib]));
  }
  return Object.fromEntries(libs.map((lib) => [lib, median(samples[lib])]));
}

/** In a child started with --expose-gc: heap bytes per kept parse result. */
function memoryChild(lib) {
  const { parse } = LIBRARIES[lib];
  const count = MEMORY_COUNT[lib];
  const zoneOf = (i) => ZONES[i % ZONES.length];
  // Shared, once-per-process state (zone tables, formatters, compiled code) is not per trigger.
  for (let i = 0; i < 2000; i++) parse(variedExpression(i), zoneOf(i));
  // Flat copies, held by this function throughout, so the strings count against no library.
  const inputs = Array.from({ length: count }, (_, i) =>
    Buffer.from(variedExpression(i), "latin1").toString("latin1"),
  );
  const perTrigger = [];
  for (let run = 0; run < 3; run++) {
    const kept = new Array(count).fill(null);
    global.gc();
    global.gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < count; i++) kept[i] = parse(inputs[i], zoneOf(i));
    global.gc();
    global.gc();
    const after = process.memoryUsage().heapUsed;
    if (kept[count - 1] === null) throw new Error("unreachable: keeps the results alive");
    perTrigger.push((after - before) / count);
  }
  return { bytes: median(perTrigger), count };
}

/** The children run side by side: heap sizes do not depend on who else has the CPU. */
async function measureMemory() {
  const self = fileURLToPath(import.meta.url);
  const libs = ["sundial", ...PEERS];
  const outputs = await Promise.all(
    libs.map((lib) =>
      promisify(execFile)(process.execPath, ["--expose-gc", self, "--memory", lib], {
        encoding: "utf8",
      }),
    ),
  );
  return Object.fromEntries(libs.map((lib, i) => [lib, JSON.parse(outputs[i].stdout)]));
}

// ---- printing -------------------------------------------------------------------------

const sig3 = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const rate = (x) =>
  x >= 1e6 ? `${sig3(x / 1e6)}M` : x >= 1e3 ? `${sig3(x / 1e3)}k` : `${sig3(x)}`;
const ratio = (x) => `${x >= 10 ? x.toFixed(0) : x.toFixed(1)}×`;
const bytes = (x) => (x >= 10_240 ? `${(x / 1024).toFixed(0)} KB` : `${Math.round(x)} B`);
const table = (rows, align) => {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => (align[c] === "l" ? cell.padEnd(widths[c]) : cell.padStart(widths[c])))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
};

function printHeader() {
  const require = createRequire(import.meta.url);
  const version = (name) => require(`${name}/package.json`).version;
  const cpus = os.cpus();
  console.log(`Sundial calendar benchmark, ${new Date().toISOString()}`);
  console.log(
    `node ${process.version} (V8 ${process.versions.v8}), ${os.platform()} ${os.arch()}, ` +
      `${cpus[0]?.model.trim() ?? "unknown CPU"} × ${cpus.length}, ` +
      `${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, load ${os.loadavg()[0].toFixed(2)}`,
  );
  console.log(
    `sundial ${require("../../package.json").version}, croner ${version("croner")}, ` +
      `cron-parser ${version("cron-parser")}; ${ROUNDS} rounds, medians`,
  );
}

function printNextFire(result) {
  const summary = {};
  for (const zone of ZONES) {
    const rows = [["expression", "sundial", "croner", "cron-parser", "×croner", "×cron-parser"]];
    const totalMs = Object.fromEntries(TIMED.map((lib) => [lib, 0]));
    let totalFires = 0;
    let worst = { ratio: Number.POSITIVE_INFINITY, expression: "" };
    for (const { expression, fires, ms } of result[zone]) {
      if (ms === null) {
        rows.push([expression, "—", "—", "—", "", ""]);
        continue;
      }
      for (const lib of TIMED) totalMs[lib] += ms[lib];
      totalFires += fires;
      if (ms.croner / ms.sundial < worst.ratio)
        worst = { ratio: ms.croner / ms.sundial, expression };
      const perSecond = (lib) => rate((fires * 1000) / ms[lib]);
      rows.push([
        expression,
        perSecond("sundial"),
        perSecond("croner"),
        perSecond("cronParser"),
        ratio(ms.croner / ms.sundial),
        ratio(ms.cronParser / ms.sundial),
      ]);
    }
    const all = (lib) => rate((totalFires * 1000) / totalMs[lib]);
    const skipped = result[zone].some((row) => row.ms === null);
    rows.push([
      skipped ? "timed rows" : "whole corpus",
      all("sundial"),
      all("croner"),
      all("cronParser"),
      ratio(totalMs.croner / totalMs.sundial),
      ratio(totalMs.cronParser / totalMs.sundial),
    ]);
    console.log(
      `\nnext fire, ${zone}: fires/s over ${FIRES} successive fires from ${iso(START)}` +
        " (fewer where corpus.js says)",
    );
    console.log(table(rows, ["l", "r", "r", "r", "r", "r"]));
    console.log(
      `sundial through next() (a Date per fire, like the peers): ${all("sundialDate")} fires/s, ` +
        `${ratio(totalMs.croner / totalMs.sundialDate)} croner`,
    );
    summary[zone] = { corpus: totalMs.croner / totalMs.sundial, worst };
  }
  return summary;
}

function printParse(result) {
  console.log("\nparse: µs per spec (expression + zone), over the corpus in both zones");
  console.log(
    table(
      [
        ["sundial", "croner", "cron-parser", "×croner", "×cron-parser"],
        [
          sig3(result.sundial),
          sig3(result.croner),
          sig3(result.cronParser),
          ratio(result.croner / result.sundial),
          ratio(result.cronParser / result.sundial),
        ],
      ],
      ["r", "r", "r", "r", "r"],
    ),
  );
}

function printMemory(result) {
  console.log(
    "\nmemory: heap bytes per parsed trigger (varied expressions, half UTC, half London)",
  );
  console.log(
    table(
      [
        ["", "sundial", "croner", "cron-parser", "×croner", "×cron-parser"],
        [
          "bytes",
          bytes(result.sundial.bytes),
          bytes(result.croner.bytes),
          bytes(result.cronParser.bytes),
          ratio(result.croner.bytes / result.sundial.bytes),
          ratio(result.cronParser.bytes / result.sundial.bytes),
        ],
        [
          "triggers",
          String(result.sundial.count),
          String(result.croner.count),
          String(result.cronParser.count),
          "",
          "",
        ],
      ],
      ["l", "r", "r", "r", "r", "r"],
    ),
  );
}

function printTargets(next, parse, memory) {
  const verdict = (ok) => (ok ? "met" : "MISSED");
  console.log("\ntargets");
  const zones = ZONES.map(
    (zone) =>
      `${zone} ${ratio(next[zone].corpus)} (least ${ratio(next[zone].worst.ratio)}, "${next[zone].worst.expression}")`,
  ).join("; ");
  const nextOk = ZONES.every((zone) => next[zone].corpus >= TARGETS.croner);
  console.log(
    `  next fire ≥ ${TARGETS.croner}× croner over the corpus: ${zones}: ${verdict(nextOk)}`,
  );
  console.log(
    `  parse < ${TARGETS.parseUs} µs: ${sig3(parse.sundial)} µs: ${verdict(parse.sundial < TARGETS.parseUs)}`,
  );
  console.log(
    `  memory < ${bytes(TARGETS.bytes)} per trigger: ${bytes(memory.sundial.bytes)}: ` +
      verdict(memory.sundial.bytes < TARGETS.bytes),
  );
}

if (process.argv[2] === "--memory") {
  process.stdout.write(JSON.stringify(memoryChild(process.argv[3])));
} else {
  const began = performance.now();
  const cpuBefore = process.cpuUsage();
  const phases = [];
  const phase = (name, t0) =>
    phases.push(`${name} ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  printHeader();
  const warnings = [];
  let t0 = performance.now();
  const next = printNextFire(measureNextFire(warnings));
  phase("next fire", t0);
  for (const w of warnings) console.log(`warning: ${w}`);
  t0 = performance.now();
  const parse = measureParse();
  phase("parse", t0);
  printParse(parse);
  const cpu = process.cpuUsage(cpuBefore);
  const measuring = performance.now() - began;
  t0 = performance.now();
  const memory = await measureMemory();
  phase("memory", t0);
  printMemory(memory);
  printTargets(next, parse, memory);
  // Timing is single-threaded: well under 100% means other processes took the CPU for
  // part of the run, and the figures are noisier than usual.
  const share = ((cpu.user + cpu.system) / 1000 / measuring) * 100;
  console.log(
    `\n(${((performance.now() - began) / 1000).toFixed(0)} s: ${phases.join(", ")}; ` +
      `while timing, this process had a CPU ${share.toFixed(0)}% of the time)`,
  );
}
