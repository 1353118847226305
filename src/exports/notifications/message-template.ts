/**
 * Message templates for email subjects and bodies: `${name}` is replaced by the value of
 * `name`, everything else is kept as it is (`$${name}` writes a literal `${name}`).
 *
 * File name templates (file-name-template.ts) use the same `${name}` syntax, but they also
 * read `%` and `{…}` as dates and refuse `/`, which a message may well hold ("100% done",
 * "see /var/log"), so messages have this renderer of their own.
 */
import { SundialError } from "../../errors.js";

/** The names file name templates accept, so that a parameter is written alike in both. */
const PARAMETER_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

type MessagePart = string | { readonly name: string; readonly at: number };

/** A parsed template; render it with {@link renderMessage}. */
export interface MessageTemplate {
  readonly text: string;
  /** The field it was read from, which messages name. */
  readonly field: string;
  readonly parts: readonly MessagePart[];
}

/** The values a template is rendered with. */
export type MessageValues = Readonly<Record<string, string>>;

/**
 * Parses a message template.
 * @throws SundialError `badRequest` naming `field` and the character position at fault.
 * @example
 * parseMessageTemplate("${task} failed: ${error}", "notifications[0].subject");
 * parseMessageTemplate("${task", "subject"); // throws: subject: "${task" at character 1 has no closing }
 */
export function parseMessageTemplate(text: string, field: string): MessageTemplate {
  if (typeof text !== "string") {
    throw new SundialError("badRequest", `${field}: must be a string`, { field });
  }
  const fail = (at: number, what: string, reason: string): never => {
    throw new SundialError(
      "badRequest",
      `${field}: ${JSON.stringify(what)} at character ${at + 1} ${reason}`,
      { field },
    );
  };
  const parts: MessagePart[] = [];
  let literal = "";
  let from = 0;
  for (let open = text.indexOf("${"); open >= 0; open = text.indexOf("${", from)) {
    if (open > 0 && text[open - 1] === "$") {
      literal += `${text.slice(from, open - 1)}\${`;
      from = open + 2;
      continue;
    }
    const close = text.indexOf("}", open);
    if (close < 0) fail(open, text.slice(open, open + 20), "has no closing }");
    const name = text.slice(open + 2, close);
    if (!PARAMETER_NAME.test(name)) {
      fail(
        open,
        text.slice(open, close + 1),
        "is not a parameter (a name of letters, digits, _ . -, not starting with a digit); write $${ for a literal ${",
      );
    }
    literal += text.slice(from, open);
    if (literal !== "") parts.push(literal);
    literal = "";
    parts.push({ name, at: open });
    from = close + 1;
  }
  literal += text.slice(from);
  if (literal !== "") parts.push(literal);
  return { text, field, parts };
}

/**
 * Checks that a template names only parameters among `known`.
 * @throws SundialError `badRequest` naming the template's field, the position and the names allowed.
 * @example checkMessageNames(parseMessageTemplate("${tsak}", "subject"), ["task", "status"]); // throws
 */
export function checkMessageNames(template: MessageTemplate, known: Iterable<string>): void {
  const names = new Set(known);
  for (const part of template.parts) {
    if (typeof part !== "string" && !names.has(part.name)) unknownName(template, part, names);
  }
}

/**
 * The text a template gives with `values`; `encode` is applied to each value (not to the
 * template's own text), e.g. to write values into HTML.
 * @throws SundialError `badRequest` for a parameter `values` lacks, naming the field and
 *   the parameters there are.
 * @example renderMessage(parseMessageTemplate("${task} ${status}", "subject"), { task: "sales", status: "failed" }); // "sales failed"
 */
export function renderMessage(
  template: MessageTemplate,
  values: MessageValues,
  encode: (value: string) => string = (value) => value,
): string {
  let text = "";
  for (const part of template.parts) {
    if (typeof part === "string") {
      text += part;
    } else if (Object.hasOwn(values, part.name)) {
      text += encode(values[part.name] as string);
    } else {
      unknownName(template, part, new Set(Object.keys(values)));
    }
  }
  return text;
}

function unknownName(
  template: MessageTemplate,
  part: { readonly name: string; readonly at: number },
  known: ReadonlySet<string>,
): never {
  const { field } = template;
  throw new SundialError(
    "badRequest",
    `${field}: "\${${part.name}}" at character ${part.at + 1} names no parameter (there are ${[...known].sort().join(", ") || "none"})`,
    { field },
  );
}

/** `value` made safe to write as HTML text. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
