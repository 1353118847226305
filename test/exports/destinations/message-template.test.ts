// biome-ignore-all lint/suspicious/noTemplateCurlyInString: message templates write parameters as ${name}
import { describe, expect, it } from "vitest";
import {
  escapeHtml,
  parseMessageTemplate,
  renderMessage,
} from "../../../src/exports/notifications/message-template.js";

const render = (text: string, values: Record<string, string>) =>
  renderMessage(parseMessageTemplate(text, "body"), values);

describe("message templates", () => {
  it("replaces ${name}, keeps everything else, and writes $${ as a literal ${", () => {
    expect(render("100% of ${task} in /var/out {ok} $5", { task: "sales" })).toBe(
      "100% of sales in /var/out {ok} $5",
    );
    expect(render("write $${task} for ${task}", { task: "sales" })).toBe("write ${task} for sales");
    expect(render("${a}${b}", { a: "1", b: "2" })).toBe("12");
  });

  it("encodes values, never the template's own text", () => {
    const template = parseMessageTemplate("<b>${error}</b>", "html");
    expect(renderMessage(template, { error: "a < b & 'c'" }, escapeHtml)).toBe(
      "<b>a &#60; b &#38; &#39;c&#39;</b>",
    );
  });

  it("names the field and the position of a mistake", () => {
    expect(() => parseMessageTemplate("ok ${task", "subject")).toThrow(
      'subject: "${task" at character 4 has no closing }',
    );
    expect(() => parseMessageTemplate("${1st}", "subject")).toThrow(
      'subject: "${1st}" at character 1 is not a parameter',
    );
    expect(() => render("${task} ${nope}", { task: "x", status: "y" })).toThrow(
      'body: "${nope}" at character 9 names no parameter (there are status, task)',
    );
  });
});
