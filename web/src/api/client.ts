/**
 * One small fetch client for the API: the session cookie goes along (same origin), every
 * change carries the session's CSRF token, and a problem+json answer becomes an
 * {@link ApiError} with its stable `code`, its `detail` and the `field` at fault, so pages
 * show the server's own words and branch on the code.
 *
 * @example
 * const page = await api.get<SchedulePage>("/schedules", { enabled: true, _size: 50 });
 */

export const API_BASE = "/api/v1";

/** An answer that was not 2xx: the problem's code, message and field (docs/errors.md). */
export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly status: number,
    /** Stable: branch on it, never on the message. */
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** Values a query string may hold; undefined and empty strings are left out, arrays repeat. */
export type QueryValue = string | number | boolean | undefined | null | readonly string[];
export type Query = Readonly<Record<string, QueryValue>>;

let csrfToken: string | null = null;
let onUnauthorized: (() => void) | undefined;

/** The session's CSRF token, from login or `GET /auth/me`; `null` when signed out. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when a request answers 401 (the session ended): the app sends the user to sign in. */
export function setUnauthorizedHandler(handler: (() => void) | undefined): void {
  onUnauthorized = handler;
}

/** `?a=1&b=x` for the defined values of `query`. */
export function queryString(query: Query | undefined): string {
  if (query === undefined) return "";
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === "") continue;
    if (Array.isArray(value)) for (const item of value) params.append(key, item);
    else params.append(key, String(value));
  }
  const text = params.toString();
  return text === "" ? "" : `?${text}`;
}

const SAFE = new Set(["GET", "HEAD"]);

async function problemOf(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => "");
  try {
    const body = JSON.parse(text) as { code?: unknown; detail?: unknown; field?: unknown };
    if (typeof body.code === "string") {
      return new ApiError(
        response.status,
        body.code,
        typeof body.detail === "string" ? body.detail : body.code,
        typeof body.field === "string" ? body.field : undefined,
      );
    }
  } catch {
    // Not JSON: a proxy's error page, say. Said plainly below.
  }
  return new ApiError(
    response.status,
    "http",
    `The server answered ${response.status} ${response.statusText}`.trim(),
  );
}

export interface RequestOptions {
  readonly query?: Query;
  readonly body?: unknown;
  readonly signal?: AbortSignal;
  /** Don't call the unauthorized handler on 401 (the sign-in page and its first check). */
  readonly quiet401?: boolean;
}

/** Sends one request under `/api/v1`; answers the JSON body (undefined for 204). */
export async function request<T>(
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (options.body !== undefined) headers["content-type"] = "application/json";
  if (!SAFE.has(method) && csrfToken !== null) headers["x-csrf-token"] = csrfToken;
  let response: Response;
  try {
    response = await fetch(`${API_BASE}${path}${queryString(options.query)}`, {
      method,
      headers,
      credentials: "same-origin",
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw new ApiError(0, "network", "The server did not answer; check that it is running.");
  }
  if (!response.ok) {
    const problem = await problemOf(response);
    if (response.status === 401 && options.quiet401 !== true) onUnauthorized?.();
    throw problem;
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text === "" ? undefined : JSON.parse(text)) as T;
}

/** Short forms of {@link request}. */
export const api = {
  get: <T>(path: string, query?: Query, signal?: AbortSignal) =>
    request<T>("GET", path, {
      ...(query === undefined ? {} : { query }),
      ...(signal === undefined ? {} : { signal }),
    }),
  post: <T>(path: string, body?: unknown, query?: Query) =>
    request<T>("POST", path, {
      ...(body === undefined ? {} : { body }),
      ...(query === undefined ? {} : { query }),
    }),
  put: <T>(path: string, body?: unknown) =>
    request<T>("PUT", path, body === undefined ? {} : { body }),
  patch: <T>(path: string, body?: unknown) =>
    request<T>("PATCH", path, body === undefined ? {} : { body }),
  delete: <T = void>(path: string) => request<T>("DELETE", path),
};

/** `encodeURIComponent`, for ids in paths. */
export const seg = (id: string): string => encodeURIComponent(id);

/** The message to show for anything thrown. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
