// The UI in a browser on the REAL engine, from nothing: reverie-devserver on a fresh data folder,
// the fake-provider binary as the model (added by hand, no key: it runs --open), Vite in
// development mode and Debian's Chromium (see harness.mjs). Every wait is for a selector, a line
// of output or a condition.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { browserSuite, openPage, screenshot, startEngine, useScheme } from "./harness.mjs";

const suite = browserSuite();
const CONTENT = "# Notes\n\nWritten by the real engine through the dev server.\n";
const SCRIPT = {
  default: [
    {
      steps: [
        { text: "Writing the notes file now.", chunks: 3 },
        { tool_use: { name: "write_file", input: { path: "NOTES.md", content: CONTENT }, chunks: 4 } },
      ],
    },
    { steps: [{ text: "Done: NOTES.md is written.", chunks: 3 }], stop_reason: "end_turn" },
  ],
};

test("the real engine: a provider on the fake, an agent, a run that writes a file", { timeout: 90_000 }, async (t) => {
  const engine = await startEngine(t, { script: SCRIPT, fake: {} });
  const page = await openPage(t, suite, engine);
  const byId = (id) => page.getByTestId(id);

  // A new data folder: no provider yet. Add one on the fake, with no key (it runs --open).
  await byId("empty-state").waitFor();
  await byId("add-provider-button").click();
  await byId("provider-form").waitFor();
  await byId("provider-kind").selectOption("openai_compatible");
  await byId("provider-name").fill("Fake");
  await byId("provider-base-url").fill(engine.fake.openai);
  await byId("provider-model").fill("fake-model");
  await byId("provider-save").click();
  await page.locator('[data-testid="provider-row"][data-provider-name="Fake"]').waitFor();

  // An agent allowed to write files.
  await byId("nav-agents").click();
  await byId("new-agent").first().click();
  await byId("agent-form").waitFor();
  await byId("agent-name").fill("Scribe");
  await byId("agent-description").fill("Writes notes");
  await byId("agent-instructions").fill("Write what you are asked to, then stop.");
  await byId("perm-write_file-allow").click();
  await byId("agent-save").click();
  const row = page.locator('[data-testid="agent-row"][data-agent-name="Scribe"]');
  await row.waitFor();
  assert.match(await row.innerText(), /Fake · fake-model/);

  // A run in the temp workspace; the path is typed (a browser has no folder picker).
  const workspace = engine.workspace;
  await byId("nav-runs").click();
  await byId("new-run").first().click();
  await byId("run-form").waitFor();
  await byId("run-browse").click();
  await byId("field-error-workspace").filter({ hasText: "type the full path" }).waitFor();
  await byId("run-workspace").fill(workspace);
  await byId("run-task").fill("Write NOTES.md.");
  await byId("run-start").click();

  // The transcript shows the finished run, streamed over the WebSocket.
  const view = byId("session-view");
  await view.waitFor();
  await byId("idle-reason").filter({ hasText: "Finished" }).waitFor({ timeout: 30_000 });
  await page.waitForFunction(() => document.querySelector('[data-testid="session-view"]')?.dataset.status === "idle");
  assert.equal(await byId("message-user").innerText(), "Write NOTES.md.");
  const write = page.locator('[data-testid="tool-call"][data-tool-name="write_file"]');
  await write.waitFor();
  assert.equal(await write.getAttribute("data-state"), "ok");
  await page.locator('[data-testid="message-agent"]', { hasText: "Done: NOTES.md is written." }).waitFor();
  assert.equal(await page.locator('[data-testid="message-agent"][data-streaming="true"]').count(), 0);

  // The engine really wrote the file.
  assert.equal(await readFile(path.join(workspace, "NOTES.md"), "utf8"), CONTENT);

  await screenshot(page, "engine-session-light.png");
  await useScheme(page, "dark");
  await screenshot(page, "engine-session-dark.png");
});

test("a plain browser with no engine named says how to start one", { timeout: 30_000 }, async (t) => {
  const page = await openPage(t, suite, null);
  const notice = page.getByTestId("no-engine");
  await notice.waitFor();
  assert.match(await notice.innerText(), /make dev-browser/);
  await screenshot(page, "browser-no-engine-light.png");
});
