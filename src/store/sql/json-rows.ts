/**
 * A batch of rows sent as one JSON parameter (an array of objects), read as a table: the
 * statement text stays the same whatever the batch size, and no driver's cap on the
 * number of parameters applies.
 */

/** Column name and PostgreSQL type; SQLite takes each field as JSON gives it. */
export type JsonColumns = readonly (readonly [name: string, type: string])[];

/** `jsonb_to_recordset($n::jsonb) AS alias(columns)`, for a FROM clause. */
export function jsonRowsPostgres(parameter: string, alias: string, columns: JsonColumns): string {
  const typed = columns.map(([name, type]) => `${name} ${type}`).join(", ");
  return `jsonb_to_recordset(${parameter}::jsonb) AS ${alias}(${typed})`;
}

/**
 * A subquery over the parameter's elements. A field holding JSON text comes back as that
 * text (json_extract unquotes strings), so JSON columns travel as strings.
 *
 * The parameter is parsed once, into SQLite's binary JSON (3.45+; better-sqlite3 bundles
 * its SQLite): over text, each json_extract parsed its element again, a dozen times a row,
 * which was half of the cost of ending a batch of jobs.
 */
export function jsonRowsSqlite(columns: JsonColumns): string {
  const fields = columns.map(([name]) => `json_extract(value, '$.${name}') AS ${name}`);
  return `(SELECT ${fields.join(", ")} FROM jsonb_each(jsonb(?)))`;
}
