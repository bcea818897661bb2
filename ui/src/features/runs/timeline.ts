import type { AppError, IdleReason, SessionEvent, TokenUsage } from "../../bindings";
import { resultState } from "./sessionState";

/**
 * A session's threads on one time axis, folded from its events: one lane per thread (the
 * coordinator first, subagents in the order they were created), each with its model requests
 * (steps), tool calls, running and queued periods and totals, plus the messages between lanes.
 *
 * Times are the events' `time_ms`; nothing here knows about pixels (see `timelineGeometry.ts`).
 * The fold is pure and incremental: applying events copies only the lanes and arrays they touch,
 * and a batch copies each of those once, so one more event costs about one lane, not the session.
 */

export type LaneState = "queued" | "running" | "approval" | "done" | "error" | "cancelled" | "interrupted";
export type StepState = "running" | "done" | "error" | "cancelled" | "interrupted";
export type CallState = "running" | "approval" | "ok" | "error" | "cancelled" | "interrupted";

/** One model request: from `span.model_request_start` to `span.model_request_end`. */
export interface Step {
  seq: number;
  endSeq: number | null;
  start: number;
  /** null while the request streams. */
  end: number | null;
  model: string;
  usage: TokenUsage | null;
  costUsd: number | null;
  state: StepState;
  /** Indices in the lane's `calls` of the tool calls this request made. */
  calls: number[];
}

export interface Approval {
  requested: number;
  /** null while nobody answered. */
  resolved: number | null;
  /** null when the call ended before anyone answered. */
  approved: boolean | null;
}

/** One tool call: from `agent.tool_use` to its `agent.tool_result`. */
export interface Call {
  toolUseId: string;
  name: string;
  input: unknown;
  seq: number;
  start: number;
  end: number | null;
  output: string | null;
  state: CallState;
  /** Index of the step that made it (-1: none was open). */
  step: number;
  approval: Approval | null;
  /** For `delegate`: the subagent thread it handed the work to. */
  thread: string | null;
}

/** A period of a lane: queued (waiting for a slot) or running (one run of the thread). */
export interface Span {
  kind: "queued" | "run";
  start: number;
  end: number | null;
  /** How it ended (running while open). */
  state: LaneState;
}

/** A message between lanes: a delegation (coordinator → subagent) or a report (back). */
export interface Arrow {
  kind: "delegation" | "report";
  seq: number;
  from: string;
  to: string;
  /** When it was sent. */
  start: number;
  /** When the other lane took it (the subagent's task, the coordinator's delegate result). */
  end: number | null;
  text: string;
}

/** What a thread's model was sent, in order, as the engine rebuilds a thread's history. */
export type Entry =
  | { kind: "task"; seq: number; text: string; from: string | null }
  | { kind: "feedback"; seq: number; text: string }
  | { kind: "text"; seq: number; text: string }
  | { kind: "tool_use"; seq: number; toolUseId: string; name: string; input: unknown }
  | { kind: "tool_result"; seq: number; toolUseId: string; content: string; isError: boolean };

export interface LaneTotals {
  requests: number;
  usage: TokenUsage;
  /** null while no request had a price. */
  costUsd: number | null;
  /** Time spent running, over the runs that ended. */
  durationMs: number;
  /** Start of the run still going. */
  runningSince: number | null;
}

export interface Lane {
  threadId: string;
  /** From `session.thread_created`; null for the coordinator (the session names it). */
  agentName: string | null;
  agentId: string | null;
  parentThreadId: string | null;
  state: LaneState;
  /** Why its last run ended. */
  stopReason: IdleReason | null;
  /** The last `session.error` of the thread. */
  error: AppError | null;
  steps: Step[];
  calls: Call[];
  spans: Span[];
  entries: Entry[];
  totals: LaneTotals;
  /** The step streaming now (-1: none). */
  openStep: number;
  /** Tool use id → index in `calls`, for the calls without a result. */
  openCalls: Record<string, number>;
  pendingApprovals: number;
  /** A tool call succeeded since the last step ended (so a failure after it is not the step's). */
  okSinceStep: boolean;
}

export interface Timeline {
  lanes: Lane[];
  /** Thread id → index in `lanes`. */
  index: Record<string, number>;
  arrows: Arrow[];
  /** Time of the first and the last event. */
  start: number | null;
  end: number | null;
  lastSeq: number;
  /** The session's status, as the coordinator's events tell it. */
  status: "running" | "idle" | null;
}

/** States of a thread that is not finished. */
const OPEN_STATES: ReadonlySet<LaneState> = new Set(["queued", "running", "approval"]);

const ZERO: TokenUsage = { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0 };

export const emptyTimeline: Timeline = {
  lanes: [],
  index: {},
  arrows: [],
  start: null,
  end: null,
  lastSeq: 0,
  status: null,
};

export function laneStateOf(reason: IdleReason): LaneState {
  switch (reason) {
    case "end_turn":
      return "done";
    case "cancelled":
    case "app_quit":
      return "cancelled";
    case "interrupted":
      return "interrupted";
    // A subagent out of turns did not finish: its coordinator gets an error result.
    case "max_turns":
    case "error":
      return "error";
  }
}

/**
 * Copy-on-write for one batch of events: an object is copied the first time the batch changes
 * it, then changed in place; `owned` holds what this batch made, so nothing of the timeline it
 * started from is ever modified.
 */
class Draft {
  readonly timeline: Timeline;
  private readonly owned = new WeakSet<object>();

  constructor(from: Timeline) {
    this.timeline = this.own({ ...from });
  }

  own<T extends object>(value: T): T {
    this.owned.add(value);
    return value;
  }

  /** A writable copy of `value` (the same object if this batch made it). */
  private writable<T extends object>(value: T): T {
    if (this.owned.has(value)) return value;
    return this.own(Array.isArray(value) ? ([...value] as T) : { ...value });
  }

  lanes(): Lane[] {
    const t = this.timeline;
    t.lanes = this.writable(t.lanes);
    return t.lanes;
  }

  lane(index: number): Lane {
    const lanes = this.lanes();
    const lane = this.writable(lanes[index]!);
    lanes[index] = lane;
    return lane;
  }

  /** A writable array field of an object this batch owns. */
  list<O extends object, K extends keyof O>(owner: O, key: K): O[K] {
    owner[key] = this.writable(owner[key] as object) as O[K];
    return owner[key];
  }

  /** A writable element of a writable array. */
  item<T extends object>(list: T[], index: number): T {
    const item = this.writable(list[index]!);
    list[index] = item;
    return item;
  }

  arrows(): Arrow[] {
    return this.list(this.timeline, "arrows");
  }
}

function newLane(threadId: string, created?: { agentName: string; agentId: string; parent: string }): Lane {
  return {
    threadId,
    agentName: created?.agentName ?? null,
    agentId: created?.agentId ?? null,
    parentThreadId: created?.parent ?? null,
    state: "queued",
    stopReason: null,
    error: null,
    steps: [],
    calls: [],
    spans: [],
    entries: [],
    totals: { requests: 0, usage: ZERO, costUsd: null, durationMs: 0, runningSince: null },
    openStep: -1,
    openCalls: {},
    pendingApprovals: 0,
    okSinceStep: false,
  };
}

function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  return {
    input_tokens: a.input_tokens + b.input_tokens,
    output_tokens: a.output_tokens + b.output_tokens,
    cache_read_tokens: a.cache_read_tokens + b.cache_read_tokens,
    cache_write_tokens: a.cache_write_tokens + b.cache_write_tokens,
  };
}

/** The index of the thread's lane, adding one (without a name) if the log never created it. */
function laneIndex(d: Draft, threadId: string): number {
  const t = d.timeline;
  const at = t.index[threadId];
  if (at !== undefined) return at;
  const lanes = d.lanes();
  lanes.push(d.own(newLane(threadId)));
  t.index = d.own({ ...t.index, [threadId]: lanes.length - 1 });
  return lanes.length - 1;
}

function closeSpan(d: Draft, lane: Lane, kind: Span["kind"], time: number, state: LaneState) {
  const last = lane.spans.length - 1;
  const span = lane.spans[last];
  if (!span || span.kind !== kind || span.end !== null) return;
  const spans = d.list(lane, "spans");
  const closed = d.item(spans, last);
  closed.end = Math.max(closed.start, time);
  closed.state = state;
}

function openSpan(d: Draft, lane: Lane, kind: Span["kind"], time: number, state: LaneState) {
  const span = lane.spans.at(-1);
  if (span && span.kind === kind && span.end === null) return;
  d.list(lane, "spans").push(d.own({ kind, start: time, end: null, state }));
}

function pushEntry(d: Draft, lane: Lane, entry: Entry) {
  d.list(lane, "entries").push(entry);
}

/** A run of the thread started: the queue (if any) ends, a running period begins. */
function startRun(d: Draft, lane: Lane, time: number) {
  closeSpan(d, lane, "queued", time, "done");
  openSpan(d, lane, "run", time, "running");
  lane.state = lane.pendingApprovals > 0 ? "approval" : "running";
  lane.stopReason = null;
  if (lane.totals.runningSince === null) lane.totals = { ...lane.totals, runningSince: time };
}

/** A run of the thread ended (or, for a queued delegation, never began). */
function endRun(d: Draft, lane: Lane, time: number, reason: IdleReason) {
  const state = laneStateOf(reason);
  closeSpan(d, lane, "queued", time, state);
  closeSpan(d, lane, "run", time, state);
  if (lane.openStep !== -1) {
    const steps = d.list(lane, "steps");
    const step = d.item(steps, lane.openStep);
    step.end = Math.max(step.start, time);
    step.state = state === "done" || state === "cancelled" || state === "interrupted" ? state : "error";
    lane.openStep = -1;
  } else if ((state === "cancelled" || state === "error") && !lane.okSinceStep) {
    failLastStep(d, lane, state);
  }
  const since = lane.totals.runningSince;
  lane.totals = {
    ...lane.totals,
    durationMs: lane.totals.durationMs + (since === null ? 0 : Math.max(0, time - since)),
    runningSince: null,
  };
  lane.state = state;
  lane.stopReason = reason;
}

/** The process running the thread died at about `time` (the session was resumed later). */
function interrupt(d: Draft, lane: Lane, time: number) {
  if (!OPEN_STATES.has(lane.state) && lane.totals.runningSince === null) return;
  closeSpan(d, lane, "queued", time, "interrupted");
  closeSpan(d, lane, "run", time, "interrupted");
  if (lane.openStep !== -1) {
    const step = d.item(d.list(lane, "steps"), lane.openStep);
    step.end = Math.max(step.start, time);
    step.state = "interrupted";
    lane.openStep = -1;
  }
  const since = lane.totals.runningSince;
  lane.totals = {
    ...lane.totals,
    durationMs: lane.totals.durationMs + (since === null ? 0 : Math.max(0, time - since)),
    runningSince: null,
  };
  lane.state = "interrupted";
}

/**
 * The run failed or was stopped before any call of its last request succeeded: that request is
 * where it ended, so the step shows it.
 */
function failLastStep(d: Draft, lane: Lane, state: "cancelled" | "error") {
  const last = lane.steps.length - 1;
  if (last < 0 || lane.steps[last]!.state !== "done") return;
  d.item(d.list(lane, "steps"), last).state = state;
}

/** The delegate call (oldest first) that this delegation message belongs to. */
function delegateCall(lane: Lane, to: string, text: string, agentName: string | null): number {
  let fallback = -1;
  for (const index of Object.values(lane.openCalls)) {
    const call = lane.calls[index]!;
    if (call.name !== "delegate" || call.thread !== null) continue;
    const input = (typeof call.input === "object" && call.input !== null ? call.input : {}) as Record<string, unknown>;
    const threadId = typeof input.thread_id === "string" ? input.thread_id.trim() : "";
    const agent = typeof input.agent === "string" ? input.agent.trim().toLowerCase() : "";
    const message = typeof input.message === "string" ? input.message.trim() : null;
    const sameThread = threadId !== "" ? threadId === to : agentName !== null && agent === agentName.toLowerCase();
    if (sameThread && message === text.trim()) {
      if (fallback === -1 || index < fallback) fallback = index;
    }
  }
  if (fallback !== -1) return fallback;
  // Not recognised (a message the engine reworded): the oldest delegate call without a thread.
  for (const index of Object.values(lane.openCalls)) {
    const call = lane.calls[index]!;
    if (call.name === "delegate" && call.thread === null && (fallback === -1 || index < fallback)) fallback = index;
  }
  return fallback;
}

/** The newest arrow of `kind` to `to` (or from `from`) that has not arrived yet. */
function openArrow(arrows: readonly Arrow[], kind: Arrow["kind"], thread: string): number {
  for (let i = arrows.length - 1; i >= 0; i--) {
    const arrow = arrows[i]!;
    if (arrow.kind === kind && arrow.end === null && (kind === "delegation" ? arrow.to : arrow.from) === thread)
      return i;
  }
  return -1;
}

/**
 * What a resume writes to close what a stopped process left open (a request, a tool call, a
 * subagent's run). It happened when the process stopped, not when it was written: such events
 * take the time of the last event before them and don't move the timeline's end.
 */
function isInterruptedClose(payload: SessionEvent["payload"]): boolean {
  switch (payload.type) {
    case "span.model_request_end":
      return payload.interrupted === true;
    case "session.thread_status_idle":
      return payload.reason === "interrupted";
    case "agent.tool_result":
      return payload.is_error && payload.content.startsWith("interrupted:");
    default:
      return false;
  }
}

function apply(d: Draft, event: SessionEvent) {
  const t = d.timeline;
  if (event.seq <= t.lastSeq) return; // a duplicate, or replayed twice
  t.lastSeq = event.seq;
  const time = isInterruptedClose(event.payload) && t.end !== null ? t.end : event.time_ms;
  const previous = t.end;
  t.start = t.start === null ? time : Math.min(t.start, time);
  t.end = t.end === null ? time : Math.max(t.end, time);
  const { payload } = event;
  const lane = d.lane(laneIndex(d, event.thread_id));

  switch (payload.type) {
    case "user.message":
      pushEntry(d, lane, { kind: "task", seq: event.seq, text: payload.text, from: null });
      break;
    case "outcome.feedback":
      pushEntry(d, lane, { kind: "feedback", seq: event.seq, text: payload.text });
      break;
    case "session.status_running":
      // Still running by the log: the process that ran it died, and what it left open with it.
      if (lane.totals.runningSince !== null && previous !== null) {
        for (let i = 0; i < t.lanes.length; i++) interrupt(d, d.lane(i), previous);
      }
      t.status = "running";
      startRun(d, lane, time);
      break;
    case "session.status_idle":
      t.status = "idle";
      endRun(d, lane, time, payload.reason);
      break;
    case "session.thread_status_running":
      startRun(d, lane, time);
      break;
    case "session.thread_status_idle":
      endRun(d, lane, time, payload.reason);
      break;
    case "session.thread_created": {
      const at = t.index[payload.thread_id];
      const created = { agentName: payload.agent_name, agentId: payload.agent_id, parent: payload.parent_thread_id };
      if (at === undefined) {
        const lanes = d.lanes();
        lanes.push(d.own(newLane(payload.thread_id, created)));
        t.index = d.own({ ...t.index, [payload.thread_id]: lanes.length - 1 });
      } else {
        Object.assign(d.lane(at), {
          agentName: created.agentName,
          agentId: created.agentId,
          parentThreadId: created.parent,
        });
      }
      break;
    }
    case "agent.thread_message_sent": {
      const to = payload.to_thread_id;
      const target = t.index[to];
      const delegation = target !== undefined && t.lanes[target]!.parentThreadId === event.thread_id;
      d.arrows().push(
        d.own({
          kind: delegation ? "delegation" : "report",
          seq: event.seq,
          from: event.thread_id,
          to,
          start: time,
          end: null,
          text: payload.text,
        }),
      );
      if (delegation) {
        const sub = d.lane(target);
        sub.state = sub.pendingApprovals > 0 ? "approval" : "queued";
        openSpan(d, sub, "queued", time, "queued");
        const call = delegateCall(lane, to, payload.text, sub.agentName);
        if (call !== -1) d.item(d.list(lane, "calls"), call).thread = to;
      }
      break;
    }
    case "agent.thread_message_received": {
      pushEntry(d, lane, { kind: "task", seq: event.seq, text: payload.text, from: payload.from_thread_id });
      const arrow = openArrow(t.arrows, "delegation", event.thread_id);
      if (arrow !== -1) d.item(d.arrows(), arrow).end = time;
      break;
    }
    case "span.model_request_start": {
      const steps = d.list(lane, "steps");
      if (lane.openStep !== -1) d.item(steps, lane.openStep).end = time; // never left open by the engine
      steps.push(
        d.own({
          seq: event.seq,
          endSeq: null,
          start: time,
          end: null,
          model: payload.model,
          usage: null,
          costUsd: null,
          state: "running",
          calls: [],
        }),
      );
      lane.openStep = steps.length - 1;
      lane.totals = { ...lane.totals, requests: lane.totals.requests + 1 };
      break;
    }
    case "span.model_request_end": {
      if (lane.openStep !== -1) {
        const step = d.item(d.list(lane, "steps"), lane.openStep);
        step.end = Math.max(step.start, time);
        step.endSeq = event.seq;
        step.usage = payload.usage;
        step.costUsd = payload.cost_usd ?? null;
        step.state = payload.interrupted ? "interrupted" : "done";
        lane.openStep = -1;
      }
      lane.okSinceStep = false;
      lane.totals = {
        ...lane.totals,
        usage: addUsage(lane.totals.usage, payload.usage),
        costUsd: payload.cost_usd === undefined ? lane.totals.costUsd : (lane.totals.costUsd ?? 0) + payload.cost_usd,
      };
      break;
    }
    case "agent.message":
      if (payload.text !== "") pushEntry(d, lane, { kind: "text", seq: event.seq, text: payload.text });
      break;
    case "agent.tool_use": {
      pushEntry(d, lane, {
        kind: "tool_use",
        seq: event.seq,
        toolUseId: payload.tool_use_id,
        name: payload.name,
        input: payload.input,
      });
      const calls = d.list(lane, "calls");
      const step = lane.openStep !== -1 ? lane.openStep : lane.steps.length - 1;
      calls.push(
        d.own({
          toolUseId: payload.tool_use_id,
          name: payload.name,
          input: payload.input,
          seq: event.seq,
          start: time,
          end: null,
          output: null,
          state: "running",
          step,
          approval: null,
          thread: null,
        }),
      );
      if (step !== -1)
        d.item(d.list(lane, "steps"), step).calls = d.own([...lane.steps[step]!.calls, calls.length - 1]);
      lane.openCalls = d.own({ ...lane.openCalls, [payload.tool_use_id]: calls.length - 1 });
      break;
    }
    case "agent.tool_result": {
      pushEntry(d, lane, {
        kind: "tool_result",
        seq: event.seq,
        toolUseId: payload.tool_use_id,
        content: payload.content,
        isError: payload.is_error,
      });
      const index = lane.openCalls[payload.tool_use_id];
      if (index === undefined) break;
      const openCalls = { ...lane.openCalls };
      delete openCalls[payload.tool_use_id];
      lane.openCalls = d.own(openCalls);
      const call = d.item(d.list(lane, "calls"), index);
      if (call.state === "approval") {
        lane.pendingApprovals -= 1;
        if (lane.pendingApprovals === 0 && lane.state === "approval") lane.state = "running";
        call.approval = d.own({ ...call.approval!, resolved: time, approved: null });
      }
      call.end = Math.max(call.start, time);
      call.output = payload.content;
      call.state = resultState(payload.content, payload.is_error);
      if (call.state === "ok") lane.okSinceStep = true;
      if (call.thread !== null) {
        const arrow = openArrow(t.arrows, "report", call.thread);
        if (arrow !== -1) d.item(d.arrows(), arrow).end = time;
      }
      break;
    }
    case "session.approval_requested": {
      const index = lane.openCalls[payload.tool_use_id];
      if (index === undefined) break;
      const call = d.item(d.list(lane, "calls"), index);
      if (call.state === "approval") break;
      call.state = "approval";
      call.approval = d.own({ requested: time, resolved: null, approved: null });
      lane.pendingApprovals += 1;
      if (lane.state === "running") lane.state = "approval";
      break;
    }
    case "session.approval_resolved": {
      const index = lane.openCalls[payload.tool_use_id];
      if (index === undefined) break;
      const call = d.item(d.list(lane, "calls"), index);
      if (call.state !== "approval") break;
      call.state = "running";
      call.approval = d.own({ ...call.approval!, resolved: time, approved: payload.approved });
      lane.pendingApprovals -= 1;
      if (lane.pendingApprovals === 0 && lane.state === "approval") lane.state = "running";
      break;
    }
    case "session.error":
      lane.error = payload.error;
      if (!lane.okSinceStep) failLastStep(d, lane, "error");
      break;
    default:
      break;
  }
}

/** The timeline with `events` applied; events it already has are skipped. */
export function applyTimelineEvents(timeline: Timeline, events: readonly SessionEvent[]): Timeline {
  if (events.length === 0) return timeline;
  const draft = new Draft(timeline);
  for (const event of events) apply(draft, event);
  return draft.timeline.lastSeq === timeline.lastSeq ? timeline : draft.timeline;
}

export function applyTimelineEvent(timeline: Timeline, event: SessionEvent): Timeline {
  return applyTimelineEvents(timeline, [event]);
}

/** A stored log, laid out from nothing. */
export function buildTimeline(events: readonly SessionEvent[]): Timeline {
  return applyTimelineEvents(emptyTimeline, events);
}

/* What a view shows at a moment: open things end "now" while the session runs, and at the end of
   the log once it stopped (an interrupted session leaves them open). */

export interface Moment {
  /** The current time (ms). */
  now: number;
  /** Whether the session runs now. */
  live: boolean;
}

/** Where open things end: now while live, else the last event. */
export function horizon(timeline: Timeline, at: Moment): number {
  return at.live ? Math.max(at.now, timeline.end ?? at.now) : (timeline.end ?? at.now);
}

export function laneStateAt(lane: Lane, at: Moment): LaneState {
  return !at.live && OPEN_STATES.has(lane.state) ? "interrupted" : lane.state;
}

export function stepStateAt(step: Step, at: Moment): StepState {
  return step.state === "running" && !at.live ? "interrupted" : step.state;
}

export function callStateAt(call: Call, at: Moment): CallState {
  return (call.state === "running" || call.state === "approval") && !at.live ? "interrupted" : call.state;
}

export function spanStateAt(span: Span, at: Moment): LaneState {
  return span.end === null && !at.live ? "interrupted" : span.state;
}

/** Time the lane's thread spent running, the run going on included. */
export function laneDuration(lane: Lane, timeline: Timeline, at: Moment): number {
  const since = lane.totals.runningSince;
  return lane.totals.durationMs + (since === null ? 0 : Math.max(0, horizon(timeline, at) - since));
}

/** Whether one thread can be stopped now: a subagent's, queued or working. */
export function canStop(lane: Lane, index: number, at: Moment): boolean {
  return at.live && index > 0 && lane.parentThreadId !== null && OPEN_STATES.has(lane.state);
}
