// Browser test of the UI on the in-memory backend: Vite in "mock" mode + Debian's chromium
// through playwright-core. Run with `npm run test:e2e` (node --test e2e/).
// Every wait is for a selector or a condition in the page; nothing sleeps for a fixed time.
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { launchChromium, startVite } from "./harness.mjs";

const UI_ROOT = fileURLToPath(new URL("..", import.meta.url));
const ARTIFACTS = path.resolve(UI_ROOT, "../target/e2e-artifacts");
const HOST = "127.0.0.1";
const PORT = 5199;
const BASE_URL = `http://${HOST}:${PORT}/`;
const OFFLINE = "Couldn't reach the update server. Reverie works fine offline; try again later.";
const MEMORY_ONLY =
  "No keychain is available on this system. API keys are kept in memory only and will be forgotten when Reverie quits.";

/** @type {import("vite").ViteDevServer | undefined} */
let server;
/** @type {import("playwright-core").Browser | undefined} */
let browser;

before(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  server = await startVite(UI_ROOT, "mock", HOST, PORT);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** A fresh page (own storage) that fails the test on any console error or uncaught exception. */
async function openPage(t, query = "") {
  assert.ok(browser, "browser did not start");
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: "light" });
  t.after(() => context.close());
  // tauri.conf.json sets `freezePrototype`: the app must work with a frozen Object.prototype.
  await context.addInitScript(() => Object.freeze(Object.prototype));
  const page = await context.newPage();
  const problems = [];
  page.on("console", (message) => {
    // Failed requests are reported below with their URL.
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) {
      problems.push(`console: ${message.text()}`);
    }
  });
  page.on("response", (response) => {
    // The browser asks for /favicon.ico on its own; the desktop app has no use for one.
    if (response.status() >= 400 && new URL(response.url()).pathname !== "/favicon.ico") {
      problems.push(`HTTP ${response.status()} ${response.url()}`);
    }
  });
  page.on("requestfailed", (request) => problems.push(`request failed: ${request.url()}`));
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  t.after(() => assert.deepEqual(problems, [], "the page logged errors"));
  await page.goto(BASE_URL + query);
  return page;
}

/** Screenshot the whole page: the main area scrolls on its own, so grow the window to fit it. */
async function screenshot(page, name) {
  const height = await page.evaluate(() => {
    const main = document.querySelector("main");
    return main ? Math.ceil(main.scrollHeight) : document.documentElement.scrollHeight;
  });
  await page.setViewportSize({ width: 1280, height: Math.max(800, height) });
  await page.screenshot({ path: path.join(ARTIFACTS, name), animations: "disabled" });
  await page.setViewportSize({ width: 1280, height: 800 });
}

/** Screenshot one element, with the window grown to the whole page so nothing sticky covers it. */
async function elementShot(page, locator, name) {
  const height = await page.evaluate(() => Math.ceil(document.querySelector("main")?.scrollHeight ?? 800));
  await page.setViewportSize({ width: 1280, height: Math.max(800, height) });
  await locator.screenshot({ path: path.join(ARTIFACTS, name), animations: "disabled" });
  await page.setViewportSize({ width: 1280, height: 800 });
}

/** Follows the system theme (the default choice) to `scheme` and waits until the page has. */
async function useScheme(page, scheme) {
  await page.emulateMedia({ colorScheme: scheme });
  await page.waitForFunction((s) => document.documentElement.dataset.theme === s, scheme);
}

test(
  "memory: a store's files, the editor, history with a diff, revert, search, and who loaded what",
  { timeout: 90_000 },
  async (t) => {
    const page = await openPage(t, "?memory=demo");
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
    assert.deepEqual(await versions.evaluateAll((rows) => rows.map((r) => `${r.dataset.op} ${r.dataset.actor}`)), [
      "update dream:drm_0001",
      "update external",
      "update session:ses_0001/thread:thr_0001",
      "create session:ses_0001/thread:thr_0001",
    ]);
    assert.match(await versions.nth(1).innerText(), /by external editor/);
    assert.equal(await byId("memory-diff-caption").innerText(), "Changes from v3 to v4");
    assert.ok((await page.locator('[data-testid="diff-line"][data-kind="added"]').count()) > 0);
    assert.ok((await page.locator('[data-testid="diff-line"][data-kind="removed"]').count()) > 0);
    assert.match(await byId("memory-loaded-by").innerText(), /session ses_0002[\s\S]*install steps/);
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
    await page.waitForFunction(() =>
      document
        .querySelector('[data-testid="memory-editor"] .cm-content')
        ?.textContent?.includes("Saving on exit is covered"),
    );
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
    assert.match(await versions.first().innerText(), /Renamed[\s\S]*from decisions\/storage\.md/);

    // A session that searched for a file, and everything it loaded from memory.
    await file("project/testing.md").click();
    await byId("memory-loaded-by").getByRole("button", { name: "session ses_0002" }).first().click();
    const memory = byId("session-memory");
    await memory.waitFor();
    assert.equal(await byId("session-view").getAttribute("data-session-id"), "ses_0002");
    await byId("session-memory-toggle").click();
    assert.deepEqual(
      await page
        .locator('[data-testid="session-memory-record"]')
        .evaluateAll((rows) => rows.map((r) => r.dataset.kind)),
      ["searched", "read", "searched", "searched", "read"],
    );
    assert.match(await memory.innerText(), /found nothing for[\s\S]*disk layout sqlite/);
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
  const page = await openPage(t, "?providers=demo");
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

  // Export and import report how many files.
  await byId("memory-export").click();
  await byId("memory-transfer-result").filter({ hasText: "Exported 1 file to /home/you/projects/notes." }).waitFor();
  await byId("memory-import").click();
  await byId("memory-transfer-result").filter({ hasText: "Imported 1 file" }).waitFor();
});

test(
  "rubrics: from a starter rubric to one of your own, problems by line, versions",
  { timeout: 90_000 },
  async (t) => {
    const page = await openPage(t, "?providers=demo");
    const byId = (id) => page.getByTestId(id);
    const content = page.locator('[data-testid="rubric-editor"] .cm-content');

    // An empty library explains rubrics and offers the starters.
    await byId("nav-rubrics").click();
    await byId("rubrics-empty").waitFor();
    await page.locator('[data-testid="rubric-template"]').first().waitFor();
    assert.deepEqual(
      await page
        .locator('[data-testid="rubric-template"]')
        .evaluateAll((cards) => cards.map((c) => c.dataset.template)),
      ["Code change", "Research brief", "Document review"],
    );
    await screenshot(page, "browser-rubrics-empty-light.png");
    await page.locator('[data-testid="rubric-template"][data-template="Code change"]').click();
    await page.locator('[data-testid="rubric-item"][data-rubric-name="Code change"]').waitFor();
    await content.waitFor();
    assert.match(await content.innerText(), /^# Code change/);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="rubric-criterion"]').length === 7);

    // A new rubric typed into the editor (through its host, as the app's WebDriver test does).
    await byId("rubric-new").click();
    await byId("rubric-name").fill("Release notes");
    await byId("rubric-editor").click();
    await byId("rubric-editor").pressSequentially(
      "# Release notes\n\n## Content\n- Every user-visible change is listed {#complete weight=2}\n- Breaking changes come first {#breaking weigth=3}\n- Each entry says what changed for the user {#complete}\n\n## Form\n- Entries are one or two sentences {.optional}\n",
    );
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="rubric-problem"]').length === 2);
    assert.deepEqual(
      await page.locator('[data-testid="rubric-problem"]').evaluateAll((items) => items.map((p) => p.dataset.line)),
      ["5", "6"],
    );
    assert.match(await byId("rubric-problems").innerText(), /Line 6\s*The id “complete” is already used on line 4/);
    assert.ok(await byId("rubric-save").isDisabled(), "a rubric with problems can't be saved");
    assert.equal(await page.locator('[data-testid="rubric-editor"] .cm-problem-line').count(), 2);
    // A problem takes the cursor to its line.
    await page.locator('[data-testid="rubric-problem"][data-line="6"]').click();
    await page.waitForFunction(() => {
      const line = document.querySelector('[data-testid="rubric-editor"] .cm-activeLine');
      return line?.textContent === "- Each entry says what changed for the user {#complete}";
    });
    await screenshot(page, "browser-rubrics-error-light.png");
    await useScheme(page, "dark");
    await screenshot(page, "browser-rubrics-error-dark.png");
    await useScheme(page, "light");

    // Fixed, the preview shows the criteria by heading; Save makes version 1.
    await byId("rubric-editor").press("Control+a");
    await byId("rubric-editor").pressSequentially(
      "# Release notes\n\n## Content\n- Every user-visible change is listed {#complete weight=2}\n- Breaking changes come first {#breaking weight=3}\n- Each entry says what changed for the user {#user-facing}\n\n## Form\n- Entries are one or two sentences {.optional}\n",
    );
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="rubric-problem"]').length === 0);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="rubric-criterion"]').length === 4);
    assert.equal(await byId("rubric-preview-count").innerText(), "4 criteria · weight 7 · 1 optional");
    await byId("rubric-save").click();
    await byId("rubric-save-state").filter({ hasText: "Saved as version 1" }).waitFor();
    assert.deepEqual(
      await page.locator('[data-testid="rubric-item"]').evaluateAll((items) => items.map((i) => i.dataset.rubricName)),
      ["Code change", "Release notes"],
    );

    // A second save is version 2, with its diff.
    await byId("rubric-editor").press("Control+End");
    await byId("rubric-editor").pressSequentially("- Links point to the issues {#links .optional}\n");
    await byId("rubric-save").click();
    await byId("rubric-save-state").filter({ hasText: "Saved as version 2" }).waitFor();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="rubric-version"]').length === 2);
    await byId("rubric-diff-caption").filter({ hasText: "Changes from v1 to v2" }).waitFor();
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="diff-line"][data-kind="added"]').length === 1,
    );
    await screenshot(page, "browser-rubrics-light.png");
    await useScheme(page, "dark");
    await screenshot(page, "browser-rubrics-dark.png");
    await useScheme(page, "light");

    // Export writes the version; deleting asks first and says runs keep their version.
    await byId("rubric-export").click();
    await byId("rubrics-notice")
      .filter({ hasText: "Exported version 2 of “Release notes” to /home/you/rubrics/Release notes.md." })
      .waitFor();
    await byId("rubric-delete").click();
    assert.match(
      await page.getByRole("group", { name: "Delete Release notes" }).innerText(),
      /keep the version they used/,
    );
    await byId("confirm-delete").click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="rubric-item"]').length === 1);
  },
);

test(
  "outcome: a run graded against a rubric, revised until the grader is satisfied",
  { timeout: 90_000 },
  async (t) => {
    const page = await openPage(t, "?rubrics=demo");
    const byId = (id) => page.getByTestId(id);
    const cell = (criterion, iteration) =>
      page.locator(`[data-testid="outcome-cell"][data-criterion="${criterion}"][data-iteration="${iteration}"]`);

    // A past run with three grader passes: revised once, then satisfied.
    await byId("nav-runs").click();
    await page.locator('[data-testid="session-row"]', { hasText: "Find the cause" }).click();
    const panel = byId("outcome-panel");
    await panel.waitFor();
    assert.equal(await byId("outcome-result").getAttribute("data-result"), "satisfied");
    assert.deepEqual(
      await page
        .locator('[data-testid="outcome-cell"][data-iteration="0"]')
        .evaluateAll((cells) => cells.map((c) => `${c.dataset.criterion} ${c.dataset.verdict}`)),
      ["fixed met", "tests-pass not_met", "regression-test met", "focused partially_met", "cause not_met", "notes met"],
    );
    await cell("fixed", 0).click();
    assert.equal(
      await byId("outcome-disagreement").innerText(),
      "2 of 3 passes: met; 1: not met. The majority decides.",
    );
    await cell("tests-pass", 0).click();
    assert.match(await byId("outcome-change").innerText(), /the project's tests pass/);
    assert.match(await byId("grader-feedback").innerText(), /^Feedback from the grader/);
    await screenshot(page, "browser-outcome-light.png");
    await elementShot(page, panel, "browser-outcome-panel-light.png");
    await useScheme(page, "dark");
    await screenshot(page, "browser-outcome-dark.png");
    await elementShot(page, panel, "browser-outcome-panel-dark.png");
    await useScheme(page, "light");
    await byId("back-to-runs").click();

    // A new run with a rubric: the grader's column appears live, then the cells turn to met.
    await byId("new-run").click();
    await byId("run-form").waitFor();
    await byId("run-task").fill("The notes app loses the last note on exit. Fix it and run the tests.");
    await page.locator('[data-testid="run-rubric"] option', { hasText: "Bug fix" }).waitFor({ state: "attached" });
    await byId("run-rubric").selectOption({ label: "Bug fix" });
    await byId("run-max-iterations").fill("0");
    await byId("run-start").click();
    assert.equal(await byId("field-error-outcome.max_iterations").innerText(), "Choose from 1 to 20 iterations.");
    await byId("run-max-iterations").fill("3");
    await screenshot(page, "browser-new-run-rubric-light.png");
    await useScheme(page, "dark");
    await screenshot(page, "browser-new-run-rubric-dark.png");
    await useScheme(page, "light");
    await byId("run-start").click();
    await panel.waitFor();
    assert.equal(await byId("outcome-result").getAttribute("data-result"), "waiting");
    await byId("approve").click();
    // While the grader works: a live column and the badge say so (checked together: it is brief).
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid="outcome-grading"]') !== null &&
        document.querySelector('[data-testid="outcome-result"]')?.dataset.result === "grading",
    );
    await elementShot(page, panel, "browser-outcome-grading-light.png");
    await cell("tests-pass", 0).waitFor();
    assert.equal(await cell("tests-pass", 0).getAttribute("data-verdict"), "not_met");
    await cell("tests-pass", 1).waitFor({ timeout: 30_000 });
    assert.equal(await cell("tests-pass", 1).getAttribute("data-verdict"), "met");
    await page.waitForFunction(
      () => document.querySelector('[data-testid="outcome-result"]')?.dataset.result === "satisfied",
    );
    await page.waitForFunction(() => document.querySelector('[data-testid="session-view"]')?.dataset.status === "idle");
    assert.deepEqual(
      await page.locator('[data-testid="evaluation-marker"]').evaluateAll((m) => m.map((x) => x.dataset.result)),
      ["needs_revision", "satisfied"],
    );
    await elementShot(page, panel, "browser-outcome-live-done-light.png");
    await useScheme(page, "dark");
    await elementShot(page, panel, "browser-outcome-live-done-dark.png");
    await useScheme(page, "light");
  },
);
