/**
 * Maintenance mode, seen from every page: a banner while firing is paused on every node,
 * and the pause and resume controls for operators. The state is read every 15 s, so a
 * pause made elsewhere (the CLI, another browser) shows up here too.
 */
import { Alert, Button, Group, Text } from "@mantine/core";
import { IconPlayerPause, IconPlayerPlay } from "@tabler/icons-react";
import { createContext, type ReactNode, useContext } from "react";
import { schedulerApi } from "../api/endpoints.js";
import { keys } from "../api/query-keys.js";
import type { SchedulerState } from "../api/types.js";
import { type QueryState, useQuery } from "../api/use-query.js";
import { hasRole, useMe } from "../session/session.js";
import { useAction } from "../ui/action.js";
import { ConfirmButton } from "../ui/confirm-button.js";

const StateContext = createContext<QueryState<SchedulerState> | undefined>(undefined);

export function SchedulerStateProvider({ children }: { readonly children: ReactNode }) {
  const state = useQuery(keys.schedulerState, (signal) => schedulerApi.state(signal), {
    refreshMs: 15_000,
  });
  return <StateContext.Provider value={state}>{children}</StateContext.Provider>;
}

function useSchedulerState(): QueryState<SchedulerState> {
  const state = useContext(StateContext);
  if (state === undefined) throw new Error("outside <SchedulerStateProvider>");
  return state;
}

function useToggle() {
  const [run, busy] = useAction();
  const change = (paused: boolean) =>
    run(() => (paused ? schedulerApi.pause() : schedulerApi.resume()), {
      done: paused ? "Paused: nothing fires until you resume." : "Resumed: schedules fire again.",
      invalidates: [keys.schedulerState, keys.schedules],
    });
  return { change, busy };
}

/** Shown at the top of every page while paused. */
export function PauseBanner() {
  const me = useMe();
  const { data } = useSchedulerState();
  const { change, busy } = useToggle();
  if (!data?.paused) return null;
  return (
    <Alert
      color="orange"
      variant="filled"
      radius="sm"
      icon={<IconPlayerPause />}
      data-testid="pause-banner"
      role="status"
      styles={{ wrapper: { alignItems: "center" } }}
    >
      <Group justify="space-between" gap="sm">
        <Text size="sm" fw={500}>
          Maintenance mode: the scheduler is paused on every node. Nothing fires; running jobs carry
          on, and missed fires follow their misfire policy on resume.
        </Text>
        {hasRole(me, "operator") && (
          <Button
            size="xs"
            color="dark"
            variant="white"
            leftSection={<IconPlayerPlay size={14} />}
            loading={busy}
            onClick={() => change(false)}
          >
            Resume all
          </Button>
        )}
      </Group>
    </Alert>
  );
}

/** The header's control: pause all (asked first); while paused the banner offers resume. */
export function PauseControl() {
  const me = useMe();
  const { data } = useSchedulerState();
  const { change, busy } = useToggle();
  if (!hasRole(me, "operator") || data === undefined || data.paused) return null;
  return (
    <ConfirmButton
      variant="subtle"
      color="orange"
      size="compact-sm"
      leftSection={<IconPlayerPause size={16} />}
      loading={busy}
      title="Pause every schedule?"
      message="Maintenance mode: no schedule fires, on any node, until you resume. Jobs already running carry on. Fires missed meanwhile follow their schedule's misfire policy on resume."
      confirmLabel="Pause all"
      onConfirm={() => change(true)}
    >
      Pause all
    </ConfirmButton>
  );
}
