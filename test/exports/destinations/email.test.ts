// biome-ignore-all lint/suspicious/noTemplateCurlyInString: message templates write parameters as ${name}
import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Attachment } from "postal-mime";
import { describe, expect, it } from "vitest";
import {
  deliverFile,
  type SmtpConnection,
  sendFileByEmail,
  testSmtp,
} from "../../../src/exports/index.js";
import { peer } from "../helpers.js";
import { localFolder, perSuite, producedFile, randomFile, rejectionOf } from "./helpers.js";
import { startSmtpServer } from "./smtp-server.js";
import { storedConnections } from "./stored-connections.js";

const run = promisify(execFile);

const bytesOf = (attachment: Attachment) => Buffer.from(attachment.content as ArrayBuffer);

describe("email destination against smtp-server", () => {
  const sink = perSuite(startSmtpServer, (server) => server.stop());
  const local = localFolder("email");
  const stored = storedConnections();
  /** The settings of the `smtp` connection the destination names. */
  const connection = (extra: Record<string, unknown> = {}) =>
    sink().connection({ smsMaxLength: 40, ...extra }) as SmtpConnection;
  const settings = (extra: Record<string, unknown> = {}) => ({
    type: "email",
    connection: "mail",
    to: ["finance@example.com"],
    ...extra,
  });
  const send = (
    file: Parameters<typeof sendFileByEmail>[0],
    destination: Record<string, unknown>,
    options?: Parameters<typeof sendFileByEmail>[3],
  ) => sendFileByEmail(file, destination, connection(), options);

  it("attaches the file with its bytes, under subject and body templates with the run's parameters", async () => {
    const file = await producedFile(local(), "sales.csv", "id,name\n1,Ada\n2,Grace\n");
    const detail = await send(
      file,
      settings({
        subject: "Sales ${region}: ${file}",
        body: "${rows} rows (${bytes} bytes) for ${region}.",
      }),
      { parameters: { region: "north" } },
    );
    expect(detail).toBe(
      `attached sales.csv (${file.size} bytes); sent to finance@example.com through smtp://127.0.0.1:${sink().port}`,
    );
    const [mail, ...more] = sink().take();
    expect(more).toEqual([]);
    expect(mail?.recipients).toEqual(["finance@example.com"]);
    expect(mail?.email.from?.address).toBe("sundial@example.com");
    expect(mail?.email.subject).toBe("Sales north: sales.csv");
    expect(mail?.email.text?.trim()).toBe(`2 rows (${file.size} bytes) for north.`);
    expect(mail?.email.attachments.map((a) => a.filename)).toEqual(["sales.csv"]);
    expect(bytesOf(mail!.email.attachments[0]!).equals(await readFile(file.path))).toBe(true);
  });

  it("embeds a small CSV in the body, and attaches one over embedMaxBytes", async () => {
    const csv = "id,city\n1,Zürich\n2,Kraków\n";
    const small = await producedFile(local(), "cities.csv", csv);
    expect(await send(small, settings({ embed: true }))).toMatch(
      /^embedded cities\.csv in the body; sent to finance@example\.com/,
    );
    const [embedded] = sink().take();
    expect(embedded?.email.attachments).toEqual([]);
    expect(embedded?.email.text).toBe(`cities.csv: 2 rows, ${small.size} bytes.\n\n${csv}`);

    await send(small, settings({ embed: true, embedMaxBytes: small.size - 1 }));
    const [attached] = sink().take();
    expect(attached?.email.attachments.map((a) => a.filename)).toEqual(["cities.csv"]);
  });

  it("zips a file over maxBytes into an attachment that unzip reads back", async () => {
    let csv = "id,name\n";
    for (let i = 1; i <= 20_000; i++) csv += `${i},customer ${i % 10}\n`;
    const file = await producedFile(local(), "customers.csv", csv, 20_000);
    const detail = await send(file, settings({ maxBytes: 100_000 }));
    expect(detail).toMatch(
      /^attached customers\.csv zipped \(\d+\.\d kB\), as it is over the limit of 100\.0 kB for email; /,
    );
    const [mail] = sink().take();
    const [zip] = mail?.email.attachments ?? [];
    expect(zip?.filename).toBe("customers.csv.zip");
    const saved = join(local(), "received.zip");
    await writeFile(saved, bytesOf(zip!));
    await run("unzip", ["-t", saved]);
    expect((await peer("unzip", ["-p", saved, "customers.csv"])).toString()).toBe(csv);
    expect(mail?.email.text).toContain("customers.csv is attached zipped");
  });

  it("sends a download link for a file over maxBytes even zipped", async () => {
    const file = await randomFile(local(), "big file.bin", 300_000);
    const detail = await send(file, settings({ maxBytes: 100_000 }), {
      downloadLink: "https://sundial.example.com/files/${sha256}/${name}",
    });
    expect(detail).toMatch(/^sent a download link for big file\.bin/);
    const [mail] = sink().take();
    expect(mail?.email.attachments).toEqual([]);
    expect(mail?.email.text).toContain(
      `big file.bin (300.0 kB) is over the limit of 100.0 kB for email; download it from https://sundial.example.com/files/${file.sha256}/big%20file.bin`,
    );

    await send(file, settings({ maxBytes: 100_000 }), {
      downloadLink: (f) => `https://files.example.com/${f.md5}`,
    });
    expect(sink().take()[0]?.email.text).toContain(`https://files.example.com/${file.md5}`);
  });

  it("fails with the sizes, sending nothing, when a file fits no way and there is no link", async () => {
    const file = await randomFile(local(), "huge.bin", 300_000);
    const error = await rejectionOf(send(file, settings({ maxBytes: 100_000 })));
    expect(error.code).toBe("deliveryFailed");
    expect(error.field).toBe("maxBytes");
    expect(error.message).toBe(
      `smtp://127.0.0.1:${sink().port}: huge.bin is 300.0 kB, over the limit of 100.0 kB for email even zipped, and there is no download link; raise maxBytes or choose another destination`,
    );
    expect(sink().take()).toEqual([]);
  });

  it("sends phones plain short text only: marked sms, or at a gateway domain", async () => {
    const file = await producedFile(local(), "orders_with_a_long_name.csv", "id\n1\n2\n3\n", 3);
    await send(
      file,
      settings({
        to: ["finance@example.com", "+15551234567@SMS.example.com"],
        cc: [{ address: "07700900123@texts.example.net", sms: true }],
        embed: true,
      }),
    );
    const [whole, text] = sink().take();
    expect(whole?.recipients).toEqual(["finance@example.com"]);
    // The gateway's domain matched whatever its case; nodemailer sends domains lowercased.
    expect(text?.recipients).toEqual([
      "+15551234567@sms.example.com",
      "07700900123@texts.example.net",
    ]);
    expect(text?.email.html).toBeUndefined();
    expect(text?.email.attachments).toEqual([]);
    expect(text?.email.subject).toBeUndefined();
    // "orders_with_a_long_name.csv: 3 rows" is 35 characters: within the 40 allowed.
    expect(text?.email.text?.trim()).toBe("orders_with_a_long_name.csv: 3 rows");
    const headers = text?.raw.toString() ?? "";
    expect(headers).toMatch(/Content-Type: text\/plain/i);
    expect(headers).not.toMatch(/multipart/i);
  });

  it("sends no empty file, and says so", async () => {
    const file = await producedFile(local(), "nothing.csv", "id\n", 0);
    const [outcome] = await deliverFile(file, [settings()], { connections: stored().service });
    expect(outcome).toMatchObject({
      destination: "email to finance@example.com",
      status: "skipped-empty",
    });
    expect(sink().take()).toEqual([]);
  });

  it("names a refused login, and testSmtp checks one without sending", async () => {
    const file = await producedFile(local(), "x.csv", "a\n1\n");
    const error = await rejectionOf(
      sendFileByEmail(file, settings(), connection({ password: "wrong" })),
    );
    expect(error.code).toBe("deliveryFailed");
    expect(error.field).toBe("connection.password");
    expect(error.message).toContain("check the connection's username and password");
    expect(error.message).toContain(
      `smtp://127.0.0.1:${sink().port}: refused the login as sundial (`,
    );

    expect(await testSmtp(connection())).toBe(
      `smtp://127.0.0.1:${sink().port} accepted the connection and the login as sundial`,
    );
    const refused = await rejectionOf(testSmtp(connection({ password: "wrong" })));
    expect(refused.field).toBe("password");
    expect(sink().take()).toEqual([]);
  });

  it("refuses bad settings and templates, naming the field", async () => {
    const file = await producedFile(local(), "y.csv", "a\n1\n");
    const cases: [Record<string, unknown>, string][] = [
      [{ to: [] }, "to: [] must not have fewer than 1 items"],
      [
        { to: ["5551234567"] },
        'to[0]: "5551234567" is not an email address (name@domain); a phone is written as its email-to-SMS gateway address',
      ],
      [{ subject: "${file" }, 'subject: "${file" at character 1 has no closing }'],
      [{ body: "for ${regoin}" }, 'body: "${regoin}" at character 5 names no parameter'],
      [
        { connection: connection() },
        "connection: holds a connection's settings, and a task keeps no secrets; store them as a connection (POST /api/v1/connections",
      ],
    ];
    for (const [extra, message] of cases) {
      const error = await rejectionOf(send(file, settings(extra), { parameters: { region: "x" } }));
      expect(error.code).toBe("badRequest");
      expect(error.message).toContain(message);
      expect(error.message).not.toContain(sink().password);
    }
    expect(sink().take()).toEqual([]);
  });

  it("goes through the smtp connection it names, with that connection's SMS gateways", async () => {
    const mail = await stored().put("smtp", connection({ smsGateways: ["texts.example.net"] }));
    const file = await producedFile(local(), "named.csv", "id\n1\n", 1);
    const [outcome] = await deliverFile(
      file,
      [
        settings({
          connection: mail,
          to: ["finance@example.com", "07700900123@texts.example.net"],
        }),
      ],
      { connections: stored().service },
    );
    expect(outcome).toMatchObject({
      destination: "email to finance@example.com, 07700900123@texts.example.net",
      status: "sent",
    });
    const [whole, text] = sink().take();
    expect(whole?.recipients).toEqual(["finance@example.com"]);
    expect(text?.recipients).toEqual(["07700900123@texts.example.net"]);

    const sftp = await stored().put("sftp", {
      host: "127.0.0.1",
      username: "u",
      password: "p",
    });
    const wrong = await rejectionOf(
      deliverFile(file, [settings({ connection: sftp })], { connections: stored().service }),
    );
    expect(wrong.message).toBe(
      `destinations[0].connection: connection "${sftp}" is of type sftp; an email destination takes smtp`,
    );
    expect(sink().take()).toEqual([]);
  });
});
