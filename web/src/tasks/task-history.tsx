/**
 * The history sections of a task page: its runs, its files (download, resend), its config
 * versions with a diff between any two, and its audit trail.
 */
import {
  Anchor,
  Badge,
  Button,
  Card,
  Code,
  Group,
  Select,
  Stack,
  Table,
  Text,
  Title,
} from "@mantine/core";
import { IconDownload, IconSend } from "@tabler/icons-react";
import { type ReactNode, useState } from "react";
import { Link } from "react-router";
import { fileApi, taskApi } from "../api/endpoints.js";
import type { AuditEvent, ConfigVersion, RunStatus, StoredFile, TaskRun } from "../api/types.js";
import { useQuery } from "../api/use-query.js";
import { notifyDone, notifyError, useAction } from "../ui/action.js";
import { DataTable } from "../ui/data-table.js";
import { Empty, QueryView } from "../ui/query-view.js";
import { formatDuration, Instant } from "../ui/time.js";

const RUN_COLOURS: Readonly<Record<RunStatus, string>> = {
  queued: "gray",
  running: "blue",
  succeeded: "green",
  failed: "red",
  skipped: "gray",
  stopped: "yellow",
  canceled: "dark",
};

export function HistoryCard({
  title,
  id,
  children,
  actions,
}: {
  readonly title: string;
  readonly id: string;
  readonly children: ReactNode;
  readonly actions?: ReactNode;
}) {
  return (
    <Card
      withBorder
      radius="md"
      padding="md"
      id={id}
      component="section"
      aria-labelledby={`${id}-title`}
    >
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h4" id={`${id}-title`}>
          {title}
        </Title>
        {actions}
      </Group>
      {children}
    </Card>
  );
}

export function RunStatusBadge({ status }: { readonly status: RunStatus }) {
  return (
    <Badge
      color={RUN_COLOURS[status]}
      variant={status === "running" ? "filled" : "light"}
      data-run-status={status}
    >
      {status}
    </Badge>
  );
}

export function RunsTable({ runs }: { readonly runs: readonly TaskRun[] }) {
  if (runs.length === 0) {
    return <Empty title="No runs yet" description="Run it now, or wait for a schedule." />;
  }
  return (
    <DataTable
      label="Runs"
      minWidth={680}
      columns={["Job", "Outcome", "Queued", "Took", "Run by", "Message"]}
      testId="task-runs"
    >
      {runs.map((run) => (
        <Table.Tr key={`${run.jobId}-${run.attempt}`} data-run={run.jobId}>
          <Table.Td>
            <Anchor
              component={Link}
              to={`/jobs/${encodeURIComponent(run.jobId)}`}
              size="sm"
              ff="monospace"
            >
              …{run.jobId.slice(-8)}
            </Anchor>
            {run.attempt > 1 && (
              <Text size="xs" c="dimmed">
                attempt {run.attempt}
              </Text>
            )}
          </Table.Td>
          <Table.Td>
            <RunStatusBadge status={run.status} />
          </Table.Td>
          <Table.Td>
            <Instant value={run.queuedAt} />
          </Table.Td>
          <Table.Td>
            <Text size="sm">
              {run.startedAt !== null && run.endedAt !== null
                ? formatDuration(run.endedAt - run.startedAt)
                : "—"}
            </Text>
          </Table.Td>
          <Table.Td>
            <Text size="sm">
              {run.job?.runBy?.name ?? (run.job?.scheduleId ? "scheduler" : "—")}
            </Text>
          </Table.Td>
          <Table.Td>
            <Text size="xs" c={run.status === "failed" ? "red" : "dimmed"} lineClamp={3}>
              {run.message ?? ""}
            </Text>
          </Table.Td>
        </Table.Tr>
      ))}
    </DataTable>
  );
}

function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} kB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

export function FilesTable({
  taskId,
  files,
  canResend,
}: {
  readonly taskId: string;
  readonly files: readonly StoredFile[];
  readonly canResend: boolean;
}) {
  const [run, busy] = useAction();
  if (files.length === 0) {
    return <Empty title="No files yet" description="Each run that writes a file keeps it here." />;
  }
  const resend = async (file: StoredFile) => {
    const outcomes = await run(() => taskApi.resend(taskId, file.id));
    if (outcomes === undefined) return;
    const failed = outcomes.filter((o) => o.status === "failed");
    if (outcomes.length === 0)
      notifyDone(`${file.name}: the task has no destinations to send it to.`);
    else if (failed.length === 0)
      notifyDone(`Sent ${file.name} again to ${outcomes.map((o) => o.destination).join(", ")}.`);
    else
      notifyError(
        new Error(failed.map((o) => `${o.destination}: ${o.detail}`).join("; ")),
        `Resending ${file.name} failed`,
      );
  };
  return (
    <DataTable
      label="Files"
      minWidth={680}
      columns={["File", "Size", "Rows", "Written"]}
      actions
      testId="task-files"
    >
      {files.map((file) => (
        <Table.Tr key={file.id} data-file={file.name}>
          <Table.Td>
            <Text size="sm" fw={500} style={{ overflowWrap: "anywhere" }}>
              {file.name}
            </Text>
            <Text size="xs" c="dimmed" ff="monospace" title={`sha256 ${file.sha256}`}>
              md5 {file.md5}
            </Text>
          </Table.Td>
          <Table.Td>
            <Text size="sm">{formatBytes(file.size)}</Text>
          </Table.Td>
          <Table.Td>
            <Text size="sm">{file.empty ? "empty" : file.rows}</Text>
          </Table.Td>
          <Table.Td>
            <Instant value={file.createdAt} />
          </Table.Td>
          <Table.Td>
            <Group gap="xs" wrap="nowrap" justify="flex-end">
              <Button
                component="a"
                href={fileApi.contentUrl(file.id)}
                download={file.name}
                size="xs"
                variant="light"
                leftSection={<IconDownload size={14} />}
                aria-label={`Download ${file.name}`}
              >
                Download
              </Button>
              {canResend && (
                <Button
                  size="xs"
                  variant="default"
                  leftSection={<IconSend size={14} />}
                  loading={busy}
                  onClick={() => resend(file)}
                  aria-label={`Resend ${file.name}`}
                >
                  Resend
                </Button>
              )}
            </Group>
          </Table.Td>
        </Table.Tr>
      ))}
    </DataTable>
  );
}

const show = (value: unknown) =>
  value === undefined ? "" : typeof value === "string" ? value : JSON.stringify(value);

export function VersionsSection({
  taskId,
  versions,
}: {
  readonly taskId: string;
  readonly versions: readonly ConfigVersion[];
}) {
  const newest = versions[0]?.version ?? 0;
  const [to, setTo] = useState(String(newest));
  const [from, setFrom] = useState(String(Math.max(0, newest - 1)));
  const toN = Number(to) || newest;
  const fromN = Number(from);
  const diff = useQuery(
    ["tasks", "diff", taskId, fromN, toN],
    (signal) => taskApi.diff(taskId, fromN, toN, signal),
    { enabled: newest > 0 },
  );
  const options = [
    ...versions.map((v) => ({
      value: String(v.version),
      label: `v${v.version} · ${v.savedBy ?? "system"} · ${new Date(v.savedAt).toLocaleString()}`,
    })),
    { value: "0", label: "v0 · nothing" },
  ];
  return (
    <Stack gap="sm">
      <Table.ScrollContainer minWidth={420}>
        <Table verticalSpacing={4} aria-label="Config versions">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Version</Table.Th>
              <Table.Th>Saved by</Table.Th>
              <Table.Th>Saved</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {versions.map((v) => (
              <Table.Tr key={v.version} data-version={v.version}>
                <Table.Td>
                  v{v.version}
                  {v.version === newest && (
                    <Badge size="xs" ml={6} variant="light">
                      runs
                    </Badge>
                  )}
                </Table.Td>
                <Table.Td>{v.savedBy ?? "—"}</Table.Td>
                <Table.Td>
                  <Instant value={v.savedAt} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <Group gap="sm" align="flex-end">
        <Select
          label="Compare"
          data={options}
          value={from}
          onChange={(v) => setFrom(v ?? "0")}
          allowDeselect={false}
          w={300}
        />
        <Select
          label="with"
          data={options.filter((o) => o.value !== "0")}
          value={to}
          onChange={(v) => setTo(v ?? String(newest))}
          allowDeselect={false}
          w={300}
        />
      </Group>
      <QueryView query={diff} rows={3}>
        {(data) =>
          data.changes.length === 0 ? (
            <Text size="sm" c="dimmed">
              No difference between v{data.from} and v{data.to}.
            </Text>
          ) : (
            <Table.ScrollContainer minWidth={520}>
              <Table verticalSpacing={4} aria-label="Differences" data-testid="version-diff">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Field</Table.Th>
                    <Table.Th>Change</Table.Th>
                    <Table.Th>v{data.from}</Table.Th>
                    <Table.Th>v{data.to}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {data.changes.map((c) => (
                    <Table.Tr key={c.path}>
                      <Table.Td>
                        <Code>{c.path}</Code>
                      </Table.Td>
                      <Table.Td>
                        <Badge
                          size="sm"
                          variant="light"
                          color={
                            c.change === "added"
                              ? "green"
                              : c.change === "removed"
                                ? "red"
                                : "yellow"
                          }
                        >
                          {c.change}
                        </Badge>
                      </Table.Td>
                      <Table.Td>
                        <Text size="xs" ff="monospace" style={{ overflowWrap: "anywhere" }}>
                          {show(c.from)}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Text size="xs" ff="monospace" style={{ overflowWrap: "anywhere" }}>
                          {show(c.to)}
                        </Text>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )
        }
      </QueryView>
    </Stack>
  );
}

export function AuditTable({ events }: { readonly events: readonly AuditEvent[] }) {
  if (events.length === 0) {
    return <Empty title="No audit events yet" description="Every run of the task leaves one." />;
  }
  return (
    <DataTable
      label="Audit trail"
      minWidth={680}
      columns={["When", "Started by", "Outcome", "What happened"]}
      testId="task-audit"
    >
      {events.map((event) => (
        <Table.Tr key={event.id}>
          <Table.Td>
            <Instant value={event.timestamp} />
          </Table.Td>
          <Table.Td>
            <Text size="sm">{event.startingUser ?? "a schedule"}</Text>
          </Table.Td>
          <Table.Td>
            <Badge variant="light" color={event.outcome === "succeeded" ? "green" : "red"}>
              {event.outcome}
            </Badge>
          </Table.Td>
          <Table.Td>
            <Text size="sm">{event.description}</Text>
            <Text size="xs" c="dimmed">
              {event.dataSource ? `${event.dataSource} · ` : ""}
              {event.operations.join(" → ")}
            </Text>
          </Table.Td>
        </Table.Tr>
      ))}
    </DataTable>
  );
}
