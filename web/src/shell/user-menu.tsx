/** The signed-in user: their roles, API tokens, password, the API docs, and sign out. */
import { Avatar, Badge, Group, Menu, Text, UnstyledButton } from "@mantine/core";
import { IconBook, IconChevronDown, IconKey, IconLock, IconLogout } from "@tabler/icons-react";
import { Link } from "react-router";
import { useMe, useSession } from "../session/session.js";

export function UserMenu() {
  const me = useMe();
  const { signOut } = useSession();
  return (
    <Menu position="bottom-end" width={240} withinPortal>
      <Menu.Target>
        <UnstyledButton aria-label={`User menu of ${me.name}`} data-testid="user-menu">
          <Group gap={6} wrap="nowrap">
            <Avatar size="sm" radius="xl" color="yellow">
              {me.name.slice(0, 2).toUpperCase()}
            </Avatar>
            <Text size="sm" fw={500} visibleFrom="xs">
              {me.name}
            </Text>
            <IconChevronDown size={14} />
          </Group>
        </UnstyledButton>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>
          Signed in as {me.name}
          <Group gap={4} mt={4}>
            {me.roles.map((role) => (
              <Badge key={role} size="xs" variant="light">
                {role}
              </Badge>
            ))}
          </Group>
        </Menu.Label>
        <Menu.Item component={Link} to="/account/tokens" leftSection={<IconKey size={16} />}>
          API tokens
        </Menu.Item>
        <Menu.Item component={Link} to="/account/password" leftSection={<IconLock size={16} />}>
          Change password
        </Menu.Item>
        <Menu.Item component="a" href="/api/docs/" leftSection={<IconBook size={16} />}>
          API documentation
        </Menu.Item>
        <Menu.Divider />
        <Menu.Item
          color="red"
          leftSection={<IconLogout size={16} />}
          // The layout sends a signed-out user to the sign-in page.
          onClick={() => signOut().catch(() => undefined)}
        >
          Sign out
        </Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}
