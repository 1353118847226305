/**
 * The README's opening commands are what a new user runs: keep them, package.json's
 * scripts and .ci/run saying the same thing. (test/readme-start.test.ts runs the first
 * one in a copy of the checkout.)
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const root = new URL("../", import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), "utf8");

describe("the README's two commands", () => {
  const opening = /```sh\n([\s\S]*?)```/.exec(read("README.md"))?.[1] ?? "";
  const commands = opening
    .split("\n")
    .map((line) => line.replace(/#.*/, "").trim())
    .filter(Boolean);
  const scripts = JSON.parse(read("package.json")).scripts as Record<string, string>;

  it("opens with setting up and starting the server, then the tests", () => {
    expect(commands).toEqual(["npm install && npm start", "npm install && npm test"]);
    expect(scripts.start).toBe("npm run build --silent && node bin/sundial.js serve");
  });

  it("is the test command CI runs", () => {
    expect(read(".ci/run")).toContain(`${commands[1]} || exit $?`);
  });
});
