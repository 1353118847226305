/**
 * A job as it happens, from `GET /jobs/{id}/events` (Server-Sent Events): its status,
 * progress and log lines, live, until it ends. The browser's EventSource sends the
 * session cookie and, on a reconnect, the last log line's id, so no line comes twice.
 */
import { useEffect, useState } from "react";
import { jobApi } from "../api/endpoints.js";
import type { Job, JobLog } from "../api/types.js";

/** Lines kept in the page; a longer log is read whole through the API. */
export const MAX_LINES = 20_000;

export type FeedState = "connecting" | "live" | "reconnecting" | "ended" | "failed";

export interface JobFeed {
  readonly job: Job | undefined;
  readonly logs: readonly JobLog[];
  readonly state: FeedState;
  /** The stream's own problem (`problem` event), in the server's words. */
  readonly problem: string | undefined;
  /** A command's answer: shown at once, before the stream says it too. */
  readonly setJob: (job: Job) => void;
}

export function useJobFeed(id: string, initial: Job | undefined): JobFeed {
  const [job, setJob] = useState<Job | undefined>(initial);
  const [logs, setLogs] = useState<JobLog[]>([]);
  const [state, setState] = useState<FeedState>("connecting");
  const [problem, setProblem] = useState<string | undefined>();

  useEffect(() => {
    setLogs([]);
    setState("connecting");
    setProblem(undefined);
    const source = new EventSource(jobApi.eventsUrl(id));
    const data = <T>(event: Event) => JSON.parse((event as MessageEvent<string>).data) as T;
    const lines: JobLog[] = [];
    let flush: number | undefined;
    // Lines come in bursts; one render per animation frame keeps a chatty job smooth.
    const queue = (line: JobLog) => {
      lines.push(line);
      flush ??= window.requestAnimationFrame(() => {
        flush = undefined;
        const fresh = lines.splice(0);
        setLogs((old) => {
          const seen = new Set(old.slice(-fresh.length * 2).map((l) => l.id));
          const next = old.concat(fresh.filter((l) => !seen.has(l.id)));
          return next.length > MAX_LINES ? next.slice(-MAX_LINES) : next;
        });
      });
    };
    source.onopen = () => setState("live");
    source.addEventListener("status", (event) => {
      setState("live");
      setJob(data<Job>(event));
    });
    source.addEventListener("progress", (event) => {
      const { progress } = data<{ progress: number }>(event);
      setJob((old) => (old === undefined ? old : { ...old, progress }));
    });
    source.addEventListener("log", (event) => queue(data<JobLog>(event)));
    source.addEventListener("end", (event) => {
      setJob(data<Job>(event));
      setState("ended");
      source.close();
    });
    source.addEventListener("problem", (event) => {
      setProblem(data<{ detail: string }>(event).detail);
      setState("failed");
      source.close();
    });
    source.onerror = () => {
      // CLOSED: the server refused (the session ended, say); else the browser reconnects.
      setState(source.readyState === EventSource.CLOSED ? "failed" : "reconnecting");
    };
    return () => {
      source.close();
      if (flush !== undefined) window.cancelAnimationFrame(flush);
    };
  }, [id]);

  return { job, logs, state, problem, setJob };
}
