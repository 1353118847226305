/**
 * One project (`/projects/:id`): its settings, schedules and next fires, and its tasks in
 * run order. Operators re-rank tasks by dragging a row, with the move buttons, or with
 * the arrow keys on a row's handle; "Run project now" starts one export job for its
 * enabled tasks.
 */
import {
  ActionIcon,
  Anchor,
  Badge,
  Button,
  Card,
  Code,
  DataList,
  Grid,
  Group,
  Stack,
  Table,
  Text,
  Title,
  Tooltip,
} from "@mantine/core";
import {
  IconArrowDown,
  IconArrowUp,
  IconEdit,
  IconGripVertical,
  IconPlayerPlay,
  IconPlus,
  IconTrash,
} from "@tabler/icons-react";
import { type KeyboardEvent, type ReactNode, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { projectApi, taskApi } from "../api/endpoints.js";
import { keys } from "../api/query-keys.js";
import type { Project, Task, TaskInput } from "../api/types.js";
import { useQuery } from "../api/use-query.js";
import { hasRole, useMe } from "../session/session.js";
import { useAction } from "../ui/action.js";
import { ConfirmButton } from "../ui/confirm-button.js";
import { PageHeader } from "../ui/page-header.js";
import { QueryView } from "../ui/query-view.js";
import { ScheduleList } from "./schedule-entries.js";

export const taskPath = (task: { readonly id: string }) => `/tasks/${encodeURIComponent(task.id)}`;

function Item({ label, children }: { readonly label: string; readonly children: ReactNode }) {
  return (
    <DataList.Item>
      <DataList.ItemLabel>{label}</DataList.ItemLabel>
      <DataList.ItemValue>{children}</DataList.ItemValue>
    </DataList.Item>
  );
}

export function ProjectPage() {
  const { id = "" } = useParams();
  const project = useQuery(keys.project(id), (signal) => projectApi.get(id, signal), {
    refreshMs: 30_000,
  });
  return (
    <QueryView query={project} rows={8}>
      {(stored) => <ProjectView project={stored} />}
    </QueryView>
  );
}

function ProjectView({ project }: { readonly project: Project }) {
  const me = useMe();
  const canEdit = hasRole(me, "operator");
  const navigate = useNavigate();
  const [run, busy] = useAction();
  const path = encodeURIComponent(project.name);
  return (
    <>
      <PageHeader
        title={project.name}
        description={project.description ?? undefined}
        actions={
          <>
            <Button
              leftSection={<IconPlayerPlay size={16} />}
              loading={busy}
              onClick={async () => {
                const job = await run(() => projectApi.run(project.id), {
                  done: `Started project ${project.name}.`,
                  invalidates: [keys.jobs, keys.tasks],
                });
                if (job) navigate(`/jobs/${encodeURIComponent(job.id)}`);
              }}
            >
              Run project now
            </Button>
            {canEdit && (
              <Button
                variant="default"
                component={Link}
                to={`/projects/${path}/edit`}
                leftSection={<IconEdit size={16} />}
              >
                Edit
              </Button>
            )}
            {canEdit && (
              <ConfirmButton
                variant="light"
                leftSection={<IconTrash size={16} />}
                title={`Delete project ${project.name}?`}
                message={
                  project.taskCount > 0
                    ? "A project with tasks can't be deleted: delete its tasks, or move them, first."
                    : "Its schedules and config history go with it."
                }
                confirmLabel="Delete"
                onConfirm={async () => {
                  const done = await run(() => projectApi.delete(project.id).then(() => true), {
                    done: `Deleted project ${project.name}.`,
                    invalidates: [keys.projects],
                  });
                  if (done) navigate("/projects");
                }}
              >
                Delete
              </ConfirmButton>
            )}
          </>
        }
      />
      <Grid gap="md">
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Stack gap="md">
            <Card withBorder radius="md" padding="md">
              <DataList size="sm" labelWidth={110} gap="xs">
                <Item label="Owners">{project.owners.join(", ") || "—"}</Item>
                <Item label="Run mode">
                  <Badge variant="light" color="gray">
                    {project.runMode}
                  </Badge>
                </Item>
                <Item label="Time zone">{project.timeZone}</Item>
                <Item label="Version">
                  {project.version}
                  {project.updatedBy ? ` by ${project.updatedBy}` : ""}
                </Item>
                <Item label="Parameters">
                  {Object.keys(project.parameters).length === 0 ? (
                    "—"
                  ) : (
                    <Stack gap={2}>
                      {Object.entries(project.parameters).map(([name, value]) => (
                        <Text key={name} size="sm">
                          <Code>{name}</Code> = {value}
                        </Text>
                      ))}
                    </Stack>
                  )}
                </Item>
              </DataList>
            </Card>
            <Card withBorder radius="md" padding="md">
              <Title order={2} size="h5" mb="xs">
                Schedules
              </Title>
              <ScheduleList schedules={project.schedules} />
            </Card>
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 7 }}>
          <ProjectTasks project={project} canEdit={canEdit} />
        </Grid.Col>
      </Grid>
    </>
  );
}

/** The task as input again, at a new rank. */
function withRank(task: Task, rank: number): TaskInput {
  return { ...(task as unknown as TaskInput), rank };
}

function ProjectTasks({
  project,
  canEdit,
}: {
  readonly project: Project;
  readonly canEdit: boolean;
}) {
  const query = { project: project.id, _sortKeys: "rank,name", _size: 1000 };
  const tasks = useQuery(keys.taskList(query), (signal) => taskApi.list(query, signal));
  const [run, busy] = useAction();
  const [dragging, setDragging] = useState<number | undefined>();

  async function move(list: readonly Task[], from: number, to: number) {
    if (to < 0 || to >= list.length || from === to) return;
    const order = [...list];
    const [moved] = order.splice(from, 1);
    if (moved === undefined) return;
    order.splice(to, 0, moved);
    // Ranks 10, 20, 30… in the new order; only the tasks whose rank changes are saved.
    const changes = order
      .map((task, i) => ({ task, rank: (i + 1) * 10 }))
      .filter(({ task, rank }) => task.rank !== rank);
    await run(
      async () => {
        for (const { task, rank } of changes) await taskApi.update(task.id, withRank(task, rank));
      },
      { done: `Moved ${moved.name} to place ${to + 1}.`, invalidates: [keys.tasks] },
    );
    // Keyboard users keep their place on the task they moved.
    window.requestAnimationFrame(() =>
      document.querySelector<HTMLElement>(`[data-move-handle="${moved.id}"]`)?.focus(),
    );
  }

  const onKey = (list: readonly Task[], i: number) => (event: KeyboardEvent) => {
    if (event.key === "ArrowUp") {
      event.preventDefault();
      void move(list, i, i - 1);
    } else if (event.key === "ArrowDown") {
      event.preventDefault();
      void move(list, i, i + 1);
    }
  };

  return (
    <Card withBorder radius="md" padding="md">
      <Group justify="space-between" mb="xs">
        <Title order={2} size="h5">
          Tasks in run order
        </Title>
        {canEdit && (
          <Button
            size="xs"
            variant="light"
            component={Link}
            to={`/tasks/new?project=${encodeURIComponent(project.name)}`}
            leftSection={<IconPlus size={14} />}
          >
            New task
          </Button>
        )}
      </Group>
      <Text size="xs" c="dimmed" mb="sm">
        {project.runMode === "series"
          ? "A run takes its enabled tasks one after the other, from the top."
          : "A run takes its enabled tasks all at once; the order still ranks them in lists."}
        {canEdit && " Drag a row, use the arrows, or focus a handle and press ↑ or ↓."}
      </Text>
      <QueryView
        query={tasks}
        isEmpty={(data) => data.result.length === 0}
        empty={{
          title: "No tasks yet",
          description: "A task reads rows, writes a file and sends it somewhere.",
          ...(canEdit
            ? {
                action: (
                  <Button
                    component={Link}
                    to={`/tasks/new?project=${encodeURIComponent(project.name)}`}
                  >
                    Add the first task
                  </Button>
                ),
              }
            : {}),
        }}
      >
        {(data) => (
          <Table.ScrollContainer minWidth={420}>
            <Table verticalSpacing="xs" aria-label="Tasks in run order" aria-busy={busy}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w={40}>#</Table.Th>
                  <Table.Th>Task</Table.Th>
                  <Table.Th>State</Table.Th>
                  {canEdit && (
                    <Table.Th>
                      <span className="sr-only">Order</span>
                    </Table.Th>
                  )}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.result.map((task, i, list) => (
                  <Table.Tr
                    key={task.id}
                    data-task={task.name}
                    draggable={canEdit && !busy}
                    onDragStart={() => setDragging(i)}
                    onDragOver={(e) => {
                      if (dragging !== undefined) e.preventDefault();
                    }}
                    onDrop={(e) => {
                      e.preventDefault();
                      if (dragging !== undefined) void move(list, dragging, i);
                      setDragging(undefined);
                    }}
                    onDragEnd={() => setDragging(undefined)}
                    style={{ opacity: dragging === i ? 0.5 : 1 }}
                  >
                    <Table.Td>
                      <Text size="sm" c="dimmed">
                        {i + 1}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Anchor component={Link} to={taskPath(task)} fw={500}>
                        {task.name}
                      </Anchor>
                      <Text size="xs" c="dimmed">
                        rank {task.rank}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Badge variant="light" color={task.enabled ? "green" : "gray"}>
                        {task.enabled ? "enabled" : "disabled"}
                      </Badge>
                    </Table.Td>
                    {canEdit && (
                      <Table.Td>
                        <Group gap={2} wrap="nowrap" justify="flex-end">
                          <Tooltip label="Drag, or focus and press ↑ ↓">
                            <ActionIcon
                              variant="subtle"
                              color="gray"
                              data-move-handle={task.id}
                              aria-label={`Move ${task.name}: press the up or down arrow`}
                              onKeyDown={onKey(list, i)}
                              style={{ cursor: "grab" }}
                            >
                              <IconGripVertical size={16} />
                            </ActionIcon>
                          </Tooltip>
                          <ActionIcon
                            variant="subtle"
                            aria-label={`Move ${task.name} up`}
                            disabled={i === 0 || busy}
                            onClick={() => move(list, i, i - 1)}
                          >
                            <IconArrowUp size={16} />
                          </ActionIcon>
                          <ActionIcon
                            variant="subtle"
                            aria-label={`Move ${task.name} down`}
                            disabled={i === list.length - 1 || busy}
                            onClick={() => move(list, i, i + 1)}
                          >
                            <IconArrowDown size={16} />
                          </ActionIcon>
                        </Group>
                      </Table.Td>
                    )}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </QueryView>
    </Card>
  );
}
