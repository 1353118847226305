/**
 * The signed-in frame: a header (menu button on phones, the name, pause control, user
 * menu), the navigation, the maintenance banner and the page. Signed-out visitors are
 * sent to sign in and brought back to the page they asked for.
 */
import { AppShell, Burger, Center, Group, Loader, NavLink, ScrollArea, Text } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import {
  IconBook,
  IconCalendarTime,
  IconChecklist,
  IconDashboard,
  IconFolders,
  IconListDetails,
  IconPlugConnected,
  IconRadar,
  IconSun,
  IconUserCheck,
  IconUsers,
  IconUsersGroup,
} from "@tabler/icons-react";
import { useEffect } from "react";
import { Link, Navigate, Outlet, useLocation } from "react-router";
import { hasRole, useSession } from "../session/session.js";
import { PauseBanner, PauseControl, SchedulerStateProvider } from "./scheduler-state.js";
import { UserMenu } from "./user-menu.js";

const MAIN_LINKS = [
  { to: "/", label: "Dashboard", icon: IconDashboard, exact: true },
  { to: "/projects", label: "Projects", icon: IconFolders },
  {
    to: "/tasks",
    label: "All tasks",
    icon: IconChecklist,
    match: (path: string) => path.startsWith("/tasks") && path !== "/tasks/mine",
  },
  { to: "/tasks/mine", label: "My tasks", icon: IconUserCheck, exact: true },
  { to: "/schedules", label: "Schedules", icon: IconCalendarTime },
  { to: "/jobs", label: "Jobs", icon: IconListDetails },
  { to: "/scanner", label: "Task scanner", icon: IconRadar },
  { to: "/connections", label: "Connections", icon: IconPlugConnected },
] as const;

const ADMIN_LINKS = [
  { to: "/admin/users", label: "Users", icon: IconUsers },
  { to: "/admin/groups", label: "Groups", icon: IconUsersGroup },
] as const;

function NavItem({
  to,
  label,
  icon: Icon,
  exact,
  match,
  onClick,
}: {
  readonly to: string;
  readonly label: string;
  readonly icon: typeof IconDashboard;
  readonly exact?: boolean;
  /** Whether the page at `path` is this item's, when more than its prefix says. */
  readonly match?: (path: string) => boolean;
  readonly onClick: () => void;
}) {
  const { pathname } = useLocation();
  const active = match
    ? match(pathname)
    : exact
      ? pathname === to
      : pathname === to || pathname.startsWith(`${to}/`);
  return (
    <NavLink
      component={Link}
      to={to}
      label={label}
      leftSection={<Icon size={18} stroke={1.6} />}
      active={active}
      aria-current={active ? "page" : undefined}
      onClick={onClick}
      style={{ borderRadius: "var(--mantine-radius-sm)" }}
    />
  );
}

export function AppLayout() {
  const { me, signedOut } = useSession();
  const location = useLocation();
  const [opened, { toggle, close }] = useDisclosure(false);

  // A new page moves focus to it, so keyboard and screen-reader users start at its top.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on each navigation.
  useEffect(() => {
    document.getElementById("main")?.focus({ preventScroll: true });
  }, [location.pathname]);

  if (me === undefined) {
    return (
      <Center h="100vh">
        <Loader aria-label="Loading" />
      </Center>
    );
  }
  if (me === null) {
    const next = `${location.pathname}${location.search}`;
    const back = signedOut || next === "/" ? "" : `?next=${encodeURIComponent(next)}`;
    return <Navigate to={`/login${back}`} replace />;
  }

  return (
    <SchedulerStateProvider>
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <AppShell
        header={{ height: 56 }}
        navbar={{ width: 220, breakpoint: "sm", collapsed: { mobile: !opened } }}
        padding="md"
      >
        <AppShell.Header>
          <Group h="100%" px="md" justify="space-between" wrap="nowrap">
            <Group gap="xs" wrap="nowrap">
              <Burger
                opened={opened}
                onClick={toggle}
                hiddenFrom="sm"
                size="sm"
                aria-label={opened ? "Close navigation" : "Open navigation"}
              />
              <Link
                to="/"
                style={{ textDecoration: "none", color: "inherit" }}
                aria-label="Sundial: dashboard"
              >
                <Group gap={6} wrap="nowrap">
                  <IconSun size={24} color="var(--mantine-color-yellow-6)" aria-hidden />
                  <Text fw={700} size="lg">
                    Sundial
                  </Text>
                </Group>
              </Link>
            </Group>
            <Group gap="sm" wrap="nowrap">
              <PauseControl />
              <UserMenu />
            </Group>
          </Group>
        </AppShell.Header>
        <AppShell.Navbar p="xs" aria-label="Main">
          <AppShell.Section grow component={ScrollArea}>
            {MAIN_LINKS.map((link) => (
              <NavItem key={link.to} {...link} onClick={close} />
            ))}
            {hasRole(me, "admin") && (
              <>
                <Text size="xs" c="dimmed" fw={600} tt="uppercase" mt="md" mb={4} px="sm">
                  Administration
                </Text>
                {ADMIN_LINKS.map((link) => (
                  <NavItem key={link.to} {...link} onClick={close} />
                ))}
              </>
            )}
          </AppShell.Section>
          <AppShell.Section>
            <NavLink
              href="/api/docs/"
              label="API documentation"
              leftSection={<IconBook size={18} stroke={1.6} />}
              style={{ borderRadius: "var(--mantine-radius-sm)" }}
            />
          </AppShell.Section>
        </AppShell.Navbar>
        <AppShell.Main>
          <PauseBanner />
          <div
            id="main"
            tabIndex={-1}
            style={{ outline: "none", paddingTop: "var(--mantine-spacing-md)" }}
          >
            <Outlet />
          </div>
        </AppShell.Main>
      </AppShell>
    </SchedulerStateProvider>
  );
}
