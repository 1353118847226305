/**
 * Sending mail through an SMTP server (nodemailer): the settings of an `smtp` connection, a
 * test of them, and sending one letter to its addressees, with phones (email-to-SMS
 * gateways) getting a short plain-text message of their own.
 */
import { type Static, Type } from "typebox";
import { SundialError } from "../../errors.js";
import { validate } from "../../validation.js";
import { lazyModule } from "../lazy-module.js";
import { type Addressees, checkAddress, checkGatewayDomains } from "./recipients.js";

export const SmtpConnectionSchema = Type.Object(
  {
    host: Type.String({ minLength: 1, maxLength: 253 }),
    /** Default 465 with `secure`, else 587. */
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
    /** TLS from the first byte (port 465); without it STARTTLS is used when offered. */
    secure: Type.Optional(Type.Boolean()),
    /** Refuse to send unless the server offers STARTTLS. */
    requireTLS: Type.Optional(Type.Boolean()),
    username: Type.Optional(Type.String({ minLength: 1 })),
    password: Type.Optional(Type.String()),
    /** The sender, `sundial@example.com` or `Sundial <sundial@example.com>`. */
    from: Type.String({ minLength: 3, maxLength: 400 }),
    /** Default true; false accepts any certificate (a test server's). */
    rejectUnauthorized: Type.Optional(Type.Boolean()),
    /** PEM certificates to trust besides the system's, for a private CA. */
    ca: Type.Optional(Type.String({ minLength: 1 })),
    /** Connecting, the greeting and each reply; default 30,000. */
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 600_000 })),
    /** Domains of email-to-SMS gateways: their addresses get short plain text only. */
    smsGateways: Type.Optional(Type.Array(Type.String(), { maxItems: 100 })),
    /** The longest SMS text, in characters; default 160. */
    smsMaxLength: Type.Optional(Type.Integer({ minimum: 20, maximum: 2000 })),
  },
  { additionalProperties: false },
);
export type SmtpConnection = Static<typeof SmtpConnectionSchema>;

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_SMS_LENGTH = 160;

/** One message: the whole of it for email addresses, `smsText` for phones. */
export interface Letter {
  readonly subject: string;
  readonly text: string;
  readonly html?: string | undefined;
  readonly attachments?: readonly LetterAttachment[] | undefined;
  /** Shortened to the connection's `smsMaxLength`. */
  readonly smsText: string;
}

export type LetterAttachment =
  | { readonly filename: string; readonly path: string }
  | { readonly filename: string; readonly content: Buffer };

/**
 * Checks SMTP settings.
 * @throws SundialError `badRequest` naming the field, e.g. `connection.port`.
 * @example checkSmtpConnection({ host: "smtp.example.com", from: "sundial@example.com" }, "connection");
 */
export function checkSmtpConnection(value: unknown, field: string): SmtpConnection {
  const connection = validate(SmtpConnectionSchema, value, field);
  const at = (name: string) => (field === "" ? name : `${field}.${name}`);
  checkAddress(/<([^>]*)>\s*$/.exec(connection.from)?.[1] ?? connection.from, at("from"));
  checkGatewayDomains(connection.smsGateways ?? [], at("smsGateways"));
  if (connection.password !== undefined && connection.username === undefined) {
    throw new SundialError("badRequest", `${at("username")}: is required with a password`, {
      field: at("username"),
    });
  }
  return connection;
}

/** `smtp://host:port`, for messages and outcomes. */
export function describeSmtp(connection: SmtpConnection): string {
  return `smtp://${connection.host}:${portOf(connection)}`;
}

/**
 * Connects and logs in (nodemailer's verify), sending nothing.
 * @returns a line saying what answered.
 * @throws SundialError `badRequest` for bad settings, `deliveryFailed` naming the server and
 *   the reason (unreachable, refused login, TLS).
 * @example await testSmtp({ host: "smtp.example.com", port: 587, username: "u", password: "p", from: "u@example.com" });
 */
export async function testSmtp(settings: unknown, signal?: AbortSignal): Promise<string> {
  const connection = checkSmtpConnection(settings, "");
  const transport = await transportFor(connection);
  // verify() takes no signal and can't be cancelled: an abort stops waiting for it, and
  // its connection ends by itself (at worst at the timeout).
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal?.reason);
  });
  aborted.catch(() => {});
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    if (signal?.aborted) throw signal.reason;
    await Promise.race([transport.verify(), aborted]);
    return `${describeSmtp(connection)} accepted the connection${connection.username === undefined ? "" : ` and the login as ${connection.username}`}`;
  } catch (error) {
    throw smtpFailure(error, connection, { connection: "", to: "to" }, signal);
  } finally {
    signal?.removeEventListener("abort", onAbort);
    transport.close();
  }
}

/**
 * Sends `letter` whole to the email addressees, and its SMS text to the phones.
 * @param field what the settings holding `connection` and `to` are known by, for the
 *   fields errors name: `notifications[0]` makes `notifications[0].connection.password`.
 * @returns what was sent to whom.
 * @throws SundialError `deliveryFailed` naming the server and the reason; the signal's
 *   reason when aborted.
 */
export async function sendLetter(
  connection: SmtpConnection,
  to: Addressees,
  letter: Letter,
  options: { readonly field: string; readonly signal?: AbortSignal | undefined },
): Promise<string> {
  const { field, signal } = options;
  const transport = await transportFor(connection);
  const sent: string[] = [];
  try {
    if (to.to.length + to.cc.length + to.bcc.length > 0) {
      await transport.sendMail({
        from: connection.from,
        to: [...to.to],
        cc: [...to.cc],
        bcc: [...to.bcc],
        subject: letter.subject,
        text: letter.text,
        ...(letter.html === undefined ? {} : { html: letter.html }),
        attachments: (letter.attachments ?? []).map((attachment) => ({ ...attachment })),
        signal,
      });
      sent.push(`to ${[...to.to, ...to.cc, ...to.bcc].join(", ")}`);
    }
    if (to.sms.length > 0) {
      // Gateways put the subject in front of the text, so the text goes alone.
      await transport.sendMail({
        from: connection.from,
        to: [...to.sms],
        text: shorten(letter.smsText, connection.smsMaxLength ?? DEFAULT_SMS_LENGTH),
        signal,
      });
      sent.push(`SMS to ${to.sms.join(", ")}`);
    }
    return `sent ${sent.join("; ")} through ${describeSmtp(connection)}`;
  } catch (error) {
    const at = (name: string) => (field === "" ? name : `${field}.${name}`);
    throw smtpFailure(
      error,
      connection,
      { connection: at("connection"), to: at("to") },
      signal,
      sent,
    );
  } finally {
    transport.close();
  }
}

const nodemailer = lazyModule(() => import("nodemailer"));

async function transportFor(connection: SmtpConnection) {
  const timeout = connection.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const { default: mailer } = await nodemailer();
  return mailer.createTransport({
    host: connection.host,
    port: portOf(connection),
    secure: connection.secure === true,
    requireTLS: connection.requireTLS === true,
    ...(connection.username === undefined
      ? {}
      : { auth: { user: connection.username, pass: connection.password ?? "" } }),
    tls: {
      rejectUnauthorized: connection.rejectUnauthorized !== false,
      ...(connection.ca === undefined ? {} : { ca: connection.ca }),
    },
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    logger: false,
  });
}

function portOf(connection: SmtpConnection): number {
  return connection.port ?? (connection.secure === true ? 465 : 587);
}

/** `text` cut to `max` characters (not UTF-16 units, so an emoji is never split). */
function shorten(text: string, max: number): string {
  const characters = [...text.replace(/\s+/g, " ").trim()];
  return characters.length <= max
    ? characters.join("")
    : `${characters.slice(0, max - 1).join("")}…`;
}

/** A nodemailer failure as a `deliveryFailed` error, classified by its code. */
function smtpFailure(
  error: unknown,
  connection: SmtpConnection,
  fields: { readonly connection: string; readonly to: string },
  signal: AbortSignal | undefined,
  sent: readonly string[] = [],
): unknown {
  if (signal?.aborted) return signal.reason;
  if (error instanceof SundialError) return error;
  const { code, response, rejected } = error as {
    code?: string;
    response?: string;
    rejected?: string[];
  };
  const at = (name: string) => (fields.connection === "" ? name : `${fields.connection}.${name}`);
  const detail = response ?? (error instanceof Error ? error.message : String(error));
  const reasons: Record<string, [string, string]> = {
    EAUTH: [
      at("password"),
      `refused the login as ${connection.username ?? "(no user)"} (${detail}); check the connection's username and password`,
    ],
    ENOAUTH: [
      at("username"),
      `asks for a login; give the connection a username and password (${detail})`,
    ],
    ETLS: [
      at("secure"),
      `TLS failed (${detail}); check the connection's secure, ca and rejectUnauthorized`,
    ],
    EENVELOPE: [
      fields.to,
      `refused the recipients ${(rejected ?? []).join(", ") || "(all)"} (${detail})`,
    ],
    EMESSAGE: ["", `refused the message (${detail})`],
  };
  const unreachable: [string, string] = [at("host"), `can't be reached (${code}: ${detail})`];
  const [faulty, reason] =
    reasons[code ?? ""] ??
    (["ECONNECTION", "ESOCKET", "EDNS", "ETIMEDOUT"].includes(code ?? "")
      ? unreachable
      : ["", `failed to send (${code ?? "no code"}: ${detail})`]);
  const already = sent.length === 0 ? "" : ` (already sent ${sent.join("; ")})`;
  return new SundialError("deliveryFailed", `${describeSmtp(connection)}: ${reason}${already}`, {
    ...(faulty === "" ? {} : { field: faulty }),
    cause: error,
  });
}
