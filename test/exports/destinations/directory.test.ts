import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { copyToDirectory } from "../../../src/exports/index.js";
import { tempFolder } from "../helpers.js";
import { folderDestinationContract } from "./folder-contract.js";
import { localFolder, producedFile, rejectionOf } from "./helpers.js";

folderDestinationContract(
  "directory",
  (file, settings, _connection, options) => copyToDirectory(file, settings, options),
  async () => {
    const target = await tempFolder("directory-target");
    return {
      stop: target.remove,
      peer: {
        localPathOf: (remote) => remote,
        remoteFolder: (index) => join(target.dir, `t${index}`),
        settings: (directory, extra) => ({ type: "directory", directory, ...extra }),
        describe: (directory) => `directory ${directory}`,
      },
    };
  },
);

describe("directory settings", () => {
  const local = localFolder("directory-local");

  it("refuses a relative directory, which would depend on where the server started", async () => {
    const file = await producedFile(local(), "a.csv", "a\n1\n");
    const error = await rejectionOf(copyToDirectory(file, { type: "directory", directory: "out" }));
    expect(error.code).toBe("badRequest");
    expect(error.field).toBe("directory");
    expect(error.message).toContain('directory: "out" is not an absolute path');
  });

  it("refuses a file whose bytes no longer match its manifest", async () => {
    const file = await producedFile(local(), "b.csv", "a\n1\n");
    const error = await rejectionOf(
      copyToDirectory({ ...file, size: file.size + 1 }, { type: "directory", directory: local() }),
    );
    expect(error.code).toBe("deliveryFailed");
    expect(error.message).toContain("it changed after it was written");
  });
});
