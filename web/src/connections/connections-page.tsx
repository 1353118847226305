/** Stored connections by name and type; operators open one to edit and test it. */
import { Anchor, Badge, Button, Table, Text } from "@mantine/core";
import { IconPlugConnected, IconPlus } from "@tabler/icons-react";
import { Link } from "react-router";
import { connectionApi } from "../api/endpoints.js";
import { keys } from "../api/query-keys.js";
import { useQuery } from "../api/use-query.js";
import { hasRole, useMe } from "../session/session.js";
import { DataTable } from "../ui/data-table.js";
import { PageHeader } from "../ui/page-header.js";
import { QueryView } from "../ui/query-view.js";
import { Instant } from "../ui/time.js";
import { CONNECTION_TYPE_LABELS } from "./connection-fields.js";

export function ConnectionsPage() {
  const me = useMe();
  const canEdit = hasRole(me, "operator");
  const list = useQuery(keys.connections, (signal) => connectionApi.list(signal));
  return (
    <>
      <PageHeader
        title="Connections"
        description="Databases to read, servers to upload to, mail servers and keys that exports use. Secrets are stored encrypted and never shown."
        actions={
          canEdit && (
            <Button component={Link} to="/connections/new" leftSection={<IconPlus size={18} />}>
              New connection
            </Button>
          )
        }
      />
      <QueryView
        query={list}
        isEmpty={(data) => data.result.length === 0}
        empty={{
          icon: <IconPlugConnected size={32} />,
          title: "No connections yet",
          description: "Add the database an export reads, or the server it uploads to.",
          ...(canEdit
            ? {
                action: (
                  <Button component={Link} to="/connections/new">
                    Add a connection
                  </Button>
                ),
              }
            : {}),
        }}
      >
        {(data) => (
          <DataTable
            label="Connections"
            minWidth={600}
            columns={["Name", "Type", "Description", "Changed"]}
            highlight
          >
            {data.result.map((connection) => (
              <Table.Tr key={connection.name} data-connection={connection.name}>
                <Table.Td>
                  {canEdit ? (
                    <Anchor
                      component={Link}
                      to={`/connections/${encodeURIComponent(connection.name)}`}
                      fw={500}
                    >
                      {connection.name}
                    </Anchor>
                  ) : (
                    <Text fw={500} size="sm">
                      {connection.name}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <Badge variant="light">
                    {CONNECTION_TYPE_LABELS[connection.type] ?? connection.type}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" c={connection.description ? undefined : "dimmed"}>
                    {connection.description ?? "—"}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Instant value={connection.updatedAt} />
                  {connection.updatedBy && (
                    <Text size="xs" c="dimmed">
                      by {connection.updatedBy}
                    </Text>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </DataTable>
        )}
      </QueryView>
    </>
  );
}
