/** The pure part of history: the field-by-field diff of two configs. */
import { describe, expect, it } from "vitest";
import { diffConfigs, sameConfig } from "../../src/projects/config-diff.js";

describe("diffConfigs", () => {
  it("names each added, removed and changed path, arrays by position", () => {
    const from = {
      name: "north",
      output: { fileName: "a.csv", format: { type: "csv", delimiter: "," } },
      destinations: [
        { type: "directory", directory: "/a" },
        { type: "email", to: ["x@y.z"] },
      ],
      parameters: { region: "north", "odd key": "1" },
    };
    const to = {
      name: "north",
      output: { fileName: "a.csv", format: { type: "csv", delimiter: ";" }, zip: true },
      destinations: [{ type: "directory", directory: "/b" }],
      parameters: { region: "north" },
      enabled: false,
    };
    expect(diffConfigs(from, to)).toEqual([
      { path: "output.format.delimiter", change: "changed", from: ",", to: ";" },
      { path: "output.zip", change: "added", to: true },
      { path: "destinations[0].directory", change: "changed", from: "/a", to: "/b" },
      { path: "destinations[1]", change: "removed", from: { type: "email", to: ["x@y.z"] } },
      { path: 'parameters["odd key"]', change: "removed", from: "1" },
      { path: "enabled", change: "added", to: false },
    ]);
    expect(diffConfigs({}, { a: 1 })).toEqual([{ path: "a", change: "added", to: 1 }]);
    expect(diffConfigs({ a: [1] }, { a: { 0: 1 } })).toEqual([
      { path: "a", change: "changed", from: [1], to: { 0: 1 } },
    ]);
  });

  it("finds nothing between equal configs, whatever their key order", () => {
    expect(sameConfig({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toBe(true);
    expect(sameConfig({ a: null }, { a: undefined })).toBe(false);
  });
});
