import {
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type KeyboardEvent,
  type PointerEvent,
} from "react";
import { toAppError, useBackend } from "../../ipc";
import { Spinner } from "../../shared/Spinner";
import { useTheme } from "../../shared/theme/ThemeProvider";
import { formatCompact, formatCost, formatDuration, totalTokens } from "../../shared/format";
import type { SessionState } from "./sessionState";
import { PendingApprovals } from "./Transcript";
import {
  canStop,
  horizon,
  laneDuration,
  laneStateAt,
  type Lane,
  type LaneState,
  type Moment,
  type Timeline,
} from "./timeline";
import { drawTimeline, stepLabel, type Palette } from "./timelineDraw";
import {
  AXIS_HEIGHT,
  contentHeight,
  endOf,
  fitView,
  hitTest,
  LANE_HEIGHT,
  stepOfHit,
  timeAt,
  zoomAround,
  type Hit,
  type View,
} from "./timelineGeometry";
import { TimelineStepPanel } from "./TimelineStepPanel";
import "./timeline.css";

interface TimelineViewProps {
  sessionId: string;
  timeline: Timeline;
  /** For the text a request streams, the subagents' names and the approvals waiting. */
  state: SessionState;
  /** Whether the session runs now. */
  live: boolean;
  /** The session's agent: the first lane's name. */
  coordinatorName: string;
}

/** A selected step: by thread, so it survives new lanes. */
export interface Selection {
  threadId: string;
  step: number;
}

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
const LEGEND: LaneState[] = ["running", "queued", "approval", "done", "error", "cancelled"];

const PALETTE_KEYS = [
  "background",
  "laneAlt",
  "border",
  "grid",
  "text",
  "muted",
  "onBar",
  "delegation",
  "report",
  "now",
  "selection",
] as const;

/** Colours used where the stylesheet's cannot be read (tests). */
const FALLBACK: Palette = {
  states: {
    running: "#2f5ea8",
    queued: "#8a8577",
    approval: "#c98a14",
    done: "#1c7a43",
    error: "#b3261e",
    cancelled: "#8a8577",
    interrupted: "#8a8577",
  },
  background: "#fff",
  laneAlt: "#f7f6f3",
  border: "#dedbd3",
  grid: "#ebe9e4",
  text: "#1f1e1c",
  muted: "#67635b",
  onBar: "#fff",
  delegation: "#5b4fd0",
  report: "#67635b",
  now: "#5b4fd0",
  selection: "#1f1e1c",
  queued: "#d8d5ce",
};

/** The palette as the stylesheet has it now: the legend's swatches and the hidden colour probes. */
function readPalette(root: HTMLElement): Palette {
  const colour = (element: Element | null, property: "color" | "backgroundColor", fallback: string) => {
    if (!element) return fallback;
    const value = getComputedStyle(element)[property];
    return value && value !== "rgba(0, 0, 0, 0)" ? value : fallback;
  };
  const states = { ...FALLBACK.states };
  for (const state of Object.keys(states) as LaneState[]) {
    states[state] = colour(root.querySelector(`.timeline-colours [data-state="${state}"]`), "color", states[state]);
  }
  const palette: Palette = { ...FALLBACK, states };
  for (const key of PALETTE_KEYS) {
    palette[key] = colour(root.querySelector(`.timeline-colours [data-colour="${key}"]`), "color", FALLBACK[key]);
  }
  palette.queued = hatch(states.queued) ?? states.queued;
  return palette;
}

/** Diagonal stripes in `colour`, for queued periods. */
function hatch(colour: string): CanvasPattern | null {
  if (typeof document === "undefined") return null;
  const tile = document.createElement("canvas");
  tile.width = 8;
  tile.height = 8;
  const ctx = tile.getContext("2d");
  if (!ctx) return null;
  ctx.strokeStyle = colour;
  ctx.globalAlpha = 0.45;
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.moveTo(-2, 10);
  ctx.lineTo(10, -2);
  ctx.moveTo(6, 10);
  ctx.lineTo(10, 6);
  ctx.moveTo(-2, 2);
  ctx.lineTo(2, -2);
  ctx.stroke();
  return ctx.createPattern(tile, "repeat");
}

export function laneName(lane: Lane, index: number, coordinatorName: string): string {
  if (index === 0 && lane.parentThreadId === null) return coordinatorName;
  return lane.agentName ?? `Thread ${lane.threadId}`;
}

function laneStateLabel(lane: Lane, state: LaneState): string {
  if (state === "error" && lane.stopReason === "max_turns") return "Turn limit";
  if (state === "cancelled" && lane.stopReason === "app_quit") return "Stopped when Reverie quit";
  if (state === "approval") return "Needs approval";
  return LANE_STATE_LABELS[state];
}

const KEY_HINT = "← → pan · + − zoom · 0 fit · [ ] previous / next request · ↑ ↓ other thread · Esc close";

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

export function TimelineView({ sessionId, timeline, state, live, coordinatorName }: TimelineViewProps) {
  const backend = useBackend();
  const { resolved: theme } = useTheme();
  const root = useRef<HTMLElement>(null);
  const scroller = useRef<HTMLDivElement>(null);
  const cell = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [size, setSize] = useState({ width: 600, height: contentHeight(1) });
  const [scrollTop, setScrollTop] = useState(0);
  const [palette, setPalette] = useState<Palette>(FALLBACK);
  const [selected, setSelected] = useState<Selection | null>(null);
  const [hovered, setHovered] = useState<{ hit: Hit; x: number; y: number } | null>(null);
  const [follow, setFollow] = useState(live);
  const [stopping, setStopping] = useState<Record<string, boolean>>({});
  const [error, setError] = useState<string | null>(null);
  const now = useNow(live);
  const at: Moment = { now, live };

  // The view: the whole session (fit) until the user zooms or pans; while live, "now" stays in
  // view until the user pans away.
  const view = useRef({ start: 0, msPerPx: 1, fit: true });
  const following = useRef(live);
  following.current = follow && live;

  const laneCount = timeline.lanes.length;
  const height = contentHeight(Math.max(1, laneCount));

  // Sizes: the canvas is as wide as its cell and as tall as the visible part of the lanes.
  useLayoutEffect(() => {
    const measure = () => {
      const width = Math.max(120, Math.floor(cell.current?.clientWidth ?? 600));
      const visible = Math.min(height, Math.floor(scroller.current?.clientHeight ?? height) || height);
      setSize((current) =>
        current.width === width && current.height === visible ? current : { width, height: visible },
      );
    };
    measure();
    if (typeof ResizeObserver !== "function") return;
    const observer = new ResizeObserver(measure);
    if (cell.current) observer.observe(cell.current);
    if (scroller.current) observer.observe(scroller.current);
    return () => observer.disconnect();
  }, [height]);

  // Colours follow the theme: the provider sets <html data-theme> after its children's effects
  // ran, so the change is watched where it lands.
  useLayoutEffect(() => {
    const read = () => root.current && setPalette(readPalette(root.current));
    read();
    if (typeof MutationObserver !== "function") return;
    const observer = new MutationObserver(read);
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
    return () => observer.disconnect();
  }, [theme]);

  // A session that starts running while open follows it.
  useEffect(() => {
    if (live) setFollow(true);
  }, [live]);

  const currentView = useCallback(
    (moment: Moment): View => {
      const v = view.current;
      if (v.fit) {
        const fit = fitView(timeline, moment, size.width);
        v.start = fit.start;
        v.msPerPx = fit.msPerPx;
      } else if (following.current) {
        // Keep now at 90% of the width; sessions shorter than that stay anchored at their start.
        const start = timeline.start ?? moment.now;
        const edge = horizon(timeline, moment);
        v.start =
          edge - start < 0.9 * size.width * v.msPerPx ? start - 8 * v.msPerPx : edge - 0.9 * size.width * v.msPerPx;
      }
      return { start: v.start, msPerPx: v.msPerPx, width: size.width, height: size.height, scrollTop };
    },
    [timeline, size, scrollTop],
  );

  const selectedHit: Hit | null = useMemo(() => {
    if (!selected) return null;
    const lane = timeline.index[selected.threadId];
    return lane === undefined ? null : { lane, kind: "step", index: selected.step };
  }, [selected, timeline]);

  // Drawing: once per change, and every frame while the session runs (open bars grow).
  const paint = useRef<() => void>(() => {});
  paint.current = () => {
    const element = canvas.current;
    const ctx = element?.getContext("2d");
    if (!element || !ctx) return;
    const moment: Moment = { now: Date.now(), live };
    const v = currentView(moment);
    const dpr = window.devicePixelRatio || 1;
    const width = Math.round(v.width * dpr);
    const canvasHeight = Math.round(v.height * dpr);
    if (element.width !== width || element.height !== canvasHeight) {
      element.width = width;
      element.height = canvasHeight;
    }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    drawTimeline(ctx, timeline, v, moment, palette, { selected: selectedHit, font: "11px system-ui, sans-serif" });
  };
  const frame = useRef<number | null>(null);
  const redraw = useCallback(() => {
    if (frame.current !== null || typeof requestAnimationFrame !== "function") return;
    frame.current = requestAnimationFrame(() => {
      frame.current = null;
      paint.current();
    });
  }, []);
  useEffect(() => {
    paint.current();
  });
  useEffect(() => {
    if (!live || typeof requestAnimationFrame !== "function") return;
    let last = 0;
    let id = 0;
    // At most 30 frames a second, fewer when a frame is costly (a long session, all of it in view):
    // the growing bars stay smooth without taking the whole of a core.
    let interval = 33;
    const tick = (time: number) => {
      if (time - last >= interval) {
        last = time;
        const start = performance.now();
        paint.current();
        interval = Math.min(250, Math.max(33, (performance.now() - start) * 4));
      }
      id = requestAnimationFrame(tick);
    };
    id = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(id);
  }, [live]);
  useEffect(
    () => () => {
      if (frame.current !== null) cancelAnimationFrame(frame.current);
    },
    [],
  );

  /** The user took over the view: no more fitting or following. */
  const takeOver = (keepFollowing: boolean) => {
    view.current.fit = false;
    if (!keepFollowing) setFollow(false);
  };

  const zoom = (factor: number, x?: number) => {
    const v = currentView({ now: Date.now(), live });
    const anchor =
      x ??
      (following.current
        ? Math.min(v.width, (horizon(timeline, { now: Date.now(), live }) - v.start) / v.msPerPx)
        : v.width / 2);
    const next = zoomAround(v, factor, anchor);
    view.current = { start: next.start, msPerPx: next.msPerPx, fit: false };
    takeOver(true);
    redraw();
  };

  const pan = (px: number) => {
    const v = currentView({ now: Date.now(), live });
    view.current = { ...view.current, start: v.start + px * v.msPerPx, fit: false };
    takeOver(false);
    redraw();
  };

  const fit = () => {
    view.current.fit = true;
    setFollow(live);
    redraw();
  };

  // The wheel zooms around the pointer; a sideways wheel (or Shift) pans.
  useEffect(() => {
    const element = canvas.current;
    if (!element) return;
    const onWheel = (event: WheelEvent) => {
      event.preventDefault();
      const sideways = event.shiftKey || Math.abs(event.deltaX) > Math.abs(event.deltaY);
      const delta = event.deltaMode === 1 ? 16 : 1;
      if (sideways) {
        pan((event.shiftKey && event.deltaX === 0 ? event.deltaY : event.deltaX) * delta);
      } else {
        const rect = element.getBoundingClientRect();
        zoom(Math.exp(-event.deltaY * delta * 0.0022), event.clientX - rect.left);
      }
    };
    element.addEventListener("wheel", onWheel, { passive: false });
    return () => element.removeEventListener("wheel", onWheel);
  });

  // Drag to pan; a click without a drag opens the step under it.
  const drag = useRef<{ x: number; start: number; moved: boolean } | null>(null);
  const pointAt = (event: { clientX: number; clientY: number }) => {
    const rect = canvas.current!.getBoundingClientRect();
    return { x: event.clientX - rect.left, y: event.clientY - rect.top };
  };
  const onPointerDown = (event: PointerEvent<HTMLCanvasElement>) => {
    if (event.button !== 0) return;
    event.currentTarget.setPointerCapture?.(event.pointerId);
    drag.current = { x: event.clientX, start: currentView({ now: Date.now(), live }).start, moved: false };
  };
  const onPointerMove = (event: PointerEvent<HTMLCanvasElement>) => {
    const d = drag.current;
    if (d) {
      const dx = event.clientX - d.x;
      if (!d.moved && Math.abs(dx) < 4) return;
      if (!d.moved) takeOver(false);
      d.moved = true;
      view.current = { ...view.current, start: d.start - dx * view.current.msPerPx, fit: false };
      setHovered(null);
      redraw();
      return;
    }
    const { x, y } = pointAt(event);
    const hit = hitTest(timeline, currentView({ now: Date.now(), live }), { now: Date.now(), live }, x, y);
    setHovered((current) =>
      hit === null
        ? null
        : current && current.hit.lane === hit.lane && current.hit.kind === hit.kind && current.hit.index === hit.index
          ? current
          : { hit, x, y },
    );
  };
  const onPointerUp = (event: PointerEvent<HTMLCanvasElement>) => {
    const d = drag.current;
    drag.current = null;
    if (!d || d.moved) return;
    const { x, y } = pointAt(event);
    const hit = hitTest(timeline, currentView({ now: Date.now(), live }), { now: Date.now(), live }, x, y);
    const step = hit ? stepOfHit(timeline, hit) : null;
    if (step) setSelected({ threadId: timeline.lanes[step.lane]!.threadId, step: step.step });
  };

  /** Selects a step from the keyboard and brings it into view. */
  const choose = (lane: number, step: number) => {
    const target = timeline.lanes[lane];
    const item = target?.steps[step];
    if (!target || !item) return;
    setSelected({ threadId: target.threadId, step });
    const moment = { now: Date.now(), live };
    const v = currentView(moment);
    const end = endOf(item, horizon(timeline, moment));
    if (item.start < v.start || end > timeAt(v, v.width)) {
      view.current = { start: item.start - (v.width / 2) * v.msPerPx, msPerPx: v.msPerPx, fit: false };
      takeOver(false);
    }
    // The lane's row into view too.
    const top = AXIS_HEIGHT + lane * LANE_HEIGHT;
    const box = scroller.current;
    if (box && (top - AXIS_HEIGHT < box.scrollTop || top + LANE_HEIGHT > box.scrollTop + box.clientHeight)) {
      box.scrollTop = Math.max(0, top - AXIS_HEIGHT - LANE_HEIGHT);
    }
    redraw();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLCanvasElement>) => {
    const lane = selectedHit?.lane ?? 0;
    const step = selectedHit?.index ?? -1;
    const steps = timeline.lanes[lane]?.steps ?? [];
    switch (event.key) {
      case "ArrowLeft":
        pan(-(event.shiftKey ? 0.6 : 0.15) * size.width);
        break;
      case "ArrowRight":
        pan((event.shiftKey ? 0.6 : 0.15) * size.width);
        break;
      case "+":
      case "=":
        zoom(1.5);
        break;
      case "-":
      case "_":
        zoom(1 / 1.5);
        break;
      case "0":
        fit();
        break;
      case "f":
        if (live) setFollow((f) => !f);
        break;
      case "[":
        choose(lane, step === -1 ? steps.length - 1 : Math.max(0, step - 1));
        break;
      case "]":
        choose(lane, step === -1 ? 0 : Math.min(steps.length - 1, step + 1));
        break;
      case "ArrowUp":
      case "ArrowDown": {
        const next = lane + (event.key === "ArrowUp" ? -1 : 1);
        const target = timeline.lanes[next];
        if (!target || target.steps.length === 0) break;
        const time = timeline.lanes[lane]?.steps[step]?.start ?? target.steps[0]!.start;
        let nearest = 0;
        target.steps.forEach((s, i) => {
          if (Math.abs(s.start - time) < Math.abs(target.steps[nearest]!.start - time)) nearest = i;
        });
        choose(next, nearest);
        break;
      }
      case "Enter":
        if (!selected) choose(0, 0);
        break;
      case "Escape":
        if (!selected) return;
        setSelected(null);
        break;
      default:
        return;
    }
    event.preventDefault();
  };

  const stop = async (threadId: string) => {
    setStopping((s) => ({ ...s, [threadId]: true }));
    setError(null);
    try {
      await backend.cancelThread(sessionId, threadId);
    } catch (err) {
      setError(toAppError(err).message);
      setStopping((s) => ({ ...s, [threadId]: false }));
    }
  };

  const statesShown = new Set(timeline.lanes.map((l) => laneStateAt(l, at)));
  const legend = statesShown.has("interrupted") ? [...LEGEND, "interrupted" as const] : LEGEND;
  const selectedLane = selected ? timeline.lanes[timeline.index[selected.threadId] ?? -1] : undefined;
  const hoveredText = hovered ? describeHit(timeline, hovered.hit, at, coordinatorName) : null;

  return (
    <section
      className="timeline"
      ref={root}
      data-testid="timeline"
      data-lanes={laneCount}
      data-following={follow && live ? "true" : "false"}
      aria-label="Timeline of the session's threads"
    >
      <div className="timeline-toolbar">
        <div className="timeline-zoom" role="group" aria-label="Zoom">
          <button
            type="button"
            className="button button-small"
            onClick={() => zoom(1 / 1.6)}
            aria-label="Zoom out"
            title="Zoom out (−)"
            data-testid="timeline-zoom-out"
          >
            −
          </button>
          <button
            type="button"
            className="button button-small"
            onClick={() => zoom(1.6)}
            aria-label="Zoom in"
            title="Zoom in (+)"
            data-testid="timeline-zoom-in"
          >
            +
          </button>
          <button
            type="button"
            className="button button-small"
            onClick={fit}
            title="Show the whole session (0)"
            data-testid="timeline-fit"
          >
            Fit
          </button>
        </div>
        {live && (
          <button
            type="button"
            className="button button-small timeline-follow"
            aria-pressed={follow}
            onClick={() => {
              setFollow((f) => !f);
              redraw();
            }}
            title="Keep now in view (F)"
            data-testid="timeline-follow"
          >
            <span className="timeline-follow-dot" aria-hidden="true" />
            Follow live
          </button>
        )}
        <p className="timeline-counts muted small">
          {laneCount === 1 ? "1 thread" : `${laneCount} threads`} ·{" "}
          <span data-testid="timeline-arrow-count" data-count={timeline.arrows.length}>
            {timeline.arrows.length === 1 ? "1 message" : `${timeline.arrows.length} messages`}
          </span>{" "}
          between them
        </p>
      </div>

      <ul className="timeline-legend" aria-label="Colours">
        {legend.map((s) => (
          <li key={s} className="timeline-legend-item">
            <span className="timeline-swatch" data-state={s} aria-hidden="true" />
            {LANE_STATE_LABELS[s]}
          </li>
        ))}
        <li className="timeline-legend-item">
          <span className="timeline-swatch-line" aria-hidden="true" />
          Tool call
        </li>
        <li className="timeline-legend-item">
          <span className="timeline-swatch-arrow" aria-hidden="true" />
          Delegation
        </li>
        <li className="timeline-legend-item">
          <span className="timeline-swatch-arrow timeline-swatch-report" aria-hidden="true" />
          Report
        </li>
      </ul>
      <div className="timeline-colours" aria-hidden="true">
        {(Object.keys(FALLBACK.states) as LaneState[]).map((s) => (
          <span key={s} data-state={s} />
        ))}
        {PALETTE_KEYS.map((key) => (
          <span key={key} data-colour={key} />
        ))}
      </div>

      <PendingApprovals sessionId={sessionId} state={state} running={live} />
      {error && (
        <p className="form-error" role="alert" data-testid="timeline-error">
          {error}
        </p>
      )}

      <div className={selectedLane ? "timeline-body with-panel" : "timeline-body"}>
        <div
          className="timeline-scroll"
          ref={scroller}
          onScroll={(event) => setScrollTop(event.currentTarget.scrollTop)}
        >
          <div className="timeline-grid" style={{ height }}>
            <ol className="timeline-lanes" aria-label="Threads">
              <li className="timeline-corner" aria-hidden="true">
                Thread
              </li>
              {timeline.lanes.map((lane, index) => {
                const shown = laneStateAt(lane, at);
                const name = laneName(lane, index, coordinatorName);
                const stoppable = canStop(lane, index, at);
                return (
                  <li
                    key={lane.threadId}
                    className={selected?.threadId === lane.threadId ? "timeline-lane selected" : "timeline-lane"}
                    data-testid="timeline-lane"
                    data-thread-id={lane.threadId}
                    data-agent-name={name}
                    data-state={shown}
                    title={`${name}: ${laneStateLabel(lane, shown)} · ${formatCompact(totalTokens(lane.totals.usage))} tokens · ${formatCost(lane.totals.costUsd)} · ${formatDuration(laneDuration(lane, timeline, at))}`}
                  >
                    <div className="timeline-lane-text">
                      <span className="timeline-lane-name">
                        <span className="timeline-dot" data-state={shown} aria-hidden="true" />
                        <span className="timeline-lane-label" title={name}>
                          {name}
                        </span>
                        <span className="timeline-lane-state">{laneStateLabel(lane, shown)}</span>
                      </span>
                      <span
                        className="timeline-lane-facts"
                        data-testid="timeline-lane-totals"
                        title={`${lane.totals.requests} requests · ${lane.totals.usage.input_tokens.toLocaleString("en-US")} in, ${lane.totals.usage.output_tokens.toLocaleString("en-US")} out, ${lane.totals.usage.cache_read_tokens.toLocaleString("en-US")} cache read, ${lane.totals.usage.cache_write_tokens.toLocaleString("en-US")} cache write`}
                      >
                        {formatCompact(totalTokens(lane.totals.usage))} tokens · {formatCost(lane.totals.costUsd)} ·{" "}
                        {formatDuration(laneDuration(lane, timeline, at))}
                      </span>
                    </div>
                    {stoppable && (
                      <button
                        type="button"
                        className="icon-button timeline-stop"
                        onClick={() => stop(lane.threadId)}
                        disabled={stopping[lane.threadId] === true}
                        aria-label={`Stop ${name}`}
                        title={`Stop ${name}; ${coordinatorName} carries on without it`}
                        data-testid="timeline-lane-stop"
                      >
                        {stopping[lane.threadId] ? (
                          <Spinner />
                        ) : (
                          <span className="timeline-stop-icon" aria-hidden="true" />
                        )}
                      </button>
                    )}
                  </li>
                );
              })}
            </ol>
            <div className="timeline-canvas-cell" ref={cell}>
              <canvas
                ref={canvas}
                className="timeline-canvas"
                style={{ width: size.width, height: size.height }}
                tabIndex={0}
                role="application"
                aria-roledescription="timeline"
                aria-label={`Timeline: ${laneCount} threads. Click a request for its details.`}
                aria-describedby={`${sessionId}-timeline-keys`}
                data-testid="timeline-canvas"
                data-cursor={hovered ? "pointer" : undefined}
                onPointerDown={onPointerDown}
                onPointerMove={onPointerMove}
                onPointerUp={onPointerUp}
                onPointerCancel={() => (drag.current = null)}
                onPointerLeave={() => setHovered(null)}
                onKeyDown={onKeyDown}
              />
              {hovered && hoveredText && (
                <div
                  className="timeline-tooltip"
                  role="status"
                  style={{
                    left: Math.min(hovered.x + 12, size.width - 240),
                    top: hovered.y + scrollTop + 14,
                  }}
                >
                  {hoveredText}
                </div>
              )}
            </div>
          </div>
        </div>
        {selected && selectedLane && (
          <TimelineStepPanel
            lane={selectedLane}
            laneName={laneName(selectedLane, timeline.index[selectedLane.threadId] ?? 0, coordinatorName)}
            stepIndex={selected.step}
            timeline={timeline}
            at={at}
            streaming={state.streaming[selectedLane.threadId] ?? ""}
            nameOf={(threadId) => {
              const index = timeline.index[threadId];
              return index === undefined ? threadId : laneName(timeline.lanes[index]!, index, coordinatorName);
            }}
            onSelect={(threadId, step) => {
              const index = timeline.index[threadId];
              if (index !== undefined) choose(index, step);
            }}
            onClose={() => {
              setSelected(null);
              canvas.current?.focus();
            }}
          />
        )}
      </div>
      <p className="timeline-keys muted small" id={`${sessionId}-timeline-keys`}>
        Wheel to zoom, drag to pan, click a bar for its request. Keys: {KEY_HINT}.
      </p>
    </section>
  );
}

/** One line about what the pointer is over. */
function describeHit(timeline: Timeline, hit: Hit, at: Moment, coordinatorName: string): string | null {
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
