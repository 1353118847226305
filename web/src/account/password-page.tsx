/** Changing one's own password: the current one is asked for; other sessions end. */
import { Alert, Button, Paper, PasswordInput, Stack } from "@mantine/core";
import { type FormEvent, useState } from "react";
import { userApi } from "../api/endpoints.js";
import { useMe } from "../session/session.js";
import { notifyDone } from "../ui/action.js";
import { PageHeader } from "../ui/page-header.js";

const MIN = 12;

export function AccountPasswordPage() {
  const me = useMe();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [again, setAgain] = useState("");
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const mismatch = again !== "" && again !== next;

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (mismatch) return;
    setBusy(true);
    setError(undefined);
    try {
      await userApi.setPassword(me.name, { password: next, currentPassword: current });
      notifyDone("Password changed; your other sessions ended.");
      setCurrent("");
      setNext("");
      setAgain("");
    } catch (caught) {
      setError((caught as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <PageHeader
        title="Change password"
        description={`For ${me.name}. Your other browser sessions end; API tokens keep working.`}
      />
      <Paper withBorder p="lg" radius="md" maw={440}>
        <form onSubmit={submit}>
          <Stack gap="md">
            {error && (
              <Alert color="red" variant="light" role="alert">
                {error}
              </Alert>
            )}
            <PasswordInput
              label="Current password"
              autoComplete="current-password"
              value={current}
              onChange={(e) => setCurrent(e.currentTarget.value)}
              required
            />
            <PasswordInput
              label="New password"
              description={`${MIN} characters or more`}
              autoComplete="new-password"
              value={next}
              onChange={(e) => setNext(e.currentTarget.value)}
              minLength={MIN}
              required
            />
            <PasswordInput
              label="New password again"
              autoComplete="new-password"
              value={again}
              onChange={(e) => setAgain(e.currentTarget.value)}
              error={mismatch ? "The two new passwords differ" : undefined}
              required
            />
            <Button
              type="submit"
              loading={busy}
              disabled={mismatch}
              style={{ alignSelf: "flex-start" }}
            >
              Change password
            </Button>
          </Stack>
        </form>
      </Paper>
    </>
  );
}
