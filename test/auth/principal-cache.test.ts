import { describe, expect, it } from "vitest";
import type { Principal } from "../../src/auth/auth.js";
import { type CachedToken, PrincipalCache } from "../../src/auth/principal-cache.js";

const principal: Principal = {
  userId: "usr_1",
  name: "ci",
  roles: ["viewer"],
  groups: [],
  jobTypes: [],
  via: "token",
  tokenId: "tok_1",
};
const entry = (readAt: number, expiresAt = readAt + 86_400_000): CachedToken => ({
  principal,
  expiresAt,
  lastUsedAt: readAt,
  readAt,
});

describe("the token principal cache", () => {
  it("keeps at most its size, forgetting the token read longest ago", () => {
    const cache = new PrincipalCache(5000, 3);
    for (const hash of ["a", "b", "c"]) cache.set(hash, entry(0), cache.version);
    // Read again, "a" is the newest: "b" goes when "d" comes.
    cache.set("a", entry(10), cache.version);
    cache.set("d", entry(10), cache.version);
    expect(cache.size).toBe(3);
    expect(cache.get("b", 10)).toBeUndefined();
    expect(["a", "c", "d"].map((hash) => cache.get(hash, 10) !== undefined)).toEqual([
      true,
      true,
      true,
    ]);
  });

  it("drops an entry past its time, or its token's expiry, or read under a moved-back clock", () => {
    const cache = new PrincipalCache(5000, 10);
    cache.set("a", entry(1000, 3000), cache.version);
    cache.set("b", entry(1000), cache.version);
    expect(cache.get("a", 2999)).toBeDefined();
    expect(cache.get("a", 3000)).toBeUndefined();
    expect(cache.get("b", 5999)).toBeDefined();
    expect(cache.get("b", 6000)).toBeUndefined();
    cache.set("c", entry(1000), cache.version);
    expect(cache.get("c", 999)).toBeUndefined();
  });

  it("does not keep what was read before a clear, which may be what the clear was for", () => {
    const cache = new PrincipalCache(5000, 10);
    const version = cache.version;
    cache.clear();
    cache.set("a", entry(0), version);
    expect(cache.get("a", 1)).toBeUndefined();
    cache.set("a", entry(0), cache.version);
    expect(cache.get("a", 1)).toBeDefined();
  });

  it("keeps nothing with a TTL of 0", () => {
    const cache = new PrincipalCache(0, 10);
    cache.set("a", entry(0), cache.version);
    expect(cache.size).toBe(0);
  });
});
