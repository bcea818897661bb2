import type { DiffLineKind, FileChange, FileOp, HunkDecision, Proposal, ProposalHunk } from "../../bindings";
import { applyChosen } from "../../shared/proposal";
import { numberLines, type NumberedLine } from "../../shared/diff";

/**
 * The review of a proposal as pure functions of the proposal the core returns: how many hunks
 * stand where, the order the keyboard walks them in, what Accept all / Reject all send, what
 * Apply would write, the lines a hunk shows (unified, side by side, edited) and a conflict's
 * two sides. The core keeps the decisions; nothing here is state of its own.
 */

export type DecisionCounts = Record<HunkDecision, number> & { total: number };

export function countDecisions(hunks: Iterable<ProposalHunk>): DecisionCounts {
  const counts: DecisionCounts = { pending: 0, accepted: 0, rejected: 0, applied: 0, conflict: 0, total: 0 };
  for (const hunk of hunks) {
    counts[hunk.decision] += 1;
    counts.total += 1;
  }
  return counts;
}

export function allHunks(proposal: Proposal): ProposalHunk[] {
  return proposal.files.flatMap((file) => file.hunks);
}

/** Counts over the whole proposal. */
export function proposalCounts(proposal: Proposal): DecisionCounts {
  return countDecisions(allHunks(proposal));
}

/** Whether hunks can still be decided: the proposal waits for review. */
export function reviewable(proposal: Proposal): boolean {
  return proposal.status === "ready";
}

/** Whether a hunk can be edited before it is accepted: a delete or a rename has no text to edit. */
export function editable(file: FileChange): boolean {
  return file.op === "create" || file.op === "update";
}

/** The hunk ids in review order: file by file as listed, top to bottom within each. */
export function hunkOrder(proposal: Proposal): string[] {
  return allHunks(proposal).map((hunk) => hunk.id);
}

/**
 * The hunk one step after (`1`) or before (`-1`) `current` in review order, across files. From
 * nothing (or a hunk no longer there) a step forward lands on the first hunk, back on the last;
 * at either end it stays. `null` only when there are no hunks.
 */
export function stepHunk(proposal: Proposal, current: string | null, step: 1 | -1): string | null {
  const order = hunkOrder(proposal);
  if (order.length === 0) return null;
  const at = current === null ? -1 : order.indexOf(current);
  if (at === -1) return step === 1 ? order[0]! : order[order.length - 1]!;
  return order[Math.min(Math.max(at + step, 0), order.length - 1)]!;
}

/** The first hunk still undecided after `current` (wrapping around), or null when all are decided. */
export function nextUndecided(proposal: Proposal, current: string | null): string | null {
  const hunks = allHunks(proposal);
  const at = current === null ? -1 : hunks.findIndex((h) => h.id === current);
  for (let i = 1; i <= hunks.length; i++) {
    const hunk = hunks[(at + i + hunks.length) % hunks.length]!;
    if (hunk.decision === "pending") return hunk.id;
  }
  return null;
}

/** The hunks Accept all (or Reject all) changes: every hunk not already so, while the proposal waits. */
export function bulkTargets(proposal: Proposal, decision: "accepted" | "rejected"): string[] {
  if (!reviewable(proposal)) return [];
  return allHunks(proposal)
    .filter((hunk) => hunk.decision !== decision)
    .map((hunk) => hunk.id);
}

/** What becomes of one file when the proposal is applied as decided now. */
export interface FilePlan {
  path: string;
  previousPath: string | null;
  op: FileOp;
  /** Hunks written. */
  accepted: number;
  /** Hunks left out: rejected, and undecided ones (Apply counts them as rejected). */
  leftOut: number;
  /** What the write does to the file; `none` when nothing of it is accepted. */
  outcome: FileOp | "none";
  /** The file's text after Apply (null when it is deleted or untouched). */
  content: string | null;
}

export interface ApplyPlan {
  files: FilePlan[];
  accepted: number;
  rejected: number;
  /** Undecided hunks: Apply leaves them out like rejected ones. */
  pending: number;
  /** Files Apply writes (a new version each). */
  writes: number;
}

/**
 * What Apply would write from the decisions as they stand, computed as the engine does when no
 * file changed since the dream (a file edited since may rebase or conflict, which only Apply knows).
 */
export function applyPlan(proposal: Proposal): ApplyPlan {
  const files = proposal.files.map((file): FilePlan => {
    const counts = countDecisions(file.hunks);
    const plan: FilePlan = {
      path: file.path,
      previousPath: file.previous_path ?? null,
      op: file.op,
      accepted: counts.accepted,
      leftOut: counts.rejected + counts.pending,
      outcome: "none",
      content: null,
    };
    if (counts.accepted === 0) return plan;
    if (file.op === "delete" || file.op === "rename") {
      return { ...plan, outcome: file.op, content: file.op === "rename" ? file.new_content : null };
    }
    const text = applyChosen(file, (hunk) => hunk.decision === "accepted");
    if (text.trim() === "") return { ...plan, outcome: file.op === "update" ? "delete" : "none" };
    return { ...plan, outcome: file.op, content: text };
  });
  const counts = proposalCounts(proposal);
  return {
    files,
    accepted: counts.accepted,
    rejected: counts.rejected,
    pending: counts.pending,
    writes: files.filter((f) => f.outcome !== "none").length,
  };
}

/** A text's lines, without their line breaks (a final break starts no line). */
export function textLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** The lines a hunk writes: the user's edit when there is one, else its context and added lines. */
export function newSide(hunk: ProposalHunk): string[] {
  if (hunk.edited !== undefined) return textLines(hunk.edited);
  return hunk.hunk.lines.filter((line) => line.kind !== "removed").map((line) => line.text);
}

/** The text Edit starts from: what the hunk writes now. */
export function editStart(hunk: ProposalHunk): string {
  return newSide(hunk).join("\n");
}

/**
 * The lines a hunk shows, numbered in the old and new file. An edited hunk shows its old side
 * against the edit: lines both share at the start and the end as context, the rest removed
 * then added (a hunk is small; the engine diffs files, not edits).
 */
export function shownLines(hunk: ProposalHunk): NumberedLine[] {
  if (hunk.edited === undefined) return numberLines(hunk.hunk);
  const older = hunk.hunk.lines.filter((line) => line.kind !== "added").map((line) => line.text);
  const newer = textLines(hunk.edited);
  let head = 0;
  while (head < older.length && head < newer.length && older[head] === newer[head]) head++;
  let tail = 0;
  while (
    tail < older.length - head &&
    tail < newer.length - head &&
    older[older.length - 1 - tail] === newer[newer.length - 1 - tail]
  )
    tail++;
  const lines: Array<{ kind: DiffLineKind; text: string }> = [
    ...older.slice(0, head).map((text) => ({ kind: "context" as const, text })),
    ...older.slice(head, older.length - tail).map((text) => ({ kind: "removed" as const, text })),
    ...newer.slice(head, newer.length - tail).map((text) => ({ kind: "added" as const, text })),
    ...older.slice(older.length - tail).map((text) => ({ kind: "context" as const, text })),
  ];
  // A side that starts empty is numbered from the line before it, as a unified diff does.
  const newStart = hunk.hunk.new_lines === 0 && newer.length > 0 ? hunk.hunk.new_start + 1 : hunk.hunk.new_start;
  return numberLines({ ...hunk.hunk, new_start: newStart, lines });
}

export interface SideCell {
  no: number;
  text: string;
  kind: DiffLineKind;
}

/** One row of the side-by-side view: the old line on the left, the new one on the right. */
export interface SplitRow {
  left: SideCell | null;
  right: SideCell | null;
}

/** Side-by-side rows: context on both sides, each run of removed lines beside the added lines after it. */
export function splitRows(lines: readonly NumberedLine[]): SplitRow[] {
  const rows: SplitRow[] = [];
  let removed: SideCell[] = [];
  let added: SideCell[] = [];
  const flush = () => {
    for (let i = 0; i < Math.max(removed.length, added.length); i++) {
      rows.push({ left: removed[i] ?? null, right: added[i] ?? null });
    }
    removed = [];
    added = [];
  };
  for (const line of lines) {
    if (line.kind === "removed") {
      if (added.length > 0) flush();
      removed.push({ no: line.old ?? 0, text: line.text, kind: "removed" });
    } else if (line.kind === "added") {
      added.push({ no: line.new ?? 0, text: line.text, kind: "added" });
    } else {
      flush();
      rows.push({
        left: { no: line.old ?? 0, text: line.text, kind: "context" },
        right: { no: line.new ?? 0, text: line.text, kind: "context" },
      });
    }
  }
  flush();
  return rows;
}

/** A hunk that no longer applied: what the dream meant to write there, and what the file holds now. */
export interface ConflictView {
  hunkId: string;
  path: string;
  /** The lines the hunk would have written. */
  proposed: string[];
  /** The file's lines where the hunk was meant to go, as they are now (empty: the file is gone). */
  theirs: string[];
  /** Where in the old file the hunk began. */
  line: number;
}

export function conflictView(file: FileChange, hunk: ProposalHunk): ConflictView {
  return {
    hunkId: hunk.id,
    path: file.path,
    proposed: file.op === "rename" || file.op === "delete" ? [] : newSide(hunk),
    theirs: textLines(hunk.theirs ?? ""),
    line: hunk.hunk.old_start,
  };
}

/** Every conflict of an applied proposal, in review order. */
export function conflicts(proposal: Proposal): ConflictView[] {
  return proposal.files.flatMap((file) =>
    file.hunks.filter((h) => h.decision === "conflict").map((h) => conflictView(file, h)),
  );
}

/** Files of the proposal Apply wrote to (a hunk of theirs applied): each one links to the Memory page. */
export function appliedFiles(proposal: Proposal): FileChange[] {
  return proposal.files.filter((file) => file.hunks.some((h) => h.decision === "applied"));
}

/** The file a hunk belongs to. */
export function fileOf(proposal: Proposal, hunkId: string): FileChange | null {
  return proposal.files.find((file) => file.hunks.some((h) => h.id === hunkId)) ?? null;
}
