/**
 * Two nodes (two Sundials with their own scanner services, on one PostgreSQL store, as a
 * cluster runs) scan the same table at the same time: each runs one run, they read the
 * same records in the same order and race to claim each, and every record's task runs
 * exactly once. On a PostgreSQL table and on a MariaDB one.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mariadbAvailable } from "../exports/sources/peers.js";
import { freshSchemaName, postgresAvailable, TEST_DATABASE_URL } from "../helpers/postgres.js";
import {
  HOUR,
  mariadbPeer,
  openNode,
  postgresPeer,
  putScannerSchedule,
  type ScannedPeer,
  type ScannerNode,
  scanContext,
  storeConnection,
  TaskServer,
} from "./helpers.js";

const RECORDS = 80;

function raceSuite(openPeer: () => Promise<ScannedPeer>) {
  let peer: ScannedPeer;
  let server: TaskServer;
  let nodes: ScannerNode[];
  const schema = freshSchemaName("sundial_scanner_race");

  beforeAll(async () => {
    [peer, server] = await Promise.all([openPeer(), TaskServer.start()]);
    // Stopped at first, so that both runs wait for the nodes and start together.
    nodes = [];
    for (const node of ["node-a", "node-b"]) {
      nodes.push(await openNode({ database: TEST_DATABASE_URL, schema, node, concurrency: 0 }));
    }
  });

  afterAll(async () => {
    await server?.close();
    for (const node of nodes ?? []) await node.close();
    await peer?.close();
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  });

  it("runs each record's task exactly once", async () => {
    const [a, b] = nodes as [ScannerNode, ScannerNode];
    const now = Date.now();
    const table = await peer.table(
      Array.from({ length: RECORDS }, (_, i) => ({
        id: i + 1,
        name: `record ${i + 1}`,
        due: now - HOUR,
      })),
    );
    await storeConnection(a, peer);
    server.delayMs = 20;
    await putScannerSchedule(a, "race", scanContext(table, server, { numberOfThreads: 4 }));
    const runs = [await a.scanner.execute("race"), await b.scanner.execute("race")];
    // One run each: a node runs one job at a time, so the two run on the two nodes at once.
    await Promise.all(nodes.map((node) => node.sundial.start({ concurrency: 1 })));
    for (const run of runs) await a.sundial.jobs.waitForJob(run.id, ["FINISHED"], 60_000);
    const [first, second] = await Promise.all(runs.map((run) => b.scanner.get(run.id)));
    if (first === undefined || second === undefined) throw new Error("a run is missing");

    expect(new Set([first.node, second.node])).toEqual(new Set(["node-a", "node-b"]));
    // They overlapped in time: each started before the other ended.
    expect(first.startedAt as number).toBeLessThan(second.endedAt as number);
    expect(second.startedAt as number).toBeLessThan(first.endedAt as number);
    for (const run of [first, second]) expect(run.progress.state).toBe("COMPLETED");

    const expected = Array.from({ length: RECORDS }, (_, i) => String(i + 1));
    expect(server.ids()).toEqual(expected);
    expect(first.progress.successes + second.progress.successes).toBe(RECORDS);
    // They met on records: the loser of a claim skipped it.
    expect(first.progress.skipped + second.progress.skipped).toBeGreaterThan(0);
    expect(first.progress.failures + second.progress.failures).toBe(0);
    const states = await peer.states(table);
    expect(states.every((state) => state.completed !== null)).toBe(true);
  });
}

if (await postgresAvailable("the task scanner's race between two nodes")) {
  describe("two scanners racing over one PostgreSQL table", () => raceSuite(postgresPeer));
  if (await mariadbAvailable("the task scanner's race between two nodes")) {
    describe("two scanners racing over one MariaDB table", () => raceSuite(mariadbPeer));
  }
}
