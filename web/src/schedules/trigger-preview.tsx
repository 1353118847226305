/**
 * What a trigger means while it is typed: its description and next five fire times (in
 * the schedule's zone, and the browser's when they differ), or the server's message for
 * an invalid one, naming the part at fault (see useLivePreview).
 */
import { Alert, Card, Group, List, Loader, Stack, Text, ThemeIcon, Title } from "@mantine/core";
import { IconAlertCircle, IconClock } from "@tabler/icons-react";
import { scheduleApi } from "../api/endpoints.js";
import { type PreviewState as LivePreviewState, useLivePreview } from "../api/live-preview.js";
import type { TriggerPreview, TriggerPreviewInput } from "../api/types.js";
import { browserZone } from "./schedule-form.js";

export type PreviewState = LivePreviewState<TriggerPreview>;

export function useTriggerPreview(input: TriggerPreviewInput | undefined): PreviewState {
  return useLivePreview(input, scheduleApi.preview);
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
