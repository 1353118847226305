// biome-ignore-all lint/suspicious/noTemplateCurlyInString: message templates write parameters as ${name}
import { describe, expect, it } from "vitest";
import { SundialError } from "../../../src/errors.js";
import {
  checkNotification,
  type DeliveryOutcome,
  sendNotifications,
} from "../../../src/exports/index.js";
import { localFolder, perSuite, producedFile, rejectionOf } from "./helpers.js";
import { startSmtpServer } from "./smtp-server.js";

describe("notifications against smtp-server", () => {
  const sink = perSuite(startSmtpServer, (server) => server.stop());
  const local = localFolder("notify");
  const connection = () => sink().connection({ smsMaxLength: 30 });
  const deliveries: DeliveryOutcome[] = [
    {
      destination: "vendor",
      file: "sales.csv",
      status: "failed",
      detail: "sftp://acme@sftp.vendor.com:22/in: can't be reached (ECONNREFUSED)",
      code: "deliveryFailed",
    },
  ];

  it("sends the due notifications from their templates, with an escaped HTML version", async () => {
    const file = await producedFile(local(), "sales.csv", "id\n1\n2\n3\n", 3);
    const outcomes = await sendNotifications(
      [
        { when: "success", connection: connection(), to: ["team@example.com"] },
        {
          name: "on-call",
          when: "failure",
          connection: connection(),
          to: ["ops@example.com"],
          subject: "[${project}] ${task} ${status} for ${region}",
          body: "Rows: ${rows}\nFiles: ${files}\nError: ${error}\n${delivery}",
          html: "<p>${task} ${status}: <b>${error}</b></p>",
        },
      ],
      {
        task: "sales",
        project: "finance",
        status: "failed",
        files: [file],
        deliveries,
        error: new SundialError("deliveryFailed", "upload <refused> & gone"),
        parameters: { region: "north", task: "not this one" },
      },
    );
    expect(outcomes).toEqual([
      {
        notification: "on-call",
        status: "sent",
        detail: `sent to ops@example.com through smtp://127.0.0.1:${sink().port}`,
      },
    ]);
    const [mail, ...more] = sink().take();
    expect(more).toEqual([]);
    expect(mail?.recipients).toEqual(["ops@example.com"]);
    expect(mail?.email.subject).toBe("[finance] sales failed for north");
    expect(mail?.email.text?.trimEnd()).toBe(
      [
        "Rows: 3",
        "Files: sales.csv",
        "Error: upload <refused> & gone",
        "vendor: failed, sftp://acme@sftp.vendor.com:22/in: can't be reached (ECONNREFUSED)",
      ].join("\n"),
    );
    expect(mail?.email.html).toContain(
      "<p>sales failed: <b>upload &#60;refused&#62; &#38; gone</b></p>",
    );
  });

  it("uses the defaults for the run's status, and 'always' sends on both", async () => {
    const file = await producedFile(local(), "ok.csv", "id\n1\n", 1);
    const notifications = [{ when: "always", connection: connection(), to: ["team@example.com"] }];
    await sendNotifications(notifications, { task: "sales", status: "succeeded", files: [file] });
    await sendNotifications(notifications, { task: "sales", status: "failed", error: "no disk" });
    const [success, failure] = sink().take();
    expect(success?.email.subject).toBe("sales succeeded");
    expect(success?.email.text?.trimEnd()).toBe("The task sales succeeded: 1 rows in ok.csv.");
    expect(failure?.email.subject).toBe("sales failed");
    expect(failure?.email.text?.trimEnd()).toBe("The task sales failed: no disk");
  });

  it("sends phones a short plain text only, cut at smsMaxLength", async () => {
    await sendNotifications(
      [
        {
          when: "failure",
          connection: connection(),
          to: ["ops@example.com", "+15551234567@sms.example.com"],
          html: "<p>${task} failed</p>",
        },
      ],
      { task: "nightly-sales", status: "failed", error: "the vendor's SFTP refused the login" },
    );
    const [whole, text] = sink().take();
    expect(whole?.recipients).toEqual(["ops@example.com"]);
    expect(whole?.email.html).toContain("<p>nightly-sales failed</p>");
    expect(text?.recipients).toEqual(["+15551234567@sms.example.com"]);
    expect(text?.email.html).toBeUndefined();
    expect(text?.email.attachments).toEqual([]);
    const sms = text?.email.text?.trim() ?? "";
    expect(sms).toBe("nightly-sales failed: the ven…");
    expect([...sms].length).toBe(30);
  });

  it("reports a failure to send as an outcome, not an exception", async () => {
    const outcomes = await sendNotifications(
      [
        {
          when: "failure",
          connection: { ...connection(), password: "wrong" },
          to: ["ops@example.com"],
        },
      ],
      { task: "sales", status: "failed", error: "boom" },
    );
    expect(outcomes).toMatchObject([
      {
        notification: "failure email to ops@example.com",
        status: "failed",
        code: "deliveryFailed",
      },
    ]);
    expect(outcomes[0]?.detail).toContain("refused the login as sundial");
    expect(sink().take()).toEqual([]);
  });

  it("checks templates when saved against the run's parameters, naming the field and position", () => {
    const notification = {
      when: "failure",
      connection: connection(),
      to: ["ops@example.com"],
      subject: "${task} failed for ${regoin}",
    };
    expect(() => checkNotification(notification, "notifications[0]")).not.toThrow();
    expect(() => checkNotification(notification, "notifications[0]", ["region"])).toThrow(
      'notifications[0].subject: "${regoin}" at character 20 names no parameter (there are delivery, error, files, project, region, rows, status, task)',
    );
    expect(() => checkNotification({ ...notification, when: "sometimes" }, "n")).toThrow(
      'n.when: "sometimes" is not one of "success", "failure", "always"',
    );
  });

  it("refuses bad settings before sending anything", async () => {
    const error = await rejectionOf(
      sendNotifications(
        [
          { when: "failure", connection: connection(), to: ["ops@example.com"] },
          { when: "failure", connection: connection(), to: ["ops@example.com", "ops"] },
        ],
        { task: "sales", status: "failed" },
      ),
    );
    expect(error.code).toBe("badRequest");
    expect(error.message).toBe(
      'notifications[1].to[1]: "ops" is not an email address (name@domain)',
    );
    expect(sink().take()).toEqual([]);
  });
});
