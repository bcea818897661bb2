import { EditorView } from "@codemirror/view";
import { act, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { MemoryConflict, MemoryProblem } from "../../bindings";
import type { Backend } from "../../ipc";
import { createMemoryBackend, type MemoryBackendOptions } from "../../ipc/memory";
import { renderApp } from "../../test/renderApp";
import { mirrorFolder } from "./MirrorIssues";
import { MIRROR_CHECK_MS } from "./StoreView";

const HOUR = 3_600_000;
const OURS = "# Testing\n\nRun npm test.\nTests need no network.\n";
const THEIRS = "# Testing\n\nRun `npm test -- --watch`.\nTests need no network.\n";
const NOT_UTF8 =
  "It isn't UTF-8 text (binary data, or saved in another encoding). Save it as UTF-8 Markdown; it was not imported.";

/** A store whose folder has a conflict on project/testing.md and a file that couldn't be imported. */
const seeded: MemoryBackendOptions = {
  memoryStores: [
    {
      name: "Project notes",
      description: "How things are done here",
      steps: [
        {
          type: "write",
          path: "project/testing.md",
          content: "# Testing\n\nRun npm test.\n",
          actor: "user",
          agoMs: 3 * HOUR,
        },
        {
          type: "write",
          path: "project/testing.md",
          content: OURS,
          actor: "session:ses_0001/thread:thr_0001",
          agoMs: 2 * HOUR,
        },
        { type: "write", path: "style.md", content: "# Style\n\nTwo spaces.\n", actor: "user", agoMs: 2 * HOUR },
        { type: "conflict", path: "project/testing.md", theirs: THEIRS, agoMs: HOUR },
        { type: "problem", path: "meetings/kickoff.md", problem: NOT_UTF8, agoMs: HOUR },
      ],
    },
  ],
};

/** The memory backend, with conflicts and problems the test adds as the core's watcher would. */
function withFolder(options: MemoryBackendOptions) {
  const inner = createMemoryBackend(options);
  const extra = { conflicts: [] as MemoryConflict[], problems: [] as MemoryProblem[], checks: 0 };
  const backend: Backend = {
    ...inner,
    memoryConflicts: async (store) => {
      extra.checks++;
      return [...(await inner.memoryConflicts(store)), ...extra.conflicts];
    },
    memoryProblems: async (store) => [...(await inner.memoryProblems(store)), ...extra.problems],
  };
  return { backend, extra, inner };
}

async function openStore(backend: Backend = createMemoryBackend(seeded)) {
  const app = renderApp({ page: "memory", backend });
  await app.user.click(await screen.findByText("Project notes"));
  await screen.findByTestId("memory-store-view");
  const [store] = await backend.listMemoryStores();
  return { ...app, store: store!.id };
}

function fileItem(path: string): HTMLElement | null {
  return document.querySelector<HTMLElement>(`[data-testid="memory-file"][data-path="${path}"]`);
}

function editorText(): string | undefined {
  const host = screen.queryByTestId("memory-editor")?.querySelector<HTMLElement>(".cm-editor");
  return host ? EditorView.findFromDOM(host)?.state.doc.toString() : undefined;
}

function conflictItem(path: string): HTMLElement {
  const item = screen.getAllByTestId("memory-conflict-item").find((i) => i.dataset.path === path);
  if (!item) throw new Error(`no conflict on ${path}`);
  return item;
}

afterEach(() => {
  vi.useRealTimers();
});

describe("the store's folder: conflicts and problems", () => {
  it("shows a seeded conflict and problem above the tree, and compares Reverie's text with the disk's", async () => {
    const { user } = await openStore();
    const section = await screen.findByTestId("memory-conflicts");
    expect(section.textContent).toMatch(/1 conflict · 1 file not imported/);
    expect(section.textContent).toContain(mirrorFolder("/home/you/.local/share/dev.reverie.desktop", "Project notes"));
    // Above the tree.
    expect(
      section.compareDocumentPosition(screen.getByRole("complementary", { name: "Files" })) &
        Node.DOCUMENT_POSITION_FOLLOWING,
    ).toBeTruthy();

    const conflict = within(section).getByTestId("memory-conflict-item");
    expect(conflict.dataset.path).toBe("project/testing.md");
    expect(conflict.textContent).toMatch(/project\/testing\.md.*Changed in Reverie and on disk.*noticed 1 h ago/);
    const problem = within(section).getByTestId("memory-problem-item");
    expect(problem.dataset.path).toBe("meetings/kickoff.md");
    expect(problem.textContent).toContain(NOT_UTF8);

    await user.click(within(conflict).getByTestId("conflict-compare"));
    const lines = await within(conflict).findAllByTestId("diff-line");
    expect(lines.map((l) => `${l.dataset.kind}:${l.lastChild!.textContent}`)).toEqual([
      "context:# Testing",
      "context:\u00a0",
      "removed:Run npm test.",
      "added:Run `npm test -- --watch`.",
      "context:Tests need no network.",
    ]);
    expect(within(conflict).getByTestId("conflict-diff-caption").textContent).toMatch(
      /From Reverie’s text \(−\) to the disk’s \(\+\)\s*\+1 −1/,
    );
  });

  it("takes the disk's text as a new version by the external editor", async () => {
    const { user, backend, store } = await openStore();
    await user.click(await waitFor(() => fileItem("project/testing.md")!));
    await waitFor(() => expect(editorText()).toBe(OURS));

    await user.click(within(conflictItem("project/testing.md")).getByTestId("conflict-take-theirs"));
    await waitFor(() => expect(screen.queryByTestId("memory-conflict-item")).toBeNull());
    // The problem is still there.
    expect(screen.getByTestId("memory-problem-item")).toBeTruthy();
    expect((await backend.readMemoryFile(store, "project/testing.md")).content).toBe(THEIRS);
    // The open editor and its history follow.
    await waitFor(() => expect(editorText()).toBe(THEIRS));
    await waitFor(() => expect(screen.getAllByTestId("memory-version")).toHaveLength(3));
    expect(screen.getAllByTestId("memory-version")[0]!.dataset.actor).toBe("external");
    expect(await backend.memoryConflicts(store)).toEqual([]);
  });

  it("keeps Reverie's text: no new version, and the conflict is gone", async () => {
    const { user, backend, store } = await openStore();
    const before = await backend.memoryHistory(store, "project/testing.md");
    await user.click(within(await screen.findByTestId("memory-conflict-item")).getByTestId("conflict-keep-ours"));
    await waitFor(() => expect(screen.queryByTestId("memory-conflict-item")).toBeNull());
    expect((await backend.readMemoryFile(store, "project/testing.md")).content).toBe(OURS);
    expect(await backend.memoryHistory(store, "project/testing.md")).toEqual(before);
    expect(await backend.memoryConflicts(store)).toEqual([]);
  });

  it("deletes the file when the disk's side is a deletion and the user takes it", async () => {
    const backend = createMemoryBackend({
      memoryStores: [
        {
          name: "Project notes",
          description: "",
          steps: [
            { type: "write", path: "old.md", content: "# Old\n", actor: "user", agoMs: HOUR },
            { type: "write", path: "keep.md", content: "# Keep\n", actor: "user", agoMs: HOUR },
            { type: "conflict", path: "old.md", theirs: null, agoMs: HOUR / 2 },
          ],
        },
      ],
    });
    const { user, store } = await openStore(backend);
    const item = await screen.findByTestId("memory-conflict-item");
    expect(item.textContent).toMatch(/Changed in Reverie, deleted on disk/);
    await user.click(within(item).getByTestId("conflict-compare"));
    expect((await within(item).findAllByTestId("diff-line")).map((l) => l.dataset.kind)).toEqual(["removed"]);

    await user.click(within(item).getByTestId("conflict-take-theirs"));
    await waitFor(() => expect(screen.queryByTestId("memory-conflicts")).toBeNull());
    expect(fileItem("old.md")).toBeNull();
    expect(fileItem("keep.md")).not.toBeNull();
    expect((await backend.memoryHistory(store, "old.md")).map((v) => `${v.op} ${v.actor}`)).toEqual([
      "delete external",
      "create user",
    ]);
  });

  it("shows nothing when the folder is in step", async () => {
    const backend = createMemoryBackend({
      memoryStores: [
        {
          name: "Project notes",
          description: "",
          steps: [{ type: "write", path: "a.md", content: "# A\n", actor: "user", agoMs: 0 }],
        },
      ],
    });
    await openStore(backend);
    await waitFor(() => expect(fileItem("a.md")).not.toBeNull());
    expect(screen.queryByTestId("memory-conflicts")).toBeNull();
  });

  it("says why a resolution failed and shows the conflict as it is now", async () => {
    const { backend: folder, extra } = withFolder(seeded);
    const backend: Backend = {
      ...folder,
      resolveMemoryConflict: async () => {
        throw {
          code: "conflict",
          field: "path",
          message:
            "project/testing.md changed on disk again since the conflict was shown. Look at it again, then choose.",
        };
      },
    };
    const { user } = await openStore(backend);
    const checks = extra.checks;
    await user.click(within(await screen.findByTestId("memory-conflict-item")).getByTestId("conflict-take-theirs"));
    expect((await screen.findByTestId("conflict-error")).textContent).toMatch(/changed on disk again/);
    expect(extra.checks).toBeGreaterThan(checks);
    expect(screen.getByTestId("memory-conflict-item")).toBeTruthy();
  });

  it("asks again after a save", async () => {
    const { backend, extra } = withFolder({
      memoryStores: [{ ...seeded.memoryStores![0]!, steps: seeded.memoryStores![0]!.steps!.slice(0, 3) }],
    });
    const { user, store } = await openStore(backend);
    await user.click(await waitFor(() => fileItem("style.md")!));
    await waitFor(() => expect(editorText()).toBe("# Style\n\nTwo spaces.\n"));
    expect(screen.queryByTestId("memory-conflicts")).toBeNull();

    // Meanwhile the core finds a file it can't import.
    extra.problems.push({
      store_id: store,
      path: "big.md",
      problem: "It is 143 kB; a memory file holds at most 100 kB.",
      detected_at: Date.now(),
    });
    const view = EditorView.findFromDOM(screen.getByTestId("memory-editor").querySelector<HTMLElement>(".cm-editor")!)!;
    act(() => view.dispatch({ changes: { from: view.state.doc.length, insert: "Semicolons.\n" } }));
    await user.click(screen.getByTestId("memory-save"));
    const problem = await screen.findByTestId("memory-problem-item");
    expect(problem.dataset.path).toBe("big.md");
    expect(problem.textContent).toMatch(/143 kB/);
  });

  it("every 10 s while open, asks again and shows edits the core imported from the folder", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const { backend, extra, inner } = withFolder({
      memoryStores: [{ ...seeded.memoryStores![0]!, steps: seeded.memoryStores![0]!.steps!.slice(0, 3) }],
    });
    const { user, store } = await openStore(backend);
    await user.click(await waitFor(() => fileItem("project/testing.md")!));
    await waitFor(() => expect(editorText()).toBe(OURS));
    const checks = extra.checks;

    // The watcher imports two edits and finds a conflict.
    await inner.writeMemoryFile(store, { path: "from-disk.md", content: "# From disk\n" });
    await inner.writeMemoryFile(store, { path: "project/testing.md", content: THEIRS });
    extra.conflicts.push({
      store_id: store,
      path: "style.md",
      ours_sha256: "x",
      theirs: "# Style\n",
      detected_at: Date.now(),
    });
    expect(fileItem("from-disk.md")).toBeNull();

    act(() => vi.advanceTimersByTime(MIRROR_CHECK_MS));
    await waitFor(() => expect(fileItem("from-disk.md")).not.toBeNull());
    expect(extra.checks).toBe(checks + 1);
    expect((await screen.findByTestId("memory-conflict-item")).dataset.path).toBe("style.md");
    // The open file had no unsaved edits: it shows the imported text, and its history the new version.
    await waitFor(() => expect(editorText()).toBe(THEIRS));
    await waitFor(() => expect(screen.getAllByTestId("memory-version")).toHaveLength(3));

    // Leaving the store stops asking.
    await user.click(screen.getByTestId("back-to-stores"));
    await screen.findByTestId("memory-store");
    act(() => vi.advanceTimersByTime(3 * MIRROR_CHECK_MS));
    expect(extra.checks).toBe(checks + 1);
  });
});
