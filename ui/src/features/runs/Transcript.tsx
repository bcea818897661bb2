import { useEffect, useRef, useState } from "react";
import type { IdleReason } from "../../bindings";
import { toAppError, useBackend } from "../../ipc";
import { ChevronIcon } from "../../shared/icons";
import { InlineCode } from "../../shared/InlineCode";
import { Spinner } from "../../shared/Spinner";
import { IDLE_REASONS, prettyJson, toolSummary } from "./format";
import { RESULT_LABELS, RESULT_TONES } from "./outcome";
import { itemForSeq, type SessionState, type ToolState, type TranscriptItem } from "./sessionState";

interface TranscriptProps {
  sessionId: string;
  state: SessionState;
  /** Whether the session runs now (approvals can be answered, "Working…" shows). */
  running: boolean;
  /** An event to show (evidence a dream quoted): its item is marked and scrolled to. */
  focusSeq?: number | null;
}

export function Transcript({ sessionId, state, running, focusSeq = null }: TranscriptProps) {
  const focused = focusSeq === null ? null : itemForSeq(state.items, focusSeq);
  const focusedRef = useRef<HTMLDivElement>(null);
  // Scrolled to once it is there, and again while the log loads up to it.
  const focusedSeq = focused?.seq ?? null;
  useEffect(() => {
    if (focusedSeq !== null) focusedRef.current?.scrollIntoView?.({ block: "center" });
  }, [focusedSeq]);
  const lastIdle = state.status === "idle" ? state.items.findLastIndex((i) => i.kind === "idle") : -1;
  const streaming = Object.entries(state.streaming).filter(([, text]) => text !== "");
  const busy =
    running &&
    streaming.length === 0 &&
    state.pendingApprovals.length === 0 &&
    !state.items.some((i) => i.kind === "tool" && i.state === "running");
  const grading = running ? (state.outcome?.grading ?? null) : null;

  const agentOf = (threadId: string) => state.threads[threadId]?.agentName ?? null;

  return (
    <div className="transcript" data-testid="transcript" aria-live="polite">
      {state.items.map((item, index) => {
        const shown = (
          <Item
            key={item.seq}
            item={item}
            focused={item === focused}
            agentName={"threadId" in item ? agentOf(item.threadId) : null}
            sessionId={sessionId}
            running={running}
            last={index === lastIdle}
          />
        );
        if (item !== focused) return shown;
        return (
          <div
            key={item.seq}
            className="transcript-focus"
            ref={focusedRef}
            data-testid="focused-event"
            data-seq={focusSeq ?? undefined}
          >
            <span className="transcript-focus-label">Event {focusSeq} · quoted as evidence</span>
            {shown}
          </div>
        );
      })}
      {streaming.map(([thread, text]) => (
        <div key={thread} className="message message-agent" data-testid="message-agent" data-streaming="true">
          <p className="message-text selectable">
            <ThreadTag name={agentOf(thread)} />
            {text}
            <span className="caret" aria-hidden="true" />
          </p>
        </div>
      ))}
      {busy && (
        <p className="working muted" data-testid="session-working">
          <Spinner />{" "}
          {grading && state.outcome
            ? `Grading iteration ${grading.iteration + 1} against “${state.outcome.definition.rubric_name}”…`
            : "Working…"}
        </p>
      )}
    </div>
  );
}

/** Which subagent a line of the transcript comes from; nothing for the session's own agent. */
export function ThreadTag({ name }: { name: string | null }) {
  if (name === null) return null;
  return (
    <span className="thread-tag" data-testid="thread-tag">
      {name}
    </span>
  );
}

const THREAD_ENDS: Record<IdleReason, string> = {
  end_turn: "finished and reported back",
  max_turns: "stopped at its turn limit",
  cancelled: "was stopped",
  error: "ended with an error",
  interrupted: "was interrupted when Reverie stopped",
  app_quit: "was stopped when Reverie quit",
};

interface ItemProps {
  item: TranscriptItem;
  /** The subagent whose thread the item is from; null for the session's own agent. */
  agentName: string | null;
  sessionId: string;
  running: boolean;
  last: boolean;
  /** The event opened from elsewhere is in this item: a tool call shows its input and output. */
  focused?: boolean;
}

function Item({ item, agentName, sessionId, running, last, focused = false }: ItemProps) {
  switch (item.kind) {
    case "user":
      return (
        <div className="message message-user" data-testid="message-user">
          <p className="message-text selectable">{item.text}</p>
        </div>
      );
    case "agent":
      return (
        <div className="message message-agent" data-testid="message-agent" data-agent-name={agentName ?? undefined}>
          <p className="message-text selectable">
            <ThreadTag name={agentName} />
            <InlineCode text={item.text} />
          </p>
        </div>
      );
    case "tool":
      return <ToolCall item={item} agentName={agentName} live={running} open={focused} />;
    case "approval":
      return <ApprovalCard item={item} agentName={agentName} sessionId={sessionId} running={running} />;
    case "error":
      return (
        <div className="session-error" role="alert" data-testid="session-error" data-code={item.error.code}>
          <span className="result-icon" aria-hidden="true">
            ✗
          </span>
          <p className="selectable">
            <ThreadTag name={agentName} />
            {item.error.message}
          </p>
        </div>
      );
    case "thread_idle":
      return (
        <div className={`thread-marker idle-${item.reason}`} data-testid="thread-marker" data-reason={item.reason}>
          <span>
            {agentName ?? "A subagent"} {THREAD_ENDS[item.reason]}
          </span>
        </div>
      );
    case "idle":
      return <IdleMarker reason={item.reason} last={last} />;
    case "evaluation":
      return (
        <div
          className="evaluation-marker"
          data-testid="evaluation-marker"
          data-result={item.result}
          data-iteration={item.iteration}
        >
          <span className={`tone-${RESULT_TONES[item.result]}`}>
            Iteration {item.iteration + 1} graded: {RESULT_LABELS[item.result]}
          </span>
          {item.result !== "failed" && item.result !== "interrupted" && (
            <span className="muted">
              {item.met} of {item.total} criteria met
            </span>
          )}
        </div>
      );
    case "feedback":
      return (
        <div className="feedback" data-testid="grader-feedback" data-iteration={item.iteration}>
          <p className="feedback-title">Feedback from the grader</p>
          <p className="feedback-text selectable">{item.text}</p>
        </div>
      );
  }
}

function IdleMarker({ reason, last }: { reason: IdleReason; last: boolean }) {
  return (
    <div
      className={`idle-marker idle-${reason}`}
      data-testid={last ? "idle-reason" : "idle-marker"}
      data-reason={reason}
    >
      <span>{IDLE_REASONS[reason]}</span>
    </div>
  );
}

const TOOL_STATES: Record<ToolState | "unfinished", string> = {
  unfinished: "Not finished",
  running: "Running",
  waiting: "Waiting for approval",
  ok: "Done",
  error: "Failed",
  cancelled: "Cancelled",
};

function ToolCall({
  item,
  agentName,
  live,
  open: initiallyOpen = false,
}: {
  item: Extract<TranscriptItem, { kind: "tool" }>;
  agentName: string | null;
  live: boolean;
  open?: boolean;
}) {
  const [open, setOpen] = useState(initiallyOpen);
  // A call without a result in a session that no longer runs (interrupted) is not going on.
  const unfinished = !live && (item.state === "running" || item.state === "waiting");
  const shown: ToolState | "unfinished" = unfinished ? "unfinished" : item.state;
  const summary = toolSummary(item.name, item.input);
  const panel = `tool-${item.toolUseId}`;
  return (
    <div
      className={`tool-call tool-${shown}`}
      data-testid="tool-call"
      data-tool-name={item.name}
      data-state={item.state}
      data-agent-name={agentName ?? undefined}
    >
      <button
        type="button"
        className="tool-call-head"
        aria-expanded={open}
        aria-controls={panel}
        onClick={() => setOpen((o) => !o)}
        data-testid="tool-call-toggle"
      >
        <ToolStateIcon state={shown} />
        <ThreadTag name={agentName} />
        <span className="tool-call-name mono">{item.name}</span>
        <span className="tool-call-summary mono">{summary}</span>
        <span className="tool-call-state">{TOOL_STATES[shown]}</span>
        <span className={open ? "tool-chevron open" : "tool-chevron"}>
          <ChevronIcon />
        </span>
      </button>
      {open && (
        <div className="tool-call-body" id={panel}>
          <p className="tool-label">Input</p>
          <pre className="tool-pre selectable" data-testid="tool-input">
            {prettyJson(item.input)}
          </pre>
          <p className="tool-label">Output</p>
          {item.output === null ? (
            <p className="muted small" data-testid="tool-output">
              {unfinished
                ? "No result: the session stopped first."
                : item.state === "waiting"
                  ? "Waiting for your approval."
                  : "Running…"}
            </p>
          ) : (
            <pre
              className={`tool-pre selectable ${item.state === "ok" ? "" : "tool-pre-error"}`}
              data-testid="tool-output"
            >
              {item.output || "(no output)"}
            </pre>
          )}
        </div>
      )}
    </div>
  );
}

function ToolStateIcon({ state }: { state: ToolState | "unfinished" }) {
  if (state === "running") return <Spinner />;
  const glyph = { waiting: "?", ok: "✓", error: "✗", cancelled: "–", unfinished: "–" }[state];
  return (
    <span className="tool-state-icon" aria-hidden="true">
      {glyph}
    </span>
  );
}

/** The approvals nobody answered yet, each with the agent that asks: for views beside the transcript. */
export function PendingApprovals({
  sessionId,
  state,
  running,
}: {
  sessionId: string;
  state: SessionState;
  running: boolean;
}) {
  if (!running || state.pendingApprovals.length === 0) return null;
  const pending = state.items.filter(
    (item): item is Extract<TranscriptItem, { kind: "approval" }> =>
      item.kind === "approval" && item.answer === "pending",
  );
  return (
    <div className="pending-approvals" data-testid="pending-approvals">
      {pending.map((item) => (
        <ApprovalCard
          key={item.seq}
          item={item}
          agentName={state.threads[item.threadId]?.agentName ?? null}
          sessionId={sessionId}
          running={running}
        />
      ))}
    </div>
  );
}

function ApprovalCard({
  item,
  agentName,
  sessionId,
  running,
}: {
  item: Extract<TranscriptItem, { kind: "approval" }>;
  agentName: string | null;
  sessionId: string;
  running: boolean;
}) {
  const backend = useBackend();
  const [sending, setSending] = useState<boolean | null>(null);
  const [error, setError] = useState<string | null>(null);
  const command = item.name === "run_command" ? toolSummaryFull(item.input) : null;

  const answer = async (approved: boolean) => {
    setSending(approved);
    setError(null);
    try {
      await backend.answerApproval(sessionId, item.toolUseId, approved);
    } catch (err) {
      setError(toAppError(err).message);
      setSending(null);
    }
  };

  const pending = item.answer === "pending" && running;
  return (
    <div
      className={pending ? "approval approval-pending" : "approval approval-done"}
      data-testid="approval"
      data-tool-use-id={item.toolUseId}
      data-answer={item.answer}
      data-agent-name={agentName ?? undefined}
    >
      <p className="approval-title">
        {agentName !== null && (
          <>
            <ThreadTag name={agentName} /> <span className="approval-asker">{pending ? "asks:" : "asked:"}</span>{" "}
          </>
        )}
        {pending ? (
          <>
            Allow <span className="mono">{item.name}</span>?
          </>
        ) : (
          <>
            <span className="mono">{item.name}</span> {agentName !== null ? "needed approval" : "asked for approval"}
          </>
        )}
      </p>
      {command !== null ? (
        <pre className="approval-command selectable">{command}</pre>
      ) : (
        <pre className="approval-command selectable">{prettyJson(item.input)}</pre>
      )}
      <p className="approval-dir small">
        <span className="muted">in</span> <span className="mono selectable">{item.workingDirectory}</span>
      </p>
      {pending ? (
        <div className="row-actions">
          <button
            type="button"
            className="button button-primary"
            onClick={() => answer(true)}
            disabled={sending !== null}
            data-testid="approve"
          >
            {sending === true && <Spinner />}
            Approve
          </button>
          <button
            type="button"
            className="button"
            onClick={() => answer(false)}
            disabled={sending !== null}
            data-testid="deny"
          >
            {sending === false && <Spinner />}
            Deny
          </button>
        </div>
      ) : (
        <p className={`approval-answer approval-answer-${item.answer}`} data-testid="approval-answer">
          {item.answer === "approved"
            ? "Approved"
            : item.answer === "denied"
              ? "Denied"
              : "Not answered: the run stopped first"}
        </p>
      )}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

function toolSummaryFull(input: unknown): string {
  if (typeof input === "object" && input !== null) {
    const command = (input as Record<string, unknown>).command;
    if (typeof command === "string") return command;
  }
  return prettyJson(input);
}
