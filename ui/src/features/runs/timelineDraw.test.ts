import { describe, expect, it } from "vitest";
import { countingContext } from "./fixtures/countingContext";
import { generateSession } from "./fixtures/generateSession";
import { orchestrationRun } from "./fixtures/orchestrationRun";
import { buildTimeline, type LaneState, type Timeline } from "./timeline";
import { drawTimeline, type Palette } from "./timelineDraw";
import { AXIS_HEIGHT, contentHeight, fitView, LANE_HEIGHT, type View } from "./timelineGeometry";

const STATES: LaneState[] = ["queued", "running", "approval", "done", "error", "cancelled", "interrupted"];
const palette: Palette = {
  states: Object.fromEntries(STATES.map((s) => [s, `#${s}`])) as Record<LaneState, string>,
  background: "#bg",
  laneAlt: "#alt",
  border: "#border",
  grid: "#grid",
  text: "#text",
  muted: "#muted",
  onBar: "#on",
  delegation: "#delegation",
  report: "#report",
  now: "#now",
  selection: "#selection",
  queued: "#queued",
};
const STORED = { now: 0, live: false };

function draw(timeline: Timeline, view: View) {
  const ctx = countingContext();
  const stats = drawTimeline(ctx, timeline, view, STORED, palette, { selected: null, font: "11px sans-serif" });
  return { ctx, stats };
}

describe("drawing the timeline", () => {
  it("draws every lane, arrow and wide bar's label of the recorded session", () => {
    const timeline = buildTimeline(orchestrationRun);
    const view: View = { ...fitView(timeline, STORED, 800), width: 800, height: contentHeight(4), scrollTop: 0 };
    const { ctx, stats } = draw(timeline, view);
    expect(stats.lanes).toBe(4);
    expect(stats.arrows).toBe(6);
    expect(ctx.texts.filter((t) => !/\d+ (ms|s)$/.test(t))).toEqual([
      "delegate ×3",
      "reply",
      "list_files",
      "list_files",
      "reply",
      "list_files",
      "list_files",
      "reply",
      "list_files",
      "list_files",
      "reply",
    ]);
    // The axis is labelled from the session's start.
    expect(ctx.texts).toContain("0 s");
  });

  it("draws only what is in view of a 25-lane, 10,000-event session", () => {
    const { events } = generateSession(25, 10_000);
    expect(events).toHaveLength(10_000);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 10_000 }, (_, i) => i + 1));
    const timeline = buildTimeline(events);
    expect(timeline.lanes).toHaveLength(25);
    expect(timeline.lanes.every((l) => l.state === "done")).toBe(true);
    const things = timeline.lanes.reduce((n, l) => n + l.steps.length + l.calls.length, 0);
    expect(things).toBeGreaterThan(3_800);

    const whole: View = { ...fitView(timeline, STORED, 1200), width: 1200, height: contentHeight(25), scrollTop: 0 };
    const all = draw(timeline, whole).stats;
    expect(all.lanes).toBe(25);
    expect(all.arrows).toBe(48);
    // Squeezed into 100 px, bars and calls closer than a pixel merge: a row holds at most one
    // rectangle per two pixels (three rows a lane: requests, calls, their ticks), whatever the log.
    const narrow: View = { ...fitView(timeline, STORED, 100), width: 100, height: contentHeight(25), scrollTop: 0 };
    const squeezed = draw(timeline, narrow).stats;
    expect(squeezed.rects).toBeLessThanOrEqual(25 * (3 * 50 + 2));
    expect(squeezed.rects).toBeLessThan(things);

    // Ten seconds in the middle, five lanes tall: a small part of the work.
    const middle = (timeline.start! + timeline.end!) / 2;
    const zoomed: View = {
      start: middle,
      msPerPx: 10_000 / 1200,
      width: 1200,
      height: AXIS_HEIGHT + 5 * LANE_HEIGHT,
      scrollTop: 10 * LANE_HEIGHT,
    };
    const some = draw(timeline, zoomed).stats;
    expect(some.lanes).toBeLessThanOrEqual(6);
    expect(some.rects).toBeLessThan(all.rects / 5);
  });
});
