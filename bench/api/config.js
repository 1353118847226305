/**
 * The API benchmark's settings, read once from `BENCH_API_*` variables and frozen. An
 * unknown `BENCH_API_*` variable is refused: a typo would otherwise run the defaults.
 */
import { tmpdir } from "node:os";

const NUMBERS = {
  /** Jobs stored before the server starts. */
  BENCH_API_JOBS: 1_000_000,
  /** How long each measured autocannon run lasts. */
  BENCH_API_SECONDS: 5,
  /** Connections of the loaded run (the other run has one). */
  BENCH_API_CONNECTIONS: 10,
  /** How long the in-process peer of each request is timed. */
  BENCH_API_INPROCESS_SECONDS: 3,
};

const STORES = ["sqlite", "postgres"];

const TEXTS = {
  BENCH_API_DATABASE_URL: "postgres://postgres@127.0.0.1:5432/test",
  /** Comma-separated: which stores to measure. */
  BENCH_API_ONLY: STORES.join(","),
  /** Where the SQLite file goes (a fresh folder inside it, removed after). */
  BENCH_API_TMP: tmpdir(),
};

function readConfig(env) {
  const unknown = Object.keys(env).filter(
    (key) => key.startsWith("BENCH_API_") && !(key in NUMBERS) && !(key in TEXTS),
  );
  if (unknown.length > 0) {
    const known = [...Object.keys(NUMBERS), ...Object.keys(TEXTS)].join(", ");
    throw new Error(`Unknown setting ${unknown.join(", ")}; the settings are: ${known}`);
  }
  const config = {};
  for (const [key, fallback] of Object.entries(NUMBERS)) {
    const value = env[key] === undefined ? fallback : Number(env[key]);
    if (!Number.isInteger(value) || value < 1) {
      throw new Error(`${key}=${env[key]}: give a whole number ≥ 1`);
    }
    config[key] = value;
  }
  for (const [key, fallback] of Object.entries(TEXTS)) config[key] = env[key] ?? fallback;
  const only = config.BENCH_API_ONLY.split(",").map((s) => s.trim());
  const wrong = only.filter((s) => !STORES.includes(s));
  if (wrong.length > 0) {
    throw new Error(`BENCH_API_ONLY: ${wrong.join(", ")}? Choose from ${STORES.join(", ")}`);
  }
  return Object.freeze({
    databaseUrl: config.BENCH_API_DATABASE_URL,
    stores: Object.freeze(only),
    tmp: config.BENCH_API_TMP,
    jobs: config.BENCH_API_JOBS,
    seconds: config.BENCH_API_SECONDS,
    connections: config.BENCH_API_CONNECTIONS,
    inProcessSeconds: config.BENCH_API_INPROCESS_SECONDS,
  });
}

export const CONFIG = readConfig(process.env);

export const TARGETS = Object.freeze({
  /** A filtered page of 50 jobs, under load. */
  pageP99Ms: 50,
});
