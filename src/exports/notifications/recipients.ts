/**
 * Who a message goes to. A recipient is an email address; a phone is reached through an
 * email-to-SMS gateway (`+15551234567@sms.example.com`), either marked `sms: true` or
 * recognised by its domain among the connection's `smsGateways`. Phones get plain text
 * only: no HTML, no attachment, a short message.
 */
import { type Static, Type } from "typebox";
import { SundialError } from "../../errors.js";

export const RecipientSchema = Type.Union([
  Type.String({ minLength: 1, maxLength: 320 }),
  Type.Object(
    {
      address: Type.String({ minLength: 1, maxLength: 320 }),
      /** An email-to-SMS gateway address: plain short text only. */
      sms: Type.Optional(Type.Boolean()),
    },
    { additionalProperties: false },
  ),
]);
export type Recipient = Static<typeof RecipientSchema>;

export const RecipientListSchema = Type.Array(RecipientSchema, { minItems: 1, maxItems: 100 });

/** Where one message goes: the addresses that get it whole, and the phones. */
export interface Addressees {
  readonly to: readonly string[];
  readonly cc: readonly string[];
  readonly bcc: readonly string[];
  readonly sms: readonly string[];
}

// Deliberately loose (one @, no spaces or angle brackets, a dot in the domain): the SMTP
// server has the last word; this only catches a name or a phone number typed without its
// gateway, with a message that says so.
const ADDRESS = /^[^\s@<>,;]+@[^\s@<>,;]+\.[^\s@<>,;]+$/;
const DOMAIN = /^(?=.{1,253}$)[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;

/** Settings with recipients: an email destination's, a notification's. */
export interface RecipientLists {
  readonly to: readonly Recipient[];
  readonly cc?: readonly Recipient[] | undefined;
  readonly bcc?: readonly Recipient[] | undefined;
}

/**
 * Checks the recipients of each list and sorts them into whole-message and SMS addressees.
 * @param field what the settings are known by, for messages: `notifications[0]` makes
 *   `notifications[0].to[1]`.
 * @param smsGateways domains whose addresses are phones (a subdomain counts too).
 * @throws SundialError `badRequest` naming the recipient, e.g. `notifications[0].to[1]`.
 * @example
 * addressees({ to: ["ops@example.com", { address: "+15551234567@sms.example.com", sms: true }] }, "");
 * // { to: ["ops@example.com"], cc: [], bcc: [], sms: ["+15551234567@sms.example.com"] }
 */
export function addressees(
  lists: RecipientLists,
  field: string,
  smsGateways: readonly string[] = [],
): Addressees {
  const gateways = smsGateways.map((domain) => domain.toLowerCase());
  const sorted = {
    to: [] as string[],
    cc: [] as string[],
    bcc: [] as string[],
    sms: [] as string[],
  };
  for (const kind of ["to", "cc", "bcc"] as const) {
    (lists[kind] ?? []).forEach((recipient, i) => {
      const address = typeof recipient === "string" ? recipient.trim() : recipient.address.trim();
      checkAddress(address, `${field === "" ? kind : `${field}.${kind}`}[${i}]`);
      const marked = typeof recipient !== "string" && recipient.sms === true;
      (marked || isGateway(address, gateways) ? sorted.sms : sorted[kind]).push(address);
    });
  }
  return sorted;
}

/** `a@example.com, b@example.com`: the `to` list, for outcomes. */
export function listRecipients(lists: RecipientLists): string {
  return lists.to
    .map((recipient) => (typeof recipient === "string" ? recipient : recipient.address))
    .join(", ");
}

/**
 * Checks a list of SMS gateway domains.
 * @throws SundialError `badRequest` naming the entry, e.g. `connection.smsGateways[0]`.
 */
export function checkGatewayDomains(domains: readonly string[], field: string): void {
  domains.forEach((domain, i) => {
    if (!DOMAIN.test(domain)) {
      throw new SundialError(
        "badRequest",
        `${field}[${i}]: ${JSON.stringify(domain)} is not a domain name such as sms.example.com`,
        { field: `${field}[${i}]` },
      );
    }
  });
}

/**
 * Checks one email address.
 * @throws SundialError `badRequest` naming `field`.
 */
export function checkAddress(address: string, field: string): void {
  if (ADDRESS.test(address)) return;
  const hint = /^\+?[\d\s().-]+$/.test(address)
    ? "; a phone is written as its email-to-SMS gateway address, e.g. +15551234567@sms.example.com"
    : "";
  throw new SundialError(
    "badRequest",
    `${field}: ${JSON.stringify(address)} is not an email address (name@domain)${hint}`,
    { field },
  );
}

function isGateway(address: string, gateways: readonly string[]): boolean {
  const domain = address.slice(address.lastIndexOf("@") + 1).toLowerCase();
  return gateways.some((gateway) => domain === gateway || domain.endsWith(`.${gateway}`));
}
