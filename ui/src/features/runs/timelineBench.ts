import { countingContext } from "./fixtures/countingContext";
import { generateSession } from "./fixtures/generateSession";
import { applyTimelineEvent, buildTimeline, type LaneState, type Moment, type Timeline } from "./timeline";
import { drawTimeline, type DrawContext, type Palette } from "./timelineDraw";
import { contentHeight, fitView, type View } from "./timelineGeometry";

/**
 * The timeline benchmark's measurements (`npm run bench:timeline` runs them under Node and in
 * Chromium): layout of a generated 25-lane, 10,000-event session from scratch, one more event
 * applied to it, and a full draw. Not a test: it prints figures and asserts nothing.
 */

export interface Figures {
  runs: number;
  median: number;
  /** Nearest rank. */
  p99: number;
  min: number;
  max: number;
}

export function figures(samples: readonly number[]): Figures {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
  return { runs: sorted.length, median: rank(0.5), p99: rank(0.99), min: sorted[0]!, max: sorted.at(-1)! };
}

function time(runs: number, warmup: number, work: (run: number) => void): Figures {
  for (let i = 0; i < warmup; i++) work(i);
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    work(i);
    samples.push(performance.now() - start);
  }
  return figures(samples);
}

const STATES: LaneState[] = ["queued", "running", "approval", "done", "error", "cancelled", "interrupted"];
/** A palette of plain colours (the app's come from its stylesheet). */
export const BENCH_PALETTE: Palette = {
  states: Object.fromEntries(STATES.map((s, i) => [s, `hsl(${i * 50} 60% 45%)`])) as Record<LaneState, string>,
  background: "#ffffff",
  laneAlt: "#f7f6f3",
  border: "#dedbd3",
  grid: "#ecebe6",
  text: "#1f1e1c",
  muted: "#67635b",
  onBar: "#ffffff",
  delegation: "#5b4fd0",
  report: "#4f7f63",
  now: "#5b4fd0",
  selection: "#1f1e1c",
  queued: "#d8d5ce",
};

export interface Session {
  timeline: Timeline;
  events: number;
  lanes: number;
  requests: number;
  calls: number;
  arrows: number;
}

const STORED: Moment = { now: 0, live: false };
export const LANES = 25;
export const EVENTS = 10_000;
export const WIDTH = 1200;

/** MORE events after the first 10,000 of a session still running, for "one more event". */
const MORE = 200;
let cached: {
  events: ReturnType<typeof generateSession>;
  timeline: Timeline;
  live: ReturnType<typeof generateSession>;
  liveTimeline: Timeline;
} | null = null;
/** A finished session of exactly 10,000 events, and one caught running at its 10,000th. */
function session() {
  if (!cached) {
    const events = generateSession(LANES, EVENTS);
    const live = generateSession(LANES, EVENTS, MORE);
    cached = { events, timeline: buildTimeline(events.events), live, liveTimeline: buildTimeline(live.events) };
  }
  return cached;
}

export function describeSession(): Session {
  const { timeline, events } = session();
  return {
    timeline,
    events: events.events.length,
    lanes: timeline.lanes.length,
    requests: timeline.lanes.reduce((n, l) => n + l.steps.length, 0),
    calls: timeline.lanes.reduce((n, l) => n + l.calls.length, 0),
    arrows: timeline.arrows.length,
  };
}

/**
 * (a) all events laid out from nothing; (b) one more event applied to the layout of a running
 * session's 10,000 events: each sample applies `batch` different next events (a subagent's
 * request, message, tool call, report…) to that same layout and gives the mean per event (a
 * browser's clock is too coarse for one).
 */
export function benchLayout(runs: number, batch = 1): { fromScratch: Figures; oneMore: Figures } {
  const { events, live, liveTimeline } = session();
  const fromScratch = time(runs, 5, () => {
    buildTimeline(events.events);
  });
  const samples: number[] = [];
  for (let run = -5; run < runs; run++) {
    const start = performance.now();
    for (let i = 0; i < batch; i++) applyTimelineEvent(liveTimeline, live.more[(run * batch + i + MORE * 100) % MORE]!);
    if (run >= 0) samples.push((performance.now() - start) / batch);
  }
  return { fromScratch, oneMore: figures(samples) };
}

/** The two views drawn: the whole session, and ten seconds of its middle. */
export function benchViews(): { whole: View; zoomed: View } {
  const { timeline } = session();
  const height = contentHeight(LANES);
  const whole: View = { ...fitView(timeline, STORED, WIDTH), width: WIDTH, height, scrollTop: 0 };
  const middle = (timeline.start! + timeline.end!) / 2;
  const zoomed: View = { start: middle, msPerPx: 10_000 / WIDTH, width: WIDTH, height, scrollTop: 0 };
  return { whole, zoomed };
}

/** (c) a full draw of a view into `ctx`, then `flush` (a real canvas finishes its work there). */
export function benchDraw(ctx: DrawContext, view: View, runs: number, flush: () => void = () => {}): Figures {
  const { timeline } = session();
  const lane = timeline.lanes[3]!;
  const selected = { lane: 3, kind: "step" as const, index: Math.floor(lane.steps.length / 2) };
  return time(runs, 5, () => {
    drawTimeline(ctx, timeline, view, STORED, BENCH_PALETTE, { selected, font: "11px sans-serif" });
    flush();
  });
}

/** What one draw of a view asks of the context, counted. */
export function drawCalls(view: View): { calls: number; rects: number; texts: number } {
  const { timeline } = session();
  const ctx = countingContext();
  const stats = drawTimeline(ctx, timeline, view, STORED, BENCH_PALETTE, { selected: null, font: "11px sans-serif" });
  return { calls: ctx.total(), rects: stats.rects, texts: ctx.texts.length };
}

/** Everything above in one go, for a browser page: real canvas at the page's pixel ratio. */
export function browserBench(runs: number) {
  const dpr = window.devicePixelRatio || 1;
  const { whole, zoomed } = benchViews();
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(WIDTH * dpr);
  canvas.height = Math.round(whole.height * dpr);
  document.body.append(canvas);
  const ctx = canvas.getContext("2d")!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  // Reading a pixel back makes the canvas finish drawing, so the time includes rasterizing.
  const flush = () => void ctx.getImageData(0, 0, 1, 1);
  const layout = benchLayout(runs, MORE);
  return {
    dpr,
    batch: MORE,
    canvas: { width: canvas.width, height: canvas.height },
    ...layout,
    drawWhole: benchDraw(ctx, whole, runs, flush),
    drawZoomed: benchDraw(ctx, zoomed, runs, flush),
  };
}

/** The same under Node: no canvas, so the draw goes into a context that only counts calls. */
export function nodeBench(runs: number) {
  const { whole, zoomed } = benchViews();
  const layout = benchLayout(runs);
  return {
    ...layout,
    drawWhole: benchDraw(countingContext(), whole, runs),
    drawZoomed: benchDraw(countingContext(), zoomed, runs),
    callsWhole: drawCalls(whole),
    callsZoomed: drawCalls(zoomed),
  };
}
