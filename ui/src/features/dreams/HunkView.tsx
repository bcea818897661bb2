import { useEffect, useRef, useState, type Ref } from "react";
import type { FileChange, ProposalHunk } from "../../bindings";
import type { ReviewDecision } from "../../ipc";
import { DIFF_SIGNS, DiffRow } from "../../shared/DiffRow";
import { MarkdownEditor, type MarkdownEditorHandle } from "../../shared/MarkdownEditor";
import { Spinner } from "../../shared/Spinner";
import { hunkHeader, type NumberedLine } from "../../shared/diff";
import { DECISION_LABELS } from "./format";
import { conflictView, editable, editStart, shownLines, splitRows } from "./review";

export type Layout = "unified" | "split";

interface HunkViewProps {
  file: FileChange;
  hunk: ProposalHunk;
  /** Its place in the file, from 1, and how many hunks the file has. */
  index: number;
  count: number;
  layout: Layout;
  /** The hunk the keyboard acts on. */
  current: boolean;
  /** Decisions can still be made (the proposal waits for review). */
  reviewable: boolean;
  editing: boolean;
  /** A decision on this hunk is on its way to the core. */
  busy: boolean;
  onSelect(): void;
  onDecide(decision: ReviewDecision, edited?: string): void;
  onEdit(): void;
  onCloseEditor(): void;
  ref?: Ref<HTMLDivElement>;
}

/** One hunk of a proposed change: its lines (unified or side by side), its decision, and its actions. */
export function HunkView({
  file,
  hunk,
  index,
  count,
  layout,
  current,
  reviewable,
  editing,
  busy,
  onSelect,
  onDecide,
  onEdit,
  onCloseEditor,
  ref,
}: HunkViewProps) {
  const rename = file.op === "rename";
  const where = `Change ${index} of ${count} in ${file.path}`;
  return (
    <div
      ref={ref}
      className={["phunk", current ? "is-current" : "", `phunk-${hunk.decision}`].filter(Boolean).join(" ")}
      tabIndex={-1}
      role="group"
      aria-label={`${where}: ${DECISION_LABELS[hunk.decision].toLowerCase()}`}
      aria-current={current ? "true" : undefined}
      onMouseDown={onSelect}
      onFocus={onSelect}
      data-testid="proposal-hunk"
      data-hunk-id={hunk.id}
      data-decision={hunk.decision}
      data-edited={hunk.edited !== undefined ? "true" : undefined}
      data-current={current ? "true" : undefined}
    >
      <div className="phunk-head">
        <span className="phunk-range mono">{rename ? "Rename" : hunkHeader(hunk.hunk)}</span>
        <span className={`decision-tag decision-${hunk.decision}`} data-testid="hunk-decision">
          {DECISION_LABELS[hunk.decision]}
        </span>
        {hunk.edited !== undefined && (
          <span className="decision-tag decision-edited" title="You edited what this change writes">
            Edited by you
          </span>
        )}
        {reviewable && !editing && (
          <div className="phunk-actions">
            {busy && <Spinner label="Saving the decision" />}
            <button
              type="button"
              className="button button-small phunk-accept"
              aria-pressed={hunk.decision === "accepted"}
              onClick={() => onDecide(hunk.decision === "accepted" ? "pending" : "accepted")}
              disabled={busy}
              title={hunk.decision === "accepted" ? "Accepted; click to undo (u)" : "Accept this change (a)"}
              data-testid="hunk-accept"
            >
              {hunk.decision === "accepted" ? "Accepted ✓" : "Accept"}
            </button>
            <button
              type="button"
              className="button button-small phunk-reject"
              aria-pressed={hunk.decision === "rejected"}
              onClick={() => onDecide(hunk.decision === "rejected" ? "pending" : "rejected")}
              disabled={busy}
              title={hunk.decision === "rejected" ? "Rejected; click to undo (u)" : "Reject this change (r)"}
              data-testid="hunk-reject"
            >
              {hunk.decision === "rejected" ? "Rejected ✗" : "Reject"}
            </button>
            {editable(file) && (
              <button
                type="button"
                className="button button-small button-quiet"
                onClick={onEdit}
                disabled={busy}
                title="Change what this hunk writes, then accept it (e)"
                data-testid="hunk-edit"
              >
                Edit…
              </button>
            )}
          </div>
        )}
      </div>

      {editing ? (
        <HunkEditor
          hunk={hunk}
          where={where}
          busy={busy}
          onSave={(text) => onDecide("accepted", text)}
          onCancel={onCloseEditor}
        />
      ) : hunk.decision === "conflict" ? (
        <ConflictSides file={file} hunk={hunk} />
      ) : rename ? (
        <p className="phunk-rename small">
          <span className="mono">{file.previous_path}</span> <span aria-label="becomes">→</span>{" "}
          <span className="mono">{file.path}</span>
          <span className="muted">: the content stays as it is.</span>
        </p>
      ) : layout === "unified" ? (
        <UnifiedLines lines={shownLines(hunk)} label={where} />
      ) : (
        <SplitLines lines={shownLines(hunk)} label={where} />
      )}
    </div>
  );
}

function UnifiedLines({ lines, label }: { lines: readonly NumberedLine[]; label: string }) {
  return (
    <div className="diff phunk-diff" role="table" aria-label={label} data-testid="hunk-unified">
      {lines.map((line, i) => (
        <DiffRow key={i} line={line} />
      ))}
    </div>
  );
}

function SplitLines({ lines, label }: { lines: readonly NumberedLine[]; label: string }) {
  const rows = splitRows(lines);
  return (
    <div
      className="diff phunk-diff split-diff"
      role="table"
      aria-label={`${label}, side by side`}
      data-testid="hunk-split"
    >
      <div className="split-row split-heads" role="row">
        <span role="columnheader">Now</span>
        <span role="columnheader">Proposed</span>
      </div>
      {rows.map((row, i) => (
        <div key={i} className="split-row" role="row">
          {[row.left, row.right].map((cell, side) =>
            cell ? (
              <span key={side} className={`split-cell diff-${cell.kind}`} role="cell" data-kind={cell.kind}>
                <span className="diff-no">{cell.no}</span>
                <span className="diff-sign" aria-hidden="true">
                  {DIFF_SIGNS[cell.kind]}
                </span>
                <span className="diff-text">{cell.text === "" ? "\u00a0" : cell.text}</span>
              </span>
            ) : (
              <span key={side} className="split-cell split-empty" role="cell" aria-label="no line" />
            ),
          )}
        </div>
      ))}
    </div>
  );
}

/** A conflict: what the dream meant to write, beside what the file holds there now. */
function ConflictSides({ file, hunk }: { file: FileChange; hunk: ProposalHunk }) {
  const view = conflictView(file, hunk);
  const gone = hunk.theirs === undefined;
  return (
    <div className="conflict-sides" data-testid="hunk-conflict">
      <p className="conflict-note small">
        {gone
          ? `${file.previous_path ?? file.path} is gone or was replaced since the dream, so this change was not applied.`
          : `${file.path} changed here since the dream, so this change no longer fits. Nothing was written over it; copy what you want to keep into the file on the Memory page.`}
      </p>
      <div className="conflict-columns">
        <div className="conflict-side" data-testid="conflict-proposed">
          <p className="conflict-side-title">The dream proposed</p>
          {file.op === "rename" || file.op === "delete" ? (
            <pre className="conflict-text selectable">
              {file.op === "rename" ? `Rename to ${file.path}` : "Delete the file"}
            </pre>
          ) : (
            <ConflictLines lines={view.proposed} other={view.theirs} empty="(nothing)" />
          )}
        </div>
        <div className="conflict-side" data-testid="conflict-theirs">
          <p className="conflict-side-title">The file now{view.line > 0 && !gone ? `, from line ${view.line}` : ""}</p>
          {gone ? (
            <pre className="conflict-text">(no such file)</pre>
          ) : (
            <ConflictLines lines={view.theirs} other={view.proposed} empty="(empty)" />
          )}
        </div>
      </div>
    </div>
  );
}

/** One side of a conflict, its lines the other side lacks marked. */
function ConflictLines({ lines, other, empty }: { lines: readonly string[]; other: readonly string[]; empty: string }) {
  const shared = new Set(other);
  if (lines.length === 0) return <pre className="conflict-text">{empty}</pre>;
  return (
    <pre className="conflict-text selectable">
      {lines.map((line, i) => (
        <span
          key={i}
          className={shared.has(line) ? "conflict-line" : "conflict-line conflict-only"}
          data-only={shared.has(line) ? undefined : "true"}
        >
          {line === "" ? "\u00a0" : line}
        </span>
      ))}
    </pre>
  );
}

/** Edit, then accept: the hunk's new side in the editor; Save accepts the hunk with that text. */
function HunkEditor({
  hunk,
  where,
  busy,
  onSave,
  onCancel,
}: {
  hunk: ProposalHunk;
  where: string;
  busy: boolean;
  onSave(text: string): void;
  onCancel(): void;
}) {
  const [text, setText] = useState(() => editStart(hunk));
  const editor = useRef<MarkdownEditorHandle>(null);
  useEffect(() => {
    editor.current?.goToLine(1);
  }, []);
  return (
    <div
      className="phunk-editor"
      onKeyDown={(event) => {
        if (event.key === "Escape") {
          event.preventDefault();
          onCancel();
        }
      }}
    >
      <p className="field-hint">
        What this change writes, its unchanged lines around it included. <strong>Save</strong> accepts it with your
        text; Esc leaves it as it was.
      </p>
      <MarkdownEditor
        ref={editor}
        initial={text}
        onChange={setText}
        onSave={() => onSave(text)}
        label={`${where}: the text it writes`}
        testId="hunk-editor"
        className="hunk-editor"
      />
      <div className="row-actions">
        <button
          type="button"
          className="button button-small button-primary"
          onClick={() => onSave(text)}
          disabled={busy}
          data-testid="hunk-edit-save"
        >
          {busy && <Spinner />}
          Save and accept
        </button>
        <button
          type="button"
          className="button button-small button-quiet"
          onClick={onCancel}
          disabled={busy}
          data-testid="hunk-edit-cancel"
        >
          Cancel
        </button>
      </div>
    </div>
  );
}
