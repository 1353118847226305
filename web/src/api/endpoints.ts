/**
 * Every API call the UI makes, typed by the route schemas (./types.ts). Pages call these,
 * never `fetch`.
 */
import { api, request, seg } from "./client.js";
import type {
  ApiToken,
  ConfigDiff,
  ConfigVersion,
  Connection,
  ConnectionChange,
  ConnectionSummary,
  ConnectionTestResult,
  CreatedToken,
  DeliveryOutcome,
  ExportPreview,
  FileNamePreview,
  FileNamePreviewInput,
  Group,
  GroupInput,
  Job,
  JobFindQuery,
  JobLog,
  JobLogQuery,
  NewConnection,
  NewToken,
  NewUser,
  PasswordChange,
  Project,
  ProjectInput,
  ProjectSummary,
  ResultList,
  ScanRun,
  ScanRunListQuery,
  Schedule,
  ScheduleDetail,
  ScheduleInput,
  ScheduleListQuery,
  SchedulePage,
  SchedulerState,
  Task,
  TaskInput,
  TaskListQuery,
  TaskOverview,
  TaskPage,
  TriggerPreview,
  TriggerPreviewInput,
  User,
  UserChange,
  WhoAmI,
} from "./types.js";

export const authApi = {
  login: (name: string, password: string) =>
    request<WhoAmI>("POST", "/auth/login", { body: { name, password }, quiet401: true }),
  me: () => request<WhoAmI>("GET", "/auth/me", { quiet401: true }),
  logout: () => api.post<void>("/auth/logout"),
};

export const scheduleApi = {
  list: (query: ScheduleListQuery, signal?: AbortSignal) =>
    api.get<SchedulePage>("/schedules", query, signal),
  get: (id: string, signal?: AbortSignal) =>
    api.get<ScheduleDetail>(`/schedules/${seg(id)}`, undefined, signal),
  put: (id: string, input: ScheduleInput) => api.put<Schedule>(`/schedules/${seg(id)}`, input),
  create: (input: ScheduleInput) => api.post<Schedule>("/schedules", input),
  delete: (id: string) => api.delete(`/schedules/${seg(id)}`),
  preview: (input: TriggerPreviewInput, signal?: AbortSignal) =>
    request<TriggerPreview>("POST", "/triggers/preview", {
      body: input,
      ...(signal === undefined ? {} : { signal }),
    }),
};

export const schedulerApi = {
  state: (signal?: AbortSignal) => api.get<SchedulerState>("/scheduler/state", undefined, signal),
  pause: () => api.post<{ success: boolean }>("/scheduler", undefined, { _action: "pauseJobs" }),
  resume: () => api.post<{ success: boolean }>("/scheduler", undefined, { _action: "resumeJobs" }),
};

/** Job commands that answer the job as it then is. */
export type JobCommand = "stop" | "cancel" | "resume" | "low-priority" | "normal-priority";

export const jobApi = {
  find: (query: JobFindQuery, signal?: AbortSignal) =>
    api.get<ResultList<Job>>("/jobs", query, signal),
  get: (id: string, signal?: AbortSignal) => api.get<Job>(`/jobs/${seg(id)}`, undefined, signal),
  logs: (id: string, query: JobLogQuery, signal?: AbortSignal) =>
    api.get<ResultList<JobLog>>(`/jobs/${seg(id)}/logs`, query, signal),
  command: (id: string, command: JobCommand) =>
    command === "normal-priority"
      ? api.delete<Job>(`/jobs/${seg(id)}/low-priority`)
      : api.post<Job>(`/jobs/${seg(id)}/${command}`),
  retry: (id: string) => api.post<Job>(`/jobs/${seg(id)}/retry`),
  /** The Server-Sent Events address of a job (`EventSource` sends the session cookie). */
  eventsUrl: (id: string) => `/api/v1/jobs/${seg(id)}/events`,
};

export const tokenApi = {
  list: (signal?: AbortSignal) => api.get<ApiToken[]>("/tokens", undefined, signal),
  create: (input: NewToken) => api.post<CreatedToken>("/tokens", input),
  revoke: (id: string) => api.delete<ApiToken>(`/tokens/${seg(id)}`),
};

export const userApi = {
  list: (signal?: AbortSignal) => api.get<User[]>("/users", undefined, signal),
  create: (input: NewUser) => api.post<User>("/users", input),
  update: (name: string, change: UserChange) => api.patch<User>(`/users/${seg(name)}`, change),
  setPassword: (name: string, change: PasswordChange) =>
    api.put<void>(`/users/${seg(name)}/password`, change),
  disable: (name: string) => api.delete<User>(`/users/${seg(name)}`),
};

export const groupApi = {
  list: (signal?: AbortSignal) => api.get<Group[]>("/groups", undefined, signal),
  put: (name: string, input: GroupInput) => api.put<Group>(`/groups/${seg(name)}`, input),
  delete: (name: string) => api.delete(`/groups/${seg(name)}`),
};

export const connectionApi = {
  list: (signal?: AbortSignal) =>
    api.get<ResultList<ConnectionSummary>>("/connections", undefined, signal),
  get: (name: string, signal?: AbortSignal) =>
    api.get<Connection>(`/connections/${seg(name)}`, undefined, signal),
  create: (input: NewConnection) => api.post<Connection>("/connections", input),
  update: (name: string, change: ConnectionChange) =>
    api.put<Connection>(`/connections/${seg(name)}`, change),
  delete: (name: string) => api.delete(`/connections/${seg(name)}`),
  test: (name: string) => api.post<ConnectionTestResult>(`/connections/${seg(name)}/test`),
};

export const projectApi = {
  list: (query: { owner?: string; search?: string }, signal?: AbortSignal) =>
    api.get<ResultList<ProjectSummary>>("/projects", query, signal),
  get: (id: string, signal?: AbortSignal) =>
    api.get<Project>(`/projects/${seg(id)}`, undefined, signal),
  create: (input: ProjectInput) => api.post<Project>("/projects", input),
  update: (id: string, input: ProjectInput) => api.put<Project>(`/projects/${seg(id)}`, input),
  delete: (id: string) => api.delete(`/projects/${seg(id)}`),
  run: (id: string) => api.post<Job>(`/projects/${seg(id)}/run`),
};

/** Schedule entries as `PUT /tasks/{id}/schedules` takes them. */
export type ScheduleEntries = NonNullable<TaskInput["schedules"]>;

export const taskApi = {
  previewFileName: (input: FileNamePreviewInput, signal?: AbortSignal) =>
    request<FileNamePreview>("POST", "/file-names/preview", {
      body: input,
      ...(signal === undefined ? {} : { signal }),
    }),
  list: (query: TaskListQuery, signal?: AbortSignal) =>
    api.get<TaskPage>("/tasks", { ...query }, signal),
  get: (id: string, signal?: AbortSignal) => api.get<Task>(`/tasks/${seg(id)}`, undefined, signal),
  overview: (id: string, signal?: AbortSignal) =>
    api.get<TaskOverview>(`/tasks/${seg(id)}/overview`, undefined, signal),
  create: (input: TaskInput) => api.post<Task>("/tasks", input),
  update: (id: string, input: TaskInput) => api.put<Task>(`/tasks/${seg(id)}`, input),
  delete: (id: string) => api.delete(`/tasks/${seg(id)}`),
  run: (id: string) => api.post<Job>(`/tasks/${seg(id)}/run`),
  setEnabled: (id: string, enabled: boolean) =>
    api.post<Task>(`/tasks/${seg(id)}/${enabled ? "enable" : "disable"}`),
  reschedule: (id: string, schedules: ScheduleEntries) =>
    api.put<Task>(`/tasks/${seg(id)}/schedules`, { schedules }),
  duplicate: (id: string, query: { name?: string; project?: string } = {}) =>
    api.post<Task>(`/tasks/${seg(id)}/duplicate`, undefined, query),
  cancelRetry: (id: string) => api.post<{ canceled: Job[] }>(`/tasks/${seg(id)}/cancel-retry`),
  preview: (id: string, signal?: AbortSignal) =>
    api.get<ExportPreview>(`/tasks/${seg(id)}/preview`, undefined, signal),
  versions: (id: string, signal?: AbortSignal) =>
    api.get<ResultList<ConfigVersion>>(`/tasks/${seg(id)}/versions`, undefined, signal),
  diff: (id: string, from: number, to: number, signal?: AbortSignal) =>
    api.get<ConfigDiff>(`/tasks/${seg(id)}/versions/diff`, { from, to }, signal),
  resend: (id: string, fileId: string) =>
    api.post<DeliveryOutcome[]>(`/tasks/${seg(id)}/files/${seg(fileId)}/resend`),
};

export const fileApi = {
  /** The download address; the browser sends the session cookie. */
  contentUrl: (id: string) => `/api/v1/files/${seg(id)}/content`,
};

export const scannerApi = {
  list: (query: ScanRunListQuery, signal?: AbortSignal) =>
    api.get<ResultList<ScanRun>>("/scanner/runs", { ...query }, signal),
  get: (id: string, signal?: AbortSignal) =>
    api.get<ScanRun>(`/scanner/runs/${seg(id)}`, undefined, signal),
  /** Starts a run of the schedule's scan now; answers it without waiting for its end. */
  execute: (schedule: string) =>
    api.post<ScanRun>(`/scanner/schedules/${seg(schedule)}/execute`, undefined, {
      waitForCompletion: false,
    }),
  cancel: (id: string) => api.post<ScanRun>(`/scanner/runs/${seg(id)}/cancel`),
};
