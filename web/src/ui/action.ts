/**
 * Running a change from a button: busy while it runs, the server's message in a
 * notification when it fails (with its code), a short confirmation when it worked, and
 * the queries it touched read again.
 */
import { notifications } from "@mantine/notifications";
import { useCallback, useState } from "react";
import { ApiError, messageOf } from "../api/client.js";
import type { QueryKey } from "../api/query-keys.js";
import { invalidate } from "../api/use-query.js";

export function notifyError(error: unknown, title = "That did not work"): void {
  notifications.show({
    color: "red",
    title: error instanceof ApiError ? `${title} (${error.code})` : title,
    message: messageOf(error),
    autoClose: 10_000,
  });
}

export function notifyDone(message: string): void {
  notifications.show({ color: "green", message, autoClose: 3000 });
}

export interface ActionOptions {
  /** Shown when it worked. */
  readonly done?: string;
  /** Read again afterwards. */
  readonly invalidates?: readonly QueryKey[];
}

/** `[run, busy]`: `run(fn)` answers fn's result, or undefined when it failed (and said so). */
export function useAction(): [
  <T>(fn: () => Promise<T>, options?: ActionOptions) => Promise<T | undefined>,
  boolean,
] {
  const [busy, setBusy] = useState(false);
  const run = useCallback(async <T>(fn: () => Promise<T>, options: ActionOptions = {}) => {
    setBusy(true);
    try {
      const result = await fn();
      if (options.done) notifyDone(options.done);
      return result;
    } catch (error) {
      notifyError(error);
      return undefined;
    } finally {
      setBusy(false);
      if (options.invalidates) invalidate(...options.invalidates);
    }
  }, []);
  return [run, busy];
}
