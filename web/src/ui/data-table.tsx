/**
 * The list tables' shell: scrolling on a narrow screen, striped rows, a header row of
 * plain column names and, for a last column of buttons, a header only screen readers
 * announce. Rows are the caller's.
 */
import { Table } from "@mantine/core";
import type { ReactNode } from "react";

export function DataTable({
  label,
  minWidth,
  columns,
  actions = false,
  highlight = false,
  testId,
  children,
}: {
  /** What the table is, for screen readers: `Users`. */
  readonly label: string;
  /** Below this width (px) the table scrolls sideways instead of squeezing. */
  readonly minWidth: number;
  readonly columns: readonly string[];
  /** A last column of buttons, with no visible header. */
  readonly actions?: boolean;
  /** Rows light up under the pointer: for rows that lead somewhere. */
  readonly highlight?: boolean;
  readonly testId?: string;
  readonly children: ReactNode;
}) {
  return (
    <Table.ScrollContainer minWidth={minWidth}>
      <Table
        striped
        highlightOnHover={highlight}
        verticalSpacing="xs"
        aria-label={label}
        data-testid={testId}
      >
        <Table.Thead>
          <Table.Tr>
            {columns.map((column) => (
              <Table.Th key={column}>{column}</Table.Th>
            ))}
            {actions && (
              <Table.Th>
                <span className="sr-only">Actions</span>
              </Table.Th>
            )}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>{children}</Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
