import type { DiffHunk } from "../../bindings";
import { hunkHeader, numberLines } from "./history";

const SIGNS = { context: " ", added: "+", removed: "−" } as const;

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
            <div key={i} className={`diff-line diff-${line.kind}`} role="row" data-testid="diff-line" data-kind={line.kind}>
              <span className="diff-no" role="cell" aria-label={line.old === null ? "added" : `old line ${line.old}`}>
                {line.old ?? ""}
              </span>
              <span className="diff-no" role="cell" aria-label={line.new === null ? "removed" : `new line ${line.new}`}>
                {line.new ?? ""}
              </span>
              <span className="diff-sign" role="cell" aria-hidden="true">
                {SIGNS[line.kind]}
              </span>
              <span className="diff-text" role="cell">
                {line.text === "" ? "\u00a0" : line.text}
              </span>
            </div>
          ))}
        </div>
      ))}
    </div>
  );
}
