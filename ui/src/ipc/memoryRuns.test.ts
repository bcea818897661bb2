import { describe, expect, it } from "vitest";
import type { Backend } from "./backend";
import type { AgentInput, EventPayload, ProviderInput, SessionEvent, StreamItem } from "../bindings";
import { createMemoryBackend, GOOD_KEY } from "./memory";

const anthropic: ProviderInput = {
  name: "Anthropic",
  kind: "anthropic",
  base_url: "https://api.anthropic.com",
  model: "claude-sonnet-4-5",
  api_key: GOOD_KEY,
};

async function withAgent(overrides: Partial<AgentInput> = {}, memory: Parameters<typeof createMemoryBackend>[0] = {}) {
  const backend = createMemoryBackend({ providers: [anthropic], ...memory });
  const [provider] = await backend.listProviders();
  const agent = await backend.createAgent({
    name: "Helper",
    description: "",
    instructions: "Be brief.",
    provider_id: provider!.id,
    tools: [],
    memory: [],
    roster: [],
    ...overrides,
  });
  return { backend, agent };
}

/** Collects a session's stream and resolves `until(predicate)` once an item matches. */
async function watch(backend: Backend, id: string) {
  const items: StreamItem[] = [];
  const waiters: Array<{ test: (item: StreamItem) => boolean; resolve: (item: StreamItem) => void }> = [];
  const stop = await backend.watchSession(id, 0, (item) => {
    items.push(item);
    for (const waiter of [...waiters]) {
      if (waiter.test(item)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(item);
      }
    }
  });
  const events = () => items.flatMap((i) => (i.type === "event" ? [i.event] : []));
  /** The `nth` event of this type (1 = the first), once it has arrived. */
  const until = (type: EventPayload["type"], nth = 1) => {
    const count = () => events().filter((e) => e.payload.type === type).length;
    const found = events().filter((e) => e.payload.type === type)[nth - 1];
    if (found) return Promise.resolve(found);
    return new Promise<SessionEvent>((resolve) =>
      waiters.push({
        test: (item) => item.type === "event" && item.event.payload.type === type && count() === nth,
        resolve: (item) => resolve((item as Extract<StreamItem, { type: "event" }>).event),
      }),
    );
  };
  return { items, events, until, stop };
}

describe("memory backend › agents", () => {
  it("fills in every tool with its default and validates like the core", async () => {
    const { backend, agent } = await withAgent({ tools: [{ tool: "write_file", permission: "deny" }], model: "  " });
    expect(agent.model).toBeUndefined();
    expect(agent.max_turns).toBe(50);
    expect(agent.tools).toEqual([
      { tool: "list_files", permission: "allow" },
      { tool: "read_file", permission: "allow" },
      { tool: "search_files", permission: "allow" },
      { tool: "write_file", permission: "deny" },
      { tool: "edit_file", permission: "allow" },
      { tool: "run_command", permission: "ask" },
    ]);
    const input = {
      description: "",
      instructions: "",
      provider_id: agent.provider_id,
      tools: [],
      memory: [],
      roster: [],
    };
    await expect(backend.createAgent({ ...input, name: "helper" })).rejects.toMatchObject({
      code: "conflict",
      field: "name",
    });
    await expect(backend.createAgent({ ...input, name: " " })).rejects.toMatchObject({ field: "name" });
    await expect(backend.createAgent({ ...input, name: "x".repeat(81) })).rejects.toMatchObject({ field: "name" });
    await expect(backend.createAgent({ ...input, name: "B", provider_id: "prv_nope" })).rejects.toMatchObject({
      code: "invalid_input",
      field: "provider_id",
    });
    await expect(backend.createAgent({ ...input, name: "B", max_turns: 0 })).rejects.toMatchObject({
      field: "max_turns",
    });
    await expect(backend.createAgent({ ...input, name: "B", max_turns: 501 })).rejects.toMatchObject({
      field: "max_turns",
    });
    await expect(backend.createAgent({ ...input, name: "B", instructions: "x".repeat(100_001) })).rejects.toMatchObject(
      {
        field: "instructions",
      },
    );
    expect((await backend.listTools()).map((t) => [t.name, t.default_permission])).toEqual([
      ["list_files", "allow"],
      ["read_file", "allow"],
      ["search_files", "allow"],
      ["write_file", "allow"],
      ["edit_file", "allow"],
      ["run_command", "ask"],
    ]);
  });
});

describe("memory backend › runs", () => {
  it("refuses a run on a missing agent, a missing folder, an empty or too large task", async () => {
    const { backend, agent } = await withAgent();
    const run = { agent_id: agent.id, workspace: "/home/you/notes", task: "Tidy up." };
    await expect(backend.startRun({ ...run, agent_id: "agt_nope" })).rejects.toMatchObject({ field: "agent_id" });
    await expect(backend.startRun({ ...run, workspace: "" })).rejects.toMatchObject({ field: "workspace" });
    await expect(backend.startRun({ ...run, workspace: "/x/missing" })).rejects.toEqual({
      code: "invalid_input",
      field: "workspace",
      message: "The folder /x/missing does not exist. Choose an existing folder.",
    });
    await expect(backend.startRun({ ...run, task: "  " })).rejects.toMatchObject({ field: "task" });
    const big = await backend.startRun({ ...run, task: "é".repeat(131_073) }).catch((e: unknown) => e);
    expect(big).toMatchObject({ code: "invalid_input", field: "task" });
    expect((big as { message: string }).message).toMatch(/256 KB.*file in the workspace/);
    expect(await backend.listSessions()).toEqual([]);
  });

  it("plays a run, waits for the command's approval and keeps the summary's totals", async () => {
    const { backend, agent } = await withAgent();
    const started = await backend.startRun({
      agent_id: agent.id,
      workspace: "/home/you/notes",
      task: "Check the tests.",
    });
    expect(started).toMatchObject({ status: "running", agent_name: "Helper", task_preview: "Check the tests." });
    const stream = await watch(backend, started.id);

    const asked = await stream.until("session.approval_requested");
    expect(asked.payload).toMatchObject({
      name: "run_command",
      input: { command: "npm test" },
      working_directory: "/home/you/notes",
    });
    expect((await backend.getSession(started.id)).status).toBe("running");
    if (asked.payload.type !== "session.approval_requested") throw new Error("unreachable");
    await backend.answerApproval(started.id, asked.payload.tool_use_id, true);
    await stream.until("session.status_idle");

    const events = stream.events();
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const types = events.map((e) => e.payload.type);
    expect(types.slice(0, 7)).toEqual([
      "user.message",
      "session.status_running",
      "span.model_request_start",
      "agent.message",
      "agent.tool_use",
      "span.model_request_end",
      "agent.tool_result",
    ]);
    expect(types.at(-1)).toBe("session.status_idle");
    expect(events.at(-1)!.payload).toEqual({ type: "session.status_idle", reason: "end_turn" });
    // Deltas came before each message and add up to it.
    const firstMessage = events.find((e) => e.payload.type === "agent.message")!;
    const deltas = stream.items.slice(
      0,
      stream.items.findIndex((i) => i.type === "event" && i.event === firstMessage),
    );
    expect(deltas.flatMap((i) => (i.type === "text_delta" ? [i.text] : [])).join("")).toBe(
      (firstMessage.payload as { text: string }).text,
    );
    const results = events.flatMap((e) => (e.payload.type === "agent.tool_result" ? [e.payload] : []));
    expect(results.map((r) => r.is_error)).toEqual([false, false, false]);

    const summary = await backend.getSession(started.id);
    expect(summary).toMatchObject({ status: "idle", stop_reason: "end_turn", turns: 4, last_seq: events.length });
    expect(summary.usage.output_tokens).toBeGreaterThan(0);
    expect(summary.cost_usd).toBeGreaterThan(0);
    stream.stop();
  });

  it("gives a denied command an error result", async () => {
    const { backend, agent } = await withAgent();
    const { id } = await backend.startRun({ agent_id: agent.id, workspace: "/w", task: "Go." });
    const stream = await watch(backend, id);
    const asked = await stream.until("session.approval_requested");
    await backend.answerApproval(id, (asked.payload as { tool_use_id: string }).tool_use_id, false);
    await stream.until("session.status_idle");
    const denied = stream
      .events()
      .filter((e) => e.payload.type === "agent.tool_result")
      .at(-1)!.payload;
    expect(denied).toMatchObject({
      is_error: true,
      content: expect.stringMatching(/^denied: the user did not approve/),
    });
    expect(stream.events().some((e) => e.payload.type === "session.approval_resolved" && !e.payload.approved)).toBe(
      true,
    );
  });

  it("cancels a run waiting for approval: the call gets a cancelled result and the session goes idle", async () => {
    const { backend, agent } = await withAgent();
    const { id } = await backend.startRun({ agent_id: agent.id, workspace: "/w", task: "Go." });
    const stream = await watch(backend, id);
    const asked = await stream.until("session.approval_requested");
    await backend.cancelSession(id);
    const idle = await stream.until("session.status_idle");
    expect(idle.payload).toEqual({ type: "session.status_idle", reason: "cancelled" });
    const result = stream
      .events()
      .filter((e) => e.payload.type === "agent.tool_result")
      .at(-1)!.payload;
    expect(result).toMatchObject({
      tool_use_id: (asked.payload as { tool_use_id: string }).tool_use_id,
      is_error: true,
    });
    expect((result as { content: string }).content).toMatch(/^cancelled/);
    await expect(backend.cancelSession(id)).rejects.toMatchObject({ code: "conflict" });
    await expect(backend.answerApproval(id, "toolu_x", true)).rejects.toMatchObject({ code: "not_found" });
    // A cancelled run can go on from its log without a new message.
    await expect(backend.continueSession(id, null)).resolves.toMatchObject({ status: "running" });
  });

  it("follows up on an idle session only with a message, and never while running", async () => {
    const { backend, agent } = await withAgent({ tools: [{ tool: "run_command", permission: "allow" }] });
    const { id } = await backend.startRun({ agent_id: agent.id, workspace: "/w", task: "Go." });
    await expect(backend.continueSession(id, "more")).rejects.toMatchObject({ code: "conflict" });
    const stream = await watch(backend, id);
    await stream.until("session.status_idle");
    expect(stream.events().some((e) => e.payload.type === "session.approval_requested")).toBe(false);
    await expect(backend.continueSession(id, " ")).rejects.toMatchObject({ code: "invalid_input", field: "message" });
    const again = await backend.continueSession(id, "And the docs?");
    expect(again.status).toBe("running");
    await stream.until("session.status_idle", 2);
    expect(
      stream
        .events()
        .filter((e) => e.payload.type === "user.message")
        .map((e) => e.payload),
    ).toEqual([
      { type: "user.message", text: "Go." },
      { type: "user.message", text: "And the docs?" },
    ]);
  });

  it("ends with an error when the provider refuses the key", async () => {
    const { backend, agent } = await withAgent({}, { providers: [{ ...anthropic, api_key: "sk-bad" }] });
    const { id } = await backend.startRun({ agent_id: agent.id, workspace: "/w", task: "Go." });
    const stream = await watch(backend, id);
    await stream.until("session.status_idle");
    const tail = stream
      .events()
      .slice(-2)
      .map((e) => e.payload);
    expect(tail[0]).toMatchObject({ type: "session.error", error: { code: "auth" } });
    expect(tail[1]).toEqual({ type: "session.status_idle", reason: "error" });
  });

  it("seeds finished, interrupted and failed sessions, newest first, and resumes the interrupted one", async () => {
    const backend = createMemoryBackend({
      providers: [anthropic],
      agents: [{ name: "Helper", description: "", instructions: "", provider: "Anthropic", tools: [] }],
      sessions: [
        { agent: "Helper", task: "Old", workspace: "/w", outcome: "finished", startedAgoMs: 3_000_000 },
        { agent: "Helper", task: "Died", workspace: "/w", outcome: "interrupted", startedAgoMs: 2_000_000 },
        { agent: "Helper", task: "Failed", workspace: "/w", outcome: "error", startedAgoMs: 1_000_000 },
      ],
    });
    const list = await backend.listSessions();
    expect(list.map((s) => [s.task_preview, s.status, s.stop_reason])).toEqual([
      ["Failed", "idle", "error"],
      ["Died", "interrupted", undefined],
      ["Old", "idle", "end_turn"],
    ]);
    const died = list[1]!;
    expect((await backend.sessionEvents(died.id, 0, 1000)).at(-1)!.payload.type).toBe("session.approval_requested");
    expect(await backend.sessionEvents(died.id, 2, 3)).toHaveLength(3);

    const stream = await watch(backend, died.id);
    await expect(backend.continueSession(died.id, null)).resolves.toMatchObject({ status: "running" });
    await stream.until("session.status_idle");
    expect(
      stream
        .events()
        .filter((e) => e.payload.type === "agent.tool_result")
        .at(-1)!.payload,
    ).toMatchObject({
      is_error: true,
      content: expect.stringMatching(/^interrupted/),
    });
  });
});

describe("memory backend › runs with an outcome", () => {
  const RUBRIC =
    "## Work\n- The tests pass {#tests}\n- NOTES.md has the plan {#notes}\n- The summary is short {#short .optional}\n";

  async function withRubric() {
    const { backend, agent } = await withAgent({ tools: [{ tool: "run_command", permission: "allow" }] });
    const rubric = await backend.createRubric("Tests", RUBRIC);
    const run = { agent_id: agent.id, workspace: "/w", task: "Fix it." };
    return { backend, agent, rubric, run };
  }

  it("refuses a bad outcome naming its field, before anything runs", async () => {
    const { backend, rubric, run } = await withRubric();
    const outcome = { description: "", rubric_id: rubric.id };
    await expect(backend.startRun({ ...run, outcome: { ...outcome, max_iterations: 0 } })).rejects.toMatchObject({
      field: "outcome.max_iterations",
      message: expect.stringMatching(/between 1 and 20 iterations/),
    });
    await expect(backend.startRun({ ...run, outcome: { ...outcome, max_iterations: 21 } })).rejects.toMatchObject({
      field: "outcome.max_iterations",
    });
    await expect(backend.startRun({ ...run, outcome: { ...outcome, grader_passes: 6 } })).rejects.toMatchObject({
      field: "outcome.grader_passes",
    });
    await expect(backend.startRun({ ...run, outcome: { ...outcome, rubric_id: "rub_nope" } })).rejects.toMatchObject({
      field: "outcome.rubric_id",
    });
    await expect(
      backend.startRun({ ...run, outcome: { ...outcome, grader_provider_id: "prv_nope" } }),
    ).rejects.toMatchObject({
      field: "outcome.grader_provider_id",
    });
    expect(await backend.listSessions()).toEqual([]);
  });

  it("defines the outcome first, grades, sends the feedback, and is satisfied after the revision", async () => {
    const { backend, rubric, run } = await withRubric();
    const { id } = await backend.startRun({
      ...run,
      outcome: { description: "", rubric_id: rubric.id, grader_passes: 3 },
    });
    const stream = await watch(backend, id);
    await stream.until("session.status_idle");
    const payloads = stream.events().map((e) => e.payload);
    expect(payloads[0]).toMatchObject({
      type: "outcome.defined",
      outcome: {
        description: "Fix it.",
        rubric_name: "Tests",
        rubric_version: 1,
        max_iterations: 3,
        grader_passes: 3,
        grader_model: "claude-sonnet-4-5",
      },
    });
    const outcomeEvents = payloads.filter((p) => p.type.startsWith("span.outcome") || p.type === "outcome.feedback");
    expect(outcomeEvents.map((p) => [p.type, "iteration" in p ? p.iteration : null])).toEqual([
      ["span.outcome_evaluation_start", 0],
      ["span.outcome_evaluation_end", 0],
      ["outcome.feedback", 0],
      ["span.outcome_evaluation_start", 1],
      ["span.outcome_evaluation_end", 1],
    ]);
    const [first, second] = payloads.flatMap((p) => (p.type === "span.outcome_evaluation_end" ? [p] : []));
    expect(first!.result).toBe("needs_revision");
    expect(first!.verdicts.map((v) => [v.criterion_id, v.verdict])).toEqual([
      ["tests", "met"],
      ["notes", "not_met"],
      ["short", "met"],
    ]);
    expect(first!.verdicts[0]!.disagreement).toEqual(["met", "not_met", "met"]);
    expect(first!.cost_usd).toBeGreaterThan(0);
    expect(second!.result).toBe("satisfied");
    const feedback = payloads.find((p) => p.type === "outcome.feedback");
    expect(feedback).toMatchObject({
      text: expect.stringContaining("- NOTES.md has the plan (not met)\n  Evidence: Nothing in NOTES.md"),
    });
    expect(payloads.at(-1)).toEqual({ type: "session.status_idle", reason: "end_turn" });
  });

  it("spends a budget of one on a final wrap-up turn", async () => {
    const { backend, rubric, run } = await withRubric();
    const { id } = await backend.startRun({
      ...run,
      outcome: { description: "Done well", rubric_id: rubric.id, max_iterations: 1 },
    });
    const stream = await watch(backend, id);
    await stream.until("session.status_idle");
    const payloads = stream.events().map((e) => e.payload);
    const ends = payloads.flatMap((p) => (p.type === "span.outcome_evaluation_end" ? [p.result] : []));
    expect(ends).toEqual(["max_iterations_reached"]);
    const after = payloads.slice(payloads.findIndex((p) => p.type === "outcome.feedback"));
    expect(after[0]).toMatchObject({ text: expect.stringMatching(/^The iteration budget for this outcome is spent/) });
    expect(after.filter((p) => p.type === "span.model_request_start")).toHaveLength(1);
  });

  it("records an evaluation cancelled while grading as interrupted", async () => {
    const { backend, rubric, run } = await withRubric();
    const { id } = await backend.startRun({ ...run, outcome: { description: "", rubric_id: rubric.id } });
    const stream = await watch(backend, id);
    await stream.until("span.outcome_evaluation_start");
    await backend.cancelSession(id);
    await stream.until("session.status_idle");
    const tail = stream
      .events()
      .slice(-2)
      .map((e) => e.payload);
    expect(tail[0]).toMatchObject({
      type: "span.outcome_evaluation_end",
      iteration: 0,
      result: "interrupted",
      verdicts: [],
    });
    expect(tail[1]).toEqual({ type: "session.status_idle", reason: "cancelled" });
  });
});
