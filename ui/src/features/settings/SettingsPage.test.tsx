import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import type { UpdateStatus } from "../../bindings";
import type { Backend } from "../../ipc";
import { FAKE_KEY, engineEachTest } from "../../test/engine";
import { renderApp } from "../../test/renderApp";

const engine = engineEachTest();

/** The real engine's backend, with what only the app window answers (updates) played by the test. */
function withUpdates(update: UpdateStatus | (() => UpdateStatus), extra: Partial<Backend> = {}): Backend {
  const answer = typeof update === "function" ? update : () => update;
  return { ...engine().backend, checkForUpdates: async () => answer(), ...extra };
}

async function openSettings(options: { backend?: Backend } = {}) {
  const app = renderApp({ page: "settings", backend: options.backend ?? withUpdates(OFFLINE) });
  await screen.findByTestId("provider-form");
  return app;
}

const OFFLINE: UpdateStatus = { type: "offline", current_version: "0.1.0" };

async function fillForm(
  user: ReturnType<typeof renderApp>["user"],
  values: { name?: string; baseUrl?: string; model?: string; key?: string },
) {
  const form = screen.getByTestId("provider-form");
  const field = (id: string) => within(form).getByTestId(id);
  if (values.name !== undefined) {
    await user.clear(field("provider-name"));
    if (values.name) await user.type(field("provider-name"), values.name);
  }
  if (values.baseUrl !== undefined) {
    await user.clear(field("provider-base-url"));
    if (values.baseUrl) await user.type(field("provider-base-url"), values.baseUrl);
  }
  if (values.model !== undefined) {
    await user.clear(field("provider-model"));
    if (values.model) await user.type(field("provider-model"), values.model);
  }
  if (values.key !== undefined) await user.type(field("provider-key"), values.key);
}

describe("Settings › Model providers", () => {
  it("adds a provider and shows it with its key configured", async () => {
    const { user, backend } = await openSettings();
    await fillForm(user, { name: "Anthropic", key: FAKE_KEY });
    await user.click(screen.getByTestId("provider-save"));

    const row = await screen.findByTestId("provider-row");
    expect(row.getAttribute("data-provider-name")).toBe("Anthropic");
    expect(within(row).getByTestId("key-status").textContent).toMatch(/^Key configured · /);
    expect(within(row).getByText("Anthropic", { selector: ".kind-label" })).toBeTruthy();
    expect(within(row).getByText("https://api.anthropic.com")).toBeTruthy();
    expect(within(row).getByText("claude-sonnet-4-5")).toBeTruthy();
    // The key went to the backend, never back into the page.
    expect(document.body.textContent).not.toContain(FAKE_KEY);
    expect(await backend.listProviders()).toHaveLength(1);
    // With a provider in the list, the add form closes.
    expect(screen.queryByTestId("provider-form")).toBeNull();
  });

  it("pre-fills the base URL and model of the chosen kind", async () => {
    const { user } = await openSettings();
    const url = screen.getByTestId<HTMLInputElement>("provider-base-url");
    const model = screen.getByTestId<HTMLInputElement>("provider-model");
    expect(url.value).toBe("https://api.anthropic.com");
    await user.selectOptions(screen.getByTestId("provider-kind"), "openai_compatible");
    expect(url.value).toBe("https://api.openai.com/v1");
    expect(model.value).toBe("gpt-4o-mini");

    await user.clear(url);
    await user.type(url, "http://localhost:11434/v1");
    await user.selectOptions(screen.getByTestId("provider-kind"), "anthropic");
    expect(url.value).toBe("http://localhost:11434/v1");
    expect(model.value).toBe("claude-sonnet-4-5");
  });

  it("shows a duplicate name under the name field and keeps everything typed", async () => {
    const { backend } = engine();
    await backend.createProvider({
      name: "Work",
      kind: "anthropic",
      base_url: "https://api.anthropic.com",
      model: "claude-sonnet-4-5",
    });
    const { user } = renderApp({ page: "settings", backend });
    await user.click(await screen.findByTestId("open-add-provider"));
    await fillForm(user, { name: "work", baseUrl: "https://proxy.example.com", model: "claude-opus-4-1", key: "sk-x" });
    await user.click(screen.getByTestId("provider-save"));

    const error = await screen.findByTestId("field-error-name");
    expect(error.textContent).toMatch(/already exists/);
    expect(screen.getByTestId<HTMLInputElement>("provider-name").value).toBe("work");
    expect(screen.getByTestId<HTMLInputElement>("provider-base-url").value).toBe("https://proxy.example.com");
    expect(screen.getByTestId<HTMLInputElement>("provider-model").value).toBe("claude-opus-4-1");
    expect(screen.getByTestId<HTMLInputElement>("provider-key").value).toBe("sk-x");
    expect(document.activeElement).toBe(screen.getByTestId("provider-name"));
    expect(screen.getAllByTestId("provider-row")).toHaveLength(1);

    // Fixing the name clears its error and saves.
    await user.type(screen.getByTestId("provider-name"), " 2");
    expect(screen.queryByTestId("field-error-name")).toBeNull();
    await user.click(screen.getByTestId("provider-save"));
    await waitFor(() => expect(screen.getAllByTestId("provider-row")).toHaveLength(2));
  });

  it("rejects an invalid URL before asking the core", async () => {
    let creates = 0;
    const real = engine().backend;
    const backend: Backend = { ...real, createProvider: (input) => (creates++, real.createProvider(input)) };
    const { user } = renderApp({ page: "settings", backend });
    await screen.findByTestId("provider-form");
    await fillForm(user, { name: "Local", baseUrl: "localhost:11434" });
    await user.click(screen.getByTestId("provider-save"));

    expect(screen.getByTestId("field-error-base_url").textContent).toMatch(/http:\/\/ or https:\/\//);
    expect(screen.getByTestId<HTMLInputElement>("provider-base-url").value).toBe("localhost:11434");
    expect(screen.getByTestId<HTMLInputElement>("provider-name").value).toBe("Local");
    expect(creates).toBe(0);
  });

  it("shows an error without a field above the buttons", async () => {
    // The keychain refusing a key can't be staged on a real one: this one call answers as it would.
    const backend: Backend = {
      ...engine().backend,
      createProvider: () =>
        Promise.reject({ code: "keychain", message: "The keychain is locked. Unlock it and try again." }),
    };
    const { user } = renderApp({ page: "settings", backend });
    await screen.findByTestId("provider-form");
    await fillForm(user, { name: "Anthropic", key: "sk-1" });
    await user.click(screen.getByTestId("provider-save"));
    expect((await screen.findByTestId("provider-form-error")).textContent).toBe(
      "The keychain is locked. Unlock it and try again.",
    );
    expect(screen.getByTestId<HTMLInputElement>("provider-key").value).toBe("sk-1");
  });

  it("tests a connection and shows the result in the row", async () => {
    const { backend, fake } = engine();
    await backend.createProvider(fake.input("Good"));
    await backend.createProvider({ ...fake.input("Bad"), api_key: "sk-bad" });
    const { user } = renderApp({ page: "settings", backend });
    const rows = await screen.findAllByTestId("provider-row");
    const good = rows.find((r) => r.dataset.providerName === "Good");
    const bad = rows.find((r) => r.dataset.providerName === "Bad");

    // Test connection asks the fake provider (GET /v1/models/fake-model), which knows only its key.
    await user.click(within(good!).getByTestId("test-connection"));
    const ok = await within(good!).findByTestId("connection-result");
    expect(ok.textContent).toMatch(/✓Connected to “Good”: model fake-model.*\d+ ms/);
    expect(ok.className).toContain("result-ok");

    await user.click(within(bad!).getByTestId("test-connection"));
    const failed = await within(bad!).findByTestId("connection-result");
    expect(failed.textContent).toMatch(/✗.*rejected the API key/);
    expect(failed.className).toContain("result-error");
  });

  it("edits a provider, keeping or removing its key", async () => {
    const { backend } = engine();
    await backend.createProvider({
      name: "Work",
      kind: "anthropic",
      base_url: "https://api.anthropic.com",
      model: "claude-sonnet-4-5",
      api_key: "sk-1",
    });
    const { user } = renderApp({ page: "settings", backend });
    await user.click(await screen.findByTestId("edit-provider"));
    expect(screen.getByTestId<HTMLInputElement>("provider-key").value).toBe("");
    await fillForm(user, { model: "claude-opus-4-1" });
    await user.click(screen.getByTestId("provider-save"));
    await waitFor(() => expect(screen.queryByTestId("provider-form")).toBeNull());
    expect(screen.getByTestId("key-status").textContent).toMatch(/Key configured/);
    expect(screen.getByText("claude-opus-4-1")).toBeTruthy();

    await user.click(screen.getByTestId("edit-provider"));
    await user.click(screen.getByTestId("provider-remove-key"));
    await user.click(screen.getByTestId("provider-save"));
    await waitFor(() => expect(screen.getByTestId("key-status").textContent).toBe("No key"));
  });

  it("deletes a provider only after confirmation", async () => {
    const { backend } = engine();
    await backend.createProvider({
      name: "Work",
      kind: "anthropic",
      base_url: "https://api.anthropic.com",
      model: "m",
    });
    const { user } = renderApp({ page: "settings", backend });
    await user.click(await screen.findByTestId("delete-provider"));
    expect(await backend.listProviders()).toHaveLength(1);
    await user.click(screen.getByTestId("confirm-delete"));
    await waitFor(() => expect(screen.queryByTestId("provider-row")).toBeNull());
    expect(await backend.listProviders()).toHaveLength(0);
    // Back to the first-run state: the add form is open again.
    expect(screen.getByTestId("provider-form")).toBeTruthy();
  });
});

describe("Settings › Updates", () => {
  it("says quietly that the update server is unreachable", async () => {
    const { user } = await openSettings();
    await user.click(screen.getByTestId("check-updates"));
    const status = await screen.findByTestId("update-status");
    expect(status.textContent).toBe("Couldn't reach the update server. Reverie works fine offline; try again later.");
    expect(status.className).toContain("result-quiet");
    expect(status.className).not.toContain("result-error");
  });

  it("announces an available update with its notes", async () => {
    const { user } = await openSettings({
      backend: withUpdates({ type: "available", current_version: "0.1.0", version: "0.2.0", notes: "Faster." }),
    });
    await user.click(screen.getByTestId("check-updates"));
    const status = await screen.findByTestId("update-status");
    expect(status.textContent).toContain("Reverie 0.2.0 is available (you have 0.1.0).");
    expect(status.textContent).toContain("Faster.");
  });

  it("shows a failed check as an error", async () => {
    const { user } = await openSettings({
      backend: withUpdates({ type: "failed", current_version: "0.1.0", message: "The signature is invalid." }),
    });
    await user.click(screen.getByTestId("check-updates"));
    const status = await screen.findByTestId("update-status");
    expect(status.textContent).toBe("The signature is invalid.");
    expect(status.className).toContain("result-error");
  });
});

describe("Settings › Updates › Install", () => {
  const AVAILABLE: UpdateStatus = { type: "available", current_version: "0.1.0", version: "0.2.0", notes: "Faster." };

  /** A backend whose `installUpdate` is a spy the test settles by hand. */
  function withPendingInstall() {
    let settle: { resolve: () => void; reject: (error: unknown) => void } | undefined;
    const installUpdate = vi.fn(
      () =>
        new Promise<void>((resolve, reject) => {
          settle = { resolve, reject };
        }),
    );
    const backend = withUpdates(AVAILABLE, { installUpdate });
    return { backend, installUpdate, settle: () => settle! };
  }

  it.each<UpdateStatus>([
    { type: "up_to_date", current_version: "0.1.0" },
    { type: "offline", current_version: "0.1.0" },
    { type: "failed", current_version: "0.1.0", message: "The signature is invalid." },
  ])("offers no install when the check answers $type", async (update) => {
    const { user } = await openSettings({ backend: withUpdates(update) });
    expect(screen.queryByTestId("install-update")).toBeNull();
    await user.click(screen.getByTestId("check-updates"));
    await screen.findByTestId("update-status");
    expect(screen.queryByTestId("install-update")).toBeNull();
    expect(screen.queryByText(/Reverie restarts after installing/)).toBeNull();
  });

  it('offers "Install and restart" under the notes of an available update', async () => {
    const { user } = await openSettings({ backend: withUpdates(AVAILABLE) });
    expect(screen.queryByTestId("install-update")).toBeNull();
    await user.click(screen.getByTestId("check-updates"));
    const button = await screen.findByTestId<HTMLButtonElement>("install-update");
    expect(button.textContent).toBe("Install and restart");
    expect(button.className).toContain("button-primary");
    expect(button.disabled).toBe(false);
    const status = screen.getByTestId("update-status");
    expect(status.compareDocumentPosition(button) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    const note = screen.getByText("Reverie restarts after installing. On Linux you may be asked for your password.");
    expect(note.className).toContain("muted");
  });

  it("installs: the button spins while the core works and stays disabled as Reverie restarts", async () => {
    const { backend, installUpdate, settle } = withPendingInstall();
    const { user } = renderApp({ page: "settings", backend });
    await user.click(await screen.findByTestId("check-updates"));
    await user.click(await screen.findByTestId("install-update"));

    expect(installUpdate).toHaveBeenCalledTimes(1);
    expect(installUpdate).toHaveBeenCalledWith();
    const button = screen.getByTestId<HTMLButtonElement>("install-update");
    expect(button.disabled).toBe(true);
    expect(button.textContent).toBe("Installing…");
    expect(button.querySelector(".spinner")).not.toBeNull();
    // A second check could replace the package being installed.
    expect(screen.getByTestId<HTMLButtonElement>("check-updates").disabled).toBe(true);

    settle().resolve();
    await waitFor(() => expect(button.textContent).toBe("Restarting…"));
    expect(button.disabled).toBe(true);
    expect(screen.queryByTestId("install-error")).toBeNull();
  });

  it("shows why an install failed and lets the user try again", async () => {
    const { backend, installUpdate, settle } = withPendingInstall();
    const { user } = renderApp({ page: "settings", backend });
    await user.click(await screen.findByTestId("check-updates"));
    await user.click(await screen.findByTestId("install-update"));
    settle().reject({ code: "internal", message: "The update could not be installed. The log has the details." });

    const error = await screen.findByTestId("install-error");
    expect(error.textContent).toBe("The update could not be installed. The log has the details.");
    expect(error.className).toContain("result-error");
    const button = screen.getByTestId<HTMLButtonElement>("install-update");
    expect(button.disabled).toBe(false);
    expect(button.textContent).toBe("Install and restart");
    expect(button.querySelector(".spinner")).toBeNull();
    expect(screen.getByTestId<HTMLButtonElement>("check-updates").disabled).toBe(false);

    // Trying again clears the old error while the core works.
    await user.click(button);
    expect(installUpdate).toHaveBeenCalledTimes(2);
    expect(screen.queryByTestId("install-error")).toBeNull();
  });

  it("shows the core's not_found message when no update is ready", async () => {
    const backend = withUpdates(AVAILABLE, {
      installUpdate: () =>
        Promise.reject({ code: "not_found", message: "No update is ready. Check for updates first." }),
    });
    const { user } = renderApp({ page: "settings", backend });
    await user.click(await screen.findByTestId("check-updates"));
    await user.click(await screen.findByTestId("install-update"));
    expect((await screen.findByTestId("install-error")).textContent).toBe(
      "No update is ready. Check for updates first.",
    );
  });

  it("hides the install button when a new check finds nothing to install", async () => {
    let answer: UpdateStatus = AVAILABLE;
    const { user } = await openSettings({ backend: withUpdates(() => answer) });
    await user.click(screen.getByTestId("check-updates"));
    await screen.findByTestId("install-update");
    answer = { type: "up_to_date", current_version: "0.1.0" };
    await user.click(screen.getByTestId("check-updates"));
    await waitFor(() => expect(screen.getByTestId("update-status").textContent).toMatch(/up to date/));
    expect(screen.queryByTestId("install-update")).toBeNull();
  });
});

describe("Settings › Appearance and Storage", () => {
  it("switches the theme on <html> and remembers it", async () => {
    const { user } = await openSettings();
    await user.click(screen.getByTestId("theme-dark"));
    expect(document.documentElement.dataset.theme).toBe("dark");
    expect(localStorage.getItem("reverie.theme")).toBe("dark");
    expect(within(screen.getByTestId("theme-dark")).getByRole<HTMLInputElement>("radio").checked).toBe(true);
    expect(screen.getByRole<HTMLInputElement>("radio", { name: "System" }).checked).toBe(false);
    await user.click(screen.getByTestId("theme-light"));
    expect(document.documentElement.dataset.theme).toBe("light");
    expect(localStorage.getItem("reverie.theme")).toBe("light");
  });

  it("shows the folders and the secret store in words", async () => {
    const status = await engine().backend.appStatus();
    await openSettings();
    // The dev server's own status: its data folder, and where its log goes.
    expect((await screen.findByTestId("data-dir")).textContent).toBe(engine().dataDir);
    expect(screen.getByTestId("log-dir").textContent).toBe(status.log_dir);
    expect(screen.getByTestId("secret-backend").textContent).not.toBe("");
  });
});
