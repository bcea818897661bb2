import type {
  Criterion,
  CriterionVerdict,
  OutcomeDefinition,
  OutcomeResult,
  SessionEvent,
  TokenUsage,
  Verdict,
} from "../../bindings";
import { groupCriteria } from "../../shared/rubrics";

/**
 * A session's outcome, folded from its events: the definition, every evaluation that ended and
 * the one being graded. `outcomeMatrix` turns it into what the Outcome panel draws: the rubric's
 * criteria as rows, iterations as columns.
 */

export interface Evaluation {
  /** 0-based, as the events number them. */
  iteration: number;
  result: OutcomeResult;
  verdicts: CriterionVerdict[];
  /** Why it failed. */
  reason: string | null;
  usage: TokenUsage;
  costUsd: number | null;
  durationMs: number;
}

export interface Grading {
  iteration: number;
  graderModel: string;
  passes: number;
  /** `time_ms` of the start event. */
  since: number;
}

export interface OutcomeState {
  definition: OutcomeDefinition;
  /** By iteration; an evaluation redone after an interruption replaces the earlier one. */
  evaluations: Evaluation[];
  /** Started and not ended yet. */
  grading: Grading | null;
}

/** Folds one event into the outcome; events about other things leave it as it is. */
export function applyOutcomeEvent(state: OutcomeState | null, event: SessionEvent): OutcomeState | null {
  const { payload } = event;
  switch (payload.type) {
    case "outcome.defined":
      // One outcome at a time: a new definition starts over.
      return { definition: payload.outcome, evaluations: [], grading: null };
    case "span.outcome_evaluation_start":
      if (!state) return state;
      return {
        ...state,
        grading: {
          iteration: payload.iteration,
          graderModel: payload.grader_model,
          passes: payload.passes,
          since: event.time_ms,
        },
      };
    case "span.outcome_evaluation_end": {
      if (!state) return state;
      const evaluation: Evaluation = {
        iteration: payload.iteration,
        result: payload.result,
        verdicts: payload.verdicts,
        reason: payload.reason ?? null,
        usage: payload.usage,
        costUsd: payload.cost_usd ?? null,
        durationMs: payload.duration_ms,
      };
      const evaluations = [...state.evaluations.filter((e) => e.iteration !== payload.iteration), evaluation].sort(
        (a, b) => a.iteration - b.iteration,
      );
      const grading = state.grading?.iteration === payload.iteration ? null : state.grading;
      return { ...state, evaluations, grading };
    }
    default:
      return state;
  }
}

export function outcomeFromEvents(events: readonly SessionEvent[]): OutcomeState | null {
  return events.reduce<OutcomeState | null>(applyOutcomeEvent, null);
}

/** One criterion in one iteration. */
export interface OutcomeCell {
  criterionId: string;
  iteration: number;
  verdict: Verdict;
  evidence: string;
  change: string;
  /** Each pass's verdict, when the passes did not all agree. */
  disagreement: Verdict[];
}

/**
 * A column: an ended evaluation; one being graded now (`grading`, live); or one that started
 * and never ended because the session stopped (`unfinished`, shown as interrupted).
 */
export type OutcomeColumn =
  | ({ kind: "ended" } & Evaluation & { met: number })
  | { kind: "grading"; iteration: number; graderModel: string; passes: number; since: number }
  | { kind: "unfinished"; iteration: number };

export interface OutcomeRow {
  criterion: Criterion;
  /** One per column; null where the column has no verdict (grading, failed, interrupted). */
  cells: Array<OutcomeCell | null>;
}

export interface OutcomeGroup {
  /** The rubric heading the criteria sit under; null for criteria before any heading. */
  heading: string | null;
  rows: OutcomeRow[];
}

export type OutcomeStanding =
  | { kind: "waiting" }
  | { kind: "grading"; iteration: number }
  | { kind: "result"; result: OutcomeResult; iteration: number; reason: string | null };

export interface OutcomeMatrix {
  definition: OutcomeDefinition;
  groups: OutcomeGroup[];
  columns: OutcomeColumn[];
  standing: OutcomeStanding;
  /** Dollars over every priced evaluation; null while none had a price. */
  costUsd: number | null;
}

/**
 * What the panel draws. `live`: the session is running, so an evaluation without an end is being
 * graded; otherwise it never finished.
 */
export function outcomeMatrix(state: OutcomeState, live: boolean): OutcomeMatrix {
  const { definition, evaluations, grading } = state;
  const columns: OutcomeColumn[] = evaluations.map((e) => ({
    kind: "ended",
    ...e,
    met: e.verdicts.filter((v) => v.verdict === "met").length,
  }));
  if (grading) {
    const open: OutcomeColumn = live
      ? { kind: "grading", ...grading }
      : { kind: "unfinished", iteration: grading.iteration };
    // Grading an iteration again (after an interruption) takes the earlier column's place.
    const at = columns.findIndex((c) => c.iteration === grading.iteration);
    if (at === -1) columns.push(open);
    else columns[at] = open;
    columns.sort((a, b) => a.iteration - b.iteration);
  }

  const cellsOf = (criterion: Criterion) =>
    columns.map((column): OutcomeCell | null => {
      if (column.kind !== "ended") return null;
      const v = column.verdicts.find((x) => x.criterion_id === criterion.id);
      return v
        ? {
            criterionId: criterion.id,
            iteration: column.iteration,
            verdict: v.verdict,
            evidence: v.evidence,
            change: v.change,
            disagreement: v.disagreement,
          }
        : null;
    });
  const groups: OutcomeGroup[] = groupCriteria(definition.criteria).map(({ heading, criteria }) => ({
    heading,
    rows: criteria.map((criterion) => ({ criterion, cells: cellsOf(criterion) })),
  }));

  const latest = columns[columns.length - 1];
  const standing: OutcomeStanding = !latest
    ? { kind: "waiting" }
    : latest.kind === "grading"
      ? { kind: "grading", iteration: latest.iteration }
      : latest.kind === "unfinished"
        ? { kind: "result", result: "interrupted", iteration: latest.iteration, reason: null }
        : { kind: "result", result: latest.result, iteration: latest.iteration, reason: latest.reason };

  const priced = evaluations.filter((e) => e.costUsd !== null);
  const costUsd = priced.length === 0 ? null : priced.reduce((sum, e) => sum + (e.costUsd ?? 0), 0);
  return { definition, groups, columns, standing, costUsd };
}

export const VERDICT_LABELS: Record<Verdict, string> = {
  met: "Met",
  partially_met: "Partially met",
  not_met: "Not met",
};

const VERDICT_ORDER: Verdict[] = ["met", "partially_met", "not_met"];

/** "2 of 3 passes: met; 1: not met" — the most common verdict first. */
export function disagreementSummary(disagreement: readonly Verdict[]): string {
  const counts = VERDICT_ORDER.map((verdict) => ({ verdict, n: disagreement.filter((d) => d === verdict).length }))
    .filter((c) => c.n > 0)
    .sort((a, b) => b.n - a.n);
  return counts
    .map((c, i) => {
      const label = VERDICT_LABELS[c.verdict].toLowerCase();
      return i === 0 ? `${c.n} of ${disagreement.length} passes: ${label}` : `${c.n}: ${label}`;
    })
    .join("; ");
}

/** The words for a result, as a badge says them. */
export const RESULT_LABELS: Record<OutcomeResult, string> = {
  satisfied: "Satisfied",
  needs_revision: "Needs revision",
  max_iterations_reached: "Budget spent",
  failed: "Failed",
  interrupted: "Interrupted",
};

export type ResultTone = "ok" | "warn" | "error" | "neutral";

export const RESULT_TONES: Record<OutcomeResult, ResultTone> = {
  satisfied: "ok",
  needs_revision: "warn",
  max_iterations_reached: "warn",
  failed: "error",
  interrupted: "neutral",
};
