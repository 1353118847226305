/**
 * The task form's values (as inputs hold them) and their translation to and from the
 * API's task input. Destinations and notifications name a stored connection
 * (`connection: "vendor-sftp"`); a `directory` destination has none. Settings the form
 * doesn't show (a CSV `quote`, an email's `cc`, …) are kept from the stored task.
 */
import type { Task, TaskInput } from "../api/types.js";
import { type ParameterRow, parametersOf, rowsOf } from "../projects/parameters-input.js";
import { type EntryForm, entriesInput, entryFormOf } from "../projects/schedule-entries.js";

type Obj = Readonly<Record<string, unknown>>;

export const SOURCE_TYPES = [
  { value: "sql", label: "SQL query" },
  { value: "remoteFile", label: "Remote file" },
  { value: "script", label: "Script" },
] as const;
export type SourceType = (typeof SOURCE_TYPES)[number]["value"];
export const FORMAT_TYPES = ["csv", "json", "ndjson", "text"] as const;
export type FormatType = (typeof FORMAT_TYPES)[number];
export const DESTINATION_TYPES = [
  { value: "directory", label: "Directory on the server" },
  { value: "sftp", label: "SFTP" },
  { value: "ftp", label: "FTP / FTPS" },
  { value: "smb", label: "SMB (Windows share)" },
  { value: "email", label: "Email" },
] as const;
export type DestinationType = (typeof DESTINATION_TYPES)[number]["value"];

/** The stored connection types each place takes. */
export const CONNECTION_TYPES = {
  sql: ["postgres", "mysql", "sqlite"],
  queryFile: ["sftp", "ftp", "ftps"],
  queryHttp: ["http"],
  remoteFile: ["sftp", "ftp", "ftps", "smb", "http"],
  sftp: ["sftp"],
  ftp: ["ftp", "ftps"],
  smb: ["smb"],
  email: ["smtp"],
  processing: [
    "postgres",
    "mysql",
    "sqlite",
    "sftp",
    "ftp",
    "ftps",
    "smb",
    "ssh",
    "http",
    "smtp",
    "gpg",
  ],
} as const;

export interface DestinationForm {
  readonly key: string;
  readonly type: DestinationType;
  readonly name: string;
  /** A stored connection's name (not for `directory`). */
  readonly connection: string;
  readonly directory: string;
  readonly overwrite: boolean;
  readonly to: string[];
  readonly subject: string;
  readonly body: string;
  readonly embed: boolean;
  readonly kept: Obj;
}

export interface NotificationForm {
  readonly key: string;
  readonly when: "success" | "failure" | "always";
  readonly connection: string;
  readonly to: string[];
  readonly subject: string;
  readonly body: string;
  readonly kept: Obj;
}

export interface TaskForm {
  readonly project: string;
  readonly name: string;
  readonly enabled: boolean;
  readonly rank: number | string;
  readonly parameters: ParameterRow[];
  readonly timeZone: string;
  readonly sourceType: SourceType;
  readonly connection: string;
  readonly queryMode: "text" | "file" | "http";
  readonly query: string;
  readonly queryConnection: string;
  readonly queryPath: string;
  readonly headers: boolean;
  readonly remotePath: string;
  readonly remoteFormat: "csv" | "ndjson" | "json";
  readonly script: string;
  readonly sourceKept: Obj;
  readonly processing: boolean;
  readonly processingCommand: string;
  readonly processingArgs: string[];
  readonly processingKept: Obj;
  readonly fileName: string;
  readonly formatType: FormatType;
  readonly delimiter: string;
  readonly quoting: string;
  readonly header: boolean;
  readonly lineEnding: string;
  readonly encoding: string;
  readonly bom: boolean;
  readonly formatKept: Obj;
  readonly maxRows: number | string;
  readonly append: string;
  readonly zip: boolean;
  readonly zipLevel: number | string;
  readonly encrypt: boolean;
  readonly publicKey: string;
  readonly outputKept: Obj;
  readonly destinations: DestinationForm[];
  readonly notifications: NotificationForm[];
  readonly sendEmptyFiles: boolean;
  readonly retries: number | string;
  readonly retryDelayMinutes: number | string;
  readonly schedules: EntryForm[];
}

let next = 0;
const key = () => `item-${++next}`;
const obj = (value: unknown): Obj =>
  value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Obj) : {};
const str = (value: unknown, fallback = ""): string =>
  typeof value === "string" ? value : fallback;
const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];

/** A tab shows as `\t` in the delimiter input. */
export const showDelimiter = (value: string) => value.replace(/\t/g, "\\t");
const readDelimiter = (value: string) => value.replace(/\\t/g, "\t");

export function emptyDestination(type: DestinationType = "directory"): DestinationForm {
  return {
    key: key(),
    type,
    name: "",
    connection: "",
    directory: "",
    overwrite: false,
    to: [],
    subject: "",
    body: "",
    embed: false,
    kept: {},
  };
}

export function emptyNotification(): NotificationForm {
  return { key: key(), when: "failure", connection: "", to: [], subject: "", body: "", kept: {} };
}

export function emptyTaskForm(project = ""): TaskForm {
  return {
    project,
    name: "",
    enabled: true,
    rank: "",
    parameters: [],
    timeZone: "",
    sourceType: "sql",
    connection: "",
    queryMode: "text",
    query: "",
    queryConnection: "",
    queryPath: "",
    headers: true,
    remotePath: "",
    remoteFormat: "csv",
    script:
      'export default async ({ parameters }) => ({\n  headerRow: ["id"],\n  data: [{ id: 1 }],\n});\n',
    sourceKept: {},
    processing: false,
    processingCommand: "",
    processingArgs: [],
    processingKept: {},
    fileName: "export_%Y%m%d.csv",
    formatType: "csv",
    delimiter: ",",
    quoting: "minimal",
    header: true,
    lineEnding: "\n",
    encoding: "utf8",
    bom: false,
    formatKept: {},
    maxRows: "",
    append: "",
    zip: false,
    zipLevel: "",
    encrypt: false,
    publicKey: "",
    outputKept: {},
    destinations: [],
    notifications: [],
    sendEmptyFiles: false,
    retries: 0,
    retryDelayMinutes: 1,
    schedules: [],
  };
}

/** A stored connection's name, or "" when the settings are inline (kept as they are). */
const connectionName = (value: unknown) => (typeof value === "string" ? value : "");

export function fromTask(task: Task): TaskForm {
  const base = emptyTaskForm(task.project);
  const source = obj(task.source);
  const query = source.query;
  const queryRef = obj(obj(query).file ?? obj(query).http);
  const processing = task.processing === undefined ? undefined : obj(task.processing);
  const output = obj(task.output);
  const format = obj(output.format);
  const formatType = (FORMAT_TYPES as readonly string[]).includes(str(format.type))
    ? (format.type as FormatType)
    : "csv";
  const remoteFormat = obj(source.format);
  return {
    ...base,
    project: task.project,
    name: task.name,
    enabled: task.enabled,
    rank: task.rank,
    parameters: rowsOf(task.parameters),
    timeZone: task.timeZone ?? "",
    sourceType: (["sql", "remoteFile", "script"].includes(str(source.type))
      ? source.type
      : "sql") as SourceType,
    connection: connectionName(source.connection),
    queryMode:
      typeof query === "string"
        ? "text"
        : obj(query).file
          ? "file"
          : obj(query).http
            ? "http"
            : "text",
    query: typeof query === "string" ? query : "",
    queryConnection: str(queryRef.connection),
    queryPath: str(queryRef.path) || str(source.path),
    headers: source.headers !== false,
    remotePath: str(source.path),
    remoteFormat: (["csv", "ndjson", "json"].includes(str(remoteFormat.type))
      ? remoteFormat.type
      : "csv") as TaskForm["remoteFormat"],
    script: str(source.script, base.script),
    sourceKept: source,
    processing: processing !== undefined,
    processingCommand: str(processing?.command),
    processingArgs: strings(processing?.args),
    processingKept: processing ?? {},
    fileName: str(output.fileName),
    formatType,
    delimiter: showDelimiter(str(format.delimiter, formatType === "text" ? "\t" : ",")),
    quoting: str(format.quoting, "minimal"),
    header: typeof format.header === "boolean" ? format.header : formatType !== "text",
    lineEnding: str(format.lineEnding, "\n"),
    encoding: str(format.encoding, "utf8"),
    bom: format.bom === true,
    formatKept: format,
    maxRows: typeof output.maxRows === "number" ? output.maxRows : "",
    append: str(output.append),
    zip: output.zip === true,
    zipLevel: typeof output.zipLevel === "number" ? output.zipLevel : "",
    encrypt: output.encrypt !== undefined,
    publicKey: str(obj(output.encrypt).publicKey),
    outputKept: output,
    destinations: (Array.isArray(task.destinations) ? task.destinations : []).map((d) => {
      const value = obj(d);
      const type = str(value.type, "directory") as DestinationType;
      return {
        ...emptyDestination(type),
        name: str(value.name),
        connection: connectionName(value.connection),
        directory: str(value.directory),
        overwrite: value.overwrite === true,
        to: strings(value.to),
        subject: str(value.subject),
        body: str(value.body),
        embed: value.embed === true,
        kept: value,
      };
    }),
    notifications: (Array.isArray(task.notifications) ? task.notifications : []).map((n) => {
      const value = obj(n);
      return {
        ...emptyNotification(),
        when: (["success", "failure", "always"].includes(str(value.when))
          ? value.when
          : "failure") as NotificationForm["when"],
        connection: connectionName(value.connection),
        to: strings(value.to),
        subject: str(value.subject),
        body: str(value.body),
        kept: value,
      };
    }),
    sendEmptyFiles: task.sendEmptyFiles === true,
    retries: task.retries.count ?? 0,
    retryDelayMinutes: (task.retries.delayMs ?? 60_000) / 60_000,
    schedules: task.schedules.map(entryFormOf),
  };
}

/** Without the keys whose value is undefined or an empty text. */
function defined(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== ""));
}

function without(kept: Obj, ...names: string[]): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...kept };
  for (const name of names) delete copy[name];
  return copy;
}

function sourceOf(form: TaskForm): Record<string, unknown> {
  // The stored source's other settings are kept only while its type is unchanged.
  const kept = form.sourceKept.type === form.sourceType ? form.sourceKept : {};
  switch (form.sourceType) {
    case "sql": {
      const query =
        form.queryMode === "text"
          ? form.query
          : { [form.queryMode]: { connection: form.queryConnection, path: form.queryPath } };
      return defined({
        ...without(kept, "connection", "query", "headers", "path", "format", "script"),
        type: "sql",
        connection: form.connection || kept.connection,
        query,
        headers: form.headers ? undefined : false,
      });
    }
    case "remoteFile":
      return defined({
        ...without(kept, "connection", "path", "format"),
        type: "remoteFile",
        connection: form.connection || kept.connection,
        path: form.remotePath,
        format:
          obj(kept.format).type === form.remoteFormat ? kept.format : { type: form.remoteFormat },
      });
    default:
      return defined({ ...without(kept, "script"), type: "script", script: form.script });
  }
}

function formatOf(form: TaskForm): Record<string, unknown> {
  const kept = form.formatKept.type === form.formatType ? form.formatKept : {};
  if (form.formatType === "json" || form.formatType === "ndjson")
    return { ...kept, type: form.formatType };
  const textual = {
    delimiter: readDelimiter(form.delimiter) || undefined,
    header: form.header,
    lineEnding: form.lineEnding,
    encoding: form.encoding,
    bom: form.bom ? true : undefined,
  };
  return defined({
    ...kept,
    type: form.formatType,
    ...textual,
    ...(form.formatType === "csv" ? { quoting: form.quoting } : {}),
  });
}

function destinationOf(d: DestinationForm): Record<string, unknown> {
  const kept = d.kept.type === d.type ? d.kept : {};
  const common = { ...kept, type: d.type, name: d.name.trim() || undefined };
  // Inline settings stored before connections were named are kept until one is picked.
  const connection = d.connection || kept.connection;
  if (d.type === "email") {
    return defined({
      ...without(common, "directory", "overwrite"),
      connection,
      to: d.to,
      subject: d.subject || undefined,
      body: d.body || undefined,
      embed: d.embed ? true : undefined,
    });
  }
  return defined({
    ...common,
    ...(d.type === "directory" ? {} : { connection }),
    directory: d.directory.trim(),
    overwrite: d.overwrite ? true : undefined,
  });
}

function notificationOf(n: NotificationForm): Record<string, unknown> {
  return defined({
    ...n.kept,
    when: n.when,
    connection: n.connection || n.kept.connection,
    to: n.to,
    subject: n.subject || undefined,
    body: n.body || undefined,
  });
}

/** The task input for the API; `version` makes an edit of a task changed meanwhile fail. */
export function inputOf(form: TaskForm, version?: number): TaskInput {
  const outputKept = without(
    form.outputKept,
    "fileName",
    "format",
    "maxRows",
    "append",
    "zip",
    "zipLevel",
    "encrypt",
  );
  const rank = form.rank === "" ? undefined : Number(form.rank);
  return defined({
    project: form.project,
    name: form.name.trim(),
    enabled: form.enabled,
    rank,
    parameters: parametersOf(form.parameters),
    timeZone: form.timeZone.trim() === "" ? null : form.timeZone.trim(),
    schedules: entriesInput(form.schedules),
    retries: {
      count: Number(form.retries) || 0,
      delayMs: Math.round((Number(form.retryDelayMinutes) || 0) * 60_000),
    },
    source: sourceOf(form),
    processing: form.processing
      ? defined({
          ...form.processingKept,
          command: form.processingCommand.trim(),
          args: form.processingArgs.length > 0 ? form.processingArgs : undefined,
        })
      : undefined,
    output: defined({
      ...outputKept,
      fileName: form.fileName.trim(),
      format: formatOf(form),
      maxRows: form.maxRows === "" ? undefined : Number(form.maxRows),
      append: form.append || undefined,
      zip: form.zip,
      zipLevel: form.zip && form.zipLevel !== "" ? Number(form.zipLevel) : undefined,
      encrypt: form.encrypt ? { publicKey: form.publicKey } : undefined,
    }),
    destinations: form.destinations.map(destinationOf),
    notifications: form.notifications.map(notificationOf),
    sendEmptyFiles: form.sendEmptyFiles,
    version,
  }) as TaskInput;
}
