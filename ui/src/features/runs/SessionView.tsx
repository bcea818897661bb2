import { useEffect, useLayoutEffect, useRef, useState, type FormEvent } from "react";
import type { SessionSummary } from "../../bindings";
import { toAppError, useBackend } from "../../ipc";
import { BackIcon } from "../../shared/icons";
import { Spinner } from "../../shared/Spinner";
import { browserStorage, readItem, writeItem } from "../../shared/storage";
import { formatCost, formatCount, formatDuration } from "../../shared/format";
import { OutcomePanel } from "./OutcomePanel";
import { SessionMemory } from "./SessionMemory";
import { StatusPill } from "./StatusPill";
import { TimelineView } from "./TimelineView";
import { Transcript } from "./Transcript";
import { useSession } from "./useSession";

interface SessionViewProps {
  id: string;
  /** What the list or "Start" already knows, shown until the session's own answer arrives. */
  initial: SessionSummary | null;
  onBack(): void;
  onStatusChange(): void;
  /** An event to show in the transcript (evidence quoted by a dream), instead of following the end. */
  focusSeq?: number | null;
}

/** How close to the bottom (px) still counts as "at the bottom" for following a live session. */
const STICK_PX = 48;

type Tab = "transcript" | "timeline";
const TABS: ReadonlyArray<{ tab: Tab; label: string }> = [
  { tab: "transcript", label: "Transcript" },
  { tab: "timeline", label: "Timeline" },
];
/** The view a session opens in: the one chosen last. */
const TAB_KEY = "reverie.sessionTab";

export function SessionView({ id, initial, onBack, onStatusChange, focusSeq = null }: SessionViewProps) {
  const backend = useBackend();
  const view = useSession(id, initial, onStatusChange);
  const { summary, state, status } = view;
  const [actionError, setActionError] = useState<string | null>(null);
  const [busy, setBusy] = useState<"cancel" | "resume" | null>(null);
  const root = useRef<HTMLElement>(null);
  // Opened at an event, it stays there rather than following the end.
  const stuck = useRef(focusSeq === null);
  const now = useNow(status === "running");
  const [tab, setTab] = useState<Tab>(() =>
    focusSeq === null && readItem(browserStorage(), TAB_KEY) === "timeline" ? "timeline" : "transcript",
  );
  const choose = (next: Tab) => {
    setTab(next);
    writeItem(browserStorage(), TAB_KEY, next);
  };

  // Follow the bottom while live, unless the user scrolled up to read.
  useEffect(() => {
    const scroller = root.current?.closest("main");
    if (!scroller) return;
    const onScroll = () => {
      stuck.current = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < STICK_PX;
    };
    scroller.addEventListener("scroll", onScroll, { passive: true });
    return () => scroller.removeEventListener("scroll", onScroll);
  }, []);
  useLayoutEffect(() => {
    const scroller = root.current?.closest("main");
    if (scroller && stuck.current && tab === "transcript") scroller.scrollTop = scroller.scrollHeight;
  }, [state.items, state.streaming, tab]);

  const run = async (what: "cancel" | "resume") => {
    setBusy(what);
    setActionError(null);
    try {
      if (what === "cancel") await backend.cancelSession(id);
      else view.setSummary(await backend.continueSession(id, null));
    } catch (error) {
      setActionError(toAppError(error).message);
    } finally {
      setBusy(null);
    }
  };

  const running = status === "running";
  // Interrupted, or stopped early (an error, a cancel, the turn limit): it can go on from its log.
  const resumable =
    status === "interrupted" || (status === "idle" && view.stopReason !== null && view.stopReason !== "end_turn");
  const open = state.totals.runningSince;
  const duration = Math.max(
    summary?.duration_ms ?? 0,
    state.totals.durationMs + (running && open !== null ? Math.max(0, now - open) : 0),
  );
  const usage = view.usage;

  return (
    <section
      className="session-view"
      ref={root}
      data-testid="session-view"
      data-session-id={id}
      data-status={status ?? "loading"}
      data-tab={tab}
      aria-labelledby="session-title"
    >
      <header className="session-header">
        <div className="session-header-top">
          <button
            type="button"
            className="button button-quiet button-small back-button"
            onClick={onBack}
            data-testid="back-to-runs"
          >
            <BackIcon />
            Runs
          </button>
          <div className="session-actions">
            {running && (
              <button
                type="button"
                className="button button-small"
                onClick={() => run("cancel")}
                disabled={busy !== null}
                data-testid="session-cancel"
              >
                {busy === "cancel" && <Spinner />}
                Cancel run
              </button>
            )}
            {resumable && (
              <button
                type="button"
                className="button button-small button-primary"
                onClick={() => run("resume")}
                disabled={busy !== null}
                data-testid="session-resume"
                title={status === "interrupted" ? undefined : "Go on from where the log ends, without a new message"}
              >
                {busy === "resume" && <Spinner />}
                {status === "interrupted" ? "Resume" : "Continue"}
              </button>
            )}
          </div>
        </div>
        <div className="session-title-row">
          <h1 id="session-title" className="session-title">
            {summary?.agent_name ?? "Session"}
          </h1>
          {status && (
            <span data-testid="session-status" data-status={status}>
              <StatusPill status={status} reason={view.stopReason} />
            </span>
          )}
        </div>
        {summary && (
          <dl className="session-facts">
            <div className="fact fact-wide">
              <dt>Workspace</dt>
              <dd className="mono selectable" title={summary.workspace}>
                {summary.workspace}
              </dd>
            </div>
            <div className="fact">
              <dt>Turns</dt>
              <dd>{view.turns}</dd>
            </div>
            <div className="fact">
              <dt>Tokens</dt>
              <dd data-testid="session-usage">
                {usage && (
                  <>
                    <span title="Input tokens">{formatCount(usage.input_tokens)} in</span>
                    <span title="Output tokens">{formatCount(usage.output_tokens)} out</span>
                    <span title="Tokens read from the prompt cache">
                      {formatCount(usage.cache_read_tokens)} cache read
                    </span>
                    <span title="Tokens written to the prompt cache">
                      {formatCount(usage.cache_write_tokens)} cache write
                    </span>
                  </>
                )}
              </dd>
            </div>
            <div className="fact">
              <dt>Cost</dt>
              <dd
                data-testid="session-cost"
                title={view.costUsd === null ? "The price of this model is not known" : undefined}
              >
                {formatCost(view.costUsd)}
              </dd>
            </div>
            <div className="fact">
              <dt>Time</dt>
              <dd data-testid="session-duration">{formatDuration(duration)}</dd>
            </div>
          </dl>
        )}
        {actionError && (
          <p className="form-error" role="alert">
            {actionError}
          </p>
        )}
        <SessionMemory sessionId={id} status={status} />
      </header>

      {state.outcome && <OutcomePanel outcome={state.outcome} live={running} />}

      {view.error && (
        <div className="inline-error" role="alert">
          <span>{view.error.message}</span>
        </div>
      )}

      <div className="session-tabs" role="tablist" aria-label="Show the session as">
        {TABS.map(({ tab: t, label }, index) => (
          <button
            key={t}
            type="button"
            role="tab"
            id={`${id}-tab-${t}`}
            className="session-tab"
            aria-selected={tab === t}
            aria-controls={`${id}-panel-${t}`}
            tabIndex={tab === t ? 0 : -1}
            onClick={() => choose(t)}
            onKeyDown={(event) => {
              if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
              event.preventDefault();
              const next = TABS[(index + (event.key === "ArrowRight" ? 1 : TABS.length - 1)) % TABS.length]!.tab;
              choose(next);
              document.getElementById(`${id}-tab-${next}`)?.focus();
            }}
            data-testid={`session-tab-${t}`}
          >
            {label}
            {t === "timeline" && view.timeline.lanes.length > 1 && (
              <span className="session-tab-count" title={`${view.timeline.lanes.length} threads`}>
                {view.timeline.lanes.length}
              </span>
            )}
          </button>
        ))}
      </div>

      <div role="tabpanel" id={`${id}-panel-${tab}`} aria-labelledby={`${id}-tab-${tab}`} className="session-tab-panel">
        {tab === "transcript" ? (
          <Transcript sessionId={id} state={state} running={running} focusSeq={focusSeq} />
        ) : (
          <TimelineView
            sessionId={id}
            timeline={view.timeline}
            state={state}
            live={running}
            coordinatorName={summary?.agent_name ?? "Agent"}
          />
        )}
      </div>

      {status === "interrupted" && (
        <div className="session-footer interrupted-note">
          <p>
            Reverie stopped while this session was running. <strong>Resume</strong> picks it up from where the log ends.
          </p>
        </div>
      )}
      {status === "idle" && <FollowUp sessionId={id} onSent={view.setSummary} />}
    </section>
  );
}

function FollowUp({ sessionId, onSent }: { sessionId: string; onSent(summary: SessionSummary): void }) {
  const backend = useBackend();
  const [message, setMessage] = useState("");
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const send = async (event: FormEvent) => {
    event.preventDefault();
    if (sending) return;
    if (message.trim() === "") {
      setError("Write a message for the agent.");
      return;
    }
    setSending(true);
    setError(null);
    try {
      onSent(await backend.continueSession(sessionId, message));
      setMessage("");
    } catch (err) {
      setError(toAppError(err).message);
    } finally {
      setSending(false);
    }
  };

  return (
    <form className="session-footer followup" onSubmit={send} noValidate>
      <label htmlFor="followup-input" className="visually-hidden">
        Follow-up message
      </label>
      <textarea
        id="followup-input"
        rows={2}
        value={message}
        onChange={(event) => {
          setMessage(event.target.value);
          setError(null);
        }}
        onKeyDown={(event) => {
          if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
            event.preventDefault();
            event.currentTarget.form?.requestSubmit();
          }
        }}
        placeholder="Ask a follow-up or give the agent more to do…"
        aria-invalid={error ? true : undefined}
        data-testid="followup-input"
      />
      <button type="submit" className="button button-primary" disabled={sending} data-testid="followup-send">
        {sending && <Spinner />}
        Send
      </button>
      {error && (
        <p className="field-error followup-error" data-testid="field-error-message">
          {error}
        </p>
      )}
    </form>
  );
}

/** The current time, ticking every second while `live`. */
function useNow(live: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!live) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [live]);
  return now;
}
