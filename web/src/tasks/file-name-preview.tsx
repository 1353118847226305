/**
 * The name the file name template gives, shown under the field while it is typed: the
 * next run's name in the task's zone, with `.gpg` and `.zip` as set, or what is wrong.
 */
import { Group, Loader, Text } from "@mantine/core";
import { taskApi } from "../api/endpoints.js";
import { useLivePreview } from "../api/live-preview.js";
import type { FileNamePreviewInput } from "../api/types.js";

export function FileNamePreviewLine({
  input,
}: {
  readonly input: FileNamePreviewInput | undefined;
}) {
  const state = useLivePreview(input, taskApi.previewFileName);
  if (state.kind === "idle") return null;
  if (state.kind === "loading") {
    return (
      <Group gap={6}>
        <Loader size={12} />
        <Text size="xs" c="dimmed">
          Resolving the name…
        </Text>
      </Group>
    );
  }
  if (state.kind === "failed") {
    return (
      <Text size="xs" c="red">
        Can't resolve the name: {state.message}
      </Text>
    );
  }
  const { preview } = state;
  if (!preview.valid) {
    return (
      <Text size="xs" c="red" data-testid="file-name-error">
        {preview.detail}
      </Text>
    );
  }
  return (
    <Text size="xs" c="dimmed" data-testid="file-name-preview">
      A run now writes{" "}
      <Text span ff="monospace" c="bright">
        {preview.fileName}
      </Text>
    </Text>
  );
}
