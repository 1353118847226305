import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { checkDestination, deliverFile } from "../../../src/exports/index.js";
import {
  closedPort,
  expectEntries,
  expectSameBytes,
  localFolder,
  producedFile,
  rejectionOf,
} from "./helpers.js";
import { storedConnections } from "./stored-connections.js";

describe("delivering a file to a task's destinations", () => {
  const local = localFolder("delivery");
  const stored = storedConnections();
  let first: string;
  let second: string;
  beforeAll(async () => {
    first = join(local(), "first");
    second = join(local(), "second");
    await mkdir(first);
    await mkdir(second);
  });

  it("tries every destination: one that fails is an outcome, and the next still gets the file", async () => {
    const file = await producedFile(local(), "sales.csv", "id\n1\n2\n");
    const port = await closedPort();
    const drop = await stored().put("ftp", {
      host: "127.0.0.1",
      port,
      username: "u",
      password: "p",
    });
    const outcomes = await deliverFile(
      file,
      [
        { type: "directory", directory: first, name: "archive" },
        { type: "ftp", connection: drop, directory: "/in" },
        { type: "directory", directory: second },
      ],
      { connections: stored().service },
    );
    expect(outcomes).toEqual([
      {
        destination: "archive",
        file: "sales.csv",
        status: "sent",
        detail: `uploaded ${file.size} bytes to ${first}/sales.csv`,
      },
      {
        destination: `ftp ${drop}:/in`,
        file: "sales.csv",
        status: "failed",
        detail: expect.stringContaining(
          `ftp://u@127.0.0.1:${port}/in: can't be reached (ECONNREFUSED`,
        ),
        code: "deliveryFailed",
      },
      {
        destination: `directory ${second}`,
        file: "sales.csv",
        status: "sent",
        detail: `uploaded ${file.size} bytes to ${second}/sales.csv`,
      },
    ]);
    await expectSameBytes(first, file);
    await expectSameBytes(second, file);
  });

  it("checks every destination before sending to any, naming the one at fault", async () => {
    const file = await producedFile(local(), "checked.csv", "id\n1\n");
    const error = await rejectionOf(
      deliverFile(file, [
        { type: "directory", directory: first },
        { type: "sftp", connection: "vendor", directry: "/in" },
      ]),
    );
    expect(error.code).toBe("badRequest");
    expect(error.message).toBe(
      "destinations[1].directry: is not a known setting; check its spelling",
    );
    await expectEntries(first, ["sales.csv"]);

    expect(() => checkDestination({ type: "s3" }, "destinations[0]")).toThrow(
      'destinations[0].type: "s3" is not one of "sftp", "ftp", "smb", "directory", "email"',
    );
  });

  it("rejects with the signal's reason when stopped, sending nothing more", async () => {
    const file = await producedFile(local(), "stopped.csv", "id\n1\n");
    const controller = new AbortController();
    const reason = new Error("stopped by the user");
    controller.abort(reason);
    const error = await rejectionOf(
      deliverFile(file, [{ type: "directory", directory: second }], { signal: controller.signal }),
    );
    expect(error).toBe(reason);
    await expectEntries(second, ["sales.csv"]);
  });
});
