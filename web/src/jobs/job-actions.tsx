/**
 * The commands a job's status allows, for operators: Stop a running job, Cancel a pending
 * or stopped one, Resume a stopped one, Retry a failed or canceled one (a new job, which
 * the page then opens), and low priority for one that waits.
 */
import { Button, Group, Switch, Tooltip } from "@mantine/core";
import { IconPlayerPlay, IconPlayerStop, IconRefresh, IconX } from "@tabler/icons-react";
import { useNavigate } from "react-router";
import { type JobCommand, jobApi } from "../api/endpoints.js";
import { keys } from "../api/query-keys.js";
import type { Job } from "../api/types.js";
import { hasRole, useMe } from "../session/session.js";
import { useAction } from "../ui/action.js";
import { ConfirmButton } from "../ui/confirm-button.js";

export function JobActions({
  job,
  onChange,
}: {
  readonly job: Job;
  readonly onChange: (job: Job) => void;
}) {
  const me = useMe();
  const navigate = useNavigate();
  const [run, busy] = useAction();
  if (!hasRole(me, "operator")) return null;

  const command = async (name: JobCommand, done: string) => {
    const next = await run(() => jobApi.command(job.id, name), { done, invalidates: [keys.jobs] });
    if (next) onChange(next);
  };
  const { status } = job;
  const canRetry = status === "CANCELED" || (status === "FINISHED" && job.hasErrors);
  const waits = status === "PENDING" || status === "STOPPED";

  return (
    <Group gap="xs">
      {status === "RUNNING" && (
        <ConfirmButton
          color="orange"
          variant="light"
          leftSection={<IconPlayerStop size={16} />}
          loading={busy}
          title="Stop this job?"
          message="It is asked to stop and ends STOPPED, with its checkpoint; you can resume it later."
          confirmLabel="Stop"
          onConfirm={() => command("stop", "Asked the job to stop.")}
        >
          Stop
        </ConfirmButton>
      )}
      {status === "STOPPED" && (
        <Button
          variant="light"
          leftSection={<IconPlayerPlay size={16} />}
          loading={busy}
          onClick={() => command("resume", "Resumed: the job is back in line.")}
        >
          Resume
        </Button>
      )}
      {waits && (
        <ConfirmButton
          variant="light"
          leftSection={<IconX size={16} />}
          loading={busy}
          title="Cancel this job?"
          message="It ends CANCELED, for good. A retry would run it again as a new job."
          confirmLabel="Cancel the job"
          onConfirm={() => command("cancel", "Canceled.")}
        >
          Cancel
        </ConfirmButton>
      )}
      {canRetry && (
        <Button
          variant="light"
          leftSection={<IconRefresh size={16} />}
          loading={busy}
          onClick={async () => {
            const retried = await run(() => jobApi.retry(job.id), {
              done: "Retrying as a new job.",
              invalidates: [keys.jobs],
            });
            if (retried) navigate(`/jobs/${encodeURIComponent(retried.id)}`);
          }}
        >
          Retry
        </Button>
      )}
      <Tooltip label="Runs only when no normal job is waiting" disabled={!waits}>
        <Switch
          label="Low priority"
          checked={job.lowPriority}
          disabled={!waits || busy}
          onChange={(e) =>
            command(
              e.currentTarget.checked ? "low-priority" : "normal-priority",
              e.currentTarget.checked
                ? "Low priority: it waits for normal jobs."
                : "Normal priority again.",
            )
          }
        />
      </Tooltip>
    </Group>
  );
}
