import { describe, expect, it } from "vitest";
import type { EventPayload, SessionEvent } from "../../bindings";
import { orchestrationRun } from "./fixtures/orchestrationRun";
import {
  applyTimelineEvent,
  buildTimeline,
  canStop,
  horizon,
  laneDuration,
  laneStateAt,
  stepStateAt,
  type Timeline,
} from "./timeline";
import {
  AXIS_HEIGHT,
  CALL_TOP,
  endOf,
  fitView,
  hitTest,
  LANE_HEIGHT,
  STEP_TOP,
  stepOfHit,
  tickLabel,
  type View,
} from "./timelineGeometry";
import { stepDetail } from "./timelineStep";

const log = orchestrationRun;
const T0 = log[0]!.time_ms;
const COORDINATOR = "thr_8";
const [SUB0, SUB1, SUB2] = ["thr_9", "thr_10", "thr_11"];

/** The log up to and including the event with this `seq`. */
const upTo = (seq: number) => log.filter((e) => e.seq <= seq);
const at = (seq: number) => log.find((e) => e.seq === seq)!;
/** Milliseconds after the session started. */
const rel = (time: number | null) => (time === null ? null : time - T0);

/** More events after `events`, numbered on and `dt` ms after the previous one. */
function then(
  events: readonly SessionEvent[],
  more: Array<[thread: string, dt: number, payload: EventPayload]>,
): SessionEvent[] {
  const out = [...events];
  for (const [thread, dt, payload] of more) {
    const last = out.at(-1)!;
    out.push({
      session_id: last.session_id,
      seq: last.seq + 1,
      thread_id: thread,
      time_ms: last.time_ms + dt,
      payload,
    });
  }
  return out;
}

const lane = (t: Timeline, thread: string) => t.lanes[t.index[thread]!]!;
const LIVE = (now: number) => ({ now, live: true });
const STORED = { now: 0, live: false };

describe("timeline of a recorded coordinator with three subagents", () => {
  const timeline = buildTimeline(log);

  it("has one lane per thread: the coordinator, then subagents in the order they were created", () => {
    expect(timeline.lanes.map((l) => [l.threadId, l.agentName, l.parentThreadId])).toEqual([
      [COORDINATOR, null, null],
      [SUB0, "sub0", COORDINATOR],
      [SUB1, "sub1", COORDINATOR],
      [SUB2, "sub2", COORDINATOR],
    ]);
    // sub1 started running first, but sub0 was created first.
    expect(at(16).thread_id).toBe(SUB1);
    expect(lane(timeline, SUB0).agentId).toBe("agt_2");
    expect([rel(timeline.start), rel(timeline.end), timeline.lastSeq, timeline.status]).toEqual([0, 763, 72, "idle"]);
  });

  it("has a bar per model request, from its start to its end", () => {
    const bars = (thread: string) => lane(timeline, thread).steps.map((s) => [rel(s.start), rel(s.end), s.state]);
    expect(bars(COORDINATOR)).toEqual([
      [0, 152, "done"],
      [611, 762, "done"],
    ]);
    expect(bars(SUB0)).toEqual([
      [153, 305, "done"],
      [306, 458, "done"],
      [459, 610, "done"],
    ]);
    expect(bars(SUB1)).toEqual([
      [153, 305, "done"],
      [306, 458, "done"],
      [458, 610, "done"],
    ]);
    expect(lane(timeline, SUB2).steps).toHaveLength(3);
    // Bars overlap across lanes: the subagents ran side by side.
    const [a, b] = [lane(timeline, SUB0).steps[0]!, lane(timeline, SUB2).steps[0]!];
    expect(a.start < b.end! && b.start < a.end!).toBe(true);
    expect(lane(timeline, SUB0).steps[0]!.usage).toEqual({
      input_tokens: 1304,
      output_tokens: 5,
      cache_read_tokens: 0,
      cache_write_tokens: 0,
    });
  });

  it("has a mark per tool call, from the call to its result, tied to the request that made it", () => {
    const coordinator = lane(timeline, COORDINATOR);
    expect(coordinator.calls.map((c) => [c.name, rel(c.start), rel(c.end), c.state, c.step, c.thread])).toEqual([
      ["delegate", 151, 611, "ok", 0, SUB0],
      ["delegate", 152, 611, "ok", 0, SUB1],
      ["delegate", 152, 611, "ok", 0, SUB2],
    ]);
    expect(coordinator.steps[0]!.calls).toEqual([0, 1, 2]);
    const sub = lane(timeline, SUB1);
    expect(sub.calls.map((c) => [c.name, rel(c.start), rel(c.end), c.step, c.output])).toEqual([
      ["list_files", 304, 305, 0, ". is empty"],
      ["list_files", 457, 458, 1, ". is empty"],
    ]);
  });

  it("draws an arrow for each delegation to its subagent's lane, and each report back", () => {
    expect(timeline.arrows.map((a) => [a.kind, a.from, a.to, rel(a.start), rel(a.end), a.text])).toEqual([
      ["delegation", COORDINATOR, SUB0, 152, 153, "Do part 0"],
      ["delegation", COORDINATOR, SUB1, 152, 153, "Do part 1"],
      ["delegation", COORDINATOR, SUB2, 152, 153, "Do part 2"],
      // A report arrives with the coordinator's delegate result.
      ["report", SUB1, COORDINATOR, 610, 611, "Part 1 done."],
      ["report", SUB0, COORDINATOR, 611, 611, "Part 0 done."],
      ["report", SUB2, COORDINATOR, 611, 611, "Part 2 done."],
    ]);
  });

  it("keeps per-lane totals: requests, tokens, cost and time running", () => {
    const totals = (thread: string) => lane(timeline, thread).totals;
    expect(totals(COORDINATOR)).toMatchObject({
      requests: 2,
      usage: { input_tokens: 1585 + 1832, output_tokens: 45, cache_read_tokens: 0, cache_write_tokens: 0 },
      durationMs: 763,
      runningSince: null,
    });
    expect(totals(COORDINATOR).costUsd).toBeCloseTo(0.005355 + 0.005571, 10);
    expect(totals(SUB0)).toMatchObject({ requests: 3, durationMs: 611 - 153 });
    expect(totals(SUB0).usage.input_tokens).toBe(1304 + 1376 + 1447);
    expect(totals(SUB0).costUsd).toBeCloseTo(0.003987 + 0.004203 + 0.004386, 10);
    // Every lane's tokens add up to the session's.
    const sum = timeline.lanes.reduce((n, l) => n + l.totals.usage.input_tokens, 0);
    const ends = log.flatMap((e) =>
      e.payload.type === "span.model_request_end" ? [e.payload.usage.input_tokens] : [],
    );
    expect(sum).toBe(ends.reduce((a, b) => a + b, 0));
  });

  it("says each lane is done once the session is, running and queued before", () => {
    expect(timeline.lanes.map((l) => l.state)).toEqual(["done", "done", "done", "done"]);
    expect(timeline.lanes.map((l) => l.spans.map((s) => [s.kind, rel(s.start), rel(s.end), s.state]))).toEqual([
      [["run", 0, 763, "done"]],
      [
        ["queued", 152, 153, "done"],
        ["run", 153, 611, "done"],
      ],
      [
        ["queued", 152, 153, "done"],
        ["run", 153, 610, "done"],
      ],
      [
        ["queued", 152, 153, "done"],
        ["run", 153, 611, "done"],
      ],
    ]);

    // Delegated, not started: queued. One started and waiting on its model: running.
    const queued = buildTimeline(upTo(14));
    expect(queued.lanes.map((l) => l.state)).toEqual(["running", "queued", "queued", "queued"]);
    expect(lane(queued, SUB2).spans).toEqual([{ kind: "queued", start: at(14).time_ms, end: null, state: "queued" }]);
    expect(buildTimeline(upTo(16)).lanes.map((l) => l.state)).toEqual(["running", "queued", "running", "queued"]);
  });

  it("gives a subagent's failure an error lane and an error bar; the others go on", () => {
    // sub1's third request fails; the coordinator gets an error result.
    const events = then(upTo(49), [
      [SUB1, 1, { type: "span.model_request_start", model: "fake-model" }],
      [
        SUB1,
        30,
        {
          type: "span.model_request_end",
          usage: { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0 },
          duration_ms: 30,
        },
      ],
      [SUB1, 0, { type: "session.error", error: { code: "network", message: "Couldn't reach the fake provider." } }],
      [SUB1, 0, { type: "session.thread_status_idle", reason: "error" }],
      [
        COORDINATOR,
        1,
        {
          type: "agent.tool_result",
          tool_use_id: "toolu_fake0000000000000003",
          content: "sub1 failed: Couldn't reach the fake provider.",
          is_error: true,
        },
      ],
    ]);
    const t = buildTimeline(events);
    const sub = lane(t, SUB1);
    expect([sub.state, sub.stopReason, sub.error?.message]).toEqual([
      "error",
      "error",
      "Couldn't reach the fake provider.",
    ]);
    expect(sub.steps.map((s) => s.state)).toEqual(["done", "done", "error"]);
    expect(sub.spans.at(-1)!.state).toBe("error");
    expect(lane(t, COORDINATOR).calls[1]!.state).toBe("error");
    expect(t.lanes.map((l) => l.state)).toEqual(["running", "running", "error", "running"]);
    // No report from a failed thread: only the three delegations.
    expect(t.arrows.map((a) => a.kind)).toEqual(["delegation", "delegation", "delegation"]);
  });

  it("shows a thread stopped on its own as cancelled, its coordinator carrying on", () => {
    // sub2 is stopped while its second request streams.
    const events = then(upTo(38), [
      [
        SUB2,
        40,
        {
          type: "span.model_request_end",
          usage: { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0 },
          duration_ms: 40,
        },
      ],
      [SUB2, 0, { type: "session.thread_status_idle", reason: "cancelled" }],
      [
        COORDINATOR,
        1,
        {
          type: "agent.tool_result",
          tool_use_id: "toolu_fake0000000000000004",
          content: "cancelled: sub2's thread was stopped before it finished.",
          is_error: true,
        },
      ],
    ]);
    const t = buildTimeline(events);
    const sub = lane(t, SUB2);
    expect(sub.state).toBe("cancelled");
    expect(sub.steps.map((s) => s.state)).toEqual(["done", "cancelled"]);
    expect(lane(t, COORDINATOR).calls.map((c) => c.state)).toEqual(["running", "running", "cancelled"]);
    expect(t.lanes.map((l) => l.state)).toEqual(["running", "running", "running", "cancelled"]);
    expect(canStop(sub, 3, LIVE(0))).toBe(false);
    expect(canStop(lane(t, SUB0), 1, LIVE(0))).toBe(true);
    expect(canStop(lane(t, COORDINATOR), 0, LIVE(0))).toBe(false);
  });

  it("shows a subagent waiting for approval, and running again once answered", () => {
    const asking = then(upTo(44), [
      [
        SUB0,
        1,
        { type: "agent.tool_use", tool_use_id: "toolu_cmd", name: "run_command", input: { command: "npm test" } },
      ],
      [
        SUB0,
        0,
        {
          type: "session.approval_requested",
          tool_use_id: "toolu_cmd",
          name: "run_command",
          input: { command: "npm test" },
          working_directory: "/w",
        },
      ],
    ]);
    const waiting = buildTimeline(asking);
    const sub = lane(waiting, SUB0);
    expect([sub.state, sub.pendingApprovals]).toEqual(["approval", 1]);
    expect(sub.calls.at(-1)).toMatchObject({
      name: "run_command",
      state: "approval",
      approval: { resolved: null, approved: null },
    });
    expect(waiting.lanes.map((l) => l.state)).toEqual(["running", "approval", "running", "running"]);

    const answered = buildTimeline(
      then(asking, [[SUB0, 2500, { type: "session.approval_resolved", tool_use_id: "toolu_cmd", approved: true }]]),
    );
    const call = lane(answered, SUB0).calls.at(-1)!;
    expect([lane(answered, SUB0).state, call.state, call.approval!.approved]).toEqual(["running", "running", true]);
    expect(call.approval!.resolved! - call.approval!.requested).toBe(2500);
  });

  it("grows an open bar and the lane's time with now while live; stops them at the log's end when not", () => {
    const t = buildTimeline(upTo(23));
    const step = lane(t, SUB2).steps[0]!;
    expect(step.end).toBeNull();
    const now = at(23).time_ms + 2000;
    expect(endOf(step, horizon(t, LIVE(now))) - step.start).toBe(2000);
    expect(endOf(step, horizon(t, LIVE(now + 500))) - step.start).toBe(2500);
    expect(laneDuration(lane(t, SUB2), t, LIVE(now))).toBe(now - at(18).time_ms);
    expect(laneDuration(lane(t, SUB2), t, LIVE(now + 500))).toBe(now + 500 - at(18).time_ms);
    expect(stepStateAt(step, LIVE(now))).toBe("running");

    // The same log, no longer live (Reverie stopped): everything open ended with the log.
    expect(endOf(step, horizon(t, STORED))).toBe(at(23).time_ms);
    expect(stepStateAt(step, STORED)).toBe("interrupted");
    expect(t.lanes.map((l) => laneStateAt(l, STORED))).toEqual([
      "interrupted",
      "interrupted",
      "interrupted",
      "interrupted",
    ]);
  });

  it("ends what a resume closed where the log stopped, not when the closing was written", () => {
    const crashed = upTo(23);
    const before = buildTimeline(crashed);
    const open = before.lanes.filter((l) => l.parentThreadId !== null && l.openStep !== -1).map((l) => l.threadId);
    expect(open.length).toBeGreaterThan(0);
    const coordinatorCalls = Object.keys(lane(before, COORDINATOR).openCalls);
    const zero = { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0 };
    // A minute later the session is resumed: what the engine writes first, then it runs on.
    const closes: Array<[string, number, EventPayload]> = [];
    for (const thread of open) {
      closes.push([
        thread,
        closes.length === 0 ? 60_000 : 0,
        { type: "span.model_request_end", usage: zero, duration_ms: 100, interrupted: true },
      ]);
      closes.push([thread, 0, { type: "session.thread_status_idle", reason: "interrupted" }]);
    }
    for (const id of coordinatorCalls) {
      closes.push([
        COORDINATOR,
        0,
        {
          type: "agent.tool_result",
          tool_use_id: id,
          content: "interrupted: Reverie stopped before this tool call finished",
          is_error: true,
        },
      ]);
    }
    const closed = buildTimeline(then(crashed, closes));
    const stop = at(23).time_ms;
    expect(closed.end).toBe(stop);
    for (const thread of open) {
      const sub = lane(closed, thread);
      expect([sub.state, sub.stopReason, sub.openStep]).toEqual(["interrupted", "interrupted", -1]);
      expect(sub.steps.at(-1)).toMatchObject({ state: "interrupted", end: stop });
      expect(sub.spans.at(-1)).toMatchObject({ state: "interrupted", end: stop });
    }
    const resumed = buildTimeline(then(then(crashed, closes), [[COORDINATOR, 0, { type: "session.status_running" }]]));
    expect(lane(resumed, COORDINATOR).spans.at(-2)).toMatchObject({ state: "interrupted", end: stop });
    expect(resumed.end).toBe(stop + 60_000);
    expect(
      lane(resumed, COORDINATOR)
        .calls.filter((c) => coordinatorCalls.includes(c.toolUseId))
        .map((c) => c.end),
    ).toEqual(coordinatorCalls.map(() => stop));
  });

  it("reuses a subagent's lane for a follow-up to its thread_id", () => {
    const followUp = then(log.slice(0, -1), [
      [COORDINATOR, 5, { type: "span.model_request_start", model: "fake-model" }],
      [
        COORDINATOR,
        100,
        {
          type: "agent.tool_use",
          tool_use_id: "toolu_again",
          name: "delegate",
          input: { agent: "sub1", message: "Check part 1 again.", thread_id: SUB1 },
        },
      ],
      [
        COORDINATOR,
        1,
        {
          type: "span.model_request_end",
          usage: { input_tokens: 10, output_tokens: 5, cache_read_tokens: 0, cache_write_tokens: 0 },
          duration_ms: 101,
        },
      ],
      [COORDINATOR, 0, { type: "agent.thread_message_sent", to_thread_id: SUB1, text: "Check part 1 again." }],
      [SUB1, 1, { type: "agent.thread_message_received", from_thread_id: COORDINATOR, text: "Check part 1 again." }],
      [SUB1, 0, { type: "session.thread_status_running" }],
      [SUB1, 0, { type: "span.model_request_start", model: "fake-model" }],
      [SUB1, 150, { type: "agent.message", text: "Still done." }],
      [
        SUB1,
        0,
        {
          type: "span.model_request_end",
          usage: { input_tokens: 1500, output_tokens: 3, cache_read_tokens: 0, cache_write_tokens: 0 },
          duration_ms: 150,
        },
      ],
      [SUB1, 0, { type: "agent.thread_message_sent", to_thread_id: COORDINATOR, text: "Still done." }],
      [SUB1, 0, { type: "session.thread_status_idle", reason: "end_turn" }],
      [
        COORDINATOR,
        1,
        { type: "agent.tool_result", tool_use_id: "toolu_again", content: "Still done.", is_error: false },
      ],
    ]);
    const t = buildTimeline(followUp);
    expect(t.lanes.map((l) => l.threadId)).toEqual([COORDINATOR, SUB0, SUB1, SUB2]);
    const sub = lane(t, SUB1);
    expect(sub.steps).toHaveLength(4);
    expect(sub.spans.map((s) => s.kind)).toEqual(["queued", "run", "queued", "run"]);
    expect(sub.totals.requests).toBe(4);
    expect(lane(t, COORDINATOR).calls.at(-1)!.thread).toBe(SUB1);
    expect(t.arrows.slice(-2).map((a) => [a.kind, a.from, a.to])).toEqual([
      ["delegation", COORDINATOR, SUB1],
      ["report", SUB1, COORDINATOR],
    ]);
    // The follow-up's request carries the thread's earlier history, then the new message.
    const detail = stepDetail(sub, 3)!;
    expect(detail.context.map((m) => m.role)).toEqual([
      "user",
      "assistant",
      "user",
      "assistant",
      "user",
      "assistant",
      "user",
    ]);
    expect(detail.context[0]!.blocks).toEqual([
      { kind: "text", text: "Do part 1", source: "delegation", from: COORDINATOR },
    ]);
    expect(detail.context.at(-1)!.blocks).toEqual([
      { kind: "text", text: "Check part 1 again.", source: "delegation", from: COORDINATOR },
    ]);
    expect(detail.text).toEqual(["Still done."]);
  });

  it("applies one more event by copying only the lane it touches, to the same result as a replay", () => {
    const before = buildTimeline(log.slice(0, 61));
    const frozen = structuredClone(before);
    const after = applyTimelineEvent(before, log[61]!); // sub0's report (thr_9)
    expect(log[61]!.payload.type).toBe("agent.thread_message_sent");
    expect(before).toEqual(frozen); // nothing of the earlier timeline changed
    expect(after).toEqual(buildTimeline(log.slice(0, 62)));
    expect(after.arrows).toHaveLength(before.arrows.length + 1);
    expect(after.lanes[1]).not.toBe(before.lanes[1]);
    expect(after.lanes[0]).toBe(before.lanes[0]);
    expect(after.lanes[2]).toBe(before.lanes[2]);
    expect(after.lanes[1]!.steps).toBe(before.lanes[1]!.steps);

    // One by one, or all at once, the same timeline; an event seen before changes nothing.
    expect(log.reduce(applyTimelineEvent, buildTimeline([]))).toEqual(timeline);
    expect(applyTimelineEvent(timeline, log[10]!)).toBe(timeline);
  });

  it("rebuilds what a subagent's request was sent and what it answered", () => {
    const sub = lane(timeline, SUB1);
    const first = stepDetail(sub, 0)!;
    expect(first.context).toEqual([
      { role: "user", blocks: [{ kind: "text", text: "Do part 1", source: "delegation", from: COORDINATOR }] },
    ]);
    expect(first.text).toEqual(["Looking."]);
    expect(first.calls.map((c) => [c.name, c.output])).toEqual([["list_files", ". is empty"]]);

    const last = stepDetail(sub, 2)!;
    expect(last.number).toBe(3);
    expect(last.context.map((m) => [m.role, m.blocks.map((b) => b.kind)])).toEqual([
      ["user", ["text"]],
      ["assistant", ["text", "tool_use"]],
      ["user", ["tool_result"]],
      ["assistant", ["text", "tool_use"]],
      ["user", ["tool_result"]],
    ]);
    expect(last.text).toEqual(["Part 1 done."]);
    expect(last.calls).toEqual([]);

    const coordinator = stepDetail(lane(timeline, COORDINATOR), 1)!;
    expect(coordinator.context[0]!.blocks).toEqual([
      { kind: "text", text: "Do all parts.", source: "task", from: null },
    ]);
    expect(
      coordinator.context.at(-1)!.blocks.map((b) => (b.kind === "tool_result" ? b.content.split("\n")[0] : b.kind)),
    ).toEqual(["Part 1 done.", "Part 0 done.", "Part 2 done."]);
    expect(coordinator.text).toEqual(["All parts are done."]);
  });
});

describe("timeline geometry", () => {
  const timeline = buildTimeline(log);
  // 1 px per ms from the session's start: x is milliseconds after it.
  const view: View = { start: T0, msPerPx: 1, width: 800, height: 300, scrollTop: 0 };
  const y = (lane: number, top: number) => AXIS_HEIGHT + lane * LANE_HEIGHT + top + 2;

  it("finds the bar or the tool call under a click", () => {
    expect(hitTest(timeline, view, STORED, 70, y(0, STEP_TOP))).toEqual({ lane: 0, kind: "step", index: 0 });
    expect(hitTest(timeline, view, STORED, 700, y(0, STEP_TOP))).toEqual({ lane: 0, kind: "step", index: 1 });
    expect(hitTest(timeline, view, STORED, 400, y(2, STEP_TOP))).toEqual({ lane: 2, kind: "step", index: 1 });
    // A click a pixel past a bar's end still hits it; the gap between lanes' bars does not.
    expect(hitTest(timeline, view, STORED, 153 + 1, y(0, STEP_TOP))).toEqual({ lane: 0, kind: "step", index: 0 });
    expect(hitTest(timeline, view, STORED, 400, y(0, STEP_TOP))).toBeNull();
    // The delegate calls run under the coordinator from about 151 to 611: the shortest under the
    // point wins, and of equal ones the one drawn last, on top.
    expect(hitTest(timeline, view, STORED, 400, y(0, CALL_TOP))).toEqual({ lane: 0, kind: "call", index: 2 });
    expect(hitTest(timeline, view, STORED, 151.5, y(0, CALL_TOP))).toEqual({ lane: 0, kind: "call", index: 2 });
    expect(hitTest(timeline, view, STORED, 305, y(3, CALL_TOP))).toEqual({ lane: 3, kind: "call", index: 0 });
    expect(stepOfHit(timeline, { lane: 3, kind: "call", index: 0 })).toEqual({ lane: 3, step: 0 });
    // The axis, below the last lane, and before the session: nothing.
    expect(hitTest(timeline, view, STORED, 70, 10)).toBeNull();
    expect(hitTest(timeline, view, STORED, 70, y(4, STEP_TOP))).toBeNull();
    expect(hitTest(timeline, view, STORED, -50, y(0, STEP_TOP))).toBeNull();
  });

  it("follows scrolling and zoom", () => {
    const scrolled = { ...view, scrollTop: LANE_HEIGHT * 2 };
    expect(hitTest(timeline, scrolled, STORED, 400, y(0, STEP_TOP))).toEqual({ lane: 2, kind: "step", index: 1 });
    const zoomedOut: View = { ...view, msPerPx: 10 };
    expect(hitTest(timeline, zoomedOut, STORED, 65, y(0, STEP_TOP))).toEqual({ lane: 0, kind: "step", index: 1 });
  });

  it("hits an open bar up to now while live", () => {
    const t = buildTimeline(upTo(23));
    const now = at(23).time_ms + 300;
    const x = now - T0 - 5;
    expect(hitTest(t, view, LIVE(now), x, y(3, STEP_TOP))).toEqual({ lane: 3, kind: "step", index: 0 });
    expect(hitTest(t, view, STORED, x, y(3, STEP_TOP))).toBeNull();
  });

  it("fits the whole session, and labels the axis from its start", () => {
    const fit = fitView(timeline, STORED, 800);
    expect(fit.start).toBeLessThan(T0);
    expect(fit.start + 800 * fit.msPerPx).toBeGreaterThanOrEqual(T0 + 1000);
    expect([
      tickLabel(0, 1000),
      tickLabel(450, 50),
      tickLabel(12_000, 2000),
      tickLabel(90_000, 30_000),
      tickLabel(3_600_000, 600_000),
    ]).toEqual(["0 s", "450 ms", "12 s", "1 min 30 s", "1 h"]);
  });
});
