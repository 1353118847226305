/**
 * What every email Sundial sends is configured with, an email destination's as much as a
 * notification's: the stored SMTP connection it goes through (by name), the recipients,
 * and the subject, body and SMS templates; and how those settings are checked and read.
 */
import { type Static, Type } from "typebox";
import { ConnectionRefSchema } from "../connection-ref.js";
import {
  checkMessageNames,
  type MessageTemplate,
  parseMessageTemplate,
} from "./message-template.js";
import { type Addressees, addressees, RecipientListSchema, RecipientSchema } from "./recipients.js";
import type { SmtpConnection } from "./smtp-connection.js";

export const mailProperties = {
  /** The name of a stored `smtp` connection. */
  connection: ConnectionRefSchema,
  to: RecipientListSchema,
  cc: Type.Optional(Type.Array(RecipientSchema, { maxItems: 100 })),
  bcc: Type.Optional(Type.Array(RecipientSchema, { maxItems: 100 })),
  /** Message templates (message-template.ts); their defaults are the sender's. */
  subject: Type.Optional(Type.String({ maxLength: 998 })),
  body: Type.Optional(Type.String({ maxLength: 100_000 })),
  /** The text phones get. */
  sms: Type.Optional(Type.String({ maxLength: 2000 })),
};
const MailSettingsSchema = Type.Object(mailProperties);
export type MailSettings = Static<typeof MailSettingsSchema>;

/** The templates of an email, its own or else the sender's defaults. */
export interface MailTemplates {
  readonly subject: MessageTemplate;
  readonly body: MessageTemplate;
  readonly sms: MessageTemplate;
}

/**
 * Parses an email's templates, taking `defaults` for those it leaves out.
 * @param field what the settings are known by, for messages: `notifications[0]`.
 * @throws SundialError `badRequest` naming the template, e.g. `notifications[0].subject`.
 */
export function mailTemplates(
  settings: MailSettings,
  defaults: { readonly subject: string; readonly body: string; readonly sms: string },
  field: string,
): MailTemplates {
  const at = (name: string) => (field === "" ? name : `${field}.${name}`);
  return {
    subject: parseMessageTemplate(settings.subject ?? defaults.subject, at("subject")),
    body: parseMessageTemplate(settings.body ?? defaults.body, at("body")),
    sms: parseMessageTemplate(settings.sms ?? defaults.sms, at("sms")),
  };
}

/**
 * Checks an email's recipients, and, given the parameter names the run will have, that its
 * templates name no other.
 * @throws SundialError `badRequest` naming the field, e.g. `destinations[3].to[1]`.
 */
export function checkMail(
  settings: MailSettings,
  field: string,
  templates: readonly MessageTemplate[],
  names?: readonly string[],
): void {
  addressees(settings, field);
  if (names !== undefined) for (const template of templates) checkMessageNames(template, names);
}

/**
 * Who gets the whole message and who the SMS text: phones are told by the connection's
 * `smsGateways`, so this waits for the connection to be resolved.
 */
export function addresseesOf(settings: MailSettings, connection: SmtpConnection): Addressees {
  return addressees(settings, "", connection.smsGateways);
}
