// The settings and first-run scenarios in a browser on the REAL engine: reverie-devserver on a
// fresh data folder per test (seeded with `--seed`, the desktop shell's updater, notices and
// keychain played by its shell double), the testkit's fake provider as the model, the UI in
// Vite's development mode, Debian's Chromium. Run with `npm run test:e2e`.
// Every wait is for a selector or a condition in the page; nothing sleeps for a fixed time.
import assert from "node:assert/strict";
import { test } from "node:test";
import { browserSuite, openPage as open, screenshot, startEngine } from "./harness.mjs";

const suite = browserSuite();
const VERSION = "0.1.0";
const OFFLINE = "Couldn't reach the update server. Reverie works fine offline; try again later.";
const MEMORY_ONLY =
  "No keychain is available on this system. API keys are kept in memory only and will be forgotten when Reverie quits.";

/** A new engine for the test (`options` as `startEngine` takes them) and a page on it. */
async function openPage(t, options = {}) {
  const engine = await startEngine(t, options);
  return { engine, page: await open(t, suite, engine) };
}

test("first run: add a provider, test it, check for updates, switch themes", { timeout: 60_000 }, async (t) => {
  // No seed: a new data folder. The provider added by hand is the fake-provider binary.
  const { engine, page } = await openPage(t, {
    fake: { models: ["claude-sonnet-4-5"], keys: ["sk-good"] },
    shell: { update: { type: "offline", current_version: VERSION } },
  });
  const byId = (id) => page.getByTestId(id);

  // Home shows the empty state to a new user.
  await byId("empty-state").waitFor();
  assert.match(await byId("empty-state").innerText(), /Add a model provider/);
  await screenshot(page, "browser-home-empty.png");

  // The first step leads to Settings with the add form focused.
  await byId("add-provider-button").click();
  const form = byId("provider-form");
  await form.waitFor();
  await page.waitForFunction(() => document.activeElement?.getAttribute("data-testid") === "provider-name");
  assert.equal(await byId("nav-settings").getAttribute("aria-current"), "page");

  // A bad URL is caught in the form; what was typed stays.
  await byId("provider-kind").selectOption("anthropic");
  await byId("provider-name").fill("Anthropic");
  await byId("provider-base-url").fill("api.anthropic.com");
  await byId("provider-key").fill("sk-good");
  await byId("provider-save").click();
  await byId("field-error-base_url").waitFor();
  assert.equal(await byId("provider-name").inputValue(), "Anthropic");
  assert.equal(await byId("provider-key").inputValue(), "sk-good");

  // Fixed, it saves and the row says the key is configured.
  await byId("provider-base-url").fill(engine.fake.anthropic);
  assert.equal(await byId("provider-model").inputValue(), "claude-sonnet-4-5");
  await byId("provider-save").click();
  const row = page.locator('[data-testid="provider-row"][data-provider-name="Anthropic"]');
  await row.getByTestId("key-status").filter({ hasText: "Key configured" }).waitFor();
  assert.equal(await byId("provider-form").count(), 0, "the add form closes after saving");
  assert.equal(await page.getByText("sk-good").count(), 0, "the key is never shown");

  // Test connection: a spinner, then a ✓ with the latency.
  await row.getByTestId("test-connection").click();
  const result = row.getByTestId("connection-result");
  await result.waitFor();
  assert.match(
    await result.innerText(),
    /^✓\s*Connected to “Anthropic”: model claude-sonnet-4-5 is available\.\s*\d+ ms$/,
  );

  // Offline update check: quiet, muted text, not an error.
  await byId("check-updates").click();
  const update = byId("update-status");
  await update.waitFor();
  assert.equal(await update.innerText(), OFFLINE);
  assert.equal(await update.getAttribute("data-tone"), "quiet");
  const colors = await update.evaluate((element) => {
    const style = getComputedStyle(element);
    const muted = getComputedStyle(document.documentElement).getPropertyValue("--text-muted").trim();
    const probe = document.createElement("span");
    probe.style.color = muted;
    document.body.append(probe);
    const mutedRgb = getComputedStyle(probe).color;
    probe.remove();
    return { color: style.color, mutedRgb, background: style.backgroundColor };
  });
  assert.equal(colors.color, colors.mutedRgb, "offline text uses the muted colour");
  assert.equal(colors.background, "rgba(0, 0, 0, 0)", "offline text has no alert background");

  // Dark theme, then light again; the choice lands on <html data-theme> and in localStorage.
  await byId("theme-dark").click();
  await page.waitForFunction(() => document.documentElement.dataset.theme === "dark");
  assert.equal(await page.evaluate(() => localStorage.getItem("reverie.theme")), "dark");
  const darkBg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  await screenshot(page, "browser-settings-dark.png");

  await byId("theme-light").click();
  await page.waitForFunction(() => document.documentElement.dataset.theme === "light");
  assert.equal(await page.evaluate(() => localStorage.getItem("reverie.theme")), "light");
  const lightBg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.notEqual(darkBg, lightBg, "the themes look different");
  await screenshot(page, "browser-settings-light.png");

  // The theme control is a real radio group: arrow keys move the choice.
  await page.getByRole("radio", { name: "Light" }).focus();
  await page.keyboard.press("ArrowRight");
  await page.waitForFunction(() => document.documentElement.dataset.theme === "dark");
  await page.keyboard.press("ArrowLeft");
  await page.waitForFunction(() => document.documentElement.dataset.theme === "light");

  // System follows the OS preference.
  await byId("theme-system").click();
  await page.emulateMedia({ colorScheme: "dark" });
  await page.waitForFunction(() => document.documentElement.dataset.theme === "dark");
  await page.emulateMedia({ colorScheme: "light" });
  await page.waitForFunction(() => document.documentElement.dataset.theme === "light");

  // Back on Home, the user is ready.
  await byId("nav-home").click();
  await page.getByTestId("ready").waitFor();
  assert.equal(await byId("empty-state").count(), 0);
});

/** A notice only the desktop shell gives (its log folder), played by the shell double. */
const LOG_NOTICE = {
  id: "log-dir-read-only",
  level: "warning",
  title: "Logs are not being written",
  detail: "The log folder is read-only. Reverie keeps working, but problems will be harder to diagnose.",
};

test("notices and the memory-only keychain warning", { timeout: 60_000 }, async (t) => {
  // The runs seed leaves a run waiting for an approval when its process "dies": the engine's
  // start-up reports it. The shell double adds one notice of the shell's and finds no keychain.
  const { page } = await openPage(t, {
    seeds: ["runs"],
    shell: { keychain: "memory_only", notices: [LOG_NOTICE] },
  });
  const byId = (id) => page.getByTestId(id);

  await byId("secrets-warning").waitFor();
  assert.equal(await byId("secrets-warning").innerText(), MEMORY_ONLY);
  await byId("ready").waitFor();
  assert.equal(await byId("notice").count(), 2);
  assert.deepEqual(await byId("notice").locator("strong").allInnerTexts(), ["A run was interrupted", LOG_NOTICE.title]);
  await page.emulateMedia({ colorScheme: "dark" });
  await page.waitForFunction(() => document.documentElement.dataset.theme === "dark");
  await screenshot(page, "browser-home-notices-dark.png");
  await page.emulateMedia({ colorScheme: "light" });
  await page.waitForFunction(() => document.documentElement.dataset.theme === "light");
  await screenshot(page, "browser-home-notices-light.png");

  // Dismissing a notice is remembered after a reload; the keychain warning stays.
  await byId("notice").first().getByTestId("dismiss-notice").click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="notice"]').length === 1);
  await page.reload();
  await byId("secrets-warning").waitFor();
  await byId("ready").waitFor();
  assert.equal(await byId("notice").count(), 1);

  // Settings explains the key is kept in memory only.
  await byId("nav-settings").click();
  await page.getByTestId("provider-row").first().waitFor();
  const rows = await page.getByTestId("key-status").allInnerTexts();
  assert.deepEqual(rows, ["Key configured · memory only", "No key"]);
  await byId("open-add-provider").click();
  await byId("provider-form").waitFor();
  assert.match(await byId("provider-form").innerText(), /Kept in memory until Reverie quits/);
  await screenshot(page, "browser-settings-memory-only.png");
});

test("an available update offers to install and restart", { timeout: 60_000 }, async (t) => {
  const { page } = await openPage(t, {
    seeds: ["providers"],
    shell: {
      update: {
        type: "available",
        current_version: VERSION,
        version: "0.2.0",
        notes: "Faster start-up.\nFixes a crash when a provider's base URL ends with a slash.",
        date: "2025-01-15",
      },
      install: "restarts",
    },
  });
  const byId = (id) => page.getByTestId(id);

  await byId("nav-settings").click();
  await page.getByTestId("provider-row").first().waitFor();
  assert.equal(await byId("install-update").count(), 0, "nothing to install before a check");

  await byId("check-updates").click();
  const install = byId("install-update");
  await install.waitFor();
  assert.match(await byId("update-status").innerText(), /Reverie 0\.2\.0 is available \(you have 0\.1\.0\)\./);
  assert.equal(await install.innerText(), "Install and restart");
  assert.ok(await install.isEnabled());
  await page.getByText("Reverie restarts after installing. On Linux you may be asked for your password.").waitFor();
  await screenshot(page, "browser-settings-update-available.png");

  // The shell double says the install worked; the app would restart now, so the button ends disabled.
  await install.click();
  await page.waitForFunction(() => {
    const button = document.querySelector('[data-testid="install-update"]');
    return button instanceof HTMLButtonElement && button.disabled && button.textContent === "Restarting…";
  });
  assert.equal(await byId("install-error").count(), 0);
});
