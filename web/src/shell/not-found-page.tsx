import { Button } from "@mantine/core";
import { IconMapQuestion } from "@tabler/icons-react";
import { Link } from "react-router";
import { PageHeader } from "../ui/page-header.js";
import { Empty } from "../ui/query-view.js";

export function NotFoundPage() {
  return (
    <>
      <PageHeader title="Page not found" />
      <Empty
        icon={<IconMapQuestion size={32} />}
        title="No page has this address"
        description="It may have been mistyped, or the link is from an older version of Sundial."
        action={
          <Button component={Link} to="/">
            Go to the dashboard
          </Button>
        }
      />
    </>
  );
}
