/** How the queue benchmark prints: number formats and aligned tables. */

/** Right-aligned columns, except those `align` marks "l". */
export function table(rows, align = []) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => (align[c] === "l" ? cell.padEnd(widths[c]) : cell.padStart(widths[c])))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

export const DASH = "—";

export function count(n) {
  return Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : DASH;
}

export function ms(value) {
  if (!Number.isFinite(value)) return DASH;
  if (value >= 10_000) return `${(value / 1000).toFixed(1)} s`;
  return value < 10 ? `${value.toFixed(2)} ms` : `${value.toFixed(0)} ms`;
}

export function seconds(valueMs) {
  return Number.isFinite(valueMs) ? `${(valueMs / 1000).toFixed(1)} s` : DASH;
}

export function ratio(value) {
  if (!Number.isFinite(value)) return DASH;
  return value >= 10 ? `${value.toFixed(0)}×` : `${value.toFixed(2)}×`;
}

export function mib(bytes) {
  return Number.isFinite(bytes) ? `${(bytes / 2 ** 20).toFixed(0)} MiB` : DASH;
}

export const verdict = (ok) => (ok === undefined ? "not measured" : ok ? "met" : "MISSED");
