/**
 * The last 24 hours of ended jobs, an hour to a bar, stacked by outcome. Plain SVG: each
 * bar has a title with its counts (hover or a screen reader), and the legend gives the
 * day's totals.
 */
import { Group, Text } from "@mantine/core";
import type { Job } from "../api/types.js";

const HOUR = 3_600_000;
export const OUTCOMES = [
  { key: "ok", label: "Succeeded", color: "var(--mantine-color-green-6)" },
  { key: "failed", label: "Failed", color: "var(--mantine-color-red-6)" },
  { key: "stopped", label: "Stopped", color: "var(--mantine-color-yellow-5)" },
  { key: "missed", label: "Missed", color: "var(--mantine-color-orange-7)" },
  { key: "canceled", label: "Canceled", color: "var(--mantine-color-gray-5)" },
] as const;
type Outcome = (typeof OUTCOMES)[number]["key"];

export function outcomeOf(job: Job): Outcome | undefined {
  switch (job.status) {
    case "FINISHED":
      return job.hasErrors ? "failed" : "ok";
    case "STOPPED":
      return "stopped";
    case "CANCELED":
      return job.reason === "missed" ? "missed" : "canceled";
    default:
      return undefined;
  }
}

interface Bucket {
  readonly start: number;
  readonly counts: Record<Outcome, number>;
}

/** 24 hourly buckets ending with the current hour. */
export function bucketsOf(jobs: readonly Job[], now: number): Bucket[] {
  const last = Math.floor(now / HOUR) * HOUR;
  const buckets: Bucket[] = Array.from({ length: 24 }, (_, i) => ({
    start: last - (23 - i) * HOUR,
    counts: { ok: 0, failed: 0, stopped: 0, missed: 0, canceled: 0 },
  }));
  for (const job of jobs) {
    const outcome = outcomeOf(job);
    const at = job.endDate ?? job.createDate;
    const index = 23 - Math.floor((last - Math.floor(at / HOUR) * HOUR) / HOUR);
    const bucket = buckets[index];
    if (outcome !== undefined && bucket !== undefined) bucket.counts[outcome] += 1;
  }
  return buckets;
}

const HOUR_LABEL = new Intl.DateTimeFormat(undefined, { hour: "2-digit", hourCycle: "h23" });

export function RunsChart({ jobs, now }: { readonly jobs: readonly Job[]; readonly now: number }) {
  const buckets = bucketsOf(jobs, now);
  const totals = Object.fromEntries(
    OUTCOMES.map(({ key }) => [key, buckets.reduce((sum, b) => sum + b.counts[key], 0)]),
  ) as Record<Outcome, number>;
  const max = Math.max(
    1,
    ...buckets.map((b) => OUTCOMES.reduce((sum, o) => sum + b.counts[o.key], 0)),
  );
  const width = 24 * 20;
  const height = 120;
  const summary = OUTCOMES.map((o) => `${totals[o.key]} ${o.label.toLowerCase()}`).join(", ");
  return (
    <div>
      <svg
        viewBox={`0 0 ${width} ${height}`}
        width="100%"
        height={height}
        preserveAspectRatio="none"
        role="img"
        aria-label={`Jobs ended in the last 24 hours: ${summary}`}
        data-testid="runs-chart"
      >
        <line
          x1={0}
          x2={width}
          y1={height}
          y2={height}
          stroke="var(--mantine-color-default-border)"
        />
        {buckets.map((bucket, i) => {
          let y = height;
          const x = i * 20 + 3;
          const total = OUTCOMES.reduce((sum, o) => sum + bucket.counts[o.key], 0);
          return (
            <g key={bucket.start}>
              <title>
                {`${HOUR_LABEL.format(bucket.start)}:00 — ${total} ended${
                  total
                    ? `: ${OUTCOMES.filter((o) => bucket.counts[o.key])
                        .map((o) => `${bucket.counts[o.key]} ${o.label.toLowerCase()}`)
                        .join(", ")}`
                    : ""
                }`}
              </title>
              <rect x={x - 3} y={0} width={20} height={height} fill="transparent" />
              {OUTCOMES.map((o) => {
                const h = (bucket.counts[o.key] / max) * (height - 4);
                if (h === 0) return null;
                y -= h;
                return <rect key={o.key} x={x} y={y} width={14} height={h} fill={o.color} rx={1} />;
              })}
            </g>
          );
        })}
      </svg>
      {/* Hour labels in HTML: text in a stretched SVG would be stretched too. */}
      <div aria-hidden style={{ display: "grid", gridTemplateColumns: "repeat(24, 1fr)" }}>
        {buckets.map((bucket, i) => (
          <Text key={bucket.start} size="xs" c="dimmed" ta="center">
            {i % 3 === 0 ? HOUR_LABEL.format(bucket.start) : ""}
          </Text>
        ))}
      </div>
      <Group gap="md" mt="xs">
        {OUTCOMES.map((o) => (
          <Group key={o.key} gap={6}>
            <span
              aria-hidden
              style={{
                width: 10,
                height: 10,
                borderRadius: 2,
                background: o.color,
                display: "inline-block",
              }}
            />
            <Text size="xs">
              {o.label} <b>{totals[o.key]}</b>
            </Text>
          </Group>
        ))}
      </Group>
    </div>
  );
}
