// What the browser tests share: Vite serving the UI on a free loopback port, Debian's Chromium
// started headless with its background network traffic off (this machine's network is closed,
// and those connections fail many at a time), and the real engine: reverie-devserver on a fresh
// data folder (seeded with `--seed NAME`, its fake model scripted with `--model-script`, the
// desktop shell's part played by `--shell`) and, where a test adds a provider by hand, the
// testkit's fake-provider binary. Builds nothing: `make test` (scripts/run-tests) builds
// target/debug/reverie-devserver and target/debug/fake-provider first.
// Every wait is for a selector, a line of output or a condition; nothing sleeps for a fixed time.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { after, before } from "node:test";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { createServer } from "vite";

export const UI_ROOT = fileURLToPath(new URL("..", import.meta.url));
export const REPO = path.resolve(UI_ROOT, "..");
export const ARTIFACTS = path.join(REPO, "target/e2e-artifacts");
export const DEVSERVER_BIN = path.join(REPO, "target/debug/reverie-devserver");
export const FAKE_BIN = path.join(REPO, "target/debug/fake-provider");
export const HOST = "127.0.0.1";
const KEYCTL = "/usr/bin/keyctl";

/** Starts Vite on `host:port` in `mode` (development: the UI on the dev server named in its URL). */
export async function startVite(root, mode, host, port) {
  const server = await createServer({ root, mode, logLevel: "warn", server: { host, port, strictPort: true } });
  await server.listen();
  return server;
}

export function launchChromium() {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** A loopback port free right now (test files may run at once, so none is fixed). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, HOST, () => {
      const { port } = /** @type {import("node:net").AddressInfo} */ (probe.address());
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Starts a binary in its own process group and resolves with the first stdout line `match`
 * accepts (mapped by it); rejects with its stderr if it exits first. `children` collects it
 * for `stopChildren`.
 */
export function start(children, bin, args, match, env = {}) {
  // NODE_TEST_CONTEXT is node --test's own: a `node --test` an agent runs must not inherit it.
  const base = { OPENAI_API_KEY: "", ANTHROPIC_API_KEY: "", RUST_LOG: "warn", NODE_TEST_CONTEXT: undefined };
  const childEnv = { ...process.env, ...base, ...env };
  // `undefined` removes a variable.
  for (const [name, value] of Object.entries(childEnv)) if (value === undefined) delete childEnv[name];
  const child = spawn(bin, args, { detached: true, stdio: ["ignore", "pipe", "pipe"], env: childEnv });
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
export async function stopChildren(children) {
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
  children.length = 0;
}

/**
 * One test file's browser: Vite in `mode` on a free port and Chromium, started before its
 * tests and stopped after them. `suite.url` is Vite's base URL once started.
 */
export function browserSuite(mode = "development") {
  const suite = {
    url: "",
    /** @type {import("playwright-core").Browser | undefined} */
    browser: undefined,
    /** @type {import("vite").ViteDevServer | undefined} */
    vite: undefined,
  };
  before(
    async () => {
      for (const bin of [DEVSERVER_BIN, FAKE_BIN]) {
        assert.ok(
          existsSync(bin),
          `${bin} is missing: build it with \`cargo build -p reverie-api --bin reverie-devserver -p reverie-testkit --bin fake-provider\` (make test does).`,
        );
      }
      await mkdir(ARTIFACTS, { recursive: true });
      const port = await freePort();
      suite.vite = await startVite(UI_ROOT, mode, HOST, port);
      suite.url = `http://${HOST}:${port}/`;
      suite.browser = await launchChromium();
    },
    { timeout: 60_000 },
  );
  after(async () => {
    await suite.browser?.close().catch(() => {});
    await suite.vite?.close().catch(() => {});
  });
  return suite;
}

/**
 * The real engine for one test: reverie-devserver on a new data folder in a temp folder of its
 * own, seeded with `seeds`, its fake model answering `script` (a testkit script object) after
 * seeding, `shell` (an object, see reverie_api::shell_double) standing in for the desktop
 * shell. `fake: {models, keys}` also starts the fake-provider binary (open to requests without
 * a key) with `script` for providers a test adds by hand. Everything stops when the test ends.
 * Returns `{ base, token, temp, workspace, model, fake }`: the dev server's address, the temp
 * folder, an empty `workspace` folder in it, the seeded model's Anthropic URL, and the
 * binary's `{ anthropic, openai }` base URLs.
 */
export async function startEngine(t, { seeds = [], script, shell, fake } = {}) {
  const children = [];
  const temp = await mkdtemp(path.join(os.tmpdir(), "reverie-e2e-"));
  t.after(async () => {
    await stopChildren(children);
    await rm(temp, { recursive: true, force: true });
  });
  const workspace = path.join(temp, "workspace");
  await mkdir(path.join(temp, "data"));
  await mkdir(workspace);
  const args = [path.join(temp, "data")];
  for (const seed of seeds) args.push("--seed", seed);
  if (script) {
    await writeFile(path.join(temp, "script.json"), JSON.stringify(script));
    if (!fake) args.push("--model-script", path.join(temp, "script.json"));
  }
  const shellFile = existsSync(KEYCTL) ? shell : { keychain: "memory_only", ...shell };
  if (shellFile) {
    await writeFile(path.join(temp, "shell.json"), JSON.stringify(shellFile));
    args.push("--shell", path.join(temp, "shell.json"));
  }
  let fakeUrls;
  if (fake) {
    const fakeArgs = ["--script", path.join(temp, "script.json"), "--open"];
    if (!script) await writeFile(path.join(temp, "script.json"), "{}");
    for (const model of fake.models ?? []) fakeArgs.push("--model", model);
    for (const key of fake.keys ?? []) fakeArgs.push("--key", key);
    const anthropic = await start(
      children,
      FAKE_BIN,
      fakeArgs,
      (line) => line.match(/Anthropic base URL:\s+(\S+)/)?.[1],
    );
    fakeUrls = { anthropic, openai: `${anthropic}/v1` };
  }
  let model = "";
  // A real keychain, never this machine's: with keyutils' `keyctl`, the dev server runs in a
  // session keyring of its own (gone when it exits) and sees no D-Bus session, so the kernel
  // keyring is the one it finds; without it, the shell double says there is no keychain.
  const [bin, binArgs, env] = existsSync(KEYCTL)
    ? [KEYCTL, ["session", "-", DEVSERVER_BIN, ...args], { DBUS_SESSION_BUS_ADDRESS: undefined }]
    : [DEVSERVER_BIN, args, {}];
  const address = await start(
    children,
    bin,
    binArgs,
    (line) => {
      const seeded = line.match(/^model: (\S+) \(Anthropic\)/);
      if (seeded) model = seeded[1];
      const url = line.match(/^(http:\/\/127\.0\.0\.1:\d+)\/\?token=([0-9a-f]+)$/);
      return url ? { base: url[1], token: url[2] } : undefined;
    },
    env,
  );
  return { ...address, temp, workspace, model, fake: fakeUrls };
}

/**
 * A fresh page (own storage) on `engine` that fails the test on any console error, failed
 * request or uncaught exception.
 */
export async function openPage(t, suite, engine, query = "") {
  assert.ok(suite.browser, "browser did not start");
  const context = await suite.browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: "light" });
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
    const url = new URL(response.url());
    // The browser asks for /favicon.ico on its own; the desktop app has no use for one. The dev
    // server answers a refused input (400) or a conflict (409) as the engine's AppError, which
    // the UI shows as the app does: those are answers, not failures.
    const refusal = engine && url.origin === engine.base && url.pathname.startsWith("/api/");
    if (refusal && [400, 409].includes(response.status())) return;
    if (response.status() >= 400 && url.pathname !== "/favicon.ico") {
      problems.push(`HTTP ${response.status()} ${response.url()}`);
    }
  });
  page.on("requestfailed", (request) => problems.push(`request failed: ${request.url()}`));
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  t.after(() => assert.deepEqual(problems, [], "the page logged errors"));
  const params = new URLSearchParams(query);
  if (engine) {
    params.set("devserver", engine.base);
    params.set("token", engine.token);
  }
  const search = params.toString();
  await page.goto(suite.url + (search ? `?${search}` : ""));
  return page;
}

/** Screenshot the whole page: the main area scrolls on its own, so grow the window to fit it. */
export async function screenshot(page, name) {
  const height = await page.evaluate(() => {
    const main = document.querySelector("main");
    return main ? Math.ceil(main.scrollHeight) : document.documentElement.scrollHeight;
  });
  await page.setViewportSize({ width: 1280, height: Math.max(800, height) });
  await page.screenshot({ path: path.join(ARTIFACTS, name), animations: "disabled" });
  await page.setViewportSize({ width: 1280, height: 800 });
}

/** Screenshot one element, with the window grown to the whole page so nothing sticky covers it. */
export async function elementShot(page, locator, name) {
  const height = await page.evaluate(() => Math.ceil(document.querySelector("main")?.scrollHeight ?? 800));
  await page.setViewportSize({ width: 1280, height: Math.max(800, height) });
  await locator.screenshot({ path: path.join(ARTIFACTS, name), animations: "disabled" });
  await page.setViewportSize({ width: 1280, height: 800 });
}

/** Follows the system theme (the default choice) to `scheme` and waits until the page has. */
export async function useScheme(page, scheme) {
  await page.emulateMedia({ colorScheme: scheme });
  await page.waitForFunction((s) => document.documentElement.dataset.theme === s, scheme);
}

/** Both themes of the same view: light first, then dark, back to light (the pointer out of the way). */
export async function bothThemes(page, name, shoot = screenshot) {
  await page.mouse.move(0, 0);
  await shoot(page, `${name}-light.png`);
  await useScheme(page, "dark");
  await shoot(page, `${name}-dark.png`);
  await useScheme(page, "light");
}
