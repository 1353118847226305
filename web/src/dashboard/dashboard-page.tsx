/**
 * What needs attention now: jobs running (with progress), recent failures, missed fires,
 * the next fires across all schedules, and the last 24 hours by outcome. Refreshed every
 * 10 seconds while the tab is visible.
 */
import { Anchor, Card, Group, Progress, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import type { ReactNode } from "react";
import { Link } from "react-router";
import { jobApi, scheduleApi } from "../api/endpoints.js";
import { keys } from "../api/query-keys.js";
import type { Job } from "../api/types.js";
import { useQuery } from "../api/use-query.js";
import { PageHeader } from "../ui/page-header.js";
import { QueryView } from "../ui/query-view.js";
import { StatusBadge } from "../ui/status-badge.js";
import { Instant } from "../ui/time.js";
import { RunsChart } from "./runs-chart.js";

const DAY = 86_400_000;
const REFRESH = { refreshMs: 10_000 };

function Panel({
  title,
  link,
  children,
}: {
  readonly title: string;
  readonly link?: { to: string; label: string };
  readonly children: ReactNode;
}) {
  return (
    <Card withBorder radius="md" padding="md">
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h4">
          {title}
        </Title>
        {link && (
          <Anchor component={Link} to={link.to} size="sm">
            {link.label}
          </Anchor>
        )}
      </Group>
      {children}
    </Card>
  );
}

/** A short list: a name with something beside it, and a line of detail below. */
function ItemList({ label, children }: { readonly label: string; readonly children: ReactNode }) {
  return (
    <Stack
      gap={0}
      component="ul"
      aria-label={label}
      style={{ listStyle: "none", margin: 0, padding: 0 }}
    >
      {children}
    </Stack>
  );
}

function Item({
  title,
  aside,
  children,
}: {
  readonly title: ReactNode;
  readonly aside?: ReactNode;
  readonly children: ReactNode;
}) {
  return (
    <li style={{ padding: "6px 0", borderBottom: "1px solid var(--mantine-color-default-border)" }}>
      <Group justify="space-between" gap="xs" wrap="nowrap">
        <div style={{ minWidth: 0, overflowWrap: "anywhere" }}>{title}</div>
        {aside}
      </Group>
      <Text size="xs" c="dimmed" component="div">
        {children}
      </Text>
    </li>
  );
}

function JobLink({ job }: { readonly job: Job }) {
  return (
    <Anchor component={Link} to={`/jobs/${encodeURIComponent(job.id)}`} size="sm" fw={500}>
      {job.label ?? job.scheduleId ?? job.type}
    </Anchor>
  );
}

export function DashboardPage() {
  const running = useQuery(
    keys.dashboard("running"),
    (signal) => jobApi.find({ status: "RUNNING,STOPPING", _size: 20 }, signal),
    { refreshMs: 5000 },
  );
  const failures = useQuery(
    keys.dashboard("failures"),
    (signal) => jobApi.find({ hasErrors: true, _size: 8 }, signal),
    REFRESH,
  );
  const missed = useQuery(
    keys.dashboard("missed"),
    async (signal) => {
      const canceled = await jobApi.find(
        { status: "CANCELED", createFrom: Date.now() - 7 * DAY, _size: 500 },
        signal,
      );
      return canceled.result.filter((job) => job.reason === "missed").slice(0, 8);
    },
    REFRESH,
  );
  const nextFires = useQuery(
    keys.scheduleList({ dashboard: true }),
    async (signal) => {
      const page = await scheduleApi.list(
        { enabled: true, fields: "nextFireTime,invokeService,type", _size: 1000 },
        signal,
      );
      return page.result
        .filter((s) => s.nextFireTime !== null && s.nextFireTime !== undefined)
        .sort((a, b) => Date.parse(a.nextFireTime as string) - Date.parse(b.nextFireTime as string))
        .slice(0, 8);
    },
    REFRESH,
  );
  const day = useQuery(
    keys.dashboard("day"),
    async (signal) => {
      const now = Date.now();
      const ended = await jobApi.find({ endFrom: now - DAY, _size: 1000 }, signal);
      return { jobs: ended.result, now, capped: ended.resultCount === 1000 };
    },
    { refreshMs: 30_000 },
  );

  return (
    <>
      <PageHeader
        title="Dashboard"
        description="What runs now, what went wrong, and what comes next."
      />
      <Stack gap="md">
        <Panel
          title="Running now"
          link={{ to: "/jobs?status=RUNNING,STOPPING", label: "All running" }}
        >
          <QueryView
            query={running}
            rows={2}
            isEmpty={(data) => data.result.length === 0}
            empty={{
              title: "Nothing is running",
              description: "Jobs show here, with their progress, while they run.",
            }}
          >
            {(data) => (
              <Stack gap="sm">
                {data.result.map((job) => (
                  <Group key={job.id} gap="sm" wrap="nowrap">
                    <div style={{ flex: "0 0 40%", minWidth: 0 }}>
                      <JobLink job={job} />
                      <Text size="xs" c="dimmed">
                        started <Instant value={job.startDate} relative size="xs" />
                      </Text>
                    </div>
                    <Progress
                      value={job.progress}
                      animated
                      style={{ flex: 1 }}
                      aria-label={`Progress ${job.progress}%`}
                    />
                    <Text size="sm" w={44} ta="right">
                      {job.progress}%
                    </Text>
                  </Group>
                ))}
              </Stack>
            )}
          </QueryView>
        </Panel>

        <Panel title="Last 24 hours">
          <QueryView query={day} rows={3}>
            {(data) => (
              <>
                <RunsChart jobs={data.jobs} now={data.now} />
                {data.capped && (
                  <Text size="xs" c="dimmed" mt={4}>
                    Counts the newest 1000 jobs that ended.
                  </Text>
                )}
              </>
            )}
          </QueryView>
        </Panel>

        <SimpleGrid cols={{ base: 1, md: 2, xl: 3 }} spacing="md">
          <Panel
            title="Recent failures"
            link={{ to: "/jobs?hasErrors=true", label: "All failures" }}
          >
            <QueryView
              query={failures}
              rows={3}
              isEmpty={(data) => data.result.length === 0}
              empty={{ title: "No failures", description: "Jobs that end with errors show here." }}
            >
              {(data) => (
                <ItemList label="Recent failures">
                  {data.result.map((job) => (
                    <Item
                      key={job.id}
                      title={<JobLink job={job} />}
                      aside={<StatusBadge job={job} />}
                    >
                      <Instant value={job.endDate ?? job.createDate} relative size="xs" />
                    </Item>
                  ))}
                </ItemList>
              )}
            </QueryView>
          </Panel>

          <Panel
            title="Missed fires"
            link={{ to: "/jobs?status=CANCELED", label: "Canceled jobs" }}
          >
            <QueryView
              query={missed}
              rows={3}
              isEmpty={(data) => data.length === 0}
              empty={{
                title: "No missed fires",
                description:
                  "Fires that could not start in time (server down, paused, blocked) in the last 7 days.",
              }}
            >
              {(data) => (
                <ItemList label="Missed fires">
                  {data.map((job) => (
                    <Item key={job.id} title={<JobLink job={job} />}>
                      fire of <Instant value={job.fireTime ?? job.createDate} relative size="xs" />
                    </Item>
                  ))}
                </ItemList>
              )}
            </QueryView>
          </Panel>

          <Panel title="Next fires" link={{ to: "/schedules?enabled=true", label: "Schedules" }}>
            <QueryView
              query={nextFires}
              rows={3}
              isEmpty={(data) => data.length === 0}
              empty={{
                title: "Nothing will fire",
                description: "No enabled schedule has a next fire.",
              }}
            >
              {(data) => (
                <ItemList label="Next fires">
                  {data.map((schedule) => (
                    <Item
                      key={schedule._id}
                      title={
                        <Anchor
                          component={Link}
                          to={`/schedules/${encodeURIComponent(schedule._id)}/edit`}
                          size="sm"
                          fw={500}
                        >
                          {schedule._id}
                        </Anchor>
                      }
                      aside={
                        <Text size="xs" c="dimmed">
                          {schedule.invokeService}
                        </Text>
                      }
                    >
                      <Instant value={schedule.nextFireTime} relative size="xs" />
                    </Item>
                  ))}
                </ItemList>
              )}
            </QueryView>
          </Panel>
        </SimpleGrid>
      </Stack>
    </>
  );
}
