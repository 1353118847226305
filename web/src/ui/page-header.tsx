/** A page's title (also the tab's), what it is for, and its actions. */
import { Group, Stack, Text, Title } from "@mantine/core";
import { type ReactNode, useEffect } from "react";

export function PageHeader({
  title,
  description,
  actions,
  tabTitle,
}: {
  readonly title: ReactNode;
  readonly description?: ReactNode;
  readonly actions?: ReactNode;
  /** The tab's title, when `title` is not plain text. */
  readonly tabTitle?: string;
}) {
  const text = tabTitle ?? (typeof title === "string" ? title : undefined);
  useEffect(() => {
    if (text !== undefined) document.title = `${text} · Sundial`;
  }, [text]);
  return (
    <Group justify="space-between" align="flex-start" mb="lg" gap="sm">
      <Stack gap={4} style={{ minWidth: 0 }}>
        <Title order={1} size="h2" style={{ overflowWrap: "anywhere" }}>
          {title}
        </Title>
        {description && (
          <Text c="dimmed" size="sm">
            {description}
          </Text>
        )}
      </Stack>
      {actions && <Group gap="xs">{actions}</Group>}
    </Group>
  );
}
