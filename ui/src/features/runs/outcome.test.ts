import { describe, expect, it } from "vitest";
import type { CriterionVerdict, EventPayload, OutcomeDefinition, SessionEvent, Verdict } from "../../bindings";
import { gradedRunLog } from "../../fixtures";
import { disagreementSummary, outcomeFromEvents, outcomeMatrix, type OutcomeMatrix } from "./outcome";

const DEFINITION: OutcomeDefinition = {
  description: "Fix the lost note",
  rubric_id: "rub_0001",
  rubric_name: "Bug fix",
  rubric_version: 3,
  criteria: [
    { id: "fixed", text: "The bug no longer happens", group: "Fix", weight: 3, optional: false, line: 4 },
    { id: "tests", text: "The tests pass", group: "Fix", weight: 1, optional: false, line: 5 },
    { id: "cause", text: "The final message says the cause", group: "Report", weight: 1, optional: false, line: 8 },
    { id: "notes", text: "NOTES.md records it", group: "Report", weight: 1, optional: true, line: 9 },
  ],
  max_iterations: 3,
  grader_passes: 1,
  grader_provider_id: "prv_0001",
  grader_model: "claude-sonnet-4-5",
};

const USAGE = { input_tokens: 5200, output_tokens: 420, cache_read_tokens: 0, cache_write_tokens: 0 };

/** Numbers the payloads into a session's events, a second apart. */
function log(...payloads: EventPayload[]): SessionEvent[] {
  return payloads.map((payload, i) => ({
    session_id: "ses_0001",
    seq: i + 1,
    thread_id: "thr_0001",
    time_ms: 1_000_000 + i * 1000,
    payload,
  }));
}

const defined = (outcome: Partial<OutcomeDefinition> = {}): EventPayload => ({
  type: "outcome.defined",
  outcome: { ...DEFINITION, ...outcome },
});
const start = (iteration: number, passes = 1): EventPayload => ({
  type: "span.outcome_evaluation_start",
  iteration,
  grader_model: "claude-sonnet-4-5",
  passes,
});
const verdict = (criterion_id: string, v: Verdict, disagreement: Verdict[] = []): CriterionVerdict => ({
  criterion_id,
  verdict: v,
  evidence: `evidence of ${criterion_id}`,
  change: v === "met" ? "" : `change ${criterion_id}`,
  disagreement,
});
const end = (
  iteration: number,
  result: Extract<EventPayload, { type: "span.outcome_evaluation_end" }>["result"],
  verdicts: CriterionVerdict[],
  more: { reason?: string; cost_usd?: number } = {},
): EventPayload => ({
  type: "span.outcome_evaluation_end",
  iteration,
  result,
  verdicts,
  usage: USAGE,
  duration_ms: 4200,
  ...more,
});

/** Rows as "criterion: verdict per column" (· where a column has none), for reading at a glance. */
function grid(matrix: OutcomeMatrix): string[] {
  return matrix.groups.flatMap((g) =>
    g.rows.map((r) => `${r.criterion.id}: ${r.cells.map((c) => (c ? c.verdict : "·")).join(" ")}`),
  );
}

const firstPass = [
  verdict("fixed", "met"),
  verdict("tests", "not_met"),
  verdict("cause", "partially_met"),
  verdict("notes", "not_met"),
];
const allMet = ["fixed", "tests", "cause", "notes"].map((id) => verdict(id, "met"));

describe("outcome matrix", () => {
  it("has no outcome without a definition", () => {
    expect(outcomeFromEvents(log({ type: "user.message", text: "Go" }))).toBeNull();
  });

  it("reads a graded run recorded from the engine: not met, revised, satisfied", () => {
    const matrix = outcomeMatrix(outcomeFromEvents(gradedRunLog)!, false);
    expect(grid(matrix)).toEqual(["tests: met met", "notes: not_met met"]);
    expect(matrix.columns.map((c) => [c.iteration, c.kind === "ended" ? c.result : null])).toEqual([
      [0, "needs_revision"],
      [1, "satisfied"],
    ]);
    expect(matrix.groups[0]!.rows[1]!.cells[0]).toMatchObject({
      verdict: "not_met",
      change: "Write the plan to NOTES.md",
    });
    expect(matrix.standing).toEqual({ kind: "result", result: "satisfied", iteration: 1, reason: null });
  });

  it("puts the criteria in rows grouped by heading, the iterations in columns, and says where it stands", () => {
    const state = outcomeFromEvents(
      log(
        defined(),
        { type: "user.message", text: "Fix it" },
        start(0),
        end(0, "needs_revision", firstPass, { cost_usd: 0.0219 }),
        { type: "outcome.feedback", iteration: 0, text: "These criteria are not met yet" },
        start(1),
        end(1, "satisfied", allMet, { cost_usd: 0.0231 }),
      ),
    )!;
    const matrix = outcomeMatrix(state, false);
    expect(matrix.groups.map((g) => [g.heading, g.rows.map((r) => r.criterion.id)])).toEqual([
      ["Fix", ["fixed", "tests"]],
      ["Report", ["cause", "notes"]],
    ]);
    expect(grid(matrix)).toEqual([
      "fixed: met met",
      "tests: not_met met",
      "cause: partially_met met",
      "notes: not_met met",
    ]);
    expect(
      matrix.columns.map((c) => [
        c.kind,
        c.iteration,
        c.kind === "ended" ? c.result : null,
        c.kind === "ended" ? c.met : null,
      ]),
    ).toEqual([
      ["ended", 0, "needs_revision", 1],
      ["ended", 1, "satisfied", 4],
    ]);
    expect(matrix.groups[0]!.rows[1]!.cells[0]).toEqual({
      criterionId: "tests",
      iteration: 0,
      verdict: "not_met",
      evidence: "evidence of tests",
      change: "change tests",
      disagreement: [],
    });
    expect(matrix.standing).toEqual({ kind: "result", result: "satisfied", iteration: 1, reason: null });
    expect(matrix.costUsd).toBeCloseTo(0.045);
  });

  it("shows a live grading column while an evaluation runs, and waits before the first", () => {
    const events = log(defined(), start(0), end(0, "needs_revision", firstPass), start(1, 3));
    expect(outcomeMatrix(outcomeFromEvents(events.slice(0, 1))!, true).standing).toEqual({ kind: "waiting" });
    expect(outcomeMatrix(outcomeFromEvents(events.slice(0, 1))!, true).costUsd).toBeNull();

    const live = outcomeMatrix(outcomeFromEvents(events)!, true);
    expect(live.columns.map((c) => c.kind)).toEqual(["ended", "grading"]);
    expect(live.columns[1]).toEqual({
      kind: "grading",
      iteration: 1,
      graderModel: "claude-sonnet-4-5",
      passes: 3,
      since: 1_003_000,
    });
    expect(grid(live)).toEqual(["fixed: met ·", "tests: not_met ·", "cause: partially_met ·", "notes: not_met ·"]);
    expect(live.standing).toEqual({ kind: "grading", iteration: 1 });

    // The same log in a session that no longer runs: that evaluation never finished.
    const stopped = outcomeMatrix(outcomeFromEvents(events)!, false);
    expect(stopped.columns.map((c) => c.kind)).toEqual(["ended", "unfinished"]);
    expect(stopped.standing).toEqual({ kind: "result", result: "interrupted", iteration: 1, reason: null });
  });

  it("replaces an interrupted evaluation with the one redone under the same number", () => {
    const interrupted = log(
      defined(),
      start(0),
      end(0, "needs_revision", firstPass),
      start(1),
      end(1, "interrupted", []),
    );
    const before = outcomeMatrix(outcomeFromEvents(interrupted)!, false);
    expect(grid(before)).toEqual(["fixed: met ·", "tests: not_met ·", "cause: partially_met ·", "notes: not_met ·"]);
    expect(before.standing).toMatchObject({ result: "interrupted", iteration: 1 });

    const resumed = log(...interrupted.map((e) => e.payload), start(1));
    const regrading = outcomeMatrix(outcomeFromEvents(resumed)!, true);
    expect(regrading.columns.map((c) => [c.kind, c.iteration])).toEqual([
      ["ended", 0],
      ["grading", 1],
    ]);

    const redone = outcomeMatrix(
      outcomeFromEvents(log(...resumed.map((e) => e.payload), end(1, "satisfied", allMet)))!,
      false,
    );
    expect(redone.columns.map((c) => [c.iteration, c.kind === "ended" && c.result])).toEqual([
      [0, "needs_revision"],
      [1, "satisfied"],
    ]);
    expect(grid(redone)).toEqual([
      "fixed: met met",
      "tests: not_met met",
      "cause: partially_met met",
      "notes: not_met met",
    ]);
  });

  it("keeps a failed evaluation's reason and leaves its cells empty", () => {
    const reason = "The rubric does not apply to this task: it asks about code, and the task is a poem.";
    const matrix = outcomeMatrix(outcomeFromEvents(log(defined(), start(0), end(0, "failed", [], { reason })))!, false);
    expect(grid(matrix)).toEqual(["fixed: ·", "tests: ·", "cause: ·", "notes: ·"]);
    expect(matrix.columns[0]).toMatchObject({ kind: "ended", result: "failed", reason, met: 0 });
    expect(matrix.standing).toEqual({ kind: "result", result: "failed", iteration: 0, reason });
    expect(matrix.costUsd).toBeNull();
  });

  it("keeps each pass's verdict where the grader passes disagreed, and says so in words", () => {
    const split = [verdict("fixed", "met", ["met", "not_met", "met"]), ...allMet.slice(1)];
    const matrix = outcomeMatrix(
      outcomeFromEvents(log(defined({ grader_passes: 3 }), start(0, 3), end(0, "satisfied", split)))!,
      false,
    );
    const cell = matrix.groups[0]!.rows[0]!.cells[0]!;
    expect(cell.disagreement).toEqual(["met", "not_met", "met"]);
    expect(disagreementSummary(cell.disagreement)).toBe("2 of 3 passes: met; 1: not met");
    expect(disagreementSummary(["not_met", "partially_met", "met", "not_met", "not_met"])).toBe(
      "3 of 5 passes: not met; 1: met; 1: partially met",
    );
    expect(matrix.groups[0]!.rows[1]!.cells[0]!.disagreement).toEqual([]);
  });

  it("budget spent: the last column says so, and a verdict for no criterion is left out", () => {
    const matrix = outcomeMatrix(
      outcomeFromEvents(
        log(
          defined({ max_iterations: 1 }),
          start(0),
          end(0, "max_iterations_reached", [...firstPass, verdict("unknown", "met")]),
          { type: "outcome.feedback", iteration: 0, text: "The iteration budget for this outcome is spent" },
        ),
      )!,
      false,
    );
    expect(grid(matrix)).toEqual(["fixed: met", "tests: not_met", "cause: partially_met", "notes: not_met"]);
    expect(matrix.standing).toMatchObject({ result: "max_iterations_reached", iteration: 0 });
  });

  it("starts over when a new outcome is defined", () => {
    const events = log(
      defined(),
      start(0),
      end(0, "satisfied", allMet),
      defined({ rubric_name: "Other", criteria: DEFINITION.criteria.slice(0, 1) }),
    );
    const matrix = outcomeMatrix(outcomeFromEvents(events)!, false);
    expect(matrix.definition.rubric_name).toBe("Other");
    expect(matrix.columns).toEqual([]);
    expect(grid(matrix)).toEqual(["fixed: "]);
  });

  it("groups criteria without a heading under none", () => {
    const criteria = [
      { id: "a", text: "A", weight: 1, optional: false, line: 1 },
      { id: "b", text: "B", group: "G", weight: 1, optional: false, line: 3 },
    ];
    const matrix = outcomeMatrix(outcomeFromEvents(log(defined({ criteria })))!, false);
    expect(matrix.groups.map((g) => g.heading)).toEqual([null, "G"]);
  });
});
