import { describe, expect, it } from "vitest";
import type { FileChange, HunkDecision, Proposal } from "../../bindings";
import { proposalFiles } from "../../fixtures";
import {
  applyPlan,
  bulkTargets,
  conflicts,
  countDecisions,
  editStart,
  hunkOrder,
  nextUndecided,
  proposalCounts,
  shownLines,
  splitRows,
  stepHunk,
} from "./review";

// Made by the engine (src/fixtures/proposal-files.json), each hunk pending.
const files = proposalFiles as unknown as Record<"update" | "create" | "rename" | "empty_the_file", FileChange>;

function proposal(files: FileChange[], status: Proposal["status"] = "ready"): Proposal {
  return { dream_id: "drm_1", store_id: "mem_1", status, files, dropped: [], created_at: 1 };
}

/** An update in two hunks (0.0, 0.1), a new file (1.0) and a rename (2.0). */
function sample(): Proposal {
  return proposal(structuredClone([files.update, files.create, files.rename]));
}

function decide(p: Proposal, decisions: Record<string, HunkDecision>, edited: Record<string, string> = {}): Proposal {
  const next = structuredClone(p);
  for (const hunk of next.files.flatMap((f) => f.hunks)) {
    if (decisions[hunk.id]) hunk.decision = decisions[hunk.id]!;
    if (edited[hunk.id] !== undefined) hunk.edited = edited[hunk.id]!;
  }
  return next;
}

describe("the review of a proposal", () => {
  it("splits the update into two hunks and numbers every hunk by file", () => {
    expect(hunkOrder(sample())).toEqual(["0.0", "0.1", "1.0", "2.0"]);
  });

  it("counts hunks per decision, per file and over the proposal", () => {
    const p = decide(sample(), { "0.0": "accepted", "1.0": "rejected" });
    expect(proposalCounts(p)).toEqual({ pending: 2, accepted: 1, rejected: 1, applied: 0, conflict: 0, total: 4 });
    expect(countDecisions(p.files[0]!.hunks)).toMatchObject({ accepted: 1, pending: 1, total: 2 });
  });

  it("walks the hunks across files with j/k, staying at either end", () => {
    const p = sample();
    expect(stepHunk(p, null, 1)).toBe("0.0");
    expect(stepHunk(p, null, -1)).toBe("2.0");
    expect(stepHunk(p, "0.1", 1)).toBe("1.0");
    expect(stepHunk(p, "1.0", -1)).toBe("0.1");
    expect(stepHunk(p, "2.0", 1)).toBe("2.0");
    expect(stepHunk(p, "0.0", -1)).toBe("0.0");
    expect(stepHunk(p, "9.9", 1)).toBe("0.0");
    expect(stepHunk(proposal([]), null, 1)).toBeNull();
  });

  it("finds the next undecided hunk, wrapping around", () => {
    const p = decide(sample(), { "0.0": "accepted", "0.1": "accepted", "2.0": "rejected" });
    expect(nextUndecided(p, "0.0")).toBe("1.0");
    expect(nextUndecided(p, "2.0")).toBe("1.0");
    expect(nextUndecided(decide(p, { "1.0": "accepted" }), "0.0")).toBeNull();
  });

  it("accept all and reject all send only the hunks not already so, and nothing once applied", () => {
    const p = decide(sample(), { "0.0": "accepted", "1.0": "rejected" });
    expect(bulkTargets(p, "accepted")).toEqual(["0.1", "1.0", "2.0"]);
    expect(bulkTargets(p, "rejected")).toEqual(["0.0", "0.1", "2.0"]);
    expect(bulkTargets({ ...p, status: "applied" }, "accepted")).toEqual([]);
  });

  it("says what Apply would write: only the accepted hunks, undecided ones left out", () => {
    const plan = applyPlan(decide(sample(), { "0.1": "accepted", "1.0": "rejected", "2.0": "accepted" }));
    expect(plan).toMatchObject({ accepted: 2, rejected: 1, pending: 1, writes: 2 });
    const [testing, lessons, style] = plan.files;
    expect(testing).toMatchObject({ outcome: "update", accepted: 1, leftOut: 1 });
    expect(testing!.content).toContain("Say which tests ran.");
    expect(testing!.content).toContain("- Run the tests with npm test.\n");
    expect(lessons).toMatchObject({ outcome: "none", content: null, leftOut: 1 });
    expect(style).toMatchObject({
      outcome: "rename",
      path: "project/style.md",
      previousPath: "style.md",
      content: "# Style\n",
    });
  });

  it("writes an edited hunk's text in place of its new side", () => {
    const edit =
      "# Testing\n\n- Run the tests with `npm test`; they take a second.\n- Tests live in test/.\n- Saving on exit has its own test.\n- Use a temporary folder.";
    const p = decide(sample(), { "0.0": "accepted" }, { "0.0": edit });
    const content = applyPlan(p).files[0]!.content!;
    expect(content.startsWith(`${edit}\n\n## Before a release`)).toBe(true);
    expect(content).not.toContain("Say which tests ran.");
    expect(editStart(p.files[0]!.hunks[0]!)).toBe(edit);
  });

  it("deletes a file whose accepted hunks leave it empty", () => {
    const p = proposal([structuredClone(files.empty_the_file)]);
    expect(applyPlan(decide(p, { "0.0": "accepted" })).files[0]).toMatchObject({ outcome: "delete", content: null });
  });

  it("shows an edited hunk as its old side against the edit, sharing the lines both keep", () => {
    const p = decide(
      sample(),
      {},
      {
        "0.0":
          "# Testing\n\n- Run the tests often.\n- Tests live in test/.\n- Saving on exit has its own test.\n- Use a temporary folder.\n",
      },
    );
    const lines = shownLines(p.files[0]!.hunks[0]!);
    expect(lines.map((l) => `${l.kind} ${l.old ?? "-"} ${l.new ?? "-"} ${l.text}`)).toEqual([
      "context 1 1 # Testing",
      "context 2 2 ",
      "removed 3 - - Run the tests with npm test.",
      "added - 3 - Run the tests often.",
      "context 4 4 - Tests live in test/.",
      "context 5 5 - Saving on exit has its own test.",
      "context 6 6 - Use a temporary folder.",
    ]);
  });

  it("lays a hunk out side by side: removed lines beside the added ones after them", () => {
    const rows = splitRows(shownLines(sample().files[0]!.hunks[0]!));
    const changed = rows.find((r) => r.left?.kind === "removed");
    expect(changed).toEqual({
      left: { no: 3, text: "- Run the tests with npm test.", kind: "removed" },
      right: { no: 3, text: "- Run the tests with npm test after every change.", kind: "added" },
    });
    expect(rows[0]).toEqual({
      left: { no: 1, text: "# Testing", kind: "context" },
      right: { no: 1, text: "# Testing", kind: "context" },
    });
    // A new file has nothing on the left.
    expect(
      splitRows(shownLines(sample().files[1]!.hunks[0]!)).every((r) => r.left === null && r.right?.kind === "added"),
    ).toBe(true);
  });

  it("gives a conflict both sides: the lines proposed and the file's lines there now", () => {
    const applied = decide(sample(), { "0.0": "conflict", "0.1": "applied", "1.0": "applied", "2.0": "rejected" });
    applied.status = "applied";
    applied.files[0]!.hunks[0]!.theirs = "# Testing\n\n- Run the tests with make test.\n";
    expect(conflicts(applied)).toEqual([
      {
        hunkId: "0.0",
        path: "testing.md",
        line: 1,
        proposed: [
          "# Testing",
          "",
          "- Run the tests with npm test after every change.",
          "- Tests live in test/.",
          "- Saving on exit has its own test.",
          "- Use a temporary folder.",
        ],
        theirs: ["# Testing", "", "- Run the tests with make test."],
      },
    ]);
  });
});
