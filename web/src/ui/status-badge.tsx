/** A job's status, in the same colours everywhere; an error flag shows as its own badge. */
import { Badge, Group } from "@mantine/core";
import type { Job, JobStatus } from "../api/types.js";

const COLOURS: Readonly<Record<JobStatus, string>> = {
  PENDING: "gray",
  RUNNING: "blue",
  STOPPING: "orange",
  STOPPED: "yellow",
  FINISHED: "green",
  CANCELED: "dark",
};

export function StatusBadge({
  job,
}: {
  readonly job: Pick<Job, "status" | "hasErrors" | "reason">;
}) {
  const failed = job.hasErrors && job.status === "FINISHED";
  return (
    <Group gap={4}>
      <Badge
        style={{ flexShrink: 0 }}
        color={failed ? "red" : COLOURS[job.status]}
        variant={job.status === "RUNNING" ? "filled" : "light"}
        data-status={job.status}
      >
        {job.status}
      </Badge>
      {job.hasErrors && !failed && (
        <Badge color="red" variant="outline" style={{ flexShrink: 0 }}>
          errors
        </Badge>
      )}
      {job.reason && (
        <Badge color="gray" variant="outline" tt="none" style={{ flexShrink: 0 }}>
          {job.reason}
        </Badge>
      )}
    </Group>
  );
}
