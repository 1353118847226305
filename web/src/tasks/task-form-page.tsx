/**
 * Create or edit a task (`/tasks/new?project=…`, `/tasks/:id/edit`), guided section by
 * section: the task, its source, a processing script, the output file, destinations,
 * notifications, retries and schedules. Connections are picked from the stored ones of
 * the right type. The server's refusal is shown next to the field it names
 * (`output.format.delimiter`, `destinations[0].directory`) and at the top.
 */
import {
  Anchor,
  Autocomplete,
  Card,
  Fieldset,
  Group,
  NumberInput,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  TagsInput,
  Text,
  Textarea,
  TextInput,
} from "@mantine/core";
import { type FormEvent, type ReactNode, useState } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router";
import { projectApi, taskApi } from "../api/endpoints.js";
import { keys } from "../api/query-keys.js";
import type { FileNamePreviewInput, Task } from "../api/types.js";
import { invalidate, useQuery } from "../api/use-query.js";
import { FormProblem, fieldErrorOf } from "../projects/form-problem.js";
import { ParametersInput, parametersOf } from "../projects/parameters-input.js";
import { taskPath } from "../projects/project-page.js";
import { ScheduleEntriesEditor, ZONES } from "../projects/schedule-entries.js";
import { hasRole, useMe } from "../session/session.js";
import { notifyDone } from "../ui/action.js";
import { FormActions } from "../ui/form-actions.js";
import { AddItemButton, ItemTitle } from "../ui/item-list.js";
import { PageHeader } from "../ui/page-header.js";
import { QueryView } from "../ui/query-view.js";
import { ConnectionSelect } from "./connection-select.js";
import { FileNamePreviewLine } from "./file-name-preview.js";
import {
  CONNECTION_TYPES,
  DESTINATION_TYPES,
  type DestinationForm,
  type DestinationType,
  emptyDestination,
  emptyNotification,
  emptyTaskForm,
  FORMAT_TYPES,
  type FormatType,
  fromTask,
  inputOf,
  type NotificationForm,
  SOURCE_TYPES,
  type SourceType,
  type TaskForm,
} from "./task-form.js";

export function TaskFormPage() {
  const { id } = useParams();
  const task = useQuery(keys.task(id ?? ""), (signal) => taskApi.get(id ?? "", signal), {
    enabled: id !== undefined,
  });
  if (id === undefined) return <TaskEditor />;
  return (
    <QueryView query={task} rows={10}>
      {(stored) => <TaskEditor key={stored.version} stored={stored} />}
    </QueryView>
  );
}

function Section({
  legend,
  help,
  children,
  disabled,
}: {
  readonly legend: string;
  readonly help?: ReactNode;
  readonly children: ReactNode;
  readonly disabled: boolean;
}) {
  return (
    <Fieldset legend={legend} disabled={disabled}>
      {help && (
        <Text size="xs" c="dimmed" mb="sm">
          {help}
        </Text>
      )}
      <Stack gap="sm">{children}</Stack>
    </Fieldset>
  );
}

function TaskEditor({ stored }: { readonly stored?: Task }) {
  const me = useMe();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const canEdit = hasRole(me, "operator");
  const [form, setForm] = useState<TaskForm>(() =>
    stored ? fromTask(stored) : emptyTaskForm(params.get("project") ?? ""),
  );
  const [saving, setSaving] = useState(false);
  const [problem, setProblem] = useState<Error | undefined>();
  const fieldError = fieldErrorOf(problem);
  const set = <K extends keyof TaskForm>(key: K, value: TaskForm[K]) =>
    setForm((old) => ({ ...old, [key]: value }));
  const projects = useQuery(keys.projectList({}), (signal) => projectApi.list({}, signal));
  const chosen = projects.data?.result.find((p) => p.name === form.project);
  const projectZone = chosen?.timeZone ?? "UTC";
  // The project's parameters, which the task's override, for the file name's preview.
  const project = useQuery(
    keys.project(chosen?.id ?? ""),
    (signal) => projectApi.get(chosen?.id ?? "", signal),
    { enabled: chosen !== undefined },
  );
  const fileNamePreview: FileNamePreviewInput | undefined =
    form.fileName.trim() === ""
      ? undefined
      : {
          template: form.fileName.trim(),
          timeZone: form.timeZone.trim() === "" ? projectZone : form.timeZone.trim(),
          parameters: { ...project.data?.parameters, ...parametersOf(form.parameters) },
          encrypt: form.encrypt,
          zip: form.zip,
        };
  const disabled = !canEdit;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setSaving(true);
    setProblem(undefined);
    try {
      const input = inputOf(form, stored?.version);
      const saved = stored ? await taskApi.update(stored.id, input) : await taskApi.create(input);
      invalidate(keys.tasks, keys.projects, keys.schedules);
      notifyDone(`Saved task ${saved.project}/${saved.name}.`);
      navigate(taskPath(saved));
    } catch (error) {
      setProblem(error instanceof Error ? error : new Error(String(error)));
      setSaving(false);
    }
  }

  const setDestination = (i: number, d: DestinationForm) =>
    set(
      "destinations",
      form.destinations.map((old, j) => (j === i ? d : old)),
    );
  const setNotification = (i: number, n: NotificationForm) =>
    set(
      "notifications",
      form.notifications.map((old, j) => (j === i ? n : old)),
    );
  const sourceError = (name: string) => fieldError(`source.${name}`);
  const outputError = (name: string) => fieldError(`output.${name}`);

  return (
    <form onSubmit={submit} aria-label={stored ? `Edit task ${stored.name}` : "New task"}>
      <PageHeader
        title={stored ? `Edit ${stored.project}/${stored.name}` : "New task"}
        description="Where the rows come from, the file they make, where it goes and who hears of it."
      />
      <FormProblem problem={problem} />
      <Stack gap="lg" maw={1100}>
        <Section legend="Task" disabled={disabled}>
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <Select
              label="Project"
              data={(projects.data?.result ?? []).map((p) => p.name)}
              value={form.project === "" ? null : form.project}
              onChange={(value) => set("project", value ?? "")}
              error={fieldError("project")}
              placeholder={projects.loading ? "Loading projects…" : "Pick a project"}
              description={
                projects.data?.result.length === 0 ? (
                  <Anchor component={Link} to="/projects/new" size="xs">
                    Create a project first
                  </Anchor>
                ) : undefined
              }
              searchable
              required
            />
            <TextInput
              label="Name"
              description="Unique in its project"
              value={form.name}
              onChange={(e) => set("name", e.currentTarget.value)}
              error={fieldError("name")}
              maxLength={100}
              required
            />
            <Autocomplete
              label="Time zone"
              placeholder={`${projectZone} (the project's)`}
              description="Of its file names' dates and of schedules that name none"
              data={ZONES}
              limit={30}
              value={form.timeZone}
              onChange={(value) => set("timeZone", value)}
              error={fieldError("timeZone")}
            />
            <NumberInput
              label="Rank"
              description="Its place in a series run; empty: after the last task"
              value={form.rank}
              onChange={(value) => set("rank", value)}
              error={fieldError("rank")}
              allowDecimal={false}
            />
          </SimpleGrid>
          <Switch
            label="Enabled: its schedules fire and its project's runs take it"
            checked={form.enabled}
            onChange={(e) => set("enabled", e.currentTarget.checked)}
          />
          <Text size="sm" fw={500}>
            Parameters
          </Text>
          <ParametersInput
            rows={form.parameters}
            onChange={(rows) => set("parameters", rows)}
            fieldError={fieldError}
            disabled={disabled}
          />
        </Section>

        <Section
          legend="Source"
          help="Where the rows come from. A query's :name or ${name} is bound as a real query parameter, never spliced in."
          disabled={disabled}
        >
          <SegmentedControl
            aria-label="Source type"
            value={form.sourceType}
            onChange={(value) => set("sourceType", value as SourceType)}
            data={SOURCE_TYPES.map((t) => ({ value: t.value, label: t.label }))}
          />
          {form.sourceType === "sql" && (
            <>
              <ConnectionSelect
                label="Database connection"
                types={CONNECTION_TYPES.sql}
                value={form.connection}
                onChange={(name) => set("connection", name)}
                error={sourceError("connection")}
                required
                disabled={disabled}
              />
              <Select
                label="The query is"
                data={[
                  { value: "text", label: "Written here" },
                  { value: "file", label: "A file on an SFTP or FTP server" },
                  { value: "http", label: "A path under an http connection" },
                ]}
                value={form.queryMode}
                onChange={(value) => set("queryMode", (value ?? "text") as TaskForm["queryMode"])}
                allowDeselect={false}
                w={320}
              />
              {form.queryMode === "text" ? (
                <Textarea
                  label="Query"
                  value={form.query}
                  onChange={(e) => set("query", e.currentTarget.value)}
                  error={sourceError("query")}
                  autosize
                  minRows={4}
                  maxRows={20}
                  spellCheck={false}
                  styles={{ input: { fontFamily: "var(--mantine-font-family-monospace)" } }}
                  placeholder="SELECT id, day, amount FROM sales WHERE region = :region"
                  required
                />
              ) : (
                <SimpleGrid cols={{ base: 1, sm: 2 }}>
                  <ConnectionSelect
                    label="Where the query is"
                    types={
                      form.queryMode === "file"
                        ? CONNECTION_TYPES.queryFile
                        : CONNECTION_TYPES.queryHttp
                    }
                    value={form.queryConnection}
                    onChange={(name) => set("queryConnection", name)}
                    error={sourceError(`query.${form.queryMode}.connection`)}
                    disabled={disabled}
                  />
                  <TextInput
                    label="Path"
                    value={form.queryPath}
                    onChange={(e) => set("queryPath", e.currentTarget.value)}
                    error={sourceError(`query.${form.queryMode}.path`)}
                  />
                </SimpleGrid>
              )}
              <Switch
                label="Write the header row (the column names)"
                checked={form.headers}
                onChange={(e) => set("headers", e.currentTarget.checked)}
              />
            </>
          )}
          {form.sourceType === "remoteFile" && (
            <SimpleGrid cols={{ base: 1, sm: 3 }}>
              <ConnectionSelect
                label="Server"
                types={CONNECTION_TYPES.remoteFile}
                value={form.connection}
                onChange={(name) => set("connection", name)}
                error={sourceError("connection")}
                required
                disabled={disabled}
              />
              <TextInput
                label="File path"
                description="* and ? in the name take the newest match (SFTP, FTP, SMB)"
                placeholder="/outgoing/sales_*.csv"
                value={form.remotePath}
                onChange={(e) => set("remotePath", e.currentTarget.value)}
                error={sourceError("path")}
                required
              />
              <Select
                label="Read as"
                data={["csv", "ndjson", "json"]}
                value={form.remoteFormat}
                onChange={(value) =>
                  set("remoteFormat", (value ?? "csv") as TaskForm["remoteFormat"])
                }
                error={sourceError("format")}
                allowDeselect={false}
              />
            </SimpleGrid>
          )}
          {form.sourceType === "script" && (
            <Textarea
              label="Script (a JavaScript module)"
              description="Its default export is the data, or a function of { parameters } giving it: { headerRow, data } or an array of objects."
              value={form.script}
              onChange={(e) => set("script", e.currentTarget.value)}
              error={sourceError("script")}
              autosize
              minRows={6}
              maxRows={24}
              spellCheck={false}
              styles={{ input: { fontFamily: "var(--mantine-font-family-monospace)" } }}
            />
          )}
        </Section>

        <Section
          legend="Processing script"
          help="A program run on the data file before it is sent (python3 clean.py); the file's path is its last argument."
          disabled={disabled}
        >
          <Switch
            label="Run a processing script"
            checked={form.processing}
            onChange={(e) => set("processing", e.currentTarget.checked)}
          />
          {form.processing && (
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              <TextInput
                label="Command"
                placeholder="python3"
                value={form.processingCommand}
                onChange={(e) => set("processingCommand", e.currentTarget.value)}
                error={fieldError("processing.command")}
                required
              />
              <TagsInput
                label="Arguments"
                description="Before the data file; Enter after each"
                value={form.processingArgs}
                onChange={(value) => set("processingArgs", value)}
                error={fieldError("processing.args")}
              />
            </SimpleGrid>
          )}
        </Section>

        <Section
          legend="Output"
          help={
            <>
              The file name template takes{" "}
              <code>
                {"$"}
                {"{parameter}"}
              </code>
              , date codes such as <code>%Y%m%d</code>, and moved dates such as{" "}
              <code>{"{yesterday:%Y%m%d}"}</code> or <code>{"{-1M last:%F}"}</code>, in the task's
              time zone. Zip adds .zip, encryption .gpg.
            </>
          }
          disabled={disabled}
        >
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <Stack gap={4}>
              <TextInput
                label="File name template"
                value={form.fileName}
                onChange={(e) => set("fileName", e.currentTarget.value)}
                error={outputError("fileName")}
                styles={{ input: { fontFamily: "var(--mantine-font-family-monospace)" } }}
                required
              />
              <FileNamePreviewLine input={fileNamePreview} />
            </Stack>
            <Select
              label="Format"
              data={FORMAT_TYPES.map((t) => ({ value: t, label: t.toUpperCase() }))}
              value={form.formatType}
              onChange={(value) => {
                const type = (value ?? "csv") as FormatType;
                setForm((old) => ({
                  ...old,
                  formatType: type,
                  delimiter: type === "text" ? "\\t" : type === "csv" ? "," : old.delimiter,
                  header: type !== "text",
                }));
              }}
              error={outputError("format.type") ?? outputError("format")}
              allowDeselect={false}
            />
          </SimpleGrid>
          {(form.formatType === "csv" || form.formatType === "text") && (
            <SimpleGrid cols={{ base: 2, sm: 4 }}>
              <TextInput
                label="Delimiter"
                description="\t for a tab"
                value={form.delimiter}
                onChange={(e) => set("delimiter", e.currentTarget.value)}
                error={outputError("format.delimiter")}
              />
              {form.formatType === "csv" && (
                <Select
                  label="Quoting"
                  data={["minimal", "all", "strings", "never"]}
                  value={form.quoting}
                  onChange={(value) => set("quoting", value ?? "minimal")}
                  error={outputError("format.quoting")}
                  allowDeselect={false}
                />
              )}
              <Select
                label="Line ending"
                data={[
                  { value: "\n", label: "LF (\\n)" },
                  { value: "\r\n", label: "CRLF (\\r\\n)" },
                ]}
                value={form.lineEnding}
                onChange={(value) => set("lineEnding", value ?? "\n")}
                allowDeselect={false}
              />
              <Select
                label="Encoding"
                data={[
                  { value: "utf8", label: "UTF-8" },
                  { value: "utf16le", label: "UTF-16 LE" },
                  { value: "latin1", label: "ISO-8859-1" },
                ]}
                value={form.encoding}
                onChange={(value) => set("encoding", value ?? "utf8")}
                error={outputError("format.encoding")}
                allowDeselect={false}
              />
              <Switch
                label="Header line"
                checked={form.header}
                onChange={(e) => set("header", e.currentTarget.checked)}
              />
              <Switch
                label="Byte order mark"
                checked={form.bom}
                onChange={(e) => set("bom", e.currentTarget.checked)}
              />
            </SimpleGrid>
          )}
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <NumberInput
              label="Row limit"
              description="More data rows fail the run; default 100000"
              value={form.maxRows}
              onChange={(value) => set("maxRows", value)}
              error={outputError("maxRows")}
              min={1}
              allowDecimal={false}
            />
            <TextInput
              label="Append to every line"
              value={form.append}
              onChange={(e) => set("append", e.currentTarget.value)}
              error={outputError("append")}
            />
          </SimpleGrid>
          <Group gap="xl">
            <Switch
              label="Zip the file"
              checked={form.zip}
              onChange={(e) => set("zip", e.currentTarget.checked)}
            />
            <Switch
              label="Encrypt with OpenPGP"
              checked={form.encrypt}
              onChange={(e) => set("encrypt", e.currentTarget.checked)}
            />
            <Switch
              label="Send files without data rows too"
              checked={form.sendEmptyFiles}
              onChange={(e) => set("sendEmptyFiles", e.currentTarget.checked)}
            />
          </Group>
          {form.zip && (
            <NumberInput
              label="Zip level"
              description="1 is fastest, 9 smallest; default 2"
              value={form.zipLevel}
              onChange={(value) => set("zipLevel", value)}
              error={outputError("zipLevel")}
              min={1}
              max={9}
              allowDecimal={false}
              maw={240}
            />
          )}
          {form.encrypt && (
            <Textarea
              label="Public key (armored)"
              description="gpg --armor --export <key id>"
              value={form.publicKey}
              onChange={(e) => set("publicKey", e.currentTarget.value)}
              error={outputError("encrypt.publicKey") ?? outputError("encrypt")}
              autosize
              minRows={3}
              maxRows={10}
              styles={{ input: { fontFamily: "var(--mantine-font-family-monospace)" } }}
            />
          )}
        </Section>

        <Section
          legend="Destinations"
          help="Where the file goes, in order; one failing doesn't keep it from the others."
          disabled={disabled}
        >
          {form.destinations.length === 0 && (
            <Text size="sm" c="dimmed">
              None: the file stays in file history, to download.
            </Text>
          )}
          {form.destinations.map((d, i) => (
            <DestinationEditor
              key={d.key}
              destination={d}
              index={i}
              onChange={(changed) => setDestination(i, changed)}
              onRemove={() =>
                set(
                  "destinations",
                  form.destinations.filter((_, j) => j !== i),
                )
              }
              fieldError={fieldError}
              disabled={disabled}
            />
          ))}
          <AddItemButton
            label="Add a destination"
            onClick={() => set("destinations", [...form.destinations, emptyDestination()])}
          />
        </Section>

        <Section
          legend="Notifications"
          help="Emails after a run: on success, on failure, or always."
          disabled={disabled}
        >
          {form.notifications.map((n, i) => {
            const at = `notifications[${i}]`;
            return (
              <Card
                key={n.key}
                withBorder
                radius="md"
                padding="sm"
                data-testid={`notification-${i}`}
              >
                <ItemTitle
                  noun="Notification"
                  index={i}
                  mb="xs"
                  onRemove={() =>
                    set(
                      "notifications",
                      form.notifications.filter((_, j) => j !== i),
                    )
                  }
                />
                <SimpleGrid cols={{ base: 1, sm: 3 }}>
                  <Select
                    label="When"
                    data={[
                      { value: "failure", label: "A run fails" },
                      { value: "success", label: "A run succeeds" },
                      { value: "always", label: "After every run" },
                    ]}
                    value={n.when}
                    onChange={(value) =>
                      setNotification(i, {
                        ...n,
                        when: (value ?? "failure") as NotificationForm["when"],
                      })
                    }
                    allowDeselect={false}
                  />
                  <ConnectionSelect
                    label="Mail server"
                    types={CONNECTION_TYPES.email}
                    value={n.connection}
                    onChange={(name) => setNotification(i, { ...n, connection: name })}
                    error={fieldError(`${at}.connection`)}
                    inline={typeof n.kept.connection === "object"}
                    required
                    disabled={disabled}
                  />
                  <TagsInput
                    label="To"
                    description="Addresses; Enter after each"
                    value={n.to}
                    onChange={(to) => setNotification(i, { ...n, to })}
                    error={fieldError(`${at}.to`)}
                  />
                  <TextInput
                    label="Subject"
                    placeholder="${task} failed"
                    value={n.subject}
                    onChange={(e) => setNotification(i, { ...n, subject: e.currentTarget.value })}
                    error={fieldError(`${at}.subject`)}
                  />
                </SimpleGrid>
                <Textarea
                  label="Body"
                  mt="xs"
                  value={n.body}
                  onChange={(e) => setNotification(i, { ...n, body: e.currentTarget.value })}
                  error={fieldError(`${at}.body`)}
                  autosize
                  minRows={2}
                />
              </Card>
            );
          })}
          <AddItemButton
            label="Add a notification"
            onClick={() => set("notifications", [...form.notifications, emptyNotification()])}
          />
        </Section>

        <Section
          legend="Retries"
          help="A failed run (a database away, an upload timed out) is tried again; a bad config is not."
          disabled={disabled}
        >
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <NumberInput
              label="Tries again"
              description="0-100 times"
              value={form.retries}
              onChange={(value) => set("retries", value)}
              error={fieldError("retries.count")}
              min={0}
              max={100}
              allowDecimal={false}
            />
            <NumberInput
              label="After (minutes)"
              value={form.retryDelayMinutes}
              onChange={(value) => set("retryDelayMinutes", value)}
              error={fieldError("retries.delayMs")}
              min={0}
              max={10_080}
            />
          </SimpleGrid>
        </Section>

        <Section
          legend="Schedules"
          help="When the task runs on its own, besides its project's runs."
          disabled={disabled}
        >
          <ScheduleEntriesEditor
            entries={form.schedules}
            onChange={(entries) => set("schedules", entries)}
            zone={form.timeZone || projectZone}
            fieldError={fieldError}
            disabled={disabled}
          />
        </Section>
      </Stack>
      <FormActions
        canEdit={canEdit}
        saving={saving}
        creating={stored === undefined}
        noun="task"
        cancelTo={stored ? taskPath(stored) : "/tasks"}
      />
    </form>
  );
}

function DestinationEditor({
  destination: d,
  index,
  onChange,
  onRemove,
  fieldError,
  disabled,
}: {
  readonly destination: DestinationForm;
  readonly index: number;
  readonly onChange: (d: DestinationForm) => void;
  readonly onRemove: () => void;
  readonly fieldError: (field: string) => string | undefined;
  readonly disabled: boolean;
}) {
  const at = `destinations[${index}]`;
  const set = <K extends keyof DestinationForm>(key: K, value: DestinationForm[K]) =>
    onChange({ ...d, [key]: value });
  return (
    <Card withBorder radius="md" padding="sm" data-testid={`destination-${index}`}>
      <ItemTitle noun="Destination" index={index} onRemove={onRemove} disabled={disabled} mb="xs" />
      <SimpleGrid cols={{ base: 1, sm: 3 }}>
        <Select
          label="Destination type"
          data={DESTINATION_TYPES.map((t) => ({ value: t.value, label: t.label }))}
          value={d.type}
          onChange={(value) => set("type", (value ?? "directory") as DestinationType)}
          error={fieldError(`${at}.type`)}
          allowDeselect={false}
        />
        {d.type !== "directory" && (
          <ConnectionSelect
            label={d.type === "email" ? "Mail server" : "Server"}
            types={CONNECTION_TYPES[d.type]}
            value={d.connection}
            onChange={(name) => set("connection", name)}
            error={fieldError(`${at}.connection`)}
            inline={typeof d.kept.connection === "object"}
            required
            disabled={disabled}
          />
        )}
        <TextInput
          label="Label"
          description="What run results call it; default where it is"
          value={d.name}
          onChange={(e) => set("name", e.currentTarget.value)}
          error={fieldError(`${at}.name`)}
        />
      </SimpleGrid>
      {d.type === "email" ? (
        <SimpleGrid cols={{ base: 1, sm: 2 }} mt="xs">
          <TagsInput
            label="To"
            description="Addresses; Enter after each"
            value={d.to}
            onChange={(to) => set("to", to)}
            error={fieldError(`${at}.to`)}
          />
          <TextInput
            label="Subject"
            placeholder="${file}"
            value={d.subject}
            onChange={(e) => set("subject", e.currentTarget.value)}
            error={fieldError(`${at}.subject`)}
          />
          <Switch
            label="Put a small text file in the body instead of attaching it"
            checked={d.embed}
            onChange={(e) => set("embed", e.currentTarget.checked)}
          />
        </SimpleGrid>
      ) : (
        <Group gap="md" align="flex-end" mt="xs">
          <TextInput
            label="Directory"
            description={
              d.type === "directory"
                ? "An absolute path on the server; it must exist"
                : d.type === "smb"
                  ? "In the share, under the connection's path prefix; it must exist"
                  : "On the server; absolute, or from the login directory"
            }
            value={d.directory}
            onChange={(e) => set("directory", e.currentTarget.value)}
            error={fieldError(`${at}.directory`)}
            required
            style={{ flex: 1, minWidth: 240 }}
          />
          <Switch
            label="Replace a file of the same name"
            checked={d.overwrite}
            onChange={(e) => set("overwrite", e.currentTarget.checked)}
            mb={8}
          />
        </Group>
      )}
    </Card>
  );
}
