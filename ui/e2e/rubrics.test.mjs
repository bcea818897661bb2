// The rubric scenarios in a browser on the real engine: reverie-devserver seeded with
// `--seed providers` (an empty library) or `--seed rubrics` ("Bug fix" in three versions,
// "Research brief", and a run graded against Bug fix; see src-tauri/crates/api/src/seed/rubrics.rs),
// its fake model scripted for the run the test starts. Run with `node --test e2e/rubrics.test.mjs`
// (or `npm run test:e2e`); it needs target/debug/reverie-devserver and target/debug/fake-provider.
// Every wait is for a selector or a condition in the page; nothing sleeps for a fixed time.
import assert from "node:assert/strict";
import { test } from "node:test";
import { browserSuite, elementShot, openPage, screenshot, startEngine, useScheme } from "./harness.mjs";

const suite = browserSuite();

/** One grader pass's report on Bug fix (version 3), every criterion `met` but those in `not`. */
function grade(not = {}, delay_ms = 0) {
  const ids = ["fixed", "tests-pass", "regression-test", "focused", "cause", "notes"];
  const criteria = ids.map((id) => ({
    id,
    verdict: not[id] ? "not_met" : "met",
    evidence: not[id] ? "the final message says nothing about it" : "src/store.js:3",
    change: not[id] ?? "",
  }));
  return {
    steps: [{ tool_use: { name: "submit_result", input: { applies: true, criteria } } }],
    usage: { input_tokens: 900, output_tokens: 120 },
    delay_ms,
  };
}

/**
 * What the model answers for the run the outcome test starts: a change to ask about, a first
 * attempt the grader sends back (slowly enough to see it grading), the revision, a satisfied grader.
 */
const GRADED_RUN = {
  default: [
    {
      steps: [
        { text: "The comment should say the notes are saved on exit too." },
        {
          tool_use: {
            name: "edit_file",
            input: {
              path: "src/store.js",
              old_string: "// Notes are kept in memory and written to disk every few seconds.\n",
              new_string: "// Notes are kept in memory and written to disk every few seconds, and on exit.\n",
            },
          },
        },
      ],
    },
    { steps: [{ text: "Fixed: src/store.js saves on exit, and its comment says so." }] },
    grade(
      {
        "tests-pass": "Run `sh test/run.sh` and make sure the project's tests pass",
        cause: "Say in the final message why the last note was lost",
      },
      1500,
    ),
    {
      steps: [
        {
          text: "The cause: notes were only saved on a timer, so the last one was lost on exit. `sh test/run.sh` passes: ✔ adds a note, ✔ saves the last note on exit.",
        },
      ],
    },
    grade({}, 1500),
  ],
};

test(
  "rubrics: from a starter rubric to one of your own, problems by line, versions",
  { timeout: 90_000 },
  async (t) => {
    const engine = await startEngine(t, { seeds: ["providers"] });
    const page = await openPage(t, suite, engine);
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

    // Export needs the desktop shell's "save as" dialog: in a browser the page says there is none.
    // Deleting asks first and says runs keep their version.
    await byId("rubric-export").click();
    await byId("rubrics-notice").filter({ hasText: "there is no file or folder picker" }).waitFor();
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
    const engine = await startEngine(t, { seeds: ["rubrics"], script: GRADED_RUN });
    const page = await openPage(t, suite, engine);
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
    await byId("run-agent").selectOption({ label: "Maintainer" });
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
