/**
 * The task scanner's SQL on the scanned database, hand-written per dialect: the count and
 * the pages of matching records, the claim (a compare-and-set on `taskState.started`), the
 * completion, and the columns of the table. Values are always bound; names (the table, its
 * columns) reach the text only after {@link checkTableName} / {@link checkColumnName} and
 * quoting for the dialect. A scan's own `query` is the user's SQL, as a task's export
 * query is, and is placed as a subquery.
 *
 * Parameters, in order (each statement's values are in its `values`):
 * - count, page: `before` and `after` (those given), then `staleBefore`; a page then the id
 *   it starts after (when not the first) and the page's size.
 * - claim: `startedAt`, the id, `staleBefore`.
 * - complete: `completedAt`, the id.
 * - columns: the table's schema (when named), the table.
 */
import { SundialError } from "../errors.js";
import type { SqlDialect } from "../exports/sources/sql-connection.js";

/** A name a table or column may have here: letters, digits, `_` and `$`, not a digit first. */
const NAME = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;
const NAME_RULE = "letters, digits, _ and $, not starting with a digit, at most 63 characters";

/**
 * @throws SundialError `badRequest` naming `field` for a name outside {@link NAME}.
 * @example checkColumnName("sunset_date", "invokeContext.scan.property")
 */
export function checkColumnName(name: string, field: string): void {
  if (!NAME.test(name)) {
    throw new SundialError(
      "badRequest",
      `${field}: ${JSON.stringify(name)} is not a column name the scanner takes (${NAME_RULE})`,
      { field },
    );
  }
}

/**
 * A table, or `schema.table`, of {@link NAME}s.
 * @throws SundialError `badRequest` naming `field`.
 */
export function checkTableName(name: string, field: string): void {
  const parts = name.split(".");
  if (parts.length > 2 || !parts.every((part) => NAME.test(part))) {
    throw new SundialError(
      "badRequest",
      `${field}: ${JSON.stringify(name)} is not a table name the scanner takes (a table or schema.table; ${NAME_RULE})`,
      { field },
    );
  }
}

/** What a scan reads and writes, with names already checked. */
export interface ScanTarget {
  readonly dialect: SqlDialect;
  /** A table or `schema.table`. */
  readonly table: string;
  /** A SELECT whose rows are the records; undefined: the table's rows. */
  readonly query: string | undefined;
  readonly idColumn: string;
  readonly property: string;
  readonly started: string;
  readonly completed: string;
}

/** The values a match compares with, already in the columns' form. */
export interface ScanMatch {
  readonly before?: unknown;
  readonly after?: unknown;
  /** A record started before this and not completed is claimable again. */
  readonly staleBefore: unknown;
}

export interface Statement {
  readonly text: string;
  readonly values: readonly unknown[];
}

function quote(dialect: SqlDialect, name: string): string {
  return name
    .split(".")
    .map((part) => (dialect === "mysql" ? `\`${part}\`` : `"${part}"`))
    .join(".");
}

/** Placeholders as the dialect writes them, with their values in order. */
class Parameters {
  readonly values: unknown[] = [];
  constructor(private readonly dialect: SqlDialect) {}

  add(value: unknown): string {
    this.values.push(value);
    return this.dialect === "postgres" ? `$${this.values.length}` : "?";
  }
}

/** `FROM` and `WHERE` of the matching records: `q` is the record, `state` where taskState is. */
function matching(target: ScanTarget, match: ScanMatch, params: Parameters) {
  const name = (column: string) => quote(target.dialect, column);
  const table = quote(target.dialect, target.table);
  const id = name(target.idColumn);
  // Line breaks keep a trailing `-- comment` in the user's query from eating the alias.
  const from =
    target.query === undefined
      ? `${table} q`
      : `(\n${target.query.trim().replace(/;+$/, "")}\n) q JOIN ${table} s ON s.${id} = q.${id}`;
  const state = target.query === undefined ? "q" : "s";
  const property = `q.${name(target.property)}`;
  const started = `${state}.${name(target.started)}`;
  const where = [
    ...(match.before === undefined ? [] : [`${property} < ${params.add(match.before)}`]),
    ...(match.after === undefined ? [] : [`${property} > ${params.add(match.after)}`]),
    `${state}.${name(target.completed)} IS NULL`,
    `(${started} IS NULL OR ${started} < ${params.add(match.staleBefore)})`,
  ];
  return { from, where, id: `q.${id}` };
}

/** How many records match now (answers one row, `n`). */
export function countStatement(target: ScanTarget, match: ScanMatch): Statement {
  const params = new Parameters(target.dialect);
  const { from, where } = matching(target, match, params);
  return {
    text: `SELECT COUNT(*) AS n FROM ${from} WHERE ${where.join(" AND ")}`,
    values: params.values,
  };
}

/** The next `size` matching records by id, after the id `after` (undefined: from the first). */
export function pageStatement(
  target: ScanTarget,
  match: ScanMatch,
  after: unknown,
  size: number,
): Statement {
  const params = new Parameters(target.dialect);
  const { from, where, id } = matching(target, match, params);
  if (after !== undefined) where.push(`${id} > ${params.add(after)}`);
  return {
    text: `SELECT q.* FROM ${from} WHERE ${where.join(" AND ")} ORDER BY ${id} LIMIT ${params.add(size)}`,
    values: params.values,
  };
}

/**
 * Claims one record: sets `started` where no one holds it (never started, or started
 * before `staleBefore` and not completed). One row changed: the claim is this run's; none:
 * another scanner's (or the record was completed meanwhile). Two scanners racing on one
 * record both run this; the database lets one change the row, and the other then sees it
 * started.
 */
export function claimStatement(
  target: ScanTarget,
  id: unknown,
  startedAt: unknown,
  staleBefore: unknown,
): Statement {
  const params = new Parameters(target.dialect);
  const name = (column: string) => quote(target.dialect, column);
  const started = name(target.started);
  const text =
    `UPDATE ${quote(target.dialect, target.table)} SET ${started} = ${params.add(startedAt)} ` +
    `WHERE ${name(target.idColumn)} = ${params.add(id)} AND ${name(target.completed)} IS NULL ` +
    `AND (${started} IS NULL OR ${started} < ${params.add(staleBefore)})`;
  return { text, values: params.values };
}

/** Marks a record's task done. */
export function completeStatement(
  target: ScanTarget,
  id: unknown,
  completedAt: unknown,
): Statement {
  const params = new Parameters(target.dialect);
  const name = (column: string) => quote(target.dialect, column);
  return {
    text:
      `UPDATE ${quote(target.dialect, target.table)} SET ${name(target.completed)} = ${params.add(completedAt)} ` +
      `WHERE ${name(target.idColumn)} = ${params.add(id)}`,
    values: params.values,
  };
}

/** The table's column names (answers rows of `name`); none when there is no such table. */
export function columnsStatement(target: Pick<ScanTarget, "dialect" | "table">): Statement {
  const parts = target.table.split(".");
  const table = parts.at(-1) as string;
  const schema = parts.length === 2 ? parts[0] : undefined;
  const params = new Parameters(target.dialect);
  switch (target.dialect) {
    case "postgres": {
      const inSchema = schema === undefined ? "current_schema()" : params.add(schema);
      return {
        text: `SELECT column_name AS name FROM information_schema.columns WHERE table_schema = ${inSchema} AND table_name = ${params.add(table)}`,
        values: params.values,
      };
    }
    case "mysql": {
      const inSchema = schema === undefined ? "DATABASE()" : params.add(schema);
      return {
        text: `SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ${inSchema} AND TABLE_NAME = ${params.add(table)}`,
        values: params.values,
      };
    }
    case "sqlite":
      return {
        text: `SELECT name FROM pragma_table_info(${params.add(table)}, ${params.add(schema ?? "main")})`,
        values: params.values,
      };
  }
}

/** How property and taskState hold instants: the database's date-time type, or epoch numbers. */
export type TimeFormat = "timestamp" | "epochMillis" | "epochSeconds";

/**
 * An instant as a value of a column of `format`: ms or seconds since the epoch, or, for a
 * date-time column, UTC text the database reads as its own type (PostgreSQL and SQLite ISO
 * 8601 with `Z`; MariaDB and MySQL `YYYY-MM-DD HH:MM:SS.mmm`, read in the UTC the
 * scanner's session is set to).
 * @example timeParameter(Date.UTC(2026, 2, 27, 6), "timestamp", "mysql") // "2026-03-27 06:00:00.000"
 */
export function timeParameter(ms: number, format: TimeFormat, dialect: SqlDialect): unknown {
  switch (format) {
    case "epochMillis":
      return ms;
    case "epochSeconds":
      return Math.floor(ms / 1000);
    case "timestamp": {
      const iso = new Date(ms).toISOString();
      return dialect === "mysql" ? iso.replace("T", " ").replace("Z", "") : iso;
    }
  }
}
