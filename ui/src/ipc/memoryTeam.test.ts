import { describe, expect, it } from "vitest";
import type { EventPayload, ProviderInput, SessionEvent } from "../bindings";
import { buildTimeline } from "../features/runs/timeline";
import type { Backend } from "./backend";
import { createMemoryBackend, GOOD_KEY } from "./memory";

const anthropic: ProviderInput = {
  name: "Anthropic",
  kind: "anthropic",
  base_url: "https://api.anthropic.com",
  model: "claude-sonnet-4-5",
  api_key: GOOD_KEY,
};

async function withTeam() {
  const backend = createMemoryBackend({ providers: [anthropic] });
  const [provider] = await backend.listProviders();
  const team = await backend.createExampleTeam(provider!.id);
  return { backend, team, provider: provider! };
}

/** Follows a session's events; `until` resolves once one matches. */
async function follow(backend: Backend, id: string) {
  const events: SessionEvent[] = [];
  const waiters: Array<{ test: (e: SessionEvent) => boolean; resolve: (e: SessionEvent) => void }> = [];
  await backend.watchSession(id, 0, (item) => {
    if (item.type !== "event") return;
    events.push(item.event);
    for (const waiter of [...waiters]) {
      if (waiter.test(item.event)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(item.event);
      }
    }
  });
  const until = (test: (e: SessionEvent) => boolean) => {
    const found = events.find(test);
    return found ? Promise.resolve(found) : new Promise<SessionEvent>((resolve) => waiters.push({ test, resolve }));
  };
  const is = (type: EventPayload["type"], thread?: string) => (e: SessionEvent) =>
    e.payload.type === type && (thread === undefined || e.thread_id === thread);
  return { events, until, is };
}

/** Most subagent threads running at the same time, by their status events. */
function mostRunning(events: readonly SessionEvent[]): number {
  let running = 0;
  let most = 0;
  for (const e of events) {
    if (e.payload.type === "session.thread_status_running") most = Math.max(most, ++running);
    if (
      e.payload.type === "session.thread_status_idle" &&
      events.some(
        (r) => r.thread_id === e.thread_id && r.seq < e.seq && r.payload.type === "session.thread_status_running",
      )
    )
      running--;
  }
  return most;
}

/** The coordinator's last message (the session's primary thread is the first event's). */
function lastMessage(events: readonly SessionEvent[]): string {
  const primary = events[0]!.thread_id;
  const last = events.findLast((e) => e.thread_id === primary && e.payload.type === "agent.message");
  return last?.payload.type === "agent.message" ? last.payload.text : "";
}

const task = { workspace: "/home/you/projects/notes", task: "Write a summary of the notes app." };

describe("memory backend › orchestration", () => {
  it("creates the example team, coordinator first, numbering names already taken", async () => {
    const { backend, team, provider } = await withTeam();
    expect(team.map((a) => [a.name, a.roster.length])).toEqual([
      ["Coordinator", 3],
      ["Researcher", 0],
      ["Writer", 0],
      ["Reviewer", 0],
    ]);
    expect(team[0]!.roster).toEqual(team.slice(1).map((a) => a.id));
    expect(team[3]!.tools.find((t) => t.tool === "run_command")?.permission).toBe("deny");
    const again = await backend.createExampleTeam(provider.id);
    expect(again.map((a) => a.name)).toEqual(["Coordinator 2", "Researcher 2", "Writer 2", "Reviewer 2"]);
    await expect(backend.createExampleTeam("prv_nope")).rejects.toMatchObject({
      code: "invalid_input",
      field: "provider_id",
    });
  });

  it("plays a coordinator delegating to three subagents side by side, who report back", async () => {
    const { backend, team } = await withTeam();
    const session = await backend.startRun({ agent_id: team[0]!.id, ...task });
    const { events, until, is } = await follow(backend, session.id);
    await until(is("session.status_idle"));
    const timeline = buildTimeline(events);
    expect(timeline.lanes.map((l) => [l.agentName, l.state])).toEqual([
      [null, "done"],
      ["Researcher", "done"],
      ["Writer", "done"],
      ["Reviewer", "done"],
    ]);
    expect(timeline.arrows.map((a) => a.kind).sort()).toEqual([
      "delegation",
      "delegation",
      "delegation",
      "report",
      "report",
      "report",
    ]);
    // All three ran at once; the reviewer's command was refused by its policy.
    expect(mostRunning(events)).toBe(3);
    const reviewer = timeline.lanes[3]!;
    expect(reviewer.calls.find((c) => c.name === "run_command")?.state).toBe("error");
    const coordinator = timeline.lanes[0]!;
    expect(coordinator.calls.map((c) => [c.name, c.state])).toEqual([
      ["delegate", "ok"],
      ["delegate", "ok"],
      ["delegate", "ok"],
    ]);
    expect(coordinator.calls[0]!.output).toMatch(
      /^Found: .*\n\n\(thread_id: thr_0001_1; pass it to delegate to follow up with Researcher\)$/,
    );
    expect(lastMessage(events)).toBe(
      "The team is done. Researcher, Writer, Reviewer reported back; SUMMARY.md has the result.",
    );
    expect((await backend.getSession(session.id)).status).toBe("idle");
  });

  it("queues delegations beyond max_threads, and checks it like the core", async () => {
    const { backend, team } = await withTeam();
    await expect(backend.startRun({ agent_id: team[0]!.id, ...task, max_threads: 26 })).rejects.toEqual({
      code: "invalid_input",
      field: "max_threads",
      message: "Choose between 1 and 25 subagent threads at once (you chose 26).",
    });
    const session = await backend.startRun({ agent_id: team[0]!.id, ...task, max_threads: 1 });
    const { events, until, is } = await follow(backend, session.id);
    await until(is("session.status_idle"));
    expect(mostRunning(events)).toBe(1);
    expect(
      buildTimeline(events)
        .lanes.slice(1)
        .map((l) => l.spans.map((s) => s.kind)),
    ).toEqual([
      ["queued", "run"],
      ["queued", "run"],
      ["queued", "run"],
    ]);
  });

  it("asks for a subagent's approval, and stops one thread while the rest go on", async () => {
    const { backend, team } = await withTeam();
    const reviewer = team[3]!;
    await backend.updateAgent(reviewer.id, { ...reviewer, tools: [{ tool: "run_command", permission: "ask" }] });
    const session = await backend.startRun({ agent_id: team[0]!.id, ...task });
    const { events, until, is } = await follow(backend, session.id);
    const asked = await until(is("session.approval_requested"));
    const reviewerThread = events.find(
      (e) => e.payload.type === "session.thread_created" && e.payload.agent_name === "Reviewer",
    )!;
    expect(asked.thread_id).toBe(
      reviewerThread.payload.type === "session.thread_created" ? reviewerThread.payload.thread_id : "",
    );

    // Stop the writer (still working: it thinks longer); answer the reviewer.
    const writer = events.find(
      (e) => e.payload.type === "session.thread_created" && e.payload.agent_name === "Writer",
    )!;
    const writerThread = writer.payload.type === "session.thread_created" ? writer.payload.thread_id : "";
    await backend.cancelThread(session.id, writerThread); // it takes longer than the reviewer to get here
    await backend.answerApproval(
      session.id,
      asked.payload.type === "session.approval_requested" ? asked.payload.tool_use_id : "",
      true,
    );
    await until(is("session.status_idle"));
    await expect(backend.cancelThread(session.id, writerThread)).rejects.toMatchObject({ code: "not_found" });

    const timeline = buildTimeline(events);
    expect(timeline.lanes[0]!.state).toBe("done");
    expect(timeline.lanes[3]!.calls.find((c) => c.name === "run_command")).toMatchObject({
      state: "ok",
      approval: { approved: true },
    });
    expect(timeline.lanes[timeline.index[writerThread]!]!.state).toBe("cancelled");
    expect(timeline.lanes[0]!.calls[1]!.output).toMatch(/^cancelled: Writer's thread was stopped/);
    expect(timeline.lanes.map((l) => l.state)).toEqual(["done", "done", "cancelled", "done"]);
  });

  it("stops a thread on its own: its coordinator gets a cancelled result and carries on", async () => {
    const { backend, team } = await withTeam();
    const session = await backend.startRun({ agent_id: team[0]!.id, ...task, max_threads: 1 });
    const { events, until, is } = await follow(backend, session.id);
    // With one slot, the third delegation waits: stop it in the queue, then the first while it works.
    const created = await until(
      (e) => e.payload.type === "session.thread_created" && e.payload.agent_name === "Reviewer",
    );
    const queued = created.payload.type === "session.thread_created" ? created.payload.thread_id : "";
    await backend.cancelThread(session.id, queued);
    const first = await until(is("session.thread_status_running"));
    await backend.cancelThread(session.id, first.thread_id);
    await until(is("session.status_idle"));
    const timeline = buildTimeline(events);
    expect(timeline.lanes.map((l) => l.state)).toEqual(["done", "cancelled", "done", "cancelled"]);
    expect(timeline.lanes[3]!.steps).toEqual([]); // it never ran
    expect(timeline.lanes[0]!.calls.map((c) => c.state)).toEqual(["cancelled", "ok", "cancelled"]);
    expect(lastMessage(events)).toMatch(/Writer reported back.*Researcher, Reviewer were stopped/);
  });

  it("cancels the whole session: every thread stops", async () => {
    const { backend, team } = await withTeam();
    const session = await backend.startRun({ agent_id: team[0]!.id, ...task });
    const { events, until, is } = await follow(backend, session.id);
    await until(is("session.thread_status_running"));
    await backend.cancelSession(session.id);
    const idle = await until(is("session.status_idle"));
    expect(idle.payload).toEqual({ type: "session.status_idle", reason: "cancelled" });
    expect(buildTimeline(events).lanes.map((l) => l.state)).toEqual([
      "cancelled",
      "cancelled",
      "cancelled",
      "cancelled",
    ]);
  });

  it("follows up in the thread a subagent had", async () => {
    const { backend, team } = await withTeam();
    const session = await backend.startRun({ agent_id: team[0]!.id, ...task });
    const { events, until, is } = await follow(backend, session.id);
    await until(is("session.status_idle"));
    await backend.continueSession(session.id, "Have another look.");
    await until(
      (e) =>
        e.payload.type === "session.status_idle" &&
        e.seq > events.findIndex((x) => x.payload.type === "session.status_idle") + 1,
    );
    const timeline = buildTimeline(events);
    expect(timeline.lanes).toHaveLength(4);
    expect(timeline.lanes[3]!.spans.map((s) => s.kind)).toEqual(["queued", "run", "queued", "run"]);
    expect(timeline.arrows).toHaveLength(8);
  });
});
