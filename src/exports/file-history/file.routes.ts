/**
 * File history over HTTP: list the files export runs produced, read one, download it.
 * Thin: each route checks its input against its schema and calls the service. Resending
 * belongs to the task routes, which know the task's current destinations.
 *
 * Who may: any user (viewer) may list, read and download, as they may read a job's results.
 */
import type { Readable } from "node:stream";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { problemResponses } from "../../api/problem.js";
import {
  FILE_ID_PATTERN,
  type FileHistoryService,
  FileListQuerySchema,
} from "./file-history.service.js";

export interface FileRoutesOptions {
  readonly files: FileHistoryService;
}

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) =>
  Type.Union([schema, Type.Null()]);

/** A stored file as the API gives it: never where it is on the server's disk. */
export const StoredFileSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    size: Type.Integer({ description: "Bytes" }),
    rows: Type.Integer({ description: "Data rows, the header row excluded" }),
    empty: Type.Boolean({ description: "No data row" }),
    md5: Type.String(),
    sha256: Type.String(),
    jobId: Type.String({ description: "The job whose run produced it" }),
    taskId: Nullable(Type.String()),
    taskName: Type.String(),
    projectId: Nullable(Type.String()),
    projectName: Nullable(Type.String()),
    startedBy: Nullable(Type.String({ description: "The user who started the run, if one did" })),
    createdAt: Type.Integer({ description: "ms since 1970-01-01 UTC" }),
  },
  { additionalProperties: false },
);

const FilePageSchema = Type.Object(
  {
    result: Type.Array(StoredFileSchema),
    resultCount: Type.Integer(),
    next: Type.Optional(
      Type.String({ description: "Pass it as `cursor` to read the next page; absent on the last" }),
    ),
  },
  { additionalProperties: false },
);

const IdParams = Type.Object({
  id: Type.String({ pattern: FILE_ID_PATTERN, description: "The file's id, `fil_…`" }),
});

export const fileRoutes: FastifyPluginAsyncTypebox<FileRoutesOptions> = async (app, { files }) => {
  const tags = ["files"];

  app.get(
    "/files",
    {
      config: { access: "viewer" },
      schema: {
        summary: "Files export runs produced, newest first, of a task, a project, or all",
        description:
          "Answers `{ result, resultCount, next? }`; pass `next` back as `cursor` for the next page.",
        tags,
        querystring: FileListQuerySchema,
        response: { 200: FilePageSchema, ...problemResponses("badRequest") },
      },
    },
    async (request) => files.list(request.query),
  );

  app.get(
    "/files/:id",
    {
      config: { access: "viewer" },
      schema: {
        summary: "A stored file: its name, size, rows, hashes and the run that made it",
        tags,
        params: IdParams,
        response: { 200: StoredFileSchema, ...problemResponses("notFound") },
      },
    },
    async (request) => files.get(request.params.id),
  );

  app.get(
    "/files/:id/content",
    {
      config: { access: "viewer" },
      schema: {
        summary: "Download a stored file",
        description:
          "The file's bytes as `application/octet-stream`, named by `Content-Disposition`, with its sha256 in `Digest`.",
        tags,
        params: IdParams,
        response: {
          // Sent as it is: Fastify pipes a stream, and serializes nothing for this type.
          200: Type.Unsafe<Readable>({
            type: "string",
            format: "binary",
            description: "The file's bytes",
          }),
          ...problemResponses("notFound"),
        },
      },
    },
    async (request, reply) => {
      const { file, content } = await files.open(request.params.id);
      return reply
        .header("content-type", "application/octet-stream")
        .header("content-length", file.size)
        .header("content-disposition", attachment(file.name))
        .header("digest", `sha-256=${Buffer.from(file.sha256, "hex").toString("base64")}`)
        .header("x-content-type-options", "nosniff")
        .send(content);
    },
  );
};

/**
 * `attachment; filename="…"; filename*=UTF-8''…` (RFC 6266): a plain ASCII name for old
 * clients, the exact name percent-encoded for the others. Quotes, backslashes and
 * anything outside printable ASCII never reach the header as they are.
 */
function attachment(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, "_");
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
