/**
 * Exports against psql: rows of a PostgreSQL table written to a CSV file by Sundial's
 * export pipeline (the SQL source and the file writer a task uses), beside
 * `psql -c "\copy (query) to 'file' csv header"` on the same table in the same run.
 *
 * Run:  npm run bench:export                  (builds dist/, then runs this; ~2 min)
 *       BENCH_EXPORT_ONLY=speed npm run bench:export   (config.js lists every setting)
 *
 * Read: per variant, the median of its rounds: seconds, rows/s, and speed over psql's
 * (above 1: Sundial is faster); then the peak RSS of one process exporting 10 million rows.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import pg from "pg";
import { count, mib, ratio, seconds, table, verdict } from "../queue/report.js";
import { CONFIG, TARGETS } from "./config.js";

const run = promisify(execFile);
const CHILD = fileURLToPath(new URL("./child.js", import.meta.url));
const schema = `be_${Date.now().toString(36)}`;
const tmp = mkdtempSync(join(CONFIG.tmp, "sundial-bench-export-"));

/**
 * The exported table: a key, short and longer text (some with the delimiter, quotes or a
 * line break, which CSV must quote), a decimal, a timestamp, a boolean and some NULLs:
 * the kinds of columns a sales or user export has.
 */
async function fill(client, table, rows) {
  await client.query(`CREATE TABLE ${schema}.${table} (
    id bigint PRIMARY KEY, region text, customer text, amount numeric(12,2),
    sold_at timestamptz, paid boolean, note text)`);
  await client.query(
    `INSERT INTO ${schema}.${table}
     SELECT i, (ARRAY['north','south','east','west'])[1 + i % 4],
       'customer ' || i || CASE WHEN i % 50 = 0 THEN ', "key account"' ELSE '' END,
       (i % 100000) / 100.0,
       timestamptz '2026-01-01 00:00:00+00' + (i % 31536000) * interval '1 second',
       i % 3 <> 0,
       CASE WHEN i % 7 = 0 THEN NULL WHEN i % 1000 = 0 THEN E'two\nlines' ELSE 'ok' END
     FROM generate_series(1, $1) AS i`,
    [rows],
  );
  await client.query(`ANALYZE ${schema}.${table}`);
}

async function psqlCopy(query, file) {
  const started = performance.now();
  await run("psql", [
    CONFIG.databaseUrl,
    "-X",
    "-q",
    "-v",
    "ON_ERROR_STOP=1",
    "-c",
    `\\copy (${query}) to '${file}' csv header`,
  ]);
  return { ms: performance.now() - started, size: statSync(file).size };
}

async function sundialExport(query, zip) {
  const directory = mkdtempSync(join(tmp, "run-"));
  try {
    const { stdout } = await run(
      process.execPath,
      [CHILD, JSON.stringify({ url: CONFIG.databaseUrl, query, directory, zip })],
      { maxBuffer: 1 << 20 },
    );
    return JSON.parse(stdout.trim().split("\n").at(-1));
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

async function speed(client) {
  await fill(client, "sales", CONFIG.rows);
  const query = `SELECT * FROM ${schema}.sales ORDER BY id`;
  const variants = [
    { label: "psql \\copy (csv header)", time: () => psqlCopy(query, join(tmp, "psql.csv")) },
    { label: "sundial CSV", time: () => sundialExport(query, false) },
    { label: "sundial CSV + zip", time: () => sundialExport(query, true) },
  ];
  const samples = variants.map(() => []);
  const sizes = variants.map(() => 0);
  for (let round = 0; round < CONFIG.rounds; round++) {
    // The order rotates, so that no variant always runs first on a cold cache.
    for (let k = 0; k < variants.length; k++) {
      const i = (round + k) % variants.length;
      const result = await variants[i].time();
      samples[i].push(result.ms);
      sizes[i] = result.size;
    }
  }
  const psqlMs = median(samples[0]);
  const rows = [["export", "median", "rows/s", "file", "×psql"]];
  variants.forEach((variant, i) => {
    const m = median(samples[i]);
    rows.push([
      variant.label,
      seconds(m),
      count((CONFIG.rows / m) * 1000),
      mib(sizes[i]),
      ratio(psqlMs / m),
    ]);
  });
  console.log(
    `\nspeed: ${count(CONFIG.rows)} rows, ${CONFIG.rounds} rounds, medians (×psql above 1: Sundial is faster)`,
  );
  console.log(table(rows, ["l"]));
  return { csv: psqlMs / median(samples[1]), zip: psqlMs / median(samples[2]) };
}

async function memory(client) {
  await fill(client, "big", CONFIG.memoryRows);
  const result = await sundialExport(`SELECT * FROM ${schema}.big ORDER BY id`, false);
  console.log(
    `\nmemory: one process exporting ${count(result.rows)} rows to CSV (${mib(result.size)})`,
  );
  console.log(`peak RSS ${mib(result.maxRssBytes)} in ${seconds(result.ms)}`);
  return result.maxRssBytes;
}

const client = new pg.Client({ connectionString: CONFIG.databaseUrl });
await client.connect();
try {
  const { stdout: psqlVersion } = await run("psql", ["--version"]);
  const { rows: server } = await client.query("SHOW server_version");
  console.log(`Sundial export benchmark, ${new Date().toISOString()}`);
  console.log(
    `node ${process.version}, ${os.platform()} ${os.arch()}, ${os.cpus()[0]?.model.trim()} × ${os.cpus().length}, load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  console.log(`PostgreSQL ${server[0].server_version}, ${psqlVersion.trim()}`);
  await client.query(`CREATE SCHEMA ${schema}`);
  const targets = [];
  if (CONFIG.only.includes("speed")) {
    const r = await speed(client);
    for (const [label, value] of [
      ["CSV export", r.csv],
      ["CSV + zip export", r.zip],
    ]) {
      targets.push(
        `${label} ≥ ${TARGETS.speedRatio}× psql \\copy: ${ratio(value)}: ${verdict(value >= TARGETS.speedRatio)}`,
      );
    }
  }
  if (CONFIG.only.includes("memory")) {
    const bytes = await memory(client);
    targets.push(
      `peak RSS < 200 MB at ${count(CONFIG.memoryRows)} rows: ${(bytes / 1e6).toFixed(0)} MB: ${verdict(bytes < TARGETS.memoryBytes)}`,
    );
  }
  console.log("\ntargets");
  for (const line of targets) console.log(`  ${line}`);
  console.log(
    `\n(load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")} at the end)`,
  );
} finally {
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
  rmSync(tmp, { recursive: true, force: true });
}
