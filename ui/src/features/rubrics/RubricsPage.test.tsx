import { EditorView } from "@codemirror/view";
import { act, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Backend } from "../../ipc";
import { engineEachTest } from "../../test/engine";
import { renderApp } from "../../test/renderApp";

const engine = engineEachTest();

const BUG_FIX_V1 = "# Bug fix\n\n## Fix\n- The bug no longer happens {#fixed weight=3}\n- The tests pass {#tests}\n";
const BUG_FIX_V2 = `${BUG_FIX_V1}\n## Report\n- The cause is named {#cause .optional}\n`;

const RELEASE_NOTES = "## Notes\n- Every change is listed {#complete}\n";

/**
 * The engine with two rubrics saved through its commands (Bug fix in two versions), and a
 * rubric file in a `rubrics` folder; the file dialogs (the app window's) answer that folder.
 */
async function library(): Promise<{ backend: Backend; folder: string }> {
  const { backend: real, tempDir } = engine();
  const bugFix = await real.createRubric("Bug fix", BUG_FIX_V1);
  await real.saveRubric(bugFix.id, "Bug fix", BUG_FIX_V2);
  await real.createRubric("Research brief", "## Substance\n- It answers the question {#answers}\n");
  const folder = path.join(tempDir, "rubrics");
  await mkdir(folder);
  await writeFile(path.join(folder, "release-notes.md"), RELEASE_NOTES);
  const backend: Backend = {
    ...real,
    pickMarkdownFile: async () => path.join(folder, "release-notes.md"),
    pickSavePath: async (defaultName: string) => path.join(folder, defaultName),
  };
  return { backend, folder };
}

/** The CodeMirror view inside the `rubric-editor` host. */
function editor(): EditorView {
  const host = screen.getByTestId("rubric-editor").querySelector<HTMLElement>(".cm-editor");
  const view = host && EditorView.findFromDOM(host);
  if (!view) throw new Error("no editor");
  return view;
}

async function editorReady(): Promise<EditorView> {
  return waitFor(() => editor());
}

function replaceText(text: string) {
  const view = editor();
  // happy-dom reports selection changes synchronously, which CodeMirror refuses mid-update
  // while it has focus (a browser reports them later): edit it unfocused, as a paste from outside would.
  act(() => view.contentDOM.blur());
  act(() => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } }));
}

/** The line (1-based) the editor's cursor is on. */
function cursorLine(): number {
  const view = editor();
  return view.state.doc.lineAt(view.state.selection.main.head).number;
}

const items = () => screen.queryAllByTestId("rubric-item").map((i) => i.dataset.rubricName);

describe("Rubrics", () => {
  it("offers the starter rubrics in an empty library, and opens the one chosen", async () => {
    const { user, backend } = renderApp({ page: "rubrics", backend: engine().backend });
    const empty = await screen.findByTestId("rubrics-empty");
    expect(empty.textContent).toMatch(/an independent grader checks each criterion/);
    const cards = await within(empty).findAllByTestId("rubric-template");
    expect(cards.map((c) => c.dataset.template)).toEqual(["Code change", "Research brief", "Document review"]);
    expect(cards[0]!.textContent).toMatch(/A change another engineer could merge without rework\.7 criteria/);

    await user.click(cards[0]!);
    await waitFor(() => expect(items()).toEqual(["Code change"]));
    expect((await editorReady()).state.doc.toString()).toMatch(/^# Code change/);
    expect(screen.getByTestId<HTMLInputElement>("rubric-name").value).toBe("Code change");
    expect(screen.getByTestId("rubrics-notice").textContent).toMatch(/Added “Code change” from the template/);
    expect(screen.getAllByTestId("rubric-criterion")).toHaveLength(7);
    expect((await backend.listRubrics()).map((r) => r.name)).toEqual(["Code change"]);
  });

  it("writes a new rubric: problems by line in a list and in the editor, the preview by heading, then a saved version", async () => {
    const { user, backend } = renderApp({ page: "rubrics", backend: (await library()).backend });
    await editorReady();
    await user.click(screen.getByTestId("rubric-new"));
    await waitFor(() => expect(editor().state.doc.toString()).toBe(""));
    expect(document.activeElement).toBe(screen.getByTestId("rubric-name"));
    expect(screen.queryByTestId("rubric-problem")).toBeNull();
    expect(screen.getByTestId("rubric-help").textContent).toMatch(/one criterion per list item/);
    await user.type(screen.getByTestId("rubric-name"), "Release notes");

    replaceText(
      "# Release notes\n\n## Content\n- Every change is listed {#complete}\n- Breaking ones first {weigth=3}\n- Each says what changed {#complete}\n",
    );
    const problems = await screen.findAllByTestId("rubric-problem");
    expect(problems.map((p) => [p.dataset.line, p.textContent])).toEqual([
      ["5", "Line 5“weigth=3” is not a marker. Use {#id}, weight=N or .optional, like {#tests weight=2 .optional}."],
      ["6", "Line 6The id “complete” is already used on line 4. Give one of them another {#id}."],
    ]);
    expect(screen.getByTestId<HTMLButtonElement>("rubric-save").disabled).toBe(true);
    const marked = () =>
      [...screen.getByTestId("rubric-editor").querySelectorAll(".cm-problem-line")].map((l) => l.textContent);
    expect(marked()).toEqual(["- Breaking ones first {weigth=3}", "- Each says what changed {#complete}"]);
    expect(screen.getByTestId("rubric-preview-blocked").textContent).toMatch(/fix the problems/);

    await user.click(problems[1]!);
    expect(cursorLine()).toBe(6);

    replaceText(
      "# Release notes\n\n## Content\n- Every change is listed {#complete}\n- Breaking ones first {weight=3}\n\n## Form\n- Entries are short {.optional}\n",
    );
    await waitFor(() => expect(screen.queryByTestId("rubric-problem")).toBeNull());
    const preview = screen.getByTestId("rubric-preview");
    expect(
      within(preview)
        .getAllByRole("heading", { level: 4 })
        .map((h) => h.textContent),
    ).toEqual(["Content", "Form"]);
    expect(
      within(preview)
        .getAllByTestId("rubric-criterion")
        .map((c) => c.dataset.id),
    ).toEqual(["complete", "breaking-ones-first", "entries-are-short"]);
    expect(within(preview).getByTestId("rubric-preview-count").textContent).toBe("3 criteria · weight 5 · 1 optional");
    await user.click(within(preview).getAllByTestId("rubric-criterion")[2]!);
    expect(cursorLine()).toBe(8);

    await user.click(screen.getByTestId("rubric-save"));
    await waitFor(() => expect(screen.getByTestId("rubric-save-state").textContent).toBe("Saved as version 1"));
    expect(items()).toEqual(["Bug fix", "Release notes", "Research brief"]);
    const saved = (await backend.listRubrics()).find((r) => r.name === "Release notes")!;
    expect(saved.latest.criteria.map((c) => c.id)).toEqual(["complete", "breaking-ones-first", "entries-are-short"]);
    expect(screen.getByTestId<HTMLButtonElement>("rubric-save").disabled).toBe(true);

    // The same editor goes on: another save is version 2, with its diff in the history.
    act(() => editor().contentDOM.blur());
    act(() =>
      editor().dispatch({ changes: { from: editor().state.doc.length, insert: "- One or two sentences each\n" } }),
    );
    await user.click(screen.getByTestId("rubric-save"));
    await waitFor(() => expect(screen.getByTestId("rubric-save-state").textContent).toBe("Saved as version 2"));
    await waitFor(() =>
      expect(screen.getAllByTestId("rubric-version").map((v) => v.dataset.version)).toEqual(["2", "1"]),
    );
    await waitFor(() =>
      expect(screen.getByTestId("rubric-diff-caption").textContent).toMatch(/^Changes from v1 to v2 · \+1 −0$/),
    );
    expect(
      screen
        .getAllByTestId("diff-line")
        .filter((l) => l.dataset.kind === "added")
        .map((l) => l.lastElementChild?.textContent),
    ).toEqual(["- One or two sentences each"]);
    await user.click(screen.getAllByTestId("rubric-version")[1]!);
    expect(screen.getByTestId("rubric-diff-caption").textContent).toBe("The first version");
  });

  it("shows a refused name under the field, and a rename without new text keeps the version", async () => {
    const { user } = renderApp({ page: "rubrics", backend: (await library()).backend });
    await editorReady();
    const name = screen.getByTestId("rubric-name");
    await user.clear(name);
    await user.type(name, "research BRIEF");
    await user.click(screen.getByTestId("rubric-save"));
    expect((await screen.findByTestId("field-error-name")).textContent).toBe(
      "A rubric named “research BRIEF” already exists.",
    );
    await user.clear(name);
    await user.type(name, "Bug fixes{Enter}");
    await waitFor(() =>
      expect(screen.getByTestId("rubric-save-state").textContent).toBe(
        "Renamed · the text is unchanged, still version 2",
      ),
    );
    expect(items()).toEqual(["Bug fixes", "Research brief"]);
  });

  it("asks before leaving unsaved changes for another rubric", async () => {
    const { user } = renderApp({ page: "rubrics", backend: (await library()).backend });
    await editorReady();
    replaceText(`${BUG_FIX_V2}- Mine\n`);
    await user.click(screen.getAllByTestId("rubric-item")[1]!);
    const ask = screen.getByTestId("rubric-unsaved");
    expect(ask.textContent).toMatch(/“Bug fix” has changes you haven’t saved\. Open “Research brief” and lose them\?/);
    await user.click(within(ask).getByRole("button", { name: "Keep editing" }));
    expect(editor().state.doc.toString()).toMatch(/- Mine\n$/);

    await user.click(screen.getByTestId("rubric-new"));
    await user.click(screen.getByTestId("rubric-discard"));
    await waitFor(() => expect(editor().state.doc.toString()).toBe(""));
    await user.click(screen.getByTestId("rubric-cancel"));
    await waitFor(() => expect(screen.getByTestId<HTMLInputElement>("rubric-name").value).toBe("Bug fix"));
    expect(editor().state.doc.toString()).toBe(BUG_FIX_V2);
  });

  it("deletes after a confirmation that says runs keep their version", async () => {
    const { user, backend } = renderApp({ page: "rubrics", backend: (await library()).backend });
    await editorReady();
    const [bugFix] = await backend.listRubrics();
    await user.click(screen.getByTestId("rubric-delete"));
    expect(screen.getByRole("group", { name: "Delete Bug fix" }).textContent).toMatch(
      /Runs graded against it keep the version they used/,
    );
    await user.click(screen.getByTestId("confirm-delete"));
    await waitFor(() => expect(items()).toEqual(["Research brief"]));
    expect(screen.getByTestId("rubrics-none")).toBeTruthy();
    expect((await backend.rubricVersions(bugFix!.id)).length).toBe(2);
  });

  it("imports a Markdown file and exports a version to one", async () => {
    const { backend, folder } = await library();
    const { user } = renderApp({ page: "rubrics", backend });
    await editorReady();
    await user.click(screen.getByTestId("rubric-import"));
    await waitFor(() => expect(items()).toEqual(["Bug fix", "release-notes", "Research brief"]));
    expect(screen.getByTestId("rubrics-notice").textContent).toBe(
      `Imported ${path.join(folder, "release-notes.md")} as “release-notes”.`,
    );
    await waitFor(() => expect(editor().state.doc.toString()).toBe(RELEASE_NOTES));

    await user.click(screen.getByTestId("rubric-export"));
    await waitFor(() =>
      expect(screen.getByTestId("rubrics-notice").textContent).toBe(
        `Exported version 1 of “release-notes” to ${path.join(folder, "release-notes.md")}.`,
      ),
    );
    expect(await readFile(path.join(folder, "release-notes.md"), "utf8")).toBe(RELEASE_NOTES);

    // From the history: an older version of another rubric.
    await user.click(screen.getAllByTestId("rubric-item")[0]!);
    await waitFor(() => expect(screen.getAllByTestId("rubric-version")).toHaveLength(2));
    await user.click(screen.getAllByTestId("rubric-version")[1]!);
    await user.click(screen.getByTestId("rubric-export-version"));
    await waitFor(() =>
      expect(screen.getByTestId("rubrics-notice").textContent).toBe(
        `Exported version 1 of “Bug fix” to ${path.join(folder, "Bug fix.md")}.`,
      ),
    );
    expect(await readFile(path.join(folder, "Bug fix.md"), "utf8")).toBe(BUG_FIX_V1);
    await user.click(screen.getByTestId("rubric-import"));
    await waitFor(() => expect(screen.getByTestId("rubrics-notice").textContent).toMatch(/as “release-notes 2”/));
  });

  it("offers the templates from the page's menu too", async () => {
    const { user } = renderApp({ page: "rubrics", backend: (await library()).backend });
    await editorReady();
    await user.click(screen.getByTestId("rubric-from-template"));
    const menu = screen.getByRole("menu", { name: "Starter rubrics" });
    await user.click(within(menu).getByRole("menuitem", { name: /Document review/ }));
    await waitFor(() => expect(items()).toEqual(["Bug fix", "Document review", "Research brief"]));
    expect(screen.queryByRole("menu")).toBeNull();
  });
});
