/**
 * An SMTP server from the npm registry (smtp-server), in-process on a loopback port, that
 * keeps every message it receives, parsed by postal-mime. It asks for a login (plain text
 * allowed, since it is loopback and has no certificate).
 */
import type { AddressInfo } from "node:net";
import PostalMime, { type Email } from "postal-mime";
import { SMTPServer } from "smtp-server";

export interface ReceivedMail {
  /** The envelope's recipients (RCPT TO), which Bcc and SMS addresses are only in. */
  readonly recipients: readonly string[];
  readonly raw: Buffer;
  readonly email: Email;
}

export interface SmtpSink {
  /** SMTP connection settings that reach it and log in, with `extra` on top. */
  connection(extra?: Record<string, unknown>): Record<string, unknown>;
  readonly port: number;
  readonly username: string;
  readonly password: string;
  /** What arrived, in order; emptied by `take()`. */
  take(): ReceivedMail[];
  stop(): Promise<void>;
}

export async function startSmtpServer(): Promise<SmtpSink> {
  const username = "sundial";
  const password = "mail pass";
  let received: ReceivedMail[] = [];
  const server = new SMTPServer({
    logger: false,
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      if (auth.username === username && auth.password === password) {
        callback(null, { user: username });
      } else {
        callback(new Error("Invalid username or password"));
      }
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks);
        const recipients = session.envelope.rcptTo.map((to) => to.address);
        // The reply waits for the parse, so the sender's promise settles after it is kept.
        PostalMime.parse(raw).then(
          (email) => {
            received.push({ recipients, raw, email });
            callback();
          },
          (error: Error) => callback(error),
        );
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server as unknown as { server: { address(): AddressInfo } }).server.address().port;
  return {
    connection: (extra = {}) => ({
      host: "127.0.0.1",
      port,
      username,
      password,
      from: "Sundial <sundial@example.com>",
      smsGateways: ["sms.example.com"],
      ...extra,
    }),
    port,
    username,
    password,
    take: () => {
      const taken = received;
      received = [];
      return taken;
    },
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
