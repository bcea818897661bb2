import { formatCompact, formatDuration, totalTokens } from "../../shared/format";
import { horizon, type Lane, type LaneState, type Moment, type Timeline } from "./timeline";
import { stepLabel } from "./timelineDraw";
import { endOf, type Hit } from "./timelineGeometry";

/** What the timeline says in words: lane names and states, the legend, the tooltip, the keys. */

export const LANE_STATE_LABELS: Record<LaneState, string> = {
  running: "Running",
  queued: "Queued",
  approval: "Waiting for approval",
  done: "Done",
  error: "Failed",
  cancelled: "Cancelled",
  interrupted: "Interrupted",
};

/** The legend's entries, in the order a run goes through them. */
export const LEGEND: LaneState[] = ["running", "queued", "approval", "done", "error", "cancelled"];

export const KEY_HINT = "← → pan · + − zoom · 0 fit · [ ] previous / next request · ↑ ↓ other thread · Esc close";

export function laneName(lane: Lane, index: number, coordinatorName: string): string {
  if (index === 0 && lane.parentThreadId === null) return coordinatorName;
  return lane.agentName ?? `Thread ${lane.threadId}`;
}

export function laneStateLabel(lane: Lane, state: LaneState): string {
  if (state === "error" && lane.stopReason === "max_turns") return "Turn limit";
  if (state === "cancelled" && lane.stopReason === "app_quit") return "Stopped when Reverie quit";
  if (state === "approval") return "Needs approval";
  return LANE_STATE_LABELS[state];
}

/** One line about what the pointer is over. */
export function describeHit(timeline: Timeline, hit: Hit, at: Moment, coordinatorName: string): string | null {
  const lane = timeline.lanes[hit.lane];
  if (!lane) return null;
  const name = laneName(lane, hit.lane, coordinatorName);
  const edge = horizon(timeline, at);
  if (hit.kind === "step") {
    const step = lane.steps[hit.index];
    if (!step) return null;
    const tokens = step.usage ? ` · ${formatCompact(totalTokens(step.usage))} tokens` : "";
    return `${name} · request ${hit.index + 1}: ${stepLabel(lane, step)} · ${formatDuration(endOf(step, edge) - step.start)}${tokens}`;
  }
  const call = lane.calls[hit.index];
  if (!call) return null;
  return `${name} · ${call.name} · ${formatDuration(endOf(call, edge) - call.start)}${call.end === null ? " so far" : ""}`;
}
