import { useCallback, useEffect, useRef, type RefObject } from "react";
import type { Moment, Timeline } from "./timeline";
import { drawTimeline, type Palette } from "./timelineDraw";
import type { Hit, View } from "./timelineGeometry";

export interface Frames {
  /** What a frame draws; set by `useTimelinePaint` on every render. */
  paint: RefObject<() => void>;
  /** Draws on the next animation frame; calls before it come together into one. */
  redraw(): void;
}

/** The canvas' frames: asked for before what they draw is known (the view's changes ask for one). */
export function useFrames(): Frames {
  const paint = useRef<() => void>(() => {});
  const frame = useRef<number | null>(null);
  const redraw = useCallback(() => {
    if (frame.current !== null || typeof requestAnimationFrame !== "function") return;
    frame.current = requestAnimationFrame(() => {
      frame.current = null;
      paint.current();
    });
  }, []);
  useEffect(
    () => () => {
      if (frame.current !== null) cancelAnimationFrame(frame.current);
    },
    [],
  );
  return { paint, redraw };
}

interface PaintInput {
  timeline: Timeline;
  live: boolean;
  palette: Palette;
  selected: Hit | null;
  view(moment: Moment): View;
}

/** Draws the timeline on `canvas`: once per change, and every frame while the session runs (open bars grow). */
export function useTimelinePaint(
  frames: Frames,
  canvas: RefObject<HTMLCanvasElement | null>,
  { timeline, live, palette, selected, view }: PaintInput,
) {
  const { paint } = frames;
  paint.current = () => {
    const element = canvas.current;
    const ctx = element?.getContext("2d");
    if (!element || !ctx) return;
    const moment: Moment = { now: Date.now(), live };
    const v = view(moment);
    const dpr = window.devicePixelRatio || 1;
    const width = Math.round(v.width * dpr);
    const canvasHeight = Math.round(v.height * dpr);
    if (element.width !== width || element.height !== canvasHeight) {
      element.width = width;
      element.height = canvasHeight;
    }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    drawTimeline(ctx, timeline, v, moment, palette, { selected, font: "11px system-ui, sans-serif" });
  };
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
  }, [live, paint]);
}
