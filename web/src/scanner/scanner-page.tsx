/**
 * The task scanner: its runs, newest first, each with its progress (records processed of
 * those matched, and how they went) and state, refreshed every 2 s while the tab is
 * visible; Cancel on a run that has not ended, and Execute to run a `taskScanner`
 * schedule's scan now. Filters live in the URL, so a view can be bookmarked.
 */
import {
  Anchor,
  Badge,
  Button,
  Card,
  Group,
  Progress,
  Select,
  Stack,
  Table,
  Text,
} from "@mantine/core";
import { useMediaQuery } from "@mantine/hooks";
import { IconPlayerPlay, IconX } from "@tabler/icons-react";
import { useState } from "react";
import { Link, useSearchParams } from "react-router";
import { scannerApi, scheduleApi } from "../api/endpoints.js";
import { keys } from "../api/query-keys.js";
import { SCAN_STATE_LIST, type ScanRun, type ScanState } from "../api/types.js";
import { useQuery } from "../api/use-query.js";
import { hasRole, useMe } from "../session/session.js";
import { useAction } from "../ui/action.js";
import { ConfirmButton } from "../ui/confirm-button.js";
import { DataTable } from "../ui/data-table.js";
import { PageHeader } from "../ui/page-header.js";
import { QueryView } from "../ui/query-view.js";
import { formatDuration, Instant } from "../ui/time.js";

const COLOURS: Readonly<Record<ScanState, string>> = {
  INITIALIZED: "gray",
  ACTIVE: "blue",
  COMPLETED: "green",
  CANCELLED: "dark",
  ERROR: "red",
};

const isOpen = (run: ScanRun) =>
  run.progress.state === "INITIALIZED" || run.progress.state === "ACTIVE";

export function ScannerPage() {
  const me = useMe();
  const [params, setParams] = useSearchParams();
  const state = SCAN_STATE_LIST.find((s) => s === params.get("state"));
  const schedule = params.get("schedule") ?? undefined;
  const query = { ...(state ? { state } : {}), ...(schedule ? { schedule } : {}) };
  const runs = useQuery(keys.scanRunList(query), (signal) => scannerApi.list(query, signal), {
    refreshMs: 2000,
  });
  // Operators may execute, and users of a group granted the job type.
  const mayExecute = hasRole(me, "operator") || me.jobTypes.includes("taskScanner");
  const narrow = useMediaQuery("(max-width: 48em)");
  const filter = (name: string, value: string | null) =>
    setParams(
      (old) => {
        const next = new URLSearchParams(old);
        if (value) next.set(name, value);
        else next.delete(name);
        return next;
      },
      { replace: true },
    );

  return (
    <>
      <PageHeader
        title="Task scanner"
        description="Runs of taskScanner schedules: each claims the records whose date has come and runs its task once for each."
      />
      {mayExecute && <ExecuteForm />}
      <Group gap="sm" mb="md">
        <Select
          label="State"
          placeholder="Any state"
          data={[...SCAN_STATE_LIST]}
          value={state ?? null}
          onChange={(value) => filter("state", value)}
          clearable
          w={180}
        />
        <Select
          label="Schedule"
          placeholder="Any schedule"
          data={[
            ...new Set([...(schedule ? [schedule] : []), ...scheduleNames(runs.data?.result)]),
          ]}
          value={schedule ?? null}
          onChange={(value) => filter("schedule", value)}
          clearable
          searchable
          w={240}
        />
      </Group>
      <QueryView
        query={runs}
        rows={6}
        isEmpty={(data) => data.result.length === 0}
        empty={{
          title: state || schedule ? "No scan run matches these filters" : "No scan runs yet",
          description:
            "A run appears here when a taskScanner schedule fires or someone executes it (docs/scanner.md).",
        }}
      >
        {(data) =>
          narrow ? (
            <Stack gap="xs">
              {data.result.map((run) => (
                <Card key={run.id} withBorder padding="sm" radius="md" data-run={run.id}>
                  <Group justify="space-between" wrap="nowrap">
                    <Text fw={500}>{run.schedule ?? "—"}</Text>
                    <StateBadge run={run} />
                  </Group>
                  <RunProgress run={run} />
                  <Group justify="space-between" mt={6}>
                    <Instant value={run.createdAt} size="xs" />
                    <CancelButton run={run} />
                  </Group>
                </Card>
              ))}
            </Stack>
          ) : (
            <DataTable
              label="Scan runs"
              minWidth={860}
              columns={["Schedule", "State", "Progress", "Created", "Duration", "Run by"]}
              actions
            >
              {data.result.map((run) => (
                <RunRow key={run.id} run={run} />
              ))}
            </DataTable>
          )
        }
      </QueryView>
    </>
  );
}

function scheduleNames(runs: readonly ScanRun[] | undefined): string[] {
  return [...new Set((runs ?? []).flatMap((run) => (run.schedule ? [run.schedule] : [])))];
}

/** A taskScanner schedule to run now. */
function ExecuteForm() {
  const schedules = useQuery(keys.scheduleList({ invokeService: "taskScanner" }), (signal) =>
    scheduleApi.list({ invokeService: "taskScanner", fields: "_id", _size: 1000 }, signal),
  );
  const [name, setName] = useState<string | null>(null);
  const [run, busy] = useAction();
  const names = schedules.data?.result.map((s) => s._id) ?? [];
  return (
    <Card withBorder radius="md" padding="sm" mb="md">
      <Group align="flex-end" gap="sm">
        <Select
          label="Execute a scan now"
          placeholder={names.length === 0 ? "No taskScanner schedule" : "Pick a schedule"}
          data={names}
          value={name}
          onChange={setName}
          searchable
          w={280}
          disabled={names.length === 0}
        />
        <Button
          leftSection={<IconPlayerPlay size={16} />}
          disabled={name === null}
          loading={busy}
          onClick={async () => {
            if (name === null) return;
            await run(() => scannerApi.execute(name), {
              done: `Started a scan of ${name}.`,
              invalidates: [keys.scanRuns],
            });
          }}
        >
          Execute
        </Button>
      </Group>
    </Card>
  );
}

function StateBadge({ run }: { readonly run: ScanRun }) {
  const { state } = run.progress;
  return (
    <Badge
      color={COLOURS[state]}
      variant={state === "ACTIVE" ? "filled" : "light"}
      data-state={state}
    >
      {state}
    </Badge>
  );
}

/** Records processed of those matched, and how they went. */
function RunProgress({ run }: { readonly run: ScanRun }) {
  const { total, processed, successes, failures, skipped } = run.progress;
  const percent = total === 0 ? (isOpen(run) ? 0 : 100) : Math.round((100 * processed) / total);
  return (
    <Stack gap={2} mt={4}>
      <Group gap={6} wrap="nowrap">
        <Progress
          value={percent}
          w={120}
          animated={run.progress.state === "ACTIVE"}
          color={failures > 0 ? "orange" : undefined}
          aria-label={`${processed} of ${total} records processed`}
        />
        <Text size="xs" data-testid="scan-processed">
          {processed} / {total}
        </Text>
      </Group>
      <Text size="xs" c="dimmed">
        {successes} succeeded · {failures} failed · {skipped} skipped
      </Text>
      {run.message && (
        <Text
          size="xs"
          c={run.progress.state === "ERROR" ? "red" : "dimmed"}
          style={{ overflowWrap: "anywhere" }}
        >
          {run.message}
        </Text>
      )}
    </Stack>
  );
}

function CancelButton({ run }: { readonly run: ScanRun }) {
  const me = useMe();
  const [act, busy] = useAction();
  if (!isOpen(run) || !hasRole(me, "operator")) return null;
  return (
    <ConfirmButton
      size="xs"
      variant="light"
      leftSection={<IconX size={14} />}
      loading={busy}
      title="Cancel this scan run?"
      message="Its running tasks are stopped, and the records it has not reached are left as they are, for a later run."
      confirmLabel="Cancel the run"
      aria-label={`Cancel the run of ${run.schedule ?? run.id}`}
      onConfirm={() =>
        act(() => scannerApi.cancel(run.id), {
          done: "Cancelled.",
          invalidates: [keys.scanRuns, keys.jobs],
        })
      }
    >
      Cancel
    </ConfirmButton>
  );
}

function RunRow({ run }: { readonly run: ScanRun }) {
  const ended = run.endedAt ?? (isOpen(run) ? Date.now() : null);
  return (
    <Table.Tr data-run={run.id}>
      <Table.Td>
        <Text fw={500}>{run.schedule ?? "—"}</Text>
        <Anchor component={Link} to={`/jobs/${encodeURIComponent(run.id)}`} size="xs">
          Job and log
        </Anchor>
      </Table.Td>
      <Table.Td>
        <StateBadge run={run} />
      </Table.Td>
      <Table.Td>
        <RunProgress run={run} />
      </Table.Td>
      <Table.Td>
        <Instant value={run.createdAt} />
      </Table.Td>
      <Table.Td>
        <Text size="sm">
          {run.startedAt === null || ended === null ? "—" : formatDuration(ended - run.startedAt)}
        </Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm" c={run.startedBy ? undefined : "dimmed"}>
          {run.startedBy ?? (run.schedule ? "scheduler" : "—")}
        </Text>
      </Table.Td>
      <Table.Td>
        <CancelButton run={run} />
      </Table.Td>
    </Table.Tr>
  );
}
