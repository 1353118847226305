/**
 * All tasks (`/tasks`) and my tasks (`/tasks/mine`, the tasks of the projects I own): a
 * paged, sortable, searchable table whose filters are in the URL
 * (`?project=sales&owner=ada&enabled=false&search=north&sort=-updatedAt&page=2`), and name
 * clouds of owners and projects, sized by their task counts, that filter it.
 */
import {
  Anchor,
  Badge,
  Button,
  Card,
  Group,
  Pagination,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  UnstyledButton,
} from "@mantine/core";
import { useMediaQuery } from "@mantine/hooks";
import {
  IconArrowsSort,
  IconChecklist,
  IconPlus,
  IconSearch,
  IconSortAscending,
  IconSortDescending,
} from "@tabler/icons-react";
import { useMemo } from "react";
import { Link, useSearchParams } from "react-router";
import { projectApi, taskApi } from "../api/endpoints.js";
import { keys } from "../api/query-keys.js";
import type { ProjectSummary, Task, TaskListQuery } from "../api/types.js";
import { useQuery } from "../api/use-query.js";
import { taskPath } from "../projects/project-page.js";
import { projectPath, useUrlSearch } from "../projects/projects-page.js";
import { hasRole, useMe } from "../session/session.js";
import { PageHeader } from "../ui/page-header.js";
import { QueryView } from "../ui/query-view.js";
import { Instant } from "../ui/time.js";

const SIZES = ["25", "50", "100", "250"];
const SORTABLE = [
  { key: "name", label: "Task" },
  { key: "project", label: "Project" },
  { key: "enabled", label: "State" },
  { key: "rank", label: "Rank" },
  { key: "updatedAt", label: "Changed" },
] as const;

/** The earliest next fire of a task's enabled schedules. */
export function nextFireOf(task: Task): string | null {
  const times = task.schedules
    .map((s) => s.nextFireTime)
    .filter((t): t is string => typeof t === "string")
    .sort();
  return times[0] ?? null;
}

export function TasksPage({ mine = false }: { readonly mine?: boolean }) {
  const me = useMe();
  const canEdit = hasRole(me, "operator");
  const [params, setParams] = useSearchParams();
  const narrow = useMediaQuery("(max-width: 48em)");
  const size = SIZES.includes(params.get("size") ?? "") ? Number(params.get("size")) : 50;
  const page = Math.max(1, Number(params.get("page")) || 1);
  const sort = params.get("sort") ?? "";
  const project = params.get("project") ?? "";
  const owner = mine ? "me" : (params.get("owner") ?? "");
  const enabled = params.get("enabled") ?? "";
  const search = params.get("search") ?? "";
  const query: TaskListQuery = {
    _size: size,
    _pagedResultsOffset: (page - 1) * size,
    ...(sort ? { _sortKeys: sort } : {}),
    ...(project ? { project } : {}),
    ...(owner ? { owner } : {}),
    ...(enabled ? { enabled: enabled === "true" } : {}),
    ...(search ? { search } : {}),
  };
  const tasks = useQuery(keys.taskList(query), (signal) => taskApi.list(query, signal), {
    refreshMs: 30_000,
  });
  const projectQuery = mine ? { owner: "me" } : {};
  const projects = useQuery(keys.projectList(projectQuery), (signal) =>
    projectApi.list(projectQuery, signal),
  );

  const update = (changes: Record<string, string | null>, keepPage = false) =>
    setParams(
      (old) => {
        const next = new URLSearchParams(old);
        for (const [key, value] of Object.entries(changes)) {
          if (value === null || value === "") next.delete(key);
          else next.set(key, value);
        }
        if (!keepPage) next.delete("page");
        return next;
      },
      { replace: true },
    );
  const [text, setText] = useUrlSearch(params, (value) => update({ search: value }));
  const filtered = project !== "" || enabled !== "" || search !== "" || (!mine && owner !== "");

  const sortBy = (key: string) => {
    const next = sort === key ? `-${key}` : sort === `-${key}` ? "" : key;
    update({ sort: next });
  };

  return (
    <>
      <PageHeader
        title={mine ? "My tasks" : "All tasks"}
        description={
          mine
            ? "The tasks of the projects you own."
            : "Every export task of every project. Click a name in the clouds to filter."
        }
        actions={
          canEdit && (
            <Button component={Link} to="/tasks/new" leftSection={<IconPlus size={18} />}>
              New task
            </Button>
          )
        }
      />
      {projects.data && projects.data.result.length > 0 && (
        <Card withBorder radius="md" padding="sm" mb="md">
          <Stack gap="xs">
            {!mine && (
              <NameCloud
                label="Owners"
                names={ownerCounts(projects.data.result)}
                selected={owner}
                onPick={(name) => update({ owner: name === owner ? null : name })}
              />
            )}
            <NameCloud
              label="Projects"
              names={projects.data.result.map((p) => ({ name: p.name, count: p.taskCount }))}
              selected={project}
              onPick={(name) => update({ project: name === project ? null : name })}
            />
          </Stack>
        </Card>
      )}
      <Group gap="sm" mb="md" align="flex-end">
        <TextInput
          label="Search"
          placeholder="Task or project name"
          leftSection={<IconSearch size={16} />}
          value={text}
          onChange={(e) => setText(e.currentTarget.value)}
          w={260}
        />
        <Select
          label="State"
          w={150}
          data={[
            { value: "", label: "All" },
            { value: "true", label: "Enabled" },
            { value: "false", label: "Disabled" },
          ]}
          value={enabled}
          onChange={(value) => update({ enabled: value })}
          allowDeselect={false}
        />
        {narrow && (
          <Select
            label="Sort by"
            w={170}
            data={[
              { value: "", label: "Project, run order" },
              ...SORTABLE.flatMap((s) => [
                { value: s.key, label: `${s.label} ↑` },
                { value: `-${s.key}`, label: `${s.label} ↓` },
              ]),
            ]}
            value={sort}
            onChange={(value) => update({ sort: value })}
            allowDeselect={false}
          />
        )}
        {filtered && (
          <Button
            variant="subtle"
            onClick={() => {
              setText("");
              update({ project: null, enabled: null, search: null, owner: null });
            }}
          >
            Clear filters
          </Button>
        )}
      </Group>
      <QueryView
        query={tasks}
        rows={8}
        isEmpty={(data) => data.result.length === 0}
        empty={{
          icon: <IconChecklist size={32} />,
          title: filtered
            ? "No task matches these filters"
            : mine
              ? "You own no tasks"
              : "No tasks yet",
          description: filtered
            ? "Clear a filter to see more."
            : mine
              ? "Tasks are yours when you own their project."
              : "A task reads rows from a source, writes a file and sends it to its destinations.",
          ...(canEdit && !filtered
            ? {
                action: (
                  <Button component={Link} to="/tasks/new">
                    Create a task
                  </Button>
                ),
              }
            : {}),
        }}
      >
        {(data) => (
          <Stack gap="sm">
            {narrow ? (
              data.result.map((task) => <TaskCard key={task.id} task={task} />)
            ) : (
              <Table.ScrollContainer minWidth={760}>
                <Table striped highlightOnHover verticalSpacing="xs" aria-label="Tasks">
                  <Table.Thead>
                    <Table.Tr>
                      {SORTABLE.map((column) => (
                        <SortHeader
                          key={column.key}
                          label={column.label}
                          column={column.key}
                          sort={sort}
                          onSort={sortBy}
                        />
                      ))}
                      <Table.Th>Next fire</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {data.result.map((task) => (
                      <TaskRow key={task.id} task={task} />
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            )}
            <Group justify="space-between">
              <Text size="sm" c="dimmed" data-testid="task-count">
                {data.totalPagedResults} {data.totalPagedResults === 1 ? "task" : "tasks"}
              </Text>
              <Pagination
                total={Math.max(1, Math.ceil(data.totalPagedResults / size))}
                value={page}
                onChange={(value) => update({ page: String(value) }, true)}
                size="sm"
                getControlProps={(control) => ({
                  "aria-label": control === "previous" ? "Previous page" : "Next page",
                })}
                getItemProps={(n) => ({ "aria-label": `Page ${n}` })}
              />
              <Select
                aria-label="Tasks per page"
                data={SIZES.map((value) => ({ value, label: `${value} per page` }))}
                value={String(size)}
                onChange={(value) => update({ size: value })}
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

function ownerCounts(projects: readonly ProjectSummary[]) {
  const counts = new Map<string, number>();
  for (const p of projects) {
    for (const owner of p.owners) counts.set(owner, (counts.get(owner) ?? 0) + p.taskCount);
  }
  return [...counts]
    .map(([name, count]) => ({ name, count }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Names as buttons sized by how many tasks they have; the picked one is filled. */
function NameCloud({
  label,
  names,
  selected,
  onPick,
}: {
  readonly label: string;
  readonly names: readonly { name: string; count: number }[];
  readonly selected: string;
  readonly onPick: (name: string) => void;
}) {
  const most = Math.max(1, ...names.map((n) => n.count));
  return (
    <Group gap={6} align="center" role="group" aria-label={`${label} cloud`}>
      <Text size="xs" fw={600} c="dimmed" tt="uppercase" w={70}>
        {label}
      </Text>
      {names.map(({ name, count }) => {
        const picked = name === selected;
        return (
          <Button
            key={name}
            size="compact-xs"
            radius="xl"
            variant={picked ? "filled" : "light"}
            aria-pressed={picked}
            data-cloud={label.toLowerCase()}
            title={`${count} ${count === 1 ? "task" : "tasks"}`}
            onClick={() => onPick(name)}
            style={{
              fontSize: `${0.75 + (0.4 * count) / most}rem`,
              height: "auto",
              padding: "2px 10px",
            }}
          >
            {name}
          </Button>
        );
      })}
    </Group>
  );
}

function SortHeader({
  label,
  column,
  sort,
  onSort,
}: {
  readonly label: string;
  readonly column: string;
  readonly sort: string;
  readonly onSort: (column: string) => void;
}) {
  const state = sort === column ? "ascending" : sort === `-${column}` ? "descending" : "none";
  const Icon =
    state === "ascending"
      ? IconSortAscending
      : state === "descending"
        ? IconSortDescending
        : IconArrowsSort;
  return (
    <Table.Th aria-sort={state}>
      <UnstyledButton onClick={() => onSort(column)} aria-label={`Sort by ${label}`}>
        <Group gap={4} wrap="nowrap">
          <Text size="sm" fw={600}>
            {label}
          </Text>
          <Icon size={14} stroke={1.6} opacity={state === "none" ? 0.4 : 1} />
        </Group>
      </UnstyledButton>
    </Table.Th>
  );
}

function TaskRow({ task }: { readonly task: Task }) {
  return (
    <Table.Tr data-task={task.name}>
      <Table.Td>
        <Anchor component={Link} to={taskPath(task)} fw={500}>
          {task.name}
        </Anchor>
        <Text size="xs" c="dimmed" ff="monospace">
          {task.id}
        </Text>
      </Table.Td>
      <Table.Td>
        <Anchor component={Link} to={projectPath({ name: task.project })} size="sm">
          {task.project}
        </Anchor>
      </Table.Td>
      <Table.Td>
        <Badge variant="light" color={task.enabled ? "green" : "gray"} data-testid="task-state">
          {task.enabled ? "enabled" : "disabled"}
        </Badge>
      </Table.Td>
      <Table.Td>
        <Text size="sm">{task.rank}</Text>
      </Table.Td>
      <Table.Td>
        <Instant value={task.updatedAt} />
        {task.updatedBy && (
          <Text size="xs" c="dimmed">
            v{task.version} by {task.updatedBy}
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        <Instant value={nextFireOf(task)} relative />
      </Table.Td>
    </Table.Tr>
  );
}

function TaskCard({ task }: { readonly task: Task }) {
  const next = useMemo(() => nextFireOf(task), [task]);
  return (
    <Card withBorder padding="sm" radius="md" data-task={task.name}>
      <Group justify="space-between" wrap="nowrap">
        <Anchor component={Link} to={taskPath(task)} fw={500} style={{ overflowWrap: "anywhere" }}>
          {task.name}
        </Anchor>
        <Badge variant="light" color={task.enabled ? "green" : "gray"}>
          {task.enabled ? "enabled" : "disabled"}
        </Badge>
      </Group>
      <Text size="xs" c="dimmed" mt={4}>
        {task.project} · rank {task.rank}
      </Text>
      {next && (
        <Text size="xs" c="dimmed">
          next <Instant value={next} size="xs" relative />
        </Text>
      )}
    </Card>
  );
}
