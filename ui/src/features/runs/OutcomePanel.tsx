import { useId, useMemo, useState } from "react";
import type { Criterion, OutcomeResult, TokenUsage, Verdict } from "../../bindings";
import { CloseIcon } from "../../shared/icons";
import { Spinner } from "../../shared/Spinner";
import { formatCost, formatCount, formatDuration } from "../../shared/format";
import {
  disagreementSummary,
  outcomeMatrix,
  RESULT_LABELS,
  RESULT_TONES,
  VERDICT_LABELS,
  type OutcomeCell,
  type OutcomeColumn,
  type OutcomeStanding,
  type OutcomeState,
} from "./outcome";
import "./outcome.css";

interface OutcomePanelProps {
  outcome: OutcomeState;
  /** The session runs now: an evaluation without an end is being graded. */
  live: boolean;
}

/** What a cell says in a few letters beside its icon. */
const SHORT: Record<Verdict, string> = { met: "Met", partially_met: "Partly", not_met: "Not met" };

/** The rubric's criteria against the grader's verdicts, iteration by iteration. */
export function OutcomePanel({ outcome, live }: OutcomePanelProps) {
  const id = useId();
  const matrix = useMemo(() => outcomeMatrix(outcome, live), [outcome, live]);
  const [selected, setSelected] = useState<{ criterion: string; iteration: number } | null>(null);
  const { definition, groups, columns, standing } = matrix;

  const row = selected ? groups.flatMap((g) => g.rows).find((r) => r.criterion.id === selected.criterion) : undefined;
  const cell = row?.cells.find((c) => c?.iteration === selected?.iteration) ?? null;
  const detailId = `${id}-detail`;
  const passes = definition.grader_passes;

  return (
    <section
      className="outcome card"
      aria-labelledby={`${id}-title`}
      data-testid="outcome-panel"
      data-standing={standing.kind === "result" ? standing.result : standing.kind}
    >
      <div className="outcome-head">
        <div className="outcome-title-block">
          <h2 id={`${id}-title`} className="outcome-title">
            Outcome
          </h2>
          <p className="outcome-facts small muted">
            Graded against <strong className="outcome-rubric">{definition.rubric_name}</strong>{" "}
            <span className="mono">v{definition.rubric_version}</span> · up to{" "}
            {plural(definition.max_iterations, "iteration")} · {plural(passes, "grader pass", "grader passes")} ·{" "}
            <span className="mono nowrap" title="The model that grades">
              {definition.grader_model}
            </span>
          </p>
        </div>
        <StandingBadge standing={standing} />
      </div>

      {standing.kind === "result" && standing.result === "failed" && standing.reason && (
        <p className="outcome-reason" data-testid="outcome-reason">
          {standing.reason}
        </p>
      )}

      <p className="outcome-description selectable" title="What the result should achieve">
        {definition.description}
      </p>

      {columns.length === 0 && (
        <p className="outcome-waiting small muted" data-testid="outcome-waiting">
          {live
            ? "The grader judges each criterion when the agent ends its turn."
            : "Not graded: the session stopped before the agent ended a turn."}
        </p>
      )}

      <div className="outcome-scroll">
        <table className="outcome-matrix" aria-label={`Criteria of ${definition.rubric_name} by iteration`}>
          <thead>
            <tr>
              <th scope="col" className="outcome-criterion-head">
                Criterion
              </th>
              {columns.map((column) => (
                <th
                  scope="col"
                  key={column.iteration}
                  className="outcome-col-head"
                  data-testid="outcome-column"
                  data-iteration={column.iteration}
                >
                  <ColumnHead column={column} />
                </th>
              ))}
            </tr>
          </thead>
          {groups.map((group, g) => (
            <tbody key={`${group.heading ?? ""}#${g}`}>
              {group.heading !== null && (
                <tr className="outcome-group-row">
                  <th scope="rowgroup" colSpan={columns.length + 1}>
                    {group.heading}
                  </th>
                </tr>
              )}
              {group.rows.map((r) => (
                <tr key={r.criterion.id}>
                  <th scope="row" className="outcome-criterion">
                    <CriterionLabel criterion={r.criterion} />
                  </th>
                  {r.cells.map((c, i) => {
                    const column = columns[i]!;
                    if (!c) {
                      return (
                        <td key={column.iteration} className="outcome-td">
                          <EmptyCell column={column} />
                        </td>
                      );
                    }
                    const active = selected?.criterion === c.criterionId && selected.iteration === c.iteration;
                    return (
                      <td key={column.iteration} className="outcome-td">
                        <button
                          type="button"
                          className={`outcome-cell verdict-${c.verdict}${active ? " active" : ""}`}
                          aria-expanded={active}
                          aria-controls={active ? detailId : undefined}
                          aria-label={`${r.criterion.text}, iteration ${c.iteration + 1}: ${VERDICT_LABELS[c.verdict].toLowerCase()}${
                            c.disagreement.length > 0 ? ", the grader passes disagreed" : ""
                          }`}
                          onClick={() =>
                            setSelected(active ? null : { criterion: c.criterionId, iteration: c.iteration })
                          }
                          data-testid="outcome-cell"
                          data-criterion={c.criterionId}
                          data-iteration={c.iteration}
                          data-verdict={c.verdict}
                        >
                          <VerdictIcon verdict={c.verdict} />
                          <span className="outcome-cell-text">{SHORT[c.verdict]}</span>
                          {c.disagreement.length > 0 && (
                            <span
                              className="outcome-split"
                              title={disagreementSummary(c.disagreement)}
                              aria-hidden="true"
                            />
                          )}
                        </button>
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          ))}
        </table>
      </div>

      {row && cell && (
        <CellDetail
          id={detailId}
          criterion={row.criterion}
          cell={cell}
          passes={passes}
          onClose={() => setSelected(null)}
        />
      )}

      {columns.some((c) => c.kind === "ended") && (
        <p className="outcome-foot small muted" data-testid="outcome-cost">
          Grading cost {formatCost(matrix.costUsd)} over{" "}
          {plural(columns.filter((c) => c.kind === "ended").length, "evaluation")}
          {columns.some((c) => c.kind === "ended" && c.verdicts.length > 0) &&
            " · select a cell for the evidence and what to change"}
          {columns.some((c) => c.kind === "ended" && c.verdicts.some((v) => v.disagreement.length > 0)) && (
            <>
              {" · "}
              <span className="outcome-split-legend" aria-hidden="true" /> the grader passes disagreed
            </>
          )}
        </p>
      )}
    </section>
  );
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function tokens(usage: TokenUsage): string {
  const parts = [`${formatCount(usage.input_tokens)} input`, `${formatCount(usage.output_tokens)} output`];
  if (usage.cache_read_tokens > 0) parts.push(`${formatCount(usage.cache_read_tokens)} cache read`);
  if (usage.cache_write_tokens > 0) parts.push(`${formatCount(usage.cache_write_tokens)} cache write`);
  return `${parts.join(" · ")} tokens`;
}

function ColumnHead({ column }: { column: OutcomeColumn }) {
  const title = <span className="outcome-col-title">Iteration {column.iteration + 1}</span>;
  switch (column.kind) {
    case "grading":
      return (
        <>
          {title}
          <span className="outcome-col-result tone-running" data-testid="outcome-grading">
            <Spinner /> Grading…
          </span>
          <span className="outcome-col-meta">{plural(column.passes, "pass", "passes")}</span>
        </>
      );
    case "unfinished":
      return (
        <>
          {title}
          <span className="outcome-col-result tone-neutral">Interrupted</span>
          <span className="outcome-col-meta">not finished</span>
        </>
      );
    case "ended":
      return (
        <>
          {title}
          <span
            className={`outcome-col-result tone-${RESULT_TONES[column.result]}`}
            data-testid="outcome-column-result"
            data-result={column.result}
          >
            {RESULT_LABELS[column.result]}
          </span>
          <span className="outcome-col-meta" title={tokens(column.usage)} data-testid="outcome-column-cost">
            {formatCost(column.costUsd)} · {formatDuration(column.durationMs)}
          </span>
        </>
      );
  }
}

function EmptyCell({ column }: { column: OutcomeColumn }) {
  if (column.kind === "grading") {
    return (
      <span className="outcome-empty outcome-pending" data-testid="outcome-cell-empty" data-state="grading">
        <span className="visually-hidden">Being graded</span>
      </span>
    );
  }
  const why =
    column.kind === "unfinished" || (column.kind === "ended" && column.result === "interrupted")
      ? "Not graded: the evaluation was interrupted"
      : column.kind === "ended" && column.result === "failed"
        ? "Not graded: the evaluation failed"
        : "No verdict for this criterion";
  return (
    <span className="outcome-empty" title={why} data-testid="outcome-cell-empty" data-state="none">
      <span aria-hidden="true">—</span>
      <span className="visually-hidden">{why}</span>
    </span>
  );
}

function CriterionLabel({ criterion }: { criterion: Criterion }) {
  return (
    <>
      <span className="outcome-criterion-text">{criterion.text}</span>
      <span className="outcome-criterion-meta">
        <span className="mono">{criterion.id}</span>
        {criterion.weight !== 1 && (
          <span className="outcome-tag" title={`Counts ${criterion.weight} times`}>
            ×{criterion.weight}
          </span>
        )}
        {criterion.optional && (
          <span className="outcome-tag tag-optional" title="Partially met is enough">
            optional
          </span>
        )}
      </span>
    </>
  );
}

function CellDetail({
  id,
  criterion,
  cell,
  passes,
  onClose,
}: {
  id: string;
  criterion: Criterion;
  cell: OutcomeCell;
  passes: number;
  onClose(): void;
}) {
  return (
    <div
      className={`outcome-detail detail-${cell.verdict}`}
      id={id}
      role="region"
      aria-label="Verdict"
      data-testid="outcome-detail"
    >
      <div className="outcome-detail-head">
        <span className={`outcome-chip verdict-${cell.verdict}`}>
          <VerdictIcon verdict={cell.verdict} />
          {VERDICT_LABELS[cell.verdict]}
        </span>
        <span className="outcome-detail-title">
          <strong>{criterion.text}</strong>
          <span className="muted"> · iteration {cell.iteration + 1}</span>
        </span>
        <button
          type="button"
          className="icon-button"
          onClick={onClose}
          aria-label="Close the verdict"
          data-testid="outcome-detail-close"
        >
          <CloseIcon />
        </button>
      </div>
      <dl className="outcome-detail-body">
        <dt>Evidence</dt>
        <dd className="selectable" data-testid="outcome-evidence">
          {cell.evidence || <span className="muted">The grader quoted none.</span>}
        </dd>
        <dt>What to change</dt>
        <dd className="selectable" data-testid="outcome-change">
          {cell.change || (
            <span className="muted">{cell.verdict === "met" ? "Nothing: it is met." : "The grader did not say."}</span>
          )}
        </dd>
        {passes > 1 && (
          <>
            <dt>Grader passes</dt>
            <dd data-testid="outcome-disagreement">
              {cell.disagreement.length > 0
                ? `${disagreementSummary(cell.disagreement)}. The majority decides.`
                : `All ${passes} passes agreed.`}
            </dd>
          </>
        )}
      </dl>
    </div>
  );
}

function StandingBadge({ standing }: { standing: OutcomeStanding }) {
  if (standing.kind === "waiting") {
    return (
      <span className="badge status-neutral outcome-badge" data-testid="outcome-result" data-result="waiting">
        Not graded yet
      </span>
    );
  }
  if (standing.kind === "grading") {
    return (
      <span className="badge status-running outcome-badge" data-testid="outcome-result" data-result="grading">
        Grading iteration {standing.iteration + 1}…
      </span>
    );
  }
  const result: OutcomeResult = standing.result;
  return (
    <span
      className={`badge status-${RESULT_TONES[result]} outcome-badge`}
      data-testid="outcome-result"
      data-result={result}
      title={
        result === "max_iterations_reached" ? "Every iteration was used before the rubric was satisfied" : undefined
      }
    >
      {RESULT_LABELS[result]}
      {result !== "interrupted" && (
        <span className="outcome-badge-iteration"> · iteration {standing.iteration + 1}</span>
      )}
    </span>
  );
}

export function VerdictIcon({ verdict }: { verdict: Verdict }) {
  return (
    <svg className="verdict-icon" width={14} height={14} viewBox="0 0 16 16" aria-hidden="true" focusable="false">
      <circle cx="8" cy="8" r="6.6" fill="none" stroke="currentColor" strokeWidth="1.6" />
      {verdict === "met" && (
        <path
          d="m5 8.2 2 2 4-4.4"
          fill="none"
          stroke="currentColor"
          strokeWidth="1.8"
          strokeLinecap="round"
          strokeLinejoin="round"
        />
      )}
      {verdict === "partially_met" && <path d="M8 1.4a6.6 6.6 0 0 1 0 13.2Z" fill="currentColor" />}
      {verdict === "not_met" && (
        <path
          d="m5.6 5.6 4.8 4.8m0-4.8-4.8 4.8"
          fill="none"
          stroke="currentColor"
          strokeWidth="1.8"
          strokeLinecap="round"
        />
      )}
    </svg>
  );
}
