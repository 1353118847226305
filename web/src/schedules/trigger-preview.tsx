/**
 * What a trigger means while it is typed: its description and next five fire times (in
 * the schedule's zone, and the browser's when they differ), or the server's message for
 * an invalid one, naming the part at fault. Asked 300 ms after the last keystroke; an
 * older answer never replaces a newer one.
 */
import { Alert, Card, Group, List, Loader, Stack, Text, ThemeIcon, Title } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { IconAlertCircle, IconClock } from "@tabler/icons-react";
import { useEffect, useState } from "react";
import { ApiError, messageOf } from "../api/client.js";
import { scheduleApi } from "../api/endpoints.js";
import type { TriggerPreview, TriggerPreviewInput } from "../api/types.js";
import { browserZone } from "./schedule-form.js";

export type PreviewState =
  | { readonly kind: "idle" }
  | { readonly kind: "loading" }
  | { readonly kind: "done"; readonly preview: TriggerPreview }
  | { readonly kind: "failed"; readonly message: string; readonly field?: string };

export function useTriggerPreview(input: TriggerPreviewInput | undefined): PreviewState {
  const [debounced] = useDebouncedValue(JSON.stringify(input ?? null), 300);
  const [state, setState] = useState<PreviewState>({ kind: "idle" });
  useEffect(() => {
    const body = JSON.parse(debounced) as TriggerPreviewInput | null;
    if (body === null) {
      setState({ kind: "idle" });
      return;
    }
    const controller = new AbortController();
    setState((old) => (old.kind === "done" ? old : { kind: "loading" }));
    scheduleApi.preview(body, controller.signal).then(
      (preview) => setState({ kind: "done", preview }),
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

function zoned(iso: string, zone: string): string {
  return new Intl.DateTimeFormat(undefined, {
    timeZone: zone,
    weekday: "short",
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    timeZoneName: "short",
  }).format(Date.parse(iso));
}

export function TriggerPreviewCard({ state }: { readonly state: PreviewState }) {
  const local = browserZone();
  return (
    <Card withBorder padding="md" radius="md" aria-live="polite" data-testid="trigger-preview">
      <Group gap="xs" mb="sm">
        <ThemeIcon variant="light" size="md">
          <IconClock size={16} />
        </ThemeIcon>
        <Title order={2} size="h5">
          When it fires
        </Title>
        {state.kind === "loading" && <Loader size="xs" />}
      </Group>
      {state.kind === "idle" && (
        <Text size="sm" c="dimmed">
          Type a trigger to see what it means and its next five fire times.
        </Text>
      )}
      {state.kind === "failed" && (
        <Alert
          color="red"
          variant="light"
          icon={<IconAlertCircle />}
          title="Can't check this trigger"
        >
          {state.message}
        </Alert>
      )}
      {state.kind === "done" && !state.preview.valid && (
        <Alert
          color="red"
          variant="light"
          icon={<IconAlertCircle />}
          title={`Invalid ${state.preview.field}`}
          data-testid="trigger-error"
        >
          <Text size="sm">{state.preview.detail}</Text>
          {state.preview.allowed && (
            <Text size="xs" mt={4} c="dimmed">
              Allowed: {state.preview.allowed}
            </Text>
          )}
        </Alert>
      )}
      {state.kind === "done" && state.preview.valid && (
        <Stack gap="xs">
          <Text fw={500} data-testid="trigger-description">
            {state.preview.description}
          </Text>
          {state.preview.nextFireTimes.length === 0 ? (
            <Text size="sm" c="dimmed">
              It will not fire again.
            </Text>
          ) : (
            <List size="sm" spacing={4} data-testid="next-fire-times">
              {state.preview.nextFireTimes.map((iso) => (
                <List.Item key={iso}>
                  <time dateTime={iso}>
                    {zoned(iso, state.preview.valid ? state.preview.timeZone : local)}
                  </time>
                  {state.preview.valid && state.preview.timeZone !== local && (
                    <Text span size="xs" c="dimmed" ml={6}>
                      ({zoned(iso, local)} here)
                    </Text>
                  )}
                </List.Item>
              ))}
            </List>
          )}
        </Stack>
      )}
    </Card>
  );
}
