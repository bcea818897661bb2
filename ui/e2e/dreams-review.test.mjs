// A dream's proposal reviewed on the real engine, seeded with `--seed dreams`: the proposal the
// seed's third dream left (an update of the testing notes in two hunks, a new file, a rename,
// a change left out) reviewed hunk by hunk, applied over a file edited since (its first change
// conflicts), the result opened on the Memory page, and the whole proposal reverted.
import assert from "node:assert/strict";
import { test } from "node:test";
import { bothThemes, browserSuite, elementShot, openPage, screenshot, startEngine } from "./harness.mjs";

const suite = browserSuite();

test(
  "dreams: review a proposal hunk by hunk, apply it over a file edited since, open the result, revert",
  { timeout: 120_000 },
  async (t) => {
    const engine = await startEngine(t, { seeds: ["dreams"] });
    const page = await openPage(t, suite, engine);
    const byId = (id) => page.getByTestId(id);
    const hunk = (id) => page.locator(`[data-testid="proposal-hunk"][data-hunk-id="${id}"]`);
    const decisions = () =>
      page
        .locator('[data-testid="proposal-hunk"]')
        .evaluateAll((all) => all.map((h) => `${h.dataset.hunkId} ${h.dataset.decision}`));
    // The seeded dream left waiting for review (ids are the engine's own).
    const waiting = page.locator('[data-testid="dream-row"][data-proposal="ready"]');
    const openProposal = async () => {
      await byId("nav-dreams").click();
      await waiting.getByTestId("dream-open-proposal").click();
      await byId("proposal-file").first().waitFor();
    };

    // The file the proposal updates is edited first, where its first change goes: that change will conflict.
    await byId("nav-memory").click();
    await page.locator('[data-testid="memory-store"][data-store-name="Project notes"]').click();
    await page.locator('[data-testid="memory-file"][data-path="project/testing.md"]').click();
    await page.locator('[data-testid="memory-editor"] .cm-content').waitFor();
    await page.getByTestId("memory-version").first().waitFor();
    const versions = await page.getByTestId("memory-version").count();
    await page.locator('[data-testid="memory-editor"] .cm-content').click();
    await page.keyboard.press("Control+Home");
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("End");
    await page.keyboard.type(" Use `npm run test:watch` while working.");
    await byId("memory-save").click();
    // The seed's (with the applied dream's) and this one.
    await page.waitForFunction(
      (n) => document.querySelectorAll('[data-testid="memory-version"]').length === n,
      versions + 1,
    );
    assert.equal(versions, 4, "three by the user, one by the applied dream");

    // The proposal: three files (an update in two hunks, a new file, a rename), a change left out.
    await byId("nav-dreams").click();
    await waiting.waitFor();
    const dreamId = await waiting.getAttribute("data-dream-id");
    await openProposal();
    assert.equal(await byId("proposal-status").getAttribute("data-status"), "ready");
    assert.deepEqual(
      await byId("proposal-file").evaluateAll((all) => all.map((f) => `${f.dataset.op} ${f.dataset.path}`)),
      ["update project/testing.md", "create lessons/interrupted-runs.md", "rename project/style.md"],
    );
    assert.deepEqual(await decisions(), ["0.0 pending", "0.1 pending", "1.0 pending", "2.0 pending"]);
    assert.match(await byId("proposal-files").innerText(), /style\.md\s*→\s*project\/style\.md/);
    assert.match(
      await byId("proposal-dropped").innerText(),
      /Left out[\s\S]*“\.\.\/NOTES\.md” is not a memory path: “\.\.” and “\.” are not allowed\. It was left out\./,
    );
    assert.equal(await hunk("0.0").getAttribute("data-current"), "true");
    await bothThemes(page, "browser-proposal-unified");
    await byId("layout-split").click();
    await hunk("0.0").getByTestId("hunk-split").waitFor();
    await bothThemes(page, "browser-proposal-split");
    await byId("layout-unified").click();

    // A quote opens its session at the event it comes from.
    const quote = page
      .locator('[data-testid="proposal-file"][data-path="project/testing.md"] [data-testid="evidence"]')
      .nth(1);
    const seq = await quote.getAttribute("data-seq");
    await quote.getByTestId("evidence-link").click();
    const focused = byId("focused-event");
    await focused.waitFor();
    assert.equal(await focused.getAttribute("data-seq"), seq);
    assert.match(await focused.innerText(), /ran the tests: both pass/);
    await page.getByTestId("message-user").filter({ hasText: "loses the last note on exit" }).waitFor();
    await bothThemes(page, "browser-evidence-event");

    // Keyboard review: a accepts and moves on, r rejects; e edits, then Save accepts with the edit.
    await openProposal();
    await page.keyboard.press("a");
    await page.locator('[data-hunk-id="0.0"][data-decision="accepted"]').waitFor();
    assert.equal(await hunk("0.1").getAttribute("data-current"), "true");
    await page.keyboard.press("r");
    await page.locator('[data-hunk-id="0.1"][data-decision="rejected"]').waitFor();
    assert.equal(await hunk("1.0").getAttribute("data-current"), "true");
    await page.keyboard.press("e");
    await page.locator('[data-testid="hunk-editor"] .cm-content').waitFor();
    await page.keyboard.press("Control+End");
    await page.keyboard.type("\nSay in NOTES.md why the run stopped.");
    await hunk("1.0").getByTestId("hunk-edit-save").click();
    await page.locator('[data-hunk-id="1.0"][data-decision="accepted"][data-edited="true"]').waitFor();
    await hunk("2.0").getByTestId("hunk-accept").click();
    await page.locator('[data-hunk-id="2.0"][data-decision="accepted"]').waitFor();
    assert.deepEqual(await decisions(), ["0.0 accepted", "0.1 rejected", "1.0 accepted", "2.0 accepted"]);

    // Apply, confirmed with the counts: the edited file's change conflicts and shows both sides.
    await byId("proposal-apply").click();
    assert.match(
      await byId("proposal-apply-confirm-strip").innerText(),
      /Apply 3 changes to 3 files\?[\s\S]*1 change is left out/,
    );
    await byId("proposal-apply-confirm").click();
    const report = byId("apply-report");
    await report.waitFor();
    assert.equal(await report.getAttribute("data-versions"), "2");
    assert.equal(await report.getAttribute("data-conflicts"), "1");
    assert.equal(await byId("proposal-status").getAttribute("data-status"), "applied");
    assert.deepEqual(await decisions(), ["0.0 conflict", "0.1 rejected", "1.0 applied", "2.0 applied"]);
    assert.match(await hunk("0.0").getByTestId("conflict-proposed").innerText(), /run it after every change/);
    assert.match(await hunk("0.0").getByTestId("conflict-theirs").innerText(), /npm run test:watch/);
    await page.locator('[data-testid="nav-dreams"][data-count="0"]').waitFor();
    await bothThemes(page, "browser-proposal-applied");
    await report.getByTestId("report-conflict").click();
    await page.locator('[data-hunk-id="0.0"][data-current="true"]').waitFor();
    await bothThemes(page, "browser-proposal-conflict", (p, name) => elementShot(p, hunk("0.0"), name));

    // The Memory page shows the new file, written by the dream.
    await report.locator('[data-testid="report-open-in-memory"][data-path="lessons/interrupted-runs.md"]').click();
    await page.locator('[data-testid="memory-editor"] .cm-content').waitFor();
    await page.waitForFunction(() =>
      document.querySelector('[data-testid="memory-editor"] .cm-content')?.textContent?.includes("why the run stopped"),
    );
    assert.equal(await page.getByTestId("memory-version").first().getAttribute("data-actor"), `dream:${dreamId}`);
    await byId("memory-diff").waitFor();
    await screenshot(page, "browser-dream-memory-light.png");

    // The version's author leads back to the proposal. Revert, confirmed: the new file goes, the rename is undone.
    await byId("actor-dream-link").click();
    await byId("proposal-review").waitFor();
    assert.equal(await byId("proposal-review").getAttribute("data-dream-id"), dreamId);
    await byId("proposal-revert").click();
    await byId("proposal-revert-confirm").click();
    await byId("apply-report").filter({ hasText: "Reverted." }).waitFor();
    assert.equal(await byId("proposal-status").getAttribute("data-status"), "reverted");
    await byId("nav-memory").click();
    await page.locator('[data-testid="memory-store"][data-store-name="Project notes"]').click();
    await page.locator('[data-testid="memory-file"][data-path="style.md"]').waitFor();
    assert.equal(await page.locator('[data-testid="memory-file"][data-path="lessons/interrupted-runs.md"]').count(), 0);
  },
);
