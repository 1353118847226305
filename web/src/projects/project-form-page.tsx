/**
 * Create or edit a project (`/projects/new`, `/projects/:id/edit`): name, description,
 * owners, parameters, run mode, time zone and schedules, each schedule with its trigger's
 * description and next fires as it is typed. The server's refusal is shown next to the
 * field it names.
 */
import {
  Autocomplete,
  Fieldset,
  Group,
  SegmentedControl,
  Stack,
  TagsInput,
  Text,
  Textarea,
  TextInput,
} from "@mantine/core";
import { type FormEvent, useState } from "react";
import { useNavigate, useParams } from "react-router";
import { projectApi } from "../api/endpoints.js";
import { keys } from "../api/query-keys.js";
import type { Project, ProjectInput, RunMode } from "../api/types.js";
import { invalidate, useQuery } from "../api/use-query.js";
import { hasRole, useMe } from "../session/session.js";
import { notifyDone } from "../ui/action.js";
import { FormActions } from "../ui/form-actions.js";
import { PageHeader } from "../ui/page-header.js";
import { QueryView } from "../ui/query-view.js";
import { FormProblem, fieldErrorOf } from "./form-problem.js";
import { type ParameterRow, ParametersInput, parametersOf, rowsOf } from "./parameters-input.js";
import { projectPath } from "./projects-page.js";
import {
  type EntryForm,
  entriesInput,
  entryFormOf,
  ScheduleEntriesEditor,
  ZONES,
} from "./schedule-entries.js";

export function ProjectFormPage() {
  const { id } = useParams();
  const project = useQuery(keys.project(id ?? ""), (signal) => projectApi.get(id ?? "", signal), {
    enabled: id !== undefined,
  });
  if (id === undefined) return <ProjectEditor />;
  return (
    <QueryView query={project} rows={8}>
      {(stored) => <ProjectEditor key={stored.version} stored={stored} />}
    </QueryView>
  );
}

function ProjectEditor({ stored }: { readonly stored?: Project }) {
  const me = useMe();
  const navigate = useNavigate();
  const canEdit = hasRole(me, "operator");
  const [name, setName] = useState(stored?.name ?? "");
  const [description, setDescription] = useState(stored?.description ?? "");
  const [owners, setOwners] = useState<string[]>(stored ? [...stored.owners] : [me.name]);
  const [parameters, setParameters] = useState<ParameterRow[]>(rowsOf(stored?.parameters));
  const [runMode, setRunMode] = useState<RunMode>(stored?.runMode ?? "series");
  const [timeZone, setTimeZone] = useState(stored?.timeZone ?? "UTC");
  const [entries, setEntries] = useState<EntryForm[]>(() =>
    (stored?.schedules ?? []).map(entryFormOf),
  );
  const [saving, setSaving] = useState(false);
  const [problem, setProblem] = useState<Error | undefined>();
  const fieldError = fieldErrorOf(problem);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setSaving(true);
    setProblem(undefined);
    const input: ProjectInput = {
      name: name.trim(),
      description: description.trim() === "" ? null : description.trim(),
      owners,
      parameters: parametersOf(parameters),
      runMode,
      timeZone: timeZone.trim() || "UTC",
      schedules: entriesInput(entries) as ProjectInput["schedules"],
      ...(stored ? { version: stored.version } : {}),
    };
    try {
      const saved = stored
        ? await projectApi.update(stored.id, input)
        : await projectApi.create(input);
      invalidate(keys.projects, keys.schedules);
      notifyDone(`Saved project ${saved.name}.`);
      navigate(projectPath(saved));
    } catch (error) {
      setProblem(error instanceof Error ? error : new Error(String(error)));
      setSaving(false);
    }
  }

  return (
    <form onSubmit={submit} aria-label={stored ? `Edit project ${stored.name}` : "New project"}>
      <PageHeader
        title={stored ? `Edit ${stored.name}` : "New project"}
        description="Its tasks share its owners, parameters and time zone; its schedules run them all."
      />
      <FormProblem problem={problem} />
      <Stack gap="lg" maw={1100}>
        <Fieldset legend="Project" disabled={!canEdit}>
          <Stack gap="sm">
            <TextInput
              label="Name"
              description="Letters, digits, spaces, . _ -; unique"
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              error={fieldError("name")}
              required
              maxLength={100}
              data-autofocus
            />
            <Textarea
              label="Description"
              value={description}
              onChange={(e) => setDescription(e.currentTarget.value)}
              error={fieldError("description")}
              autosize
              minRows={2}
              maxLength={2000}
            />
            <TagsInput
              label="Owners"
              description="User names; their “My tasks” lists this project's tasks"
              value={owners}
              onChange={setOwners}
              error={fieldError("owners")}
            />
            <Group gap="lg" align="flex-end">
              <Stack gap={4}>
                <Text size="sm" fw={500} id="run-mode-label">
                  Run mode
                </Text>
                <SegmentedControl
                  aria-labelledby="run-mode-label"
                  value={runMode}
                  onChange={(value) => setRunMode(value as RunMode)}
                  data={[
                    { value: "series", label: "Series (by rank)" },
                    { value: "parallel", label: "Parallel" },
                  ]}
                />
              </Stack>
              <Autocomplete
                label="Time zone"
                description="Of its runs' dates and of schedules that name none"
                data={ZONES}
                limit={30}
                value={timeZone}
                onChange={setTimeZone}
                error={fieldError("timeZone")}
                w={300}
              />
            </Group>
          </Stack>
        </Fieldset>
        <Fieldset legend="Parameters" disabled={!canEdit}>
          <ParametersInput rows={parameters} onChange={setParameters} fieldError={fieldError} />
        </Fieldset>
        <Fieldset legend="Schedules" disabled={!canEdit}>
          <ScheduleEntriesEditor
            entries={entries}
            onChange={setEntries}
            zone={timeZone || "UTC"}
            fieldError={fieldError}
            disabled={!canEdit}
          />
        </Fieldset>
      </Stack>
      <FormActions
        canEdit={canEdit}
        saving={saving}
        creating={stored === undefined}
        noun="project"
        cancelTo={stored ? projectPath(stored) : "/projects"}
      />
    </form>
  );
}
