/**
 * The processing script: a program run on the data file after the source (`python3
 * clean.py`), before the file is delivered. Its settings are here; what it is given and
 * what it may answer are in processing-run.ts.
 */
import { type Static, Type } from "typebox";
import { SundialError } from "../../errors.js";
import { validate } from "../../validation.js";
import { ConnectionRefSchema } from "../connection-ref.js";

export const ProcessingSchema = Type.Object(
  {
    /** The program: a path, or a name found on the server's PATH (`python3`). */
    command: Type.String({ minLength: 1, maxLength: 4096 }),
    /** Its arguments, before the data file, which is always the last one. */
    args: Type.Optional(Type.Array(Type.String({ maxLength: 65_536 }), { maxItems: 100 })),
    /** Stored connections whose settings it gets as environment variables; default the source's. */
    connections: Type.Optional(Type.Array(ConnectionRefSchema, { maxItems: 20 })),
    /** How long it may run; default 600,000 (10 minutes). */
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 86_400_000 })),
  },
  { additionalProperties: false },
);
export type Processing = Static<typeof ProcessingSchema>;

/**
 * Checks a processing script's settings.
 * @throws SundialError `badRequest` naming the field, e.g. `processing.args[1]`.
 * @example checkProcessing({ command: "python3", args: ["clean.py"] }, "processing");
 */
export function checkProcessing(value: unknown, field = "processing"): Processing {
  const given = (value as { connections?: unknown } | null)?.connections;
  if (Array.isArray(given)) {
    given.forEach((item, i) => {
      // Before the schema, which would quote the settings, password and all.
      if (item !== null && typeof item === "object") {
        const at = `${field}.connections[${i}]`;
        throw new SundialError(
          "badRequest",
          `${at}: holds a connection's settings; store them as a connection (POST /api/v1/connections) and give its name here`,
          { field: at },
        );
      }
    });
  }
  const processing = validate(ProcessingSchema, value, field);
  const texts: [string, string][] = [
    ["command", processing.command],
    ...(processing.args ?? []).map((arg, i): [string, string] => [`args[${i}]`, arg]),
  ];
  for (const [name, text] of texts) {
    // A NUL can't be passed to a program; Node would refuse it at the run instead.
    if (text.includes("\0")) {
      const at = `${field}.${name}`;
      throw new SundialError("badRequest", `${at}: holds a NUL character`, { field: at });
    }
  }
  return processing;
}
