import type { FileChange, SessionSummary } from "../../bindings";
import type { ReviewDecision } from "../../ipc";
import { InlineCode } from "../../shared/InlineCode";
import { useNavigation } from "../../shared/navigation";
import { EvidenceList } from "./Evidence";
import { changeCount, OP_LABELS, OP_SIGNS } from "./format";
import { HunkView, type Layout } from "./HunkView";
import { countDecisions, type DecisionCounts } from "./review";

interface ProposalFileProps {
  file: FileChange;
  storeId: string;
  layout: Layout;
  reviewable: boolean;
  current: string | null;
  editing: string | null;
  busy: string | null;
  sessions: ReadonlyMap<string, SessionSummary> | null;
  /** Where each hunk's element goes, for the keyboard to scroll to. */
  hunkRef(id: string, element: HTMLDivElement | null): void;
  onSelect(id: string): void;
  onDecide(id: string, decision: ReviewDecision, edited?: string): void;
  onEdit(id: string): void;
  onCloseEditor(): void;
}

/** One file of a proposal: its hunks, and beside them why (the rationale) and the quotes behind it. */
export function ProposalFile(props: ProposalFileProps) {
  const { file, storeId, layout, reviewable, current, editing, busy, sessions } = props;
  const { navigate } = useNavigation();
  const counts = countDecisions(file.hunks);
  const written = file.hunks.some((h) => h.decision === "applied");
  return (
    <section
      className="card proposal-file"
      id={`proposal-file-${file.hunks[0]?.id.split(".")[0] ?? file.path}`}
      aria-label={`${OP_LABELS[file.op]}: ${file.path}`}
      data-testid="proposal-file"
      data-path={file.path}
      data-op={file.op}
    >
      <header className="proposal-file-head">
        <FilePath file={file} />
        <span className="muted small">
          {OP_LABELS[file.op]} · {changeCount(file.hunks.length)}
        </span>
        <DecisionSummary counts={counts} />
        {written && file.op !== "delete" && (
          <button
            type="button"
            className="button button-small proposal-file-open"
            onClick={() => navigate("memory", "open-memory-file", storeId, { path: file.path })}
            data-testid="open-in-memory"
            data-path={file.path}
          >
            Open in Memory
          </button>
        )}
      </header>
      <div className="proposal-file-body">
        <div className="proposal-hunks">
          {file.hunks.map((hunk, index) => (
            <HunkView
              key={hunk.id}
              ref={(element) => props.hunkRef(hunk.id, element)}
              file={file}
              hunk={hunk}
              index={index + 1}
              count={file.hunks.length}
              layout={layout}
              current={current === hunk.id}
              reviewable={reviewable}
              editing={editing === hunk.id}
              busy={busy === hunk.id || busy === "all"}
              onSelect={() => props.onSelect(hunk.id)}
              onDecide={(decision, edited) => props.onDecide(hunk.id, decision, edited)}
              onEdit={() => props.onEdit(hunk.id)}
              onCloseEditor={props.onCloseEditor}
            />
          ))}
        </div>
        <aside className="proposal-why" aria-label={`Why ${file.path} changes`}>
          <h3 className="why-title">Why</h3>
          <p className="why-text selectable" data-testid="proposal-rationale">
            {file.rationale ? <InlineCode text={file.rationale} /> : "The dream gave no reason."}
          </p>
          <h3 className="why-title">
            Evidence {file.evidence.length > 0 && <span className="muted why-count">{file.evidence.length}</span>}
          </h3>
          <EvidenceList evidence={file.evidence} sessions={sessions} />
        </aside>
      </div>
    </section>
  );
}

/** `style.md → project/style.md`, or the path alone. */
export function FilePath({ file }: { file: FileChange }) {
  return (
    <span className="proposal-path">
      <span className={`op-sign op-${file.op}`} aria-hidden="true">
        {OP_SIGNS[file.op]}
      </span>
      {file.previous_path !== undefined && (
        <>
          <span className="mono path-old">{file.previous_path}</span>
          <span className="path-arrow" aria-label="renamed to">
            →
          </span>
        </>
      )}
      <span className="mono path-new">{file.path}</span>
    </span>
  );
}

/** "1 accepted · 2 to review": the decisions on a set of hunks, each in its colour. */
export function DecisionSummary({ counts }: { counts: DecisionCounts }) {
  const parts: Array<[keyof DecisionCounts, string]> = [
    ["applied", "applied"],
    ["conflict", counts.conflict === 1 ? "conflict" : "conflicts"],
    ["accepted", "accepted"],
    ["rejected", "rejected"],
    ["pending", "to review"],
  ];
  return (
    <span className="decision-summary small" data-testid="decision-summary">
      {parts
        .filter(([key]) => counts[key] > 0)
        .map(([key, label]) => (
          <span key={key} className={`decision-count decision-${key}`}>
            {counts[key]} {label}
          </span>
        ))}
    </span>
  );
}
