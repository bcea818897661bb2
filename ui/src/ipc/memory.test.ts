import { describe, expect, it } from "vitest";
import type { ProviderInput, UpdateStatus } from "../bindings";
import { createMemoryBackend, GOOD_KEY } from "./memory";

const anthropic: ProviderInput = {
  name: "Anthropic",
  kind: "anthropic",
  base_url: "https://api.anthropic.com",
  model: "claude-sonnet-4-5",
  api_key: GOOD_KEY,
};

describe("memory backend", () => {
  it("creates, lists, updates and deletes providers", async () => {
    const backend = createMemoryBackend({ now: () => 1000 });
    const created = await backend.createProvider({ ...anthropic, name: "  Anthropic  " });
    expect(created).toMatchObject({
      name: "Anthropic",
      key: { configured: true, source: "keychain" },
      created_at: 1000,
    });
    expect(await backend.listProviders()).toEqual([created]);

    const { api_key: _omit, ...withoutKey } = anthropic;
    const kept = await backend.updateProvider(created.id, { ...withoutKey, model: "claude-opus-4-1" });
    expect(kept.model).toBe("claude-opus-4-1");
    expect(kept.key).toEqual({ configured: true, source: "keychain" });

    const removed = await backend.updateProvider(created.id, { ...withoutKey, api_key: "" });
    expect(removed.key).toEqual({ configured: false, source: "none" });

    await backend.deleteProvider(created.id);
    expect(await backend.listProviders()).toEqual([]);
    await expect(backend.deleteProvider(created.id)).rejects.toMatchObject({ code: "not_found" });
  });

  it("refuses a duplicate name, whatever its case, with a conflict on the name field", async () => {
    const backend = createMemoryBackend();
    await backend.createProvider(anthropic);
    await expect(backend.createProvider({ ...anthropic, name: "ANTHROPIC" })).rejects.toMatchObject({
      code: "conflict",
      field: "name",
    });
    // Renaming a provider to its own name in another case is fine.
    const [only] = await backend.listProviders();
    await expect(backend.updateProvider(only!.id, { ...anthropic, name: "anthropic" })).resolves.toMatchObject({
      name: "anthropic",
    });
  });

  it("validates like the core", async () => {
    const backend = createMemoryBackend();
    await expect(backend.createProvider({ ...anthropic, name: " " })).rejects.toMatchObject({ field: "name" });
    await expect(backend.createProvider({ ...anthropic, name: "x".repeat(81) })).rejects.toMatchObject({
      field: "name",
    });
    await expect(backend.createProvider({ ...anthropic, base_url: "api.anthropic.com" })).rejects.toMatchObject({
      code: "invalid_input",
      field: "base_url",
    });
    await expect(backend.createProvider({ ...anthropic, model: "" })).rejects.toMatchObject({ field: "model" });
    expect(await backend.listProviders()).toEqual([]);
  });

  it("keeps keys in memory when there is no keychain, and reports environment keys", async () => {
    const backend = createMemoryBackend({
      status: { secret_backend: "memory_only" },
      environmentKeys: ["openai_compatible"],
    });
    expect((await backend.createProvider(anthropic)).key).toEqual({ configured: true, source: "memory" });
    const openai = await backend.createProvider({
      name: "OpenAI",
      kind: "openai_compatible",
      base_url: "https://api.openai.com/v1",
      model: "gpt-4o-mini",
    });
    expect(openai.key).toEqual({ configured: true, source: "environment" });
  });

  it("tests connections: the good key and keyless local servers pass, others fail with auth", async () => {
    const backend = createMemoryBackend();
    const good = await backend.createProvider(anthropic);
    const bad = await backend.createProvider({ ...anthropic, name: "Bad", api_key: "sk-bad" });
    const none = await backend.createProvider({ ...anthropic, name: "None", api_key: "" });
    const local = await backend.createProvider({
      name: "Ollama",
      kind: "openai_compatible",
      base_url: "http://localhost:11434/v1",
      model: "llama3.1",
    });
    expect(await backend.testProvider(good.id)).toMatchObject({ ok: true });
    expect(await backend.testProvider(local.id)).toMatchObject({ ok: true });
    expect(await backend.testProvider(bad.id)).toMatchObject({ ok: false, error: { code: "auth" } });
    expect(await backend.testProvider(none.id)).toMatchObject({ ok: false, error: { code: "auth" } });
    expect((await backend.testProvider(none.id)).message).toMatch(/ANTHROPIC_API_KEY/);
  });

  it("answers update checks offline by default, or as configured", async () => {
    expect(await createMemoryBackend().checkForUpdates()).toEqual({ type: "offline", current_version: "0.1.0" });
    const backend = createMemoryBackend({ update: { type: "up_to_date", current_version: "0.1.0" } });
    expect(await backend.checkForUpdates()).toEqual({ type: "up_to_date", current_version: "0.1.0" });
  });

  it("installs only after a check that found an update", async () => {
    const notReady = { code: "not_found", message: "No update is ready. Check for updates first." };
    let answer: UpdateStatus = { type: "available", current_version: "0.1.0", version: "0.2.0" };
    const backend = createMemoryBackend({ update: () => answer });
    await expect(backend.installUpdate()).rejects.toEqual(notReady);
    await backend.checkForUpdates();
    await expect(backend.installUpdate()).resolves.toBeUndefined();
    answer = { type: "up_to_date", current_version: "0.1.0" };
    await backend.checkForUpdates();
    await expect(backend.installUpdate()).rejects.toEqual(notReady);

    const offline = createMemoryBackend();
    await offline.checkForUpdates();
    await expect(offline.installUpdate()).rejects.toEqual(notReady);
  });

  it("never hands out its own objects", async () => {
    const backend = createMemoryBackend();
    const created = await backend.createProvider(anthropic);
    created.name = "mutated";
    expect((await backend.listProviders())[0]!.name).toBe("Anthropic");
  });
});
