import { horizon, type Call, type Lane, type Moment, type Step, type Timeline } from "./timeline";

/**
 * Where things of the timeline are on screen: the mapping between time and x, lanes and y, that
 * the canvas draws with and clicks are tested against. Units are CSS pixels.
 */

/** The time axis across the top of the canvas. */
export const AXIS_HEIGHT = 26;
export const LANE_HEIGHT = 44;
/** A model request's bar, from the lane's top. */
export const STEP_TOP = 8;
export const STEP_HEIGHT = 17;
/** A tool call's line, under the bars. */
export const CALL_TOP = 30;
export const CALL_HEIGHT = 5;
/** Narrower things are drawn this wide, so each stays visible and clickable. */
export const MIN_STEP_PX = 2;
/** How far (px) from a thing a click still hits it. */
export const HIT_SLOP = 3;

/** Zoom limits, in milliseconds per pixel. */
export const MIN_MS_PER_PX = 0.05;
export const MAX_MS_PER_PX = 3_600_000;

export interface View {
  /** Time at x = 0. */
  start: number;
  msPerPx: number;
  /** The canvas' size. */
  width: number;
  height: number;
  /** How far the lanes are scrolled up (the axis stays). */
  scrollTop: number;
}

export const xOf = (view: View, time: number) => (time - view.start) / view.msPerPx;
export const timeAt = (view: View, x: number) => view.start + x * view.msPerPx;
export const laneTop = (view: View, lane: number) => AXIS_HEIGHT + lane * LANE_HEIGHT - view.scrollTop;
/** The height all lanes take, the axis included. */
export const contentHeight = (lanes: number) => AXIS_HEIGHT + lanes * LANE_HEIGHT;

export function clampScale(msPerPx: number): number {
  return Math.min(MAX_MS_PER_PX, Math.max(MIN_MS_PER_PX, msPerPx));
}

/** The lanes (first, last inclusive) that show in the view; last < first when none. */
export function visibleLanes(view: View, count: number): [number, number] {
  const first = Math.max(0, Math.floor((view.scrollTop - LANE_HEIGHT) / LANE_HEIGHT) + 1);
  const last = Math.min(count - 1, Math.floor((view.scrollTop + view.height - AXIS_HEIGHT) / LANE_HEIGHT));
  return [first, last];
}

/** Where a step or call ends on screen: its end, or the horizon while it is open. */
export const endOf = (item: Step | Call, edge: number) => item.end ?? Math.max(item.start, edge);

/**
 * The first step that ends at or after `time`. A thread makes one request at a time, so a lane's
 * steps are in order by start and by end alike.
 */
export function firstStepEndingAfter(steps: readonly Step[], time: number, edge: number): number {
  let lo = 0;
  let hi = steps.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (endOf(steps[mid]!, edge) < time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first call that starts after `time` (calls are in order by start). */
export function firstCallStartingAfter(calls: readonly Call[], time: number): number {
  let lo = 0;
  let hi = calls.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (calls[mid]!.start <= time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export type Hit = { lane: number; kind: "step" | "call"; index: number };

/** The step or tool call under the point (x, y) of the canvas, if any. */
export function hitTest(timeline: Timeline, view: View, at: Moment, x: number, y: number): Hit | null {
  if (y < AXIS_HEIGHT) return null;
  const laneIndex = Math.floor((y - AXIS_HEIGHT + view.scrollTop) / LANE_HEIGHT);
  const lane = timeline.lanes[laneIndex];
  if (!lane) return null;
  const top = laneTop(view, laneIndex);
  const inLane = y - top;
  const edge = horizon(timeline, at);
  const slop = HIT_SLOP * view.msPerPx;
  const time = timeAt(view, x);

  if (inLane >= STEP_TOP - HIT_SLOP && inLane <= STEP_TOP + STEP_HEIGHT + HIT_SLOP) {
    const index = stepAt(lane, view, time, slop, edge);
    if (index !== -1) return { lane: laneIndex, kind: "step", index };
  }
  if (inLane >= CALL_TOP - HIT_SLOP - 2 && inLane <= CALL_TOP + CALL_HEIGHT + HIT_SLOP) {
    const index = callAt(lane, view, time, slop, edge);
    if (index !== -1) return { lane: laneIndex, kind: "call", index };
  }
  return null;
}

function stepAt(lane: Lane, view: View, time: number, slop: number, edge: number): number {
  const minWidth = MIN_STEP_PX * view.msPerPx;
  let best = -1;
  let bestDistance = Infinity;
  for (let i = firstStepEndingAfter(lane.steps, time - slop - minWidth, edge); i < lane.steps.length; i++) {
    const step = lane.steps[i]!;
    if (step.start > time + slop) break;
    const end = Math.max(endOf(step, edge), step.start + minWidth);
    const distance = time < step.start ? step.start - time : time > end ? time - end : 0;
    if (distance <= slop && distance < bestDistance) {
      best = i;
      bestDistance = distance;
    }
  }
  return best;
}

function callAt(lane: Lane, view: View, time: number, slop: number, edge: number): number {
  // Calls of one request can overlap (delegations run side by side): the shortest one wins.
  const minWidth = 6 * view.msPerPx;
  let best = -1;
  let bestLength = Infinity;
  for (let i = firstCallStartingAfter(lane.calls, time + slop) - 1; i >= 0; i--) {
    const call = lane.calls[i]!;
    const end = Math.max(endOf(call, edge), call.start + minWidth);
    if (time < call.start - slop || time > end + slop) continue;
    const length = end - call.start;
    if (length < bestLength) {
      best = i;
      bestLength = length;
    }
  }
  return best;
}

/** The step a hit stands for: a call's hit opens the request that made it. */
export function stepOfHit(timeline: Timeline, hit: Hit): { lane: number; step: number } | null {
  const lane = timeline.lanes[hit.lane];
  if (!lane) return null;
  const step = hit.kind === "step" ? hit.index : (lane.calls[hit.index]?.step ?? -1);
  return step >= 0 && step < lane.steps.length ? { lane: hit.lane, step } : null;
}

/** The view that shows the whole session in `width` px, with a little room at both ends. */
export function fitView(timeline: Timeline, at: Moment, width: number): { start: number; msPerPx: number } {
  const start = timeline.start ?? at.now;
  const end = Math.max(horizon(timeline, at), start + 1000);
  const usable = Math.max(40, width - 24);
  const msPerPx = clampScale((end - start) / usable);
  return { start: start - 8 * msPerPx, msPerPx };
}

/** The view zoomed by `factor` (>1 zooms in) around the point x. */
export function zoomAround(view: View, factor: number, x: number): { start: number; msPerPx: number } {
  const msPerPx = clampScale(view.msPerPx / factor);
  const anchor = timeAt(view, x);
  return { start: anchor - x * msPerPx, msPerPx };
}

const TICK_STEPS = [
  1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000,
  900_000, 1_800_000, 3_600_000, 7_200_000, 21_600_000, 43_200_000, 86_400_000,
];

/** The axis' tick interval: the smallest round step at least `minPx` apart. */
export function tickStep(msPerPx: number, minPx = 84): number {
  return TICK_STEPS.find((step) => step / msPerPx >= minPx) ?? TICK_STEPS.at(-1)!;
}

/** A tick's label: time since the session started ("0 s", "450 ms", "12 s", "1 min 30 s"). */
export function tickLabel(ms: number, step: number): string {
  if (ms === 0) return "0 s";
  const sign = ms < 0 ? "−" : "";
  const abs = Math.abs(ms);
  if (step < 1000)
    return abs < 1000 ? `${sign}${Math.round(abs)} ms` : `${sign}${(abs / 1000).toFixed(step < 100 ? 2 : 1)} s`;
  if (abs < 60_000) return `${sign}${Math.round(abs / 1000)} s`;
  const minutes = Math.floor(abs / 60_000);
  const seconds = Math.round((abs % 60_000) / 1000);
  if (minutes < 60) return seconds === 0 ? `${sign}${minutes} min` : `${sign}${minutes} min ${seconds} s`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 === 0 ? `${sign}${hours} h` : `${sign}${hours} h ${minutes % 60} min`;
}
