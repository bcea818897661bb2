import { useEffect, useEffectEvent, useReducer, useState } from "react";
import type { AppError, SessionEvent, SessionStatus, SessionSummary, TokenUsage } from "../../bindings";
import { toAppError, useBackend } from "../../ipc";
import { applyItem, initialSessionState, type SessionState } from "./sessionState";
import { applyTimelineEvents, emptyTimeline, type Timeline } from "./timeline";

export interface SessionView {
  summary: SessionSummary | null;
  state: SessionState;
  /** The session's threads on one time axis (events are applied in batches, once per frame). */
  timeline: Timeline;
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
  const [timeline, setTimeline] = useState<Timeline>(emptyTimeline);

  useEffect(() => {
    let live = true;
    let stop: (() => void) | null = null;
    // Events for the timeline, gathered until the next frame: a burst (a stored log) lays out once.
    let batch: SessionEvent[] = [];
    let frame: number | null = null;
    const flush = () => {
      frame = null;
      const events = batch;
      batch = [];
      if (live) setTimeline((current) => applyTimelineEvents(current, events));
    };
    const later =
      typeof requestAnimationFrame === "function" ? requestAnimationFrame : (f: () => void) => window.setTimeout(f, 16);
    const cancel = typeof cancelAnimationFrame === "function" ? cancelAnimationFrame : window.clearTimeout;
    setTimeline(emptyTimeline);
    backend
      .watchSession(id, 0, (item) => {
        if (!live) return;
        dispatch(item);
        if (item.type === "event") {
          batch.push(item.event);
          frame ??= later(flush);
        }
      })
      .then(
        (unwatch) => {
          if (live) stop = unwatch;
          else unwatch();
        },
        (err: unknown) => live && setError(toAppError(err)),
      );
    return () => {
      live = false;
      stop?.();
      if (frame !== null) cancel(frame);
    };
  }, [backend, id]);

  // On open and whenever the session starts or stops: fetch the summary (totals, duration).
  const { statusSeq } = state;
  // A notification: a new `onStatusChange` function is no reason to fetch again.
  const statusChanged = useEffectEvent(() => onStatusChange?.());
  useEffect(() => {
    let live = true;
    backend.getSession(id).then(
      (next) => live && setSummary(next),
      (err: unknown) => live && setError(toAppError(err)),
    );
    if (statusSeq > 0) statusChanged();
    return () => {
      live = false;
    };
  }, [backend, id, statusSeq]);

  const fresh = summary === null || state.lastSeq > summary.last_seq;
  const complete = summary !== null && state.lastSeq >= summary.last_seq;
  const status: SessionStatus | null = fresh ? state.status : summary.status;
  return {
    summary,
    state,
    timeline,
    status,
    stopReason: fresh ? state.stopReason : (summary.stop_reason ?? null),
    turns: complete || !summary ? state.totals.turns : summary.turns,
    usage: complete || !summary ? state.totals.usage : summary.usage,
    costUsd: complete || !summary ? state.totals.costUsd : (summary.cost_usd ?? null),
    error,
    setSummary,
  };
}
