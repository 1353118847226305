/**
 * The principals of recently used API tokens, by token hash, for a few seconds: a client
 * calling the API in a loop would otherwise have each request read its token, the token's
 * user and the user's groups (three statements, about half of a request's time on
 * PostgreSQL) before the route even starts.
 *
 * The auth service empties it whenever it changes a token, a user or a group, so a change
 * made through this node applies to this node's next request. A change made elsewhere (on
 * another node, or by `sundial users` / `sundial tokens` on the database) applies once the
 * entries of the moment have aged out: at most `ttlMs` later.
 */
import type { Principal } from "./auth.js";

/** What is kept of one token. */
export interface CachedToken {
  readonly principal: Principal;
  /** The token's expiry: past it, the token is looked up again (and refused). */
  readonly expiresAt: number;
  /** When its last use was last written; the service writes it again once a minute. */
  lastUsedAt: number | null;
  /** When it was read from the database. */
  readonly readAt: number;
}

export class PrincipalCache {
  private readonly entries = new Map<string, CachedToken>();
  private generation = 0;

  /**
   * @param ttlMs how long an entry is used after it was read; 0 keeps nothing.
   * @param maxEntries the most tokens kept; the oldest read goes first.
   */
  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  /** The entry of a token hash, unless it is older than the TTL or the token has expired. */
  get(hash: string, now: number): CachedToken | undefined {
    const entry = this.entries.get(hash);
    if (entry === undefined) return undefined;
    const age = now - entry.readAt;
    // A clock moved back (tests do, NTP may) makes an entry's age meaningless: read again.
    if (age < 0 || age >= this.ttlMs || entry.expiresAt <= now) {
      this.entries.delete(hash);
      return undefined;
    }
    return entry;
  }

  /**
   * Taken before reading the database, and given back to {@link set}: an entry read before
   * the last {@link clear} may hold what that clear was for, and is not kept.
   */
  get version(): number {
    return this.generation;
  }

  set(hash: string, entry: CachedToken, version: number): void {
    if (this.ttlMs <= 0 || version !== this.generation) return;
    this.entries.delete(hash);
    if (this.entries.size >= this.maxEntries) {
      // Maps keep insertion order, and an entry is re-inserted when read again: the first
      // key is the one read longest ago.
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(hash, entry);
  }

  /** Forgets every entry, and any being read now. */
  clear(): void {
    this.generation++;
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
