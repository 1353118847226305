/**
 * Instants and durations for people: the browser's zone and locale, the exact UTC
 * instant on hover, and "in 3 min" or "5 min ago" next to it where that helps.
 */
import { Text, Tooltip } from "@mantine/core";

const DATE_TIME = new Intl.DateTimeFormat(undefined, {
  weekday: "short",
  year: "numeric",
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});
const RELATIVE = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

/** ms since the epoch from the API's ms numbers or ISO strings. */
export function toMs(value: number | string | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  const ms = typeof value === "number" ? value : Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

export function formatInstant(value: number | string | null | undefined): string {
  const ms = toMs(value);
  return ms === undefined ? "—" : DATE_TIME.format(ms);
}

/** "in 3 minutes", "5 hours ago". */
export function formatRelative(ms: number, now = Date.now()): string {
  const diff = ms - now;
  const abs = Math.abs(diff);
  const units: [Intl.RelativeTimeFormatUnit, number][] = [
    ["day", 86_400_000],
    ["hour", 3_600_000],
    ["minute", 60_000],
    ["second", 1000],
  ];
  for (const [unit, size] of units) {
    if (abs >= size || unit === "second") return RELATIVE.format(Math.round(diff / size), unit);
  }
  return "";
}

/** "1 h 02 min", "3.4 s", "120 ms". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60)
    return `${minutes} min ${String(Math.floor((ms % 60_000) / 1000)).padStart(2, "0")} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${String(minutes % 60).padStart(2, "0")} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** An instant, with the exact UTC time on hover and, if asked, how far from now. */
export function Instant({
  value,
  relative = false,
  size = "sm",
}: {
  readonly value: number | string | null | undefined;
  readonly relative?: boolean;
  readonly size?: "xs" | "sm" | "md";
}) {
  const ms = toMs(value);
  if (ms === undefined) {
    return (
      <Text span size={size} c="dimmed">
        —
      </Text>
    );
  }
  return (
    <Tooltip label={new Date(ms).toISOString()} openDelay={300}>
      <Text span size={size} style={{ whiteSpace: "nowrap" }}>
        <time dateTime={new Date(ms).toISOString()}>{DATE_TIME.format(ms)}</time>
        {relative && (
          <Text span size="xs" c="dimmed" ml={6}>
            {formatRelative(ms)}
          </Text>
        )}
      </Text>
    </Tooltip>
  );
}
