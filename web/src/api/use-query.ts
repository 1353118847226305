/**
 * Reading from the API in a component: loading, data, error, a reload, an optional
 * refresh while the page is visible, and invalidation by key (./query-keys.ts) after a
 * change. Small on purpose: no cache beyond the component, no retries; an error is shown
 * with the server's message and the page offers to try again.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import { type QueryKey, startsWith } from "./query-keys.js";

type Listener = { key: QueryKey; reload: () => void };
const listeners = new Set<Listener>();

/** Makes every mounted query whose key starts with `prefix` read again. */
export function invalidate(...prefixes: QueryKey[]): void {
  for (const listener of listeners) {
    if (prefixes.some((prefix) => startsWith(listener.key, prefix))) listener.reload();
  }
}

export interface QueryState<T> {
  readonly data: T | undefined;
  readonly error: Error | undefined;
  /** True until the first answer (later reloads keep showing the data they replace). */
  readonly loading: boolean;
  readonly reload: () => void;
}

export interface QueryOptions {
  /** Read again this often while the page is visible. */
  readonly refreshMs?: number;
  /** False: don't read (yet). */
  readonly enabled?: boolean;
}

export function useQuery<T>(
  key: QueryKey,
  read: (signal: AbortSignal) => Promise<T>,
  options: QueryOptions = {},
): QueryState<T> {
  const id = JSON.stringify(key);
  const [state, setState] = useState<{ id: string; data?: T; error?: Error; done: boolean }>({
    id,
    done: false,
  });
  const [tick, setTick] = useState(0);
  const readRef = useRef(read);
  readRef.current = read;
  const reload = useCallback(() => setTick((n) => n + 1), []);
  const enabled = options.enabled ?? true;

  // biome-ignore lint/correctness/useExhaustiveDependencies: `id` stands for the key; `tick` asks again.
  useEffect(() => {
    if (!enabled) return;
    const controller = new AbortController();
    readRef.current(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setState({ id, data, done: true });
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        setState((old) => ({
          id,
          ...(old.id === id && old.data !== undefined ? { data: old.data } : {}),
          error: error instanceof Error ? error : new Error(String(error)),
          done: true,
        }));
      },
    );
    return () => controller.abort();
  }, [id, tick, enabled]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: registered once per key.
  useEffect(() => {
    const listener: Listener = { key, reload };
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }, [id, reload]);

  useEffect(() => {
    const every = options.refreshMs;
    if (every === undefined || !enabled) return;
    const timer = window.setInterval(() => {
      if (document.visibilityState === "visible") reload();
    }, every);
    return () => window.clearInterval(timer);
  }, [options.refreshMs, enabled, reload]);

  const current = state.id === id;
  return {
    data: current ? state.data : undefined,
    error: current ? state.error : undefined,
    loading: !current || !state.done,
    reload,
  };
}
