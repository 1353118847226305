/**
 * The pieces of a form's list of like items (destinations, notifications, schedules):
 * each item's title with its remove button, and the button that adds one.
 */
import { ActionIcon, Button, Group, Text } from "@mantine/core";
import { IconPlus, IconTrash } from "@tabler/icons-react";

/** `Destination 2` and a trash button named `Remove destination 2`. */
export function ItemTitle({
  noun,
  index,
  onRemove,
  disabled = false,
  mb,
}: {
  /** What an item is, capitalised: `Destination`. */
  readonly noun: string;
  readonly index: number;
  readonly onRemove: () => void;
  readonly disabled?: boolean;
  readonly mb?: "xs";
}) {
  const title = `${noun} ${index + 1}`;
  return (
    <Group justify="space-between" wrap="nowrap" {...(mb === undefined ? {} : { mb })}>
      <Text fw={500} size="sm">
        {title}
      </Text>
      <ActionIcon
        variant="subtle"
        color="red"
        aria-label={`Remove ${title.toLowerCase()}`}
        onClick={onRemove}
        disabled={disabled}
      >
        <IconTrash size={16} />
      </ActionIcon>
    </Group>
  );
}

/** `Add a destination`, under the list. */
export function AddItemButton({
  label,
  onClick,
  disabled = false,
}: {
  readonly label: string;
  readonly onClick: () => void;
  readonly disabled?: boolean;
}) {
  return (
    <Button
      variant="default"
      leftSection={<IconPlus size={16} />}
      onClick={onClick}
      style={{ alignSelf: "flex-start" }}
      disabled={disabled}
    >
      {label}
    </Button>
  );
}
