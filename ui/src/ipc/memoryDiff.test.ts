import { describe, expect, it } from "vitest";
import { diffLines, splitLines } from "./memoryDiff";

const lines = (n: number) => Array.from({ length: n }, (_, i) => `line ${i + 1}`);
const text = (ls: string[]) => `${ls.join("\n")}\n`;

describe("memory backend's line diff", () => {
  it("has no hunks for the same text", () => {
    expect(diffLines("a\nb\n", "a\nb\n")).toEqual([]);
    expect(diffLines("", "")).toEqual([]);
  });

  it("splits lines without a final empty one", () => {
    expect(splitLines("a\nb\n")).toEqual(["a", "b"]);
    expect(splitLines("a\r\nb")).toEqual(["a", "b"]);
    expect(splitLines("")).toEqual([]);
  });

  it("shows a change with three lines of context, removed before added", () => {
    const before = lines(10);
    const after = [...before];
    after[4] = "line five";
    expect(diffLines(text(before), text(after))).toEqual([
      {
        old_start: 2,
        old_lines: 7,
        new_start: 2,
        new_lines: 7,
        lines: [
          { kind: "context", text: "line 2" },
          { kind: "context", text: "line 3" },
          { kind: "context", text: "line 4" },
          { kind: "removed", text: "line 5" },
          { kind: "added", text: "line five" },
          { kind: "context", text: "line 6" },
          { kind: "context", text: "line 7" },
          { kind: "context", text: "line 8" },
        ],
      },
    ]);
  });

  it("makes two hunks for changes far apart and one for changes close together", () => {
    const before = lines(30);
    const far = before.map((l, i) => (i === 2 || i === 25 ? `${l}!` : l));
    expect(diffLines(text(before), text(far)).map((h) => [h.old_start, h.old_lines])).toEqual([
      [1, 6],
      [23, 7],
    ]);
    const near = before.map((l, i) => (i === 10 || i === 15 ? `${l}!` : l));
    expect(
      diffLines(text(before), text(near)).map((h) => [h.old_start, h.old_lines, h.new_start, h.new_lines]),
    ).toEqual([[8, 12, 8, 12]]);
  });

  it("counts an empty side from 0, as a unified diff does", () => {
    expect(diffLines("", "a\nb\n")).toEqual([
      {
        old_start: 0,
        old_lines: 0,
        new_start: 1,
        new_lines: 2,
        lines: [
          { kind: "added", text: "a" },
          { kind: "added", text: "b" },
        ],
      },
    ]);
    expect(diffLines("a\n", "")[0]).toMatchObject({ old_start: 1, old_lines: 1, new_start: 0, new_lines: 0 });
  });

  it("keeps the common lines of an insertion in the middle", () => {
    const [hunk] = diffLines("a\nb\nc\n", "a\nb\nx\ny\nc\n");
    expect(hunk!.lines.map((l) => l.kind)).toEqual(["context", "context", "added", "added", "context"]);
    expect(hunk).toMatchObject({ old_start: 1, old_lines: 3, new_start: 1, new_lines: 5 });
  });
});
