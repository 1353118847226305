/**
 * The login rate limit: failed logins are counted in a sliding window per user name and
 * per client address, in the database, so that every node of a cluster sees the same
 * count and a restart does not reset it. A login over either limit is refused before its
 * password is checked.
 */
import { SundialError } from "../errors.js";
import type { AuthRepository } from "./auth.repository.js";

export interface LoginLimits {
  /** How far back failures count, in ms; default 15 minutes. */
  readonly windowMs: number;
  /** Failures per user name in the window; default 5. */
  readonly perName: number;
  /** Failures per client address in the window; default 20. */
  readonly perIp: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = Object.freeze({
  windowMs: 15 * 60_000,
  perName: 5,
  perIp: 20,
});

/** A `tooManyRequests` error that says when to come back, for the `Retry-After` header. */
export class LoginThrottledError extends SundialError {
  constructor(readonly retryAfterSeconds: number) {
    super("tooManyRequests", `Too many failed logins; try again in ${retryAfterSeconds} s.`);
  }
}

export class LoginLimit {
  constructor(
    private readonly repository: AuthRepository,
    private readonly limits: LoginLimits,
  ) {}

  /**
   * @param nameClearedAt the name's last successful login: failures before it no longer
   *   count against the name (they still count against their address).
   * @throws LoginThrottledError when `name` or `ip` has used up its failures.
   */
  async check(name: string, ip: string, now: number, nameClearedAt: number | null): Promise<void> {
    const since = now - this.limits.windowMs;
    const [byName, byIp] = await Promise.all([
      this.repository.nthRecentFailure(
        "name",
        name,
        Math.max(since, nameClearedAt ?? since),
        this.limits.perName,
      ),
      this.repository.nthRecentFailure("ip", ip, since, this.limits.perIp),
    ]);
    const freedAt = Math.max(byName ?? -Infinity, byIp ?? -Infinity) + this.limits.windowMs;
    if (freedAt > now) throw new LoginThrottledError(Math.ceil((freedAt - now) / 1000));
  }

  failed(name: string, ip: string, now: number): Promise<void> {
    return this.repository.recordFailure(name, ip, now, now - this.limits.windowMs);
  }
}
