import { describe, expect, it } from "vitest";
import { SecretBox } from "../../src/projects/connections/secret-box.js";

const KEY = "a-test-secret-key-of-at-least-32-characters";
const OTHER_KEY = "another-secret-key-also-32-characters-long";

describe("the secret box", () => {
  it("seals with a fresh IV each time, in a versioned format, and opens what it sealed", () => {
    const box = new SecretBox(KEY);
    const first = box.seal("hunter2", "connection:a:password");
    const second = box.seal("hunter2", "connection:a:password");
    expect(first).not.toBe(second);
    expect(first).toMatch(new RegExp(`^v1\\.${box.keyId}\\.[A-Za-z0-9_-]+$`));
    expect(first).not.toContain("hunter2");
    // 12 bytes of IV, 16 of tag, then as many as the text.
    expect(Buffer.from(first.split(".")[2] as string, "base64url")).toHaveLength(12 + 16 + 7);
    expect(box.open(first, "connection:a:password", "x")).toBe("hunter2");
    expect(new SecretBox(KEY).open(second, "connection:a:password", "x")).toBe("hunter2");
  });

  it("says a value was sealed under another key, naming both key ids", () => {
    const sealed = new SecretBox(OTHER_KEY).seal("hunter2", "c");
    const box = new SecretBox(KEY);
    expect(() => box.open(sealed, "c", 'connection "warehouse": settings.password')).toThrow(
      expect.objectContaining({
        code: "conflict",
        message: expect.stringMatching(
          new RegExp(
            `^connection "warehouse": settings\\.password: was encrypted under another secret key \\(key id ${new SecretBox(OTHER_KEY).keyId}; this server's is ${box.keyId}\\)`,
          ),
        ),
      }),
    );
  });

  it("refuses a value moved to another context, or altered", () => {
    const box = new SecretBox(KEY);
    const sealed = box.seal("hunter2", "connection:a:password");
    expect(() => box.open(sealed, "connection:b:password", "b")).toThrow(/altered, or copied/);
    const bytes = Buffer.from(sealed.split(".")[2] as string, "base64url");
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 1;
    const altered = `v1.${box.keyId}.${bytes.toString("base64url")}`;
    expect(() => box.open(altered, "connection:a:password", "a")).toThrow(/altered, or copied/);
    expect(() => box.open(`v1.${box.keyId}.AAAA`, "c", "a")).toThrow(/altered, or copied/);
    expect(() => box.open("v9.x.y", "c", "a")).toThrow(/format this Sundial does not know/);
  });

  it("needs a key of 32 characters or more", () => {
    expect(() => new SecretBox("short")).toThrow(
      expect.objectContaining({ code: "badRequest", field: "secretKey" }),
    );
  });
});
