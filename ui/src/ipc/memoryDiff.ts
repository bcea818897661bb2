import type { DiffHunk, DiffLine } from "../bindings";

/**
 * A small line diff for the memory backend only (the app's diff is computed in Rust): the
 * longest common subsequence of lines, grouped into unified hunks with `context` lines around
 * each change. Memory files are at most 100 kB, so a quadratic table is fine here.
 */
export function diffLines(before: string, after: string, context = 3): DiffHunk[] {
  const a = splitLines(before);
  const b = splitLines(after);
  const script = editScript(a, b);
  return hunks(script, context);
}

/** Lines without their line breaks; a final line break does not start another line. */
export function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

function editScript(a: string[], b: string[]): DiffLine[] {
  // Common prefix and suffix first: most edits touch a few lines of a longer file.
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  const n = midA.length;
  const m = midB.length;
  // lcs[i][j]: the longest common subsequence of midA[i..] and midB[j..].
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    const row = lcs[i]!;
    const below = lcs[i + 1]!;
    for (let j = m - 1; j >= 0; j--) {
      row[j] = midA[i] === midB[j] ? below[j + 1]! + 1 : Math.max(below[j]!, row[j + 1]!);
    }
  }
  const out: DiffLine[] = a.slice(0, start).map((text) => ({ kind: "context", text }));
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && midA[i] === midB[j]) {
      out.push({ kind: "context", text: midA[i]! });
      i++;
      j++;
    } else if (j < m && (i === n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) {
      out.push({ kind: "added", text: midB[j]! });
      j++;
    } else {
      out.push({ kind: "removed", text: midA[i]! });
      i++;
    }
  }
  for (const text of a.slice(endA)) out.push({ kind: "context", text });
  // The walk may interleave removals and additions; each change reads best removals first.
  return regroup(out);
}

/** Within each run of changed lines, removed lines first, then added ones. */
function regroup(lines: DiffLine[]): DiffLine[] {
  const out: DiffLine[] = [];
  let removed: DiffLine[] = [];
  let added: DiffLine[] = [];
  const flush = () => {
    out.push(...removed, ...added);
    removed = [];
    added = [];
  };
  for (const line of lines) {
    if (line.kind === "removed") removed.push(line);
    else if (line.kind === "added") added.push(line);
    else {
      flush();
      out.push(line);
    }
  }
  flush();
  return out;
}

function hunks(script: DiffLine[], context: number): DiffHunk[] {
  const changed = script.flatMap((line, index) => (line.kind === "context" ? [] : [index]));
  if (changed.length === 0) return [];
  // Ranges of the script to show: each change with its context, merged when they touch.
  const ranges: Array<[number, number]> = [];
  for (const index of changed) {
    const from = Math.max(0, index - context);
    const to = Math.min(script.length, index + context + 1);
    const last = ranges[ranges.length - 1];
    if (last && from <= last[1]) last[1] = Math.max(last[1], to);
    else ranges.push([from, to]);
  }
  // Line numbers (1-based) of the script's positions in the old and the new text.
  const oldBefore: number[] = [];
  const newBefore: number[] = [];
  let oldCount = 0;
  let newCount = 0;
  for (const line of script) {
    oldBefore.push(oldCount);
    newBefore.push(newCount);
    if (line.kind !== "added") oldCount++;
    if (line.kind !== "removed") newCount++;
  }
  return ranges.map(([from, to]) => {
    const lines = script.slice(from, to);
    const oldLines = lines.filter((l) => l.kind !== "added").length;
    const newLines = lines.filter((l) => l.kind !== "removed").length;
    // As in a unified diff, an empty side starts at the line before the hunk.
    const oldStart = oldBefore[from]! + (oldLines === 0 ? 0 : 1);
    const newStart = newBefore[from]! + (newLines === 0 ? 0 : 1);
    return { old_start: oldStart, old_lines: oldLines, new_start: newStart, new_lines: newLines, lines };
  });
}
