/**
 * What the server makes of a form's input while it is typed: asked 300 ms after the last
 * keystroke; an older answer never replaces a newer one. `undefined` input: nothing to ask.
 */
import { useDebouncedValue } from "@mantine/hooks";
import { useEffect, useRef, useState } from "react";
import { ApiError, messageOf } from "./client.js";

export type PreviewState<T> =
  | { readonly kind: "idle" }
  | { readonly kind: "loading" }
  | { readonly kind: "done"; readonly preview: T }
  | { readonly kind: "failed"; readonly message: string; readonly field?: string };

export function useLivePreview<I, T>(
  input: I | undefined,
  ask: (input: I, signal: AbortSignal) => Promise<T>,
): PreviewState<T> {
  const [debounced] = useDebouncedValue(JSON.stringify(input ?? null), 300);
  const [state, setState] = useState<PreviewState<T>>({ kind: "idle" });
  // The input alone decides when to ask again, not a caller's new closure each render.
  const askRef = useRef(ask);
  askRef.current = ask;
  useEffect(() => {
    const body = JSON.parse(debounced) as I | null;
    if (body === null) {
      setState({ kind: "idle" });
      return;
    }
    const controller = new AbortController();
    setState((old) => (old.kind === "done" ? old : { kind: "loading" }));
    askRef.current(body, controller.signal).then(
      (preview) => {
        if (!controller.signal.aborted) setState({ kind: "done", preview });
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        setState({
          kind: "failed",
          message: messageOf(error),
          ...(error instanceof ApiError && error.field !== undefined ? { field: error.field } : {}),
        });
      },
    );
    return () => controller.abort();
  }, [debounced]);
  return state;
}
