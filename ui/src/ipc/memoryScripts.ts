import type {
  CriterionVerdict,
  EventPayload,
  IdleReason,
  OutcomeDefinition,
  OutcomeResult,
  TokenUsage,
} from "../bindings";
import { utf8Bytes } from "../shared/runs";

/**
 * The scripts the memory backend plays: what a pretend agent does on a task, a follow-up, a
 * resume and a graded run, as steps a driver turns into the events the engine's loop records.
 */

/** What a scripted run asks its driver to do. */
export type Step =
  | { type: "turn" } // a model request starts
  | { type: "delta"; text: string }
  | { type: "message"; text: string } // the whole text of the deltas since the last message
  | { type: "tool_use"; name: string; input: unknown }
  | { type: "turn_end"; usage: TokenUsage }
  | { type: "tool_result"; output: string } // runs the oldest open call; answers whether it ran
  | { type: "evaluation_start"; iteration: number; model: string; passes: number }
  | { type: "grading" } // the grader at work: one more pause
  | { type: "evaluation_end"; iteration: number; result: OutcomeResult; verdicts: CriterionVerdict[]; passes: number }
  | { type: "emit"; payload: EventPayload }
  | { type: "wait" } // the model or a tool takes a little longer: one more pause
  /** Runs the thread's open `delegate` calls side by side and records their results in `results`. */
  | { type: "delegations"; results: DelegationResult[] };

/** How one delegation came back to the coordinator. */
export interface DelegationResult {
  agent: string;
  reason: IdleReason | "refused";
}

export function usageOf(turn: number, output: number): TokenUsage {
  return {
    input_tokens: 1_850 + turn * 640,
    output_tokens: output,
    cache_read_tokens: turn === 1 ? 0 : 1_620 + (turn - 2) * 640,
    cache_write_tokens: turn === 1 ? 1_620 : 640,
  };
}

export function firstLine(task: string): string {
  const line = task.trim().split("\n")[0] ?? "";
  return line.length > 120 ? `${line.slice(0, 119)}…` : line;
}

/** Streams `text` in a few pieces, then records it whole, as the loop does. */
export function* say(text: string): Generator<Step, void, boolean> {
  const words = text.split(/(?<= )/);
  const pieces = Math.min(4, words.length);
  const size = Math.ceil(words.length / pieces);
  for (let i = 0; i < words.length; i += size) yield { type: "delta", text: words.slice(i, i + size).join("") };
  yield { type: "message", text };
}

/** A first run: read, write, run the tests (asks for approval by default), report. */
export function* taskScript(task: string): Generator<Step, IdleReason, boolean> {
  yield { type: "turn" };
  yield* say("I'll start by reading the README to see how the project is laid out.");
  yield { type: "tool_use", name: "read_file", input: { path: "README.md" } };
  yield { type: "turn_end", usage: usageOf(1, 84) };
  yield {
    type: "tool_result",
    output:
      "     1\t# notes\n     2\t\n     3\tA small command-line notes app.\n     4\t\n     5\tRun `npm test` to check it.\n",
  };

  yield { type: "turn" };
  yield* say("The tests run with `npm test`. First I'll write down the task in NOTES.md.");
  const notes = `# Task\n\n${firstLine(task)}\n\n## Plan\n\n1. Read the code.\n2. Run the tests.\n`;
  yield { type: "tool_use", name: "write_file", input: { path: "NOTES.md", content: notes } };
  yield { type: "turn_end", usage: usageOf(2, 142) };
  yield {
    type: "tool_result",
    output: `Created NOTES.md (${utf8Bytes(notes)} bytes, ${notes.split("\n").length - 1} lines)`,
  };

  yield { type: "turn" };
  yield* say("Now let me run the tests.");
  yield { type: "tool_use", name: "run_command", input: { command: "npm test" } };
  yield { type: "turn_end", usage: usageOf(3, 61) };
  const ran = yield {
    type: "tool_result",
    output:
      "> notes@1.0.0 test\n> node --test\n\n✔ adds a note (2.1ms)\n✔ lists notes (0.8ms)\nℹ tests 2\nℹ pass 2\nℹ fail 0\n\nexit code 0",
  };

  yield { type: "turn" };
  yield* say(
    ran
      ? "Done. I read the README, wrote the task and a plan to NOTES.md, and ran the tests: both pass."
      : "I wrote the task and a plan to NOTES.md, but I couldn't run the tests, so I haven't checked them. Run `npm test` when you're ready.",
  );
  yield { type: "turn_end", usage: usageOf(4, 57) };
  return "end_turn";
}

/** A follow-up message: one look around, then an answer. */
export function* followUpScript(): Generator<Step, IdleReason, boolean> {
  yield { type: "turn" };
  yield* say("Let me check what is in the workspace now.");
  yield { type: "tool_use", name: "list_files", input: { path: "." } };
  yield { type: "turn_end", usage: usageOf(5, 40) };
  yield {
    type: "tool_result",
    output: "NOTES.md (112 bytes)\nREADME.md (74 bytes)\npackage.json (210 bytes)\nsrc/\ntest/",
  };
  yield { type: "turn" };
  yield* say("NOTES.md is there beside the code and the tests. Tell me if you want anything else changed.");
  yield { type: "turn_end", usage: usageOf(6, 38) };
  return "end_turn";
}

/** Resuming an interrupted session: the loop picks up from the log. */
export function* resumeScript(): Generator<Step, IdleReason, boolean> {
  yield { type: "turn" };
  yield* say("Reverie stopped while I was working. Picking up where I left off: everything I needed is done.");
  yield { type: "turn_end", usage: usageOf(5, 44) };
  return "end_turn";
}

/** The verdicts the pretend grader gives: a mix at first, every criterion met on a revision. */
export function scriptedVerdicts(outcome: OutcomeDefinition, iteration: number): CriterionVerdict[] {
  return outcome.criteria.map((c, i): CriterionVerdict => {
    const verdict =
      iteration > 0
        ? "met"
        : i % 3 === 1 || outcome.criteria.length === 1
          ? "not_met"
          : i % 5 === 3
            ? "partially_met"
            : "met";
    // With several passes, one of them dissents on the first criterion of the first evaluation.
    const disagreement: CriterionVerdict["disagreement"] =
      iteration === 0 && i === 0 && outcome.grader_passes > 1
        ? Array.from({ length: outcome.grader_passes }, (_, pass) => (pass === 1 ? "not_met" : verdict))
        : [];
    switch (verdict) {
      case "met":
        return {
          criterion_id: c.id,
          verdict,
          evidence:
            iteration > 0 ? "NOTES.md:9 covers it after the revision." : "NOTES.md:1–8 and the final message cover it.",
          change: "",
          disagreement,
        };
      case "partially_met":
        return {
          criterion_id: c.id,
          verdict,
          evidence: "NOTES.md:6 mentions it, but only in passing.",
          change: "Say it plainly, and point to the file and line where it is done.",
          disagreement,
        };
      case "not_met":
        return {
          criterion_id: c.id,
          verdict,
          evidence: "Nothing in NOTES.md or the final message addresses this.",
          change: `Make sure that ${c.text.charAt(0).toLowerCase()}${c.text.slice(1)}, and say where in NOTES.md.`,
          disagreement,
        };
    }
  });
}

/** Whether a criterion holds the rubric back: not met, or partially met when it is required. */
function unmet(optional: boolean, verdict: CriterionVerdict["verdict"]): boolean {
  return verdict === "not_met" || (verdict === "partially_met" && !optional);
}

/** The message the agent gets after `needs_revision`, as the engine words it. */
export function feedbackText(outcome: OutcomeDefinition, verdicts: readonly CriterionVerdict[]): string {
  let out = "Your work was checked against the rubric. These criteria are not met yet:\n";
  outcome.criteria.forEach((c, i) => {
    const v = verdicts[i];
    if (!v || !unmet(c.optional, v.verdict)) return;
    out += `\n- ${c.text} (${v.verdict === "partially_met" ? "partially met" : "not met"})\n  Evidence: ${v.evidence || "none given"}\n`;
    if (v.change !== "") out += `  What to change: ${v.change}\n`;
  });
  return `${out}\nRevise the work so every criterion is met, then end your turn with a short summary of what you changed.`;
}

/** The message for the last turn once the budget is spent, as the engine words it. */
function wrapUpText(outcome: OutcomeDefinition, verdicts: readonly CriterionVerdict[]): string {
  const open = outcome.criteria.flatMap((c, i) => {
    const v = verdicts[i];
    return v && unmet(c.optional, v.verdict)
      ? [`- ${c.text} (${v.verdict === "not_met" ? "not met" : "partially met"})`]
      : [];
  });
  return `The iteration budget for this outcome is spent, and these criteria are still not met:\n${open.join("\n")}\n\nDon't start new work. Wrap up: end your turn with a short summary of what is done and what is still missing.`;
}

/** A revision after the grader's feedback: one write, then a summary. */
function* reviseScript(iteration: number): Generator<Step, void, boolean> {
  const turn = 5 + iteration * 2;
  yield { type: "turn" };
  yield* say("The grader found gaps. I'll cover each criterion it marked in NOTES.md.");
  const notes =
    "# Task\n\nWhat was asked, and how each point of the rubric is met.\n\n## Done\n\n1. Read the code.\n2. Ran the tests: both pass.\n3. Every criterion is answered below.\n";
  yield { type: "tool_use", name: "write_file", input: { path: "NOTES.md", content: notes } };
  yield { type: "turn_end", usage: usageOf(turn, 118) };
  yield {
    type: "tool_result",
    output: `Updated NOTES.md (${utf8Bytes(notes)} bytes, ${notes.split("\n").length - 1} lines)`,
  };
  yield { type: "turn" };
  yield* say("I revised NOTES.md: each point the grader raised is now covered, with where to find it.");
  yield { type: "turn_end", usage: usageOf(turn + 1, 52) };
}

/** A run with an outcome: the task, then grading after each finished turn until it settles. */
export function* outcomeScript(task: string, outcome: OutcomeDefinition): Generator<Step, IdleReason, boolean> {
  const reason = yield* taskScript(task);
  if (reason !== "end_turn") return reason;
  for (let iteration = 0; ; iteration++) {
    yield { type: "evaluation_start", iteration, model: outcome.grader_model, passes: outcome.grader_passes };
    yield { type: "grading" };
    yield { type: "grading" };
    const verdicts = scriptedVerdicts(outcome, iteration);
    const open = outcome.criteria.some((c, i) => unmet(c.optional, verdicts[i]?.verdict ?? "not_met"));
    const last = iteration + 1 >= outcome.max_iterations;
    const result: OutcomeResult = !open ? "satisfied" : last ? "max_iterations_reached" : "needs_revision";
    yield { type: "evaluation_end", iteration, result, verdicts, passes: outcome.grader_passes };
    if (result === "satisfied") return "end_turn";
    if (result === "max_iterations_reached") {
      yield { type: "emit", payload: { type: "outcome.feedback", iteration, text: wrapUpText(outcome, verdicts) } };
      yield { type: "turn" };
      yield* say(
        "Wrapping up: NOTES.md has the plan and the test results; the points the grader still marks are listed there as open.",
      );
      yield { type: "turn_end", usage: usageOf(5 + iteration * 2, 47) };
      return "end_turn";
    }
    yield { type: "emit", payload: { type: "outcome.feedback", iteration, text: feedbackText(outcome, verdicts) } };
    yield* reviseScript(iteration);
  }
}
