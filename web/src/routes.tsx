/** Every page and its address; each address can be bookmarked and shared. */
import { createBrowserRouter } from "react-router";
import { AccountPasswordPage } from "./account/password-page.js";
import { TokensPage } from "./account/tokens-page.js";
import { GroupsPage } from "./admin/groups-page.js";
import { UsersPage } from "./admin/users-page.js";
import { ConnectionFormPage } from "./connections/connection-form-page.js";
import { ConnectionsPage } from "./connections/connections-page.js";
import { DashboardPage } from "./dashboard/dashboard-page.js";
import { JobPage } from "./jobs/job-page.js";
import { JobsPage } from "./jobs/jobs-page.js";
import { ProjectFormPage } from "./projects/project-form-page.js";
import { ProjectPage } from "./projects/project-page.js";
import { ProjectsPage } from "./projects/projects-page.js";
import { ScannerPage } from "./scanner/scanner-page.js";
import { ScheduleFormPage } from "./schedules/schedule-form-page.js";
import { SchedulesPage } from "./schedules/schedules-page.js";
import { LoginPage } from "./session/login-page.js";
import { AppLayout } from "./shell/app-layout.js";
import { NotFoundPage } from "./shell/not-found-page.js";
import { TaskFormPage } from "./tasks/task-form-page.js";
import { TaskPage } from "./tasks/task-page.js";
import { TasksPage } from "./tasks/tasks-page.js";

export const router = createBrowserRouter([
  { path: "/login", element: <LoginPage /> },
  {
    element: <AppLayout />,
    children: [
      { index: true, element: <DashboardPage /> },
      { path: "schedules", element: <SchedulesPage /> },
      { path: "schedules/new", element: <ScheduleFormPage /> },
      { path: "schedules/:id/edit", element: <ScheduleFormPage /> },
      { path: "projects", element: <ProjectsPage /> },
      { path: "projects/new", element: <ProjectFormPage /> },
      { path: "projects/:id", element: <ProjectPage /> },
      { path: "projects/:id/edit", element: <ProjectFormPage /> },
      { path: "tasks", element: <TasksPage /> },
      { path: "tasks/mine", element: <TasksPage key="mine" mine /> },
      { path: "tasks/new", element: <TaskFormPage /> },
      { path: "tasks/:id", element: <TaskPage /> },
      { path: "tasks/:id/edit", element: <TaskFormPage /> },
      { path: "jobs", element: <JobsPage /> },
      { path: "jobs/:id", element: <JobPage /> },
      { path: "scanner", element: <ScannerPage /> },
      { path: "connections", element: <ConnectionsPage /> },
      { path: "connections/new", element: <ConnectionFormPage /> },
      { path: "connections/:name", element: <ConnectionFormPage /> },
      { path: "account/tokens", element: <TokensPage /> },
      { path: "account/password", element: <AccountPasswordPage /> },
      { path: "admin/users", element: <UsersPage /> },
      { path: "admin/groups", element: <GroupsPage /> },
      { path: "*", element: <NotFoundPage /> },
    ],
  },
]);
