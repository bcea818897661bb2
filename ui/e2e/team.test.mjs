// The orchestration scenario on the real engine: the example team made from the Agents page,
// a run of its Coordinator whose three subagents work side by side on the timeline (the
// Reviewer's command waits for approval), finished, and one request's details. The seeded
// fake model plays every agent. The example team's instructions carry no script marker, so
// once it exists the test adds one to each subagent's (through the dev server's own
// `update_agent`, as the Agents page would save them): each subagent then gets its own
// conversation of the fake however the three interleave, and the Coordinator the default one.
import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { browserSuite, elementShot, openPage, screenshot, startEngine, useScheme } from "./harness.mjs";

const suite = browserSuite();

const TASK = "Write a one-page summary of the notes app for a new contributor, checked against the code.";
const SUMMARY = "# The notes app\n\nNotes are Markdown files in ~/.notes, saved every five seconds and on exit.\n";
/** The project the team works in. */
const PROJECT = {
  "README.md":
    "# Notes\n\nA small command-line notes app. Notes are Markdown files in ~/.notes.\n\n## Tests\n\nRun `npm test` (sh test/run.sh).\n",
  "src/store.js":
    'export function start(notes, save) {\n  setInterval(() => save(notes), 5000);\n  process.on("exit", () => save(notes));\n}\n',
  "test/run.sh": "#!/bin/sh\ngrep -q 'process.on(\"exit\"' src/store.js && echo '✔ saves the last note on exit'\n",
};

const text = (t) => ({ text: t });
const tool = (name, input) => ({ tool_use: { name, input } });
const delegate = (agent, message) => tool("delegate", { agent, message });
/** What the fake model answers once the providers are seeded (testkit script format). */
const SCRIPT = {
  default: [
    {
      steps: [
        text("Three parts: the facts, a draft, and a check against the code. They can all start now."),
        delegate("Researcher", "Find what the notes app does and how its tests run; cite file:line."),
        delegate("Writer", "Write SUMMARY.md: one page for a new contributor."),
        delegate("Reviewer", "Check that the tests pass, as the summary will say."),
      ],
      usage: { input_tokens: 2100, output_tokens: 180 },
    },
    { steps: [text("Done: SUMMARY.md is written and checked against the code.")] },
  ],
  // The Researcher's requests take a moment, so its bars are wide enough to click.
  researcher: [
    { steps: [text("Reading the README."), tool("read_file", { path: "README.md" })], delay_ms: 400 },
    {
      steps: [text("Now where notes are saved."), tool("search_files", { pattern: "save\\(notes\\)" })],
      delay_ms: 400,
    },
    {
      steps: [text("Notes are Markdown files in ~/.notes (README.md:3), saved on exit (src/store.js:3).")],
      usage: { input_tokens: 1650, output_tokens: 90 },
      delay_ms: 400,
    },
  ],
  writer: [
    {
      steps: [text("Writing SUMMARY.md."), tool("write_file", { path: "SUMMARY.md", content: SUMMARY })],
      delay_ms: 300,
    },
    { steps: [text("SUMMARY.md is written.")], delay_ms: 300 },
  ],
  reviewer: [
    { steps: [text("Running the tests."), tool("run_command", { command: "sh test/run.sh" })] },
    { steps: [text("The test passes: notes are saved on exit.")], usage: { input_tokens: 1100, output_tokens: 35 } },
  ],
};

/** Calls a command of the dev server as the UI's transport does. */
async function call(engine, command, args) {
  const response = await fetch(`${engine.base}/api/${command}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-reverie-token": engine.token },
    body: args === undefined ? "" : JSON.stringify(args),
  });
  assert.ok(response.ok, `${command}: HTTP ${response.status} ${await response.clone().text()}`);
  return response.json();
}

/** Adds `[[script:<name in lower case>]]` to each subagent's instructions, the rest as it is. */
async function markSubagents(engine, names) {
  for (const agent of await call(engine, "list_agents")) {
    if (!names.includes(agent.name)) continue;
    const { id, created_at: _created, updated_at: _updated, ...input } = agent;
    input.instructions = `${agent.instructions}\n\n[[script:${agent.name.toLowerCase()}]]`;
    await call(engine, "update_agent", { id, input });
  }
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
    const engine = await startEngine(t, { seeds: ["providers"], script: SCRIPT });
    for (const [file, content] of Object.entries(PROJECT)) {
      await mkdir(path.dirname(path.join(engine.workspace, file)), { recursive: true });
      await writeFile(path.join(engine.workspace, file), content);
    }
    const page = await openPage(t, suite, engine);
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

    // Each subagent's replies come from its own conversation of the fake model.
    await markSubagents(engine, ["Researcher", "Writer", "Reviewer"]);

    // Run it: the form asks how many subagents at once. A browser has no folder picker: the path is typed.
    await byId("example-team-run").click();
    await byId("run-form").waitFor();
    assert.equal(await byId("run-agent").locator("option:checked").innerText(), "Coordinator");
    assert.equal(await byId("run-max-threads").inputValue(), "8");
    await byId("run-browse").click();
    await byId("field-error-workspace").filter({ hasText: "type the full path" }).waitFor();
    await byId("run-workspace").fill(engine.workspace);
    await byId("run-task").fill(TASK);
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
