// The memory scenarios in a browser on the real engine: reverie-devserver seeded with
// `--seed memory` (a store with history made by the user, two runs and the mirror folder, a
// conflict and a problem; see src-tauri/crates/api/src/seed/memory.rs) or `--seed providers`
// (no store yet). Run with `node --test e2e/memory.test.mjs` (or `npm run test:e2e`); it needs
// target/debug/reverie-devserver and target/debug/fake-provider. Every wait is for a selector or
// a condition in the page; nothing sleeps for a fixed time.
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { ARTIFACTS, browserSuite, openPage, screenshot, startEngine, useScheme } from "./harness.mjs";

const suite = browserSuite();

/** A version's actor as the test compares it: a thread of a run is `session`, whichever run. */
const actorOf = (actor) => (actor.startsWith("session:") ? "session" : actor);

test(
  "memory: a store's files, the editor, history with a diff, revert, search, and who loaded what",
  { timeout: 90_000 },
  async (t) => {
    const engine = await startEngine(t, { seeds: ["memory"] });
    const page = await openPage(t, suite, engine);
    const byId = (id) => page.getByTestId(id);
    const file = (path) => page.locator(`[data-testid="memory-file"][data-path="${path}"]`);
    const versions = page.getByTestId("memory-version");
    const editorText = () => page.locator('[data-testid="memory-editor"] .cm-content').innerText();

    await byId("nav-memory").click();
    const store = page.locator('[data-testid="memory-store"][data-store-name="Project notes"]');
    await store.waitFor();
    assert.match(await store.innerText(), /4 files · 1015 bytes/);
    await screenshot(page, "browser-memory-stores-light.png");

    // The store: folders from the paths, then a file in the editor with its history and a diff.
    await store.click();
    await file("project/testing.md").waitFor();
    assert.deepEqual(
      await page.locator('[data-testid="memory-file"]').evaluateAll((items) => items.map((i) => i.dataset.path)),
      ["decisions/storage-format.md", "project/overview.md", "project/testing.md", "style.md"],
    );

    // The store's folder: a file changed both here and on disk, and one that couldn't be imported.
    const conflicts = byId("memory-conflicts");
    const conflict = page.locator('[data-testid="memory-conflict-item"][data-path="project/overview.md"]');
    await conflict.waitFor();
    assert.match(await conflicts.innerText(), /1 conflict · 1 file not imported/);
    assert.match(
      await page.locator('[data-testid="memory-problem-item"][data-path="meetings/kickoff.md"]').innerText(),
      /isn't UTF-8 text/,
    );
    await conflict.getByTestId("conflict-compare").click();
    await conflict.getByTestId("memory-diff").waitFor();
    assert.deepEqual(
      await conflict
        .locator('[data-testid="diff-line"]:not([data-kind="context"])')
        .evaluateAll((lines) => lines.map((l) => `${l.dataset.kind} ${l.lastElementChild.textContent}`)),
      [
        "removed - Entry point: src/cli.js; storage: src/store.js.",
        "added - Entry point: src/cli.js; storage: src/store.js; export to HTML: src/export.js.",
        "removed - Needs Node 20 or newer.",
      ],
    );
    await conflicts.screenshot({
      path: path.join(ARTIFACTS, "browser-memory-conflicts-light.png"),
      animations: "disabled",
    });
    await useScheme(page, "dark");
    await conflicts.screenshot({
      path: path.join(ARTIFACTS, "browser-memory-conflicts-dark.png"),
      animations: "disabled",
    });
    await useScheme(page, "light");
    await conflict.getByTestId("conflict-take-theirs").click();
    await conflict.waitFor({ state: "detached" });
    assert.match(await conflicts.innerText(), /1 file not imported/);

    await file("project/testing.md").click();
    await page.locator('[data-testid="memory-editor"] .cm-content').waitFor();
    assert.match(await editorText(), /^# Testing/);
    await byId("memory-diff").waitFor();
    // The seed's history: a run created and edited it, your editor changed it in the mirror folder, then you.
    assert.deepEqual(
      (await versions.evaluateAll((rows) => rows.map((r) => [r.dataset.op, r.dataset.actor]))).map(
        ([op, actor]) => `${op} ${actorOf(actor)}`,
      ),
      ["update user", "update external", "update session", "create session"],
    );
    assert.match(await versions.nth(1).innerText(), /by external editor/);
    assert.equal(await byId("memory-diff-caption").innerText(), "Changes from v3 to v4");
    assert.ok((await page.locator('[data-testid="diff-line"][data-kind="added"]').count()) > 0);
    assert.ok((await page.locator('[data-testid="diff-line"][data-kind="removed"]').count()) > 0);
    assert.match(await byId("memory-loaded-by").innerText(), /session \w+[\s\S]*install steps/);
    await screenshot(page, "browser-memory-light.png");
    await useScheme(page, "dark");
    await screenshot(page, "browser-memory-dark.png");
    await useScheme(page, "light");

    // Edit and save: a new version by you.
    await page.locator('[data-testid="memory-editor"] .cm-content').click();
    await page.keyboard.press("Control+End");
    await page.keyboard.type("\nKeep tests fast.");
    assert.match(await byId("memory-save-state").innerText(), /Unsaved changes/);
    await byId("memory-save").click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="memory-version"]').length === 5);
    assert.equal(await versions.first().getAttribute("data-actor"), "user");
    assert.match(await editorText(), /Keep tests fast\.$/);

    // Any two versions: v2 against v4, then revert to v2.
    await versions.nth(3).click();
    await byId("memory-compare").selectOption(await versions.nth(1).getAttribute("data-version-id"));
    await byId("memory-diff-caption").filter({ hasText: "Changes from v2 to v4" }).waitFor();
    await byId("memory-diff").waitFor();
    await byId("memory-history").scrollIntoViewIfNeeded();
    await screenshot(page, "browser-memory-history-light.png");
    await useScheme(page, "dark");
    await screenshot(page, "browser-memory-history-dark.png");
    await useScheme(page, "light");
    await byId("memory-revert").click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="memory-version"]').length === 6);
    // v2's text in the editor: the line the run added is there, your later section is gone.
    await page.waitForFunction(() => {
      const text = document.querySelector('[data-testid="memory-editor"] .cm-content')?.textContent ?? "";
      return text.includes("Saving on exit is covered") && !text.includes("Before a release");
    });
    assert.doesNotMatch(await editorText(), /Before a release/);

    // A redacted version says so.
    await file("style.md").click();
    await page.locator('[data-testid="memory-version"][data-redacted="true"]').waitFor();

    // Search ranks files and opens one.
    await byId("memory-search-input").fill("sqlite files");
    const hit = page.locator('[data-testid="memory-search-hit"]').first();
    await hit.waitFor();
    assert.equal(await hit.getAttribute("data-path"), "decisions/storage-format.md");
    assert.ok((await hit.locator("mark").count()) > 0);
    await hit.click();
    await page.waitForFunction(() =>
      document.querySelector('[data-testid="memory-editor"] .cm-content')?.textContent?.startsWith("# Storage format"),
    );
    // Its history, once loaded, starts with your rename.
    await versions.first().filter({ hasText: "Renamed" }).waitFor();
    assert.match(await versions.first().innerText(), /Renamed[\s\S]*from decisions\/storage\.md/);

    // A session that searched for a file, and everything it loaded from memory.
    await file("project/testing.md").click();
    const searched = byId("memory-loaded-by").locator('[data-testid="memory-access"]', { hasText: "install steps" });
    const reader = await searched.first().getAttribute("data-session-id");
    await searched
      .first()
      .getByRole("button", { name: /^session / })
      .click();
    const memory = byId("session-memory");
    await memory.waitFor();
    assert.equal(await byId("session-view").getAttribute("data-session-id"), reader);
    await byId("session-memory-toggle").click();
    assert.deepEqual(
      await page
        .locator('[data-testid="session-memory-record"]')
        .evaluateAll((rows) => rows.map((r) => r.dataset.kind)),
      // The store's index at the start, two hits, a read, a search that found nothing, three hits, a read.
      [
        ...Array(4).fill("listed"),
        "searched",
        "searched",
        "read",
        "searched",
        "searched",
        "searched",
        "searched",
        "read",
      ],
    );
    assert.match(await memory.innerText(), /found nothing for[\s\S]*database migrations/);
    await screenshot(page, "browser-session-memory-light.png");

    // Agents mount the store.
    await byId("nav-agents").click();
    const maintainer = page.locator('[data-testid="agent-row"][data-agent-name="Maintainer"]');
    await maintainer.waitFor();
    assert.match(await maintainer.getByTestId("agent-memory-mounts").innerText(), /Project notes\s+read & write/);
    await maintainer.getByTestId("agent-edit").click();
    assert.equal(await byId("agent-memory-Project notes").inputValue(), "read_write");
    await byId("agent-memory").scrollIntoViewIfNeeded();
    await screenshot(page, "browser-agent-memory-light.png");
    await byId("agent-memory-Project notes").selectOption("read_only");
    await byId("agent-save").click();
    await maintainer.getByTestId("agent-memory-mounts").filter({ hasText: "read only" }).waitFor();
  },
);

test("memory: from no store to a first file", { timeout: 60_000 }, async (t) => {
  const engine = await startEngine(t, { seeds: ["providers"] });
  const page = await openPage(t, suite, engine);
  const byId = (id) => page.getByTestId(id);

  await byId("nav-memory").click();
  await byId("memory-empty").waitFor();
  await screenshot(page, "browser-memory-empty-light.png");
  await byId("new-store").click();
  await byId("store-form").waitFor();
  await byId("store-name").fill("Project notes");
  await byId("store-description").fill("How we build, test and release");
  await byId("store-save").click();
  const store = page.locator('[data-testid="memory-store"][data-store-name="Project notes"]');
  await store.click();
  await byId("memory-store-empty").waitFor();
  await useScheme(page, "dark");
  await screenshot(page, "browser-memory-empty-store-dark.png");
  await useScheme(page, "light");

  await byId("memory-new-file").click();
  await byId("memory-file-path").fill("notes/testing.md");
  await byId("memory-file-path").press("Enter");
  await page.locator('[data-testid="memory-file"][data-path="notes/testing.md"]').waitFor();
  // Typing into the editor's host element (as the app's WebDriver test does) reaches CodeMirror.
  await page.locator('[data-testid="memory-editor"] .cm-content').waitFor();
  await byId("memory-editor").press("Control+End");
  await byId("memory-editor").pressSequentially("Run npm test.");
  await page.waitForFunction(() =>
    document.querySelector('[data-testid="memory-editor"] .cm-content')?.textContent?.endsWith("Run npm test."),
  );
  await byId("memory-save").click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="memory-version"]').length === 2);

  // Export and import need a folder picker, which only the desktop shell has: in a browser the
  // page says so, and nothing is written.
  await byId("memory-export").click();
  await byId("memory-transfer-result").filter({ hasText: "there is no file or folder picker" }).waitFor();
  assert.equal(await byId("memory-transfer-result").getAttribute("data-tone"), "error");
});
