/**
 * Create or edit a schedule (`/schedules/new`, `/schedules/:id/edit`): the trigger with a
 * live preview beside it, what it runs, and its policies. Saving answers the server's
 * message next to the form when it refuses.
 */
import {
  Alert,
  Anchor,
  Autocomplete,
  Fieldset,
  Grid,
  JsonInput,
  NumberInput,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  TagsInput,
  TextInput,
} from "@mantine/core";
import { IconAlertCircle } from "@tabler/icons-react";
import { type FormEvent, useEffect, useMemo, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { ApiError } from "../api/client.js";
import { scheduleApi } from "../api/endpoints.js";
import { keys } from "../api/query-keys.js";
import type { ScheduleDetail, ScheduleInput } from "../api/types.js";
import { invalidate, useQuery } from "../api/use-query.js";
import { hasRole, useMe } from "../session/session.js";
import { notifyDone } from "../ui/action.js";
import { FormActions } from "../ui/form-actions.js";
import { PageHeader } from "../ui/page-header.js";
import { QueryView } from "../ui/query-view.js";
import {
  CONTEXT_TEMPLATES,
  contextError,
  emptyForm,
  fromSchedule,
  INTERVAL_UNITS,
  inputOf,
  LOG_LEVELS,
  type LogLevel,
  previewOf,
  type ScheduleForm,
  storedInput,
  TRIGGER_HELP,
  TRIGGER_TYPES,
  type TriggerType,
} from "./schedule-form.js";
import { TriggerPreviewCard, useTriggerPreview } from "./trigger-preview.js";

const WINDOW_FIELDS = ["timeZone", "startTime", "endTime"];

const ZONES = (() => {
  try {
    return Intl.supportedValuesOf("timeZone");
  } catch {
    return ["UTC"];
  }
})();

export function ScheduleFormPage() {
  const { id } = useParams();
  const schedule = useQuery(
    keys.schedule(id ?? ""),
    (signal) => scheduleApi.get(id ?? "", signal),
    { enabled: id !== undefined },
  );
  if (id === undefined) return <ScheduleEditor />;
  return (
    <QueryView query={schedule} rows={8}>
      {(stored) => <ScheduleEditor key={stored.updatedAt} stored={stored} />}
    </QueryView>
  );
}

function ScheduleEditor({ stored }: { readonly stored?: ScheduleDetail }) {
  const me = useMe();
  const navigate = useNavigate();
  const canEdit = hasRole(me, "operator");
  const [form, setForm] = useState<ScheduleForm>(() =>
    stored ? fromSchedule(stored) : emptyForm(),
  );
  const [saving, setSaving] = useState(false);
  const [problem, setProblem] = useState<ApiError | Error | undefined>();
  const set = <K extends keyof ScheduleForm>(key: K, value: ScheduleForm[K]) =>
    setForm((old) => ({ ...old, [key]: value }));

  const previewInput = useMemo(() => previewOf(form), [form]);
  const preview = useTriggerPreview(previewInput);
  const invalidTrigger =
    preview.kind === "done" && !preview.preview.valid ? preview.preview : undefined;
  const jsonError = contextError(form);

  useEffect(() => {
    if (problem) document.getElementById("form-problem")?.focus();
  }, [problem]);

  function pickService(service: string) {
    setForm((old) => {
      const template = CONTEXT_TEMPLATES[service];
      const untouched =
        old.invokeContext.trim() === "" ||
        Object.values(CONTEXT_TEMPLATES).some(
          (t) => JSON.stringify(t, null, 2) === old.invokeContext,
        );
      return {
        ...old,
        invokeService: service,
        ...(template !== undefined && untouched
          ? { invokeContext: JSON.stringify(template, null, 2) }
          : {}),
      };
    });
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (jsonError) return;
    setSaving(true);
    setProblem(undefined);
    try {
      // Only what the form doesn't show is carried over; the trigger is the form's own.
      const kept: Partial<ScheduleInput> = {};
      if (stored) {
        const old = storedInput(stored);
        if (old.dst !== undefined) kept.dst = old.dst;
        if (old.persisted !== undefined) kept.persisted = old.persisted;
      }
      const input = inputOf(form, kept);
      let saved: { _id: string };
      if (stored) saved = await scheduleApi.put(stored._id, input);
      else if (form.id.trim() === "") saved = await scheduleApi.create(input);
      else {
        const taken = await scheduleApi.get(form.id.trim()).then(
          () => true,
          (error: unknown) => {
            if (error instanceof ApiError && error.code === "notFound") return false;
            throw error;
          },
        );
        if (taken) {
          throw new ApiError(
            409,
            "conflict",
            `A schedule with the id ${form.id.trim()} exists; choose another id, or edit that one.`,
            "_id",
          );
        }
        saved = await scheduleApi.put(form.id.trim(), input);
      }
      invalidate(keys.schedules);
      notifyDone(`Saved schedule ${saved._id}.`);
      navigate(`/schedules?saved=${encodeURIComponent(saved._id)}`);
    } catch (error) {
      setProblem(error instanceof Error ? error : new Error(String(error)));
      setSaving(false);
    }
  }

  const help = TRIGGER_HELP[form.type];
  const fieldError = (field: string) =>
    problem instanceof ApiError && problem.field === field ? problem.message : undefined;
  // Errors about the zone or the window go next to those fields; the rest are the expression's.
  const expressionError =
    invalidTrigger && !WINDOW_FIELDS.includes(invalidTrigger.field)
      ? invalidTrigger.detail
      : (fieldError("schedule") ?? fieldError("expression"));

  return (
    <form onSubmit={submit} aria-label={stored ? `Edit schedule ${stored._id}` : "New schedule"}>
      <PageHeader
        title={stored ? stored._id : "New schedule"}
        tabTitle={stored ? `Edit ${stored._id}` : "New schedule"}
        description={
          stored ? (
            <>
              Edit this schedule. An edit that keeps the timing keeps its next fire.{" "}
              <Anchor
                component={Link}
                to={`/jobs?scheduleId=${encodeURIComponent(stored._id)}`}
                size="sm"
              >
                See its jobs
              </Anchor>
            </>
          ) : (
            "A trigger, what it runs, and what to do with fires it misses."
          )
        }
      />
      {problem && (
        <Alert
          id="form-problem"
          tabIndex={-1}
          color="red"
          variant="light"
          icon={<IconAlertCircle />}
          title={problem instanceof ApiError ? `Not saved (${problem.code})` : "Not saved"}
          mb="md"
          role="alert"
        >
          {problem.message}
        </Alert>
      )}
      <Grid gap="lg">
        <Grid.Col span={{ base: 12, md: 7 }}>
          <Stack gap="lg">
            {!stored && (
              <TextInput
                label="Id"
                description="How lists, jobs and the API name it: 1-200 characters; leave empty for a generated one"
                value={form.id}
                onChange={(e) => set("id", e.currentTarget.value)}
                maxLength={200}
                error={fieldError("_id") ?? fieldError("id")}
                data-autofocus
              />
            )}
            <Fieldset legend="Trigger" disabled={!canEdit}>
              <Stack gap="sm">
                <SegmentedControl
                  aria-label="Trigger type"
                  value={form.type}
                  onChange={(value) => set("type", value as TriggerType)}
                  data={TRIGGER_TYPES.map((type) => ({
                    value: type,
                    label: TRIGGER_HELP[type].label,
                  }))}
                  fullWidth
                  style={{ overflowX: "auto" }}
                />
                {(form.type === "cron" || form.type === "unix" || form.type === "calendar") && (
                  <TextInput
                    label="Expression"
                    description={help.hint}
                    placeholder={help.placeholder}
                    value={form.expression}
                    onChange={(e) => set("expression", e.currentTarget.value)}
                    error={expressionError}
                    styles={{ input: { fontFamily: "var(--mantine-font-family-monospace)" } }}
                    autoComplete="off"
                    spellCheck={false}
                    required
                  />
                )}
                {form.type === "interval" && (
                  <SimpleGrid cols={{ base: 1, xs: 3 }}>
                    <NumberInput
                      label="Every"
                      min={1}
                      allowDecimal={false}
                      value={form.every}
                      onChange={(value) => set("every", value)}
                      required
                    />
                    <Select
                      label="Unit"
                      data={INTERVAL_UNITS}
                      value={form.unit}
                      onChange={(value) => set("unit", value ?? "hours")}
                      allowDeselect={false}
                    />
                    <TextInput
                      label="From (anchor)"
                      type="datetime-local"
                      step={1}
                      value={form.anchor}
                      onChange={(e) => set("anchor", e.currentTarget.value)}
                      description="Default: the start time"
                    />
                  </SimpleGrid>
                )}
                {form.type === "once" && (
                  <TextInput
                    label="At"
                    type="datetime-local"
                    step={1}
                    value={form.at}
                    onChange={(e) => set("at", e.currentTarget.value)}
                    description="In the schedule's time zone"
                    required
                  />
                )}
                <Autocomplete
                  label="Time zone"
                  description="Wall times in the trigger are in this zone, daylight saving included."
                  data={ZONES}
                  limit={30}
                  value={form.timeZone}
                  onChange={(value) => set("timeZone", value)}
                  error={invalidTrigger?.field === "timeZone" ? invalidTrigger.detail : undefined}
                />
                <SimpleGrid cols={{ base: 1, xs: 2 }}>
                  <TextInput
                    label="Not before"
                    type="datetime-local"
                    step={1}
                    value={form.startTime}
                    onChange={(e) => set("startTime", e.currentTarget.value)}
                    error={
                      invalidTrigger?.field === "startTime" ? invalidTrigger.detail : undefined
                    }
                  />
                  <TextInput
                    label="Not after"
                    type="datetime-local"
                    step={1}
                    value={form.endTime}
                    onChange={(e) => set("endTime", e.currentTarget.value)}
                    error={invalidTrigger?.field === "endTime" ? invalidTrigger.detail : undefined}
                  />
                </SimpleGrid>
              </Stack>
            </Fieldset>

            <Fieldset legend="What it runs" disabled={!canEdit}>
              <Stack gap="sm">
                <Autocomplete
                  label="Job type (invokeService)"
                  description="script, command, http, or a type this server defines"
                  data={Object.keys(CONTEXT_TEMPLATES)}
                  value={form.invokeService}
                  onChange={pickService}
                  error={fieldError("invokeService")}
                  required
                />
                <JsonInput
                  label="Invoke context"
                  description="The job's data, as JSON"
                  value={form.invokeContext}
                  onChange={(value) => set("invokeContext", value)}
                  error={jsonError ?? problemUnder(problem, "invokeContext")}
                  autosize
                  minRows={5}
                  maxRows={20}
                  spellCheck={false}
                />
                <Select
                  label="Log level of its jobs"
                  data={[...LOG_LEVELS]}
                  value={form.invokeLogLevel}
                  onChange={(value) => set("invokeLogLevel", (value ?? "info") as LogLevel)}
                  allowDeselect={false}
                  w={200}
                />
              </Stack>
            </Fieldset>

            <Fieldset legend="Policies" disabled={!canEdit}>
              <Stack gap="sm">
                <SimpleGrid cols={{ base: 1, xs: 2 }}>
                  <Select
                    label="Missed fires"
                    description="When a fire could not start in time"
                    data={[
                      { value: "fireAndProceed", label: "Run once, then carry on" },
                      { value: "doNothing", label: "Skip, wait for the next" },
                    ]}
                    value={form.misfirePolicy}
                    onChange={(value) =>
                      set(
                        "misfirePolicy",
                        (value ?? "fireAndProceed") as ScheduleForm["misfirePolicy"],
                      )
                    }
                    allowDeselect={false}
                  />
                  <NumberInput
                    label="Late by (seconds) before missed"
                    min={0}
                    value={form.misfireThresholdSeconds}
                    onChange={(value) => set("misfireThresholdSeconds", value)}
                  />
                </SimpleGrid>
                <TagsInput
                  label="Owners"
                  description="User names; default: you"
                  value={form.owners}
                  onChange={(value) => set("owners", value)}
                />
                <Switch
                  label="Let a fire start while the previous job still runs"
                  checked={form.concurrentExecution}
                  onChange={(e) => set("concurrentExecution", e.currentTarget.checked)}
                />
                <Switch
                  label="Enabled"
                  checked={form.enabled}
                  onChange={(e) => set("enabled", e.currentTarget.checked)}
                />
              </Stack>
            </Fieldset>
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <div style={{ position: "sticky", top: 72 }}>
            <TriggerPreviewCard state={preview} />
          </div>
        </Grid.Col>
      </Grid>
      <FormActions
        canEdit={canEdit}
        saving={saving}
        creating={stored === undefined}
        noun="schedule"
        cancelTo={"/schedules"}
        disabled={jsonError !== undefined}
      />
    </form>
  );
}

/** The server's message when it names `field` or a field inside it. */
function problemUnder(problem: Error | undefined, field: string): string | undefined {
  if (!(problem instanceof ApiError) || problem.field === undefined) return undefined;
  return problem.field === field || problem.field.startsWith(`${field}.`)
    ? problem.message
    : undefined;
}
