/** An API error as the server said it: its message, its code, and a way to try again. */
import { Alert, Button, Group, Text } from "@mantine/core";
import { IconAlertTriangle } from "@tabler/icons-react";
import { ApiError } from "../api/client.js";

export function ErrorAlert({
  error,
  title = "Something went wrong",
  onRetry,
}: {
  readonly error: Error;
  readonly title?: string;
  readonly onRetry?: () => void;
}) {
  const code = error instanceof ApiError ? error.code : undefined;
  return (
    <Alert color="red" variant="light" title={title} icon={<IconAlertTriangle />} role="alert">
      <Text size="sm">{error.message}</Text>
      <Group mt="xs" gap="sm">
        {code && (
          <Text size="xs" c="dimmed">
            code: <code>{code}</code>
          </Text>
        )}
        {onRetry && (
          <Button size="xs" variant="light" color="red" onClick={onRetry}>
            Try again
          </Button>
        )}
      </Group>
    </Alert>
  );
}
