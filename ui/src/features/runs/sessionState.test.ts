import { describe, expect, it } from "vitest";
import type { EventPayload, SessionEvent, StreamItem } from "../../bindings";
import { orchestrationRun } from "./fixtures/orchestrationRun";
import { approvedRunLog, asStream, cancelledRunLog, teamRunLog } from "../../fixtures";
import { applyEvent, applyItem, initialSessionState, itemForSeq, replay, type SessionState } from "./sessionState";

// Recorded from the engine (src/fixtures), as the live stream shows them.
const approvedRun = asStream(approvedRunLog);
const cancelledRun = asStream(cancelledRunLog);

const play = (items: readonly StreamItem[], from: SessionState = initialSessionState) => items.reduce(applyItem, from);
const events = (items: readonly StreamItem[]) => items.flatMap((i) => (i.type === "event" ? [i.event] : []));
/** The prefix of `items` up to (not including) the first event matching `type`. */
const until = (items: readonly StreamItem[], type: EventPayload["type"]) =>
  items.slice(
    0,
    items.findIndex((i) => i.type === "event" && i.event.payload.type === type),
  );

describe("session state", () => {
  it("builds the transcript and totals of a recorded run", () => {
    const state = play(approvedRun);
    expect(state.items.map((i) => i.kind)).toEqual([
      "user",
      "agent",
      "tool",
      "agent",
      "tool",
      "agent",
      "tool",
      "approval",
      "agent",
      "idle",
    ]);
    expect(state.items[0]).toMatchObject({ kind: "user", text: "Write the plan to NOTES.md and run the tests." });
    const tools = state.items.flatMap((i) => (i.kind === "tool" ? [i] : []));
    expect(tools.map((t) => [t.name, t.state])).toEqual([
      ["read_file", "ok"],
      ["write_file", "ok"],
      ["run_command", "ok"],
    ]);
    expect(tools[0]!.input).toEqual({ path: "README.md" });
    expect(tools[2]!.output).toMatch(/pass 2/);
    expect(state.items.find((i) => i.kind === "approval")).toMatchObject({
      name: "run_command",
      input: { command: "echo 'pass 2'" },
      workingDirectory: "/workspace",
      answer: "approved",
    });
    expect(state).toMatchObject({ status: "idle", stopReason: "end_turn", pendingApprovals: [], streaming: {} });
    expect(state.lastSeq).toBe(events(approvedRun).at(-1)!.seq);

    const ends = events(approvedRun).flatMap((e) => (e.payload.type === "span.model_request_end" ? [e.payload] : []));
    expect(state.totals.turns).toBe(4);
    expect(state.totals.model).toBe("fake-model");
    expect(state.totals.usage.input_tokens).toBe(ends.reduce((sum, e) => sum + e.usage.input_tokens, 0));
    expect(state.totals.usage.cache_read_tokens).toBe(ends.reduce((sum, e) => sum + e.usage.cache_read_tokens, 0));
    expect(state.totals.costUsd).toBeCloseTo(
      ends.reduce((sum, e) => sum + (e.cost_usd ?? 0), 0),
      10,
    );
    const [first, last] = [events(approvedRun)[1]!, events(approvedRun).at(-1)!];
    expect(state.totals.durationMs).toBe(last.time_ms - first.time_ms);
    expect(state.totals.runningSince).toBeNull();
  });

  it("finds the item that shows an event quoted as evidence: its own, the call it completed, or the one before", () => {
    const state = play(approvedRun);
    const log = events(approvedRun);
    const seqOf = (type: EventPayload["type"], nth = 0) => log.filter((e) => e.payload.type === type)[nth]!.seq;
    expect(itemForSeq(state.items, seqOf("agent.message", 1))).toMatchObject({
      kind: "agent",
      seq: seqOf("agent.message", 1),
    });
    // A tool result shows in its call; an approval's answer in the approval.
    expect(itemForSeq(state.items, seqOf("agent.tool_result", 2))).toMatchObject({ kind: "tool", name: "run_command" });
    expect(itemForSeq(state.items, seqOf("session.approval_resolved"))).toMatchObject({ kind: "approval" });
    // The status event makes no item: the user's message before it shows instead.
    expect(itemForSeq(state.items, seqOf("session.status_running"))).toMatchObject({ kind: "user" });
    expect(itemForSeq([], 3)).toBeNull();
  });

  it("replays stored events to the same transcript as the live stream (deltas only add the caret)", () => {
    const live = play(approvedRun);
    const stored = replay(events(approvedRun));
    expect(stored).toEqual(live);
  });

  it("ignores duplicates and events it already applied", () => {
    const once = play(approvedRun);
    // Every event twice in a row, then the whole log again (a re-subscribe after a lag).
    const doubled = approvedRun.flatMap((i): StreamItem[] => (i.type === "event" ? [i, i] : [i]));
    expect(
      play(
        events(approvedRun).map((event): StreamItem => ({ type: "event", event })),
        play(doubled),
      ),
    ).toEqual(once);
    const state = play(approvedRun.slice(0, 12));
    expect(applyEvent(state, events(approvedRun)[0]!)).toBe(state);
  });

  it("shows streamed text per thread until the thread's message holds it whole", () => {
    const streaming = play(until(approvedRun, "agent.message"));
    expect(streaming.streaming).toEqual({
      thr_2: "I'll start by reading the README to see how the project is laid out.",
    });
    expect(streaming.items.map((i) => i.kind)).toEqual(["user"]);

    const other = applyItem(streaming, { type: "text_delta", thread_id: "thr_sub", text: "Looking" });
    const message = approvedRun.find((i) => i.type === "event" && i.event.payload.type === "agent.message")!;
    const after = applyItem(other, message);
    expect(after.streaming).toEqual({ thr_sub: "Looking" });
    expect(after.items.at(-1)).toMatchObject({
      kind: "agent",
      text: "I'll start by reading the README to see how the project is laid out.",
    });
  });

  it("tracks an approval from request to answer", () => {
    const waiting = play(until(approvedRun, "session.approval_resolved"));
    const id = waiting.pendingApprovals[0]!;
    expect(id).toMatch(/^toolu_/);
    expect(waiting.items.find((i) => i.kind === "tool" && i.toolUseId === id)).toMatchObject({ state: "waiting" });
    expect(waiting.items.at(-1)).toMatchObject({ kind: "approval", toolUseId: id, answer: "pending" });
    expect(waiting.status).toBe("running");

    const resolved = applyEvent(waiting, {
      ...events(approvedRun).find((e) => e.payload.type === "session.approval_resolved")!,
    });
    expect(resolved.pendingApprovals).toEqual([]);
    expect(resolved.items.find((i) => i.kind === "tool" && i.toolUseId === id)).toMatchObject({ state: "running" });
    expect(resolved.items.find((i) => i.kind === "approval")).toMatchObject({ answer: "approved" });
  });

  it("closes a cancelled run: cancelled call, withdrawn approval, no streaming text left", () => {
    const partial = applyItem(play(until(cancelledRun, "session.status_idle")), {
      type: "text_delta",
      thread_id: "thr_2",
      text: "Half a sent",
    });
    const state = applyItem(partial, cancelledRun.at(-1)!);
    expect(state).toMatchObject({ status: "idle", stopReason: "cancelled", pendingApprovals: [], streaming: {} });
    const command = state.items.find((i) => i.kind === "tool" && i.name === "run_command");
    expect(command).toMatchObject({ state: "cancelled", output: expect.stringMatching(/^cancelled/) });
    expect(state.items.find((i) => i.kind === "approval")).toMatchObject({ answer: "withdrawn" });
    expect(state.items.at(-1)).toMatchObject({ kind: "idle", reason: "cancelled" });
  });

  it("shows a denied call as an error and a session error with its message", () => {
    const log: EventPayload[] = [
      { type: "user.message", text: "Deploy it." },
      { type: "session.status_running" },
      { type: "span.model_request_start", model: "llama3.1:8b" },
      { type: "agent.tool_use", tool_use_id: "t1", name: "run_command", input: { command: "make deploy" } },
      {
        type: "span.model_request_end",
        usage: { input_tokens: 10, output_tokens: 5, cache_read_tokens: 0, cache_write_tokens: 0 },
        duration_ms: 40,
      },
      {
        type: "session.approval_requested",
        tool_use_id: "t1",
        name: "run_command",
        input: { command: "make deploy" },
        working_directory: "/w",
      },
      { type: "session.approval_resolved", tool_use_id: "t1", approved: false },
      {
        type: "agent.tool_result",
        tool_use_id: "t1",
        content: "denied: the user did not approve this run_command call.",
        is_error: true,
      },
      { type: "span.model_request_start", model: "llama3.1:8b" },
      {
        type: "span.model_request_end",
        usage: { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0 },
        duration_ms: 3,
      },
      {
        type: "session.error",
        error: {
          code: "network",
          message: "Couldn't reach localhost:11434. Start the server, then send the task again.",
        },
      },
      { type: "session.status_idle", reason: "error" },
    ];
    const state = replay(
      log.map((payload, i): SessionEvent => ({
        session_id: "s",
        seq: i + 1,
        thread_id: "t",
        time_ms: 1000 + i * 10,
        payload,
      })),
    );
    expect(state.items.map((i) => i.kind)).toEqual(["user", "tool", "approval", "error", "idle"]);
    expect(state.items[1]).toMatchObject({ state: "error" });
    expect(state.items[2]).toMatchObject({ answer: "denied" });
    expect(state.items[3]).toMatchObject({
      error: { code: "network", message: expect.stringMatching(/^Couldn't reach/) },
    });
    expect(state.stopReason).toBe("error");
    // No request had a price: the cost is unknown, not zero.
    expect(state.totals.costUsd).toBeNull();
    expect(state.totals).toMatchObject({ turns: 2, durationMs: 100 });
  });

  it("puts each evaluation and the grader's feedback in the transcript (not as the user's words) and keeps the outcome", () => {
    const criteria = [
      { id: "tests", text: "The tests pass", weight: 1, optional: false, line: 1 },
      { id: "notes", text: "NOTES.md has the plan", weight: 1, optional: false, line: 2 },
    ];
    const usage = { input_tokens: 10, output_tokens: 5, cache_read_tokens: 0, cache_write_tokens: 0 };
    const payloads: EventPayload[] = [
      {
        type: "outcome.defined",
        outcome: {
          description: "Go",
          rubric_id: "rub_1",
          rubric_name: "Notes",
          rubric_version: 1,
          criteria,
          max_iterations: 3,
          grader_passes: 1,
          grader_provider_id: "prv_1",
          grader_model: "m",
        },
      },
      { type: "user.message", text: "Go" },
      { type: "session.status_running" },
      { type: "span.outcome_evaluation_start", iteration: 0, grader_model: "m", passes: 1 },
      {
        type: "span.outcome_evaluation_end",
        iteration: 0,
        result: "needs_revision",
        verdicts: [
          { criterion_id: "tests", verdict: "met", evidence: "", change: "", disagreement: [] },
          { criterion_id: "notes", verdict: "not_met", evidence: "", change: "Write it", disagreement: [] },
        ],
        usage,
        cost_usd: 0.25,
        duration_ms: 5,
      },
      { type: "outcome.feedback", iteration: 0, text: "These criteria are not met yet" },
    ];
    const state = replay(
      payloads.map((payload, i) => ({ session_id: "s", seq: i + 1, thread_id: "t", time_ms: i, payload })),
    );
    expect(state.items.map((i) => i.kind)).toEqual(["user", "evaluation", "feedback"]);
    expect(state.items[1]).toMatchObject({
      kind: "evaluation",
      iteration: 0,
      result: "needs_revision",
      met: 1,
      total: 2,
    });
    expect(state.items[2]).toMatchObject({ kind: "feedback", iteration: 0, text: "These criteria are not met yet" });
    expect(state.outcome?.definition.rubric_name).toBe("Notes");
    expect(state.outcome?.evaluations.map((e) => e.result)).toEqual(["needs_revision"]);
    expect(state.outcome?.grading).toBeNull();
    // Grading counts in the session's tokens and cost, as the core's totals do, not in its turns.
    expect(state.totals).toMatchObject({ turns: 0, usage, costUsd: 0.25 });
  });

  it("names each subagent's thread and ends each once in a team run recorded from the engine", () => {
    const state = replay(teamRunLog);
    expect(state.primaryThread).toBe("thr_2");
    expect(state.threads).toEqual({
      thr_3: { agentName: "researcher", parent: "thr_2" },
      thr_4: { agentName: "writer", parent: "thr_2" },
    });
    expect(state.items.flatMap((i) => (i.kind === "tool" ? [[i.name, i.threadId, i.state]] : []))).toEqual([
      ["delegate", "thr_2", "ok"],
      ["delegate", "thr_2", "ok"],
      ["read_file", "thr_3", "ok"],
      ["write_file", "thr_4", "ok"],
    ]);
    expect(state.items.flatMap((i) => (i.kind === "thread_idle" ? [[i.threadId, i.reason]] : []))).toEqual([
      ["thr_3", "end_turn"],
      ["thr_4", "end_turn"],
    ]);
    expect(state.items.at(-1)).toMatchObject({ kind: "idle", reason: "end_turn" });
    expect(state).toMatchObject({ status: "idle", stopReason: "end_turn" });
  });

  it("tells a coordinator's lines from its subagents' in a recorded orchestration", () => {
    const state = replay(orchestrationRun);
    expect(state.primaryThread).toBe("thr_8");
    expect(state.threads).toEqual({
      thr_9: { agentName: "sub0", parent: "thr_8" },
      thr_10: { agentName: "sub1", parent: "thr_8" },
      thr_11: { agentName: "sub2", parent: "thr_8" },
    });
    const tools = state.items.flatMap((i) => (i.kind === "tool" ? [[i.name, i.threadId, i.state]] : []));
    expect(tools.slice(0, 4)).toEqual([
      ["delegate", "thr_8", "ok"],
      ["delegate", "thr_8", "ok"],
      ["delegate", "thr_8", "ok"],
      ["list_files", "thr_10", "ok"],
    ]);
    // Each subagent's end shows once; the session's own end once, last.
    expect(
      state.items
        .filter((i) => i.kind === "thread_idle")
        .map((i) => i.kind === "thread_idle" && [i.threadId, i.reason]),
    ).toEqual([
      ["thr_10", "end_turn"],
      ["thr_9", "end_turn"],
      ["thr_11", "end_turn"],
    ]);
    expect(state.items.at(-1)).toMatchObject({ kind: "idle", reason: "end_turn" });
    expect(state).toMatchObject({ status: "idle", stopReason: "end_turn" });
    // Every thread's requests count in the session's totals.
    expect(state.totals.turns).toBe(11);
    expect(state.totals.usage.input_tokens).toBe(1585 + 1832 + 3 * (1304 + 1376 + 1447));
  });
});
