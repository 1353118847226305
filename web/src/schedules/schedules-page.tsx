/**
 * Every schedule: its trigger, next fire, enabled state and what it runs, filtered by the
 * URL (`?enabled=false&type=cron`), a page of 100 at a time. Operators switch schedules on
 * and off, edit and delete them here.
 */
import {
  ActionIcon,
  Anchor,
  Badge,
  Button,
  Card,
  Code,
  Group,
  Menu,
  Modal,
  Select,
  Stack,
  Switch,
  Table,
  Text,
} from "@mantine/core";
import { useDisclosure, useMediaQuery } from "@mantine/hooks";
import {
  IconCalendarPlus,
  IconDots,
  IconEdit,
  IconListDetails,
  IconTrash,
} from "@tabler/icons-react";
import { useState } from "react";
import { Link, useSearchParams } from "react-router";
import { scheduleApi } from "../api/endpoints.js";
import { keys } from "../api/query-keys.js";
import type { Schedule, ScheduleListQuery } from "../api/types.js";
import { useQuery } from "../api/use-query.js";
import { hasRole, useMe } from "../session/session.js";
import { useAction } from "../ui/action.js";
import { DataTable } from "../ui/data-table.js";
import { PageHeader } from "../ui/page-header.js";
import { QueryView } from "../ui/query-view.js";
import { Instant } from "../ui/time.js";
import { storedInput, TRIGGER_TYPES } from "./schedule-form.js";

const PAGE = 100;

/** The trigger in a few words: the expression, or its interval or instant. */
function triggerText(schedule: Schedule): string {
  if (schedule.schedule) return schedule.schedule;
  if (schedule.every !== undefined) return `every ${schedule.every} ${schedule.unit ?? ""}`.trim();
  if (schedule.at) return `once at ${schedule.at}`;
  return schedule.type;
}

export function SchedulesPage() {
  const me = useMe();
  const canEdit = hasRole(me, "operator");
  const [params, setParams] = useSearchParams();
  const enabled = params.get("enabled") ?? "";
  const type = params.get("type") ?? "";
  const mine = params.get("owner") === "me";
  const [pages, setPages] = useState<string[]>([]);
  const narrow = useMediaQuery("(max-width: 48em)");
  const query: ScheduleListQuery = {
    _size: PAGE,
    ...(enabled === "" ? {} : { enabled: enabled === "true" }),
    ...(type === "" ? {} : { type: type as ScheduleListQuery["type"] }),
    ...(mine ? { owner: "me" } : {}),
  };
  const list = useQuery(
    keys.scheduleList({ ...query, pages }),
    async (signal) => {
      // Pages already shown are read again, so a refresh keeps what the user scrolled to.
      const first = await scheduleApi.list(query, signal);
      const rest = await Promise.all(
        pages.map((cookie) => scheduleApi.list({ ...query, _pagedResultsCookie: cookie }, signal)),
      );
      const all = [first, ...rest];
      return {
        result: all.flatMap((page) => page.result),
        cookie: all.at(-1)?.pagedResultsCookie ?? null,
      };
    },
    { refreshMs: 30_000 },
  );

  const filter = (key: string, value: string | null) => {
    setPages([]);
    setParams(
      (old) => {
        const next = new URLSearchParams(old);
        if (value === null || value === "") next.delete(key);
        else next.set(key, value);
        return next;
      },
      { replace: true },
    );
  };

  return (
    <>
      <PageHeader
        title="Schedules"
        description="Triggers and what they run. Each fire makes one job, across the cluster."
        actions={
          canEdit && (
            <Button
              component={Link}
              to="/schedules/new"
              leftSection={<IconCalendarPlus size={18} />}
            >
              New schedule
            </Button>
          )
        }
      />
      <Group gap="sm" mb="md" align="flex-end">
        <Select
          label="State"
          w={150}
          data={[
            { value: "", label: "All" },
            { value: "true", label: "Enabled" },
            { value: "false", label: "Disabled" },
          ]}
          value={enabled}
          onChange={(value) => filter("enabled", value)}
          allowDeselect={false}
        />
        <Select
          label="Trigger type"
          w={150}
          data={[
            { value: "", label: "All" },
            ...TRIGGER_TYPES.map((t) => ({ value: t, label: t })),
          ]}
          value={type}
          onChange={(value) => filter("type", value)}
          allowDeselect={false}
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
          title: params.size > 0 ? "No schedule matches these filters" : "No schedules yet",
          description:
            params.size > 0
              ? "Clear a filter to see more."
              : "A schedule runs a job on a trigger: a cron expression, a calendar, an interval or one instant.",
          ...(canEdit && params.size === 0
            ? {
                action: (
                  <Button component={Link} to="/schedules/new">
                    Create the first schedule
                  </Button>
                ),
              }
            : {}),
        }}
      >
        {(data) => (
          <Stack gap="sm">
            {narrow ? (
              data.result.map((schedule) => (
                <ScheduleCard key={schedule._id} schedule={schedule} canEdit={canEdit} />
              ))
            ) : (
              <DataTable
                label="Schedules"
                minWidth={720}
                columns={["Schedule", "Trigger", "Next fire", "Runs", "Enabled"]}
                actions
                highlight
              >
                {data.result.map((schedule) => (
                  <ScheduleRow key={schedule._id} schedule={schedule} canEdit={canEdit} />
                ))}
              </DataTable>
            )}
            {data.cookie !== null && (
              <Button
                variant="default"
                onClick={() => setPages((old) => [...old, data.cookie as string])}
                style={{ alignSelf: "center" }}
              >
                Show {PAGE} more
              </Button>
            )}
          </Stack>
        )}
      </QueryView>
    </>
  );
}

function EnabledSwitch({
  schedule,
  canEdit,
}: {
  readonly schedule: Schedule;
  readonly canEdit: boolean;
}) {
  const [run, busy] = useAction();
  const setEnabled = (enabled: boolean) =>
    run(() => scheduleApi.put(schedule._id, { ...storedInput(schedule), enabled }), {
      done: `${schedule._id} ${enabled ? "enabled" : "disabled"}.`,
      invalidates: [keys.schedules],
    });
  return (
    <Switch
      checked={schedule.enabled}
      disabled={!canEdit || busy}
      onChange={(e) => setEnabled(e.currentTarget.checked)}
      aria-label={`${schedule.enabled ? "Disable" : "Enable"} ${schedule._id}`}
    />
  );
}

function ScheduleActions({
  schedule,
  canEdit,
}: {
  readonly schedule: Schedule;
  readonly canEdit: boolean;
}) {
  const [run] = useAction();
  const [confirming, { open, close }] = useDisclosure(false);
  const id = encodeURIComponent(schedule._id);
  return (
    <>
      <Menu position="bottom-end" withinPortal>
        <Menu.Target>
          <ActionIcon variant="subtle" color="gray" aria-label={`Actions for ${schedule._id}`}>
            <IconDots size={18} />
          </ActionIcon>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Item
            component={Link}
            to={`/schedules/${id}/edit`}
            leftSection={<IconEdit size={16} />}
          >
            {canEdit ? "Edit" : "View"}
          </Menu.Item>
          <Menu.Item
            component={Link}
            to={`/jobs?scheduleId=${id}`}
            leftSection={<IconListDetails size={16} />}
          >
            Its jobs
          </Menu.Item>
          {canEdit && (
            <Menu.Item color="red" leftSection={<IconTrash size={16} />} onClick={open}>
              Delete
            </Menu.Item>
          )}
        </Menu.Dropdown>
      </Menu>
      <Modal opened={confirming} onClose={close} title={`Delete ${schedule._id}?`} centered>
        <Text size="sm">
          It stops firing at once; its jobs stay. A schedule from a <code>conf/</code> file comes
          back when its file changes or the server restarts.
        </Text>
        <Group justify="flex-end" mt="lg">
          <Button variant="default" onClick={close}>
            Keep it
          </Button>
          <Button
            color="red"
            data-autofocus
            onClick={async () => {
              close();
              await run(() => scheduleApi.delete(schedule._id), {
                done: `Deleted ${schedule._id}.`,
                invalidates: [keys.schedules],
              });
            }}
          >
            Delete
          </Button>
        </Group>
      </Modal>
    </>
  );
}

function NextFire({ schedule }: { readonly schedule: Schedule }) {
  if (schedule.nextFireTime === null) {
    return (
      <Text size="sm" c="dimmed">
        {schedule.enabled ? "won't fire again" : "—"}
      </Text>
    );
  }
  return <Instant value={schedule.nextFireTime} relative />;
}

function ScheduleCard({
  schedule,
  canEdit,
}: {
  readonly schedule: Schedule;
  readonly canEdit: boolean;
}) {
  return (
    <Card withBorder padding="sm" radius="md" data-schedule={schedule._id}>
      <Group justify="space-between" wrap="nowrap" gap="xs">
        <Anchor
          component={Link}
          to={`/schedules/${encodeURIComponent(schedule._id)}/edit`}
          fw={500}
          style={{ overflowWrap: "anywhere" }}
        >
          {schedule._id}
        </Anchor>
        <Group gap={4} wrap="nowrap">
          <EnabledSwitch schedule={schedule} canEdit={canEdit} />
          <ScheduleActions schedule={schedule} canEdit={canEdit} />
        </Group>
      </Group>
      <Code mt={4}>{triggerText(schedule)}</Code>
      <Text size="xs" c="dimmed" mt={4}>
        {schedule.invokeService} · {schedule.timeZone}
      </Text>
      <NextFire schedule={schedule} />
    </Card>
  );
}

function ScheduleRow({
  schedule,
  canEdit,
}: {
  readonly schedule: Schedule;
  readonly canEdit: boolean;
}) {
  const id = encodeURIComponent(schedule._id);
  return (
    <Table.Tr data-schedule={schedule._id}>
      <Table.Td>
        <Anchor
          component={Link}
          to={`/schedules/${id}/edit`}
          fw={500}
          style={{ overflowWrap: "anywhere" }}
        >
          {schedule._id}
        </Anchor>
        {schedule.owners.length > 0 && (
          <Text size="xs" c="dimmed">
            {schedule.owners.join(", ")}
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        <Group gap={6} wrap="nowrap">
          <Badge variant="light" color="gray" size="sm" style={{ flexShrink: 0 }}>
            {schedule.type}
          </Badge>
          <Code>{triggerText(schedule)}</Code>
        </Group>
        <Text size="xs" c="dimmed">
          {schedule.timeZone}
        </Text>
      </Table.Td>
      <Table.Td>
        <NextFire schedule={schedule} />
      </Table.Td>
      <Table.Td>
        <Anchor component={Link} to={`/jobs?scheduleId=${id}`} size="sm">
          {schedule.invokeService}
        </Anchor>
      </Table.Td>
      <Table.Td>
        <EnabledSwitch schedule={schedule} canEdit={canEdit} />
      </Table.Td>
      <Table.Td>
        <ScheduleActions schedule={schedule} canEdit={canEdit} />
      </Table.Td>
    </Table.Tr>
  );
}
