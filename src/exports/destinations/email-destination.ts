/**
 * Sending a file by email through a stored SMTP connection: attached, embedded in the body,
 * or, over the size limit, zipped or linked (email-enclosure.ts). Phones among the
 * recipients get a short plain-text message without the file.
 */
import { type Static, Type } from "typebox";
import { validate } from "../../validation.js";
import { type ConnectionKind, refuseInlineConnection } from "../connection-ref.js";
import type { ExportManifest } from "../export-file.js";
import {
  addresseesOf,
  checkMail,
  mailProperties,
  mailTemplates,
} from "../notifications/mail-settings.js";
import {
  type MessageTemplate,
  type MessageValues,
  renderMessage,
} from "../notifications/message-template.js";
import { listRecipients } from "../notifications/recipients.js";
import {
  checkSmtpConnection,
  describeSmtp,
  type SmtpConnection,
  sendLetter,
} from "../notifications/smtp-connection.js";
import { type DownloadLink, type Enclosure, encloseFile } from "./email-enclosure.js";
import { formatBytes, localSize } from "./transfer.js";

export const EmailDestinationSchema = Type.Object(
  {
    type: Type.Literal("email"),
    /** What outcomes call it; default the recipients. */
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    // Templates default to `${file}`, `${file}: ${rows} rows, ${size}.`, `${file}: ${rows} rows`.
    ...mailProperties,
    /** Put a text or CSV file in the body instead of attaching it, when it is small enough. */
    embed: Type.Optional(Type.Boolean()),
    /** The largest file embedded, in bytes; default 100,000. */
    embedMaxBytes: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000 })),
    /** The largest attachment, in bytes before encoding; default 10,000,000. */
    maxBytes: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000_000 })),
  },
  { additionalProperties: false },
);
export type EmailDestination = Static<typeof EmailDestinationSchema>;

/** What an email destination's `connection` may name. */
export const EMAIL_DESTINATION_CONNECTION: ConnectionKind = {
  types: ["smtp"],
  what: "an email destination",
};

/** The parameters an email destination's templates have besides the run's own. */
export const FILE_PARAMETERS = ["file", "rows", "size", "bytes", "md5", "sha256"] as const;

// Message templates: their `${name}` is filled in by renderMessage, not by JavaScript.
const DEFAULTS = {
  subject: `\${file}`,
  body: `\${file}: \${rows} rows, \${size}.`,
  sms: `\${file}: \${rows} rows`,
  embedMaxBytes: 100_000,
  maxBytes: 10_000_000,
};

/** How one email is sent: the run's parameters for the templates, the link for big files. */
export interface EmailOptions {
  readonly signal?: AbortSignal | undefined;
  /** Values for `${name}` in the templates (`task`, `project`, the run's parameters). */
  readonly parameters?: Readonly<Record<string, string | number | boolean>> | undefined;
  /** Where a file too large for email can be downloaded. */
  readonly downloadLink?: DownloadLink | undefined;
}

/**
 * Checks email destination settings.
 * @param parameters the run's parameter names: when given, a template naming any other
 *   (or none of {@link FILE_PARAMETERS}) is refused now rather than at the run.
 * @throws SundialError `badRequest` naming the field, e.g. `destinations[3].to[1]`; a
 *   connection written out in the task is refused (`destinations[3].connection`).
 * @example checkEmailDestination({ type: "email", connection: "mail", to: ["ops@example.com"], embed: true }, "destinations[3]");
 */
export function checkEmailDestination(
  value: unknown,
  field = "",
  parameters?: readonly string[],
): EmailDestination {
  refuseInlineConnection(value, field);
  const destination = validate(EmailDestinationSchema, value, field);
  const templates = mailTemplates(destination, DEFAULTS, field);
  checkMail(
    destination,
    field,
    Object.values(templates),
    parameters && [...FILE_PARAMETERS, ...parameters],
  );
  return destination;
}

/** `email to a@example.com, b@example.com`, for outcomes. */
export function describeEmail(destination: EmailDestination): string {
  return `email to ${listRecipients(destination)}`;
}

/**
 * Emails `file` as the destination says.
 * @param connection the settings of the `smtp` connection the destination names, resolved.
 * @returns what was done: how the file went, and to whom.
 * @throws SundialError `badRequest` for bad settings or templates; `deliveryFailed` naming
 *   the SMTP server and the reason, or the sizes when the file fits no way and there is no
 *   download link; the signal's reason when aborted.
 * @example
 * await sendFileByEmail(manifest, {
 *   type: "email", connection: "mail", to: ["finance@example.com"],
 *   subject: "Sales for ${region}", embed: true, maxBytes: 5_000_000,
 * }, mail.settings, { parameters: { region: "north" }, downloadLink: "https://sundial.example.com/files/${sha256}" });
 */
export async function sendFileByEmail(
  file: ExportManifest,
  settings: unknown,
  connection: SmtpConnection,
  options: EmailOptions = {},
): Promise<string> {
  const destination = checkEmailDestination(settings);
  checkSmtpConnection(connection, "connection");
  const where = describeSmtp(connection);
  await localSize(file, where);
  const templates = mailTemplates(destination, DEFAULTS, "");
  const maxBytes = destination.maxBytes ?? DEFAULTS.maxBytes;
  const enclosure = await encloseFile(
    file,
    {
      embed: destination.embed === true,
      embedMaxBytes: destination.embedMaxBytes ?? DEFAULTS.embedMaxBytes,
      maxBytes,
    },
    { where, downloadLink: options.downloadLink, signal: options.signal },
  );
  const values = fileValues(file, options.parameters);
  const render = (template: MessageTemplate) => renderMessage(template, values);
  const how = enclosureNote(file, enclosure, maxBytes);
  const sent = await sendLetter(
    connection,
    addresseesOf(destination, connection),
    {
      subject: render(templates.subject).replace(/\s+/g, " ").trim(),
      text: how.body === "" ? render(templates.body) : `${render(templates.body)}\n\n${how.body}`,
      attachments:
        enclosure.kind === "attached" || enclosure.kind === "zipped" ? [enclosure.attachment] : [],
      smsText: render(templates.sms),
    },
    { field: "", signal: options.signal },
  );
  return `${how.detail}; ${sent}`;
}

/** The values of an email's templates: the run's parameters, then the file's. */
function fileValues(
  file: ExportManifest,
  parameters: Readonly<Record<string, string | number | boolean>> = {},
): MessageValues {
  return {
    ...Object.fromEntries(Object.entries(parameters).map(([name, value]) => [name, String(value)])),
    file: file.name,
    rows: String(file.rows),
    size: formatBytes(file.size),
    bytes: String(file.size),
    md5: file.md5,
    sha256: file.sha256,
  };
}

/** What the body says about the file beyond the template, and what the outcome says. */
function enclosureNote(
  file: ExportManifest,
  enclosure: Enclosure,
  maxBytes: number,
): { readonly body: string; readonly detail: string } {
  const limit = `the limit of ${formatBytes(maxBytes)} for email`;
  switch (enclosure.kind) {
    case "embedded":
      return { body: enclosure.text, detail: `embedded ${file.name} in the body` };
    case "attached":
      return { body: "", detail: `attached ${file.name} (${formatBytes(file.size)})` };
    case "zipped":
      return {
        body: `${file.name} is attached zipped (${formatBytes(enclosure.size)}): it is ${formatBytes(file.size)}, over ${limit}.`,
        detail: `attached ${file.name} zipped (${formatBytes(enclosure.size)}), as it is over ${limit}`,
      };
    case "linked":
      return {
        body: `${file.name} (${formatBytes(file.size)}) is over ${limit}; download it from ${enclosure.url}`,
        detail: `sent a download link for ${file.name}, as it is over ${limit}`,
      };
  }
}
