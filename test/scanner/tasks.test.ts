// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the tasks are JavaScript with template literals.
/**
 * What a record's task is given when it is a script (`input`, `objectID`) or a command
 * (`SUNDIAL_OBJECT_ID`, `SUNDIAL_INPUT`), run by the node's own invokers; and how many
 * ended runs are kept.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  HOUR,
  openNode,
  putScannerSchedule,
  type ScannedPeer,
  type ScannerNode,
  scanContext,
  scanNow,
  sqlitePeer,
  storeConnection,
  TaskServer,
} from "./helpers.js";

describe("a record's task", () => {
  let peer: ScannedPeer;
  let node: ScannerNode;
  let server: TaskServer;
  let table: string;

  beforeAll(async () => {
    [peer, node, server] = await Promise.all([
      sqlitePeer(),
      openNode({ scanner: { keepRuns: 2 } }),
      TaskServer.start(),
    ]);
    await storeConnection(node, peer);
  });

  afterAll(async () => {
    await server?.close();
    await node?.close();
    await peer?.close();
  });

  const records = async () => {
    const now = Date.now();
    table = await peer.table([
      { id: 7, name: "Ada", due: now - HOUR },
      { id: 8, name: "Grace", due: now - HOUR },
    ]);
  };
  const messages = async (id: string) =>
    (await node.sundial.jobs.logs(id)).map((line) => line.message);

  it("as a script, sees the record as input and its id as objectID", async () => {
    await records();
    await putScannerSchedule(
      node,
      "script",
      scanContext(table, server, {
        task: {
          script: {
            type: "text/javascript",
            source:
              "log.info(`record ${objectID} (${typeof objectID}) is ${input.name}, due ${typeof input.due}`);",
          },
        },
      }),
    );
    const run = await scanNow(node, "script");
    expect(run.progress).toMatchObject({ state: "COMPLETED", successes: 2 });
    const lines = await messages(run.id);
    expect(lines).toContain("record 7 (string) is Ada, due string");
    expect(lines).toContain("record 8 (string) is Grace, due string");
    expect((await peer.states(table)).every((state) => state.completed !== null)).toBe(true);
  });

  it("as a command, gets SUNDIAL_OBJECT_ID and the record as JSON in SUNDIAL_INPUT", async () => {
    await records();
    await putScannerSchedule(
      node,
      "command",
      scanContext(table, server, {
        task: {
          command: process.execPath,
          args: [
            "-e",
            "const r = JSON.parse(process.env.SUNDIAL_INPUT); console.log(`${process.env.SUNDIAL_OBJECT_ID}: ${r.name} #${r.id}`); process.exit(r.id === 8 ? 3 : 0)",
          ],
        },
      }),
    );
    const run = await scanNow(node, "command");
    expect(run.progress).toMatchObject({ state: "COMPLETED", successes: 1, failures: 1 });
    const lines = await messages(run.id);
    expect(lines).toContain("7: Ada #7");
    expect(lines).toContain("8: Grace #8");
    expect(
      lines.some((line) => /record 8: the task failed \(commandFailed\).*code 3/.test(line)),
    ).toBe(true);
  });

  it("keeps the newest ended runs, as many as keepRuns", async () => {
    const ids = [];
    for (let i = 0; i < 4; i++) ids.push((await scanNow(node, "script")).id);
    const kept = await node.scanner.list();
    expect(kept.map((run) => run.id)).toEqual([ids[3], ids[2]]);
    await expect(node.scanner.get(ids[0] as string)).rejects.toMatchObject({ code: "notFound" });
  });
});
