/**
 * A form's refusal from the server: the alert at the top (focused, so keyboard and screen
 * reader users hear it), and `fieldError(field)` for the input that the problem names.
 */
import { Alert } from "@mantine/core";
import { IconAlertCircle } from "@tabler/icons-react";
import { useEffect } from "react";
import { ApiError } from "../api/client.js";

/** The server's message when it names `field` exactly. */
export function fieldErrorOf(problem: Error | undefined) {
  return (field: string): string | undefined =>
    problem instanceof ApiError && problem.field === field ? problem.message : undefined;
}

export function FormProblem({ problem }: { readonly problem: Error | undefined }) {
  useEffect(() => {
    if (problem) document.getElementById("form-problem")?.focus();
  }, [problem]);
  if (!problem) return null;
  return (
    <Alert
      id="form-problem"
      tabIndex={-1}
      color="red"
      variant="light"
      icon={<IconAlertCircle />}
      title={problem instanceof ApiError ? `Not saved (${problem.code})` : "Not saved"}
      mb="md"
      role="alert"
      data-testid="form-problem"
    >
      {problem.message}
    </Alert>
  );
}
