import { act, screen, waitFor, within } from "@testing-library/react";
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import type { ProviderInput, RunInput, SessionSummary, StreamItem } from "../../bindings";
import { approvedRunLog, asStream } from "../../fixtures";
import type { Backend } from "../../ipc";
import { runToEnd, seed, type SeedAgent, textReply, toolReply, engineEachTest } from "../../test/engine";
import { renderApp } from "../../test/renderApp";

const PLAN = "# Plan\n\n1. Run the tests.\n";
const COMMAND = "echo 'pass 2'";

// Each agent's instructions name its conversation of the fake's script (`[[script:NAME]]`).
const engine = engineEachTest({
  fake: {
    script: {
      // Helper: reads, writes, asks to run a command, and ends.
      default: [
        toolReply("I'll read the README first.", "read_file", { path: "README.md" }),
        toolReply("Writing the plan.", "write_file", { path: "NOTES.md", content: PLAN }),
        toolReply("Now the tests.", "run_command", { command: COMMAND }),
        textReply("The plan is in NOTES.md and both pass."),
      ],
      // Chat: a finished task, a command waiting for approval when its dev server dies, the
      // resumed turn, then a follow-up.
      chat: [
        textReply("Done with the old task."),
        toolReply("Building it.", "run_command", { command: "make" }),
        textReply("Picked up where I left off."),
        textReply("The docs are done too."),
      ],
      // Librarian: looks in its memory, then answers.
      librarian: [
        toolReply("Anything on flaky tests?", "memory_search", { query: "flaky" }),
        toolReply("And on running them.", "memory_search", { query: "run tests" }),
        toolReply("Reading it.", "memory_read", { path: "testing.md" }),
        textReply("Run them with npm test."),
      ],
      quiet: [textReply("Fine."), textReply("Fixed.")],
    },
  },
});

// The recorded run (src/fixtures) as its live stream shows it.
const approvedRun = asStream(approvedRunLog);

const agent = (name: string, conversation: string, more: Partial<SeedAgent> = {}): SeedAgent => ({
  name,
  description: "Does chores",
  instructions: `Be brief. [[script:${conversation}]]`,
  provider: "Fake",
  ...more,
});

/** The engine with the fake as provider "Fake" and the agents (default: Helper). */
async function withAgents(agents: SeedAgent[] = [agent("Helper", "default")], providers: ProviderInput[] = []) {
  const { backend, fake } = engine();
  return { backend, ...(await seed(backend, { providers: [fake.input(), ...providers], agents })) };
}

/** A workspace with a README, in the engine's scratch folder. */
async function workspace(name = "notes"): Promise<string> {
  const folder = path.join(engine().tempDir, name);
  await mkdir(folder, { recursive: true });
  await writeFile(path.join(folder, "README.md"), "# Notes\n\nRun the tests with npm test.\n");
  return folder;
}

async function openNewRun(backend: Backend) {
  const app = renderApp({ page: "runs", backend });
  await app.user.click(await screen.findByTestId("new-run"));
  await screen.findByTestId("run-form");
  return app;
}

describe("Runs", () => {
  it("starts empty and leads to a new run, or to creating an agent first", async () => {
    const { user } = renderApp({ page: "runs", backend: (await withAgents([])).backend });
    const empty = await screen.findByTestId("runs-empty");
    expect(empty.textContent).toMatch(/A run gives an agent a task/);
    await user.click(within(empty).getByTestId("new-run"));
    const needs = await screen.findByTestId("run-needs-agent");
    await user.click(within(needs).getByRole("button", { name: "Create an agent" }));
    expect(screen.getByTestId("nav-agents").getAttribute("aria-current")).toBe("page");
    expect(await screen.findByTestId("agent-form")).toBeTruthy();
  });

  it("refuses a missing folder and a task that is too large, keeping what was typed", async () => {
    let starts = 0;
    const { backend: real } = await withAgents();
    const picked = await workspace();
    const backend: Backend = {
      ...real,
      startRun: (input) => (starts++, real.startRun(input)),
      // The folder picker is the app window's: it answers the folder the test made.
      pickFolder: async () => picked,
    };
    const { user } = await openNewRun(backend);
    const missing = path.join(engine().tempDir, "missing");

    await user.click(screen.getByTestId("run-start"));
    expect(screen.getByTestId("field-error-workspace").textContent).toBe("Choose the folder the agent works in.");
    expect(screen.getByTestId("field-error-task").textContent).toBe("Describe the task for the agent.");
    expect(starts).toBe(0);

    await user.type(screen.getByTestId("run-workspace"), missing);
    await user.type(screen.getByTestId("run-task"), "Tidy up.");
    await user.click(screen.getByTestId("run-start"));
    expect((await screen.findByTestId("field-error-workspace")).textContent).toContain(`${missing} does not exist`);
    expect(document.activeElement).toBe(screen.getByTestId("run-workspace"));
    expect(screen.getByTestId<HTMLTextAreaElement>("run-task").value).toBe("Tidy up.");
    expect(starts).toBe(1);

    // "Browse…" fills the folder from the picker and clears the error.
    await user.click(screen.getByTestId("run-browse"));
    await waitFor(() => expect(screen.getByTestId<HTMLInputElement>("run-workspace").value).toBe(picked));
    expect(screen.queryByTestId("field-error-workspace")).toBeNull();

    const task = screen.getByTestId<HTMLTextAreaElement>("run-task");
    await user.clear(task);
    await user.click(task);
    await user.paste("x".repeat(262_145));
    await user.click(screen.getByTestId("run-start"));
    expect(screen.getByTestId("field-error-task").textContent).toBe(
      "The task is 256 KB; the most is 256 KB. Put long material in a file in the workspace and mention the file in the task.",
    );
    expect(starts).toBe(1);
  });

  it("asks before the agent works on the whole home folder, and starts only once confirmed", async () => {
    const inputs: RunInput[] = [];
    // An agent that only answers: the confirmed run really works on this user's home folder.
    const { backend: real } = await withAgents([agent("Helper", "quiet", { tools: [] })]);
    const backend: Backend = { ...real, startRun: (input) => (inputs.push(input), real.startRun(input)) };
    const home = os.homedir();
    const { user } = await openNewRun(backend);
    await user.type(screen.getByTestId("run-workspace"), home);
    await user.type(screen.getByTestId("run-task"), "Say fine.");
    await user.click(screen.getByTestId("run-start"));
    const asked = await screen.findByTestId("run-home-question");
    expect(asked.textContent).toContain(`${home} is your whole home folder`);
    expect(screen.queryByTestId("session-view")).toBeNull();
    // Choosing another folder puts the question away and the cursor in the folder field.
    await user.click(within(asked).getByRole("button", { name: "Choose another folder" }));
    expect(screen.queryByTestId("run-home-question")).toBeNull();
    expect(document.activeElement).toBe(screen.getByTestId("run-workspace"));
    await user.click(screen.getByTestId("run-start"));
    await user.click(await screen.findByTestId("run-confirm-home"));
    expect(await screen.findByTestId("session-view")).toBeTruthy();
    expect(inputs.map((i) => i.allow_home)).toEqual([undefined, undefined, true]);
  });

  it("streams a run, asks to approve the command, and finishes", async () => {
    const { backend: real } = await withAgents();
    const folder = await workspace();
    const { user, backend } = await openNewRun(real);
    expect(screen.getByTestId<HTMLSelectElement>("run-agent").selectedOptions[0]!.textContent).toBe("Helper");
    await user.type(screen.getByTestId("run-workspace"), folder);
    await user.type(screen.getByTestId("run-task"), "Write a plan and run the tests.");
    await user.click(screen.getByTestId("run-start"));

    const view = await screen.findByTestId("session-view");
    expect((await within(view).findByTestId("message-user")).textContent).toBe("Write a plan and run the tests.");
    const approval = await within(view).findByTestId("approval");
    expect(view.getAttribute("data-status")).toBe("running");
    expect(approval.textContent).toContain(COMMAND);
    expect(approval.textContent).toContain(folder);
    const command = within(view).getAllByTestId("tool-call").at(-1)!;
    expect(command.getAttribute("data-tool-name")).toBe("run_command");
    expect(command.getAttribute("data-state")).toBe("waiting");
    expect(
      within(view)
        .getAllByTestId("tool-call")
        .slice(0, 2)
        .map((t) => [t.dataset.toolName, t.dataset.state]),
    ).toEqual([
      ["read_file", "ok"],
      ["write_file", "ok"],
    ]);

    await user.click(within(approval).getByTestId("approve"));
    const reason = await within(view).findByTestId("idle-reason");
    expect(reason.textContent).toBe("Finished");
    expect(within(approval).getByTestId("approval-answer").textContent).toBe("Approved");
    expect(command.getAttribute("data-state")).toBe("ok");
    await waitFor(() => expect(view.getAttribute("data-status")).toBe("idle"));
    expect(within(view).getByTestId("session-status").textContent).toBe("Finished");
    expect(within(view).getAllByTestId("message-agent").at(-1)!.textContent).toMatch(/both pass/);
    expect(within(view).queryByTestId("session-cancel")).toBeNull();

    // Expanding a call shows its input and output.
    await user.click(within(command).getByTestId("tool-call-toggle"));
    expect(within(command).getByTestId("tool-input").textContent).toContain(`"command": "${COMMAND}"`);
    expect(within(command).getByTestId("tool-output").textContent).toContain("pass 2");

    const [summary] = await backend.listSessions();
    expect(within(view).getByTestId("session-usage").textContent).toContain(
      `${summary!.usage.input_tokens.toLocaleString("en-US")} in`,
    );
    expect(within(view).getByTestId("session-cost").textContent).toBe(`$${summary!.cost_usd!.toFixed(4)}`);

    await user.click(within(view).getByTestId("back-to-runs"));
    const row = await screen.findByTestId("session-row");
    expect(row.getAttribute("data-status")).toBe("idle");
    expect(row.textContent).toContain("Write a plan and run the tests.");
    expect(row.textContent).toContain("Helper");
  });

  it("cancels a run waiting for approval", async () => {
    const { user } = await openNewRun((await withAgents()).backend);
    await user.type(screen.getByTestId("run-workspace"), await workspace());
    await user.type(screen.getByTestId("run-task"), "Go.");
    await user.click(screen.getByTestId("run-start"));
    const view = await screen.findByTestId("session-view");
    await within(view).findByTestId("approve");

    await user.click(within(view).getByTestId("session-cancel"));
    expect((await within(view).findByTestId("idle-reason")).textContent).toBe("Cancelled");
    expect(within(view).getAllByTestId("tool-call").at(-1)!.getAttribute("data-state")).toBe("cancelled");
    expect(within(view).queryByTestId("approve")).toBeNull();
    expect(within(view).getByTestId("approval-answer").textContent).toMatch(/Not answered/);
    await waitFor(() => expect(within(view).getByTestId("session-status").textContent).toBe("Cancelled"));
  });

  it("sends a follow-up to a finished session and resumes an interrupted one", async () => {
    // Three past sessions made on the engine: one finished, one whose dev server died under it
    // (interrupted at the next start), one whose provider can't be reached.
    const { agents } = await withAgents(
      [agent("Chat", "chat"), agent("Offline", "chat", { provider: "Unreachable" })],
      [{ name: "Unreachable", kind: "openai_compatible", base_url: "http://127.0.0.1:9/v1", model: "m" }],
    );
    const folder = await workspace();
    const run = (agentId: string, task: string): RunInput => ({ agent_id: agentId, workspace: folder, task });
    await runToEnd(engine().backend, run(agents.Chat!.id, "Old task"));
    const died = await engine().backend.startRun(run(agents.Chat!.id, "Died"));
    await vi.waitFor(async () => {
      const log = await engine().backend.sessionEvents(died.id, 0, 100);
      expect(log.map((e) => e.payload.type)).toContain("session.approval_requested");
    });
    const backend = await engine().crashAndRestart();
    await runToEnd(backend, run(agents.Offline!.id, "Failed"));
    const { user } = renderApp({ page: "runs", backend });
    const rows = await screen.findAllByTestId("session-row");
    expect(rows.map((r) => r.dataset.status)).toEqual(["idle", "interrupted", "idle"]);
    expect(rows[0]!.textContent).toContain("Failed");
    expect(rows[1]!.textContent).toContain("Died");

    // The failed one shows the error as the core wrote it.
    await user.click(rows[0]!);
    expect((await screen.findByTestId("session-error")).textContent).toMatch(/^✗Couldn't reach/);
    expect((await screen.findByTestId("idle-reason")).textContent).toBe("Ended with an error");
    // No request reached a model, so there is no price to show.
    expect(screen.getByTestId("session-cost").textContent).toBe("—");
    await user.click(screen.getByTestId("back-to-runs"));

    // The interrupted one offers Resume, and finishes.
    await user.click((await screen.findAllByTestId("session-row"))[1]!);
    const view = await screen.findByTestId("session-view");
    await waitFor(() => expect(view.getAttribute("data-status")).toBe("interrupted"));
    expect(within(view).queryByTestId("approve")).toBeNull();
    await user.click(within(view).getByTestId("session-resume"));
    expect((await within(view).findByTestId("idle-reason")).textContent).toBe("Finished");
    expect(within(view).getByTestId("approval-answer").textContent).toMatch(/Not answered/);
    await user.click(screen.getByTestId("back-to-runs"));

    // The finished one takes a follow-up.
    await user.click((await screen.findAllByTestId("session-row"))[2]!);
    await screen.findByTestId("idle-reason");
    await user.click(screen.getByTestId("followup-send"));
    expect(screen.getByTestId("field-error-message").textContent).toBe("Write a message for the agent.");
    await user.type(screen.getByTestId("followup-input"), "And the docs?");
    await user.click(screen.getByTestId("followup-send"));
    await waitFor(() =>
      expect(screen.getAllByTestId("message-user").map((m) => m.textContent)).toEqual(["Old task", "And the docs?"]),
    );
    // While it runs, no idle reason is shown; the first run's end stays as a marker.
    expect((await screen.findByTestId("idle-reason")).textContent).toBe("Finished");
    expect(screen.getAllByTestId("idle-marker")).toHaveLength(1);
    expect(screen.getByTestId<HTMLTextAreaElement>("followup-input").value).toBe("");
  });

  it("shows streamed text with a caret until the message arrives whole", async () => {
    // A step-by-step stream: the test pushes each item.
    const { backend: real } = await withAgents();
    let push: (item: StreamItem) => void = () => {};
    const summary: SessionSummary = {
      id: "ses_1",
      agent_name: "Helper",
      task_preview: "Write the plan to NOTES.md and run the tests.",
      workspace: "/workspace",
      status: "running",
      turns: 0,
      usage: { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0 },
      duration_ms: 0,
      last_seq: 0,
      created_at: Date.now(),
      updated_at: Date.now(),
    };
    // The session and its stream are the recorded log, pushed item by item by the test.
    const backend: Backend = {
      ...real,
      listSessions: () => Promise.resolve([summary]),
      getSession: () => Promise.resolve(summary),
      watchSession: (_id, _after, onItem) => {
        push = onItem;
        return Promise.resolve(() => {});
      },
    };
    const { user } = renderApp({ page: "runs", backend });
    await user.click(await screen.findByTestId("session-row"));
    const view = await screen.findByTestId("session-view");
    await waitFor(() => expect(push).not.toBe(undefined));

    const untilMessage = approvedRun.findIndex((i) => i.type === "event" && i.event.payload.type === "agent.message");
    act(() => approvedRun.slice(0, untilMessage - 1).forEach((item) => push(item)));
    const streaming = within(view).getByTestId("message-agent");
    expect(streaming.getAttribute("data-streaming")).toBe("true");
    expect(streaming.textContent).toBe("I'll start by reading the README to see how the ");
    expect(streaming.querySelector(".caret")).not.toBeNull();
    expect(view.getAttribute("data-status")).toBe("running");

    act(() => approvedRun.slice(untilMessage - 1, untilMessage + 1).forEach((item) => push(item)));
    const whole = within(view).getByTestId("message-agent");
    expect(whole.getAttribute("data-streaming")).toBeNull();
    expect(whole.textContent).toBe("I'll start by reading the README to see how the project is laid out.");

    // The rest, twice over: duplicates change nothing.
    act(() => approvedRun.slice(untilMessage + 1).forEach((item) => push(item)));
    act(() => approvedRun.forEach((item) => item.type === "event" && push(item)));
    expect(within(view).getAllByTestId("message-agent")).toHaveLength(4);
    expect(within(view).getAllByTestId("tool-call")).toHaveLength(3);
    expect(within(view).getByTestId("idle-reason").textContent).toBe("Finished");
    expect(view.getAttribute("data-status")).toBe("idle");
  });

  it("shows what a session loaded from memory, and why, only when it loaded something", async () => {
    const { backend, fake } = engine();
    const { agents, stores } = await seed(backend, {
      stores: [{ name: "Notes", description: "" }],
      providers: [fake.input()],
      agents: [
        agent("Helper", "quiet"),
        agent("Librarian", "librarian", { memory: [{ store: "Notes", access: "read_only" }] }),
      ],
    });
    await backend.writeMemoryFile(stores.Notes!.id, {
      path: "testing.md",
      content: "# Testing\n\nRun tests with npm test.\n",
    });
    const folder = await workspace();
    await runToEnd(backend, { agent_id: agents.Helper!.id, workspace: folder, task: "Without memory" });
    await runToEnd(backend, { agent_id: agents.Librarian!.id, workspace: folder, task: "With memory" });
    const { user } = renderApp({ page: "runs", backend });
    const rows = await screen.findAllByTestId("session-row");
    await user.click(rows[1]!);
    await screen.findByTestId("idle-reason");
    expect(screen.queryByTestId("session-memory")).toBeNull();
    await user.click(screen.getByTestId("back-to-runs"));

    await user.click((await screen.findAllByTestId("session-row"))[0]!);
    const section = await screen.findByTestId("session-memory");
    expect(section.textContent).toMatch(/Memory4 loads · 1 file/);
    expect(within(section).queryAllByTestId("session-memory-record")).toHaveLength(0);
    await user.click(within(section).getByTestId("session-memory-toggle"));
    expect(
      within(section)
        .getAllByTestId("session-memory-record")
        .map((r) => [r.dataset.kind, r.textContent]),
    ).toEqual([
      // The store's index in the system prompt lists the file first.
      ["listed", "ListedNotes / testing.md"],
      ["searched", "SearchedNotesfound nothing for flaky"],
      ["searched", "SearchedNotes / testing.mdfound by run tests"],
      ["read", "ReadNotes / testing.md"],
    ]);
  });
});

describe("New run › grading against a rubric", () => {
  it("leads to the Rubrics page when there is no rubric", async () => {
    const { user } = await openNewRun((await withAgents()).backend);
    const none = await screen.findByTestId("run-no-rubrics");
    expect(none.textContent).toBe("No rubrics yet. Write one on the Rubrics page.");
    await user.click(screen.getByTestId("run-rubrics-link"));
    expect(screen.getByTestId("nav-rubrics").getAttribute("aria-current")).toBe("page");
  });

  it("checks iterations and passes before sending, and shows the core's errors by field", async () => {
    const { backend: real } = await withAgents(
      [agent("Helper", "quiet")],
      [{ name: "Keyless", kind: "anthropic", base_url: engine().fake.anthropic, model: "fake-model" }],
    );
    await real.createRubric("Bug fix", "## Fix\n- The bug is gone {#fixed}\n");
    const sent: RunInput[] = [];
    const backend: Backend = { ...real, startRun: (input) => (sent.push(input), real.startRun(input)) };
    const { user } = await openNewRun(backend);
    await user.type(screen.getByTestId("run-workspace"), await workspace());
    await user.type(screen.getByTestId("run-task"), "Fix it.");
    await waitFor(() => expect(screen.getByTestId<HTMLSelectElement>("run-rubric").options).toHaveLength(2));
    expect(screen.queryByTestId("run-max-iterations")).toBeNull();
    await user.selectOptions(screen.getByTestId("run-rubric"), "Bug fix");
    expect(screen.getByTestId<HTMLInputElement>("run-max-iterations").value).toBe("3");
    expect(screen.getByTestId<HTMLInputElement>("run-grader-passes").value).toBe("1");
    expect(screen.getByTestId("run-outcome").textContent).toMatch(/Version 1 · 1 criterion/);

    await user.clear(screen.getByTestId("run-max-iterations"));
    await user.type(screen.getByTestId("run-max-iterations"), "0");
    await user.clear(screen.getByTestId("run-grader-passes"));
    await user.type(screen.getByTestId("run-grader-passes"), "6");
    await user.click(screen.getByTestId("run-start"));
    expect(screen.getByTestId("field-error-outcome.max_iterations").textContent).toBe(
      "Choose from 1 to 20 iterations.",
    );
    expect(screen.getByTestId("field-error-outcome.grader_passes").textContent).toBe("Choose from 1 to 5 passes.");
    expect(document.activeElement).toBe(screen.getByTestId("run-max-iterations"));
    await user.clear(screen.getByTestId("run-max-iterations"));
    await user.type(screen.getByTestId("run-max-iterations"), "21");
    await user.click(screen.getByTestId("run-start"));
    expect(screen.getByTestId("field-error-outcome.max_iterations").textContent).toBe(
      "Choose from 1 to 20 iterations.",
    );
    expect(sent).toEqual([]);

    await user.clear(screen.getByTestId("run-max-iterations"));
    await user.type(screen.getByTestId("run-max-iterations"), "2");
    await user.clear(screen.getByTestId("run-grader-passes"));
    await user.type(screen.getByTestId("run-grader-passes"), "3");
    await user.selectOptions(screen.getByTestId("run-grader-provider"), "Keyless");
    expect(screen.getByTestId<HTMLInputElement>("run-grader-model").placeholder).toBe("fake-model");
    await user.click(screen.getByTestId("run-start"));
    expect((await screen.findByTestId("field-error-outcome.grader_provider_id")).textContent).toMatch(
      /No API key is set for the grader's provider “Keyless”/,
    );
    expect(sent[0]!.outcome).toEqual({
      description: "",
      rubric_id: expect.stringMatching(/^rub_/),
      max_iterations: 2,
      grader_passes: 3,
      grader_provider_id: expect.stringMatching(/^prv_/),
    });

    await user.selectOptions(screen.getByTestId("run-grader-provider"), "");
    await user.type(screen.getByTestId("run-outcome-description"), "The note survives a restart.");
    await user.type(screen.getByTestId("run-grader-model"), "claude-haiku-4-5");
    await user.click(screen.getByTestId("run-start"));
    expect(await screen.findByTestId("outcome-panel")).toBeTruthy();
    expect(sent[1]!.outcome).toEqual({
      description: "The note survives a restart.",
      rubric_id: sent[0]!.outcome!.rubric_id,
      max_iterations: 2,
      grader_passes: 3,
      grader_model: "claude-haiku-4-5",
    });
    expect(screen.getByTestId("outcome-panel").textContent).toMatch(/claude-haiku-4-5/);
  });
});
