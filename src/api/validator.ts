/**
 * Route schemas are TypeBox schemas, checked by TypeBox itself (compiled once per route),
 * and a failure is the same `badRequest` that the services and conf/ files give: one
 * message naming the field and the reason (src/validation.ts), not Ajv's list.
 */
import type { FastifySchemaCompiler } from "fastify";
import type { TSchema } from "typebox";
import { Compile } from "typebox/compile";
import { Value } from "typebox/value";
import { SundialError } from "../errors.js";
import { validate } from "../validation.js";

/** The validator compiler of every route: `app.setValidatorCompiler(validatorCompiler)`. */
export const validatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const checker = Compile(schema);
  return (value: unknown) => {
    if (httpPart === "body" && value === null) {
      // Fastify hands a missing body over as null.
      return {
        error: new SundialError("badRequest", "body: is required; send it as application/json", {
          field: "body",
        }),
      };
    }
    // A query string, path or header holds text: "20" is read as 20, "true" as true.
    const converted = httpPart === "body" ? value : Value.Convert(schema, value);
    if (checker.Check(converted)) return { value: converted };
    try {
      validate(schema, converted);
    } catch (error) {
      return { error: error as Error };
    }
    return { value: converted };
  };
};
