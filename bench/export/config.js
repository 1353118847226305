/**
 * The export benchmark's settings, read once from `BENCH_EXPORT_*` variables and frozen
 * (bench/settings.js refuses an unknown one).
 */
import { tmpdir } from "node:os";
import { readSettings } from "../settings.js";

const NUMBERS = {
  /** Rows of the timed exports (the figure). */
  BENCH_EXPORT_ROWS: 1_000_000,
  /** Rows of the memory run (the figure: peak RSS under 200 MB at 10 million). */
  BENCH_EXPORT_MEMORY_ROWS: 10_000_000,
  /** Timed rounds; each runs psql and every Sundial variant once, in a rotating order. */
  BENCH_EXPORT_ROUNDS: 3,
};

const MEASUREMENTS = ["speed", "memory"];

const TEXTS = {
  BENCH_EXPORT_DATABASE_URL: "postgres://postgres@127.0.0.1:5432/test",
  /** Comma-separated subset of the measurements. */
  BENCH_EXPORT_ONLY: MEASUREMENTS.join(","),
  /** Where the files go (a fresh folder inside it, removed after). */
  BENCH_EXPORT_TMP: tmpdir(),
};

function readConfig(env) {
  const { values, only } = readSettings(env, {
    prefix: "BENCH_EXPORT_",
    numbers: NUMBERS,
    texts: TEXTS,
    choices: MEASUREMENTS,
  });
  return Object.freeze({
    rows: values.BENCH_EXPORT_ROWS,
    memoryRows: values.BENCH_EXPORT_MEMORY_ROWS,
    rounds: values.BENCH_EXPORT_ROUNDS,
    databaseUrl: values.BENCH_EXPORT_DATABASE_URL,
    only: Object.freeze(only),
    tmp: values.BENCH_EXPORT_TMP,
  });
}

export const CONFIG = readConfig(process.env);

export const TARGETS = Object.freeze({
  /** Sundial's CSV export, and CSV + zip, at least half as fast as psql's \copy. */
  speedRatio: 0.5,
  /** Peak RSS of the process exporting 10 million rows. */
  memoryBytes: 200 * 1000 * 1000,
});
