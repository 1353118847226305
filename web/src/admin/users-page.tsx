/**
 * Users (admins only): create one, change roles, reset a password, disable or enable.
 * Deleting disables, so the audit log and the jobs a user ran keep the name.
 */
import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  Checkbox,
  Group,
  Menu,
  Modal,
  PasswordInput,
  Stack,
  Table,
  Text,
  TextInput,
} from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import {
  IconDots,
  IconLock,
  IconUserCheck,
  IconUserOff,
  IconUserPlus,
  IconUsers,
} from "@tabler/icons-react";
import { type FormEvent, type ReactNode, useState } from "react";
import { userApi } from "../api/endpoints.js";
import { keys } from "../api/query-keys.js";
import { ROLE_LIST, type Role, type User } from "../api/types.js";
import { invalidate, useQuery } from "../api/use-query.js";
import { useMe } from "../session/session.js";
import { notifyDone, useAction } from "../ui/action.js";
import { DataTable } from "../ui/data-table.js";
import { PageHeader } from "../ui/page-header.js";
import { QueryView } from "../ui/query-view.js";
import { Instant } from "../ui/time.js";

const ROLE_HELP: Readonly<Record<Role, string>> = {
  admin: "everything, users included",
  operator: "change and run schedules, jobs, connections",
  viewer: "read; own tokens and password",
};

function RolesInput({
  value,
  onChange,
}: {
  readonly value: Role[];
  readonly onChange: (roles: Role[]) => void;
}) {
  return (
    <Checkbox.Group label="Roles" value={value} onChange={(v) => onChange(v as Role[])} required>
      <Stack gap={6} mt={6}>
        {ROLE_LIST.map((role) => (
          <Checkbox key={role} value={role} label={role} description={ROLE_HELP[role]} />
        ))}
      </Stack>
    </Checkbox.Group>
  );
}

/** A form in a modal that shows the server's message when it refuses. */
function FormModal({
  opened,
  onClose,
  title,
  submitLabel,
  onSubmit,
  children,
}: {
  readonly opened: boolean;
  readonly onClose: () => void;
  readonly title: string;
  readonly submitLabel: string;
  readonly onSubmit: () => Promise<unknown>;
  readonly children: ReactNode;
}) {
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await onSubmit();
      onClose();
    } catch (caught) {
      setError((caught as Error).message);
    } finally {
      setBusy(false);
    }
  }
  return (
    <Modal opened={opened} onClose={onClose} title={title} centered>
      <form onSubmit={submit}>
        <Stack gap="md">
          {error && (
            <Alert color="red" variant="light" role="alert">
              {error}
            </Alert>
          )}
          {children}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={busy}>
              {submitLabel}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

export function UsersPage() {
  const users = useQuery(keys.users, (signal) => userApi.list(signal));
  const [creating, { open, close }] = useDisclosure(false);
  return (
    <>
      <PageHeader
        title="Users"
        description="Who may sign in, and with which roles. Each role includes the ones below it."
        actions={
          <Button leftSection={<IconUserPlus size={18} />} onClick={open}>
            New user
          </Button>
        }
      />
      <NewUserModal opened={creating} onClose={close} />
      <QueryView
        query={users}
        isEmpty={(data) => data.length === 0}
        empty={{
          icon: <IconUsers size={32} />,
          title: "No users",
          description: "Create the first one.",
        }}
      >
        {(data) => (
          <DataTable
            label="Users"
            minWidth={700}
            columns={["Name", "Roles", "Groups", "Last sign-in"]}
            actions
          >
            {data.map((user) => (
              <UserRow key={user.id} user={user} />
            ))}
          </DataTable>
        )}
      </QueryView>
    </>
  );
}

function UserRow({ user }: { readonly user: User }) {
  const me = useMe();
  const [run] = useAction();
  const [editing, roles] = useDisclosure(false);
  const [resetting, password] = useDisclosure(false);
  return (
    <Table.Tr data-user={user.name} style={user.disabled ? { opacity: 0.6 } : undefined}>
      <Table.Td>
        <Group gap={6}>
          <Text size="sm" fw={500}>
            {user.name}
          </Text>
          {user.disabled && (
            <Badge color="gray" size="sm">
              disabled
            </Badge>
          )}
          {!user.hasPassword && (
            <Badge color="gray" variant="outline" size="sm">
              tokens only
            </Badge>
          )}
        </Group>
      </Table.Td>
      <Table.Td>
        <Group gap={4}>
          {user.roles.map((role) => (
            <Badge
              key={role}
              variant="light"
              color={role === "admin" ? "red" : role === "operator" ? "indigo" : "gray"}
            >
              {role}
            </Badge>
          ))}
        </Group>
      </Table.Td>
      <Table.Td>
        <Text size="sm" c={user.groups.length ? undefined : "dimmed"}>
          {user.groups.join(", ") || "—"}
        </Text>
      </Table.Td>
      <Table.Td>
        {user.lastLoginAt === null ? (
          <Text size="sm" c="dimmed">
            never
          </Text>
        ) : (
          <Instant value={user.lastLoginAt} relative />
        )}
      </Table.Td>
      <Table.Td>
        <Menu position="bottom-end" withinPortal>
          <Menu.Target>
            <ActionIcon variant="subtle" color="gray" aria-label={`Actions for ${user.name}`}>
              <IconDots size={18} />
            </ActionIcon>
          </Menu.Target>
          <Menu.Dropdown>
            <Menu.Item leftSection={<IconUsers size={16} />} onClick={roles.open}>
              Change roles
            </Menu.Item>
            <Menu.Item leftSection={<IconLock size={16} />} onClick={password.open}>
              Reset password
            </Menu.Item>
            {user.disabled ? (
              <Menu.Item
                leftSection={<IconUserCheck size={16} />}
                onClick={() =>
                  run(() => userApi.update(user.name, { disabled: false }), {
                    done: `${user.name} can sign in again.`,
                    invalidates: [keys.users],
                  })
                }
              >
                Enable
              </Menu.Item>
            ) : (
              <Menu.Item
                color="red"
                leftSection={<IconUserOff size={16} />}
                disabled={user.name === me.name}
                onClick={() =>
                  run(() => userApi.disable(user.name), {
                    done: `${user.name} is disabled: sessions ended, tokens stopped.`,
                    invalidates: [keys.users],
                  })
                }
              >
                Disable
              </Menu.Item>
            )}
          </Menu.Dropdown>
        </Menu>
        <RolesModal user={user} opened={editing} onClose={roles.close} />
        <PasswordModal user={user} opened={resetting} onClose={password.close} />
      </Table.Td>
    </Table.Tr>
  );
}

function NewUserModal({
  opened,
  onClose,
}: {
  readonly opened: boolean;
  readonly onClose: () => void;
}) {
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [roles, setRoles] = useState<Role[]>(["viewer"]);
  const close = () => {
    setName("");
    setPassword("");
    setRoles(["viewer"]);
    onClose();
  };
  return (
    <FormModal
      opened={opened}
      onClose={close}
      title="New user"
      submitLabel="Create user"
      onSubmit={async () => {
        await userApi.create({
          name: name.trim(),
          roles,
          ...(password === "" ? {} : { password }),
        });
        invalidate(keys.users);
        notifyDone(`Created ${name.trim()}.`);
      }}
    >
      <TextInput
        label="Name"
        description="Letters, digits and . _ @ -"
        value={name}
        onChange={(e) => setName(e.currentTarget.value)}
        required
        data-autofocus
      />
      <PasswordInput
        label="Password"
        description="12 characters or more; leave empty for an account that only uses API tokens"
        value={password}
        onChange={(e) => setPassword(e.currentTarget.value)}
        autoComplete="new-password"
      />
      <RolesInput value={roles} onChange={setRoles} />
    </FormModal>
  );
}

function RolesModal({
  user,
  opened,
  onClose,
}: {
  readonly user: User;
  readonly opened: boolean;
  readonly onClose: () => void;
}) {
  const [roles, setRoles] = useState<Role[]>([...user.roles]);
  return (
    <FormModal
      opened={opened}
      onClose={onClose}
      title={`Roles of ${user.name}`}
      submitLabel="Save roles"
      onSubmit={async () => {
        await userApi.update(user.name, { roles });
        invalidate(keys.users);
        notifyDone(`${user.name}: ${roles.join(", ")}.`);
      }}
    >
      <RolesInput value={roles} onChange={setRoles} />
    </FormModal>
  );
}

function PasswordModal({
  user,
  opened,
  onClose,
}: {
  readonly user: User;
  readonly opened: boolean;
  readonly onClose: () => void;
}) {
  const [password, setPassword] = useState("");
  return (
    <FormModal
      opened={opened}
      onClose={() => {
        setPassword("");
        onClose();
      }}
      title={`New password for ${user.name}`}
      submitLabel="Set password"
      onSubmit={async () => {
        await userApi.setPassword(user.name, { password });
        setPassword("");
        notifyDone(`Set a new password for ${user.name}; their sessions ended.`);
      }}
    >
      <Text size="sm" c="dimmed">
        Their browser sessions end; their API tokens keep working. Tell them the password another
        way.
      </Text>
      <PasswordInput
        label="New password"
        description="12 characters or more"
        value={password}
        onChange={(e) => setPassword(e.currentTarget.value)}
        autoComplete="new-password"
        minLength={12}
        required
        data-autofocus
      />
    </FormModal>
  );
}
