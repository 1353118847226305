/**
 * Exports: the file pipeline. Rows from a source become a file in a format (CSV, JSON,
 * NDJSON, text) under a templated name, post-processed (append, encrypt, zip) and hashed,
 * then delivered to destinations (SFTP, FTP, SMB, a directory, email), with notifications;
 * `runExport` ties them into one run, and file history keeps what runs produced.
 * docs/exports.md is the user's guide.
 */
export type { Encoding } from "./cell-text.js";
export type { ConnectionUse, ResolvedConnection } from "./connection-ref.js";
export {
  checkDestination,
  type DeliveryOptions,
  type DeliveryOutcome,
  type Destination,
  DestinationSchema,
  deliverFile,
} from "./destinations/delivery.js";
export {
  copyToDirectory,
  type DirectoryDestination,
  DirectoryDestinationSchema,
} from "./destinations/directory-destination.js";
export {
  type EmailDestination,
  EmailDestinationSchema,
  FILE_PARAMETERS,
  sendFileByEmail,
} from "./destinations/email-destination.js";
export type { DownloadLink } from "./destinations/email-enclosure.js";
export {
  type FtpConnection,
  FtpConnectionSchema,
  type FtpDestination,
  FtpDestinationSchema,
  testFtp,
  uploadFtp,
} from "./destinations/ftp-destination.js";
export {
  type SftpConnection,
  SftpConnectionSchema,
  type SftpDestination,
  SftpDestinationSchema,
  testSftp,
  uploadSftp,
} from "./destinations/sftp-destination.js";
export {
  type SmbDestination,
  SmbDestinationSchema,
  testSmb,
  uploadSmb,
} from "./destinations/smb-destination.js";
export { type ExportManifest, type ExportRun, writeExportFile } from "./export-file.js";
export { checkExportOutput, type ExportOutput, ExportOutputSchema } from "./export-output.js";
export type { ConnectionResolver, RunLog, SourceContext } from "./export-run-context.js";
export {
  type CheckExportSpecOptions,
  checkExportSpec,
  type ExportSpec,
  ExportSpecSchema,
  exportConnectionUses,
} from "./export-spec.js";
export {
  type CsvFormat,
  type FileFormat,
  FileFormatSchema,
  type TextFormat,
} from "./file-format.js";
export {
  DEFAULT_RETENTION_DAYS,
  type ExportOrigin,
  type FileHistoryOptions,
  FileHistoryService,
  type FileListQuery,
  type FilePage,
  fileRoutes,
  type StoredFile,
} from "./file-history/index.js";
export {
  checkFileName,
  type FileNameContext,
  type FileNameTemplate,
  parseFileNameTemplate,
  renderFileName,
} from "./file-name-template.js";
export { readPublicKey } from "./gpg-encrypt.js";
export {
  checkNotification,
  type Notification,
  type NotificationOutcome,
  NotificationSchema,
  RUN_PARAMETERS,
  type RunReport,
  sendNotifications,
} from "./notifications/notification.js";
export type { Recipient } from "./notifications/recipients.js";
export {
  type SmtpConnection,
  SmtpConnectionSchema,
  testSmtp,
} from "./notifications/smtp-connection.js";
export { DEFAULT_MAX_ROWS, type Row, type RowInput } from "./row-source.js";
export {
  type ExportPreview,
  type ExportPreviewContext,
  type ExportRunContext,
  ExportRunError,
  type ExportRunResult,
  previewExport,
  runExport,
} from "./run-export.js";
export { type SmbConnection, SmbConnectionSchema } from "./smb-connection.js";
export type { ExportSource } from "./sources/export-source.js";
export type { ScriptEnvironmentSettings } from "./sources/script-environment.js";
export { testSsh } from "./sources/ssh-command.js";
export type { SshSource } from "./sources/ssh-source.js";
export { type SshConnection, SshConnectionSchema } from "./ssh-login.js";
