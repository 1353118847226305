/**
 * One job (`/jobs/:id`): status, progress, timings, who ran it, its data and results,
 * the commands its status allows, and its log as it is written.
 */
import { Anchor, Card, DataList, Grid, Group, Progress, Stack, Text, Title } from "@mantine/core";
import type { ReactNode } from "react";
import { Link, useParams } from "react-router";
import { jobApi } from "../api/endpoints.js";
import { keys } from "../api/query-keys.js";
import type { Job } from "../api/types.js";
import { useQuery } from "../api/use-query.js";
import { JsonBlock } from "../ui/json-block.js";
import { PageHeader } from "../ui/page-header.js";
import { QueryView } from "../ui/query-view.js";
import { StatusBadge } from "../ui/status-badge.js";
import { formatDuration, Instant } from "../ui/time.js";
import { JobActions } from "./job-actions.js";
import { JobLog } from "./job-log.js";
import { useJobFeed } from "./use-job-feed.js";

export function JobPage() {
  const { id = "" } = useParams();
  const first = useQuery(keys.job(id), (signal) => jobApi.get(id, signal));
  return (
    <QueryView query={first} rows={8}>
      {(job) => <LiveJob key={job.id} initial={job} />}
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

function LiveJob({ initial }: { readonly initial: Job }) {
  const feed = useJobFeed(initial.id, initial);
  const job = feed.job ?? initial;
  const running = job.status === "RUNNING" || job.status === "STOPPING";
  return (
    <>
      <PageHeader
        title={
          <Group gap="sm" component="span">
            <span>{job.label ?? job.type}</span>
            <StatusBadge job={job} />
          </Group>
        }
        tabTitle={`${job.label ?? job.type} (${job.status})`}
        description={
          <Text span ff="monospace" size="xs">
            {job.id}
          </Text>
        }
        actions={<JobActions job={job} onChange={feed.setJob} />}
      />
      {feed.problem && (
        <Text c="red" size="sm" mb="sm" role="alert">
          The live feed stopped: {feed.problem}
        </Text>
      )}
      <Grid gap="md">
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Stack gap="md">
            <Card withBorder radius="md" padding="md">
              <Group justify="space-between" mb={6}>
                <Text fw={500}>Progress</Text>
                <Text fw={600} data-testid="job-progress">
                  {job.progress}%
                </Text>
              </Group>
              <Progress
                value={job.progress}
                size="lg"
                animated={running}
                color={job.hasErrors ? "red" : job.status === "FINISHED" ? "green" : undefined}
                aria-label={`Progress ${job.progress}%`}
              />
            </Card>
            <Card withBorder radius="md" padding="md">
              <DataList size="sm" labelWidth={120} gap="xs">
                <Item label="Type">{job.type}</Item>
                <Item label="Status">
                  <span data-testid="job-status">{job.status}</span>
                  {job.reason ? ` (${job.reason})` : ""}
                </Item>
                <Item label="Created">
                  <Instant value={job.createDate} />
                </Item>
                <Item label="Started">
                  <Instant value={job.startDate} />
                </Item>
                <Item label="Ended">
                  <Instant value={job.endDate} />
                </Item>
                <Item label="Waited">{formatDuration(job.waiting)}</Item>
                <Item label="Ran for">
                  {job.startDate === null ? "—" : formatDuration(job.duration)}
                </Item>
                <Item label="Run by">
                  {job.runBy?.name ?? (job.scheduleId ? "the scheduler" : "—")}
                </Item>
                <Item label="Schedule">
                  {job.scheduleId ? (
                    <>
                      <Anchor
                        component={Link}
                        to={`/schedules/${encodeURIComponent(job.scheduleId)}/edit`}
                      >
                        {job.scheduleId}
                      </Anchor>
                      {job.fireTime !== null && (
                        <Text size="xs" c="dimmed">
                          fire of <Instant value={job.fireTime} size="xs" />
                        </Text>
                      )}
                    </>
                  ) : (
                    "—"
                  )}
                </Item>
                <Item label="Attempt">
                  {job.attempt} of {job.maxAttempts}
                </Item>
                <Item label="Priority">
                  {job.priority}
                  {job.lowPriority ? ", low" : ""}
                </Item>
                <Item label="Node">{job.node ?? job.firedBy ?? "—"}</Item>
              </DataList>
            </Card>
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 7 }}>
          <Stack gap="md">
            <Card withBorder radius="md" padding="md">
              <Title order={2} size="h5" mb="xs">
                Data
              </Title>
              <JsonBlock value={job.data} maxHeight={220} />
            </Card>
            <Card withBorder radius="md" padding="md">
              <Title order={2} size="h5" mb="xs">
                Results
              </Title>
              <div data-testid="job-results">
                <JsonBlock value={job.results} maxHeight={220} />
              </div>
            </Card>
          </Stack>
        </Grid.Col>
        <Grid.Col span={12}>
          <JobLog logs={feed.logs} state={feed.state} />
        </Grid.Col>
      </Grid>
    </>
  );
}
