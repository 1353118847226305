/**
 * Notifications: emails sent after a run, on success, on failure, or always, from
 * templates with the run's facts (`${task}`, `${status}`, `${rows}`, `${files}`,
 * `${error}`, `${delivery}`) and parameters, through a stored SMTP connection named by
 * the notification. Phones among the recipients get the short `sms` text alone.
 */
import { type Static, Type } from "typebox";
import { type ErrorCode, errorCodeOf, SundialError } from "../../errors.js";
import { validate } from "../../validation.js";
import {
  type ConnectionKind,
  refuseInlineConnection,
  resolveConnection,
} from "../connection-ref.js";
import type { DeliveryOutcome } from "../destinations/delivery.js";
import type { ExportManifest } from "../export-file.js";
import type { ConnectionResolver } from "../export-run-context.js";
import { addresseesOf, checkMail, mailProperties, mailTemplates } from "./mail-settings.js";
import {
  escapeHtml,
  type MessageTemplate,
  type MessageValues,
  parseMessageTemplate,
  renderMessage,
} from "./message-template.js";
import { listRecipients } from "./recipients.js";
import { type SmtpConnection, sendLetter } from "./smtp-connection.js";

export const NotificationSchema = Type.Object(
  {
    /** What outcomes call it; default `failure email to …`. */
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    /** After which runs it is sent. */
    when: Type.Union([Type.Literal("success"), Type.Literal("failure"), Type.Literal("always")]),
    // The templates' defaults depend on the run's status (DEFAULTS below).
    ...mailProperties,
    /** An HTML version of the body for email addresses (values are HTML-escaped). */
    html: Type.Optional(Type.String({ maxLength: 200_000 })),
  },
  { additionalProperties: false },
);
export type Notification = Static<typeof NotificationSchema>;

/** What a notification's `connection` may name. */
export const NOTIFICATION_CONNECTION: ConnectionKind = {
  types: ["smtp"],
  what: "a notification",
};

/** The parameters a notification's templates have besides the run's own. */
export const RUN_PARAMETERS = [
  "task",
  "project",
  "status",
  "rows",
  "files",
  "error",
  "delivery",
] as const;

// Message templates: their `${name}` is filled in by renderMessage, not by JavaScript.
const DEFAULTS = {
  succeeded: {
    subject: `\${task} succeeded`,
    body: `The task \${task} succeeded: \${rows} rows in \${files}.\n\n\${delivery}`,
    sms: `\${task} succeeded: \${rows} rows`,
  },
  failed: {
    subject: `\${task} failed`,
    body: `The task \${task} failed: \${error}\n\n\${delivery}`,
    sms: `\${task} failed: \${error}`,
  },
};

/** What a notification tells of a run. */
export interface RunReport {
  readonly task: string;
  readonly project?: string | undefined;
  readonly status: "succeeded" | "failed";
  /** The files the run produced. */
  readonly files?: readonly ExportManifest[] | undefined;
  /** What became of them at each destination. */
  readonly deliveries?: readonly DeliveryOutcome[] | undefined;
  /** Why it failed. */
  readonly error?: unknown;
  /** The run's parameters, for `${name}` (the names above take precedence). */
  readonly parameters?: Readonly<Record<string, string | number | boolean>> | undefined;
}

/** What became of one notification that was due. */
export interface NotificationOutcome {
  readonly notification: string;
  readonly status: "sent" | "failed";
  readonly detail: string;
  readonly code?: ErrorCode | undefined;
}

/**
 * Checks one notification's settings when a task is saved.
 * @param parameters the run's parameter names: when given, templates naming any other
 *   (or none of {@link RUN_PARAMETERS}) are refused now rather than at the run.
 * @throws SundialError `badRequest` naming the field, e.g. `notifications[0].to[2]`; a
 *   connection written out in the task is refused (`notifications[0].connection`).
 * @example checkNotification({ when: "failure", connection: "mail", to: ["ops@example.com"] }, "notifications[0]");
 */
export function checkNotification(
  value: unknown,
  field: string,
  parameters?: readonly string[],
): Notification {
  refuseInlineConnection(value, field);
  const notification = validate(NotificationSchema, value, field);
  const templates = (["succeeded", "failed"] as const).flatMap((status) => {
    const { html, ...text } = templatesOf(notification, status, field);
    return html === undefined ? Object.values(text) : [...Object.values(text), html];
  });
  checkMail(notification, field, templates, parameters && [...RUN_PARAMETERS, ...parameters]);
  return notification;
}

/** How notifications are sent. */
export interface NotificationOptions {
  /** Resolves the connections the notifications name. */
  readonly connections?: ConnectionResolver | undefined;
  readonly signal?: AbortSignal | undefined;
  /** What the list is known by in messages; default `notifications`. */
  readonly field?: string;
}

/**
 * Sends the notifications that are due after a run (by their `when`), each through the
 * connection it names.
 * @returns an outcome for each notification sent or tried; a failure to send (a missing
 *   connection among them) is an outcome, not an exception, so that it never hides the
 *   run's own result.
 * @throws SundialError `badRequest` for bad settings; the signal's reason when aborted.
 * @example
 * await sendNotifications(task.notifications, {
 *   task: "sales", status: "failed", error, deliveries: outcomes, parameters: { region: "north" },
 * }, { connections, signal });
 */
export async function sendNotifications(
  notifications: readonly unknown[],
  run: RunReport,
  options: NotificationOptions = {},
): Promise<NotificationOutcome[]> {
  const field = options.field ?? "notifications";
  if (run.status !== "succeeded" && run.status !== "failed") {
    throw new SundialError(
      "badRequest",
      `run.status: ${JSON.stringify(run.status)} is not one of "succeeded", "failed"`,
      { field: "run.status" },
    );
  }
  const checked = notifications.map((value, i) => checkNotification(value, `${field}[${i}]`));
  const due = checked
    .map((notification, i) => ({ notification, at: `${field}[${i}]` }))
    .filter(({ notification }) => isDue(notification, run.status));
  const values = runValues(run);
  const outcomes: NotificationOutcome[] = [];
  for (const { notification, at } of due) {
    const label = notification.name ?? describeNotification(notification);
    try {
      const templates = templatesOf(notification, run.status, at);
      const render = (template: MessageTemplate) => renderMessage(template, values);
      const { settings } = await resolveConnection<SmtpConnection>(options.connections, {
        field: `${at}.connection`,
        name: notification.connection,
        ...NOTIFICATION_CONNECTION,
      });
      const detail = await sendLetter(
        settings,
        addresseesOf(notification, settings),
        {
          subject: render(templates.subject).replace(/\s+/g, " ").trim(),
          text: render(templates.body).trimEnd(),
          html:
            templates.html === undefined
              ? undefined
              : renderMessage(templates.html, values, escapeHtml),
          smsText: render(templates.sms),
        },
        { field: at, signal: options.signal },
      );
      outcomes.push({ notification: label, status: "sent", detail });
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      outcomes.push({
        notification: label,
        status: "failed",
        detail: error instanceof Error ? error.message : String(error),
        code: errorCodeOf(error),
      });
    }
  }
  return outcomes;
}

function isDue(notification: Notification, status: RunReport["status"]): boolean {
  return (
    notification.when === "always" || (notification.when === "success") === (status === "succeeded")
  );
}

/** `failure email to a@example.com`, for outcomes. */
function describeNotification(notification: Notification): string {
  return `${notification.when} email to ${listRecipients(notification)}`;
}

/** The values of a notification's templates: the run's parameters, then its facts. */
function runValues(run: RunReport): MessageValues {
  const files = run.files ?? [];
  const error = run.error;
  return {
    ...Object.fromEntries(
      Object.entries(run.parameters ?? {}).map(([name, value]) => [name, String(value)]),
    ),
    task: run.task,
    project: run.project ?? "",
    status: run.status,
    rows: String(files.reduce((sum, file) => sum + file.rows, 0)),
    files: files.length === 0 ? "no file" : files.map((file) => file.name).join(", "),
    error: error === undefined ? "" : error instanceof Error ? error.message : String(error),
    delivery: (run.deliveries ?? [])
      .map((outcome) => `${outcome.destination}: ${outcome.status}, ${outcome.detail}`)
      .join("\n"),
  };
}

function templatesOf(notification: Notification, status: RunReport["status"], field: string) {
  const html = notification.html;
  return {
    ...mailTemplates(notification, DEFAULTS[status], field),
    html:
      html === undefined
        ? undefined
        : parseMessageTemplate(html, field === "" ? "html" : `${field}.html`),
  };
}
