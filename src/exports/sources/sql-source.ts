/**
 * The settings of a SQL source as a task holds them: the connection to query, and where
 * the query text comes from (inline, a file on an SFTP or FTP server, or a path under an
 * http connection's base URL). Checked when the task is saved; sql.ts runs the query.
 */
import { type Static, Type } from "typebox";
import { validate } from "../../validation.js";
import {
  type ConnectionKind,
  ConnectionRefSchema,
  type ConnectionUse,
  refuseInlineConnection,
  resolveConnection,
} from "../connection-ref.js";
import type { SourceContext } from "../export-run-context.js";
import type { BatchedRows } from "../row-source.js";
import { checkTextOrFile, fetchText, textConnectionUses, textOrFileSchema } from "./query-fetch.js";
import { prepareSqlQuery, sqlRows } from "./sql.js";
import { SQL_DIALECTS, type SqlConnection, whereOf } from "./sql-connection.js";
import type { PreparedQuery } from "./sql-parameters.js";

const QueryTextSchema = Type.String({ minLength: 1, maxLength: 1_000_000 });

/**
 * Where a query comes from: its text, `{ file: { connection, path } }` on an SFTP or FTP
 * server, or `{ http: { connection, path } }`. A fetched query's last good copy is kept and
 * used when a later fetch fails (query-fetch.ts).
 */
export const SqlQuerySchema = textOrFileSchema(QueryTextSchema);
export type SqlQuery = Static<typeof SqlQuerySchema>;

export const SqlSourceSchema = Type.Object(
  {
    type: Type.Literal("sql"),
    /** A `postgres`, `mysql` or `sqlite` connection. */
    connection: ConnectionRefSchema,
    query: SqlQuerySchema,
    /** Write the header row (the column names); default true. */
    headers: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type SqlSource = Static<typeof SqlSourceSchema>;

const SqlSourceShapeSchema = Type.Object(
  {
    type: Type.Literal("sql"),
    connection: ConnectionRefSchema,
    query: Type.Unknown(),
    headers: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/** What a SQL source's `connection` may name. */
const SQL_SOURCE_CONNECTION: ConnectionKind = { types: SQL_DIALECTS, what: "a SQL source" };

/**
 * Checks a SQL source's settings. The query's parameters are checked at the run, against
 * the run's parameters, since the text may be fetched then.
 * @throws SundialError `badRequest` naming the field, e.g. `source.query.file.path`.
 * @example checkSqlSource({ type: "sql", connection: "warehouse", query: "SELECT 1" }, "source");
 */
export function checkSqlSource(value: unknown, field = ""): SqlSource {
  const at = (name: string) => (field === "" ? name : `${field}.${name}`);
  refuseInlineConnection(value, field);
  const source = validate(SqlSourceShapeSchema, value, field);
  checkTextOrFile(source.query, at("query"), "query", QueryTextSchema);
  return validate(SqlSourceSchema, source, field);
}

/** Where a SQL source names connections: its database, and where its query is kept. */
export function sqlSourceConnectionUses(source: SqlSource, field: string): ConnectionUse[] {
  return [
    { field: `${field}.connection`, name: source.connection, ...SQL_SOURCE_CONNECTION },
    ...textConnectionUses(source.query, `${field}.query`, "query"),
  ];
}

/** The query as it will run: the connection, the text fetched (if need be), placeholders and values. */
export interface PreparedSqlSource {
  readonly connection: SqlConnection;
  /** The query's text before parameters are bound: inline, fetched, or the last good copy. */
  readonly query: string;
  readonly prepared: PreparedQuery;
}

/**
 * Resolves the source's connection, gets its query's text and binds the run's parameters,
 * without running anything: for the task page's preview, and the first step of a run.
 * @throws SundialError `notFound` / `badRequest` (naming `source.connection`) for a missing
 *   connection or one that is not a database; `badRequest` naming `parameters.<name>` for a
 *   parameter the query uses but the run lacks; `sourceFailed` when a fetch fails with no
 *   copy kept.
 */
export async function prepareSqlSource(
  source: SqlSource,
  context: SourceContext,
): Promise<PreparedSqlSource> {
  const connection = (await resolveConnection(context.connections, {
    field: "source.connection",
    name: source.connection,
    ...SQL_SOURCE_CONNECTION,
  })) as SqlConnection;
  const query = await fetchText(source.query, context, { what: "query", field: "source.query" });
  return { connection, query, prepared: prepareSqlQuery(connection, query, context.parameters) };
}

/**
 * The source's rows, streamed: the header row first unless `headers` is false.
 * @throws as {@link prepareSqlSource}; while reading, as `sqlRows` does.
 */
export async function sqlSourceRows(
  source: SqlSource,
  context: SourceContext,
): Promise<BatchedRows> {
  const { connection, query } = await prepareSqlSource(source, context);
  context.log(
    "INFO",
    `running the query on connection "${connection.name}" (${connection.type}, ${whereOf(connection)})`,
  );
  return sqlRows(connection, query, {
    parameters: context.parameters,
    headers: source.headers ?? true,
    signal: context.signal,
  });
}
