/**
 * The jobs table's filters, held in the URL (`/jobs?status=RUNNING,PENDING&hasErrors=true`)
 * so that a filtered view can be bookmarked and shared. Times are the browser's wall
 * times (`datetime-local`) and become instants for the API.
 */
import {
  Badge,
  Button,
  CloseButton,
  Collapse,
  Group,
  MultiSelect,
  Select,
  SimpleGrid,
  TagsInput,
  TextInput,
} from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { IconCalendarSearch, IconFilterOff } from "@tabler/icons-react";
import { JOB_STATUS_LIST, type JobFindQuery } from "../api/types.js";

export const RANGE_FIELDS = [
  ["createFrom", "Created after"],
  ["createTo", "Created before"],
  ["startFrom", "Started after"],
  ["startTo", "Started before"],
  ["endFrom", "Ended after"],
  ["endTo", "Ended before"],
] as const;

const LIST = (text: string | null): string[] =>
  text === null ? [] : text.split(",").filter((part) => part !== "");

/** The API query the URL's filters ask for. */
export function jobQueryOf(params: URLSearchParams, size: number): JobFindQuery {
  const query: Record<string, unknown> = { _size: size };
  const status = LIST(params.get("status"));
  const type = LIST(params.get("type"));
  if (status.length > 0) query.status = status.join(",");
  if (type.length > 0) query.type = type.join(",");
  const errors = params.get("hasErrors");
  if (errors === "true" || errors === "false") query.hasErrors = errors === "true";
  const schedule = params.get("scheduleId");
  if (schedule) query.scheduleId = schedule;
  for (const [field] of RANGE_FIELDS) {
    const ms = Date.parse(params.get(field) ?? "");
    if (!Number.isNaN(ms)) query[field] = ms;
  }
  return query as JobFindQuery;
}

export function JobFilters({
  params,
  onChange,
  knownTypes,
}: {
  readonly params: URLSearchParams;
  /** The new filters; the page keeps them in its URL. */
  readonly onChange: (next: URLSearchParams) => void;
  readonly knownTypes: readonly string[];
}) {
  const ranges = RANGE_FIELDS.filter(([field]) => params.get(field));
  const [showRanges, { toggle }] = useDisclosure(ranges.length > 0);
  const set = (key: string, value: string | null) => {
    const next = new URLSearchParams(params);
    if (value === null || value === "") next.delete(key);
    else next.set(key, value);
    onChange(next);
  };
  const types = LIST(params.get("type"));
  const scheduleId = params.get("scheduleId");

  return (
    <>
      <Group gap="sm" align="flex-end" mb="sm">
        <MultiSelect
          label="Status"
          placeholder={LIST(params.get("status")).length === 0 ? "Any" : undefined}
          data={[...JOB_STATUS_LIST]}
          value={LIST(params.get("status"))}
          onChange={(value) => set("status", value.join(","))}
          clearable
          w={{ base: "100%", xs: 260 }}
        />
        <TagsInput
          label="Type"
          placeholder={types.length === 0 ? "Any" : undefined}
          data={[...knownTypes]}
          value={types}
          onChange={(value) => set("type", value.join(","))}
          clearable
          w={{ base: "100%", xs: 220 }}
        />
        <Select
          label="Errors"
          data={[
            { value: "", label: "Any" },
            { value: "true", label: "With errors" },
            { value: "false", label: "Without errors" },
          ]}
          value={params.get("hasErrors") ?? ""}
          onChange={(value) => set("hasErrors", value)}
          allowDeselect={false}
          w={{ base: "100%", xs: 160 }}
        />
        <Button
          variant={showRanges ? "light" : "default"}
          leftSection={<IconCalendarSearch size={16} />}
          onClick={toggle}
          aria-expanded={showRanges}
        >
          Time ranges{ranges.length > 0 ? ` (${ranges.length})` : ""}
        </Button>
        {params.size > 0 && (
          <Button
            variant="subtle"
            color="gray"
            leftSection={<IconFilterOff size={16} />}
            onClick={() => onChange(new URLSearchParams())}
          >
            Clear filters
          </Button>
        )}
      </Group>
      {scheduleId && (
        <Badge
          size="lg"
          variant="light"
          mb="sm"
          tt="none"
          rightSection={
            <CloseButton
              size="xs"
              aria-label="Show every schedule's jobs"
              onClick={() => set("scheduleId", null)}
            />
          }
        >
          Schedule: {scheduleId}
        </Badge>
      )}
      <Collapse expanded={showRanges}>
        <SimpleGrid cols={{ base: 1, xs: 2, md: 3 }} mb="md" spacing="sm">
          {RANGE_FIELDS.map(([field, label]) => (
            <TextInput
              key={field}
              label={label}
              type="datetime-local"
              value={params.get(field) ?? ""}
              onChange={(e) => set(field, e.currentTarget.value)}
            />
          ))}
        </SimpleGrid>
      </Collapse>
    </>
  );
}
