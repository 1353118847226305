/**
 * Telling the other nodes that something changed, so they act at once instead of at their
 * next poll: a schedule was put or deleted (their fire loops re-plan), or jobs are ready
 * (their worker pools look for work). PostgreSQL carries notices with LISTEN/NOTIFY; an
 * embedded SQLite file has one process, whose in-process events already cover it.
 */
import pg from "pg";

export type NoticeTopic = "schedules" | "jobs";
export type NoticeListener = (topic: NoticeTopic, sender: string) => void;

export interface Notices {
  /** Sends a notice soon; notices of one topic sent in the same moment go out as one. */
  notify(topic: NoticeTopic, sender: string): void;
  /** Hears every node's notices (its own too) until the returned function is called. */
  listen(listener: NoticeListener): Promise<() => Promise<void>>;
  /** Sends what is still pending. */
  flush(): Promise<void>;
}

/** SQLite: one process, nothing to tell. */
export const LOCAL_NOTICES: Notices = {
  notify: () => undefined,
  listen: async () => async () => undefined,
  flush: async () => undefined,
};

const TOPICS: readonly NoticeTopic[] = ["schedules", "jobs"];
/** After losing its connection, the listener tries again this often. */
const RECONNECT_MS = 2000;

export class PostgresNotices implements Notices {
  private readonly pending = new Map<NoticeTopic, string>();
  private sending: Promise<void> | undefined;

  /**
   * @param pool where notices are sent from.
   * @param url where a listener opens its own connection (LISTEN holds one).
   * @param schema which Sundial the notices belong to: several may share a database.
   */
  constructor(
    private readonly pool: pg.Pool,
    private readonly url: string,
    private readonly schema: string,
  ) {}

  private channel(topic: NoticeTopic): string {
    return `sundial:${this.schema}:${topic}`;
  }

  notify(topic: NoticeTopic, sender: string): void {
    this.pending.set(topic, sender);
    this.sending ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.send());
  }

  private async send(): Promise<void> {
    const batch = [...this.pending];
    this.pending.clear();
    this.sending = undefined;
    for (const [topic, sender] of batch) {
      // A lost notice costs only a poll interval of delay, never correctness.
      await this.pool
        .query("SELECT pg_notify($1, $2)", [this.channel(topic), sender])
        .catch(() => undefined);
    }
  }

  async flush(): Promise<void> {
    await this.sending;
  }

  async listen(listener: NoticeListener): Promise<() => Promise<void>> {
    let client: pg.Client | undefined;
    let closed = false;
    let retry: NodeJS.Timeout | undefined;
    const byChannel = new Map(TOPICS.map((topic) => [this.channel(topic), topic]));
    const connect = async (): Promise<void> => {
      const next = new pg.Client({ connectionString: this.url });
      next.on("notification", (message) => {
        const topic = byChannel.get(message.channel);
        if (topic) listener(topic, message.payload ?? "");
      });
      next.on("error", () => {
        // The server went away: reconnect; until then the poll intervals cover for us.
        void next.end().catch(() => undefined);
        if (!closed) retry = setTimeout(() => void connect().catch(() => undefined), RECONNECT_MS);
      });
      await next.connect();
      for (const channel of byChannel.keys())
        await next.query(`LISTEN "${channel.replaceAll('"', '""')}"`);
      client = next;
    };
    await connect();
    return async () => {
      closed = true;
      clearTimeout(retry);
      await client?.end().catch(() => undefined);
    };
  }
}
