import { EditorView } from "@codemirror/view";
import { act, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Backend } from "../../ipc";
import { runToEnd, seed, toolReply, textReply, engineEachTest } from "../../test/engine";
import { renderApp } from "../../test/renderApp";
import { shortId } from "./history";

const V1 = "# Testing\n\nRun npm test.\n";
const V2 = "# Testing\n\nRun npm test.\nTests need no network.\n";
const V3 = "# Testing\n\nRun `npm test`.\nTests need no network.\n";

// The agent's session writes the file (v1) and then searches the store.
const engine = engineEachTest({
  fake: {
    script: {
      default: [
        toolReply("Noting it.", "memory_write", { path: "project/testing.md", content: V1 }),
        toolReply("Checking.", "memory_search", { query: "how to test" }),
        textReply("Noted."),
      ],
    },
  },
});

interface Seeded {
  backend: Backend;
  /** The session that wrote v1 and searched, and its main thread. */
  session: string;
  thread: string;
}

/**
 * A store with one file written three times — by a session, by the user, and by an editor
 * outside Reverie (in the store's mirror folder) — and style.md, all through the real engine.
 */
async function seeded(): Promise<Seeded> {
  const { backend, fake, dataDir, tempDir } = engine();
  const { stores, agents } = await seed(backend, {
    stores: [{ name: "Project notes", description: "How things are done here" }],
    providers: [fake.input()],
    agents: [{ name: "Keeper", provider: "Fake", memory: [{ store: "Project notes", access: "read_write" }] }],
  });
  const store = stores["Project notes"]!.id;
  const run = await runToEnd(backend, { agent_id: agents.Keeper!.id, workspace: tempDir, task: "Note how to test." });
  const v1 = await backend.readMemoryFile(store, "project/testing.md");
  await backend.writeMemoryFile(store, { path: "project/testing.md", content: V2, expected_sha256: v1.sha256! });
  await backend.writeMemoryFile(store, {
    path: "style.md",
    content: "# Style\n\nTwo spaces.\n",
  });
  // The mirror is in step with v2: an edit there is the external editor's v3.
  const mirrored = path.join(dataDir, "memory", "Project notes", "project/testing.md");
  await vi.waitFor(async () => expect(await readFile(mirrored, "utf8")).toBe(V2), { timeout: 10_000 });
  await writeFile(mirrored, V3);
  await vi.waitFor(async () => expect(await backend.memoryHistory(store, "project/testing.md")).toHaveLength(3), {
    timeout: 10_000,
  });
  const events = await backend.sessionEvents(run.id, 0, 1000);
  return { backend, session: run.id, thread: events[0]!.thread_id };
}

/** The file tree's item for `selector` (a `[data-path=…]`), once it shows. */
function fileItem(selector: string): Promise<HTMLElement> {
  return waitFor(() => fileItemNow(selector));
}

function fileItemNow(selector: string): HTMLElement {
  const item = document.querySelector<HTMLElement>(`[data-testid="memory-file"]${selector}`);
  if (!item) throw new Error(`no file ${selector}`);
  return item;
}

/** The CodeMirror view inside the `memory-editor` host. */
function editor(): EditorView {
  const host = screen.getByTestId("memory-editor").querySelector<HTMLElement>(".cm-editor");
  const view = host && EditorView.findFromDOM(host);
  if (!view) throw new Error("no editor");
  return view;
}

function replaceText(text: string) {
  const view = editor();
  act(() => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } }));
}

async function openFile(state: Seeded, file: string) {
  const app = renderApp({ page: "memory", backend: state.backend });
  await app.user.click(await screen.findByText("Project notes"));
  await app.user.click(await fileItem(`[data-path="${file}"]`));
  await waitFor(() => expect(editor().state.doc.toString()).not.toBe(""));
  return { ...app, ...state };
}

describe("Memory", () => {
  it("explains memory when there is none, creates a store, then a file, and saves it as a version", async () => {
    const { user, backend } = renderApp({ page: "memory", backend: engine().backend });
    const empty = await screen.findByTestId("memory-empty");
    expect(empty.textContent).toMatch(/searches and reads only the files a task needs/);

    await user.click(within(empty).getByTestId("new-store"));
    const form = screen.getByTestId("store-form");
    expect(document.activeElement).toBe(within(form).getByTestId("store-name"));
    await user.type(within(form).getByTestId("store-name"), "bad/name");
    await user.click(within(form).getByTestId("store-save"));
    expect(screen.getByTestId("field-error-name").textContent).toMatch(/letters, digits/);
    await user.clear(within(form).getByTestId("store-name"));
    await user.type(within(form).getByTestId("store-name"), "Project notes");
    await user.type(within(form).getByTestId("store-description"), "How we work");
    await user.click(within(form).getByTestId("store-save"));

    const row = await screen.findByTestId("memory-store");
    expect(row.getAttribute("data-store-name")).toBe("Project notes");
    expect(within(row).getByTestId("memory-store-size").textContent).toBe("0 files · 0 bytes");

    await user.click(row);
    expect((await screen.findByTestId("memory-store-empty")).textContent).toMatch(/Read & write/);
    await user.click(screen.getByTestId("memory-new-file"));
    await user.type(screen.getByTestId("memory-file-path"), "../up.md");
    await user.click(screen.getByTestId("memory-file-create"));
    expect(screen.getByTestId("field-error-path").textContent).toMatch(/ending in \.md/);
    await user.clear(screen.getByTestId("memory-file-path"));
    await user.type(screen.getByTestId("memory-file-path"), "project/release-steps{Enter}");

    const item = await fileItem('[data-path="project/release-steps.md"]');
    expect(item.getAttribute("aria-current")).toBe("true");
    await waitFor(() => expect(editor().state.doc.toString()).toBe("# Release steps\n\n"));
    expect(screen.getByTestId<HTMLButtonElement>("memory-save").disabled).toBe(true);

    replaceText("# Release steps\n\n1. Tag.\n");
    expect(screen.getByTestId("memory-save-state").textContent).toMatch(/Unsaved changes/);
    await user.click(screen.getByTestId("memory-save"));
    await waitFor(() => expect(screen.getAllByTestId("memory-version")).toHaveLength(2));
    const [store] = await backend.listMemoryStores();
    expect((await backend.readMemoryFile(store!.id, "project/release-steps.md")).content).toBe(
      "# Release steps\n\n1. Tag.\n",
    );
    expect(screen.getAllByTestId("memory-version").map((v) => [v.dataset.op, v.dataset.actor])).toEqual([
      ["update", "user"],
      ["create", "user"],
    ]);
  });

  it("shows a save conflict, then keeps the user's text over the newer version when asked", async () => {
    const { user, backend } = await openFile(await seeded(), "project/testing.md");
    const [store] = await backend.listMemoryStores();
    replaceText("# Testing\n\nMine.\n");
    // Meanwhile the file changes elsewhere.
    const current = await backend.readMemoryFile(store!.id, "project/testing.md");
    await backend.writeMemoryFile(store!.id, {
      path: "project/testing.md",
      content: "Theirs.\n",
      expected_sha256: current.sha256,
    });

    await user.click(screen.getByTestId("memory-save"));
    const conflict = await screen.findByTestId("memory-conflict");
    expect(conflict.textContent).toMatch(/Not saved: this file changed while you were editing/);
    expect(conflict.textContent).toMatch(/Edited by you/);
    expect(editor().state.doc.toString()).toBe("# Testing\n\nMine.\n");
    expect((await backend.readMemoryFile(store!.id, "project/testing.md")).content).toBe("Theirs.\n");

    await user.click(within(conflict).getByTestId("memory-conflict-keep"));
    await screen.findByTestId("memory-overriding");
    await user.click(screen.getByTestId("memory-save"));
    await waitFor(() => expect(screen.queryByTestId("memory-overriding")).toBeNull());
    expect((await backend.readMemoryFile(store!.id, "project/testing.md")).content).toBe("# Testing\n\nMine.\n");
    // Theirs is still in the history.
    const versions = await backend.memoryHistory(store!.id, "project/testing.md");
    expect(versions.map((v) => v.bytes).slice(0, 2)).toEqual([17, 8]);
  });

  it("reloads their version after a conflict when the user gives up their edit", async () => {
    const { user, backend } = await openFile(await seeded(), "project/testing.md");
    const [store] = await backend.listMemoryStores();
    replaceText("Mine.\n");
    await backend.writeMemoryFile(store!.id, { path: "project/testing.md", content: "Theirs.\n" });
    await user.click(screen.getByTestId("memory-save"));
    await user.click(within(await screen.findByTestId("memory-conflict")).getByTestId("memory-conflict-reload"));
    await waitFor(() => expect(editor().state.doc.toString()).toBe("Theirs.\n"));
    expect(screen.queryByTestId("memory-conflict")).toBeNull();
    expect(screen.getByTestId<HTMLButtonElement>("memory-save").disabled).toBe(true);
  });

  it("lists the history humanly, diffs the selected version against the one before, and reverts", async () => {
    const { user, backend, session, thread } = await openFile(await seeded(), "project/testing.md");
    const history = screen.getByTestId("memory-history");
    await waitFor(() => expect(within(history).getAllByTestId("memory-version")).toHaveLength(3));
    const rows = within(history).getAllByTestId("memory-version");
    expect(rows.map((r) => r.dataset.actor)).toEqual(["external", "user", `session:${session}/thread:${thread}`]);
    expect(rows[0]!.textContent).toMatch(/v3Edited.*by external editor/);
    // Ids are shortened on screen; the full actor is in data-actor above.
    const who = `session ${shortId(session)} (thread ${shortId(thread)})`;
    expect(rows[2]!.textContent).toMatch(/^v1Created/);
    expect(rows[2]!.textContent).toContain(`by ${who}`);

    // The newest is selected and compared with the one before.
    expect(rows[0]!.getAttribute("aria-pressed")).toBe("true");
    expect(screen.getByTestId("memory-diff-caption").textContent).toBe("Changes from v2 to v3");
    const lines = await within(history).findAllByTestId("diff-line");
    expect(lines.map((l) => `${l.dataset.kind}:${l.lastChild!.textContent}`)).toEqual([
      "context:# Testing",
      "context:\u00a0",
      "removed:Run npm test.",
      "added:Run `npm test`.",
      "context:Tests need no network.",
    ]);
    expect(screen.getByTestId<HTMLButtonElement>("memory-revert").disabled).toBe(true);

    // Pick v1 and compare it with v3 instead.
    await user.click(rows[2]!);
    expect(screen.getByTestId("memory-diff-caption").textContent).toBe("Changes from an empty file to v1");
    await user.selectOptions(screen.getByTestId("memory-compare"), rows[0]!.dataset.versionId!);
    await waitFor(() => expect(screen.getByTestId("memory-diff-caption").textContent).toBe("Changes from v1 to v3"));
    // The session that wrote it links to the session in Runs.
    expect(within(screen.getByTestId("memory-version-detail")).getByTestId("actor-session-link").textContent).toBe(who);

    await user.click(screen.getByTestId("memory-revert"));
    await waitFor(() => expect(within(history).getAllByTestId("memory-version")).toHaveLength(4));
    const newest = within(history).getAllByTestId("memory-version")[0]!;
    expect([newest.dataset.op, newest.dataset.actor]).toEqual(["update", "user"]);
    await waitFor(() => expect(editor().state.doc.toString()).toBe("# Testing\n\nRun npm test.\n"));
    const [store] = await backend.listMemoryStores();
    expect((await backend.readMemoryFile(store!.id, "project/testing.md")).content).toBe(
      "# Testing\n\nRun npm test.\n",
    );
  });

  it("redacts an old version only after a confirmation that says it can't be undone", async () => {
    const { user } = await openFile(await seeded(), "project/testing.md");
    const history = screen.getByTestId("memory-history");
    await waitFor(() => expect(within(history).getAllByTestId("memory-version")).toHaveLength(3));
    expect(screen.getByTestId<HTMLButtonElement>("memory-redact").disabled).toBe(true);
    await user.click(within(history).getAllByTestId("memory-version")[1]!);
    await user.click(screen.getByTestId("memory-redact"));
    expect(screen.getByTestId("memory-redact-confirm").textContent).toMatch(/can't be undone/);
    await user.click(screen.getByTestId("confirm-redact"));
    await waitFor(() => expect(within(history).getAllByTestId("memory-version")[1]!.dataset.redacted).toBe("true"));
    expect(within(history).getByTestId("memory-version-redacted")).toBeTruthy();
    expect(screen.getByTestId("memory-diff-redacted").textContent).toMatch(/v2 was redacted/);
  });

  it("searches the store, ranks and marks the hits, and opens one", async () => {
    const { backend } = await seeded();
    const { user } = renderApp({ page: "memory", backend });
    await user.click(await screen.findByText("Project notes"));
    await user.type(await screen.findByTestId("memory-search-input"), "spaces");
    const hit = await screen.findByTestId("memory-search-hit");
    expect(hit.dataset.path).toBe("style.md");
    expect(hit.querySelector("mark")?.textContent).toBe("spaces");
    await user.click(hit);
    await waitFor(() => expect(editor().state.doc.toString()).toBe("# Style\n\nTwo spaces.\n"));
    expect(screen.getByTestId("memory-file-panel").dataset.path).toBe("style.md");
  });

  it("says which sessions loaded a file, and why", async () => {
    const { session } = await openFile(await seeded(), "project/testing.md");
    const loaded = screen.getByTestId("memory-loaded-by");
    // The session wrote it, then found it searching.
    const records = await within(loaded).findAllByTestId("memory-access");
    expect(records.map((r) => r.dataset.kind)).toEqual(["searched", "written"]);
    expect(records[0]!.textContent).toMatch(/^Searched.*searching for.*how to test/);
    expect(records[0]!.textContent).toContain(`session ${shortId(session)}`);
  });

  it("asks before leaving unsaved edits for another file", async () => {
    const { user } = await openFile(await seeded(), "project/testing.md");
    replaceText("Unsaved.\n");
    await user.click(fileItemNow('[data-path="style.md"]'));
    expect(screen.getByTestId("memory-unsaved").textContent).toMatch(/changes you haven’t saved/);
    expect(screen.getByTestId("memory-file-panel").dataset.path).toBe("project/testing.md");
    await user.click(screen.getByTestId("memory-discard"));
    await waitFor(() => expect(screen.getByTestId("memory-file-panel").dataset.path).toBe("style.md"));
  });

  it("exports and imports a store through the folder picker, reporting how many files", async () => {
    const { backend: real } = await seeded();
    const folder = path.join(engine().tempDir, "notes-export");
    await mkdir(folder);
    await writeFile(path.join(folder, "extra.md"), "# Extra\n");
    // The folder picker is the app window's: it answers the folder the test made.
    const backend: Backend = { ...real, pickFolder: async () => folder };
    const { user } = renderApp({ page: "memory", backend });
    await user.click(await screen.findByText("Project notes"));
    await user.click(await screen.findByTestId("memory-import"));
    expect(
      (await screen.findByText(`Imported 1 file from ${folder}.`, { exact: false }))
        .closest("[data-tone]")
        ?.getAttribute("data-tone"),
    ).toBe("ok");
    await fileItem('[data-path="extra.md"]');
    await user.click(screen.getByTestId("memory-export"));
    expect((await screen.findByTestId("memory-transfer-result", {}, {})).textContent).toMatch(/Exported|Exporting/);
    await waitFor(() =>
      expect(screen.getByTestId("memory-transfer-result").textContent).toBe(`Exported 3 files to ${folder}.`),
    );
    expect(await readFile(path.join(folder, "style.md"), "utf8")).toBe("# Style\n\nTwo spaces.\n");
  });
});
