import { EditorView } from "@codemirror/view";
import { act, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { dreamWorld, INTERRUPTED_RUNS, MAINTAINER_REPLIES, type DreamWorld } from "../../test/dreams";
import { engineEachTest } from "../../test/engine";
import { renderApp } from "../../test/renderApp";

const engine = engineEachTest({ fake: { script: { maint: MAINTAINER_REPLIES } } });
let world: DreamWorld | null = null;
afterEach(async () => {
  await world?.dreamer.stop();
  world = null;
});

/** The store's past of dreams on the engine (test/dreams.ts); the third waits for review. */
async function demo(): Promise<DreamWorld> {
  const { backend, fake, tempDir } = engine();
  const workspace = path.join(tempDir, "notes");
  await mkdir(workspace);
  world = await dreamWorld(backend, fake, workspace);
  return world;
}

async function openReview(given?: DreamWorld) {
  const w = given ?? (await demo());
  const app = renderApp({ page: "dreams", backend: w.backend });
  const row = await waitFor(() => {
    const found = screen.getAllByTestId("dream-row").find((r) => r.dataset.dreamId === w.ready.id);
    if (!found) throw new Error("no row");
    return found;
  });
  await app.user.click(within(row).getByTestId("dream-open-proposal"));
  await screen.findAllByTestId("proposal-file");
  return { ...app, world: w };
}

const hunk = (id: string) => {
  const found = screen.getAllByTestId("proposal-hunk").find((h) => h.dataset.hunkId === id);
  if (!found) throw new Error(`no hunk ${id}`);
  return found;
};
const decisions = () => screen.getAllByTestId("proposal-hunk").map((h) => `${h.dataset.hunkId} ${h.dataset.decision}`);
const current = () => screen.getAllByTestId("proposal-hunk").find((h) => h.dataset.current === "true")?.dataset.hunkId;

describe("the review of a proposal", () => {
  it("shows each file's change with its hunks, why, and the quotes behind it; and what was left out", async () => {
    await openReview();
    expect(screen.getByTestId("proposal-status").dataset.status).toBe("ready");
    expect(screen.getAllByTestId("proposal-file").map((f) => `${f.dataset.op} ${f.dataset.path}`)).toEqual([
      "update project/testing.md",
      "create lessons/interrupted-runs.md",
      "rename project/style.md",
    ]);
    expect(decisions()).toEqual(["0.0 pending", "0.1 pending", "1.0 pending", "2.0 pending"]);
    expect(screen.getByTestId("review-bar").textContent).toMatch(/4 changes in 3 files4 to review/);
    expect(screen.getByTestId("proposal-files").textContent).toMatch(/style\.md→project\/style\.md/);
    const testing = screen.getAllByTestId("proposal-file")[0]!;
    expect(within(testing).getByTestId("proposal-rationale").textContent).toMatch(/^The tests finish in a second/);
    expect(
      within(testing)
        .getAllByTestId("evidence-link")
        .map((l) => l.textContent),
    ).toEqual(["Maintainer · event 4", "Maintainer · event 4"]);
    const created = screen.getAllByTestId("proposal-file")[1]!;
    expect(within(created).getAllByTestId("evidence-link")).toHaveLength(1);
    expect(screen.getByTestId("proposal-dropped").textContent).toMatch(/\.\.\/NOTES\.md/);
    // Rename and delete have nothing to edit.
    expect(within(hunk("2.0")).queryByTestId("hunk-edit")).toBeNull();
    expect(within(hunk("2.0")).getByText(/the content stays as it is/)).toBeTruthy();
  });

  it("shows the diff unified or side by side, and remembers the choice", async () => {
    const { user } = await openReview();
    const added = within(hunk("0.0"))
      .getAllByTestId("diff-line")
      .filter((l) => l.dataset.kind === "added");
    expect(added.map((l) => l.lastElementChild?.textContent)).toEqual([
      "- Run the tests with npm test after every change: they take a second.",
    ]);
    await user.click(screen.getByTestId("layout-split"));
    const split = within(hunk("0.0")).getByTestId("hunk-split");
    const changed = [...split.querySelectorAll('[data-kind="removed"], [data-kind="added"]')].map((c) =>
      c.getAttribute("data-kind"),
    );
    expect(changed).toEqual(["removed", "added"]);
    expect(window.localStorage.getItem("reverie.proposalLayout")).toBe("split");
  });

  it("reviews by keyboard: j/k move across files, a accepts and moves on, r rejects, u undoes", async () => {
    const { user } = await openReview();
    expect(current()).toBe("0.0");
    await user.keyboard("j");
    expect(current()).toBe("0.1");
    await user.keyboard("j");
    expect(current()).toBe("1.0");
    await user.keyboard("{ArrowUp}k");
    expect(current()).toBe("0.0");
    await user.keyboard("a");
    await waitFor(() => expect(hunk("0.0").dataset.decision).toBe("accepted"));
    expect(current()).toBe("0.1");
    await user.keyboard("r");
    await waitFor(() => expect(hunk("0.1").dataset.decision).toBe("rejected"));
    await user.keyboard("k");
    await user.keyboard("u");
    await waitFor(() => expect(hunk("0.1").dataset.decision).toBe("pending"));
    expect(screen.getByTestId("key-legend").textContent).toMatch(/next.*previous.*accept.*reject.*edit.*undo/);
    expect(decisions()).toEqual(["0.0 accepted", "0.1 pending", "1.0 pending", "2.0 pending"]);
  });

  it("edits a hunk, then accepts it with the text as written", async () => {
    const { user, world: w } = await openReview();
    const { backend } = w;
    await user.click(within(hunk("1.0")).getByTestId("hunk-edit"));
    const view = await waitFor(() => {
      const host = within(hunk("1.0")).getByTestId("hunk-editor").querySelector<HTMLElement>(".cm-editor");
      const found = host && EditorView.findFromDOM(host);
      if (!found) throw new Error("no editor");
      return found;
    });
    expect(view.state.doc.toString()).toBe(INTERRUPTED_RUNS.trimEnd());
    // A key typed in the editor is text.
    await user.keyboard("a");
    expect(hunk("1.0").dataset.decision).toBe("pending");
    act(() => view.contentDOM.blur());
    act(() =>
      view.dispatch({
        changes: { from: 0, to: view.state.doc.length, insert: "# When a run stops early\n\n- Write the plan first." },
      }),
    );
    await user.click(within(hunk("1.0")).getByTestId("hunk-edit-save"));
    await waitFor(() => expect(hunk("1.0").dataset.decision).toBe("accepted"));
    expect(hunk("1.0").dataset.edited).toBe("true");
    expect(within(hunk("1.0")).queryByTestId("hunk-editor")).toBeNull();
    const proposal = await backend.dreamProposal(w.ready.id);
    expect(proposal.files[1]!.hunks[0]).toMatchObject({
      decision: "accepted",
      edited: "# When a run stops early\n\n- Write the plan first.",
    });
  });

  it("accepts or rejects everything, applies after a confirmation with the counts, and reports what was written", async () => {
    const { user, world: w } = await openReview();
    await user.click(screen.getByTestId("proposal-reject-all"));
    await waitFor(() => expect(decisions()).toEqual(["0.0 rejected", "0.1 rejected", "1.0 rejected", "2.0 rejected"]));
    await user.click(screen.getByTestId("proposal-accept-all"));
    await waitFor(() => expect(decisions()).toEqual(["0.0 accepted", "0.1 accepted", "1.0 accepted", "2.0 accepted"]));
    await user.click(within(hunk("0.1")).getByTestId("hunk-reject"));
    await waitFor(() => expect(hunk("0.1").dataset.decision).toBe("rejected"));

    await user.click(screen.getByTestId("proposal-apply"));
    expect(screen.getByTestId("proposal-apply-confirm-strip").textContent).toMatch(
      /^Apply 3 changes to 3 files\?.*1 change is left out\./,
    );
    await user.click(screen.getByTestId("proposal-apply-confirm"));
    const report = await screen.findByTestId("apply-report");
    expect(report.dataset.versions).toBe("3");
    expect(report.dataset.conflicts).toBe("0");
    expect(screen.getByTestId("proposal-status").dataset.status).toBe("applied");
    expect(decisions()).toEqual(["0.0 applied", "0.1 rejected", "1.0 applied", "2.0 applied"]);
    expect(
      within(report)
        .getAllByTestId("report-open-in-memory")
        .map((b) => b.dataset.path),
    ).toEqual(["project/testing.md", "lessons/interrupted-runs.md", "project/style.md"]);
    await waitFor(() => expect(screen.getByTestId("nav-dreams").dataset.count).toBe("0"));
    expect(screen.queryByTestId("proposal-apply")).toBeNull();
    expect(screen.queryByTestId("hunk-accept")).toBeNull();

    // The Memory page opens at the file, written by the dream.
    await user.click(within(report).getAllByTestId("report-open-in-memory")[1]!);
    const version = await screen.findAllByTestId("memory-version");
    expect(version[0]!.dataset.actor).toBe(`dream:${w.ready.id}`);
    expect(screen.getByTestId("memory-store-view").dataset.storeName).toBe("Project notes");
  });

  it("shows a hunk whose file changed since as a conflict, with both sides, and writes nothing over it", async () => {
    const w = await demo();
    const { backend, store: storeId } = w;
    const file = await backend.readMemoryFile(storeId, "project/testing.md");
    const edited = file.content.replace(
      "- Run the tests with npm test.",
      "- Run the tests with npm test. Use `npm run test:watch` while working.",
    );
    await backend.writeMemoryFile(storeId, {
      path: "project/testing.md",
      content: edited,
      expected_sha256: file.sha256,
    });

    const { user } = await openReview(w);
    await user.click(within(hunk("0.0")).getByTestId("hunk-accept"));
    await waitFor(() => expect(hunk("0.0").dataset.decision).toBe("accepted"));
    await user.click(screen.getByTestId("proposal-apply"));
    expect(screen.getByTestId("proposal-apply-confirm-strip").textContent).toMatch(
      /3 of them not reviewed \(they count as rejected\)/,
    );
    await user.click(screen.getByTestId("proposal-apply-confirm"));
    const report = await screen.findByTestId("apply-report");
    expect(report.dataset.versions).toBe("0");
    expect(report.dataset.conflicts).toBe("1");
    expect(report.textContent).toMatch(/Nothing was written\.1 change no longer fit/);
    expect(hunk("0.0").dataset.decision).toBe("conflict");
    expect(within(hunk("0.0")).getByTestId("conflict-proposed").textContent).toMatch(/after every change/);
    const theirs = within(hunk("0.0")).getByTestId("conflict-theirs");
    expect(theirs.querySelector('[data-only="true"]')?.textContent).toMatch(/npm run test:watch/);
    expect((await backend.readMemoryFile(storeId, "project/testing.md")).content).toBe(edited);
  });

  it("reverts an applied proposal after asking", async () => {
    const { user, world: w } = await openReview();
    const { backend } = w;
    await user.click(screen.getByTestId("proposal-accept-all"));
    await waitFor(() => expect(decisions().every((d) => d.endsWith("accepted"))).toBe(true));
    await user.click(screen.getByTestId("proposal-apply"));
    await user.click(screen.getByTestId("proposal-apply-confirm"));
    await screen.findByTestId("apply-report");
    await user.click(screen.getByTestId("proposal-revert"));
    expect(screen.getByTestId("proposal-revert-confirm-strip").textContent).toMatch(/Revert these changes\?/);
    await user.click(screen.getByTestId("proposal-revert-confirm"));
    await waitFor(() => expect(screen.getByTestId("proposal-status").dataset.status).toBe("reverted"));
    expect(screen.getByTestId("apply-report").textContent).toMatch(/^Reverted\. 3 new versions, by you/);
    const storeId = (await backend.listMemoryStores()).find((s) => s.name === "Project notes")!.id;
    expect((await backend.listMemoryFiles(storeId)).map((f) => f.path)).toContain("style.md");
  });

  it("opens a quote's session at its event", async () => {
    const { user, world: w } = await openReview();
    const evidence = within(screen.getAllByTestId("proposal-file")[0]!).getAllByTestId("evidence")[1]!;
    await user.click(within(evidence).getByTestId("evidence-link"));
    const focused = await screen.findByTestId("focused-event");
    expect(focused.dataset.seq).toBe(evidence.dataset.seq);
    expect(focused.textContent).toMatch(/quoted as evidence.*Now let me run the tests\./);
    expect(screen.getByTestId("session-view").dataset.sessionId).toBe(w.sessions[1]);
    expect(screen.getByTestId("session-view").dataset.tab).toBe("transcript");
  });

  it("opens a dream's proposal from a version it wrote", async () => {
    const w = await demo();
    const { user } = renderApp({ page: "memory", backend: w.backend });
    await user.click((await screen.findAllByTestId("memory-store-open"))[0]!);
    const files = await screen.findAllByTestId("memory-file");
    await user.click(files.find((f) => f.dataset.path === "project/testing.md")!);
    await waitFor(() => expect(screen.getByTestId("memory-version-detail").dataset.versionId).toBeTruthy());
    await user.click(screen.getByTestId("actor-dream-link"));
    await waitFor(() => expect(screen.getByTestId("proposal-review").dataset.dreamId).toBe(w.applied.id));
    await waitFor(() => expect(screen.getByTestId("proposal-status").dataset.status).toBe("applied"));
    expect(screen.queryByTestId("proposal-apply")).toBeNull();
    expect(screen.getByTestId("proposal-revert")).toBeTruthy();
  });
});
