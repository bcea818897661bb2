import { useEffect, useRef, useState, type KeyboardEvent, type PointerEvent, type RefObject } from "react";
import type { Timeline } from "./timeline";
import { hitTest, stepOfHit, type Hit } from "./timelineGeometry";
import type { TimelineSelection } from "./useTimelineSelection";
import type { Viewport } from "./useTimelineViewport";

/** What the pointer is over, where (in the canvas' pixels). */
export interface Hover {
  hit: Hit;
  x: number;
  y: number;
}

interface InputDeps {
  canvas: RefObject<HTMLCanvasElement | null>;
  timeline: Timeline;
  live: boolean;
  /** The canvas' width in CSS pixels (the keys pan by a share of it). */
  width: number;
  viewport: Viewport;
  selection: TimelineSelection;
  redraw(): void;
}

/**
 * The canvas' input: the wheel zooms around the pointer (sideways or with Shift it pans), a drag
 * pans, a click without a drag opens the step under it, hovering names what is there, and the
 * keys pan, zoom, fit, follow and move between requests and threads.
 */
export function useTimelineInput({ canvas, timeline, live, width, viewport, selection, redraw }: InputDeps) {
  const [hovered, setHovered] = useState<Hover | null>(null);
  const { zoom, pan } = viewport;

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

  const drag = useRef<{ x: number; start: number; moved: boolean } | null>(null);
  const pointAt = (event: { clientX: number; clientY: number }) => {
    const rect = canvas.current!.getBoundingClientRect();
    return { x: event.clientX - rect.left, y: event.clientY - rect.top };
  };
  const hitAt = (x: number, y: number) => hitTest(timeline, viewport.current(), { now: Date.now(), live }, x, y);

  const onPointerDown = (event: PointerEvent<HTMLCanvasElement>) => {
    if (event.button !== 0) return;
    event.currentTarget.setPointerCapture?.(event.pointerId);
    drag.current = { x: event.clientX, start: viewport.current().start, moved: false };
  };
  const onPointerMove = (event: PointerEvent<HTMLCanvasElement>) => {
    const d = drag.current;
    if (d) {
      const dx = event.clientX - d.x;
      if (!d.moved && Math.abs(dx) < 4) return;
      if (!d.moved) viewport.takeOver(false);
      d.moved = true;
      viewport.dragFrom(d.start, dx);
      setHovered(null);
      redraw();
      return;
    }
    const { x, y } = pointAt(event);
    const hit = hitAt(x, y);
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
    const hit = hitAt(x, y);
    const step = hit ? stepOfHit(timeline, hit) : null;
    if (step) selection.select({ threadId: timeline.lanes[step.lane]!.threadId, step: step.step });
  };

  const onKeyDown = (event: KeyboardEvent<HTMLCanvasElement>) => {
    const { selected, selectedHit, choose } = selection;
    const lane = selectedHit?.lane ?? 0;
    const step = selectedHit?.index ?? -1;
    const steps = timeline.lanes[lane]?.steps ?? [];
    switch (event.key) {
      case "ArrowLeft":
        pan(-(event.shiftKey ? 0.6 : 0.15) * width);
        break;
      case "ArrowRight":
        pan((event.shiftKey ? 0.6 : 0.15) * width);
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
        viewport.fit();
        break;
      case "f":
        if (live) viewport.toggleFollow();
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
        selection.select(null);
        break;
      default:
        return;
    }
    event.preventDefault();
  };

  return {
    hovered,
    canvasHandlers: {
      onPointerDown,
      onPointerMove,
      onPointerUp,
      onPointerCancel: () => (drag.current = null),
      onPointerLeave: () => setHovered(null),
      onKeyDown,
    },
  };
}
