/**
 * Jobs, newest first, filtered by the URL, refreshed every 5 s while the tab is visible.
 * Each row opens the job's page.
 */
import { Anchor, Card, Group, Progress, Select, Stack, Table, Text } from "@mantine/core";
import { useMediaQuery } from "@mantine/hooks";
import { useMemo } from "react";
import { Link, useSearchParams } from "react-router";
import { jobApi } from "../api/endpoints.js";
import { keys } from "../api/query-keys.js";
import type { Job } from "../api/types.js";
import { useQuery } from "../api/use-query.js";
import { DataTable } from "../ui/data-table.js";
import { PageHeader } from "../ui/page-header.js";
import { QueryView } from "../ui/query-view.js";
import { StatusBadge } from "../ui/status-badge.js";
import { formatDuration, Instant } from "../ui/time.js";
import { JobFilters, jobQueryOf } from "./job-filters.js";

const SIZES = ["50", "100", "250", "1000"];
const BUILT_IN_TYPES = ["script", "command", "http", "export", "taskScanner"];

export function JobsPage() {
  const [params, setParams] = useSearchParams();
  const size = SIZES.includes(params.get("size") ?? "") ? Number(params.get("size")) : 100;
  const filters = new URLSearchParams(params);
  filters.delete("size");
  const query = jobQueryOf(filters, size);
  const jobs = useQuery(keys.jobList(query), (signal) => jobApi.find(query, signal), {
    refreshMs: 5000,
  });
  // A phone gets cards: a table of seven columns would need scrolling sideways.
  const narrow = useMediaQuery("(max-width: 48em)");
  const knownTypes = useMemo(
    () => [...new Set([...BUILT_IN_TYPES, ...(jobs.data?.result.map((job) => job.type) ?? [])])],
    [jobs.data],
  );

  return (
    <>
      <PageHeader title="Jobs" description="Every run: scheduled, started by hand, or retried." />
      <JobFilters
        params={filters}
        onChange={(next) => {
          if (params.has("size")) next.set("size", String(size));
          setParams(next, { replace: true });
        }}
        knownTypes={knownTypes}
      />
      <QueryView
        query={jobs}
        rows={8}
        isEmpty={(data) => data.result.length === 0}
        empty={{
          title: filters.size > 0 ? "No job matches these filters" : "No jobs yet",
          description:
            filters.size > 0
              ? "Widen a time range or clear a filter."
              : "Jobs appear here when a schedule fires or someone runs a job type.",
        }}
      >
        {(data) => (
          <Stack gap="xs">
            {narrow ? (
              <Stack gap="xs">
                {data.result.map((job) => (
                  <JobCard key={job.id} job={job} />
                ))}
              </Stack>
            ) : (
              <DataTable
                label="Jobs"
                minWidth={820}
                columns={["Job", "Status", "Progress", "Created", "Duration", "Schedule", "Run by"]}
                highlight
              >
                {data.result.map((job) => (
                  <JobRow key={job.id} job={job} />
                ))}
              </DataTable>
            )}
            <Group justify="space-between">
              <Text size="sm" c="dimmed">
                {data.resultCount === size
                  ? `The newest ${size}; narrow the filters or show more.`
                  : `${data.resultCount} ${data.resultCount === 1 ? "job" : "jobs"}`}
              </Text>
              <Select
                aria-label="Jobs per page"
                data={SIZES.map((value) => ({ value, label: `${value} per page` }))}
                value={String(size)}
                onChange={(value) =>
                  setParams(
                    (old) => {
                      const next = new URLSearchParams(old);
                      next.set("size", value ?? "100");
                      return next;
                    },
                    { replace: true },
                  )
                }
                allowDeselect={false}
                w={150}
                size="xs"
              />
            </Group>
          </Stack>
        )}
      </QueryView>
    </>
  );
}

/** The job's id in short: its end, since ids sharing a creation time share their start. */
const shortId = (id: string) => `…${id.slice(-8)}`;

function JobCard({ job }: { readonly job: Job }) {
  const running = job.status === "RUNNING" || job.status === "STOPPING";
  return (
    <Card withBorder padding="sm" radius="md" data-job={job.id}>
      <Group justify="space-between" wrap="nowrap" gap="xs">
        <Anchor
          component={Link}
          to={`/jobs/${encodeURIComponent(job.id)}`}
          fw={500}
          style={{ minWidth: 0, overflowWrap: "anywhere" }}
        >
          {job.label ?? job.scheduleId ?? job.type}
        </Anchor>
        <StatusBadge job={job} />
      </Group>
      <Text size="xs" c="dimmed" mt={4}>
        {job.type} · <Instant value={job.createDate} size="xs" />
        {job.startDate !== null ? ` · ${formatDuration(job.duration)}` : ""}
      </Text>
      {running && (
        <Progress value={job.progress} animated mt={6} aria-label={`Progress ${job.progress}%`} />
      )}
    </Card>
  );
}

function JobRow({ job }: { readonly job: Job }) {
  const running = job.status === "RUNNING" || job.status === "STOPPING";
  return (
    <Table.Tr data-job={job.id}>
      <Table.Td>
        <Anchor component={Link} to={`/jobs/${encodeURIComponent(job.id)}`} fw={500}>
          {job.label ?? job.type}
        </Anchor>
        <Text size="xs" c="dimmed" ff="monospace">
          {job.label ? `${job.type} · ` : ""}
          {shortId(job.id)}
        </Text>
      </Table.Td>
      <Table.Td>
        <StatusBadge job={job} />
      </Table.Td>
      <Table.Td w={140}>
        {running || job.progress > 0 ? (
          <Group gap={6} wrap="nowrap">
            <Progress
              value={job.progress}
              w={80}
              animated={running}
              aria-label={`Progress ${job.progress}%`}
            />
            <Text size="xs">{job.progress}%</Text>
          </Group>
        ) : (
          <Text size="xs" c="dimmed">
            —
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        <Instant value={job.createDate} />
      </Table.Td>
      <Table.Td>
        <Text size="sm">{job.startDate === null ? "—" : formatDuration(job.duration)}</Text>
      </Table.Td>
      <Table.Td>
        {job.scheduleId ? (
          <Anchor
            component={Link}
            to={`/jobs?scheduleId=${encodeURIComponent(job.scheduleId)}`}
            size="sm"
          >
            {job.scheduleId}
          </Anchor>
        ) : (
          <Text size="sm" c="dimmed">
            —
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        <Text size="sm" c={job.runBy ? undefined : "dimmed"}>
          {job.runBy?.name ?? (job.scheduleId ? "scheduler" : "—")}
        </Text>
      </Table.Td>
    </Table.Tr>
  );
}
