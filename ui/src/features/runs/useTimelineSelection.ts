import { useMemo, useState, type RefObject } from "react";
import type { Timeline } from "./timeline";
import { AXIS_HEIGHT, LANE_HEIGHT, type Hit } from "./timelineGeometry";
import type { Viewport } from "./useTimelineViewport";

/** A selected step: by thread, so it survives new lanes. */
export interface Selection {
  threadId: string;
  step: number;
}

export interface TimelineSelection {
  selected: Selection | null;
  /** The selection where it is drawn now (null when its thread is gone). */
  selectedHit: Hit | null;
  select(selection: Selection | null): void;
  /** Selects a step (from the keyboard, the step panel) and scrolls it and its lane into view. */
  choose(lane: number, step: number): void;
}

/** The step whose details the panel shows, and bringing a chosen one into view. */
export function useTimelineSelection(
  timeline: Timeline,
  viewport: Viewport,
  scroller: RefObject<HTMLElement | null>,
  redraw: () => void,
): TimelineSelection {
  const [selected, setSelected] = useState<Selection | null>(null);

  const selectedHit: Hit | null = useMemo(() => {
    if (!selected) return null;
    const lane = timeline.index[selected.threadId];
    return lane === undefined ? null : { lane, kind: "step", index: selected.step };
  }, [selected, timeline]);

  const choose = (lane: number, step: number) => {
    const target = timeline.lanes[lane];
    const item = target?.steps[step];
    if (!target || !item) return;
    setSelected({ threadId: target.threadId, step });
    viewport.reveal(item);
    // The lane's row into view too.
    const top = AXIS_HEIGHT + lane * LANE_HEIGHT;
    const box = scroller.current;
    if (box && (top - AXIS_HEIGHT < box.scrollTop || top + LANE_HEIGHT > box.scrollTop + box.clientHeight)) {
      box.scrollTop = Math.max(0, top - AXIS_HEIGHT - LANE_HEIGHT);
    }
    redraw();
  };

  return { selected, selectedHit, select: setSelected, choose };
}
