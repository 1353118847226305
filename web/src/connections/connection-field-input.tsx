/** One setting of a connection form, by kind; a secret as set or not set; a test's result. */
import {
  Alert,
  Badge,
  Checkbox,
  Group,
  JsonInput,
  NumberInput,
  PasswordInput,
  SegmentedControl,
  Select,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from "@mantine/core";
import { IconAlertCircle, IconCircleCheck } from "@tabler/icons-react";
import type { Connection, ConnectionTestResult } from "../api/types.js";
import type { Field } from "./connection-fields.js";
import { type ConnectionValues, type SecretMode, secretIsSet } from "./connection-values.js";

export function FieldInput({
  field,
  form,
  stored,
  error,
  setValue,
  setSecret,
}: {
  readonly field: Field;
  readonly form: ConnectionValues;
  readonly stored: Connection | undefined;
  readonly error: string | undefined;
  readonly setValue: (field: string, value: string | boolean) => void;
  readonly setSecret: (field: string, mode: SecretMode, value?: string) => void;
}) {
  const value = form.values[field.name];
  const common = {
    label: field.label,
    description: field.description,
    placeholder: field.placeholder,
    required: field.required ?? false,
    error,
  };
  const wide = { gridColumn: "1 / -1" };
  switch (field.kind) {
    case "boolean":
      return (
        <Checkbox
          label={field.label}
          description={field.description}
          checked={value === true}
          onChange={(e) => setValue(field.name, e.currentTarget.checked)}
          mt="md"
        />
      );
    case "number":
      return (
        <NumberInput
          {...common}
          allowDecimal={false}
          value={typeof value === "string" ? value : ""}
          onChange={(v) => setValue(field.name, String(v))}
        />
      );
    case "select":
      return (
        <Select
          {...common}
          data={field.options?.map((o) => ({ ...o })) ?? []}
          value={typeof value === "string" && value !== "" ? value : null}
          onChange={(v) => setValue(field.name, v ?? "")}
          clearable={!field.required}
        />
      );
    case "textarea":
      return (
        <Textarea
          {...common}
          style={wide}
          autosize
          minRows={3}
          maxRows={12}
          styles={{ input: { fontFamily: "var(--mantine-font-family-monospace)" } }}
          value={typeof value === "string" ? value : ""}
          onChange={(e) => setValue(field.name, e.currentTarget.value)}
        />
      );
    case "json":
      return (
        <JsonInput
          {...common}
          style={wide}
          autosize
          minRows={3}
          validationError="Not valid JSON"
          value={typeof value === "string" ? value : ""}
          onChange={(v) => setValue(field.name, v)}
        />
      );
    case "secret":
      return (
        <SecretInput
          field={field}
          form={form}
          stored={stored}
          error={error}
          setSecret={setSecret}
        />
      );
    default:
      return (
        <TextInput
          {...common}
          value={typeof value === "string" ? value : ""}
          onChange={(e) => setValue(field.name, e.currentTarget.value)}
        />
      );
  }
}

function SecretInput({
  field,
  form,
  stored,
  error,
  setSecret,
}: {
  readonly field: Field;
  readonly form: ConnectionValues;
  readonly stored: Connection | undefined;
  readonly error: string | undefined;
  readonly setSecret: (field: string, mode: SecretMode, value?: string) => void;
}) {
  const secret = form.secrets[field.name] ?? { mode: "replace" as const, value: "" };
  const isSet = secretIsSet(stored, field.name);
  const multiline = field.name === "privateKey";
  return (
    <Stack gap={4} style={multiline ? { gridColumn: "1 / -1" } : undefined}>
      <Group gap="xs" justify="space-between">
        <Text size="sm" fw={500}>
          {field.label}
        </Text>
        <Badge
          size="sm"
          variant="light"
          color={isSet ? "green" : "gray"}
          data-testid={`secret-${field.name}`}
        >
          {isSet ? "set" : "not set"}
        </Badge>
      </Group>
      {isSet && (
        <SegmentedControl
          size="xs"
          aria-label={`${field.label}: keep, replace or remove`}
          data={[
            { value: "keep", label: "Keep" },
            { value: "replace", label: "Replace" },
            { value: "remove", label: "Remove" },
          ]}
          value={secret.mode}
          onChange={(mode) => setSecret(field.name, mode as SecretMode)}
        />
      )}
      {secret.mode === "replace" &&
        (multiline ? (
          <Textarea
            aria-label={field.label}
            description={field.description}
            autosize
            minRows={3}
            styles={{ input: { fontFamily: "var(--mantine-font-family-monospace)" } }}
            value={secret.value}
            onChange={(e) => setSecret(field.name, "replace", e.currentTarget.value)}
            error={error}
            autoComplete="off"
          />
        ) : (
          <PasswordInput
            aria-label={field.label}
            description={field.description}
            value={secret.value}
            onChange={(e) => setSecret(field.name, "replace", e.currentTarget.value)}
            error={error}
            autoComplete="new-password"
          />
        ))}
      {secret.mode !== "replace" && error && (
        <Text size="xs" c="red">
          {error}
        </Text>
      )}
    </Stack>
  );
}

export function TestResult({ result }: { readonly result: ConnectionTestResult }) {
  const details = Object.entries(result.details ?? {});
  return (
    <Alert
      mb="md"
      maw={760}
      color={result.ok ? "green" : "red"}
      variant="light"
      icon={result.ok ? <IconCircleCheck /> : <IconAlertCircle />}
      title={result.ok ? "The connection works" : "The connection failed"}
      data-testid="connection-test-result"
    >
      <Text size="sm">{result.message}</Text>
      {details.length > 0 && (
        <Table mt="xs" withRowBorders={false} verticalSpacing={2}>
          <Table.Tbody>
            {details.map(([key, value]) => (
              <Table.Tr key={key}>
                <Table.Td w={180}>
                  <Title order={3} size="xs">
                    {key}
                  </Title>
                </Table.Td>
                <Table.Td>
                  <Text size="xs" ff="monospace" style={{ wordBreak: "break-all" }}>
                    {value}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Alert>
  );
}
