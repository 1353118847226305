/**
 * A form's footer: its submit button for those who may change the thing, a line saying
 * who may for those who can't, and Cancel.
 */
import { Button, Group, Text } from "@mantine/core";
import { Link } from "react-router";

export function FormActions({
  canEdit,
  saving,
  creating,
  noun,
  cancelTo,
  disabled = false,
}: {
  readonly canEdit: boolean;
  readonly saving: boolean;
  /** A new one (`Create task`) rather than a stored one (`Save changes`). */
  readonly creating: boolean;
  /** What the form edits, singular: `task`. */
  readonly noun: string;
  /** Where Cancel leads. */
  readonly cancelTo: string;
  readonly disabled?: boolean;
}) {
  return (
    <Group mt="xl" gap="sm">
      {canEdit ? (
        <Button type="submit" loading={saving} disabled={disabled}>
          {creating ? `Create ${noun}` : "Save changes"}
        </Button>
      ) : (
        <Text size="sm" c="dimmed">
          Viewers can read {noun}s; an operator can change them.
        </Text>
      )}
      <Button variant="default" component={Link} to={cancelTo}>
        Cancel
      </Button>
    </Group>
  );
}
