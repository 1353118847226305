/**
 * A job's log, live: filter by level and text, follow the end as lines arrive (stops
 * following when the reader scrolls up).
 */
import {
  Badge,
  Box,
  Card,
  Group,
  ScrollArea,
  SegmentedControl,
  Switch,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { IconSearch } from "@tabler/icons-react";
import { useEffect, useMemo, useRef, useState } from "react";
import type { JobLog as JobLogLine } from "../api/types.js";
import { type FeedState, MAX_LINES } from "./use-job-feed.js";

/** Only the newest lines that match are drawn; the count says how many there are. */
const SHOWN = 2000;

const FEED_LABEL: Readonly<Record<FeedState, { label: string; color: string }>> = {
  connecting: { label: "connecting", color: "gray" },
  live: { label: "live", color: "green" },
  reconnecting: { label: "reconnecting…", color: "orange" },
  ended: { label: "complete", color: "gray" },
  failed: { label: "stream closed", color: "red" },
};

const TIME = new Intl.DateTimeFormat(undefined, {
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  fractionalSecondDigits: 3,
  hourCycle: "h23",
});

export function JobLog({
  logs,
  state,
}: {
  readonly logs: readonly JobLogLine[];
  readonly state: FeedState;
}) {
  const [level, setLevel] = useState("ALL");
  const [text, setText] = useState("");
  const [follow, setFollow] = useState(true);
  const viewport = useRef<HTMLDivElement>(null);
  const shown = useMemo(() => {
    const needle = text.toLowerCase();
    return logs.filter(
      (line) =>
        (level === "ALL" || line.level === level) &&
        (needle === "" || line.message.toLowerCase().includes(needle)),
    );
  }, [logs, level, text]);
  const errors = useMemo(() => logs.filter((line) => line.level === "ERROR").length, [logs]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: scroll when the lines shown change.
  useEffect(() => {
    const el = viewport.current;
    if (follow && el) el.scrollTop = el.scrollHeight;
  }, [shown, follow]);

  const feed = FEED_LABEL[state];
  return (
    <Card withBorder radius="md" padding="md">
      <Group justify="space-between" mb="sm" gap="sm">
        <Group gap="xs">
          <Title order={2} size="h4">
            Log
          </Title>
          <Badge color={feed.color} variant="dot" data-testid="feed-state">
            {feed.label}
          </Badge>
          <Text size="xs" c="dimmed">
            {logs.length} {logs.length === 1 ? "line" : "lines"}
            {errors > 0 ? `, ${errors} ERROR` : ""}
            {logs.length >= MAX_LINES ? ` (the newest ${MAX_LINES})` : ""}
          </Text>
        </Group>
        <Group gap="sm">
          <SegmentedControl
            size="xs"
            aria-label="Log level"
            data={[
              { value: "ALL", label: "All" },
              { value: "INFO", label: "Info" },
              { value: "ERROR", label: "Errors" },
            ]}
            value={level}
            onChange={setLevel}
          />
          <TextInput
            size="xs"
            aria-label="Filter the log by text"
            placeholder="Filter text"
            leftSection={<IconSearch size={14} />}
            value={text}
            onChange={(e) => setText(e.currentTarget.value)}
            w={180}
          />
          <Switch
            size="xs"
            label="Follow"
            checked={follow}
            onChange={(e) => setFollow(e.currentTarget.checked)}
          />
        </Group>
      </Group>
      <ScrollArea
        h={420}
        viewportRef={viewport}
        type="auto"
        onScrollPositionChange={({ y }) => {
          const el = viewport.current;
          if (!el) return;
          const atEnd = el.scrollHeight - el.clientHeight - y < 24;
          if (follow !== atEnd) setFollow(atEnd);
        }}
        tabIndex={0}
        aria-label="Log lines"
        style={{
          background: "var(--mantine-color-default-hover)",
          borderRadius: "var(--mantine-radius-sm)",
        }}
      >
        <Box p="xs" data-testid="log-lines">
          {shown.length === 0 && (
            <Text size="sm" c="dimmed" p="xs">
              {logs.length === 0
                ? state === "ended"
                  ? "This job wrote no log lines."
                  : "No lines yet; they appear here as the job writes them."
                : "No line matches the filter."}
            </Text>
          )}
          {shown.length > SHOWN && (
            <Text size="xs" c="dimmed" mb="xs">
              {shown.length - SHOWN} earlier matching lines are not shown; narrow the filter.
            </Text>
          )}
          {shown.slice(-SHOWN).map((line) => (
            <div key={line.id} className="log-line" data-level={line.level}>
              <Text span c="dimmed" inherit>
                {TIME.format(line.at)}{" "}
              </Text>
              <Text span c={line.level === "ERROR" ? "red" : "blue"} fw={600} inherit>
                {line.level === "ERROR" ? "ERROR" : "INFO "}{" "}
              </Text>
              <Text span inherit c={line.level === "ERROR" ? "red" : undefined}>
                {line.message}
              </Text>
            </div>
          ))}
        </Box>
      </ScrollArea>
    </Card>
  );
}
