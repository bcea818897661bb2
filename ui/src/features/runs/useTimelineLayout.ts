import { useCallback, useLayoutEffect, useState, type RefObject, type UIEvent } from "react";
import { contentHeight } from "./timelineGeometry";

export interface TimelineLayout {
  /** The canvas' size in CSS pixels: as wide as its cell, as tall as the visible part of the lanes. */
  size: { width: number; height: number };
  /** The height all lanes take, the axis included. */
  height: number;
  /** How far the lanes are scrolled up. */
  scrollTop: number;
  onScroll(event: UIEvent<HTMLElement>): void;
}

/** Where the timeline is on screen: measured from the canvas' cell and the lanes' scroller, and kept measured. */
export function useTimelineLayout(
  cell: RefObject<HTMLElement | null>,
  scroller: RefObject<HTMLElement | null>,
  laneCount: number,
): TimelineLayout {
  const height = contentHeight(Math.max(1, laneCount));
  const [size, setSize] = useState({ width: 600, height: contentHeight(1) });
  const [scrollTop, setScrollTop] = useState(0);

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
  }, [cell, scroller, height]);

  const onScroll = useCallback((event: UIEvent<HTMLElement>) => setScrollTop(event.currentTarget.scrollTop), []);
  return { size, height, scrollTop, onScroll };
}
