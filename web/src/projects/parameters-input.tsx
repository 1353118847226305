/**
 * Named text parameters as rows of name and value, added and removed one at a time. An
 * API error naming a parameter (`parameters.region-name`) is shown on its row.
 */
import { ActionIcon, Button, Group, Stack, Text, TextInput } from "@mantine/core";
import { IconPlus, IconTrash } from "@tabler/icons-react";

export interface ParameterRow {
  readonly name: string;
  readonly value: string;
}

export function rowsOf(parameters: Readonly<Record<string, string>> | undefined): ParameterRow[] {
  return Object.entries(parameters ?? {}).map(([name, value]) => ({ name, value }));
}

export function parametersOf(rows: readonly ParameterRow[]): Record<string, string> {
  return Object.fromEntries(
    rows.filter((row) => row.name.trim() !== "").map((row) => [row.name.trim(), row.value]),
  );
}

export function ParametersInput({
  rows,
  onChange,
  fieldError,
  field = "parameters",
  disabled = false,
}: {
  readonly rows: readonly ParameterRow[];
  readonly onChange: (rows: ParameterRow[]) => void;
  readonly fieldError: (field: string) => string | undefined;
  readonly field?: string;
  readonly disabled?: boolean;
}) {
  const set = (i: number, row: ParameterRow) =>
    onChange(rows.map((old, j) => (j === i ? row : old)));
  return (
    <Stack gap="xs">
      {rows.length === 0 && (
        <Text size="sm" c="dimmed">
          No parameters. Queries use them as <code>:name</code>, file names and messages as{" "}
          <code>
            {"$"}
            {"{name}"}
          </code>
          .
        </Text>
      )}
      {rows.map((row, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their place.
        <Group key={i} gap="xs" align="flex-start" wrap="nowrap">
          <TextInput
            aria-label={`Parameter ${i + 1} name`}
            placeholder="name"
            value={row.name}
            onChange={(e) => set(i, { ...row, name: e.currentTarget.value })}
            error={fieldError(`${field}.${row.name.trim()}`)}
            style={{ flex: 1 }}
            disabled={disabled}
          />
          <TextInput
            aria-label={`Parameter ${i + 1} value`}
            placeholder="value"
            value={row.value}
            onChange={(e) => set(i, { ...row, value: e.currentTarget.value })}
            style={{ flex: 2 }}
            disabled={disabled}
          />
          <ActionIcon
            variant="subtle"
            color="red"
            mt={4}
            onClick={() => onChange(rows.filter((_, j) => j !== i))}
            aria-label={`Remove parameter ${row.name || i + 1}`}
            disabled={disabled}
          >
            <IconTrash size={16} />
          </ActionIcon>
        </Group>
      ))}
      <Button
        variant="default"
        size="xs"
        leftSection={<IconPlus size={14} />}
        onClick={() => onChange([...rows, { name: "", value: "" }])}
        style={{ alignSelf: "flex-start" }}
        disabled={disabled}
      >
        Add a parameter
      </Button>
    </Stack>
  );
}
