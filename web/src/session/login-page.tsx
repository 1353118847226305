/**
 * Sign in. `?next=` says where to go afterwards: a page of the app, or a server page such
 * as `/api/docs/` (the API documentation signs in here too). Only paths on this server are
 * followed, so a crafted link can't send the user elsewhere.
 */
import {
  Alert,
  Button,
  Center,
  Paper,
  PasswordInput,
  Stack,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { IconAlertCircle, IconSun } from "@tabler/icons-react";
import { type FormEvent, useEffect, useState } from "react";
import { Navigate, useNavigate, useSearchParams } from "react-router";
import { ApiError, messageOf } from "../api/client.js";
import { authApi } from "../api/endpoints.js";
import { useSession } from "./session.js";

/** `next` when it is a path on this server, else the dashboard. */
export function localPath(next: string | null): string {
  if (next === null || next[0] !== "/" || next[1] === "/" || next[1] === "\\") return "/";
  return next;
}

/** Server pages (the API docs) are left to the browser; the app's pages to the router. */
function isServerPage(path: string): boolean {
  return path === "/api" || path.startsWith("/api/");
}

export function LoginPage() {
  const { me, expired, signedIn } = useSession();
  const [params] = useSearchParams();
  const next = localPath(params.get("next"));
  const navigate = useNavigate();
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    document.title = "Sign in · Sundial";
  }, []);

  // Already signed in: straight on (a server page is the browser's to load, not the router's).
  const leave = Boolean(me) && !busy;
  useEffect(() => {
    if (leave && isServerPage(next)) window.location.assign(next);
  }, [leave, next]);
  if (leave) return isServerPage(next) ? null : <Navigate to={next} replace />;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const who = await authApi.login(name, password);
      if (isServerPage(next)) {
        window.location.assign(next);
        return;
      }
      signedIn(who);
      navigate(next, { replace: true });
    } catch (caught) {
      setError(
        caught instanceof ApiError && caught.code === "unauthorized"
          ? "Wrong user name or password."
          : messageOf(caught),
      );
      setBusy(false);
    }
  }

  return (
    <Center mih="100vh" p="md" bg="var(--mantine-color-body)">
      <Paper withBorder shadow="sm" radius="md" p="xl" w={380} maw="100%">
        <form onSubmit={submit} aria-label="Sign in">
          <Stack gap="md">
            <Stack gap={4} align="center">
              <IconSun size={40} color="var(--mantine-color-yellow-6)" aria-hidden />
              <Title order={1} size="h2">
                Sundial
              </Title>
              <Text c="dimmed" size="sm">
                {isServerPage(next)
                  ? "Sign in to open the API documentation"
                  : "Sign in to your scheduler"}
              </Text>
            </Stack>
            {expired && !error && (
              <Alert color="yellow" variant="light">
                Your session ended; sign in again to carry on.
              </Alert>
            )}
            {error && (
              <Alert color="red" variant="light" icon={<IconAlertCircle />} role="alert">
                {error}
              </Alert>
            )}
            <TextInput
              label="User name"
              name="name"
              autoComplete="username"
              required
              autoFocus
              value={name}
              onChange={(event) => setName(event.currentTarget.value)}
            />
            <PasswordInput
              label="Password"
              name="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(event) => setPassword(event.currentTarget.value)}
            />
            <Button type="submit" loading={busy} fullWidth>
              Sign in
            </Button>
            <Text size="xs" c="dimmed" ta="center">
              On a new server, sign in as <code>admin</code> with the password its first start
              printed.
            </Text>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
