import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { EventPayload, OutcomeDefinition, SessionEvent } from "../../bindings";
import { seed, textReply, toolReply, type ScriptReply, engineEachTest } from "../../test/engine";
import { renderApp } from "../../test/renderApp";
import { outcomeFromEvents } from "./outcome";
import { OutcomePanel } from "./OutcomePanel";

const DEFINITION: OutcomeDefinition = {
  description: "The last note survives a restart.",
  rubric_id: "rub_0001",
  rubric_name: "Bug fix",
  rubric_version: 2,
  criteria: [
    { id: "fixed", text: "The bug no longer happens", group: "Fix", weight: 3, optional: false, line: 3 },
    { id: "notes", text: "NOTES.md records the cause", group: "Report", weight: 1, optional: true, line: 6 },
  ],
  max_iterations: 3,
  grader_passes: 3,
  grader_provider_id: "prv_0001",
  grader_model: "claude-haiku-4-5",
};
const USAGE = { input_tokens: 5200, output_tokens: 420, cache_read_tokens: 0, cache_write_tokens: 0 };

function state(...payloads: EventPayload[]) {
  const events: SessionEvent[] = payloads.map((payload, i) => ({
    session_id: "ses_0001",
    seq: i + 1,
    thread_id: "thr_0001",
    time_ms: 1_000 * i,
    payload,
  }));
  return outcomeFromEvents(events)!;
}

const defined: EventPayload = { type: "outcome.defined", outcome: DEFINITION };
const start = (iteration: number): EventPayload => ({
  type: "span.outcome_evaluation_start",
  iteration,
  grader_model: "claude-haiku-4-5",
  passes: 3,
});
const firstEnd: EventPayload = {
  type: "span.outcome_evaluation_end",
  iteration: 0,
  result: "needs_revision",
  verdicts: [
    {
      criterion_id: "fixed",
      verdict: "not_met",
      evidence: "src/store.js:40 never flushes",
      change: "Flush on exit",
      disagreement: ["not_met", "met", "not_met"],
    },
    {
      criterion_id: "notes",
      verdict: "partially_met",
      evidence: "NOTES.md:2",
      change: "Name the cause",
      disagreement: [],
    },
  ],
  usage: USAGE,
  cost_usd: 0.0084,
  duration_ms: 4200,
};

describe("Outcome panel", () => {
  it("draws criteria by heading against iterations, with each column's result, cost and time", () => {
    render(<OutcomePanel outcome={state(defined, start(0), firstEnd)} live={false} />);
    const panel = screen.getByTestId("outcome-panel");
    expect(within(panel).getByText("Bug fix").textContent).toBe("Bug fix");
    expect(panel.textContent).toMatch(/up to 3 iterations · 3 grader passes · claude-haiku-4-5/);
    expect(
      within(panel)
        .getAllByRole("rowgroup")
        .map((g) => g.textContent),
    ).toEqual(expect.arrayContaining([expect.stringMatching(/^Fix/), expect.stringMatching(/^Report/)]));
    expect(
      screen.getAllByTestId("outcome-cell").map((c) => [c.dataset.criterion, c.dataset.iteration, c.dataset.verdict]),
    ).toEqual([
      ["fixed", "0", "not_met"],
      ["notes", "0", "partially_met"],
    ]);
    const cell = screen.getAllByTestId("outcome-cell")[0]!;
    expect(cell.getAttribute("aria-label")).toBe(
      "The bug no longer happens, iteration 1: not met, the grader passes disagreed",
    );
    expect(screen.getByTestId("outcome-column").textContent).toMatch(/^Iteration 1Needs revision\$0\.0084 · 4 s$/);
    expect(screen.getByTestId("outcome-column-cost").getAttribute("title")).toBe("5,200 input · 420 output tokens");
    expect(screen.getByTestId("outcome-result").textContent).toBe("Needs revision · iteration 1");
    expect(panel.textContent).toMatch(/optional/);
    expect(panel.textContent).toMatch(/×3/);
  });

  it("opens a cell's evidence, what to change and how the passes voted", async () => {
    const user = userEvent.setup();
    render(<OutcomePanel outcome={state(defined, start(0), firstEnd)} live={false} />);
    const [fixed, notes] = screen.getAllByTestId("outcome-cell");
    await user.click(fixed!);
    expect(fixed!.getAttribute("aria-expanded")).toBe("true");
    const detail = screen.getByTestId("outcome-detail");
    expect(screen.getByTestId("outcome-evidence").textContent).toBe("src/store.js:40 never flushes");
    expect(screen.getByTestId("outcome-change").textContent).toBe("Flush on exit");
    expect(screen.getByTestId("outcome-disagreement").textContent).toBe(
      "2 of 3 passes: not met; 1: met. The majority decides.",
    );
    expect(detail.textContent).toMatch(/Not met.*The bug no longer happens · iteration 1/);

    await user.click(notes!);
    expect(screen.getByTestId("outcome-disagreement").textContent).toBe("All 3 passes agreed.");
    await user.click(screen.getByTestId("outcome-detail-close"));
    expect(screen.queryByTestId("outcome-detail")).toBeNull();
  });

  it("shows a grading column while live, and an unfinished one as interrupted once the session stopped", () => {
    const grading = state(
      defined,
      start(0),
      firstEnd,
      { type: "outcome.feedback", iteration: 0, text: "Revise" },
      start(1),
    );
    const { rerender } = render(<OutcomePanel outcome={grading} live />);
    expect(screen.getByTestId("outcome-result").dataset.result).toBe("grading");
    expect(screen.getByTestId("outcome-result").textContent).toBe("Grading iteration 2…");
    expect(screen.getByTestId("outcome-grading").textContent).toBe(" Grading…");
    expect(screen.getAllByTestId("outcome-cell-empty").map((c) => c.dataset.state)).toEqual(["grading", "grading"]);

    rerender(<OutcomePanel outcome={grading} live={false} />);
    expect(screen.getByTestId("outcome-result").dataset.result).toBe("interrupted");
    expect(screen.getByTestId("outcome-result").textContent).toBe("Interrupted");
    expect(screen.getAllByTestId("outcome-cell-empty").map((c) => c.dataset.state)).toEqual(["none", "none"]);
  });

  it("says why an evaluation failed", () => {
    const reason = "The grader could not finish: the provider rejected the API key.";
    render(
      <OutcomePanel
        outcome={state(defined, start(0), {
          type: "span.outcome_evaluation_end",
          iteration: 0,
          result: "failed",
          verdicts: [],
          reason,
          usage: USAGE,
          duration_ms: 900,
        })}
        live={false}
      />,
    );
    expect(screen.getByTestId("outcome-result").textContent).toBe("Failed · iteration 1");
    expect(screen.getByTestId("outcome-reason").textContent).toBe(reason);
    expect(screen.queryAllByTestId("outcome-cell")).toEqual([]);
    expect(screen.getByTestId("outcome-cost").textContent).toMatch(/^Grading cost — over 1 evaluation/);
  });

  it("waits for the first turn before anything is graded", () => {
    render(<OutcomePanel outcome={state(defined)} live />);
    expect(screen.getByTestId("outcome-result").textContent).toBe("Not graded yet");
    expect(screen.getByTestId("outcome-waiting").textContent).toMatch(/when the agent ends its turn/);
  });
});

/** The grader's report: each criterion's verdict, as `submit_result` takes it. */
function grade(verdicts: Array<[id: string, verdict: string, change: string]>): ScriptReply {
  const criteria = verdicts.map(([id, verdict, change]) => ({ id, verdict, evidence: "NOTES.md", change }));
  return { steps: [{ tool_use: { name: "submit_result", input: { applies: true, criteria } } }] };
}

// The agent's requests go to `helper` (its instructions name it); the grader's to `grader`
// (named first in what it reads: the outcome's description).
const engine = engineEachTest({
  fake: {
    script: {
      helper: [
        textReply("The tests pass."),
        toolReply("Adding the plan.", "write_file", { path: "NOTES.md", content: "# Plan\n\n1. Test.\n" }),
        textReply("NOTES.md has the plan now."),
      ],
      grader: [
        grade([
          ["tests", "met", ""],
          ["notes", "not_met", "Write the plan to NOTES.md"],
        ]),
        grade([
          ["tests", "met", ""],
          ["notes", "met", ""],
        ]),
      ],
    },
  },
});

describe("A run graded against a rubric", () => {
  it("starts from New run with a rubric, and the matrix turns from not met to met as the agent revises", async () => {
    const { backend, fake, tempDir } = engine();
    await seed(backend, {
      providers: [fake.input()],
      agents: [{ name: "Helper", instructions: "Be brief. [[script:helper]]", provider: "Fake" }],
    });
    await backend.createRubric("Notes", "## Work\n- The tests pass {#tests}\n- NOTES.md has the plan {#notes}\n");
    const workspace = path.join(tempDir, "notes");
    await mkdir(workspace);
    const { user } = renderApp({ page: "runs", backend });
    await user.click(await screen.findByTestId("new-run"));
    await user.type(screen.getByTestId("run-workspace"), workspace);
    await user.type(screen.getByTestId("run-task"), "Write the plan.");
    await waitFor(() => expect(screen.getByTestId<HTMLSelectElement>("run-rubric").options).toHaveLength(2));
    await user.selectOptions(screen.getByTestId("run-rubric"), "Notes");
    await user.clear(screen.getByTestId("run-max-iterations"));
    await user.type(screen.getByTestId("run-max-iterations"), "2");
    // (user.type reads "[" as a key descriptor: "[[" types one.)
    await user.type(screen.getByTestId("run-outcome-description"), "A plan in NOTES.md. [[[[script:grader]]");
    await user.click(screen.getByTestId("run-start"));

    const panel = await screen.findByTestId("outcome-panel");
    await waitFor(() => expect(within(panel).getByTestId("outcome-result").dataset.result).toBe("satisfied"), {
      timeout: 5000,
    });
    const cells = within(panel).getAllByTestId("outcome-cell");
    expect(cells.map((c) => `${c.dataset.criterion}@${c.dataset.iteration}:${c.dataset.verdict}`)).toEqual([
      "tests@0:met",
      "tests@1:met",
      "notes@0:not_met",
      "notes@1:met",
    ]);
    expect(panel.textContent).toMatch(/up to 2 iterations/);
    const feedback = screen.getByTestId("grader-feedback");
    expect(feedback.textContent).toMatch(/^Feedback from the grader/);
    expect(feedback.textContent).toMatch(/NOTES\.md has the plan \(not met\)/);
    expect(screen.getAllByTestId("message-user")).toHaveLength(1);
    expect(screen.getAllByTestId("evaluation-marker").map((m) => m.dataset.result)).toEqual([
      "needs_revision",
      "satisfied",
    ]);
  });
});
