import { EditorView } from "@codemirror/view";
import { act, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Backend } from "../../ipc";
import { engineEachTest } from "../../test/engine";
import { renderApp } from "../../test/renderApp";
import { mirrorFolder } from "./MirrorIssues";
import { MIRROR_CHECK_MS } from "./StoreView";

const V1 = "# Testing\n\nRun npm test.\n";
const OURS = "# Testing\n\nRun npm test.\nTests need no network.\n";
const THEIRS = "# Testing\n\nRun `npm test -- --watch`.\nTests need no network.\n";
const STYLE = "# Style\n\nTwo spaces.\n";

const engine = engineEachTest();

/** The store's folder on disk (the engine's mirror), and waits on it. */
function folder(store: string) {
  const root = path.join(engine().dataDir, "memory", store);
  const file = (relative: string) => path.join(root, relative);
  return {
    file,
    /** Resolves once the mirror holds `text` at `relative` (Reverie's writes reach it at once). */
    holds: (relative: string, text: string) =>
      vi.waitFor(async () => expect(await readFile(file(relative), "utf8")).toBe(text), { timeout: 10_000 }),
  };
}

/**
 * "Project notes" with project/testing.md (two versions) and style.md, all in step with the folder.
 * With `issues`, an editor outside Reverie changes project/testing.md while Reverie writes it too
 * (a conflict: the watcher waits 500 ms for the disk to settle, the write comes before), and drops
 * a file that isn't UTF-8 in the folder (a problem).
 */
async function seeded(options: { issues: boolean }) {
  const { backend } = engine();
  const store = await backend.createMemoryStore({ name: "Project notes", description: "How things are done here" });
  const disk = folder("Project notes");
  const v1 = await backend.writeMemoryFile(store.id, {
    path: "project/testing.md",
    content: V1,
  });
  await backend.writeMemoryFile(store.id, { path: "style.md", content: STYLE });
  await disk.holds("project/testing.md", V1);
  if (!options.issues) {
    await backend.writeMemoryFile(store.id, { path: "project/testing.md", content: OURS, expected_sha256: v1.sha256! });
    await disk.holds("project/testing.md", OURS);
    return { backend, store: store.id, disk };
  }
  await writeFile(disk.file("project/testing.md"), THEIRS);
  await backend.writeMemoryFile(store.id, { path: "project/testing.md", content: OURS, expected_sha256: v1.sha256! });
  await writeFile(disk.file("meetings-kickoff.md"), Buffer.from([0xff, 0xfe, 0x00, 0x23]));
  await vi.waitFor(
    async () => {
      expect(await backend.memoryConflicts(store.id)).toHaveLength(1);
      expect(await backend.memoryProblems(store.id)).toHaveLength(1);
    },
    { timeout: 10_000 },
  );
  return { backend, store: store.id, disk };
}

/** The engine's backend, counting how often the page asks for the folder's conflicts. */
function counting(real: Backend) {
  const extra = { checks: 0 };
  const backend: Backend = {
    ...real,
    memoryConflicts: (store) => {
      extra.checks++;
      return real.memoryConflicts(store);
    },
  };
  return { backend, extra };
}

async function openStore(backend: Backend) {
  const app = renderApp({ page: "memory", backend });
  await app.user.click(await screen.findByText("Project notes"));
  await screen.findByTestId("memory-store-view");
  const [store] = await backend.listMemoryStores();
  return { ...app, store: store!.id };
}

function fileItem(path: string): HTMLElement | null {
  return document.querySelector<HTMLElement>(`[data-testid="memory-file"][data-path="${path}"]`);
}

/** The file's item in the tree, once it shows. */
function shownItem(path: string): Promise<HTMLElement> {
  return waitFor(() => {
    const item = fileItem(path);
    if (!item) throw new Error(`no file ${path} in the tree`);
    return item;
  });
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
    const { backend } = await seeded({ issues: true });
    const { user } = await openStore(backend);
    const section = await screen.findByTestId("memory-conflicts");
    expect(section.textContent).toMatch(/1 conflict · 1 file not imported/);
    expect(section.textContent).toContain(mirrorFolder(engine().dataDir, "Project notes"));
    // Above the tree.
    expect(
      section.compareDocumentPosition(screen.getByRole("complementary", { name: "Files" })) &
        Node.DOCUMENT_POSITION_FOLLOWING,
    ).toBeTruthy();

    const conflict = within(section).getByTestId("memory-conflict-item");
    expect(conflict.dataset.path).toBe("project/testing.md");
    expect(conflict.textContent).toMatch(/project\/testing\.md.*Changed in Reverie and on disk.*noticed/);
    const problem = within(section).getByTestId("memory-problem-item");
    expect(problem.dataset.path).toBe("meetings-kickoff.md");
    expect(problem.textContent).toMatch(/UTF-8/);

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
    const { user, backend, store } = await openStore((await seeded({ issues: true })).backend);
    await user.click(await shownItem("project/testing.md"));
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
    const { user, backend, store } = await openStore((await seeded({ issues: true })).backend);
    const before = await backend.memoryHistory(store, "project/testing.md");
    await user.click(within(await screen.findByTestId("memory-conflict-item")).getByTestId("conflict-keep-ours"));
    await waitFor(() => expect(screen.queryByTestId("memory-conflict-item")).toBeNull());
    expect((await backend.readMemoryFile(store, "project/testing.md")).content).toBe(OURS);
    expect(await backend.memoryHistory(store, "project/testing.md")).toEqual(before);
    expect(await backend.memoryConflicts(store)).toEqual([]);
  });

  it("deletes the file when the disk's side is a deletion and the user takes it", async () => {
    // old.md is deleted on disk while Reverie writes it.
    const { backend } = engine();
    const created = await backend.createMemoryStore({ name: "Project notes", description: "" });
    const disk = folder("Project notes");
    const old = await backend.writeMemoryFile(created.id, {
      path: "old.md",
      content: "# Old\n",
    });
    await backend.writeMemoryFile(created.id, { path: "keep.md", content: "# Keep\n" });
    await disk.holds("old.md", "# Old\n");
    await rm(disk.file("old.md"));
    await backend.writeMemoryFile(created.id, {
      path: "old.md",
      content: "# Old\n\nMore.\n",
      expected_sha256: old.sha256!,
    });
    await vi.waitFor(async () => expect(await backend.memoryConflicts(created.id)).toHaveLength(1), {
      timeout: 10_000,
    });
    const { user, store } = await openStore(backend);
    const item = await screen.findByTestId("memory-conflict-item");
    expect(item.textContent).toMatch(/Changed in Reverie, deleted on disk/);
    await user.click(within(item).getByTestId("conflict-compare"));
    expect((await within(item).findAllByTestId("diff-line")).map((l) => l.dataset.kind)).toEqual([
      "removed",
      "removed",
      "removed",
    ]);

    await user.click(within(item).getByTestId("conflict-take-theirs"));
    await waitFor(() => expect(screen.queryByTestId("memory-conflicts")).toBeNull());
    expect(fileItem("old.md")).toBeNull();
    expect(fileItem("keep.md")).not.toBeNull();
    expect((await backend.memoryHistory(store, "old.md")).map((v) => `${v.op} ${v.actor}`)).toEqual([
      "delete external",
      "update user",
      "create user",
    ]);
  });

  it("shows nothing when the folder is in step", async () => {
    const { backend } = engine();
    const store = await backend.createMemoryStore({ name: "Project notes", description: "" });
    await backend.writeMemoryFile(store.id, { path: "a.md", content: "# A\n" });
    await folder("Project notes").holds("a.md", "# A\n");
    await openStore(backend);
    await waitFor(() => expect(fileItem("a.md")).not.toBeNull());
    expect(screen.queryByTestId("memory-conflicts")).toBeNull();
  });

  it("says why a resolution failed and shows the conflict as it is now", async () => {
    const { backend: counted, extra } = counting((await seeded({ issues: true })).backend);
    // The disk changing again between showing and choosing is a race to stage: this one call plays it.
    const backend: Backend = {
      ...counted,
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
    const { backend, disk } = await seeded({ issues: false });
    const { user, store } = await openStore(backend);
    await user.click(await shownItem("style.md"));
    await waitFor(() => expect(editorText()).toBe("# Style\n\nTwo spaces.\n"));
    expect(screen.queryByTestId("memory-conflicts")).toBeNull();

    // Meanwhile the core finds a file it can't import.
    await writeFile(disk.file("big.md"), `# Big\n\n${"x".repeat(143_000)}\n`);
    await vi.waitFor(async () => expect(await backend.memoryProblems(store)).toHaveLength(1), { timeout: 10_000 });
    const view = EditorView.findFromDOM(screen.getByTestId("memory-editor").querySelector<HTMLElement>(".cm-editor")!)!;
    act(() => view.dispatch({ changes: { from: view.state.doc.length, insert: "Semicolons.\n" } }));
    await user.click(screen.getByTestId("memory-save"));
    const problem = await screen.findByTestId("memory-problem-item");
    expect(problem.dataset.path).toBe("big.md");
    expect(problem.textContent).toMatch(/100 kB/);
  });

  it("every 10 s while open, asks again and shows edits the core imported from the folder", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const { backend: real, disk } = await seeded({ issues: false });
    const { backend, extra } = counting(real);
    const { user, store } = await openStore(backend);
    await user.click(await shownItem("project/testing.md"));
    await waitFor(() => expect(editorText()).toBe(OURS));
    const checks = extra.checks;

    // The watcher imports two edits made in the folder, and finds a conflict on style.md.
    await writeFile(disk.file("from-disk.md"), "# From disk\n");
    await writeFile(disk.file("project/testing.md"), THEIRS);
    const style = await real.readMemoryFile(store, "style.md");
    await writeFile(disk.file("style.md"), "# Style\n");
    await real.writeMemoryFile(store, { path: "style.md", content: `${STYLE}Tabs.\n`, expected_sha256: style.sha256! });
    await vi.waitFor(
      async () => {
        expect((await real.listMemoryFiles(store)).map((f) => f.path)).toContain("from-disk.md");
        expect((await real.readMemoryFile(store, "project/testing.md")).content).toBe(THEIRS);
        expect(await real.memoryConflicts(store)).toHaveLength(1);
      },
      { timeout: 10_000 },
    );
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
