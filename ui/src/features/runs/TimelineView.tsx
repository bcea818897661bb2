import { useRef } from "react";
import { useTheme } from "../../shared/theme/ThemeProvider";
import type { SessionState } from "./sessionState";
import { laneStateAt, type Moment, type Timeline } from "./timeline";
import { TimelineColourProbes, TimelineLegend } from "./TimelineLegend";
import { describeHit, KEY_HINT, laneName } from "./timelineLabels";
import { TimelineLanes, useStopThread } from "./TimelineLanes";
import { useTimelinePalette } from "./timelinePalette";
import { TimelineStepPanel } from "./TimelineStepPanel";
import { TimelineToolbar } from "./TimelineToolbar";
import { PendingApprovals } from "./Transcript";
import { useTimelineInput } from "./useTimelineInput";
import { useTimelineLayout } from "./useTimelineLayout";
import { useFrames, useTimelinePaint } from "./useTimelinePaint";
import { useTimelineSelection } from "./useTimelineSelection";
import { useNow, useTimelineViewport } from "./useTimelineViewport";
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

/**
 * A session's threads as lanes on a canvas over time, with the messages between them; a click or
 * the keys open a request's details beside it. The parts: `useTimelineLayout` (sizes),
 * `useTimelineViewport` (fit, follow, zoom, pan), `useTimelineSelection`, `useTimelineInput`
 * (pointer, wheel, keys), `useTimelinePaint` (the canvas' frames), `useTimelinePalette`, and the
 * toolbar, legend and lanes beside the canvas.
 */
export function TimelineView({ sessionId, timeline, state, live, coordinatorName }: TimelineViewProps) {
  const { resolved: theme } = useTheme();
  const root = useRef<HTMLElement>(null);
  const scroller = useRef<HTMLDivElement>(null);
  const cell = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const laneCount = timeline.lanes.length;
  const { size, height, scrollTop, onScroll } = useTimelineLayout(cell, scroller, laneCount);
  const palette = useTimelinePalette(root, theme);
  const now = useNow(live);
  const at: Moment = { now, live };

  const frames = useFrames();
  const { redraw } = frames;
  const viewport = useTimelineViewport(timeline, live, size, scrollTop, redraw);
  const selection = useTimelineSelection(timeline, viewport, scroller, redraw);
  const { selected, choose } = selection;
  useTimelinePaint(frames, canvas, {
    timeline,
    live,
    palette,
    selected: selection.selectedHit,
    view: viewport.current,
  });
  const { hovered, canvasHandlers } = useTimelineInput({
    canvas,
    timeline,
    live,
    width: size.width,
    viewport,
    selection,
    redraw,
  });
  const { stopping, error, stop } = useStopThread(sessionId);

  const selectedLane = selected ? timeline.lanes[timeline.index[selected.threadId] ?? -1] : undefined;
  const hoveredText = hovered ? describeHit(timeline, hovered.hit, at, coordinatorName) : null;

  return (
    <section
      className="timeline"
      ref={root}
      data-testid="timeline"
      data-lanes={laneCount}
      data-following={viewport.follow && live ? "true" : "false"}
      aria-label="Timeline of the session's threads"
    >
      <TimelineToolbar
        laneCount={laneCount}
        arrowCount={timeline.arrows.length}
        live={live}
        follow={viewport.follow}
        onZoom={(factor) => viewport.zoom(factor)}
        onFit={viewport.fit}
        onToggleFollow={() => {
          viewport.toggleFollow();
          redraw();
        }}
      />
      <TimelineLegend statesShown={new Set(timeline.lanes.map((l) => laneStateAt(l, at)))} />
      <TimelineColourProbes />

      <PendingApprovals sessionId={sessionId} state={state} running={live} />
      {error && (
        <p className="form-error" role="alert" data-testid="timeline-error">
          {error}
        </p>
      )}

      <div className={selectedLane ? "timeline-body with-panel" : "timeline-body"}>
        <div className="timeline-scroll" ref={scroller} onScroll={onScroll}>
          <div className="timeline-grid" style={{ height }}>
            <TimelineLanes
              timeline={timeline}
              at={at}
              coordinatorName={coordinatorName}
              selectedThreadId={selected?.threadId ?? null}
              stopping={stopping}
              onStop={stop}
            />
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
                {...canvasHandlers}
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
              selection.select(null);
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
