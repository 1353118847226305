/**
 * Create (`/connections/new`) or edit (`/connections/:name`) a connection: the fields of
 * its type, secrets as set or not set, and "Test connection" on what is saved.
 */
import { Alert, Button, Group, Paper, Select, SimpleGrid, Stack, TextInput } from "@mantine/core";
import { IconAlertCircle, IconPlugConnected } from "@tabler/icons-react";
import { type FormEvent, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { ApiError } from "../api/client.js";
import { connectionApi } from "../api/endpoints.js";
import { keys } from "../api/query-keys.js";
import type { Connection, ConnectionTestResult, ConnectionType } from "../api/types.js";
import { invalidate, useQuery } from "../api/use-query.js";
import { notifyDone, notifyError, useAction } from "../ui/action.js";
import { ConfirmButton } from "../ui/confirm-button.js";
import { PageHeader } from "../ui/page-header.js";
import { QueryView } from "../ui/query-view.js";
import { FieldInput, TestResult } from "./connection-field-input.js";
import { CONNECTION_TYPE_LABELS } from "./connection-fields.js";
import {
  type ConnectionValues,
  fieldsOf,
  initialValues,
  type SecretMode,
  settingsOf,
} from "./connection-values.js";

const TYPES = Object.keys(CONNECTION_TYPE_LABELS) as ConnectionType[];

export function ConnectionFormPage() {
  const { name } = useParams();
  const stored = useQuery(
    keys.connection(name ?? ""),
    (signal) => connectionApi.get(name ?? "", signal),
    {
      enabled: name !== undefined,
    },
  );
  if (name === undefined) return <ConnectionEditor />;
  return (
    <QueryView query={stored} rows={8}>
      {(connection) => <ConnectionEditor key={connection.updatedAt} stored={connection} />}
    </QueryView>
  );
}

function ConnectionEditor({ stored }: { readonly stored?: Connection }) {
  const navigate = useNavigate();
  const [form, setForm] = useState<ConnectionValues>(() =>
    initialValues(stored?.type ?? "postgres", stored),
  );
  const [problem, setProblem] = useState<Error | undefined>();
  const [saving, setSaving] = useState(false);
  const [result, setResult] = useState<ConnectionTestResult | undefined>();
  const [run, testing] = useAction();

  const setValue = (field: string, value: string | boolean) =>
    setForm((old) => ({ ...old, values: { ...old.values, [field]: value } }));
  const setSecret = (field: string, mode: SecretMode, value = "") =>
    setForm((old) => ({ ...old, secrets: { ...old.secrets, [field]: { mode, value } } }));

  async function submit(event: FormEvent) {
    event.preventDefault();
    setSaving(true);
    setProblem(undefined);
    try {
      const settings = settingsOf(form);
      const description = form.description.trim();
      const saved = stored
        ? await connectionApi.update(stored.name, {
            description: description === "" ? null : description,
            settings,
          })
        : await connectionApi.create({
            name: form.name.trim(),
            type: form.type,
            settings,
            ...(description === "" ? {} : { description }),
          });
      invalidate(keys.connections);
      notifyDone(`Saved ${saved.name}.`);
      navigate(`/connections/${encodeURIComponent(saved.name)}`, { replace: true });
      setSaving(false);
    } catch (error) {
      setProblem(error instanceof Error ? error : new Error(String(error)));
      setSaving(false);
    }
  }

  const errorFor = (field: string) =>
    problem instanceof ApiError && problem.field === `settings.${field}`
      ? problem.message
      : undefined;

  return (
    <>
      <PageHeader
        title={stored ? stored.name : "New connection"}
        description={
          stored ? CONNECTION_TYPE_LABELS[stored.type] : "A named endpoint that exports use."
        }
        actions={
          stored && (
            <>
              <Button
                variant="light"
                leftSection={<IconPlugConnected size={16} />}
                loading={testing}
                onClick={async () => {
                  setResult(undefined);
                  setResult(await run(() => connectionApi.test(stored.name)));
                }}
              >
                Test connection
              </Button>
              <ConfirmButton
                variant="subtle"
                title={`Delete ${stored.name}?`}
                message="Exports that use it will fail until they name another connection."
                confirmLabel="Delete"
                onConfirm={async () => {
                  try {
                    await connectionApi.delete(stored.name);
                  } catch (error) {
                    notifyError(error);
                    return;
                  }
                  invalidate(keys.connections);
                  notifyDone(`Deleted ${stored.name}.`);
                  navigate("/connections");
                }}
              >
                Delete
              </ConfirmButton>
            </>
          )
        }
      />
      {result && <TestResult result={result} />}
      <Paper withBorder radius="md" p="lg" maw={760}>
        <form onSubmit={submit}>
          <Stack gap="md">
            {problem && (
              <Alert
                color="red"
                variant="light"
                icon={<IconAlertCircle />}
                title="Not saved"
                role="alert"
              >
                {problem.message}
              </Alert>
            )}
            {!stored && (
              <>
                <Select
                  label="Type"
                  data={TYPES.map((type) => ({ value: type, label: CONNECTION_TYPE_LABELS[type] }))}
                  value={form.type}
                  onChange={(value) =>
                    setForm((old) => ({
                      ...initialValues((value ?? "postgres") as ConnectionType),
                      name: old.name,
                      description: old.description,
                    }))
                  }
                  allowDeselect={false}
                  searchable
                />
                <TextInput
                  label="Name"
                  description="How exports name it; it can't be changed later"
                  value={form.name}
                  onChange={(e) => {
                    const name = e.currentTarget.value;
                    setForm((old) => ({ ...old, name }));
                  }}
                  required
                  error={
                    problem instanceof ApiError && problem.field === "name"
                      ? problem.message
                      : undefined
                  }
                />
              </>
            )}
            <TextInput
              label="Description"
              value={form.description}
              onChange={(e) => {
                const description = e.currentTarget.value;
                setForm((old) => ({ ...old, description }));
              }}
            />
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              {fieldsOf(form.type).map((field) => (
                <FieldInput
                  key={`${form.type}.${field.name}`}
                  field={field}
                  form={form}
                  stored={stored}
                  error={errorFor(field.name)}
                  setValue={setValue}
                  setSecret={setSecret}
                />
              ))}
            </SimpleGrid>
            <Group gap="sm">
              <Button type="submit" loading={saving}>
                {stored ? "Save changes" : "Create connection"}
              </Button>
              <Button variant="default" component={Link} to="/connections">
                Cancel
              </Button>
            </Group>
          </Stack>
        </form>
      </Paper>
    </>
  );
}
