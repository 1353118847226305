/**
 * The schedules of a project or task, as a list of entries the user adds, edits and
 * removes. Each entry shows its trigger's description and next five fire times as it is
 * typed, with the server's message for an invalid one (the schedule form's preview).
 * Fields the form doesn't show (`dst`, `misfireThreshold`, …) are kept from the stored entry.
 */
import {
  Autocomplete,
  Card,
  Grid,
  Group,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Text,
  TextInput,
} from "@mantine/core";
import { useMemo } from "react";
import type { ScheduleEntries } from "../api/endpoints.js";
import type { ScheduleView, TriggerPreviewInput } from "../api/types.js";
import {
  INTERVAL_UNITS,
  TRIGGER_HELP,
  TRIGGER_TYPES,
  type TriggerType,
  toLocalInput,
} from "../schedules/schedule-form.js";
import { TriggerPreviewCard, useTriggerPreview } from "../schedules/trigger-preview.js";
import { AddItemButton, ItemTitle } from "../ui/item-list.js";
import { Instant } from "../ui/time.js";

export const ZONES = (() => {
  try {
    return Intl.supportedValuesOf("timeZone");
  } catch {
    return ["UTC"];
  }
})();

export interface EntryForm {
  /** A key for React, stable while the list is edited. */
  readonly key: string;
  readonly type: TriggerType;
  readonly expression: string;
  readonly every: number | string;
  readonly unit: string;
  readonly anchor: string;
  readonly at: string;
  /** Empty: the project's or task's zone. */
  readonly timeZone: string;
  readonly enabled: boolean;
  readonly misfirePolicy: "fireAndProceed" | "doNothing";
  /** The stored entry, for the fields this form doesn't show. */
  readonly kept: Readonly<Record<string, unknown>>;
}

let next = 0;
const newKey = () => `entry-${++next}`;

export function newEntry(): EntryForm {
  return {
    key: newKey(),
    type: "cron",
    expression: "",
    every: 1,
    unit: "days",
    anchor: "",
    at: "",
    timeZone: "",
    enabled: true,
    misfirePolicy: "fireAndProceed",
    kept: {},
  };
}

/** An ISO instant as a `datetime-local` wall time in `zone`; wall times stay as written. */
function wallTime(value: unknown, zone: string): string {
  if (typeof value !== "string") return "";
  return /(Z|[+-]\d\d:?\d\d)$/.test(value) ? toLocalInput(value, zone || "UTC") : value;
}

export function entryFormOf(entry: ScheduleView | Readonly<Record<string, unknown>>): EntryForm {
  const { _id, nextFireTime, ...kept } = entry as Record<string, unknown>;
  const zone = typeof kept.timeZone === "string" ? kept.timeZone : "";
  const expression =
    typeof kept.schedule === "string"
      ? kept.schedule
      : typeof kept.expression === "string"
        ? kept.expression
        : "";
  const stated = typeof kept.type === "string" ? kept.type : undefined;
  const type: TriggerType = (TRIGGER_TYPES as readonly string[]).includes(stated ?? "")
    ? (stated as TriggerType)
    : kept.every !== undefined
      ? "interval"
      : kept.at !== undefined
        ? "once"
        : "cron";
  return {
    key: newKey(),
    type,
    expression,
    every: typeof kept.every === "number" ? kept.every : 1,
    unit: typeof kept.unit === "string" ? kept.unit : "days",
    anchor: wallTime(kept.anchor, zone),
    at: wallTime(kept.at, zone),
    timeZone: zone,
    enabled: kept.enabled !== false,
    misfirePolicy: kept.misfirePolicy === "doNothing" ? "doNothing" : "fireAndProceed",
    kept,
  };
}

const text = (value: string) => (value.trim() === "" ? undefined : value.trim());

function triggerOf(entry: EntryForm): Record<string, unknown> {
  const zone = text(entry.timeZone);
  const base: Record<string, unknown> = { type: entry.type, ...(zone ? { timeZone: zone } : {}) };
  if (entry.type === "interval") {
    return { ...base, every: Number(entry.every), unit: entry.unit, anchor: text(entry.anchor) };
  }
  if (entry.type === "once") return { ...base, at: text(entry.at) };
  return { ...base, expression: entry.expression.trim() };
}

/** The entries as the API takes them. */
export function entriesInput(entries: readonly EntryForm[]): ScheduleEntries {
  return entries.map((entry) => {
    const { expression, ...trigger } = triggerOf(entry);
    const kept = { ...entry.kept };
    for (const key of ["type", "schedule", "expression", "every", "unit", "anchor", "at"]) {
      delete kept[key];
    }
    delete kept.timeZone;
    const all: Record<string, unknown> = {
      ...kept,
      ...trigger,
      ...(expression === undefined ? {} : { schedule: expression }),
      enabled: entry.enabled,
      misfirePolicy: entry.misfirePolicy,
    };
    return Object.fromEntries(
      Object.entries(all).filter(([, v]) => v !== undefined),
    ) as ScheduleEntries[number];
  });
}

function previewOf(entry: EntryForm, zone: string): TriggerPreviewInput | undefined {
  if (
    entry.type === "once"
      ? entry.at.trim() === ""
      : entry.type !== "interval" && entry.expression.trim() === ""
  ) {
    return undefined;
  }
  const trigger = triggerOf(entry);
  return Object.fromEntries(
    Object.entries({ ...trigger, timeZone: trigger.timeZone ?? zone, count: 5 }).filter(
      ([, v]) => v !== undefined,
    ),
  ) as TriggerPreviewInput;
}

function EntryEditor({
  entry,
  index,
  zone,
  onChange,
  onRemove,
  fieldError,
  disabled,
}: {
  readonly entry: EntryForm;
  readonly index: number;
  readonly zone: string;
  readonly onChange: (entry: EntryForm) => void;
  readonly onRemove: () => void;
  readonly fieldError: (field: string) => string | undefined;
  readonly disabled: boolean;
}) {
  const input = useMemo(() => previewOf(entry, zone), [entry, zone]);
  const preview = useTriggerPreview(input);
  const set = <K extends keyof EntryForm>(key: K, value: EntryForm[K]) =>
    onChange({ ...entry, [key]: value });
  const invalid = preview.kind === "done" && !preview.preview.valid ? preview.preview : undefined;
  const at = `schedules[${index}]`;
  const help = TRIGGER_HELP[entry.type];
  return (
    <Card withBorder radius="md" padding="sm" data-testid={`schedule-entry-${index}`}>
      <Grid gap="md">
        <Grid.Col span={{ base: 12, md: 7 }}>
          <Stack gap="xs">
            <ItemTitle noun="Schedule" index={index} onRemove={onRemove} disabled={disabled} />
            <SimpleGrid cols={{ base: 1, xs: 2 }}>
              <Select
                label="Trigger type"
                data={TRIGGER_TYPES.map((t) => ({ value: t, label: TRIGGER_HELP[t].label }))}
                value={entry.type}
                onChange={(value) => set("type", (value ?? "cron") as TriggerType)}
                allowDeselect={false}
                disabled={disabled}
              />
              <Autocomplete
                label="Time zone"
                placeholder={`${zone} (default)`}
                data={ZONES}
                limit={30}
                value={entry.timeZone}
                onChange={(value) => set("timeZone", value)}
                error={
                  invalid?.field === "timeZone" ? invalid.detail : fieldError(`${at}.timeZone`)
                }
                disabled={disabled}
              />
            </SimpleGrid>
            {(entry.type === "cron" || entry.type === "unix" || entry.type === "calendar") && (
              <TextInput
                label="Expression"
                description={help.hint}
                placeholder={help.placeholder}
                value={entry.expression}
                onChange={(e) => set("expression", e.currentTarget.value)}
                error={
                  invalid && invalid.field !== "timeZone"
                    ? invalid.detail
                    : (fieldError(`${at}.schedule`) ?? fieldError(at))
                }
                styles={{ input: { fontFamily: "var(--mantine-font-family-monospace)" } }}
                autoComplete="off"
                spellCheck={false}
                disabled={disabled}
              />
            )}
            {entry.type === "interval" && (
              <SimpleGrid cols={{ base: 1, xs: 3 }}>
                <NumberInput
                  label="Every"
                  min={1}
                  allowDecimal={false}
                  value={entry.every}
                  onChange={(value) => set("every", value)}
                  disabled={disabled}
                />
                <Select
                  label="Unit"
                  data={INTERVAL_UNITS}
                  value={entry.unit}
                  onChange={(value) => set("unit", value ?? "days")}
                  allowDeselect={false}
                  disabled={disabled}
                />
                <TextInput
                  label="From (anchor)"
                  type="datetime-local"
                  value={entry.anchor}
                  onChange={(e) => set("anchor", e.currentTarget.value)}
                  disabled={disabled}
                />
              </SimpleGrid>
            )}
            {entry.type === "once" && (
              <TextInput
                label="At"
                type="datetime-local"
                value={entry.at}
                onChange={(e) => set("at", e.currentTarget.value)}
                error={fieldError(`${at}.at`)}
                disabled={disabled}
              />
            )}
            <Group gap="lg">
              <Select
                label="Missed fires"
                data={[
                  { value: "fireAndProceed", label: "Run once, then carry on" },
                  { value: "doNothing", label: "Skip, wait for the next" },
                ]}
                value={entry.misfirePolicy}
                onChange={(value) =>
                  set("misfirePolicy", (value ?? "fireAndProceed") as EntryForm["misfirePolicy"])
                }
                allowDeselect={false}
                w={240}
                disabled={disabled}
              />
              <Switch
                label="Enabled"
                checked={entry.enabled}
                onChange={(e) => set("enabled", e.currentTarget.checked)}
                mt="lg"
                disabled={disabled}
              />
            </Group>
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <TriggerPreviewCard state={preview} />
        </Grid.Col>
      </Grid>
    </Card>
  );
}

export function ScheduleEntriesEditor({
  entries,
  onChange,
  zone,
  fieldError,
  disabled = false,
}: {
  readonly entries: readonly EntryForm[];
  readonly onChange: (entries: EntryForm[]) => void;
  /** The zone of entries that name none. */
  readonly zone: string;
  readonly fieldError: (field: string) => string | undefined;
  readonly disabled?: boolean;
}) {
  return (
    <Stack gap="sm">
      {entries.length === 0 && (
        <Text size="sm" c="dimmed">
          No schedule: it runs only when someone runs it.
        </Text>
      )}
      {entries.map((entry, i) => (
        <EntryEditor
          key={entry.key}
          entry={entry}
          index={i}
          zone={zone}
          disabled={disabled}
          fieldError={fieldError}
          onChange={(changed) => onChange(entries.map((e, j) => (j === i ? changed : e)))}
          onRemove={() => onChange(entries.filter((_, j) => j !== i))}
        />
      ))}
      <AddItemButton
        label="Add a schedule"
        onClick={() => onChange([...entries, newEntry()])}
        disabled={disabled}
      />
    </Stack>
  );
}

/** A trigger in a few words. */
export function entryText(entry: Readonly<Record<string, unknown>>): string {
  if (typeof entry.schedule === "string") return entry.schedule;
  if (typeof entry.expression === "string") return entry.expression;
  if (entry.every !== undefined) return `every ${String(entry.every)} ${String(entry.unit ?? "")}`;
  if (entry.at !== undefined) return `once at ${String(entry.at)}`;
  return String(entry.type ?? "");
}

/** Stored schedules, read-only: the trigger, the zone and the next fire, each linking to its schedule. */
export function ScheduleList({ schedules }: { readonly schedules: readonly ScheduleView[] }) {
  if (schedules.length === 0) {
    return (
      <Text size="sm" c="dimmed">
        No schedule: it runs when someone runs it.
      </Text>
    );
  }
  return (
    <Stack gap={6}>
      {schedules.map((s) => (
        <Group key={s._id} gap="xs" wrap="wrap" data-schedule-entry={s._id}>
          <Text size="sm" ff="monospace">
            {entryText(s)}
          </Text>
          {typeof s.timeZone === "string" && (
            <Text size="xs" c="dimmed">
              {s.timeZone}
            </Text>
          )}
          {s.enabled === false ? (
            <Text size="xs" c="dimmed">
              (disabled)
            </Text>
          ) : (
            <Text size="xs" c="dimmed">
              next:{" "}
              {s.nextFireTime === null ? (
                "none"
              ) : (
                <Instant value={s.nextFireTime} size="xs" relative />
              )}
            </Text>
          )}
        </Group>
      ))}
    </Stack>
  );
}
