import { useState } from "react";
import { CloseIcon } from "../../shared/icons";
import { formatCost, formatCount, formatDuration } from "../../shared/format";
import { prettyJson, toolSummary } from "./format";
import {
  callStateAt,
  horizon,
  stepStateAt,
  type Call,
  type Lane,
  type Moment,
  type StepState,
  type Timeline,
} from "./timeline";
import { endOf } from "./timelineGeometry";
import { stepDetail, type Block, type Message } from "./timelineStep";

interface TimelineStepPanelProps {
  lane: Lane;
  laneName: string;
  stepIndex: number;
  timeline: Timeline;
  at: Moment;
  /** Text the request is streaming now (its thread's), shown until the message is recorded. */
  streaming: string;
  nameOf(threadId: string): string;
  onSelect(threadId: string, step: number): void;
  onClose(): void;
}

const STEP_STATES: Record<StepState, string> = {
  running: "Streaming",
  done: "Done",
  error: "Failed",
  cancelled: "Cancelled",
  interrupted: "Interrupted",
};

const CALL_STATES: Record<ReturnType<typeof callStateAt>, string> = {
  running: "running",
  approval: "waiting for approval",
  ok: "done",
  error: "failed",
  cancelled: "cancelled",
  interrupted: "not finished",
};

/** How many of the context's messages show before "Show earlier". */
const RECENT = 4;

/** One step (model request) of a lane: what it was sent, what it answered, what it cost. */
export function TimelineStepPanel({
  lane,
  laneName,
  stepIndex,
  timeline,
  at,
  streaming,
  nameOf,
  onSelect,
  onClose,
}: TimelineStepPanelProps) {
  const [showAll, setShowAll] = useState(false);
  const detail = stepDetail(lane, stepIndex);
  if (!detail) return null;
  const { step, context, text, calls } = detail;
  const state = stepStateAt(step, at);
  const edge = horizon(timeline, at);
  const origin = timeline.start ?? step.start;
  const hidden = showAll ? 0 : Math.max(0, context.length - RECENT);
  const open = step.end === null && at.live;

  return (
    <aside
      className="timeline-panel"
      data-testid="timeline-step-panel"
      data-thread-id={lane.threadId}
      data-step={stepIndex}
      aria-labelledby="timeline-panel-title"
    >
      <header className="timeline-panel-head">
        <div className="timeline-panel-titles">
          <p className="timeline-panel-kicker">
            {laneName} · request {detail.number} of {lane.steps.length}
          </p>
          <h2 id="timeline-panel-title" className="timeline-panel-title">
            <span className="timeline-dot" data-state={state} aria-hidden="true" />
            {STEP_STATES[state]}
            <span className="muted"> · {formatDuration(endOf(step, edge) - step.start)}</span>
          </h2>
        </div>
        <div className="timeline-panel-nav">
          <button
            type="button"
            className="icon-button"
            onClick={() => onSelect(lane.threadId, stepIndex - 1)}
            disabled={stepIndex === 0}
            aria-label="Previous request"
            title="Previous request ([)"
            data-testid="timeline-step-previous"
          >
            ‹
          </button>
          <button
            type="button"
            className="icon-button"
            onClick={() => onSelect(lane.threadId, stepIndex + 1)}
            disabled={stepIndex >= lane.steps.length - 1}
            aria-label="Next request"
            title="Next request (])"
            data-testid="timeline-step-next"
          >
            ›
          </button>
          <button
            type="button"
            className="icon-button"
            onClick={onClose}
            aria-label="Close"
            title="Close (Esc)"
            data-testid="timeline-step-close"
          >
            <CloseIcon />
          </button>
        </div>
      </header>

      <dl className="timeline-panel-facts">
        <div>
          <dt>Started</dt>
          <dd>{formatOffset(step.start - origin)}</dd>
        </div>
        <div>
          <dt>Model</dt>
          <dd className="mono">{step.model}</dd>
        </div>
        <div className="wide">
          <dt>Tokens</dt>
          <dd data-testid="timeline-step-tokens">
            {step.usage ? (
              <>
                {formatCount(step.usage.input_tokens)} in · {formatCount(step.usage.output_tokens)} out
                {step.usage.cache_read_tokens + step.usage.cache_write_tokens > 0 && (
                  <span className="muted">
                    {" "}
                    · {formatCount(step.usage.cache_read_tokens)} cache read ·{" "}
                    {formatCount(step.usage.cache_write_tokens)} cache write
                  </span>
                )}
              </>
            ) : (
              <span className="muted">{open ? "when it ends" : "—"}</span>
            )}
          </dd>
        </div>
        <div>
          <dt>Cost</dt>
          <dd data-testid="timeline-step-cost">{formatCost(step.costUsd)}</dd>
        </div>
      </dl>

      <section className="timeline-panel-section" aria-labelledby="timeline-panel-context">
        <h3 id="timeline-panel-context">Sent to the model</h3>
        <p className="muted small">
          The agent’s instructions and tool definitions, then{" "}
          {context.length === 1 ? "this message" : `these ${context.length} messages`}:
        </p>
        {hidden > 0 && (
          <button
            type="button"
            className="link-button small"
            onClick={() => setShowAll(true)}
            data-testid="timeline-context-earlier"
          >
            Show {hidden === 1 ? "1 earlier message" : `${hidden} earlier messages`}
          </button>
        )}
        <ol className="timeline-context" data-testid="timeline-step-context">
          {context.slice(hidden).map((message, i) => (
            <ContextMessage key={hidden + i} message={message} nameOf={nameOf} />
          ))}
        </ol>
      </section>

      <section className="timeline-panel-section" aria-labelledby="timeline-panel-output">
        <h3 id="timeline-panel-output">Answer</h3>
        <div data-testid="timeline-step-output">
          {text.map((t, i) => (
            <p key={i} className="timeline-text selectable">
              {t}
            </p>
          ))}
          {open && streaming !== "" && (
            <p className="timeline-text selectable">
              {streaming}
              <span className="caret" aria-hidden="true" />
            </p>
          )}
          {text.length === 0 && calls.length === 0 && !(open && streaming !== "") && (
            <p className="muted small">{open ? "Nothing yet." : "No text and no tool calls."}</p>
          )}
          {calls.length > 0 && (
            <ul className="timeline-calls">
              {calls.map((call) => (
                <CallItem
                  key={call.toolUseId}
                  call={call}
                  at={at}
                  edge={edge}
                  nameOf={nameOf}
                  onSelect={onSelect}
                  timeline={timeline}
                />
              ))}
            </ul>
          )}
        </div>
      </section>
    </aside>
  );
}

/** "+1.2 s" after the session started. */
function formatOffset(ms: number): string {
  return `+${formatDuration(ms)} into the session`;
}

function ContextMessage({ message, nameOf }: { message: Message; nameOf(threadId: string): string }) {
  const role =
    message.role === "assistant"
      ? "Assistant"
      : message.blocks.every((b) => b.kind === "tool_result")
        ? "Tool results"
        : "User";
  return (
    <li className={`timeline-message timeline-message-${message.role}`} data-role={message.role}>
      <p className="timeline-message-role">{role}</p>
      {message.blocks.map((block, i) => (
        <ContextBlock key={i} block={block} nameOf={nameOf} />
      ))}
    </li>
  );
}

function ContextBlock({ block, nameOf }: { block: Block; nameOf(threadId: string): string }) {
  switch (block.kind) {
    case "text":
      return (
        <div className="timeline-block">
          {block.source === "delegation" && block.from !== null && (
            <p className="timeline-block-note">From {nameOf(block.from)}</p>
          )}
          {block.source === "feedback" && <p className="timeline-block-note">The grader’s feedback</p>}
          <p className="timeline-text selectable">{block.text}</p>
        </div>
      );
    case "tool_use":
      return (
        <details className="timeline-block timeline-tool">
          <summary>
            <span className="mono">{block.name}</span>{" "}
            <span className="muted mono">{toolSummary(block.name, block.input)}</span>
          </summary>
          <pre className="tool-pre selectable">{prettyJson(block.input)}</pre>
        </details>
      );
    case "tool_result":
      return (
        <details
          className={
            block.isError ? "timeline-block timeline-tool timeline-tool-error" : "timeline-block timeline-tool"
          }
        >
          <summary>
            <span className="muted">{block.isError ? "Error result" : "Result"}</span>{" "}
            <span className="mono">{firstLine(block.content)}</span>
          </summary>
          <pre className={block.isError ? "tool-pre tool-pre-error selectable" : "tool-pre selectable"}>
            {block.content || "(no output)"}
          </pre>
        </details>
      );
  }
}

function CallItem({
  call,
  at,
  edge,
  timeline,
  nameOf,
  onSelect,
}: {
  call: Call;
  at: Moment;
  edge: number;
  timeline: Timeline;
  nameOf(threadId: string): string;
  onSelect(threadId: string, step: number): void;
}) {
  const state = callStateAt(call, at);
  const sub = call.thread !== null ? timeline.lanes[timeline.index[call.thread] ?? -1] : undefined;
  // The first request the subagent made for this delegation.
  const first = sub ? sub.steps.findIndex((s) => s.start >= call.start) : -1;
  return (
    <li className="timeline-call" data-testid="timeline-step-call" data-tool-name={call.name} data-state={state}>
      <p className="timeline-call-head">
        <span className="mono timeline-call-name">{call.name}</span>
        <span className="muted">
          {CALL_STATES[state]} · {formatDuration(endOf(call, edge) - call.start)}
        </span>
        {call.approval && (
          <span className="timeline-call-approval">
            {call.approval.approved === true
              ? "approved"
              : call.approval.approved === false
                ? "denied"
                : call.approval.resolved === null
                  ? "asks for approval"
                  : "not answered"}
          </span>
        )}
      </p>
      {call.thread !== null && sub && (
        <button
          type="button"
          className="link-button small"
          onClick={() => onSelect(call.thread!, Math.max(0, first))}
          disabled={sub.steps.length === 0}
          data-testid="timeline-open-thread"
        >
          {sub.steps.length === 0 ? `${nameOf(call.thread)} has not started` : `Open ${nameOf(call.thread)}’s work →`}
        </button>
      )}
      <p className="tool-label">Input</p>
      <pre className="tool-pre selectable">{prettyJson(call.input)}</pre>
      <p className="tool-label">Result</p>
      {call.output === null ? (
        <p className="muted small">{at.live ? "Not back yet." : "No result: the session stopped first."}</p>
      ) : (
        <pre className={call.state === "ok" ? "tool-pre selectable" : "tool-pre tool-pre-error selectable"}>
          {call.output || "(no output)"}
        </pre>
      )}
    </li>
  );
}

function firstLine(text: string): string {
  const line = text.trim().split("\n")[0] ?? "";
  return line.length > 80 ? `${line.slice(0, 79)}…` : line;
}
