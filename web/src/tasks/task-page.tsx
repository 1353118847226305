/**
 * One task on one page (`/tasks/:id`): a summary of every setting; Run now, Edit, Enable
 * or Disable, Reschedule, Duplicate, Cancel retry (disabled while it runs) and Delete; the
 * query as its next run will run it; the live log of its current (or last) run; its runs,
 * files (download, resend), config versions with a diff, and audit trail.
 */
import {
  Anchor,
  Badge,
  Button,
  Card,
  Code,
  DataList,
  Grid,
  Group,
  Modal,
  Stack,
  Table,
  Text,
  Title,
  Tooltip,
} from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import {
  IconCalendarTime,
  IconCopy,
  IconEdit,
  IconPlayerPlay,
  IconPlayerStop,
  IconToggleLeft,
  IconToggleRight,
  IconTrash,
} from "@tabler/icons-react";
import { type ReactNode, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { type ScheduleEntries, taskApi } from "../api/endpoints.js";
import { keys } from "../api/query-keys.js";
import type { ExportPreview, Task, TaskOverview, TaskRun } from "../api/types.js";
import { invalidate, useQuery } from "../api/use-query.js";
import { JobLog } from "../jobs/job-log.js";
import { useJobFeed } from "../jobs/use-job-feed.js";
import { FormProblem, fieldErrorOf } from "../projects/form-problem.js";
import { taskPath } from "../projects/project-page.js";
import { projectPath } from "../projects/projects-page.js";
import {
  type EntryForm,
  entriesInput,
  entryFormOf,
  ScheduleEntriesEditor,
  ScheduleList,
} from "../projects/schedule-entries.js";
import { hasRole, useMe } from "../session/session.js";
import { useAction } from "../ui/action.js";
import { ConfirmButton } from "../ui/confirm-button.js";
import { ErrorAlert } from "../ui/error-alert.js";
import { JsonBlock } from "../ui/json-block.js";
import { PageHeader } from "../ui/page-header.js";
import { QueryView } from "../ui/query-view.js";
import {
  AuditTable,
  FilesTable,
  HistoryCard,
  RunStatusBadge,
  RunsTable,
  VersionsSection,
} from "./task-history.js";

export function TaskPage() {
  const { id = "" } = useParams();
  const [busyRefresh, setBusyRefresh] = useState(false);
  const overview = useQuery(keys.taskOverview(id), (signal) => taskApi.overview(id, signal), {
    refreshMs: busyRefresh ? 2000 : 15_000,
  });
  const active =
    overview.data?.runs.some((r) => r.status === "queued" || r.status === "running") ?? false;
  if (active !== busyRefresh) setBusyRefresh(active);
  return (
    <QueryView query={overview} rows={10}>
      {(data) => <TaskView overview={data} />}
    </QueryView>
  );
}

function Item({ label, children }: { readonly label: string; readonly children: ReactNode }) {
  return (
    <DataList.Item>
      <DataList.ItemLabel>{label}</DataList.ItemLabel>
      <DataList.ItemValue>{children}</DataList.ItemValue>
    </DataList.Item>
  );
}

type Obj = Readonly<Record<string, unknown>>;
const obj = (value: unknown): Obj =>
  value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Obj) : {};

function sourceText(task: Task): ReactNode {
  const source = obj(task.source);
  if (source.type === "sql") {
    const query = source.query;
    const ref = obj(obj(query).file ?? obj(query).http);
    return (
      <Stack gap={4}>
        <Text size="sm">
          SQL on <b>{String(source.connection)}</b>
          {source.headers === false ? ", without a header row" : ""}
        </Text>
        {typeof query === "string" ? (
          <Code block style={{ whiteSpace: "pre-wrap" }}>
            {query}
          </Code>
        ) : (
          <Text size="sm">
            query from {String(ref.connection)}: <Code>{String(ref.path)}</Code>
          </Text>
        )}
      </Stack>
    );
  }
  if (source.type === "remoteFile") {
    return (
      <Text size="sm">
        {String(obj(source.format).type ?? "")} file <Code>{String(source.path)}</Code> on{" "}
        <b>{String(source.connection)}</b>
      </Text>
    );
  }
  if (source.type === "script")
    return <Text size="sm">a script ({String(source.script).length} characters)</Text>;
  return <JsonBlock value={task.source} />;
}

function outputText(task: Task): ReactNode {
  const output = obj(task.output);
  const format = obj(output.format);
  const { type, ...options } = format;
  const extras = [
    output.zip === true ? "zipped" : undefined,
    output.encrypt !== undefined ? "encrypted (OpenPGP)" : undefined,
    typeof output.maxRows === "number" ? `at most ${output.maxRows} rows` : undefined,
    typeof output.append === "string"
      ? `each line ends with ${JSON.stringify(output.append)}`
      : undefined,
    task.sendEmptyFiles === true ? "sends empty files" : "doesn't send empty files",
  ].filter(Boolean);
  return (
    <Stack gap={2}>
      <Text size="sm">
        <Code>{String(output.fileName)}</Code> as {String(type ?? "").toUpperCase()}
        {Object.keys(options).length > 0 ? ` ${JSON.stringify(options)}` : ""}
      </Text>
      <Text size="xs" c="dimmed">
        {extras.join(", ")}
      </Text>
    </Stack>
  );
}

function connectionText(value: unknown): string {
  if (typeof value === "string") return value;
  const settings = obj(value);
  return typeof settings.host === "string"
    ? `${String(settings.username ?? "")}@${settings.host} (inline)`
    : "inline";
}

function destinationText(value: unknown): string {
  const d = obj(value);
  const label = typeof d.name === "string" ? `${d.name}: ` : "";
  if (d.type === "directory")
    return `${label}directory ${String(d.directory)}${d.overwrite ? " (replaces)" : ""}`;
  if (d.type === "email") {
    return `${label}email to ${Array.isArray(d.to) ? d.to.join(", ") : ""} via ${connectionText(d.connection)}`;
  }
  return `${label}${String(d.type)} ${connectionText(d.connection)} → ${String(d.directory)}${d.overwrite ? " (replaces)" : ""}`;
}

function notificationText(value: unknown): string {
  const n = obj(value);
  return `on ${String(n.when)}: email ${Array.isArray(n.to) ? n.to.join(", ") : ""} via ${connectionText(n.connection)}`;
}

function Summary({ task }: { readonly task: Task }) {
  const destinations = Array.isArray(task.destinations) ? task.destinations : [];
  const notifications = Array.isArray(task.notifications) ? task.notifications : [];
  const processing = task.processing === undefined ? undefined : obj(task.processing);
  return (
    <Card withBorder radius="md" padding="md" data-testid="task-summary">
      <DataList size="sm" labelWidth={120} gap="xs">
        <Item label="Project">
          <Anchor component={Link} to={projectPath({ name: task.project })} size="sm">
            {task.project}
          </Anchor>
        </Item>
        <Item label="State">
          <Badge variant="light" color={task.enabled ? "green" : "gray"} data-testid="task-enabled">
            {task.enabled ? "enabled" : "disabled"}
          </Badge>
        </Item>
        <Item label="Rank">{task.rank}</Item>
        <Item label="Time zone">{task.timeZone ?? "the project's"}</Item>
        <Item label="Parameters">
          {Object.keys(task.parameters).length === 0
            ? "— (the project's)"
            : Object.entries(task.parameters).map(([k, v]) => (
                <Text key={k} size="sm">
                  <Code>{k}</Code> = {v}
                </Text>
              ))}
        </Item>
        <Item label="Source">{sourceText(task)}</Item>
        {processing && (
          <Item label="Processing">
            <Code>
              {[
                processing.command,
                ...(Array.isArray(processing.args) ? processing.args : []),
              ].join(" ")}
            </Code>
          </Item>
        )}
        <Item label="Output">{outputText(task)}</Item>
        <Item label="Destinations">
          {destinations.length === 0 ? (
            "none (file history only)"
          ) : (
            <Stack gap={2}>
              {destinations.map((d, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: a destination's place is its identity.
                <Text key={i} size="sm">
                  {destinationText(d)}
                </Text>
              ))}
            </Stack>
          )}
        </Item>
        <Item label="Notifications">
          {notifications.length === 0 ? (
            "none"
          ) : (
            <Stack gap={2}>
              {notifications.map((n, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: a notification's place is its identity.
                <Text key={i} size="sm">
                  {notificationText(n)}
                </Text>
              ))}
            </Stack>
          )}
        </Item>
        <Item label="Retries">
          {task.retries.count
            ? `${task.retries.count}, ${Math.round((task.retries.delayMs ?? 60_000) / 1000)} s apart`
            : "none"}
        </Item>
        <Item label="Schedules">
          <ScheduleList schedules={task.schedules} />
        </Item>
        <Item label="Version">
          v{task.version}
          {task.updatedBy ? ` by ${task.updatedBy}` : ""}
        </Item>
      </DataList>
    </Card>
  );
}

function TaskActions({ task, running }: { readonly task: Task; readonly running: boolean }) {
  const me = useMe();
  const canEdit = hasRole(me, "operator");
  const navigate = useNavigate();
  const [run, busy] = useAction();
  const [rescheduling, { open, close }] = useDisclosure(false);
  const touched = [keys.tasks, keys.projects, keys.schedules, keys.jobs];
  return (
    <Group gap="xs">
      <Button
        leftSection={<IconPlayerPlay size={16} />}
        loading={busy}
        onClick={() =>
          run(() => taskApi.run(task.id), {
            done: `Started ${task.name}.`,
            invalidates: touched,
          })
        }
      >
        Run now
      </Button>
      {canEdit && (
        <>
          <Button
            variant="default"
            component={Link}
            to={`${taskPath(task)}/edit`}
            leftSection={<IconEdit size={16} />}
          >
            Edit
          </Button>
          <Button
            variant="default"
            leftSection={
              task.enabled ? <IconToggleLeft size={16} /> : <IconToggleRight size={16} />
            }
            disabled={busy}
            onClick={() =>
              run(() => taskApi.setEnabled(task.id, !task.enabled), {
                done: `${task.name} ${task.enabled ? "disabled" : "enabled"}.`,
                invalidates: touched,
              })
            }
          >
            {task.enabled ? "Disable" : "Enable"}
          </Button>
          <Button variant="default" leftSection={<IconCalendarTime size={16} />} onClick={open}>
            Reschedule
          </Button>
          <Button
            variant="default"
            leftSection={<IconCopy size={16} />}
            disabled={busy}
            onClick={async () => {
              const copy = await run(() => taskApi.duplicate(task.id), {
                done: `Copied ${task.name}; the copy is disabled.`,
                invalidates: touched,
              });
              if (copy) navigate(taskPath(copy));
            }}
          >
            Duplicate
          </Button>
          <Tooltip label="Let the run end, or stop its job, first" disabled={!running}>
            <Button
              variant="default"
              leftSection={<IconPlayerStop size={16} />}
              disabled={running || busy}
              onClick={() =>
                run(
                  async () => {
                    const { canceled } = await taskApi.cancelRetry(task.id);
                    return canceled;
                  },
                  { done: "Retries that waited are canceled.", invalidates: touched },
                )
              }
            >
              Cancel retry
            </Button>
          </Tooltip>
          <ConfirmButton
            variant="light"
            leftSection={<IconTrash size={16} />}
            title={`Delete task ${task.name}?`}
            message="Its schedules and history (versions, runs, audit events) go with it; its jobs and files stay."
            confirmLabel="Delete"
            onConfirm={async () => {
              const done = await run(() => taskApi.delete(task.id).then(() => true), {
                done: `Deleted ${task.name}.`,
                invalidates: [keys.tasks, keys.projects],
              });
              if (done) navigate(projectPath({ name: task.project }));
            }}
          >
            Delete
          </ConfirmButton>
          <RescheduleModal task={task} opened={rescheduling} onClose={close} />
        </>
      )}
    </Group>
  );
}

function RescheduleModal({
  task,
  opened,
  onClose,
}: {
  readonly task: Task;
  readonly opened: boolean;
  readonly onClose: () => void;
}) {
  return (
    <Modal opened={opened} onClose={onClose} title={`Reschedule ${task.name}`} size="xl">
      {opened && <RescheduleForm task={task} onClose={onClose} />}
    </Modal>
  );
}

function RescheduleForm({ task, onClose }: { readonly task: Task; readonly onClose: () => void }) {
  const [entries, setEntries] = useState<EntryForm[]>(() => task.schedules.map(entryFormOf));
  const [problem, setProblem] = useState<Error | undefined>();
  const [saving, setSaving] = useState(false);
  return (
    <form
      onSubmit={async (event) => {
        event.preventDefault();
        setSaving(true);
        setProblem(undefined);
        try {
          await taskApi.reschedule(task.id, entriesInput(entries) as ScheduleEntries);
          invalidate(keys.tasks, keys.schedules);
          onClose();
        } catch (error) {
          setProblem(error as Error);
          setSaving(false);
        }
      }}
    >
      <FormProblem problem={problem} />
      <ScheduleEntriesEditor
        entries={entries}
        onChange={setEntries}
        zone={task.timeZone ?? "UTC"}
        fieldError={fieldErrorOf(problem)}
      />
      <Group justify="flex-end" mt="lg">
        <Button variant="default" onClick={onClose}>
          Cancel
        </Button>
        <Button type="submit" loading={saving}>
          Save schedules
        </Button>
      </Group>
    </form>
  );
}

function QueryPreview({ task }: { readonly task: Task }) {
  const [asked, setAsked] = useState(0);
  const preview = useQuery<ExportPreview>(
    ["tasks", "preview", task.id, task.version, asked],
    (signal) => taskApi.preview(task.id, signal),
    { enabled: asked > 0 },
  );
  if (obj(task.source).type !== "sql") {
    return (
      <Text size="sm" c="dimmed">
        Only a SQL source has a query to preview.
      </Text>
    );
  }
  if (asked === 0) {
    return (
      <Stack gap="xs" align="flex-start">
        <Text size="sm" c="dimmed">
          The query as the next run will send it, with its parameters bound. It reaches the task's
          connection (and fetches a query kept on a server).
        </Text>
        <Button variant="light" onClick={() => setAsked(1)}>
          Show the query as it will run
        </Button>
      </Stack>
    );
  }
  if (preview.error)
    return (
      <ErrorAlert error={preview.error} title="No preview" onRetry={() => setAsked((n) => n + 1)} />
    );
  if (!preview.data) return <Text size="sm">Reading…</Text>;
  const data = preview.data;
  return (
    <Stack gap="xs" data-testid="query-preview">
      <Text size="sm">
        On <b>{data.connection}</b> ({data.dialect})
      </Text>
      <Code block style={{ whiteSpace: "pre-wrap" }}>
        {data.text}
      </Code>
      {data.values.length > 0 && (
        <Table verticalSpacing={2} aria-label="Bound values">
          <Table.Tbody>
            {data.values.map((value, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: placeholders are by position.
              <Table.Tr key={i}>
                <Table.Td w={80}>
                  <Code>{data.dialect === "postgres" ? `$${i + 1}` : `#${i + 1}`}</Code>
                </Table.Td>
                <Table.Td>{data.names[i] ?? ""}</Table.Td>
                <Table.Td>
                  <Code>{JSON.stringify(value)}</Code>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Button
        variant="subtle"
        size="xs"
        onClick={() => setAsked((n) => n + 1)}
        style={{ alignSelf: "flex-start" }}
      >
        Read again
      </Button>
    </Stack>
  );
}

function RunLog({ run }: { readonly run: TaskRun }) {
  const feed = useJobFeed(run.jobId, run.job ?? undefined);
  const job = feed.job;
  return (
    <Stack gap="xs">
      <Group gap="sm">
        <RunStatusBadge status={run.status} />
        <Anchor component={Link} to={`/jobs/${encodeURIComponent(run.jobId)}`} size="sm">
          Open job {job?.label ?? run.jobId}
        </Anchor>
        {job && (
          <Text size="sm" data-testid="current-job-status">
            {job.status} · {job.progress}%
          </Text>
        )}
      </Group>
      <JobLog logs={feed.logs} state={feed.state} />
    </Stack>
  );
}

function TaskView({ overview }: { readonly overview: TaskOverview }) {
  const me = useMe();
  const canEdit = hasRole(me, "operator");
  const { task, runs, files, versions, audit } = overview;
  const running = runs.some(
    (r) => r.status === "running" || r.job?.status === "RUNNING" || r.job?.status === "STOPPING",
  );
  const current = runs.find((r) => r.status === "running" || r.status === "queued") ?? runs[0];
  return (
    <>
      <PageHeader
        title={
          <Group gap="sm" component="span">
            <span>{task.name}</span>
            <Badge variant="light" color={task.enabled ? "green" : "gray"}>
              {task.enabled ? "enabled" : "disabled"}
            </Badge>
          </Group>
        }
        tabTitle={`${task.project}/${task.name}`}
        description={
          <>
            <Anchor component={Link} to={projectPath({ name: task.project })} size="sm">
              {task.project}
            </Anchor>{" "}
            ·{" "}
            <Text span ff="monospace" size="xs">
              {task.id}
            </Text>
          </>
        }
      />
      <Stack gap="md">
        <TaskActions task={task} running={running} />
        <Grid gap="md">
          <Grid.Col span={{ base: 12, lg: 6 }}>
            <Summary task={task} />
          </Grid.Col>
          <Grid.Col span={{ base: 12, lg: 6 }}>
            <Stack gap="md">
              {canEdit && (
                <HistoryCard title="Query preview" id="preview">
                  <QueryPreview task={task} />
                </HistoryCard>
              )}
              <HistoryCard title={running ? "Current run" : "Last run"} id="current-run">
                {current ? (
                  <RunLog key={current.jobId} run={current} />
                ) : (
                  <Text size="sm" c="dimmed">
                    It hasn't run yet.
                  </Text>
                )}
              </HistoryCard>
            </Stack>
          </Grid.Col>
        </Grid>
        <HistoryCard title="Runs" id="runs">
          <RunsTable runs={runs} />
        </HistoryCard>
        <HistoryCard title="Files" id="files">
          <FilesTable taskId={task.id} files={files} canResend={canEdit} />
        </HistoryCard>
        <HistoryCard title="Config versions" id="versions">
          <VersionsSection key={task.version} taskId={task.id} versions={versions} />
        </HistoryCard>
        <HistoryCard title="Audit trail" id="audit">
          <AuditTable events={audit} />
        </HistoryCard>
        <Title order={2} size="h6" c="dimmed">
          Raw config
        </Title>
        <JsonBlock value={task} maxHeight={240} />
      </Stack>
    </>
  );
}
