import { useEffect, useReducer, useState } from "react";
import type { AppError, SessionStatus, SessionSummary, TokenUsage } from "../../bindings";
import { toAppError, useBackend } from "../../ipc";
import { applyItem, initialSessionState, type SessionState } from "./sessionState";

export interface SessionView {
  summary: SessionSummary | null;
  state: SessionState;
  /** The summary's status until events newer than it arrive, then what they say. */
  status: SessionStatus | null;
  stopReason: SessionState["stopReason"];
  turns: number;
  usage: TokenUsage | null;
  costUsd: number | null;
  error: AppError | null;
  /** Take a summary a call returned (continue, resume) as the newest one. */
  setSummary(summary: SessionSummary): void;
}

/**
 * Follows one session: its summary, and its events (stored, then live) through the reducer.
 * `onStatusChange` runs whenever the session starts or stops.
 */
export function useSession(id: string, initial: SessionSummary | null, onStatusChange?: () => void): SessionView {
  const backend = useBackend();
  const [summary, setSummary] = useState<SessionSummary | null>(initial);
  const [state, dispatch] = useReducer(applyItem, initialSessionState);
  const [error, setError] = useState<AppError | null>(null);

  useEffect(() => {
    let live = true;
    let stop: (() => void) | null = null;
    backend.watchSession(id, 0, (item) => live && dispatch(item)).then(
      (unwatch) => {
        if (live) stop = unwatch;
        else unwatch();
      },
      (err: unknown) => live && setError(toAppError(err)),
    );
    return () => {
      live = false;
      stop?.();
    };
  }, [backend, id]);

  // On open and whenever the session starts or stops: fetch the summary (totals, duration).
  const { statusSeq } = state;
  useEffect(() => {
    let live = true;
    backend.getSession(id).then(
      (next) => live && setSummary(next),
      (err: unknown) => live && setError(toAppError(err)),
    );
    if (statusSeq > 0) onStatusChange?.();
    return () => {
      live = false;
    };
    // onStatusChange is a notification; a new function must not refetch.
  }, [backend, id, statusSeq]);

  const fresh = summary === null || state.lastSeq > summary.last_seq;
  const complete = summary !== null && state.lastSeq >= summary.last_seq;
  const status: SessionStatus | null = fresh ? state.status : summary.status;
  return {
    summary,
    state,
    status,
    stopReason: fresh ? state.stopReason : (summary.stop_reason ?? null),
    turns: complete || !summary ? state.totals.turns : summary.turns,
    usage: complete || !summary ? state.totals.usage : summary.usage,
    costUsd: complete || !summary ? state.totals.costUsd : (summary.cost_usd ?? null),
    error,
    setSummary,
  };
}
