import type { FileChange, ProposalHunk } from "../bindings";

/**
 * A proposal's arithmetic, as the engine does it (`engine::dream::proposal`): a hunk's two
 * sides, the content a subset of hunks makes, and a hunk placed on a file that changed since.
 * The review uses it to say what Apply would write; the memory backend to apply and rebase.
 */

/** Lines with their endings, so a file is rebuilt character for character. */
export function linesOf(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let at = text.indexOf("\n"); at !== -1; at = text.indexOf("\n", start)) {
    out.push(text.slice(start, at + 1));
    start = at + 1;
  }
  if (start < text.length) out.push(text.slice(start));
  return out;
}

function slice(all: readonly string[], start: number, length: number): string {
  const from = Math.max(start, 1) - 1;
  return all.slice(Math.min(from, all.length), Math.min(from + length, all.length)).join("");
}

/** The hunk's old side (what it replaces) and new side (what it writes: the edit, if any), as text. */
export function sides(change: FileChange, hunk: ProposalHunk): [string, string] {
  const h = hunk.hunk;
  const oldSide = slice(linesOf(change.old_content), h.old_start, h.old_lines);
  let newSide: string;
  if (hunk.edited !== undefined) {
    newSide = hunk.edited === "" || hunk.edited.endsWith("\n") ? hunk.edited : `${hunk.edited}\n`;
  } else {
    newSide = slice(linesOf(change.new_content), h.new_start, h.new_lines);
  }
  return [oldSide, newSide];
}

/** The base content with the chosen hunks applied and the others left as they were. */
export function applyChosen(change: FileChange, chosen: (hunk: ProposalHunk) => boolean): string {
  const base = linesOf(change.old_content);
  let out = "";
  let at = 0;
  for (const hunk of change.hunks) {
    const h = hunk.hunk;
    // A pure insertion goes after line `old_start`.
    let start =
      h.old_lines === 0 && h.old_start > 0 && base.length >= h.old_start ? h.old_start : Math.max(h.old_start, 1) - 1;
    start = Math.min(Math.max(start, at), base.length);
    out += base.slice(at, start).join("");
    const end = Math.min(start + h.old_lines, base.length);
    out += chosen(hunk) ? sides(change, hunk)[1] : base.slice(start, end).join("");
    at = end;
  }
  return out + base.slice(Math.min(at, base.length)).join("");
}

/**
 * Replaces the hunk's old side in `current` with its new side when it is found there exactly
 * once (the file changed elsewhere). As `patch` does, the context around the change may have
 * changed too: it is let go one line a side at a time while some line still anchors the hunk.
 * An edited hunk moves only with its whole context. `null` when it can't be placed.
 */
export function rebase(current: string, change: FileChange, hunk: ProposalHunk): string | null {
  const [oldSide, newSide] = sides(change, hunk);
  const older = linesOf(oldSide);
  const newer = linesOf(newSide);
  const kinds = hunk.hunk.lines;
  let lead = 0;
  while (lead < kinds.length && kinds[lead]?.kind === "context") lead++;
  let trail = 0;
  while (trail < kinds.length - lead && kinds[kinds.length - 1 - trail]?.kind === "context") trail++;
  const most = hunk.edited !== undefined ? 0 : Math.max(lead, trail);
  for (let fuzz = 0; fuzz <= most; fuzz++) {
    const l = Math.min(fuzz, lead);
    const t = Math.min(fuzz, trail);
    if (older.length < l + t || newer.length < l + t) break;
    const oldPart = older.slice(l, older.length - t).join("");
    const newPart = newer.slice(l, newer.length - t).join("");
    if (oldPart === "") {
      if (current === "" && fuzz === 0) return newPart;
      break;
    }
    const at = current.indexOf(oldPart);
    if (at === -1) continue;
    if (current.indexOf(oldPart, at + oldPart.length) !== -1) return null;
    return current.slice(0, at) + newPart + current.slice(at + oldPart.length);
  }
  return null;
}

/** The lines of `current` where a hunk was meant to go: what a conflict shows beside it. */
export function around(current: string, hunk: ProposalHunk["hunk"]): string {
  const all = linesOf(current);
  const from = Math.max(hunk.old_start, 1) - 1;
  const to = Math.min(from + Math.max(hunk.old_lines, 1), all.length);
  return all.slice(Math.min(from, all.length), to).join("");
}
