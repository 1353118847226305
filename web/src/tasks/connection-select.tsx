/** A select of the stored connections of the types a setting takes, with a way to add one. */
import { Anchor, Select, Text } from "@mantine/core";
import { Link } from "react-router";
import { connectionApi } from "../api/endpoints.js";
import { keys } from "../api/query-keys.js";
import { useQuery } from "../api/use-query.js";

export function ConnectionSelect({
  label,
  types,
  value,
  onChange,
  error,
  description,
  required = false,
  disabled = false,
  inline = false,
}: {
  readonly label: string;
  readonly types: readonly string[];
  readonly value: string;
  readonly onChange: (name: string) => void;
  readonly error?: string | undefined;
  readonly description?: string;
  readonly required?: boolean;
  readonly disabled?: boolean;
  /** The stored setting holds inline settings, kept until a connection is picked. */
  readonly inline?: boolean;
}) {
  const list = useQuery(keys.connections, (signal) => connectionApi.list(signal));
  const fitting = (list.data?.result ?? []).filter((c) => types.includes(c.type));
  const data = fitting.map((c) => ({ value: c.name, label: `${c.name} (${c.type})` }));
  if (value !== "" && !data.some((d) => d.value === value)) {
    data.push({ value, label: `${value} (not found)` });
  }
  return (
    <Select
      label={label}
      placeholder={
        list.loading
          ? "Loading connections…"
          : inline
            ? "Inline settings (kept)"
            : "Pick a connection"
      }
      description={
        description ??
        (list.data && fitting.length === 0 ? (
          <Text span size="xs">
            No {types.join(" or ")} connection yet.{" "}
            <Anchor component={Link} to="/connections/new" size="xs">
              Add one
            </Anchor>
          </Text>
        ) : undefined)
      }
      data={data}
      value={value === "" ? null : value}
      onChange={(name) => onChange(name ?? "")}
      error={error ?? (list.error ? list.error.message : undefined)}
      required={required}
      disabled={disabled}
      searchable
      nothingFoundMessage={`No ${types.join("/")} connection`}
    />
  );
}
