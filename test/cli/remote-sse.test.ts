/**
 * The event-stream reader of `jobs logs --follow`, on streams cut into chunks at awkward
 * places: events are what the HTML standard's EventSource would have seen.
 */
import { describe, expect, it } from "vitest";
import { readServerSentEvents, type ServerSentEvent } from "../../src/cli/remote.js";

async function* chunks(...parts: string[]): AsyncGenerator<Uint8Array> {
  const encoder = new TextEncoder();
  for (const part of parts) yield encoder.encode(part);
}

async function read(...parts: string[]): Promise<ServerSentEvent[]> {
  const events: ServerSentEvent[] = [];
  for await (const event of readServerSentEvents(chunks(...parts))) events.push(event);
  return events;
}

describe("readServerSentEvents", () => {
  it("reads named events, ids and data, skipping comments", async () => {
    expect(
      await read(
        ': keepalive\n\nevent: status\ndata: {"status":"RUNNING"}\n\n',
        'id: 41\nevent: log\ndata: {"message":"step 1"}\n\n',
      ),
    ).toEqual([
      { event: "status", data: '{"status":"RUNNING"}', id: undefined },
      { event: "log", data: '{"message":"step 1"}', id: "41" },
    ]);
  });

  it("joins an event cut anywhere across chunks, a multi-byte character included", async () => {
    const text = "event: log\ndata: caf\u00e9 \u2615\n\n";
    const bytes = new TextEncoder().encode(text);
    for (let cut = 1; cut < bytes.length; cut++) {
      const events: ServerSentEvent[] = [];
      async function* split(): AsyncGenerator<Uint8Array> {
        yield bytes.slice(0, cut);
        yield bytes.slice(cut);
      }
      for await (const event of readServerSentEvents(split())) events.push(event);
      expect(events, `cut at byte ${cut}`).toEqual([
        { event: "log", data: "caf\u00e9 \u2615", id: undefined },
      ]);
    }
  });

  it("takes LF, CRLF and CR line ends, a CRLF split between chunks being one", async () => {
    expect(await read("data: a\r", "\ndata: b\r\n\r", "\ndata: c\r\rdata: d\n\n")).toEqual([
      { event: "message", data: "a\nb", id: undefined },
      { event: "message", data: "c", id: undefined },
      { event: "message", data: "d", id: undefined },
    ]);
  });

  it("keeps the last id, drops events without data and an event the stream cut off", async () => {
    expect(
      await read("id: 7\nevent: ping\n\n", "data\ndata:x\n\n", "event: end\ndata: {}"),
    ).toEqual([{ event: "message", data: "\nx", id: "7" }]);
  });
});
