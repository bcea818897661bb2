import type { DiffHunk, DiffLineKind } from "../bindings";

export interface NumberedLine {
  kind: DiffLineKind;
  text: string;
  /** Line number in the older text (null for an added line). */
  old: number | null;
  /** Line number in the newer text (null for a removed line). */
  new: number | null;
}

/** Each line of a hunk with its numbers in the old and new text, counted from the hunk's starts. */
export function numberLines(hunk: DiffHunk): NumberedLine[] {
  let old = hunk.old_start;
  let next = hunk.new_start;
  return hunk.lines.map((line) => {
    switch (line.kind) {
      case "context":
        return { kind: line.kind, text: line.text, old: old++, new: next++ };
      case "removed":
        return { kind: line.kind, text: line.text, old: old++, new: null };
      case "added":
        return { kind: line.kind, text: line.text, old: null, new: next++ };
    }
  });
}

/**
 * "@@ -3,7 +3,8 @@", as a unified diff heads a hunk. An empty side starts at the line before
 * it, as diff tools print it ("@@ -0,0 +1,3 @@" for a new file).
 */
export function hunkHeader(hunk: DiffHunk): string {
  const side = (start: number, lines: number) => `${lines === 0 ? Math.max(start - 1, 0) : start},${lines}`;
  return `@@ -${side(hunk.old_start, hunk.old_lines)} +${side(hunk.new_start, hunk.new_lines)} @@`;
}

/** "+3 −1": what a diff adds and removes. */
export function diffStat(hunks: readonly DiffHunk[]): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const hunk of hunks) {
    for (const line of hunk.lines) {
      if (line.kind === "added") added++;
      else if (line.kind === "removed") removed++;
    }
  }
  return { added, removed };
}
