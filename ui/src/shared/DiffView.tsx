import type { DiffHunk } from "../bindings";
import { hunkHeader, numberLines } from "./diff";
import { DiffRow } from "./DiffRow";
import "./history.css";

/** A unified diff from hunks: line numbers on both sides, added and removed lines coloured. */
export function DiffView({ hunks, label }: { hunks: readonly DiffHunk[]; label: string }) {
  if (hunks.length === 0) {
    return (
      <p className="diff-same muted small" data-testid="memory-diff" data-empty="true">
        No differences: both versions have the same text.
      </p>
    );
  }
  return (
    <div className="diff" data-testid="memory-diff" role="table" aria-label={label}>
      {hunks.map((hunk, h) => (
        <div className="diff-hunk" role="rowgroup" key={h}>
          <div className="diff-hunk-header mono" role="row">
            <span role="cell">{hunkHeader(hunk)}</span>
          </div>
          {numberLines(hunk).map((line, i) => (
            <DiffRow key={i} line={line} />
          ))}
        </div>
      ))}
    </div>
  );
}
