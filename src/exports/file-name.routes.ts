/**
 * `POST /file-names/preview`: resolves a task's file name template as a form is filled in,
 * so the user sees `sales_20261121.csv.gpg.zip` rather than learning of a mistake at the
 * first run. Pure: it reads nothing stored.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { type Static, Type } from "typebox";
import { TriggerError } from "../calendar/index.js";
import { SundialError } from "../errors.js";
import { processedFileName } from "./export-file.js";
import { parseFileNameTemplate, renderFileName } from "./file-name-template.js";

const PreviewBody = Type.Object(
  {
    template: Type.String({
      maxLength: 1024,
      description: "The output's `fileName` template, e.g. `sales_%Y%m%d.csv`",
    }),
    timeZone: Type.Optional(
      Type.String({ maxLength: 100, description: "The task's IANA zone; default UTC" }),
    ),
    parameters: Type.Optional(
      Type.Record(
        Type.String({ maxLength: 200 }),
        Type.Union([Type.String({ maxLength: 4096 }), Type.Number(), Type.Boolean()]),
        { maxProperties: 200, description: "The project's and task's parameters, merged" },
      ),
    ),
    at: Type.Optional(
      Type.Union([Type.String({ maxLength: 40 }), Type.Number()], {
        description: "The run's instant (ISO text or ms); default now",
      }),
    ),
    encrypt: Type.Optional(Type.Boolean({ description: "Whether the file is GPG-encrypted" })),
    zip: Type.Optional(Type.Boolean({ description: "Whether the file is zipped" })),
  },
  { additionalProperties: false },
);

/** The body of `POST /file-names/preview`, for typed clients (the web UI). */
export type FileNamePreviewInput = Static<typeof PreviewBody>;

const FileNamePreviewSchema = Type.Union([
  Type.Object(
    {
      valid: Type.Literal(true),
      dataName: Type.String({ description: "The name the template gives" }),
      fileName: Type.String({
        description: "The name of the file delivered: with `.gpg` and `.zip` when set",
      }),
      at: Type.String({ format: "date-time", description: "The instant it was resolved for" }),
    },
    { description: "A template that resolves" },
  ),
  Type.Object(
    {
      valid: Type.Literal(false),
      field: Type.String({ description: "The field at fault: `template`, `timeZone` or `at`" }),
      detail: Type.String({ description: "What is wrong, and where in the template" }),
    },
    { description: "A template that doesn't resolve, for a form to show next to the field" },
  ),
]);
export type FileNamePreview = Static<typeof FileNamePreviewSchema>;

export const fileNameRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    "/file-names/preview",
    {
      config: { access: "viewer" },
      schema: {
        summary: "Resolve a file name template for a run at an instant",
        description:
          "A template that does not resolve (an unknown parameter, a `/` in the name, a bad zone) answers 200 with `{ valid: false, field, detail }`, so a form can show it next to the field; a body of the wrong shape is a 400 problem.",
        tags: ["tasks"],
        body: PreviewBody,
        response: { 200: FileNamePreviewSchema },
      },
    },
    async (request): Promise<FileNamePreview> => {
      const { template, timeZone = "UTC", parameters, at, encrypt, zip } = request.body;
      const instant = at === undefined ? Date.now() : typeof at === "number" ? at : Date.parse(at);
      if (!Number.isFinite(instant)) {
        return { valid: false, field: "at", detail: `at: ${JSON.stringify(at)} is not an instant` };
      }
      try {
        const dataName = renderFileName(parseFileNameTemplate(template, "template"), {
          instant,
          timeZone,
          parameters,
        });
        return {
          valid: true,
          dataName,
          fileName: processedFileName(dataName, { encrypt: encrypt === true, zip: zip === true }),
          at: new Date(instant).toISOString(),
        };
      } catch (error) {
        if (error instanceof TriggerError) {
          return { valid: false, field: error.field, detail: error.message };
        }
        if (!(error instanceof SundialError) || error.code !== "badRequest") throw error;
        return { valid: false, field: error.field ?? "template", detail: error.message };
      }
    },
  );
};
