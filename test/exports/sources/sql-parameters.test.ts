// biome-ignore-all lint/suspicious/noTemplateCurlyInString: queries write parameters as ${name}
import { describe, expect, it } from "vitest";
import { SundialError } from "../../../src/errors.js";
import { prepareQuery } from "../../../src/exports/sources/sql-parameters.js";

const refusal = (run: () => unknown): SundialError => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SundialError);
    return error as SundialError;
  }
  throw new Error("expected a refusal");
};

describe("named parameters", () => {
  const query =
    "SELECT * FROM sales WHERE region = :region AND day >= ${from} AND day < :to OR region = ${region}";
  const parameters = { region: "north", from: "2026-03-01", to: "2026-04-01", unused: 1 };

  it("become PostgreSQL's numbered placeholders, one per name", () => {
    expect(prepareQuery(query, parameters, "postgres")).toEqual({
      text: "SELECT * FROM sales WHERE region = $1 AND day >= $2 AND day < $3 OR region = $1",
      values: ["north", "2026-03-01", "2026-04-01"],
      names: ["region", "from", "to"],
    });
  });

  it("become ? for MySQL and SQLite, a value per use", () => {
    for (const dialect of ["mysql", "sqlite"] as const) {
      expect(prepareQuery(query, parameters, dialect)).toEqual({
        text: "SELECT * FROM sales WHERE region = ? AND day >= ? AND day < ? OR region = ?",
        values: ["north", "2026-03-01", "2026-04-01", "north"],
        names: ["region", "from", "to"],
      });
    }
  });

  it("leave literals, quoted names, comments, casts and dollar quotes alone", () => {
    const text = [
      "SELECT x::int, '10:30 :no', \"col:no\", E'it\\'s :no', $$ :no $$, $tag$ :no $tag$, col$1",
      "-- :no",
      "/* :no /* nested :no */ :no */ FROM t WHERE a = :yes",
    ].join("\n");
    expect(prepareQuery(text, { yes: 1 }, "postgres")).toMatchObject({
      text: text.replace(":yes", "$1"),
      names: ["yes"],
    });
    const mysql = "SELECT 'it\\'s :no', \"a:no\", `b:no` # :no\nFROM t WHERE a = :yes";
    expect(prepareQuery(mysql, { yes: 1 }, "mysql").text).toBe(mysql.replace(":yes", "?"));
    const sqlite = "SELECT [a:no], `b:no` FROM t WHERE a = :yes";
    expect(prepareQuery(sqlite, { yes: 1 }, "sqlite").text).toBe(sqlite.replace(":yes", "?"));
    // PostgreSQL's jsonb operator is not a placeholder there.
    expect(prepareQuery("SELECT doc ? 'k' FROM t", {}, "postgres").text).toBe(
      "SELECT doc ? 'k' FROM t",
    );
  });

  it("name every missing parameter, and the ones given", () => {
    const error = refusal(() =>
      prepareQuery(query, { region: "north", to: undefined as never }, "postgres"),
    );
    expect(error).toMatchObject({ code: "badRequest", field: "parameters.from" });
    expect(error.message).toBe(
      "parameters.from: the query uses :from, :to but no parameter of that name was given (given: region, to)",
    );
  });

  it("refuse ${name} in quotes, positional placeholders, and what is never closed", () => {
    const cases: [string, "postgres" | "mysql" | "sqlite", string][] = [
      [
        "SELECT * FROM t WHERE region = '${region}'",
        "postgres",
        "query: ${region} at character 33 is inside quotes",
      ],
      ['SELECT * FROM "${table}"', "sqlite", "query: ${table} at character 16 is inside quotes"],
      [
        "SELECT * FROM t WHERE a = $1",
        "postgres",
        'query: "$1" at character 27 is a positional placeholder',
      ],
      [
        "SELECT * FROM t WHERE a = ?",
        "mysql",
        'query: "?" at character 27 is a positional placeholder',
      ],
      ["SELECT ${1x}", "postgres", 'query: "${1x}" at character 8 is not a parameter'],
      ["SELECT 'open", "postgres", "query: the quote ' at character 8 is never closed"],
      ["SELECT 1 /* open", "mysql", "query: the comment /* at character 10 is never closed"],
      ["SELECT $q$ open", "postgres", "query: the dollar quote $q$ at character 8 is never closed"],
    ];
    for (const [text, dialect, message] of cases) {
      const error = refusal(() => prepareQuery(text, { region: "x", table: "t" }, dialect));
      expect(error.field).toBe("query");
      expect(error.message.startsWith(message), error.message).toBe(true);
    }
  });

  it("convert values for each driver, and refuse what none can bind", () => {
    const at = new Date(Date.UTC(2026, 2, 27, 6));
    const values = { on: true, big: 9007199254740993n, at, bytes: new Uint8Array([1, 2]) };
    const text = "SELECT :on, :big, :at, :bytes";
    expect(prepareQuery(text, values, "sqlite").values).toEqual([
      1,
      9007199254740993n,
      "2026-03-27T06:00:00.000Z",
      Buffer.from([1, 2]),
    ]);
    expect(prepareQuery(text, values, "mysql").values).toEqual([
      true,
      "9007199254740993",
      at,
      Buffer.from([1, 2]),
    ]);
    expect(prepareQuery("SELECT :ids", { ids: [1, "a", null] }, "postgres").values).toEqual([
      [1, "a", null],
    ]);
    expect(
      refusal(() => prepareQuery("SELECT :o", { o: { a: 1 } as never }, "postgres")),
    ).toMatchObject({
      field: "parameters.o",
      message:
        "parameters.o: is an object; give text, a number, a boolean, null, a date, bytes or a list of those",
    });
    expect(
      refusal(() => prepareQuery("SELECT :d", { d: new Date(Number.NaN) }, "mysql")).message,
    ).toBe("parameters.d: is an invalid date");
    expect(refusal(() => prepareQuery("SELECT :ids", { ids: [1] }, "sqlite")).message).toMatch(
      /^parameters\.ids: is a list, which only PostgreSQL binds/,
    );
  });
});
