/**
 * Exports: the file pipeline. Rows from a source become a file in a format (CSV, JSON,
 * NDJSON, text) under a templated name, post-processed (append, encrypt, zip) and hashed.
 * No HTTP, no storage; docs/exports.md is the user's guide.
 */
export type { Encoding } from "./cell-text.js";
export { type ExportManifest, type ExportRun, writeExportFile } from "./export-file.js";
export { checkExportOutput, type ExportOutput, ExportOutputSchema } from "./export-output.js";
export {
  type CsvFormat,
  type FileFormat,
  FileFormatSchema,
  type TextFormat,
} from "./file-format.js";
export {
  checkFileName,
  type FileNameContext,
  type FileNameTemplate,
  parseFileNameTemplate,
  renderFileName,
} from "./file-name-template.js";
export { readPublicKey } from "./gpg-encrypt.js";
export { DEFAULT_MAX_ROWS, type Row, type RowInput } from "./row-source.js";
