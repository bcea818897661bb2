import {
  callStateAt,
  horizon,
  spanStateAt,
  stepStateAt,
  type Lane,
  type LaneState,
  type Moment,
  type Step,
  type Timeline,
} from "./timeline";
import {
  AXIS_HEIGHT,
  CALL_HEIGHT,
  CALL_TOP,
  endOf,
  firstCallStartingAfter,
  firstStepEndingAfter,
  LANE_HEIGHT,
  laneTop,
  MIN_STEP_PX,
  STEP_HEIGHT,
  STEP_TOP,
  tickLabel,
  tickStep,
  timeAt,
  visibleLanes,
  xOf,
  type Hit,
  type View,
} from "./timelineGeometry";

/**
 * Draws a timeline on a 2D canvas context (in CSS pixels; the caller scales for the device's
 * pixel ratio). Only what is in view is drawn, rectangles of one colour go into one path, and
 * bars narrower than a pixel merge with their neighbours, so the cost follows what is on
 * screen, not the length of the session.
 */

/** The part of `CanvasRenderingContext2D` the timeline draws with. */
export type DrawContext = Pick<
  CanvasRenderingContext2D,
  | "fillStyle"
  | "strokeStyle"
  | "lineWidth"
  | "font"
  | "textBaseline"
  | "globalAlpha"
  | "fillRect"
  | "clearRect"
  | "beginPath"
  | "rect"
  | "fill"
  | "stroke"
  | "moveTo"
  | "lineTo"
  | "bezierCurveTo"
  | "closePath"
  | "fillText"
  | "measureText"
  | "save"
  | "restore"
  | "clip"
  | "setLineDash"
  | "strokeRect"
> &
  Partial<Pick<CanvasRenderingContext2D, "roundRect">>;

export interface Palette {
  /** Each state's colour (bars, calls, periods, the legend). */
  states: Record<LaneState, string>;
  background: string;
  /** Every other lane's background. */
  laneAlt: string;
  border: string;
  grid: string;
  text: string;
  muted: string;
  /** Text on a bar. */
  onBar: string;
  delegation: string;
  report: string;
  now: string;
  selection: string;
  /** Queued periods: a hatch pattern, or a plain colour. */
  queued: string | CanvasPattern;
}

export interface DrawOptions {
  selected: Hit | null;
  font: string;
}

/** How much was drawn: for the benchmark, and for tests of culling. */
export interface DrawStats {
  lanes: number;
  rects: number;
  arrows: number;
  labels: number;
}

/** Rectangles by colour, each colour filled as one path. */
class Rects {
  private readonly byColour = new Map<string, number[]>();
  count = 0;

  add(colour: string, x: number, y: number, w: number, h: number) {
    let list = this.byColour.get(colour);
    if (!list) {
      list = [];
      this.byColour.set(colour, list);
    }
    list.push(x, y, w, h);
    this.count += 1;
  }

  fill(ctx: DrawContext, round: boolean) {
    for (const [colour, list] of this.byColour) {
      ctx.fillStyle = colour;
      ctx.beginPath();
      for (let i = 0; i < list.length; i += 4) {
        const x = list[i]!;
        const y = list[i + 1]!;
        const w = list[i + 2]!;
        const h = list[i + 3]!;
        // Rounded corners cost a curve each and barely show on a narrow bar.
        if (round && w >= 14 && ctx.roundRect) ctx.roundRect(x, y, w, h, 3);
        else ctx.rect(x, y, w, h);
      }
      ctx.fill();
    }
    this.byColour.clear();
  }
}

/** Merges rectangles of one row that overlap or nearly touch (under half a pixel apart) and share a colour. */
class Row {
  private colour = "";
  private x0 = 0;
  private x1 = -Infinity;

  private readonly out: Rects;
  private readonly y: number;
  private readonly h: number;

  constructor(out: Rects, y: number, h: number) {
    this.out = out;
    this.y = y;
    this.h = h;
  }

  add(colour: string, x: number, w: number) {
    if (colour === this.colour && x <= this.x1 + 0.5) {
      this.x1 = Math.max(this.x1, x + w);
      return;
    }
    this.flush();
    this.colour = colour;
    this.x0 = x;
    this.x1 = x + w;
  }

  flush() {
    if (this.colour !== "") this.out.add(this.colour, this.x0, this.y, this.x1 - this.x0, this.h);
    this.colour = "";
    this.x1 = -Infinity;
  }
}

/** The few words a wide bar shows: the tools the request called, or what it did. */
export function stepLabel(lane: Lane, step: Step): string {
  if (step.calls.length === 0) {
    if (step.state === "error") return "failed";
    if (step.state === "cancelled") return "stopped";
    if (step.state === "interrupted") return "interrupted";
    return step.end === null ? "thinking…" : "reply";
  }
  const counts = new Map<string, number>();
  for (const index of step.calls) {
    const name = lane.calls[index]?.name ?? "tool";
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts].map(([name, n]) => (n > 1 ? `${name} ×${n}` : name)).join(", ");
}

export function drawTimeline(
  ctx: DrawContext,
  timeline: Timeline,
  view: View,
  at: Moment,
  palette: Palette,
  options: DrawOptions,
): DrawStats {
  const stats: DrawStats = { lanes: 0, rects: 0, arrows: 0, labels: 0 };
  const { width, height } = view;
  const edge = horizon(timeline, at);
  const viewStart = timeAt(view, 0);
  const viewEnd = timeAt(view, width);
  const [first, last] = visibleLanes(view, timeline.lanes.length);

  ctx.fillStyle = palette.background;
  ctx.fillRect(0, 0, width, height);

  // Lane backgrounds and separators.
  for (let i = first; i <= last; i++) {
    const top = laneTop(view, i);
    if (i % 2 === 1) {
      ctx.fillStyle = palette.laneAlt;
      ctx.fillRect(0, top, width, LANE_HEIGHT);
    }
    ctx.fillStyle = palette.border;
    ctx.fillRect(0, top + LANE_HEIGHT - 1, width, 1);
  }

  // Grid lines at the axis' ticks.
  const origin = timeline.start ?? view.start;
  const step = tickStep(view.msPerPx);
  const firstTick = Math.ceil((viewStart - origin) / step) * step;
  ctx.fillStyle = palette.grid;
  for (let t = firstTick; origin + t <= viewEnd; t += step) {
    ctx.fillRect(Math.round(xOf(view, origin + t)), AXIS_HEIGHT, 1, height - AXIS_HEIGHT);
  }

  const spans = new Rects();
  const bars = new Rects();
  const lines = new Rects();
  const labels: Array<{ x: number; y: number; w: number; text: string }> = [];

  for (let i = first; i <= last; i++) {
    const lane = timeline.lanes[i]!;
    const top = laneTop(view, i);
    stats.lanes += 1;

    // Periods: running (a faint band in the state's colour) and queued (hatched).
    const band = new Row(spans, top + 3, LANE_HEIGHT - 7);
    for (const span of lane.spans) {
      const end = span.end ?? edge;
      if (end < viewStart || span.start > viewEnd) continue;
      const x = xOf(view, span.start);
      if (span.kind === "queued") {
        // A wait too short to see is no wait worth showing.
        const w = xOf(view, end) - x;
        if (w < 2) continue;
        band.flush();
        ctx.fillStyle = palette.queued;
        ctx.fillRect(x, top + 3, w, LANE_HEIGHT - 7);
        stats.rects += 1;
      } else {
        band.add(palette.states[spanStateAt(span, at)], x, Math.max(1, xOf(view, end) - x));
      }
    }
    band.flush();

    // Model requests.
    const row = new Row(bars, top + STEP_TOP, STEP_HEIGHT);
    for (let s = firstStepEndingAfter(lane.steps, viewStart, edge); s < lane.steps.length; s++) {
      const item = lane.steps[s]!;
      if (item.start > viewEnd) break;
      const x = xOf(view, item.start);
      const w = Math.max(MIN_STEP_PX, xOf(view, endOf(item, edge)) - x);
      row.add(palette.states[stepStateAt(item, at)], x, w);
      if (w >= 44) labels.push({ x, y: top + STEP_TOP, w, text: stepLabel(lane, item) });
    }
    row.flush();

    // Tool calls: a line from the call to its result, a tick where it starts, and the wait
    // for approval in its colour.
    const calls = lane.calls;
    const callEnd = firstCallStartingAfter(calls, viewEnd);
    const line = new Row(lines, top + CALL_TOP, CALL_HEIGHT);
    const tick = new Row(lines, top + CALL_TOP - 3, CALL_HEIGHT + 6);
    const wait = new Row(lines, top + CALL_TOP - 2, CALL_HEIGHT + 4);
    for (let c = 0; c < callEnd; c++) {
      const call = calls[c]!;
      const end = endOf(call, edge);
      if (end < viewStart) continue;
      const x = xOf(view, call.start);
      const colour = palette.states[callStateColour(callStateAt(call, at))];
      line.add(colour, x, Math.max(1.5, xOf(view, end) - x));
      tick.add(colour, x, 2);
      if (call.approval) {
        const ax = xOf(view, call.approval.requested);
        const aEnd = call.approval.resolved ?? (at.live ? edge : call.approval.requested);
        wait.add(palette.states.approval, ax, Math.max(3, xOf(view, aEnd) - ax));
      }
    }
    line.flush();
    tick.flush();
    wait.flush();
  }

  stats.rects += spans.count + bars.count + lines.count;
  ctx.globalAlpha = 0.13;
  spans.fill(ctx, false);
  ctx.globalAlpha = 1;
  // Arrows under the bars, so a message crossing a lane never hides a bar's label; their heads
  // stop short of the bars they point at.
  stats.arrows = drawArrows(ctx, timeline, view, palette, first, last);
  bars.fill(ctx, true);
  lines.fill(ctx, false);

  // Labels on bars wide enough for them.
  if (labels.length > 0) {
    ctx.font = options.font;
    ctx.textBaseline = "middle";
    ctx.fillStyle = palette.onBar;
    for (const label of labels) {
      const room = label.w - 10;
      const text = fit(ctx, label.text, room);
      if (text === "") continue;
      ctx.fillText(text, Math.max(label.x, 0) + 5, label.y + STEP_HEIGHT / 2 + 0.5);
      stats.labels += 1;
    }
  }

  // The selected step (or call) gets an outline.
  if (options.selected) outline(ctx, timeline, view, edge, palette, options.selected);

  // Now, while the session runs.
  if (at.live) {
    const x = Math.round(xOf(view, at.now));
    if (x >= 0 && x <= width) {
      ctx.fillStyle = palette.now;
      ctx.fillRect(x, AXIS_HEIGHT - 4, 1.5, height - AXIS_HEIGHT + 4);
    }
  }

  // The axis, over everything scrolled under it.
  ctx.fillStyle = palette.background;
  ctx.fillRect(0, 0, width, AXIS_HEIGHT);
  ctx.fillStyle = palette.border;
  ctx.fillRect(0, AXIS_HEIGHT - 1, width, 1);
  ctx.font = options.font;
  ctx.textBaseline = "middle";
  for (let t = firstTick - step; origin + t <= viewEnd; t += step) {
    const x = Math.round(xOf(view, origin + t));
    ctx.fillStyle = palette.grid;
    ctx.fillRect(x, AXIS_HEIGHT - 7, 1, 6);
    ctx.fillStyle = palette.muted;
    ctx.fillText(tickLabel(t, step), x + 4, AXIS_HEIGHT / 2 - 1);
  }
  if (at.live) {
    const x = xOf(view, at.now);
    if (x >= 0 && x <= width) {
      ctx.fillStyle = palette.now;
      ctx.beginPath();
      ctx.moveTo(x - 5, AXIS_HEIGHT - 8);
      ctx.lineTo(x + 5, AXIS_HEIGHT - 8);
      ctx.lineTo(x, AXIS_HEIGHT - 2);
      ctx.closePath();
      ctx.fill();
    }
  }
  return stats;
}

function callStateColour(state: ReturnType<typeof callStateAt>): LaneState {
  return state === "ok" ? "done" : state;
}

/** `text` cut (with an ellipsis) to fit `room` px; "" when not even a letter fits. */
function fit(ctx: DrawContext, text: string, room: number): string {
  if (room < 14) return "";
  if (ctx.measureText(text).width <= room) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ctx.measureText(`${text.slice(0, mid)}…`).width <= room) lo = mid;
    else hi = mid - 1;
  }
  return lo === 0 ? "" : `${text.slice(0, lo)}…`;
}

function drawArrows(
  ctx: DrawContext,
  timeline: Timeline,
  view: View,
  palette: Palette,
  first: number,
  last: number,
): number {
  let drawn = 0;
  ctx.lineWidth = 1.5;
  for (const arrow of timeline.arrows) {
    const from = timeline.index[arrow.from];
    const to = timeline.index[arrow.to];
    if (from === undefined || to === undefined || from === to) continue;
    // Off screen above or below, as a whole.
    if (Math.max(from, to) < first || Math.min(from, to) > last) continue;
    const distance = Math.abs(to - from);
    const bow = Math.min(40, 6 + 5 * distance);
    const x0 = xOf(view, arrow.start);
    const x1 = xOf(view, arrow.end ?? arrow.start);
    if (Math.max(x0, x1) + bow < 0 || Math.min(x0, x1) - bow > view.width) continue;
    const down = to > from;
    const y0 = down ? laneTop(view, from) + LANE_HEIGHT - 5 : laneTop(view, from) + STEP_TOP - 2;
    const y1 = down ? laneTop(view, to) + STEP_TOP - 2 : laneTop(view, to) + LANE_HEIGHT - 5;
    // Delegations bow forward in time, reports back, so the two sorts of a moment don't overlap.
    const side = arrow.kind === "delegation" ? bow : -bow;
    const colour = arrow.kind === "delegation" ? palette.delegation : palette.report;
    const c1x = x0 + side;
    const c1y = y0 + (y1 - y0) * 0.4;
    const c2x = x1 + side;
    const c2y = y1 - (y1 - y0) * 0.4;
    ctx.strokeStyle = colour;
    ctx.setLineDash(arrow.kind === "report" ? [4, 3] : []);
    ctx.beginPath();
    ctx.moveTo(x0, y0);
    ctx.bezierCurveTo(c1x, c1y, c2x, c2y, x1, y1);
    ctx.stroke();
    ctx.setLineDash([]);
    // The head, along the curve's last direction.
    const dir = Math.atan2(y1 - c2y, x1 - c2x);
    ctx.fillStyle = colour;
    ctx.beginPath();
    ctx.moveTo(x1, y1);
    ctx.lineTo(x1 - 7 * Math.cos(dir - 0.45), y1 - 7 * Math.sin(dir - 0.45));
    ctx.lineTo(x1 - 7 * Math.cos(dir + 0.45), y1 - 7 * Math.sin(dir + 0.45));
    ctx.closePath();
    ctx.fill();
    drawn += 1;
  }
  return drawn;
}

function outline(ctx: DrawContext, timeline: Timeline, view: View, edge: number, palette: Palette, hit: Hit) {
  const lane = timeline.lanes[hit.lane];
  if (!lane) return;
  const top = laneTop(view, hit.lane);
  ctx.strokeStyle = palette.selection;
  ctx.lineWidth = 2;
  if (hit.kind === "step") {
    const step = lane.steps[hit.index];
    if (!step) return;
    const x = xOf(view, step.start);
    const w = Math.max(MIN_STEP_PX, xOf(view, endOf(step, edge)) - x);
    ctx.strokeRect(x - 2, top + STEP_TOP - 2, w + 4, STEP_HEIGHT + 4);
  } else {
    const call = lane.calls[hit.index];
    if (!call) return;
    const x = xOf(view, call.start);
    const w = Math.max(2, xOf(view, endOf(call, edge)) - x);
    ctx.strokeRect(x - 2, top + CALL_TOP - 4, w + 4, CALL_HEIGHT + 8);
  }
}
