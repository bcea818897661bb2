// The agents and runs scenarios in a browser on the REAL engine: reverie-devserver on a fresh
// data folder per test (seeded with `--seed`), its fake model answering the test's script, the
// UI in Vite's development mode, Debian's Chromium. Run with `npm run test:e2e`.
// Every wait is for a selector or a condition in the page; nothing sleeps for a fixed time.
import assert from "node:assert/strict";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { browserSuite, openPage as open, screenshot, startEngine, useScheme } from "./harness.mjs";

const suite = browserSuite();

/** A new engine for the test (`options` as `startEngine` takes them) and a page on it. */
async function openPage(t, options = {}) {
  const engine = await startEngine(t, options);
  return { engine, page: await open(t, suite, engine) };
}

const TASK = "Find out why the last note is lost on exit, fix it and run the tests.";
const README = "# notes\n\nA small command-line notes app.\n\nRun `npm test` to check it.\n";
const NOTES = `# Task\n\n${TASK}\n\n## Plan\n\n1. Read the code.\n2. Run the tests.\n`;

/** A small node project: `npm test` runs two real tests with node --test. */
async function notesProject(folder) {
  await mkdir(path.join(folder, "test"));
  await writeFile(path.join(folder, "README.md"), README);
  await writeFile(
    path.join(folder, "package.json"),
    JSON.stringify(
      { name: "notes", version: "1.0.0", private: true, scripts: { test: "node --test --test-reporter=spec" } },
      null,
      2,
    ),
  );
  await writeFile(
    path.join(folder, "test", "notes.test.js"),
    'const test = require("node:test");\nconst assert = require("node:assert");\n' +
      'test("adds a note", () => assert.ok(true));\ntest("lists notes", () => assert.ok(true));\n',
  );
}

/** The fake model's part in the new run: read, write, run the tests (it asks first), report. */
const RUN_SCRIPT = {
  default: [
    {
      steps: [
        { text: "I'll start by reading the README to see how the project is laid out.", chunks: 4 },
        { tool_use: { name: "read_file", input: { path: "README.md" } } },
      ],
      usage: { input_tokens: 2490, output_tokens: 84, cache_read_tokens: 0, cache_write_tokens: 1620 },
      // Keep-alive lines (a busy server's) before the first word: the session view subscribes
      // meanwhile, so it sees the next reply stream from its first delta.
      fault: { type: "keep_alive", after_events: 2, comments: 20, every_ms: 100 },
    },
    {
      steps: [
        { text: "The tests run with `npm test`. First I'll write down the task in NOTES.md.", chunks: 4 },
        { tool_use: { name: "write_file", input: { path: "NOTES.md", content: NOTES } } },
      ],
      usage: { input_tokens: 3130, output_tokens: 142, cache_read_tokens: 1620, cache_write_tokens: 640 },
      // …and it holds after its first words, so the test sees the message streaming.
      fault: { type: "keep_alive", after_events: 4, comments: 40, every_ms: 100 },
    },
    {
      steps: [
        { text: "Now let me run the tests.", chunks: 2 },
        { tool_use: { name: "run_command", input: { command: "npm test" } } },
      ],
      usage: { input_tokens: 3770, output_tokens: 61, cache_read_tokens: 2260, cache_write_tokens: 640 },
    },
    {
      steps: [
        {
          text: "Done. I read the README, wrote the task and a plan to NOTES.md, and ran the tests: both pass.",
          chunks: 4,
        },
      ],
      usage: { input_tokens: 4410, output_tokens: 57, cache_read_tokens: 2900, cache_write_tokens: 640 },
      stop_reason: "end_turn",
    },
  ],
};

test(
  "agents and runs: create an agent, start a run, approve the command, see it finish",
  { timeout: 90_000 },
  async (t) => {
    const { engine, page } = await openPage(t, { seeds: ["providers"], script: RUN_SCRIPT });
    await notesProject(engine.workspace);
    const byId = (id) => page.getByTestId(id);

    // Home leads on to creating an agent.
    await byId("create-agent-button").click();
    const form = byId("agent-form");
    await form.waitFor();
    assert.equal(await byId("nav-agents").getAttribute("aria-current"), "page");
    await byId("agent-name").fill("Maintainer");
    await byId("agent-description").fill("Keeps the notes app tidy");
    await byId("agent-instructions").fill("Read before you change anything. Keep changes small and run the tests.");
    assert.equal(await byId("agent-model").getAttribute("placeholder"), "claude-sonnet-4-5");
    await byId("perm-edit_file-ask").click();
    assert.equal(await byId("perm-edit_file-ask").getAttribute("aria-pressed"), "true");
    assert.equal(await byId("perm-run_command-ask").getAttribute("aria-pressed"), "true");
    await screenshot(page, "browser-agent-form-light.png");
    await byId("agent-save").click();
    const row = page.locator('[data-testid="agent-row"][data-agent-name="Maintainer"]');
    await row.waitFor();
    assert.match(await row.innerText(), /Anthropic · claude-sonnet-4-5/);
    assert.match(await row.getByTestId("agent-tools").innerText(), /edit_file\s+ask/);
    await screenshot(page, "browser-agents-light.png");
    await useScheme(page, "dark");
    await screenshot(page, "browser-agents-dark.png");
    await useScheme(page, "light");

    // Runs: empty, then a new run whose folder does not exist.
    await byId("nav-runs").click();
    await byId("runs-empty").waitFor();
    await byId("new-run").click();
    await byId("run-form").waitFor();
    assert.equal(await byId("run-agent").locator("option:checked").innerText(), "Maintainer");
    await byId("run-workspace").fill("/home/you/missing-project");
    await byId("run-task").fill(TASK);
    await byId("run-start").click();
    await byId("field-error-workspace").waitFor();
    assert.equal(
      await byId("field-error-workspace").innerText(),
      "The folder /home/you/missing-project does not exist. Choose an existing folder.",
    );
    await screenshot(page, "browser-new-run-error-light.png");
    await useScheme(page, "dark");
    await screenshot(page, "browser-new-run-error-dark.png");
    await useScheme(page, "light");

    // A browser has no folder picker: "Browse…" says to type the path. Start opens the live session.
    await byId("run-browse").click();
    await byId("field-error-workspace").filter({ hasText: "type the full path" }).waitFor();
    await byId("run-workspace").fill(engine.workspace);
    await byId("run-start").click();
    const view = byId("session-view");
    await view.waitFor();
    assert.equal(await view.getAttribute("data-status"), "running");
    assert.equal(await byId("message-user").innerText(), TASK);
    await page.locator('[data-testid="message-agent"][data-streaming="true"]').first().waitFor();

    // The command waits for approval.
    const approval = byId("approval");
    await approval.waitFor();
    assert.match(await approval.innerText(), /npm test/);
    assert.ok((await approval.innerText()).includes(engine.workspace), "the folder it runs in");
    assert.equal(
      await page.locator('[data-testid="tool-call"][data-tool-name="run_command"]').getAttribute("data-state"),
      "waiting",
    );
    await screenshot(page, "browser-session-live-light.png");
    await useScheme(page, "dark");
    await screenshot(page, "browser-session-live-dark.png");
    await useScheme(page, "light");

    await byId("approve").click();
    await byId("idle-reason").filter({ hasText: "Finished" }).waitFor();
    await page.waitForFunction(() => document.querySelector('[data-testid="session-view"]')?.dataset.status === "idle");
    assert.equal(await approval.getByTestId("approval-answer").innerText(), "Approved");
    assert.deepEqual(
      await page.locator('[data-testid="tool-call"]').evaluateAll((calls) => calls.map((c) => c.dataset.state)),
      ["ok", "ok", "ok"],
    );
    assert.match(await byId("session-cost").innerText(), /^\$0\.\d{4}$/);
    assert.match(await byId("session-usage").innerText(), /in[\s\S]*out[\s\S]*cache read[\s\S]*cache write/);
    assert.equal(await page.locator('[data-testid="message-agent"][data-streaming="true"]').count(), 0);

    // A tool call opens to show its input and output.
    const read = page.locator('[data-testid="tool-call"][data-tool-name="read_file"]');
    await read.getByTestId("tool-call-toggle").click();
    assert.match(await read.getByTestId("tool-input").innerText(), /"path": "README.md"/);
    assert.match(await read.getByTestId("tool-output").innerText(), /npm test/);
    const command = page.locator('[data-testid="tool-call"][data-tool-name="run_command"]');
    await command.getByTestId("tool-call-toggle").click();
    assert.match(await command.getByTestId("tool-output").innerText(), /✔ adds a note[\s\S]*✔ lists notes/);
    // The engine really wrote the file.
    assert.equal(await readFile(path.join(engine.workspace, "NOTES.md"), "utf8"), NOTES);
    await screenshot(page, "browser-session-finished-light.png");
    await useScheme(page, "dark");
    await screenshot(page, "browser-session-finished-dark.png");
    await useScheme(page, "light");

    // Back in the list, the run is there.
    await byId("back-to-runs").click();
    const session = byId("session-row");
    await session.waitFor();
    assert.equal(await session.getAttribute("data-status"), "idle");
    assert.match(await session.innerText(), /Finished[\s\S]*Maintainer/);
  },
);

test("past runs: finished, interrupted and failed sessions", { timeout: 60_000 }, async (t) => {
  // The runs seed: a finished run, one interrupted while its command waited for approval,
  // and one that failed (its provider is not running). The script answers the resume.
  const { page } = await openPage(t, {
    seeds: ["runs"],
    script: { default: [{ steps: [{ text: "I'll leave the tests for now: the README has the new install steps." }] }] },
  });
  const byId = (id) => page.getByTestId(id);

  await byId("nav-runs").click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="session-row"]').length === 3);
  const statuses = await page
    .locator('[data-testid="session-row"]')
    .evaluateAll((rows) => rows.map((r) => r.dataset.status));
  assert.deepEqual(statuses, ["idle", "interrupted", "idle"]);
  await screenshot(page, "browser-runs-light.png");
  await useScheme(page, "dark");
  await screenshot(page, "browser-runs-dark.png");
  await useScheme(page, "light");

  // The failed one says what went wrong and what to do.
  await byId("session-row").first().click();
  await byId("session-error").waitFor();
  assert.match(
    await byId("session-error").innerText(),
    /Couldn't reach the provider \(.+\)\. Check the base URL and your connection\./,
  );
  assert.equal(await byId("idle-reason").innerText(), "Ended with an error");
  assert.equal(await byId("session-cost").innerText(), "—");
  await screenshot(page, "browser-session-error-light.png");
  await useScheme(page, "dark");
  await screenshot(page, "browser-session-error-dark.png");
  await useScheme(page, "light");
  await byId("back-to-runs").click();

  // The interrupted one resumes and finishes.
  await page.locator('[data-testid="session-row"][data-status="interrupted"]').click();
  await byId("session-resume").waitFor();
  await byId("approval").waitFor();
  assert.match(await byId("approval-answer").innerText(), /Not answered/);
  await screenshot(page, "browser-session-interrupted-light.png");
  await byId("session-resume").click();
  await byId("idle-reason").filter({ hasText: "Finished" }).waitFor();
  assert.equal(await byId("session-view").getAttribute("data-status"), "idle");
});
