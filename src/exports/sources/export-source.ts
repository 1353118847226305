/**
 * The sources an export reads its rows from, as one union discriminated by `type`: `sql`
 * (a query), `remoteFile` (a file on a server), `script` (a JavaScript module), `ssh` (a
 * command on a server), each with its schema, its check, the connections it names and
 * its reader in a file of its own.
 */
import { Type } from "typebox";
import { validate } from "../../validation.js";
import type { ConnectionUse } from "../connection-ref.js";
import type { SourceContext } from "../export-run-context.js";
import type { RowInput } from "../row-source.js";
import {
  checkRemoteFileSource,
  type RemoteFileSource,
  RemoteFileSourceSchema,
  remoteFileConnectionUses,
  remoteFileRows,
} from "./remote-file-source.js";
import {
  checkScriptSource,
  type ScriptSource,
  ScriptSourceSchema,
  scriptRows,
} from "./script-source.js";
import {
  checkSqlSource,
  type SqlSource,
  SqlSourceSchema,
  sqlSourceConnectionUses,
  sqlSourceRows,
} from "./sql-source.js";
import {
  checkSshSource,
  type SshSource,
  SshSourceSchema,
  sshSourceConnectionUses,
  sshSourceRows,
} from "./ssh-source.js";

export const ExportSourceSchema = Type.Union([
  SqlSourceSchema,
  RemoteFileSourceSchema,
  ScriptSourceSchema,
  SshSourceSchema,
]);
export type ExportSource = SqlSource | RemoteFileSource | ScriptSource | SshSource;
export type ExportSourceType = ExportSource["type"];

interface SourceKind<S extends ExportSource> {
  check(value: unknown, field: string): S;
  /** Where it names stored connections, and the types each takes. */
  connections(source: S, field: string): ConnectionUse[];
  /** The rows; the source is reached when they are first read, or before. */
  rows(source: S, context: SourceContext): Promise<RowInput>;
}

const KINDS: { readonly [T in ExportSourceType]: SourceKind<Extract<ExportSource, { type: T }>> } =
  {
    sql: { check: checkSqlSource, connections: sqlSourceConnectionUses, rows: sqlSourceRows },
    remoteFile: {
      check: checkRemoteFileSource,
      connections: remoteFileConnectionUses,
      rows: remoteFileRows,
    },
    script: { check: checkScriptSource, connections: () => [], rows: scriptRows },
    ssh: { check: checkSshSource, connections: sshSourceConnectionUses, rows: sshSourceRows },
  };

// Checked first, so that a mistake is reported against its own type's settings rather
// than as a failed match with every type.
const TypeOnlySchema = Type.Object({
  type: Type.Union(Object.keys(KINDS).map((type) => Type.Literal(type))),
});

/**
 * Checks a source's settings by its type.
 * @throws SundialError `badRequest` naming the field, e.g. `source.connection`.
 * @example checkExportSource({ type: "sql", connection: "warehouse", query: "SELECT 1" }, "source");
 */
export function checkExportSource(value: unknown, field = "source"): ExportSource {
  const { type } = validate(TypeOnlySchema, value, field) as { type: ExportSourceType };
  return (KINDS[type] as SourceKind<ExportSource>).check(value, field);
}

/** Where a checked source names stored connections: `source.connection`, `source.query.file.connection`. */
export function sourceConnectionUses(source: ExportSource, field = "source"): ConnectionUse[] {
  return (KINDS[source.type] as SourceKind<ExportSource>).connections(source, field);
}

/**
 * The rows of a checked source, for writeExportFile.
 * @throws SundialError as the source's kind does: `sourceFailed` naming the connection and
 *   the reason, `badRequest` naming a missing parameter, `notFound` for a missing connection.
 */
export function sourceRows(source: ExportSource, context: SourceContext): Promise<RowInput> {
  return (KINDS[source.type] as SourceKind<ExportSource>).rows(source, context);
}
