/**
 * Groups (admins only): users brought together to start jobs of the types the group is
 * granted, whatever their role.
 */
import {
  Alert,
  Badge,
  Button,
  Group,
  Modal,
  MultiSelect,
  Stack,
  Table,
  TagsInput,
  Text,
  TextInput,
} from "@mantine/core";
import { IconUsersGroup, IconUsersPlus } from "@tabler/icons-react";
import { type FormEvent, useState } from "react";
import { groupApi, userApi } from "../api/endpoints.js";
import { keys } from "../api/query-keys.js";
import type { Group as UserGroup } from "../api/types.js";
import { invalidate, useQuery } from "../api/use-query.js";
import { notifyDone, useAction } from "../ui/action.js";
import { ConfirmButton } from "../ui/confirm-button.js";
import { DataTable } from "../ui/data-table.js";
import { PageHeader } from "../ui/page-header.js";
import { QueryView } from "../ui/query-view.js";

export function GroupsPage() {
  const groups = useQuery(keys.groups, (signal) => groupApi.list(signal));
  const [editing, setEditing] = useState<UserGroup | "new" | undefined>();
  const [run] = useAction();
  return (
    <>
      <PageHeader
        title="Groups"
        description="Members may start jobs of the group's job types, whatever their role."
        actions={
          <Button leftSection={<IconUsersPlus size={18} />} onClick={() => setEditing("new")}>
            New group
          </Button>
        }
      />
      {editing !== undefined && (
        <GroupModal
          group={editing === "new" ? undefined : editing}
          onClose={() => setEditing(undefined)}
        />
      )}
      <QueryView
        query={groups}
        isEmpty={(data) => data.length === 0}
        empty={{
          icon: <IconUsersGroup size={32} />,
          title: "No groups",
          description:
            "An `exporters` group granted `export` lets its viewers run exports, and nothing else.",
          action: <Button onClick={() => setEditing("new")}>Create a group</Button>,
        }}
      >
        {(data) => (
          <DataTable
            label="Groups"
            minWidth={600}
            columns={["Name", "Members", "May start"]}
            actions
          >
            {data.map((group) => (
              <Table.Tr key={group.id} data-group={group.name}>
                <Table.Td>
                  <Text size="sm" fw={500}>
                    {group.name}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" c={group.members.length ? undefined : "dimmed"}>
                    {group.members.join(", ") || "nobody yet"}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Group gap={4}>
                    {group.jobTypes.map((type) => (
                      <Badge key={type} variant="light" tt="none">
                        {type}
                      </Badge>
                    ))}
                  </Group>
                </Table.Td>
                <Table.Td>
                  <Group gap={4} justify="flex-end" wrap="nowrap">
                    <Button size="compact-sm" variant="subtle" onClick={() => setEditing(group)}>
                      Edit
                    </Button>
                    <ConfirmButton
                      size="compact-sm"
                      variant="subtle"
                      title={`Delete ${group.name}?`}
                      message="Its members keep their roles but lose its grants."
                      confirmLabel="Delete"
                      onConfirm={() =>
                        run(() => groupApi.delete(group.name), {
                          done: `Deleted ${group.name}.`,
                          invalidates: [keys.groups, keys.users],
                        })
                      }
                    >
                      Delete
                    </ConfirmButton>
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </DataTable>
        )}
      </QueryView>
    </>
  );
}

function GroupModal({
  group,
  onClose,
}: {
  readonly group: UserGroup | undefined;
  readonly onClose: () => void;
}) {
  const users = useQuery(keys.users, (signal) => userApi.list(signal));
  const [name, setName] = useState(group?.name ?? "");
  const [members, setMembers] = useState<string[]>([...(group?.members ?? [])]);
  const [jobTypes, setJobTypes] = useState<string[]>([...(group?.jobTypes ?? [])]);
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await groupApi.put(name.trim(), { members, jobTypes });
      invalidate(keys.groups, keys.users);
      notifyDone(`Saved ${name.trim()}.`);
      onClose();
    } catch (caught) {
      setError((caught as Error).message);
      setBusy(false);
    }
  }
  return (
    <Modal opened onClose={onClose} title={group ? `Group ${group.name}` : "New group"} centered>
      <form onSubmit={submit}>
        <Stack gap="md">
          {error && (
            <Alert color="red" variant="light" role="alert">
              {error}
            </Alert>
          )}
          {!group && (
            <TextInput
              label="Name"
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              required
              data-autofocus
            />
          )}
          <MultiSelect
            label="Members"
            data={users.data?.map((user) => user.name) ?? members}
            value={members}
            onChange={setMembers}
            searchable
            nothingFoundMessage={users.loading ? "Loading users…" : "No such user"}
          />
          <TagsInput
            label="Job types they may start"
            description="Press Enter after each: export, script, …"
            value={jobTypes}
            onChange={setJobTypes}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={busy}>
              Save group
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
