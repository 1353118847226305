/**
 * Named parameters in a query, bound as real query parameters: `:name` or `${name}` in the
 * query text becomes the driver's placeholder (`$1` for PostgreSQL, `?` for MySQL and
 * SQLite) and the value goes to the driver beside the text, so no value is ever spliced
 * into SQL.
 *
 * The query is read as the database reads it: string literals, quoted identifiers,
 * comments and PostgreSQL's dollar quotes are skipped, so `'10:30'`, `"a:b"` and
 * `-- :note` are left alone, and `x::int` is a cast. A `${name}` inside quotes is refused
 * (`'${region}'` would be the text, not the value), as are positional placeholders of the
 * database's own (`$1`, `?`), which would bypass the names.
 */
import { SundialError } from "../../errors.js";
import type { SqlDialect, SqlValue } from "./sql-connection.js";

/** The query as the driver runs it. */
export interface PreparedQuery {
  /** The query text with the driver's placeholders. */
  readonly text: string;
  /** The values for the placeholders, in order, converted for the driver. */
  readonly values: readonly unknown[];
  /** The parameter names the query uses, in order of first use. */
  readonly names: readonly string[];
}

interface Use {
  readonly name: string;
  readonly start: number;
  readonly end: number;
}

const NAME_START = /[A-Za-z_]/;
const NAME_PART = /[A-Za-z0-9_]/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DOLLAR_TAG = /\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/y;

function queryError(reason: string): SundialError {
  return new SundialError("badRequest", `query: ${reason}`, { field: "query" });
}

/** 1-based, as editors count. */
const at = (index: number) => `at character ${index + 1}`;

/** Where a quoted stretch ends (the index after its closing quote). */
function quotedEnd(query: string, start: number, quote: string, backslashes: boolean): number {
  let i = start + 1;
  while (i < query.length) {
    const c = query[i];
    if (backslashes && c === "\\") i += 2;
    else if (c === quote && query[i + 1] === quote) i += 2;
    else if (c === quote) return i + 1;
    else i++;
  }
  throw queryError(`the quote ${quote} ${at(start)} is never closed`);
}

/** Refuses `${name}` inside a literal or quoted identifier. */
function checkNoTemplate(query: string, start: number, end: number): void {
  const inside = query.slice(start, end).indexOf("${");
  if (inside < 0) return;
  const index = start + inside;
  const text = /^\$\{[^}]*\}?/.exec(query.slice(index))?.[0] ?? "${";
  throw queryError(
    `${text} ${at(index)} is inside quotes; parameters are bound as values, so write it without quotes (region = \${region}, not region = '\${region}'), and names of tables or columns can't be parameters`,
  );
}

/** The parameters a query uses, in order, for a dialect's quoting rules. */
function scan(query: string, dialect: SqlDialect): Use[] {
  const uses: Use[] = [];
  let i = 0;
  while (i < query.length) {
    const c = query[i] as string;
    const next = query[i + 1];
    if ((c === "-" && next === "-") || (c === "#" && dialect === "mysql")) {
      const end = query.indexOf("\n", i);
      i = end < 0 ? query.length : end + 1;
    } else if (c === "/" && next === "*") {
      i = commentEnd(query, i, dialect === "postgres");
    } else if (c === "'" || c === '"' || c === "`" || (c === "[" && dialect === "sqlite")) {
      const end = quotedEnd(query, i, c === "[" ? "]" : c, backslashesIn(query, i, dialect));
      checkNoTemplate(query, i, end);
      i = end;
    } else if (c === "$" && next === "{") {
      const close = query.indexOf("}", i);
      const name = close < 0 ? "" : query.slice(i + 2, close);
      if (!NAME.test(name)) {
        throw queryError(
          `"${query.slice(i, close < 0 ? i + 2 : close + 1)}" ${at(i)} is not a parameter; write \${name}, the name made of letters, digits and _`,
        );
      }
      uses.push({ name, start: i, end: close + 1 });
      i = close + 1;
    } else if (c === "$" && dialect === "postgres") {
      i = dollarEnd(query, i);
    } else if (c === ":" && next === ":") {
      i += 2;
    } else if (c === ":" && next !== undefined && NAME_START.test(next)) {
      let end = i + 2;
      while (end < query.length && NAME_PART.test(query[end] as string)) end++;
      uses.push({ name: query.slice(i + 1, end), start: i, end });
      i = end;
    } else if (c === "?" && dialect !== "postgres") {
      throw positional("?", i);
    } else {
      i++;
    }
  }
  return uses;
}

function positional(text: string, index: number): SundialError {
  return queryError(
    `"${text}" ${at(index)} is a positional placeholder; name the parameter instead (:name or \${name}) and give its value under that name`,
  );
}

/** MySQL strings take backslash escapes; PostgreSQL's only in E'…'. */
function backslashesIn(query: string, start: number, dialect: SqlDialect): boolean {
  const quote = query[start];
  if (dialect === "mysql") return quote === "'" || quote === '"';
  if (dialect !== "postgres" || quote !== "'") return false;
  const prefix = query[start - 1];
  return (prefix === "E" || prefix === "e") && !NAME_PART.test(query[start - 2] ?? " ");
}

/** PostgreSQL nests block comments; the others end at the first `*\/`. */
function commentEnd(query: string, start: number, nested: boolean): number {
  let depth = 0;
  let i = start;
  while (i < query.length) {
    if (query.startsWith("/*", i)) {
      depth = nested ? depth + 1 : 1;
      i += 2;
    } else if (query.startsWith("*/", i)) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  throw queryError(`the comment /* ${at(start)} is never closed`);
}

/** After `$`: a dollar-quoted string (`$$…$$`, `$tag$…$tag$`), a `$1` refused, or a plain `$`. */
function dollarEnd(query: string, start: number): number {
  // A $ inside a name (col$1) is part of the name, not a quote.
  if (NAME_PART.test(query[start - 1] ?? " ")) return start + 1;
  if (/[0-9]/.test(query[start + 1] ?? "")) {
    throw positional(/^\$[0-9]+/.exec(query.slice(start))?.[0] ?? "$", start);
  }
  DOLLAR_TAG.lastIndex = start;
  const tag = DOLLAR_TAG.exec(query)?.[0];
  if (tag === undefined) return start + 1;
  const close = query.indexOf(tag, start + tag.length);
  if (close < 0) throw queryError(`the dollar quote ${tag} ${at(start)} is never closed`);
  checkNoTemplate(query, start, close + tag.length);
  return close + tag.length;
}

/** A value as the driver takes it. */
function driverValue(value: SqlValue, name: string, dialect: SqlDialect): unknown {
  const fail = (reason: string): never => {
    throw new SundialError("badRequest", `parameters.${name}: ${reason}`, {
      field: `parameters.${name}`,
    });
  };
  if (value === null || typeof value === "string" || typeof value === "number") return value;
  if (typeof value === "bigint") return dialect === "sqlite" ? value : value.toString();
  if (typeof value === "boolean") return dialect === "sqlite" ? Number(value) : value;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) fail("is an invalid date");
    return dialect === "sqlite" ? value.toISOString() : value;
  }
  if (value instanceof Uint8Array) {
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  }
  if (Array.isArray(value)) {
    if (dialect !== "postgres") {
      fail(
        `is a list, which only PostgreSQL binds (id = ANY(:${name})); ${dialect === "mysql" ? "MySQL" : "SQLite"} needs one parameter per value`,
      );
    }
    return value.map((item: SqlValue) => driverValue(item, name, dialect));
  }
  return fail(
    `is ${value === undefined ? "undefined" : typeof value === "object" ? "an object" : `a ${typeof value}`}; give text, a number, a boolean, null, a date, bytes${dialect === "postgres" ? " or a list of those" : ""}`,
  );
}

/**
 * Rewrites a query's named parameters into `dialect`'s placeholders, with their values.
 * @throws SundialError `badRequest` naming `parameters.<name>` for a parameter the query
 *   uses but `parameters` lacks (or of a type the database can't bind), or `query` for a
 *   `${name}` in quotes, a positional placeholder, or a quote or comment never closed.
 * @example
 * prepareQuery("SELECT * FROM sales WHERE region = :region AND day >= ${from}", { region: "north", from: "2026-03-01" }, "postgres");
 * // { text: "SELECT * FROM sales WHERE region = $1 AND day >= $2", values: ["north", "2026-03-01"], names: ["region", "from"] }
 */
export function prepareQuery(
  query: string,
  parameters: Readonly<Record<string, SqlValue>>,
  dialect: SqlDialect,
): PreparedQuery {
  const uses = scan(query, dialect);
  const names = [...new Set(uses.map((use) => use.name))];
  const missing = names.filter(
    (name) => !Object.hasOwn(parameters, name) || parameters[name] === undefined,
  );
  const first = missing[0];
  if (first !== undefined) {
    const given = Object.keys(parameters);
    throw new SundialError(
      "badRequest",
      `parameters.${first}: the query uses ${missing.map((name) => `:${name}`).join(", ")} but no parameter of that name was given (given: ${given.length === 0 ? "none" : given.join(", ")})`,
      { field: `parameters.${first}` },
    );
  }
  const converted = new Map(
    names.map((name) => [name, driverValue(parameters[name] as SqlValue, name, dialect)]),
  );
  let text = "";
  let from = 0;
  const values: unknown[] = [];
  for (const use of uses) {
    let placeholder = "?";
    if (dialect === "postgres") {
      placeholder = `$${names.indexOf(use.name) + 1}`;
    } else {
      values.push(converted.get(use.name));
    }
    text += query.slice(from, use.start) + placeholder;
    from = use.end;
  }
  text += query.slice(from);
  return {
    text,
    values: dialect === "postgres" ? names.map((name) => converted.get(name)) : values,
    names,
  };
}
