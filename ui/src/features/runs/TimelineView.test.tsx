import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Backend } from "../../ipc";
import { runToEnd, textReply, toolReply, type ScriptReply, engineEachTest } from "../../test/engine";
import { renderApp } from "../../test/renderApp";

/** The coordinator's first turn: one delegation to each member, each naming its conversation. */
function delegations(reviewer: string): ScriptReply {
  const delegate = (agent: string, message: string) => ({ tool_use: { name: "delegate", input: { agent, message } } });
  return {
    steps: [
      { text: "I'll split this among the team." },
      delegate("Researcher", "Find what the folder says. [[script:researcher]]"),
      delegate("Writer", "Draft a short summary of the notes app. [[script:writer]]"),
      delegate("Reviewer", `Check the summary against the folder. [[script:${reviewer}]]`),
    ],
  };
}

// Requests go to the conversation their first `[[script:NAME]]` names: the coordinator's is in
// the task, each subagent's in the message its coordinator sent.
const engine = engineEachTest({
  fake: {
    script: {
      coordinator: [delegations("reviewer"), textReply("All three reported: the notes app is summarised.")],
      stopped: [
        delegations("reviewer-asks"),
        textReply("Researcher and Writer are done. Reviewer was stopped, so that part is not done."),
      ],
      researcher: [
        toolReply("I'll see what is in the folder first.", "list_files", { path: "." }),
        toolReply("Reading the README.", "read_file", { path: "README.md" }),
        textReply("The README says the tests run with npm test (README.md:3)."),
      ],
      writer: [textReply("Summary drafted: the app keeps notes and its tests run with npm test.")],
      reviewer: [textReply("The summary is accurate.")],
      "reviewer-asks": [toolReply("Let me run the tests to check.", "run_command", { command: "npm test" })],
    },
  },
});

/** The example team on the fake (as the Agents page makes it), the reviewer asking before a command. */
async function team(): Promise<{ backend: Backend; coordinator: string; workspace: string }> {
  const { backend, fake, tempDir } = engine();
  const provider = await backend.createProvider(fake.input());
  const [coordinator] = await backend.createExampleTeam(provider.id);
  const reviewer = (await backend.listAgents()).find((a) => a.name === "Reviewer")!;
  await backend.updateAgent(reviewer.id, {
    ...reviewer,
    tools: [...reviewer.tools.filter((t) => t.tool !== "run_command"), { tool: "run_command", permission: "ask" }],
  });
  const workspace = path.join(tempDir, "notes");
  await mkdir(workspace);
  await writeFile(path.join(workspace, "README.md"), "# Notes\n\nRun the tests with npm test.\n");
  return { backend, coordinator: coordinator!.id, workspace };
}

const lanes = () => screen.getAllByTestId("timeline-lane").map((l) => [l.dataset.agentName, l.dataset.state]);

describe("the session's timeline", () => {
  it("replays a finished orchestration: a lane per thread, the messages between them, each request's details", async () => {
    const { backend, coordinator, workspace } = await team();
    const task = "Summarise the notes app. [[script:coordinator]]";
    await runToEnd(backend, { agent_id: coordinator, workspace, task });
    const { user } = renderApp({ page: "runs", backend });
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
    const researcher = screen.getAllByTestId("timeline-lane")[1]!.dataset.threadId;
    expect(researcher).toMatch(/^thr_/);
    expect(researcher).not.toBe(screen.getAllByTestId("timeline-lane")[0]!.dataset.threadId);
    // Per lane: tokens, cost and time, as text.
    expect(within(screen.getAllByTestId("timeline-lane")[1]!).getByTestId("timeline-lane-totals").textContent).toMatch(
      /^[\d.]+k tokens · \$0\.\d{4} · \d+ m?s$/,
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
    expect(sub.dataset.threadId).toBe(researcher);
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
    const { backend, workspace } = await team();
    const { user } = renderApp({ page: "runs", backend });
    await user.click(await screen.findByTestId("new-run"));
    await screen.findByTestId("run-form");
    await user.selectOptions(screen.getByTestId("run-agent"), "Coordinator");
    await user.type(screen.getByTestId("run-workspace"), workspace);
    // (user.type reads "[" as a key descriptor: "[[" types one.)
    await user.type(screen.getByTestId("run-task"), "Summarise the notes app. [[[[script:stopped]]");
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
