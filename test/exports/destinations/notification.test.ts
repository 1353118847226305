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
import { storedConnections } from "./stored-connections.js";

describe("notifications against smtp-server", () => {
  const sink = perSuite(startSmtpServer, (server) => server.stop());
  const stored = storedConnections();
  const local = localFolder("notify");
  /** Stores an smtp connection to the sink, and gives its name. */
  const smtp = (extra: Record<string, unknown> = {}) =>
    stored().put("smtp", sink().connection({ smsMaxLength: 30, ...extra }));
  const sent = () => ({ connections: stored().service });
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
    const connection = await smtp();
    const outcomes = await sendNotifications(
      [
        { when: "success", connection, to: ["team@example.com"] },
        {
          name: "on-call",
          when: "failure",
          connection,
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
      sent(),
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
    const notifications = [{ when: "always", connection: await smtp(), to: ["team@example.com"] }];
    await sendNotifications(
      notifications,
      { task: "sales", status: "succeeded", files: [file] },
      sent(),
    );
    await sendNotifications(
      notifications,
      { task: "sales", status: "failed", error: "no disk" },
      sent(),
    );
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
          connection: await smtp(),
          to: ["ops@example.com", "+15551234567@sms.example.com"],
          html: "<p>${task} failed</p>",
        },
      ],
      { task: "nightly-sales", status: "failed", error: "the vendor's SFTP refused the login" },
      sent(),
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

  it("reports a failure to send as an outcome, not an exception: a refused login, a missing or mistyped connection", async () => {
    const sftp = await stored().put("sftp", { host: "127.0.0.1", username: "u", password: "p" });
    const outcomes = await sendNotifications(
      [
        { when: "failure", connection: await smtp({ password: "wrong" }), to: ["ops@example.com"] },
        { when: "failure", connection: "nowhere", to: ["ops@example.com"] },
        { when: "failure", connection: sftp, to: ["ops@example.com"] },
        { when: "failure", connection: await smtp(), to: ["ops@example.com"] },
      ],
      { task: "sales", status: "failed", error: "boom" },
      sent(),
    );
    expect(outcomes).toMatchObject([
      {
        notification: "failure email to ops@example.com",
        status: "failed",
        code: "deliveryFailed",
      },
      {
        status: "failed",
        code: "notFound",
        detail:
          'notifications[1].connection: no connection is named "nowhere"; store it (POST /api/v1/connections), or name another',
      },
      {
        status: "failed",
        code: "badRequest",
        detail: `notifications[2].connection: connection "${sftp}" is of type sftp; a notification takes smtp`,
      },
      { status: "sent" },
    ]);
    expect(outcomes[0]?.detail).toContain("refused the login as sundial");
    expect(sink().take()).toHaveLength(1);
  });

  it("checks templates when saved against the run's parameters, naming the field and position", () => {
    const notification = {
      when: "failure",
      connection: "mail",
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
    const inline = { ...notification, connection: sink().connection() };
    expect(() => checkNotification(inline, "notifications[0]")).toThrow(
      "notifications[0].connection: holds a connection's settings, and a task keeps no secrets",
    );
  });

  it("refuses bad settings before sending anything", async () => {
    const error = await rejectionOf(
      sendNotifications(
        [
          { when: "failure", connection: "mail", to: ["ops@example.com"] },
          { when: "failure", connection: "mail", to: ["ops@example.com", "ops"] },
        ],
        { task: "sales", status: "failed" },
        sent(),
      ),
    );
    expect(error.code).toBe("badRequest");
    expect(error.message).toBe(
      'notifications[1].to[1]: "ops" is not an email address (name@domain)',
    );
    expect(sink().take()).toEqual([]);
  });
});
