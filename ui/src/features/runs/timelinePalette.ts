import { useLayoutEffect, useState, type RefObject } from "react";
import type { LaneState } from "./timeline";
import type { Palette } from "./timelineDraw";

/** The colours the canvas takes from the stylesheet, each read from a hidden probe `[data-colour]`. */
export const PALETTE_KEYS = [
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
export const FALLBACK: Palette = {
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

/** Every lane state, for the colour probes `[data-state]`. */
export const PALETTE_STATES = Object.keys(FALLBACK.states) as LaneState[];

/** The palette as the stylesheet has it now: the legend's swatches and the hidden colour probes. */
function readPalette(root: HTMLElement): Palette {
  const colour = (element: Element | null, property: "color" | "backgroundColor", fallback: string) => {
    if (!element) return fallback;
    const value = getComputedStyle(element)[property];
    return value && value !== "rgba(0, 0, 0, 0)" ? value : fallback;
  };
  const states = { ...FALLBACK.states };
  for (const state of PALETTE_STATES) {
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

/**
 * The canvas' colours, read from the probes under `root` and read again when the theme changes:
 * the provider sets <html data-theme> after its children's effects ran, so the change is watched
 * where it lands.
 */
export function useTimelinePalette(root: RefObject<HTMLElement | null>, theme: string): Palette {
  const [palette, setPalette] = useState<Palette>(FALLBACK);
  useLayoutEffect(() => {
    const read = () => root.current && setPalette(readPalette(root.current));
    read();
    if (typeof MutationObserver !== "function") return;
    const observer = new MutationObserver(read);
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
    return () => observer.disconnect();
  }, [root, theme]);
  return palette;
}
