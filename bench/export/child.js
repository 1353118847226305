/**
 * One Sundial export in a process of its own, so that its peak RSS is its own: the rows of
 * a query on the benchmark's PostgreSQL table, streamed through the real source
 * (`sqlRows`, rows streamed by the server) and file pipeline (`writeExportFile`) that tasks use.
 *
 * argv: a JSON object { url, query, directory, zip }. Prints one JSON line:
 * { ms, rows, size, maxRssBytes }.
 */

import { writeExportFile } from "../../dist/exports/index.js";
import { sqlRows } from "../../dist/exports/sources/sql.js";

const { url, query, directory, zip } = JSON.parse(process.argv[2]);
const parsed = new URL(url);
const connection = {
  name: "bench",
  type: "postgres",
  settings: {
    host: parsed.hostname,
    port: Number(parsed.port || 5432),
    database: parsed.pathname.slice(1),
    username: decodeURIComponent(parsed.username),
    ...(parsed.password === "" ? {} : { password: decodeURIComponent(parsed.password) }),
  },
};

const started = performance.now();
const manifest = await writeExportFile(
  sqlRows(connection, query, { headers: true }),
  { fileName: "sales.csv", format: { type: "csv" }, maxRows: 100_000_000, zip },
  { directory, instant: new Date(), timeZone: "UTC" },
);
const ms = performance.now() - started;
// resourceUsage().maxRSS is in kilobytes.
const maxRssBytes = process.resourceUsage().maxRSS * 1024;
console.log(JSON.stringify({ ms, rows: manifest.rows, size: manifest.size, maxRssBytes }));
