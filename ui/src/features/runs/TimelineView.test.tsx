import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { ProviderInput } from "../../bindings";
import { GOOD_KEY, type MemoryBackendOptions } from "../../ipc/memory";
import { EXAMPLE_TEAM } from "../../ipc/memoryTeam";
import type { Backend } from "../../ipc";
import { createMemoryBackend as memoryBackend, type MemoryBackendOptions as MemoryOptions } from "../../ipc/memory";
import { renderApp as renderOn } from "../../test/renderApp";

// Not yet moved to the real engine (test/engine.ts): these still run on the in-memory copy.
function renderApp(
  options: { page?: Parameters<typeof renderOn>[0]["page"]; backend?: Backend; memory?: MemoryOptions } = {},
) {
  return renderOn({ ...options, backend: options.backend ?? memoryBackend(options.memory) });
}

const anthropic: ProviderInput = {
  name: "Anthropic",
  kind: "anthropic",
  base_url: "https://api.anthropic.com",
  model: "claude-sonnet-4-5",
  api_key: GOOD_KEY,
};

/** The example team, its reviewer asking before it runs a command. */
function team(more: MemoryBackendOptions = {}): MemoryBackendOptions {
  const members = EXAMPLE_TEAM.members.map((m) => ({
    ...m,
    provider: "Anthropic",
    tools: m.name === "Reviewer" ? [{ tool: "run_command", permission: "ask" as const }] : m.tools,
  }));
  return {
    providers: [anthropic],
    agents: [...members, { ...EXAMPLE_TEAM.coordinator, provider: "Anthropic", roster: members.map((m) => m.name) }],
    ...more,
  };
}

const lanes = () => screen.getAllByTestId("timeline-lane").map((l) => [l.dataset.agentName, l.dataset.state]);

describe("the session's timeline", () => {
  it("replays a finished orchestration: a lane per thread, the messages between them, each request's details", async () => {
    const { user } = renderApp({
      page: "runs",
      memory: team({
        sessions: [
          {
            agent: "Coordinator",
            task: "Summarise the notes app.",
            workspace: "/w",
            outcome: "finished",
            startedAgoMs: 3_600_000,
          },
        ],
      }),
    });
    await user.click(await screen.findByTestId("session-row"));
    await screen.findByTestId("idle-reason");
    await user.click(screen.getByTestId("session-tab-timeline"));
    expect(screen.getByTestId("session-tab-timeline").getAttribute("aria-selected")).toBe("true");
    expect(screen.queryByTestId("transcript")).toBeNull();

    await waitFor(() => expect(screen.getAllByTestId("timeline-lane")).toHaveLength(4));
    expect(lanes()).toEqual([
      ["Coordinator", "done"],
      ["Researcher", "done"],
      ["Writer", "done"],
      ["Reviewer", "done"],
    ]);
    expect(screen.getByTestId("timeline-arrow-count").dataset.count).toBe("6");
    expect(screen.getAllByTestId("timeline-lane")[1]!.dataset.threadId).toBe("thr_0001_1");
    // Per lane: tokens, cost and time, as text.
    expect(within(screen.getAllByTestId("timeline-lane")[1]!).getByTestId("timeline-lane-totals").textContent).toMatch(
      /^[\d.]+k tokens · \$0\.\d{4} · \d+ s$/,
    );
    // A finished session has nothing to follow and nothing to stop.
    expect(screen.queryByTestId("timeline-follow")).toBeNull();
    expect(screen.queryByTestId("timeline-lane-stop")).toBeNull();

    // From the keyboard: the first request, the next, then the thread below.
    const canvas = screen.getByTestId("timeline-canvas");
    canvas.focus();
    fireEvent.keyDown(canvas, { key: "Enter" });
    const panel = await screen.findByTestId("timeline-step-panel");
    expect(panel.textContent).toContain("Coordinator · request 1 of 2");
    expect(within(panel).getByTestId("timeline-step-context").textContent).toContain("Summarise the notes app.");
    expect(
      within(panel)
        .getAllByTestId("timeline-step-call")
        .map((c) => c.dataset.toolName),
    ).toEqual(["delegate", "delegate", "delegate"]);
    expect(within(panel).getByTestId("timeline-step-cost").textContent).toMatch(/^\$0\.\d{4}$/);

    // A delegation leads to the subagent's work, whose request shows what its coordinator sent.
    await user.click(within(panel).getAllByTestId("timeline-open-thread")[0]!);
    const sub = screen.getByTestId("timeline-step-panel");
    expect(sub.dataset.threadId).toBe("thr_0001_1");
    expect(sub.textContent).toContain("Researcher · request 1 of 3");
    expect(within(sub).getByTestId("timeline-step-context").textContent).toMatch(
      /From Coordinator.*Find what the folder says/,
    );
    expect(within(sub).getByTestId("timeline-step-output").textContent).toContain(
      "I'll see what is in the folder first.",
    );
    fireEvent.keyDown(canvas, { key: "]" });
    expect(screen.getByTestId("timeline-step-panel").textContent).toContain("Researcher · request 2 of 3");
    fireEvent.keyDown(canvas, { key: "ArrowDown" });
    expect(screen.getByTestId("timeline-step-panel").textContent).toContain("Writer · request");
    fireEvent.keyDown(canvas, { key: "Escape" });
    expect(screen.queryByTestId("timeline-step-panel")).toBeNull();

    // The choice of view lasts: the next session opens on its timeline.
    await user.click(screen.getByTestId("back-to-runs"));
    await user.click(await screen.findByTestId("session-row"));
    expect((await screen.findByTestId("session-tab-timeline")).getAttribute("aria-selected")).toBe("true");
    await screen.findByTestId("timeline");
  });

  it("shows a subagent's approval with its name, and stops one subagent while the others finish", async () => {
    const { user } = renderApp({ page: "runs", memory: team({ delayMs: 5 }) });
    await user.click(await screen.findByTestId("new-run"));
    await screen.findByTestId("run-form");
    await user.selectOptions(screen.getByTestId("run-agent"), "Coordinator");
    await user.type(screen.getByTestId("run-workspace"), "/w");
    await user.type(screen.getByTestId("run-task"), "Summarise the notes app.");
    await user.click(screen.getByTestId("run-start"));
    const view = await screen.findByTestId("session-view");
    await user.click(within(view).getByTestId("session-tab-timeline"));
    expect(screen.getByTestId("timeline-follow").getAttribute("aria-pressed")).toBe("true");

    // The reviewer waits for approval: the card says who asks, and its lane says so.
    const approval = await screen.findByTestId("approval", {}, { timeout: 5000 });
    expect(approval.dataset.agentName).toBe("Reviewer");
    expect(approval.textContent).toMatch(/^Reviewer asks: Allow run_command\?/);
    await waitFor(() => expect(lanes()[3]).toEqual(["Reviewer", "approval"]));
    const reviewer = screen.getAllByTestId("timeline-lane")[3]!;
    expect(reviewer.textContent).toContain("Needs approval");

    // Stop it: its coordinator gets a cancelled result and finishes with the others' work.
    await user.click(within(reviewer).getByTestId("timeline-lane-stop"));
    await waitFor(() => expect(view.getAttribute("data-status")).toBe("idle"), { timeout: 5000 });
    await waitFor(() =>
      expect(lanes()).toEqual([
        ["Coordinator", "done"],
        ["Researcher", "done"],
        ["Writer", "done"],
        ["Reviewer", "cancelled"],
      ]),
    );
    expect(screen.queryByTestId("approval")).toBeNull();
    expect(screen.queryByTestId("timeline-lane-stop")).toBeNull();

    // The transcript tells the same story, each line with its agent.
    await user.click(screen.getByTestId("session-tab-transcript"));
    expect(screen.getAllByTestId("thread-marker").map((m) => m.textContent)).toEqual(
      expect.arrayContaining(["Reviewer was stopped", "Writer finished and reported back"]),
    );
    expect(screen.getByTestId("approval").textContent).toMatch(/^Reviewer asked: run_command needed approval/);
    expect(screen.getAllByTestId("message-agent").at(-1)!.textContent).toMatch(
      /Reviewer was stopped, so that part is not done\.$/,
    );
  });
});
