/**
 * The three states every read has: loading (a skeleton), failed (the server's message and
 * a retry), and answered, which may be empty (an empty state that says what to do).
 */
import { EmptyState, Skeleton, Stack } from "@mantine/core";
import { IconInbox } from "@tabler/icons-react";
import type { ReactNode } from "react";
import type { QueryState } from "../api/use-query.js";
import { ErrorAlert } from "./error-alert.js";

export interface EmptyProps {
  readonly title: string;
  readonly description?: ReactNode;
  readonly action?: ReactNode;
  readonly icon?: ReactNode;
}

export function Empty({ title, description, action, icon }: EmptyProps) {
  return (
    <EmptyState
      py="xl"
      title={title}
      description={description}
      icon={icon ?? <IconInbox size={32} />}
      withIndicatorBackground
    >
      {action && <EmptyState.Actions>{action}</EmptyState.Actions>}
    </EmptyState>
  );
}

export function LoadingRows({ rows = 4 }: { readonly rows?: number }) {
  return (
    <Stack gap="xs" aria-busy="true" aria-label="Loading">
      {Array.from({ length: rows }, (_, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: placeholders with nothing but a place.
        <Skeleton key={i} height={28} radius="sm" />
      ))}
    </Stack>
  );
}

export function QueryView<T>({
  query,
  isEmpty,
  empty,
  rows,
  children,
}: {
  readonly query: QueryState<T>;
  readonly isEmpty?: (data: T) => boolean;
  readonly empty?: EmptyProps;
  readonly rows?: number;
  readonly children: (data: T) => ReactNode;
}) {
  const { data, error, loading, reload } = query;
  if (data === undefined) {
    if (error) return <ErrorAlert error={error} onRetry={reload} />;
    if (loading) return <LoadingRows {...(rows === undefined ? {} : { rows })} />;
    return null;
  }
  return (
    <>
      {error && <ErrorAlert error={error} title="Could not refresh" onRetry={reload} />}
      {empty && isEmpty?.(data) ? <Empty {...empty} /> : children(data)}
    </>
  );
}
