import { describe, expect, it } from "vitest";
import type { DiffHunk, MemoryVersion } from "../../bindings";
import { memoryDiffs } from "../../fixtures";
import { diffStat, hunkHeader, numberLines } from "../../shared/diff";
import { actorLabel, comparison, redactedIn, versionBefore, versionNumbers } from "./history";

function version(id: string, more: Partial<MemoryVersion> = {}): MemoryVersion {
  return {
    id,
    store_id: "mem_0001",
    path: "a.md",
    op: "update",
    bytes: 10,
    actor: "user",
    time_ms: 0,
    redacted: false,
    ...more,
  };
}

// Newest first, as `memoryHistory` answers.
const history = [
  version("v4"),
  version("v3", { op: "rename", previous_path: "old.md" }),
  version("v2"),
  version("v1", { op: "create" }),
];

describe("actor labels", () => {
  it("says who wrote a version the way a person would", () => {
    expect(actorLabel("user")).toEqual({ kind: "user", label: "you" });
    expect(actorLabel("external")).toEqual({ kind: "external", label: "external editor" });
    expect(actorLabel("session:ses_0001/thread:thr_0002")).toEqual({
      kind: "session",
      label: "session ses_0001 (thread thr_0002)",
      sessionId: "ses_0001",
      threadId: "thr_0002",
    });
    expect(actorLabel("session:ses_9")).toMatchObject({ kind: "session", label: "session ses_9", threadId: null });
    // Real ids are long: the label keeps the prefix and the end, the link keeps the whole id.
    expect(
      actorLabel("session:ses_01a21dd0918b726eacc582a2ac5633e9/thread:thr_01a21dd0918b726eacc58300aa11bb22"),
    ).toMatchObject({
      label: "session ses_…5633e9 (thread thr_…11bb22)",
      sessionId: "ses_01a21dd0918b726eacc582a2ac5633e9",
    });
    expect(actorLabel("dream:drm_0001")).toEqual({ kind: "dream", label: "dream drm_0001", dreamId: "drm_0001" });
    // Something newer than this UI is shown as it is rather than dropped.
    expect(actorLabel("routine:rtn_1")).toEqual({ kind: "other", label: "routine:rtn_1" });
  });
});

describe("version pairs", () => {
  it("numbers a file's versions from its oldest", () => {
    const numbers = versionNumbers(history);
    expect([...numbers.entries()]).toEqual([
      ["v4", 4],
      ["v3", 3],
      ["v2", 2],
      ["v1", 1],
    ]);
  });

  it("compares the selected version with the one before by default", () => {
    expect(comparison(history, "v4")).toEqual({ from: "v3", to: "v4" });
    expect(comparison(history, "v2")).toEqual({ from: "v1", to: "v2" });
    expect(versionBefore(history, "v3")).toBe("v2");
  });

  it("compares the oldest version with an empty file", () => {
    expect(versionBefore(history, "v1")).toBeNull();
    expect(comparison(history, "v1")).toEqual({ from: null, to: "v1" });
    expect(comparison(history, "v4", null)).toEqual({ from: null, to: "v4" });
  });

  it("puts the older of any two versions first, whichever was picked as the base", () => {
    expect(comparison(history, "v4", "v1")).toEqual({ from: "v1", to: "v4" });
    expect(comparison(history, "v1", "v4")).toEqual({ from: "v1", to: "v4" });
    expect(comparison(history, "v2", "v3")).toEqual({ from: "v2", to: "v3" });
  });

  it("falls back to the one before when the base is the selected version itself", () => {
    expect(comparison(history, "v3", "v3")).toEqual({ from: "v2", to: "v3" });
  });

  it("finds a redacted version in the pair, which can't be compared", () => {
    const redacted = [version("b"), version("a", { redacted: true })];
    expect(redactedIn(redacted, comparison(redacted, "b"))?.id).toBe("a");
    expect(redactedIn(redacted, comparison(redacted, "b", null))).toBeNull();
  });
});

describe("hunk lines", () => {
  const hunk: DiffHunk = {
    old_start: 4,
    old_lines: 4,
    new_start: 4,
    new_lines: 5,
    lines: [
      { kind: "context", text: "a" },
      { kind: "removed", text: "b" },
      { kind: "added", text: "B" },
      { kind: "added", text: "C" },
      { kind: "context", text: "d" },
      { kind: "removed", text: "e" },
      { kind: "context", text: "f" },
    ],
  };

  it("numbers each line in the old and the new text from the hunk's starts", () => {
    expect(numberLines(hunk).map((l) => [l.kind, l.old, l.new])).toEqual([
      ["context", 4, 4],
      ["removed", 5, null],
      ["added", null, 5],
      ["added", null, 6],
      ["context", 6, 7],
      ["removed", 7, null],
      ["context", 8, 8],
    ]);
    expect(hunkHeader(hunk)).toBe("@@ -4,4 +4,5 @@");
    expect(diffStat([hunk])).toEqual({ added: 2, removed: 2 });
  });

  it("numbers a new file's lines from 1 on the new side only", () => {
    // The engine's diff of a new file (src/fixtures/memory-diffs.json).
    const [created] = memoryDiffs.created.hunks as DiffHunk[];
    // The engine starts an empty old side at line 1 (GNU diff would print -0,0).
    expect(hunkHeader(created!)).toBe("@@ -0,0 +1,3 @@");
    expect(numberLines(created!).map((l) => [l.old, l.new])).toEqual([
      [null, 1],
      [null, 2],
      [null, 3],
    ]);
  });

  it("agrees with the numbers of the diff it came from", () => {
    const { before, after, hunks } = memoryDiffs.two_changes;
    expect(hunks.length).toBeGreaterThan(0);
    for (const h of hunks as DiffHunk[]) {
      const lines = numberLines(h);
      // Every context line has the same text at its old and new numbers.
      for (const line of lines) {
        if (line.kind !== "added") expect(before.split("\n")[line.old! - 1]).toBe(line.text);
        if (line.kind !== "removed") expect(after.split("\n")[line.new! - 1]).toBe(line.text);
      }
    }
  });
});
