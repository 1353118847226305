/**
 * The signed-in user's API tokens: create one (its secret is shown once, with a copy
 * button, and never again), see when each was last used, revoke one.
 */
import {
  Alert,
  Badge,
  Button,
  Code,
  CopyButton,
  Group,
  Modal,
  NumberInput,
  Stack,
  Table,
  Text,
  TextInput,
} from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { IconCheck, IconCopy, IconKey, IconPlus } from "@tabler/icons-react";
import { type FormEvent, useState } from "react";
import { ApiError } from "../api/client.js";
import { tokenApi } from "../api/endpoints.js";
import { keys } from "../api/query-keys.js";
import type { ApiToken, CreatedToken } from "../api/types.js";
import { invalidate, useQuery } from "../api/use-query.js";
import { useAction } from "../ui/action.js";
import { ConfirmButton } from "../ui/confirm-button.js";
import { DataTable } from "../ui/data-table.js";
import { PageHeader } from "../ui/page-header.js";
import { QueryView } from "../ui/query-view.js";
import { Instant } from "../ui/time.js";

function tokenState(token: ApiToken): { label: string; color: string } {
  if (token.revokedAt !== null) return { label: "revoked", color: "gray" };
  if (token.expiresAt <= Date.now()) return { label: "expired", color: "orange" };
  return { label: "active", color: "green" };
}

export function TokensPage() {
  const tokens = useQuery(keys.tokens, (signal) => tokenApi.list(signal));
  const [creating, { open, close }] = useDisclosure(false);
  const [run] = useAction();
  return (
    <>
      <PageHeader
        title="API tokens"
        description="For scripts and the CLI: send one as `Authorization: Bearer …`. It acts as you, with your roles."
        actions={
          <Button leftSection={<IconPlus size={18} />} onClick={open}>
            New token
          </Button>
        }
      />
      <NewTokenModal opened={creating} onClose={close} />
      <QueryView
        query={tokens}
        isEmpty={(data) => data.length === 0}
        empty={{
          icon: <IconKey size={32} />,
          title: "No API tokens",
          description:
            "Make one for each program that calls the API, so each can be revoked alone.",
          action: <Button onClick={open}>Create a token</Button>,
        }}
      >
        {(data) => (
          <DataTable
            label="API tokens"
            minWidth={640}
            columns={["Name", "State", "Created", "Expires", "Last used"]}
            actions
          >
            {data.map((token) => {
              const state = tokenState(token);
              return (
                <Table.Tr key={token.id} data-token={token.name}>
                  <Table.Td>
                    <Text size="sm" fw={500}>
                      {token.name}
                    </Text>
                    <Text size="xs" c="dimmed" ff="monospace">
                      {token.id}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Badge color={state.color} variant="light">
                      {state.label}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    <Instant value={token.createdAt} />
                  </Table.Td>
                  <Table.Td>
                    <Instant value={token.expiresAt} relative />
                  </Table.Td>
                  <Table.Td>
                    {token.lastUsedAt === null ? (
                      <Text size="sm" c="dimmed">
                        never
                      </Text>
                    ) : (
                      <Instant value={token.lastUsedAt} relative />
                    )}
                  </Table.Td>
                  <Table.Td>
                    {token.revokedAt === null && (
                      <ConfirmButton
                        size="compact-sm"
                        variant="subtle"
                        title={`Revoke ${token.name}?`}
                        message="Programs using it get 401 from now on. This can't be undone; make a new token instead."
                        confirmLabel="Revoke"
                        onConfirm={() =>
                          run(() => tokenApi.revoke(token.id), {
                            done: `Revoked ${token.name}.`,
                            invalidates: [keys.tokens],
                          })
                        }
                      >
                        Revoke
                      </ConfirmButton>
                    )}
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </DataTable>
        )}
      </QueryView>
    </>
  );
}

function NewTokenModal({
  opened,
  onClose,
}: {
  readonly opened: boolean;
  readonly onClose: () => void;
}) {
  const [name, setName] = useState("");
  const [days, setDays] = useState<number | string>(90);
  const [created, setCreated] = useState<CreatedToken | undefined>();
  const [error, setError] = useState<ApiError | Error | undefined>();
  const [busy, setBusy] = useState(false);

  const close = () => {
    setName("");
    setDays(90);
    setCreated(undefined);
    setError(undefined);
    onClose();
  };

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      setCreated(await tokenApi.create({ name: name.trim(), expiresInDays: Number(days) }));
      invalidate(keys.tokens);
    } catch (caught) {
      setError(caught instanceof Error ? caught : new Error(String(caught)));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal
      opened={opened}
      onClose={close}
      title={created ? "Your new token" : "New API token"}
      centered
      size="lg"
    >
      {created ? (
        <Stack gap="md">
          <Alert color="yellow" variant="light" title="Copy it now">
            This is the only time the token is shown. Sundial keeps only its hash, so a lost token
            can't be recovered, only replaced.
          </Alert>
          <Code block data-testid="token-secret" style={{ wordBreak: "break-all" }}>
            {created.secret}
          </Code>
          <Group justify="space-between">
            <CopyButton value={created.secret}>
              {({ copied, copy }) => (
                <Button
                  color={copied ? "teal" : undefined}
                  leftSection={copied ? <IconCheck size={16} /> : <IconCopy size={16} />}
                  onClick={copy}
                >
                  {copied ? "Copied" : "Copy token"}
                </Button>
              )}
            </CopyButton>
            <Button variant="default" onClick={close}>
              Done
            </Button>
          </Group>
        </Stack>
      ) : (
        <form onSubmit={submit}>
          <Stack gap="md">
            {error && (
              <Alert color="red" variant="light" role="alert">
                {error.message}
              </Alert>
            )}
            <TextInput
              label="Name"
              description="What it is for, e.g. CI deploys"
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              required
              maxLength={200}
              data-autofocus
              error={error instanceof ApiError && error.field === "name" ? true : undefined}
            />
            <NumberInput
              label="Expires in (days)"
              min={1}
              max={3650}
              allowDecimal={false}
              value={days}
              onChange={setDays}
            />
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button type="submit" loading={busy}>
                Create token
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
