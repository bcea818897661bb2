// The UI in a browser on the REAL engine: reverie-devserver on a fresh data folder, the scripted
// fake provider as the model, Vite (not mock mode) and Debian's chromium through playwright-core.
// Builds nothing: `make test` (scripts/run-tests) builds target/debug/reverie-devserver and
// target/debug/fake-provider first. Every wait is for a selector, a line of output or a condition.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { launchChromium, startVite } from "./harness.mjs";

const UI_ROOT = fileURLToPath(new URL("..", import.meta.url));
const REPO = path.resolve(UI_ROOT, "..");
const ARTIFACTS = path.join(REPO, "target/e2e-artifacts");
const DEVSERVER_BIN = path.join(REPO, "target/debug/reverie-devserver");
const FAKE_BIN = path.join(REPO, "target/debug/fake-provider");
const HOST = "127.0.0.1";
const PORT = 5198;
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

/** Children started here, each the leader of its own process group. */
const children = [];
let temp = "";
/** @type {import("vite").ViteDevServer | undefined} */
let vite;
/** @type {import("playwright-core").Browser | undefined} */
let browser;
let openaiBase = "";
let devserver = { base: "", token: "" };

/**
 * Starts a binary in its own process group and resolves with the first stdout line `match`
 * accepts (mapped by it); rejects with its stderr if it exits first.
 */
function start(bin, args, match) {
  const child = spawn(bin, args, {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, OPENAI_API_KEY: "", ANTHROPIC_API_KEY: "", RUST_LOG: "warn" },
  });
  children.push(child);
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on("line", (line) => {
      const found = match(line);
      if (found) resolve(found);
    });
    child.on("error", reject);
    child.on("exit", (code) =>
      reject(new Error(`${path.basename(bin)} exited (${code}) before it was ready: ${stderr}`)),
    );
  });
}

/** Ends every child's whole process group, and waits until each has exited. */
async function stopChildren() {
  await Promise.all(
    children.map(
      (child) =>
        new Promise((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve(undefined);
          child.once("exit", resolve);
          try {
            process.kill(-child.pid, "SIGTERM");
          } catch {
            resolve(undefined);
          }
        }),
    ),
  );
}

before(
  async () => {
    for (const bin of [DEVSERVER_BIN, FAKE_BIN]) {
      assert.ok(
        existsSync(bin),
        `${bin} is missing: build it with \`cargo build -p reverie-api --bin reverie-devserver -p reverie-testkit --bin fake-provider\` (make test does).`,
      );
    }
    await mkdir(ARTIFACTS, { recursive: true });
    temp = await mkdtemp(path.join(os.tmpdir(), "reverie-engine-e2e-"));
    await mkdir(path.join(temp, "data"));
    await mkdir(path.join(temp, "workspace"));
    await writeFile(path.join(temp, "script.json"), JSON.stringify(SCRIPT));

    openaiBase = await start(
      FAKE_BIN,
      ["--script", path.join(temp, "script.json"), "--open"],
      (line) => line.match(/OpenAI base URL:\s+(\S+)/)?.[1],
    );
    devserver = await start(DEVSERVER_BIN, [path.join(temp, "data")], (line) => {
      const url = line.match(/^(http:\/\/127\.0\.0\.1:\d+)\/\?token=([0-9a-f]+)$/);
      return url ? { base: url[1], token: url[2] } : undefined;
    });

    vite = await startVite(UI_ROOT, "development", HOST, PORT);

    browser = await launchChromium();
    // A child that never prints its address fails here instead of hanging the run.
  },
  { timeout: 60_000 },
);

after(async () => {
  await browser?.close().catch(() => {});
  await vite?.close().catch(() => {});
  await stopChildren();
  if (temp) await rm(temp, { recursive: true, force: true });
});

async function useScheme(page, scheme) {
  await page.emulateMedia({ colorScheme: scheme });
  await page.waitForFunction((s) => document.documentElement.dataset.theme === s, scheme);
}

async function screenshot(page, name) {
  const height = await page.evaluate(() => Math.ceil(document.querySelector("main")?.scrollHeight ?? 800));
  await page.setViewportSize({ width: 1280, height: Math.max(800, height) });
  await page.screenshot({ path: path.join(ARTIFACTS, name), animations: "disabled" });
  await page.setViewportSize({ width: 1280, height: 800 });
}

test("the real engine: a provider on the fake, an agent, a run that writes a file", { timeout: 90_000 }, async (t) => {
  assert.ok(browser, "browser did not start");
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: "light" });
  t.after(() => context.close());
  await context.addInitScript(() => Object.freeze(Object.prototype));
  const page = await context.newPage();
  const problems = [];
  page.on("console", (message) => {
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource"))
      problems.push(`console: ${message.text()}`);
  });
  page.on("response", (response) => {
    if (response.status() >= 400 && new URL(response.url()).pathname !== "/favicon.ico") {
      problems.push(`HTTP ${response.status()} ${response.url()}`);
    }
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  t.after(() => assert.deepEqual(problems, [], "the page logged errors"));
  const byId = (id) => page.getByTestId(id);

  const query = new URLSearchParams({ devserver: devserver.base, token: devserver.token });
  await page.goto(`http://${HOST}:${PORT}/?${query}`);

  // A new data folder: no provider yet. Add one on the fake, with no key (it runs --open).
  await byId("empty-state").waitFor();
  await byId("add-provider-button").click();
  await byId("provider-form").waitFor();
  await byId("provider-kind").selectOption("openai_compatible");
  await byId("provider-name").fill("Fake");
  await byId("provider-base-url").fill(openaiBase);
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
  const workspace = path.join(temp, "workspace");
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
