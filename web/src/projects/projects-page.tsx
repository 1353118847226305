/**
 * Every project: its owners, run mode and task count, searched and filtered by the URL
 * (`?search=sales&owner=me`). Each row opens the project's page.
 */
import {
  Anchor,
  Badge,
  Button,
  Card,
  Group,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
} from "@mantine/core";
import { useDebouncedValue, useMediaQuery } from "@mantine/hooks";
import { IconFolderPlus, IconFolders, IconSearch } from "@tabler/icons-react";
import { useEffect, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { projectApi } from "../api/endpoints.js";
import { keys } from "../api/query-keys.js";
import type { ProjectSummary } from "../api/types.js";
import { useQuery } from "../api/use-query.js";
import { hasRole, useMe } from "../session/session.js";
import { DataTable } from "../ui/data-table.js";
import { PageHeader } from "../ui/page-header.js";
import { QueryView } from "../ui/query-view.js";
import { Instant } from "../ui/time.js";

export const projectPath = (project: { readonly name: string }) =>
  `/projects/${encodeURIComponent(project.name)}`;

/** A search box whose text goes to the URL once typing pauses. */
export function useUrlSearch(params: URLSearchParams, onChange: (value: string) => void) {
  const [text, setText] = useState(params.get("search") ?? "");
  const [debounced] = useDebouncedValue(text, 300);
  // biome-ignore lint/correctness/useExhaustiveDependencies: only a new text changes the URL.
  useEffect(() => {
    if (debounced !== (params.get("search") ?? "")) onChange(debounced);
  }, [debounced]);
  return [text, setText] as const;
}

export function ProjectsPage() {
  const me = useMe();
  const canEdit = hasRole(me, "operator");
  const [params, setParams] = useSearchParams();
  const mine = params.get("owner") === "me";
  const search = params.get("search") ?? "";
  const narrow = useMediaQuery("(max-width: 48em)");
  const query = { ...(mine ? { owner: "me" } : {}), ...(search ? { search } : {}) };
  const list = useQuery(keys.projectList(query), (signal) => projectApi.list(query, signal), {
    refreshMs: 30_000,
  });
  const filter = (key: string, value: string | null) =>
    setParams(
      (old) => {
        const next = new URLSearchParams(old);
        if (value === null || value === "") next.delete(key);
        else next.set(key, value);
        return next;
      },
      { replace: true },
    );
  const [text, setText] = useUrlSearch(params, (value) => filter("search", value));

  return (
    <>
      <PageHeader
        title="Projects"
        description="Groups of export tasks with owners, shared parameters and schedules."
        actions={
          canEdit && (
            <Button component={Link} to="/projects/new" leftSection={<IconFolderPlus size={18} />}>
              New project
            </Button>
          )
        }
      />
      <Group gap="sm" mb="md" align="flex-end">
        <TextInput
          label="Search"
          placeholder="Part of the name"
          leftSection={<IconSearch size={16} />}
          value={text}
          onChange={(e) => setText(e.currentTarget.value)}
          w={260}
        />
        <Switch
          label="Mine only"
          checked={mine}
          onChange={(e) => filter("owner", e.currentTarget.checked ? "me" : null)}
          mb={8}
        />
      </Group>
      <QueryView
        query={list}
        isEmpty={(data) => data.result.length === 0}
        empty={{
          icon: <IconFolders size={32} />,
          title: params.size > 0 ? "No project matches" : "No projects yet",
          description:
            params.size > 0
              ? "Clear the search or the filter to see more."
              : "A project groups export tasks: what they read, the files they write and where those go.",
          ...(canEdit && params.size === 0
            ? {
                action: (
                  <Button component={Link} to="/projects/new">
                    Create the first project
                  </Button>
                ),
              }
            : {}),
        }}
      >
        {(data) =>
          narrow ? (
            <Stack gap="xs">
              {data.result.map((project) => (
                <ProjectCard key={project.id} project={project} />
              ))}
            </Stack>
          ) : (
            <DataTable
              label="Projects"
              minWidth={720}
              columns={["Project", "Owners", "Run mode", "Tasks", "Changed"]}
              highlight
            >
              {data.result.map((project) => (
                <Table.Tr key={project.id} data-project={project.name}>
                  <Table.Td>
                    <Anchor component={Link} to={projectPath(project)} fw={500}>
                      {project.name}
                    </Anchor>
                    {project.description && (
                      <Text size="xs" c="dimmed" lineClamp={2}>
                        {project.description}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{project.owners.join(", ") || "—"}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Badge variant="light" color="gray">
                      {project.runMode}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    <Anchor
                      component={Link}
                      to={`/tasks?project=${encodeURIComponent(project.name)}`}
                      size="sm"
                    >
                      {project.taskCount}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>
                    <Instant value={project.updatedAt} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </DataTable>
          )
        }
      </QueryView>
    </>
  );
}

function ProjectCard({ project }: { readonly project: ProjectSummary }) {
  return (
    <Card withBorder padding="sm" radius="md" data-project={project.name}>
      <Group justify="space-between" wrap="nowrap">
        <Anchor component={Link} to={projectPath(project)} fw={500}>
          {project.name}
        </Anchor>
        <Badge variant="light" color="gray">
          {project.runMode}
        </Badge>
      </Group>
      {project.description && (
        <Text size="xs" c="dimmed" lineClamp={2}>
          {project.description}
        </Text>
      )}
      <Text size="xs" c="dimmed" mt={4}>
        {project.taskCount} {project.taskCount === 1 ? "task" : "tasks"} ·{" "}
        {project.owners.join(", ") || "no owner"}
      </Text>
    </Card>
  );
}
