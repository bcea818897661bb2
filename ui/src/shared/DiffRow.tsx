import type { DiffLineKind } from "../bindings";

/** The sign before a line of a diff. */
export const DIFF_SIGNS = { context: " ", added: "+", removed: "−" } as const satisfies Record<DiffLineKind, string>;

interface DiffRowProps {
  line: {
    kind: DiffLineKind;
    text: string;
    /** Line number in the older text (null for an added line). */
    old: number | null;
    /** Line number in the newer text (null for a removed line). */
    new: number | null;
  };
}

/** One line of a unified diff: its numbers on both sides, its sign and its text, coloured by kind. */
export function DiffRow({ line }: DiffRowProps) {
  return (
    <div className={`diff-line diff-${line.kind}`} role="row" data-testid="diff-line" data-kind={line.kind}>
      <span className="diff-no" role="cell" aria-label={line.old === null ? "added" : `old line ${line.old}`}>
        {line.old ?? ""}
      </span>
      <span className="diff-no" role="cell" aria-label={line.new === null ? "removed" : `new line ${line.new}`}>
        {line.new ?? ""}
      </span>
      <span className="diff-sign" role="cell" aria-hidden="true">
        {DIFF_SIGNS[line.kind]}
      </span>
      <span className="diff-text" role="cell">
        {line.text === "" ? "\u00a0" : line.text}
      </span>
    </div>
  );
}
