/**
 * The API benchmark's settings, read once from `BENCH_API_*` variables and frozen
 * (bench/settings.js refuses an unknown one).
 */
import { tmpdir } from "node:os";
import { readSettings } from "../settings.js";

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
  const { values: config, only } = readSettings(env, {
    prefix: "BENCH_API_",
    numbers: NUMBERS,
    texts: TEXTS,
    choices: STORES,
  });
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
