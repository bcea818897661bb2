import { useCallback, useEffect, useRef, useState } from "react";
import { horizon, type Moment, type Step, type Timeline } from "./timeline";
import { endOf, fitView, timeAt, zoomAround, type View } from "./timelineGeometry";

/** The current time, ticking every second while `live`. */
export function useNow(live: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!live) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [live]);
  return now;
}

export interface Viewport {
  /** Whether "now" is kept in view (the user's choice; it only applies while live). */
  follow: boolean;
  /** The view at `moment` (now by default): the whole session while fitting, "now" in view while following. */
  current(moment?: Moment): View;
  zoom(factor: number, x?: number): void;
  pan(px: number): void;
  /** The whole session again, following while live. */
  fit(): void;
  toggleFollow(): void;
  /** The user took over the view: no more fitting, and unless `keepFollowing` no more following. */
  takeOver(keepFollowing: boolean): void;
  /** A drag: the view that started at `from` moved `dx` pixels, at the same scale. */
  dragFrom(from: number, dx: number): void;
  /** Centres `step` when any of it is out of view. */
  reveal(step: Step): void;
}

/**
 * Which part of the session the canvas shows: the whole session (fit) until the user zooms or
 * pans; while live, "now" stays in view until the user pans away. Changes ask for `redraw`.
 */
export function useTimelineViewport(
  timeline: Timeline,
  live: boolean,
  size: { width: number; height: number },
  scrollTop: number,
  redraw: () => void,
): Viewport {
  const [follow, setFollow] = useState(live);
  const view = useRef({ start: 0, msPerPx: 1, fit: true });
  const following = useRef(live);
  following.current = follow && live;

  // A session that starts running while open follows it.
  useEffect(() => {
    if (live) setFollow(true);
  }, [live]);

  const current = useCallback(
    (moment: Moment = { now: Date.now(), live }): View => {
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
    [timeline, live, size, scrollTop],
  );

  const takeOver = (keepFollowing: boolean) => {
    view.current.fit = false;
    if (!keepFollowing) setFollow(false);
  };

  const zoom = (factor: number, x?: number) => {
    const v = current();
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
    const v = current();
    view.current = { ...view.current, start: v.start + px * v.msPerPx, fit: false };
    takeOver(false);
    redraw();
  };

  const fit = () => {
    view.current.fit = true;
    setFollow(live);
    redraw();
  };

  const dragFrom = (from: number, dx: number) => {
    view.current = { ...view.current, start: from - dx * view.current.msPerPx, fit: false };
  };

  const reveal = (step: Step) => {
    const moment = { now: Date.now(), live };
    const v = current(moment);
    const end = endOf(step, horizon(timeline, moment));
    if (step.start < v.start || end > timeAt(v, v.width)) {
      view.current = { start: step.start - (v.width / 2) * v.msPerPx, msPerPx: v.msPerPx, fit: false };
      takeOver(false);
    }
  };

  return {
    follow,
    current,
    zoom,
    pan,
    fit,
    toggleFollow: () => setFollow((f) => !f),
    takeOver,
    dragFrom,
    reveal,
  };
}
