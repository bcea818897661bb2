import { useEffect, useState } from "react";
import type { Dream } from "../../bindings";
import { toAppError, useBackend } from "../../ipc";
import { Spinner } from "../../shared/Spinner";
import { formatCost, formatDuration, formatRelative } from "../../shared/format";
import { dreamBadge, ended, MODE_LABELS, sessionCount, STAGES } from "./format";

/** One dream of a store's history: its inputs, cost and outcome; progress and Cancel while it runs. */
export function DreamRow({ dream, onOpen }: { dream: Dream; onOpen(): void }) {
  const badge = dreamBadge(dream);
  const live = !ended(dream);
  const now = useNow(live);
  const took = (dream.finished_at ?? now) - dream.created_at;
  return (
    <li
      className={live ? "dream-row dream-row-live" : "dream-row"}
      data-testid="dream-row"
      data-status={dream.status}
      data-dream-id={dream.id}
      data-proposal={dream.proposal}
    >
      <span className="dream-pill">
        <span className={`badge status-pill status-${badge.tone}`} data-testid="dream-status">
          {badge.label}
        </span>
      </span>
      <div className="dream-main">
        <p className="dream-inputs">
          <strong>Read {sessionCount(dream.sessions.length)}</strong>
          <span className="dream-sep" aria-hidden="true">
            ·
          </span>
          <span className="mono" title="Model">
            {dream.model}
          </span>
          <span className="dream-sep" aria-hidden="true">
            ·
          </span>
          <span>{MODE_LABELS[dream.mode]}</span>
        </p>
        {dream.instructions !== "" && (
          <p
            className="dream-instructions selectable"
            data-testid="dream-row-instructions"
            title="The instructions it was given"
          >
            “{dream.instructions}”
          </p>
        )}
        {dream.error !== undefined && (
          <p
            className="dream-error selectable"
            data-testid="dream-error"
            role={dream.status === "failed" ? "alert" : undefined}
          >
            {dream.error}
          </p>
        )}
        {live && <DreamProgress dream={dream} />}
        {dream.status === "completed" && dream.proposal === "empty" && (
          <p className="muted small">It found nothing to change.</p>
        )}
      </div>
      <div className="dream-side">
        <time
          className="dream-time"
          dateTime={new Date(dream.created_at).toISOString()}
          title={new Date(dream.created_at).toLocaleString()}
        >
          {formatRelative(dream.created_at, now)}
        </time>
        <span className="dream-numbers">
          <span title={`${dream.model_calls} model calls`}>{formatCost(dream.cost_usd)}</span>
          <span title={live ? "Running for" : "It took"}>{formatDuration(took)}</span>
        </span>
        {dream.proposal !== undefined && (
          <button
            type="button"
            className={dream.proposal === "ready" ? "button button-small button-primary" : "button button-small"}
            onClick={onOpen}
            data-testid="dream-open-proposal"
          >
            {dream.proposal === "ready" ? "Review changes" : "Open proposal"}
          </button>
        )}
      </div>
    </li>
  );
}

/** Where a running dream is: its stage, the sessions read so far, and Cancel. */
function DreamProgress({ dream }: { dream: Dream }) {
  const backend = useBackend();
  const [cancelling, setCancelling] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const total = dream.sessions.length;
  const at = dream.stage ? STAGES.findIndex((s) => s.stage === dream.stage) : -1;
  // The extract stage moves with each session; the others count as one step each.
  const share =
    dream.status === "pending"
      ? 0
      : dream.stage === "extract"
        ? (dream.processed / Math.max(total, 1)) * 0.7
        : at === 1
          ? 0.78
          : 0.92;

  const cancel = async () => {
    setCancelling(true);
    setError(null);
    try {
      await backend.cancelDream(dream.id);
    } catch (err) {
      setError(toAppError(err).message);
      setCancelling(false);
    }
  };

  return (
    <div className="dream-progress" data-testid="dream-progress" data-stage={dream.stage ?? "pending"}>
      <ol className="dream-stages" aria-label="Stages">
        {STAGES.map((s, index) => (
          <li
            key={s.stage}
            className={index < at ? "dream-stage done" : index === at ? "dream-stage current" : "dream-stage"}
            aria-current={index === at ? "step" : undefined}
          >
            {index === at && <Spinner />}
            {s.label}
            {s.stage === "extract" && (
              <span className="dream-stage-count" data-testid="dream-processed">
                {" "}
                {dream.processed} of {total}
              </span>
            )}
          </li>
        ))}
      </ol>
      <div className="dream-progress-row">
        <div
          className="dream-bar"
          role="progressbar"
          aria-label={dream.status === "pending" ? "Starting" : `Sessions read: ${dream.processed} of ${total}`}
          aria-valuemin={0}
          aria-valuemax={total}
          aria-valuenow={dream.processed}
        >
          <span style={{ width: `${Math.round(share * 100)}%` }} />
        </div>
        <button
          type="button"
          className="button button-small"
          onClick={cancel}
          disabled={cancelling}
          data-testid="dream-cancel"
        >
          {cancelling && <Spinner />}
          Cancel
        </button>
      </div>
      <p className="muted small">
        {dream.status === "pending"
          ? "Starting…"
          : `${dream.model_calls === 1 ? "1 model call" : `${dream.model_calls} model calls`} so far. The store is not touched until the proposal is ${dream.mode === "auto" ? "applied at the end" : "reviewed"}.`}
      </p>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

/** The current time, ticking every second while `live`. */
function useNow(live: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    setNow(Date.now());
    if (!live) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [live]);
  return now;
}
