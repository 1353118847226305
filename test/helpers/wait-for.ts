/**
 * Waits until `check` returns a value that is not undefined, looking again every few
 * milliseconds; for events that arrive from outside the test (file watchers). Fails with
 * `what` after `timeoutMs`, which is a generous ceiling, not an expectation of speed.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
