import type { AppError, IdleReason, OutcomeResult, SessionEvent, StreamItem, TokenUsage } from "../../bindings";
import { applyOutcomeEvent, type OutcomeState } from "./outcome";

/**
 * A session's transcript and totals, built from its event log. The same pure reducer serves
 * a live session (events and text deltas as they stream) and a replayed one (stored events).
 */

/** Where a tool call stands: `waiting` for the user's approval, then `running` until its result. */
export type ToolState = "running" | "waiting" | "ok" | "error" | "cancelled";

/** `withdrawn`: the call ended (cancelled, interrupted) before anyone answered. */
export type ApprovalAnswer = "pending" | "approved" | "denied" | "withdrawn";

export type TranscriptItem =
  | { kind: "user"; seq: number; text: string }
  | { kind: "agent"; seq: number; threadId: string; text: string }
  | {
      kind: "tool";
      seq: number;
      threadId: string;
      toolUseId: string;
      name: string;
      input: unknown;
      state: ToolState;
      output: string | null;
      /** The `seq` of its result, once it has one. */
      resultSeq: number | null;
    }
  | {
      kind: "approval";
      seq: number;
      threadId: string;
      toolUseId: string;
      name: string;
      input: unknown;
      workingDirectory: string;
      answer: ApprovalAnswer;
      /** The `seq` of the answer, once there is one. */
      answerSeq: number | null;
    }
  | { kind: "error"; seq: number; threadId: string; error: AppError }
  | { kind: "idle"; seq: number; reason: IdleReason }
  /** A subagent's thread finished a delegation (or was stopped, or failed). */
  | { kind: "thread_idle"; seq: number; threadId: string; reason: IdleReason }
  /** An evaluation ended: how it came out, and how many criteria it found met. */
  | {
      kind: "evaluation";
      seq: number;
      iteration: number;
      result: OutcomeResult;
      met: number;
      total: number;
      reason: string | null;
    }
  /** What the grader sent the agent to revise (or wrap up) with. */
  | { kind: "feedback"; seq: number; iteration: number; text: string };

export interface SessionTotals {
  /** Model requests started. */
  turns: number;
  usage: TokenUsage;
  /** Dollars over every priced request; null while no request had a price. */
  costUsd: number | null;
  /** Time spent running, over the running periods that ended. */
  durationMs: number;
  /** `time_ms` of the `session.status_running` of the period still open, if any. */
  runningSince: number | null;
  /** The model of the last request. */
  model: string | null;
}

export interface SessionState {
  /** The last applied event's `seq`; events at or below it are ignored. */
  lastSeq: number;
  /** As the events tell it; null before the first status event. */
  status: "running" | "idle" | null;
  stopReason: IdleReason | null;
  /** `seq` of the last status event: it changes whenever the session starts or stops. */
  statusSeq: number;
  items: TranscriptItem[];
  /** Text streamed so far per thread, until the thread's `agent.message` holds it whole. */
  streaming: Record<string, string>;
  /** Tool use ids of approval requests nobody answered yet, oldest first. */
  pendingApprovals: string[];
  totals: SessionTotals;
  /** The outcome the session is graded against, if it has one. */
  outcome: OutcomeState | null;
  /** The session's first thread: the agent that was run (a coordinator, when it delegates). */
  primaryThread: string | null;
  /** Subagent threads by id, with the name of the agent working in each. */
  threads: Record<string, { agentName: string; parent: string }>;
}

export const EMPTY_USAGE: TokenUsage = {
  input_tokens: 0,
  output_tokens: 0,
  cache_read_tokens: 0,
  cache_write_tokens: 0,
};

export const initialSessionState: SessionState = {
  lastSeq: 0,
  status: null,
  stopReason: null,
  statusSeq: 0,
  items: [],
  streaming: {},
  pendingApprovals: [],
  totals: { turns: 0, usage: EMPTY_USAGE, costUsd: null, durationMs: 0, runningSince: null, model: null },
  outcome: null,
  primaryThread: null,
  threads: {},
};

/** A cancelled call's result starts with "cancelled" (`ToolOutput::cancelled` in the engine). */
export function resultState(content: string, isError: boolean): "ok" | "error" | "cancelled" {
  if (!isError) return "ok";
  return content.startsWith("cancelled") ? "cancelled" : "error";
}

function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  return {
    input_tokens: a.input_tokens + b.input_tokens,
    output_tokens: a.output_tokens + b.output_tokens,
    cache_read_tokens: a.cache_read_tokens + b.cache_read_tokens,
    cache_write_tokens: a.cache_write_tokens + b.cache_write_tokens,
  };
}

function withoutThread(streaming: Record<string, string>, thread: string): Record<string, string> {
  if (!(thread in streaming)) return streaming;
  const next = { ...streaming };
  delete next[thread];
  return next;
}

function updateTool(
  items: TranscriptItem[],
  toolUseId: string,
  change: (item: Extract<TranscriptItem, { kind: "tool" }>) => TranscriptItem,
): TranscriptItem[] {
  return items.map((item) => (item.kind === "tool" && item.toolUseId === toolUseId ? change(item) : item));
}

function answerApproval(
  items: TranscriptItem[],
  toolUseId: string,
  answer: ApprovalAnswer,
  seq: number,
): TranscriptItem[] {
  return items.map((item) =>
    item.kind === "approval" && item.toolUseId === toolUseId && item.answer === "pending"
      ? { ...item, answer, answerSeq: seq }
      : item,
  );
}

/**
 * The transcript item that shows the event `seq` (evidence quoted from a session points at one):
 * the item the event made, or the tool call or approval it completed; an event the transcript
 * shows no line for (a thread starting, an outcome defined) falls to the item before it.
 */
export function itemForSeq(items: readonly TranscriptItem[], seq: number): TranscriptItem | null {
  const exact = items.find(
    (item) =>
      item.seq === seq ||
      (item.kind === "tool" && item.resultSeq === seq) ||
      (item.kind === "approval" && item.answerSeq === seq),
  );
  if (exact) return exact;
  return items.findLast((item) => item.seq < seq) ?? items[0] ?? null;
}

export function applyEvent(state: SessionState, event: SessionEvent): SessionState {
  if (event.seq <= state.lastSeq) return state; // a duplicate, or replayed twice
  const next: SessionState = { ...state, lastSeq: event.seq };
  const { seq, payload } = event;
  const threadId = event.thread_id;
  if (state.primaryThread === null) next.primaryThread = threadId;
  switch (payload.type) {
    case "user.message":
      next.items = [...state.items, { kind: "user", seq, text: payload.text }];
      break;
    case "session.status_running":
      next.status = "running";
      next.stopReason = null;
      next.statusSeq = seq;
      next.totals = { ...state.totals, runningSince: event.time_ms };
      break;
    case "session.status_idle": {
      const since = state.totals.runningSince;
      next.status = "idle";
      next.stopReason = payload.reason;
      next.statusSeq = seq;
      next.streaming = {};
      next.items = [...state.items, { kind: "idle", seq, reason: payload.reason }];
      next.totals = {
        ...state.totals,
        durationMs: state.totals.durationMs + (since === null ? 0 : Math.max(0, event.time_ms - since)),
        runningSince: null,
      };
      break;
    }
    case "session.error":
      next.items = [...state.items, { kind: "error", seq, threadId, error: payload.error }];
      break;
    case "span.model_request_start":
      next.totals = { ...state.totals, turns: state.totals.turns + 1, model: payload.model };
      break;
    case "span.model_request_end":
      next.totals = {
        ...state.totals,
        usage: addUsage(state.totals.usage, payload.usage),
        costUsd: payload.cost_usd === undefined ? state.totals.costUsd : (state.totals.costUsd ?? 0) + payload.cost_usd,
      };
      break;
    case "agent.message":
      next.streaming = withoutThread(state.streaming, event.thread_id);
      if (payload.text !== "") {
        next.items = [...state.items, { kind: "agent", seq, threadId: event.thread_id, text: payload.text }];
      }
      break;
    case "agent.tool_use":
      next.items = [
        ...state.items,
        {
          kind: "tool",
          seq,
          threadId,
          toolUseId: payload.tool_use_id,
          name: payload.name,
          input: payload.input,
          state: "running",
          output: null,
          resultSeq: null,
        },
      ];
      break;
    case "agent.tool_result": {
      const pending = state.pendingApprovals.includes(payload.tool_use_id);
      let items = updateTool(state.items, payload.tool_use_id, (item) => ({
        ...item,
        state: resultState(payload.content, payload.is_error),
        output: payload.content,
        resultSeq: seq,
      }));
      if (pending) {
        items = answerApproval(items, payload.tool_use_id, "withdrawn", seq);
        next.pendingApprovals = state.pendingApprovals.filter((id) => id !== payload.tool_use_id);
      }
      next.items = items;
      break;
    }
    case "session.approval_requested":
      next.items = [
        ...updateTool(state.items, payload.tool_use_id, (item) => ({ ...item, state: "waiting" })),
        {
          kind: "approval",
          seq,
          threadId,
          toolUseId: payload.tool_use_id,
          name: payload.name,
          input: payload.input,
          workingDirectory: payload.working_directory,
          answer: "pending",
          answerSeq: null,
        },
      ];
      next.pendingApprovals = [...state.pendingApprovals, payload.tool_use_id];
      break;
    case "session.approval_resolved":
      next.items = updateTool(
        answerApproval(state.items, payload.tool_use_id, payload.approved ? "approved" : "denied", seq),
        payload.tool_use_id,
        // Approved, the command runs now; denied, its error result follows.
        (item) => (item.state === "waiting" ? { ...item, state: "running" } : item),
      );
      next.pendingApprovals = state.pendingApprovals.filter((id) => id !== payload.tool_use_id);
      break;
    case "outcome.defined":
    case "span.outcome_evaluation_start":
      next.outcome = applyOutcomeEvent(state.outcome, event);
      break;
    case "span.outcome_evaluation_end":
      next.outcome = applyOutcomeEvent(state.outcome, event);
      // Grading is paid for like the agent's requests (the core's session totals include it).
      next.totals = {
        ...state.totals,
        usage: addUsage(state.totals.usage, payload.usage),
        costUsd: payload.cost_usd === undefined ? state.totals.costUsd : (state.totals.costUsd ?? 0) + payload.cost_usd,
      };
      next.items = [
        ...state.items,
        {
          kind: "evaluation",
          seq,
          iteration: payload.iteration,
          result: payload.result,
          met: payload.verdicts.filter((v) => v.verdict === "met").length,
          total: state.outcome?.definition.criteria.length ?? payload.verdicts.length,
          reason: payload.reason ?? null,
        },
      ];
      break;
    case "session.thread_created":
      next.threads = {
        ...state.threads,
        [payload.thread_id]: { agentName: payload.agent_name, parent: payload.parent_thread_id },
      };
      break;
    case "session.thread_status_idle":
      next.streaming = withoutThread(state.streaming, threadId);
      next.items = [...state.items, { kind: "thread_idle", seq, threadId, reason: payload.reason }];
      break;
    case "outcome.feedback":
      next.items = [...state.items, { kind: "feedback", seq, iteration: payload.iteration, text: payload.text }];
      break;
  }
  return next;
}

export function applyItem(state: SessionState, item: StreamItem): SessionState {
  if (item.type === "event") return applyEvent(state, item.event);
  return {
    ...state,
    streaming: { ...state.streaming, [item.thread_id]: (state.streaming[item.thread_id] ?? "") + item.text },
  };
}

/** Replays a stored log (or any list of events) from the empty state. */
export function replay(events: readonly SessionEvent[]): SessionState {
  return events.reduce(applyEvent, initialSessionState);
}
