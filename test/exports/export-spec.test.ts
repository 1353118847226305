// biome-ignore-all lint/suspicious/noTemplateCurlyInString: message templates write parameters as ${name}
/**
 * The export spec as a task saves it: a good one comes back as it was, and a mistake
 * anywhere in it is refused naming the field, by the checker of that part.
 */
import { describe, expect, it } from "vitest";
import { checkExportSpec } from "../../src/exports/export-spec.js";
import { rejectionOf } from "./destinations/helpers.js";

const good = {
  source: { type: "sql", connection: "warehouse", query: "SELECT * FROM sales WHERE day = :day" },
  output: { fileName: "sales_%Y%m%d.csv", format: { type: "csv", delimiter: ";" }, zip: true },
  destinations: [{ type: "directory", directory: "/mnt/finance" }],
  notifications: [{ when: "failure", connection: "mail", to: ["ops@example.com"] }],
  sendEmptyFiles: false,
};

/** The message of the badRequest `value` is refused with. */
async function refusal(
  value: unknown,
  field?: string,
  parameters?: string[],
  connectionType?: (name: string) => Promise<string | undefined>,
): Promise<string> {
  const error = await rejectionOf(checkExportSpec(value, field, { parameters, connectionType }));
  expect(error.code).toBe("badRequest");
  return `${error.field} | ${error.message}`;
}

describe("checking an export spec", () => {
  it("gives a good spec back as it was", async () => {
    expect(await checkExportSpec(good)).toEqual(good);
    const fetched = {
      source: {
        type: "sql",
        connection: "warehouse",
        query: { http: { connection: "git", path: "queries/sales.sql" } },
        headers: false,
      },
      output: { fileName: "sales.json", format: { type: "json" } },
    };
    expect(await checkExportSpec(fetched)).toEqual(fetched);
    const onSftp = {
      ...fetched,
      source: {
        ...fetched.source,
        query: { file: { connection: "vendor", path: "/q/sales.sql" } },
      },
    };
    expect(await checkExportSpec(onSftp)).toEqual(onSftp);
  });

  it("names the field at fault in every part", async () => {
    const { connection: _, ...noConnection } = good.source;
    expect(await refusal({ ...good, source: noConnection })).toBe(
      "source.connection | source.connection: is required",
    );
    expect(await refusal({ ...good, source: { ...good.source, type: "s3" } })).toBe(
      'source.type | source.type: "s3" is not one of "sql", "remoteFile", "script", "ssh"',
    );
    expect(await refusal({ ...good, source: { ...good.source, query: "  " } })).toBe(
      "source.query | source.query: is blank; give the query's text",
    );
    expect(await refusal({ ...good, source: { ...good.source, query: { ftp: "x" } } })).toMatch(
      /^source\.query \| source\.query: must be the query's text/,
    );
    expect(
      await refusal({
        ...good,
        source: { ...good.source, query: { http: { connection: "git", path: "https://evil/" } } },
      }),
    ).toMatch(
      /^source\.query\.http\.path \| source\.query\.http\.path: "https:\/\/evil\/" is a URL/,
    );
    expect(
      await refusal({
        ...good,
        output: { ...good.output, format: { type: "csv", delimiter: '"' } },
      }),
    ).toBe(
      `output.format.delimiter | output.format.delimiter: holds the quote character "\\""; choose another delimiter or quote`,
    );
    expect(
      await refusal({
        ...good,
        destinations: [
          good.destinations[0],
          { type: "sftp", connection: "vendor", directry: "/in" },
        ],
      }),
    ).toBe(
      "destinations[1].directry | destinations[1].directry: is not a known setting; check its spelling",
    );
    expect(
      await refusal({ ...good, notifications: [{ ...good.notifications[0], to: ["ops"] }] }),
    ).toBe(
      'notifications[0].to[0] | notifications[0].to[0]: "ops" is not an email address (name@domain)',
    );
    expect(await refusal({ ...good, sendEmptyFile: true })).toBe(
      "sendEmptyFile | sendEmptyFile: is not a known setting; check its spelling",
    );
    expect(await refusal({ ...good, processing: { command: "python3", args: [1] } })).toMatch(
      /^processing\.args\[0\] \| processing\.args\[0\]: 1 /,
    );
  });

  it("checks remote file and script sources by their own settings", async () => {
    const remote = {
      type: "remoteFile",
      connection: "vendor",
      path: "/out/sales.csv",
      format: { type: "csv", delimiter: ";" },
    };
    expect((await checkExportSpec({ ...good, source: remote })).source).toEqual(remote);
    expect(
      await refusal({ ...good, source: { ...remote, format: { type: "csv", delimter: ";" } } }),
    ).toBe(
      "source.format.delimter | source.format.delimter: is not a known setting; check its spelling",
    );
    expect(await refusal({ ...good, source: { ...remote, format: { type: "xml" } } })).toBe(
      'source.format.type | source.format.type: "xml" is not one of "csv", "ndjson", "json"',
    );
    const script = { type: "script", script: "export default []", timeoutMs: 5000 };
    expect((await checkExportSpec({ ...good, source: script })).source).toEqual(script);
    expect(await refusal({ ...good, source: { ...script, timeoutMs: 1 } })).toMatch(
      /^source\.timeoutMs \| source\.timeoutMs: 1 /,
    );
  });

  it("checks SSH command sources by their own settings", async () => {
    const ssh = { type: "ssh", connection: "box", command: "cat /var/log/app.csv", output: "csv" };
    expect((await checkExportSpec({ ...good, source: ssh })).source).toEqual(ssh);
    const kept = {
      ...ssh,
      command: { file: { connection: "vendor", path: "/scripts/export.sh" } },
    };
    expect((await checkExportSpec({ ...good, source: kept })).source).toEqual(kept);
    expect(await refusal({ ...good, source: { ...ssh, command: " " } })).toBe(
      "source.command | source.command: is blank; give the command's text",
    );
    expect(await refusal({ ...good, source: { ...ssh, output: "xml" } })).toBe(
      'source.output | source.output: "xml" is not one of "lines", "csv", "ndjson"',
    );
    expect(await refusal({ ...good, source: { ...ssh, command: { ftp: "x" } } })).toMatch(
      /^source\.command \| source\.command: must be the command's text, \{ file/,
    );
    expect(await refusal({ ...good, source: { ...ssh, timeoutMs: 10 } })).toMatch(
      /^source\.timeoutMs \| source\.timeoutMs: 10 /,
    );
  });

  it("refuses connections written out in the spec, never quoting their secrets", async () => {
    const secret = "s3cret-pa55";
    const inline = { host: "h.example.com", username: "u", password: secret };
    const cases: [Record<string, unknown>, string][] = [
      [
        { destinations: [{ type: "sftp", connection: inline, directory: "/in" }] },
        "destinations[0].connection",
      ],
      [
        { destinations: [{ type: "ftp", connection: inline, directory: "/in" }] },
        "destinations[0].connection",
      ],
      [
        { destinations: [{ type: "email", connection: inline, to: ["a@example.com"] }] },
        "destinations[0].connection",
      ],
      [
        { notifications: [{ ...good.notifications[0], connection: inline }] },
        "notifications[0].connection",
      ],
      [{ source: { ...good.source, connection: inline } }, "source.connection"],
      [
        { source: { ...good.source, query: { file: { connection: inline, path: "/q.sql" } } } },
        "source.query.file.connection",
      ],
      [{ source: { type: "ssh", connection: inline, command: "ls" } }, "source.connection"],
      [{ processing: { command: "python3", connections: [inline] } }, "processing.connections[0]"],
    ];
    for (const [change, field] of cases) {
      const message = await refusal({ ...good, ...change });
      expect(message).toMatch(new RegExp(`^${field.replace(/[[\].]/g, "\\$&")} \\| `));
      expect(message).toContain("(POST /api/v1/connections");
      expect(message).not.toContain(secret);
    }
  });

  it("refuses a connection of a type its field does not take, when it is stored", async () => {
    const types: Record<string, string> = { warehouse: "postgres", mail: "smtp", vendor: "sftp" };
    const typeOf = async (name: string) => types[name];
    const spec = {
      ...good,
      destinations: [{ type: "sftp", connection: "vendor", directory: "/in" }],
    };
    expect(await checkExportSpec(spec, "", { connectionType: typeOf })).toEqual(spec);
    // Not stored yet: the run will check it.
    const later = {
      ...spec,
      destinations: [{ type: "ftp", connection: "drop", directory: "/in" }],
    };
    expect(await checkExportSpec(later, "", { connectionType: typeOf })).toEqual(later);
    const cases: [Record<string, unknown>, string][] = [
      [
        { destinations: [{ type: "sftp", connection: "mail", directory: "/in" }] },
        'destinations[0].connection | destinations[0].connection: connection "mail" is of type smtp; an sftp destination takes sftp',
      ],
      [
        { destinations: [{ type: "email", connection: "vendor", to: ["a@example.com"] }] },
        'destinations[0].connection | destinations[0].connection: connection "vendor" is of type sftp; an email destination takes smtp',
      ],
      [
        { notifications: [{ ...good.notifications[0], connection: "warehouse" }] },
        'notifications[0].connection | notifications[0].connection: connection "warehouse" is of type postgres; a notification takes smtp',
      ],
      [
        { source: { ...good.source, connection: "vendor" } },
        'source.connection | source.connection: connection "vendor" is of type sftp; a SQL source takes postgres or mysql or sqlite',
      ],
      [
        { source: { ...good.source, query: { http: { connection: "vendor", path: "q.sql" } } } },
        'source.query.http.connection | source.query.http.connection: connection "vendor" is of type sftp; a query over http takes http',
      ],
      [
        { source: { type: "ssh", connection: "vendor", command: "ls" } },
        'source.connection | source.connection: connection "vendor" is of type sftp; an ssh source takes ssh',
      ],
    ];
    for (const [change, message] of cases) {
      expect(await refusal({ ...good, ...change }, undefined, undefined, typeOf)).toBe(message);
    }
  });

  it("reads the public key, refusing one that is not, under its field", async () => {
    const message = await refusal({
      ...good,
      output: { ...good.output, encrypt: { publicKey: "not a key" } },
    });
    expect(message).toMatch(
      /^output\.encrypt\.publicKey \| output\.encrypt\.publicKey: is not an armored OpenPGP public key/,
    );
  });

  it("prefixes the fields with its own, and checks templates against the parameters given", async () => {
    expect(await refusal({ ...good, output: {} }, "export")).toBe(
      "export.output.fileName | export.output.fileName: is required",
    );
    const notification = { ...good.notifications[0], subject: "${task} for ${regoin}" };
    expect(await refusal({ ...good, notifications: [notification] }, "", ["region"])).toMatch(
      /^notifications\[0\]\.subject \| notifications\[0\]\.subject: "\$\{regoin\}" at character 13 names no parameter/,
    );
    expect(await checkExportSpec({ ...good, notifications: [notification] })).toBeDefined();
  });
});
