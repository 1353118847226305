/** File history: see file-history.service.ts for the words, docs/exports.md for the guide. */
export { type FileRoutesOptions, fileRoutes, StoredFileSchema } from "./file.routes.js";
export {
  DEFAULT_RETENTION_DAYS,
  type ExportOrigin,
  type FileHistoryOptions,
  FileHistoryService,
  type FileListQuery,
  FileListQuerySchema,
  type FilePage,
  MAX_RETENTION_DAYS,
  type StoredFile,
} from "./file-history.service.js";
