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

/** Waits until the timeline's canvas is painted in the page's theme: its corner is the surface colour. */
async function canvasInTheme(page) {
  await page.waitForFunction(() => {
    const canvas = document.querySelector('[data-testid="timeline-canvas"]');
    const probe = document.querySelector('.timeline-colours [data-colour="background"]');
    if (!(canvas instanceof HTMLCanvasElement) || !probe) return false;
    const [r, g, b] = canvas.getContext("2d").getImageData(2, 2, 1, 1).data;
    return getComputedStyle(probe).color === `rgb(${r}, ${g}, ${b})`;
  });
}

test(
  "orchestration: the example team, its run on the timeline live and finished, a request's details",
  { timeout: 120_000 },
  async (t) => {
    const page = await openPage(t, "?providers=demo");
    const byId = (id) => page.getByTestId(id);
    const agentRow = (name) => page.locator(`[data-testid="agent-row"][data-agent-name="${name}"]`);
    const lanes = () =>
      page
        .locator('[data-testid="timeline-lane"]')
        .evaluateAll((items) => items.map((l) => `${l.dataset.agentName} ${l.dataset.state}`));

    // The example team, on the provider chosen.
    await byId("nav-agents").click();
    await byId("example-team").click();
    await byId("example-team-provider").selectOption({ label: "Anthropic" });
    await byId("example-team-create").click();
    await byId("example-team-result").waitFor();
    assert.match(
      await agentRow("Coordinator").getByTestId("agent-roster-summary").innerText(),
      /Delegates to Researcher, Writer and Reviewer/,
    );

    // The reviewer may run the tests, after asking.
    await agentRow("Reviewer").getByTestId("agent-edit").click();
    await agentRow("Reviewer").getByTestId("perm-run_command-ask").click();
    await agentRow("Reviewer").getByTestId("agent-save").click();
    await agentRow("Reviewer").getByTestId("agent-form").waitFor({ state: "detached" });
    // Ask is run_command's default, so only the denied tools are left to list.
    assert.doesNotMatch(await agentRow("Reviewer").getByTestId("agent-tools").innerText(), /run_command/);

    // The coordinator's roster in its form: the three others checked, itself not offered.
    await agentRow("Coordinator").getByTestId("agent-edit").click();
    const roster = byId("agent-roster");
    await roster.scrollIntoViewIfNeeded();
    assert.deepEqual(
      await roster
        .getByTestId("agent-roster-option")
        .evaluateAll((o) => o.map((x) => `${x.dataset.agentName} ${x.dataset.checked}`)),
      ["Researcher true", "Writer true", "Reviewer true"],
    );
    await elementShot(page, agentRow("Coordinator"), "browser-agent-roster-light.png");
    await useScheme(page, "dark");
    await elementShot(page, agentRow("Coordinator"), "browser-agent-roster-dark.png");
    await useScheme(page, "light");
    await agentRow("Coordinator").getByRole("button", { name: "Cancel" }).click();

    // Run it: the form asks how many subagents at once.
    await byId("example-team-run").click();
    await byId("run-form").waitFor();
    assert.equal(await byId("run-agent").locator("option:checked").innerText(), "Coordinator");
    assert.equal(await byId("run-max-threads").inputValue(), "8");
    await byId("run-browse").click();
    await page.waitForFunction(
      () => document.querySelector('[data-testid="run-workspace"]')?.value === "/home/you/projects/notes",
    );
    await byId("run-task").fill(
      "Write a one-page summary of the notes app for a new contributor, checked against the code.",
    );
    await byId("run-start").click();
    await byId("session-view").waitFor();
    await byId("session-tab-timeline").click();
    await byId("timeline-canvas").waitFor();
    assert.equal(await byId("timeline-follow").getAttribute("aria-pressed"), "true");

    // Live: three subagents side by side; the reviewer's command waits for approval, tagged with its name.
    const approval = byId("approval");
    await approval.waitFor({ timeout: 30_000 });
    assert.equal(await approval.getAttribute("data-agent-name"), "Reviewer");
    assert.match(await approval.innerText(), /^Reviewer\s+asks: Allow run_command\?/);
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid="timeline-lane"][data-agent-name="Reviewer"]')?.dataset.state ===
        "approval",
    );
    assert.equal((await lanes()).length, 4);
    assert.equal(
      await page
        .locator('[data-testid="timeline-lane"][data-state="approval"] [data-testid="timeline-lane-stop"]')
        .count(),
      1,
    );
    assert.ok(Number(await byId("timeline-arrow-count").getAttribute("data-count")) >= 3);
    await canvasInTheme(page);
    await screenshot(page, "browser-timeline-running-light.png");
    await useScheme(page, "dark");
    await canvasInTheme(page);
    await screenshot(page, "browser-timeline-running-dark.png");
    await useScheme(page, "light");
    await canvasInTheme(page);

    // Approved from the main view, the run finishes: every lane done, a report back from each.
    await byId("approve").click();
    await page.waitForFunction(
      () => document.querySelector('[data-testid="session-view"]')?.dataset.status === "idle",
      null,
      { timeout: 30_000 },
    );
    assert.deepEqual(await lanes(), ["Coordinator done", "Researcher done", "Writer done", "Reviewer done"]);
    assert.equal(await byId("timeline-arrow-count").getAttribute("data-count"), "6");
    assert.equal(await byId("timeline-lane-stop").count(), 0);
    assert.equal(await byId("timeline-follow").count(), 0);
    await screenshot(page, "browser-timeline-finished-light.png");
    await useScheme(page, "dark");
    await canvasInTheme(page);
    await screenshot(page, "browser-timeline-finished-dark.png");
    await useScheme(page, "light");
    await canvasInTheme(page);

    // A click on one of the researcher's bars opens that request: what it was sent, what it answered.
    const box = await byId("timeline-canvas").boundingBox();
    const row = box.y + 26 + 44 + 8 + 8; // the axis, the coordinator's lane, then the bars' middle
    for (let x = box.x + 4; x < box.x + box.width && (await byId("timeline-step-panel").count()) === 0; x += 6) {
      await page.mouse.click(x, row);
    }
    const panel = byId("timeline-step-panel");
    await panel.waitFor();
    assert.match(await panel.innerText(), /^Researcher · request \d of 3/);
    assert.match(await byId("timeline-step-context").innerText(), /From Coordinator/);
    assert.match(await byId("timeline-step-tokens").innerText(), /\d in · \d+ out/);
    await page.mouse.move(box.x + box.width - 2, box.y + 4); // no tooltip over the shot
    await screenshot(page, "browser-timeline-panel-light.png");
    await useScheme(page, "dark");
    await canvasInTheme(page);
    await screenshot(page, "browser-timeline-panel-dark.png");
    await useScheme(page, "light");
    await canvasInTheme(page);

    // The transcript tells the same story, each subagent's lines tagged.
    await byId("session-tab-transcript").click();
    const tags = await page.locator('[data-testid="thread-tag"]').allInnerTexts();
    for (const name of ["Researcher", "Writer", "Reviewer"])
      assert.ok(tags.includes(name), `${name} tagged in the transcript`);
  },
);

/** Both themes of the same view: light first, then dark, back to light (the pointer out of the way). */
async function bothThemes(page, name, shoot = screenshot) {
  await page.mouse.move(0, 0);
  await shoot(page, `${name}-light.png`);
  await useScheme(page, "dark");
  await shoot(page, `${name}-dark.png`);
  await useScheme(page, "light");
}

test("dreams: a store's history, Dream now with its progress, the schedule", { timeout: 90_000 }, async (t) => {
  const page = await openPage(t, "?dreams=demo");
  const byId = (id) => page.getByTestId(id);
  const store = page.locator('[data-testid="dream-store"][data-store-name="Project notes"]');
  const rows = store.getByTestId("dream-row");

  // The sidebar counts the proposal waiting for review.
  await page.locator('[data-testid="nav-dreams"][data-count="1"]').waitFor();
  await byId("nav-dreams").click();
  await store.getByTestId("dream-now").waitFor();
  assert.equal(await store.getByTestId("dream-now").innerText(), "Dream now · 2 new sessions");
  assert.deepEqual(
    await rows.evaluateAll((all) => all.map((r) => `${r.dataset.status} ${r.dataset.proposal ?? "-"}`)),
    ["completed ready", "failed -", "completed applied"],
  );
  assert.match(
    await rows.nth(0).innerText(),
    /Ready for review[\s\S]*Read 2 sessions[\s\S]*Focus on how the tests are run/,
  );
  assert.match(
    await rows.nth(1).getByTestId("dream-error").innerText(),
    /^The consolidate stage failed: Anthropic is overloaded/,
  );
  assert.match(await store.getByTestId("dream-schedule").innerText(), /Review first · every day at 03:30[\s\S]*tray/);
  const unmounted = page.locator('[data-testid="dream-store"][data-store-name="Reading list"]');
  assert.match(await unmounted.getByTestId("dream-no-agent").innerText(), /No agent mounts this store/);
  assert.equal(await unmounted.getByTestId("dream-now").count(), 0);
  await bothThemes(page, "browser-dreams");

  // Dream now can read sessions picked by hand: the finished ones of the mounting agents, the
  // two no dream has read marked. Left off again, it reads those two.
  await store.getByTestId("dream-now").click();
  await byId("dream-pick-sessions").check();
  const options = byId("dream-session-option");
  await options.first().waitFor();
  assert.deepEqual(
    await options.evaluateAll((all) => all.map((o) => `${o.dataset.sessionId} ${o.dataset.new ?? "read"}`)),
    ["ses_0003 true", "ses_0004 true", "ses_0001 read"],
  );
  await options.nth(2).check();
  assert.equal(await byId("dream-form-note").innerText(), "It will read 1 session picked.");
  await bothThemes(page, "browser-dream-pick");
  await byId("dream-pick-sessions").uncheck();

  // Dream now, with instructions: the dream shows its stage and the sessions read so far.
  await byId("dream-instructions").fill("Look for what slowed the runs down.");
  await byId("dream-start").click();
  const live = store.locator('[data-testid="dream-row"][data-status="running"]');
  await live.getByTestId("dream-processed").filter({ hasText: "1 of 2" }).waitFor();
  assert.equal(await live.getByTestId("dream-progress").getAttribute("data-stage"), "extract");
  assert.match(await live.innerText(), /Look for what slowed the runs down/);
  await bothThemes(page, "browser-dream-running");

  // It ends with a second proposal to review; what it read is no longer new.
  await page.locator('[data-testid="nav-dreams"][data-count="2"]').waitFor({ timeout: 30_000 });
  await store.getByTestId("dream-nothing-new").waitFor();
  assert.equal(await store.getByTestId("dream-now").count(), 0);
  assert.equal(await rows.first().getAttribute("data-proposal"), "ready");

  // The schedule: a bad count is refused under its field; a good one says Reverie stays in the tray.
  await store.getByTestId("dream-settings-open").click();
  await byId("dream-after").check();
  await byId("dream-after-sessions").fill("0");
  await byId("dream-settings-save").click();
  assert.equal(await byId("field-error-after_sessions").innerText(), "Dream after between 1 and 1,000 new sessions.");
  await bothThemes(page, "browser-dream-settings");
  await byId("dream-after-sessions").fill("5");
  await byId("dream-settings-save").click();
  await store
    .getByTestId("dream-schedule")
    .filter({ hasText: "every day at 03:30 and after 5 new sessions" })
    .waitFor();

  // A cron schedule as a third way: a malformed one is refused under its field.
  await store.getByTestId("dream-settings-open").click();
  await byId("dream-cron-on").check();
  await byId("dream-cron").fill("30 3 * *");
  await byId("dream-settings-save").click();
  assert.equal(
    await byId("field-error-cron").innerText(),
    "“30 3 * *” is not a cron schedule (it has 4 fields, not 5). Write minute hour day month weekday, like 30 3 * * 1-5.",
  );
  await bothThemes(page, "browser-dream-cron");
  await byId("dream-cron").fill("30 3 * * 1-5");
  await byId("dream-settings-save").click();
  await store
    .getByTestId("dream-schedule")
    .filter({ hasText: "every day at 03:30, on the cron schedule 30 3 * * 1-5, and after 5 new sessions" })
    .waitFor();
});

test(
  "dreams: review a proposal hunk by hunk, apply it over a file edited since, open the result, revert",
  { timeout: 120_000 },
  async (t) => {
    const page = await openPage(t, "?dreams=demo");
    const byId = (id) => page.getByTestId(id);
    const hunk = (id) => page.locator(`[data-testid="proposal-hunk"][data-hunk-id="${id}"]`);
    const decisions = () =>
      page
        .locator('[data-testid="proposal-hunk"]')
        .evaluateAll((all) => all.map((h) => `${h.dataset.hunkId} ${h.dataset.decision}`));
    const openProposal = async () => {
      await byId("nav-dreams").click();
      await page
        .locator('[data-testid="dream-row"][data-dream-id="drm_0003"] [data-testid="dream-open-proposal"]')
        .click();
      await byId("proposal-file").first().waitFor();
    };

    // The file the proposal updates is edited first, where its first change goes: that change will conflict.
    await byId("nav-memory").click();
    await page.locator('[data-testid="memory-store"][data-store-name="Project notes"]').click();
    await page.locator('[data-testid="memory-file"][data-path="project/testing.md"]').click();
    await page.locator('[data-testid="memory-editor"] .cm-content').waitFor();
    await page.locator('[data-testid="memory-editor"] .cm-content').click();
    await page.keyboard.press("Control+Home");
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("End");
    await page.keyboard.type(" Use `npm run test:watch` while working.");
    await byId("memory-save").click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="memory-version"]').length === 5);

    // The proposal: three files (an update in two hunks, a new file, a rename), a change left out.
    await openProposal();
    assert.equal(await byId("proposal-status").getAttribute("data-status"), "ready");
    assert.deepEqual(
      await byId("proposal-file").evaluateAll((all) => all.map((f) => `${f.dataset.op} ${f.dataset.path}`)),
      ["update project/testing.md", "create lessons/interrupted-runs.md", "rename project/style.md"],
    );
    assert.deepEqual(await decisions(), ["0.0 pending", "0.1 pending", "1.0 pending", "2.0 pending"]);
    assert.match(await byId("proposal-files").innerText(), /style\.md\s*→\s*project\/style\.md/);
    assert.match(await byId("proposal-dropped").innerText(), /Left out[\s\S]*\.\.\/NOTES\.md: A path can't use/);
    assert.equal(await byId("evidence-deleted").innerText(), "session deleted");
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
    assert.equal(await byId("session-view").getAttribute("data-session-id"), "ses_0001");
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
    assert.equal(await page.getByTestId("memory-version").first().getAttribute("data-actor"), "dream:drm_0003");
    await byId("memory-diff").waitFor();
    await screenshot(page, "browser-dream-memory-light.png");

    // The version's author leads back to the proposal. Revert, confirmed: the new file goes, the rename is undone.
    await byId("actor-dream-link").click();
    await byId("proposal-review").waitFor();
    assert.equal(await byId("proposal-review").getAttribute("data-dream-id"), "drm_0003");
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
