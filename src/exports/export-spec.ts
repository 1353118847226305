/**
 * What one export does, as a task holds it: where the rows come from (`source`), an
 * optional program run on the file (`processing`), how the rows become a file (`output`),
 * where the file goes (`destinations`) and who hears of the run (`notifications`). One
 * schema, checked when the task is saved and again before each run (run-export.ts).
 * Servers are named by stored connections (connection-ref.ts), so a spec holds no secret.
 *
 * Vocabulary (docs/glossary.md): an **export spec** is this object; a **run** is one
 * execution of it, producing one **file** that file history keeps.
 */
import { type Static, Type } from "typebox";
import { validate } from "../validation.js";
import { type ConnectionUse, checkConnectionTypes } from "./connection-ref.js";
import {
  checkDestination,
  DestinationSchema,
  destinationConnectionUses,
} from "./destinations/delivery.js";
import { checkExportOutput, ExportOutputSchema } from "./export-output.js";
import { readPublicKey } from "./gpg-encrypt.js";
import {
  checkNotification,
  NOTIFICATION_CONNECTION,
  NotificationSchema,
} from "./notifications/notification.js";
import {
  checkExportSource,
  ExportSourceSchema,
  sourceConnectionUses,
} from "./sources/export-source.js";
import { checkProcessing, ProcessingSchema } from "./sources/processing-script.js";

const MAX_DESTINATIONS = 20;
const MAX_NOTIFICATIONS = 20;

export const ExportSpecSchema = Type.Object(
  {
    /** Where the rows come from: `{ type: "sql", connection, query, headers? }`. */
    source: ExportSourceSchema,
    /** A program run on the data file before it is delivered. */
    processing: Type.Optional(ProcessingSchema),
    /** How the rows become a file (docs/exports.md). */
    output: ExportOutputSchema,
    /** Where the file is sent, in order. */
    destinations: Type.Optional(Type.Array(DestinationSchema, { maxItems: MAX_DESTINATIONS })),
    /** Emails after the run: on success, failure, or always. */
    notifications: Type.Optional(Type.Array(NotificationSchema, { maxItems: MAX_NOTIFICATIONS })),
    /** Send a file without data rows too; default false ("don't send empty files"). */
    sendEmptyFiles: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type ExportSpec = Static<typeof ExportSpecSchema>;

// The envelope alone, so that each part is then checked by its own checker, whose
// messages name the field within it (`output.format.delimiter`, `destinations[1].host`).
const SpecShapeSchema = Type.Object(
  {
    source: Type.Unknown(),
    processing: Type.Optional(Type.Unknown()),
    output: Type.Unknown(),
    destinations: Type.Optional(Type.Array(Type.Unknown(), { maxItems: MAX_DESTINATIONS })),
    notifications: Type.Optional(Type.Array(Type.Unknown(), { maxItems: MAX_NOTIFICATIONS })),
    sendEmptyFiles: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export interface CheckExportSpecOptions {
  /**
   * The names of the run's parameters (the task's and its project's). When given, email
   * and notification templates naming any other are refused now rather than at the run.
   */
  readonly parameters?: readonly string[] | undefined;
  /**
   * The type of the stored connection of a name, `undefined` when there is none. When
   * given, a field naming a connection of a type it does not take is refused now (a
   * connection not stored yet is checked at the run).
   */
  readonly connectionType?: ((name: string) => Promise<string | undefined>) | undefined;
}

/**
 * Checks an export spec when a task is saved (and before each run), every part by the
 * checker of its own (the output's, each destination's and notification's, the public key).
 * @param field what the spec is known by in messages; default none (`source.connection`),
 *   e.g. `export` gives `export.source.connection`.
 * @throws SundialError `badRequest` naming the first field at fault, e.g.
 *   `source.connection`, `output.format.delimiter`, `destinations[1].connection` (written
 *   out rather than named, or naming a connection of another type).
 * @example
 * const spec = await checkExportSpec({
 *   source: { type: "sql", connection: "warehouse", query: "SELECT * FROM sales WHERE day = :day" },
 *   output: { fileName: "sales_%Y%m%d.csv", format: { type: "csv" }, zip: true },
 *   destinations: [{ type: "sftp", connection: "vendor-sftp", directory: "/incoming" }],
 * }, "", { connectionType: async (name) => (await connections.get(name).catch(() => undefined))?.type });
 */
export async function checkExportSpec(
  value: unknown,
  field = "",
  options: CheckExportSpecOptions = {},
): Promise<ExportSpec> {
  const at = (name: string) => (field === "" ? name : `${field}.${name}`);
  const shape = validate(SpecShapeSchema, value, field);
  const source = checkExportSource(shape.source, at("source"));
  const processing =
    shape.processing === undefined
      ? undefined
      : checkProcessing(shape.processing, at("processing"));
  const output = checkExportOutput(shape.output, at("output"));
  if (output.encrypt !== undefined) {
    await readPublicKey(output.encrypt.publicKey, at("output.encrypt.publicKey"));
  }
  const destinations = shape.destinations?.map((destination, i) =>
    checkDestination(destination, at(`destinations[${i}]`), options.parameters),
  );
  const notifications = shape.notifications?.map((notification, i) =>
    checkNotification(notification, at(`notifications[${i}]`), options.parameters),
  );
  const spec: ExportSpec = {
    source,
    ...(processing === undefined ? {} : { processing }),
    output,
    ...(destinations === undefined ? {} : { destinations }),
    ...(notifications === undefined ? {} : { notifications }),
    ...(shape.sendEmptyFiles === undefined ? {} : { sendEmptyFiles: shape.sendEmptyFiles }),
  };
  if (options.connectionType !== undefined) {
    await checkConnectionTypes(exportConnectionUses(spec, field), options.connectionType);
  }
  return spec;
}

/**
 * Every place a checked spec names a stored connection whose type matters, with the types
 * it takes there (a processing script may be given connections of any type).
 * @param field what the spec is known by, as for {@link checkExportSpec}.
 */
export function exportConnectionUses(spec: ExportSpec, field = ""): ConnectionUse[] {
  const at = (name: string) => (field === "" ? name : `${field}.${name}`);
  return [
    ...sourceConnectionUses(spec.source, at("source")),
    ...(spec.destinations ?? []).flatMap((destination, i) =>
      destinationConnectionUses(destination, at(`destinations[${i}]`)),
    ),
    ...(spec.notifications ?? []).map((notification, i) => ({
      field: at(`notifications[${i}].connection`),
      name: notification.connection,
      ...NOTIFICATION_CONNECTION,
    })),
  ];
}
