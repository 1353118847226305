/** JSON for reading: indented, scrollable, never wider than the page. */
import { Code, ScrollArea, Text } from "@mantine/core";

export function JsonBlock({
  value,
  maxHeight = 320,
}: {
  readonly value: unknown;
  readonly maxHeight?: number;
}) {
  if (value === null || value === undefined) {
    return (
      <Text size="sm" c="dimmed">
        none
      </Text>
    );
  }
  return (
    <ScrollArea.Autosize mah={maxHeight} type="auto">
      <Code block style={{ whiteSpace: "pre-wrap", wordBreak: "break-word" }}>
        {JSON.stringify(value, null, 2)}
      </Code>
    </ScrollArea.Autosize>
  );
}
