import { beforeEach, describe, expect, it, vi } from "vitest";

const invoke = vi.fn();
const open = vi.fn();
const save = vi.fn();
vi.mock("@tauri-apps/api/core", () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  // A stand-in for Tauri's Channel: the backend sets `onmessage`, the test plays the shell.
  Channel: class {
    onmessage: (message: unknown) => void = () => {};
  },
}));
vi.mock("@tauri-apps/plugin-dialog", () => ({
  open: (...args: unknown[]) => open(...args),
  save: (...args: unknown[]) => save(...args),
}));

const { tauriBackend } = await import("./tauri");

beforeEach(() => {
  invoke.mockReset();
  open.mockReset();
  save.mockReset();
});

describe("tauriBackend", () => {
  it("calls the commands by name with their arguments", async () => {
    invoke.mockResolvedValue([]);
    await tauriBackend.listProviders();
    expect(invoke).toHaveBeenLastCalledWith("list_providers", undefined);

    const input = { name: "A", kind: "anthropic" as const, base_url: "https://a.b", model: "m" };
    invoke.mockResolvedValue({});
    await tauriBackend.createProvider(input);
    expect(invoke).toHaveBeenLastCalledWith("create_provider", { input });
    await tauriBackend.updateProvider("prv_1", input);
    expect(invoke).toHaveBeenLastCalledWith("update_provider", { id: "prv_1", input });
    await tauriBackend.testProvider("prv_1");
    expect(invoke).toHaveBeenLastCalledWith("test_provider", { id: "prv_1" });
    invoke.mockResolvedValue(null);
    await expect(tauriBackend.deleteProvider("prv_1")).resolves.toBeUndefined();
    expect(invoke).toHaveBeenLastCalledWith("delete_provider", { id: "prv_1" });
    invoke.mockResolvedValue({ type: "offline", current_version: "0.1.0" });
    await expect(tauriBackend.checkForUpdates()).resolves.toEqual({ type: "offline", current_version: "0.1.0" });
    expect(invoke).toHaveBeenLastCalledWith("check_for_updates", undefined);
    await tauriBackend.appStatus();
    expect(invoke).toHaveBeenLastCalledWith("app_status", undefined);
  });

  it("names the orchestration commands' arguments as the shell expects them (snake_case)", async () => {
    invoke.mockResolvedValue([]);
    await tauriBackend.createExampleTeam("prv_1");
    expect(invoke).toHaveBeenLastCalledWith("create_example_team", { provider_id: "prv_1" });
    invoke.mockResolvedValue(null);
    await expect(tauriBackend.cancelThread("ses_1", "thr_2")).resolves.toBeUndefined();
    expect(invoke).toHaveBeenLastCalledWith("cancel_thread", { id: "ses_1", thread_id: "thr_2" });
  });

  it("installs the update with install_update, which takes no arguments", async () => {
    invoke.mockResolvedValue(null);
    await expect(tauriBackend.installUpdate()).resolves.toBeUndefined();
    expect(invoke).toHaveBeenCalledTimes(1);
    expect(invoke).toHaveBeenLastCalledWith("install_update", undefined);

    const error = { code: "not_found", message: "No update is ready. Check for updates first." };
    invoke.mockRejectedValue(error);
    await expect(tauriBackend.installUpdate()).rejects.toEqual(error);
  });

  it("passes an AppError through unchanged", async () => {
    const error = { code: "conflict", message: "A provider named “A” already exists.", field: "name" };
    invoke.mockRejectedValue(error);
    await expect(
      tauriBackend.createProvider({ name: "A", kind: "anthropic", base_url: "https://a", model: "m" }),
    ).rejects.toEqual(error);
  });

  it("drops a null field rather than passing it on", async () => {
    invoke.mockRejectedValue({ code: "database", message: "The database is locked.", field: null });
    await expect(tauriBackend.listProviders()).rejects.toEqual({
      code: "database",
      message: "The database is locked.",
    });
  });

  it("turns a plain string rejection into an internal AppError", async () => {
    invoke.mockRejectedValue("command list_providers not found");
    await expect(tauriBackend.listProviders()).rejects.toEqual({
      code: "internal",
      message: "Something went wrong inside Reverie: command list_providers not found",
    });
  });

  it("turns a thrown Error (no Tauri runtime) into an internal AppError", async () => {
    invoke.mockImplementation(() => {
      throw new TypeError("Cannot read properties of undefined (reading 'invoke')");
    });
    await expect(tauriBackend.appStatus()).rejects.toMatchObject({
      code: "internal",
      message: expect.stringContaining("Cannot read properties of undefined"),
    });
  });

  it("does not trust objects that only look like errors", async () => {
    invoke.mockRejectedValue({ code: "teapot", message: "I'm a teapot." });
    await expect(tauriBackend.checkForUpdates()).rejects.toEqual({
      code: "internal",
      message: "Something went wrong inside Reverie: I'm a teapot.",
    });
    invoke.mockRejectedValue(undefined);
    await expect(tauriBackend.checkForUpdates()).rejects.toEqual({
      code: "internal",
      message: "Something went wrong inside Reverie. The log has the details.",
    });
  });

  it("calls the rubric commands with the argument names the shell reads", async () => {
    invoke.mockResolvedValue([]);
    await tauriBackend.listRubrics();
    expect(invoke).toHaveBeenLastCalledWith("list_rubrics", undefined);
    await tauriBackend.rubricVersions("rub_1");
    expect(invoke).toHaveBeenLastCalledWith("rubric_versions", { id: "rub_1" });
    await tauriBackend.rubricDiff("rub_1", 1, 2);
    expect(invoke).toHaveBeenLastCalledWith("rubric_diff", { id: "rub_1", from: 1, to: 2 });
    await tauriBackend.rubricTemplates();
    expect(invoke).toHaveBeenLastCalledWith("rubric_templates", undefined);
    invoke.mockResolvedValue({});
    await tauriBackend.checkRubric("- Tests pass");
    expect(invoke).toHaveBeenLastCalledWith("check_rubric", { source: "- Tests pass" });
    await tauriBackend.createRubric("Tests", "- Tests pass");
    expect(invoke).toHaveBeenLastCalledWith("create_rubric", { name: "Tests", source: "- Tests pass" });
    await tauriBackend.saveRubric("rub_1", "Tests", "- Tests pass");
    expect(invoke).toHaveBeenLastCalledWith("save_rubric", { id: "rub_1", name: "Tests", source: "- Tests pass" });
    await tauriBackend.createRubricFromTemplate("Code change");
    expect(invoke).toHaveBeenLastCalledWith("create_rubric_from_template", { template: "Code change" });
    await tauriBackend.importRubric("/tmp/a.md");
    expect(invoke).toHaveBeenLastCalledWith("import_rubric", { path: "/tmp/a.md" });
    invoke.mockResolvedValue(null);
    await expect(tauriBackend.exportRubric("rub_1", 2, "/tmp/b.md")).resolves.toBeUndefined();
    expect(invoke).toHaveBeenLastCalledWith("export_rubric", { id: "rub_1", version: 2, path: "/tmp/b.md" });
    await expect(tauriBackend.deleteRubric("rub_1")).resolves.toBeUndefined();
    expect(invoke).toHaveBeenLastCalledWith("delete_rubric", { id: "rub_1" });
  });

  it("asks the dialogs for Markdown files and treats a cancel as null", async () => {
    open.mockResolvedValue("/home/you/rubric.md");
    await expect(tauriBackend.pickMarkdownFile()).resolves.toBe("/home/you/rubric.md");
    expect(open).toHaveBeenLastCalledWith(
      expect.objectContaining({
        multiple: false,
        directory: false,
        filters: [{ name: "Markdown", extensions: ["md"] }],
      }),
    );
    open.mockResolvedValue(null);
    await expect(tauriBackend.pickMarkdownFile()).resolves.toBeNull();

    save.mockResolvedValue("/home/you/Code change.md");
    await expect(tauriBackend.pickSavePath("Code change.md")).resolves.toBe("/home/you/Code change.md");
    expect(save).toHaveBeenLastCalledWith(expect.objectContaining({ defaultPath: "Code change.md" }));
    save.mockResolvedValue(null);
    await expect(tauriBackend.pickSavePath("x.md")).resolves.toBeNull();
    save.mockRejectedValue("dialog.save not allowed. Permissions associated with this command: dialog:allow-save");
    await expect(tauriBackend.pickSavePath("x.md")).rejects.toMatchObject({ code: "internal" });
  });

  it("calls the dream commands with the argument names the shell reads", async () => {
    invoke.mockResolvedValue([]);
    await tauriBackend.listDreams(null);
    expect(invoke).toHaveBeenLastCalledWith("list_dreams", { store_id: null });
    await tauriBackend.listDreams("mem_1");
    expect(invoke).toHaveBeenLastCalledWith("list_dreams", { store_id: "mem_1" });
    await tauriBackend.newDreamSessions("mem_1");
    expect(invoke).toHaveBeenLastCalledWith("new_dream_sessions", { store_id: "mem_1" });
    invoke.mockResolvedValue({});
    const input = { store_id: "mem_1", sessions: [], instructions: "", mode: "review" as const };
    await tauriBackend.startDream(input);
    expect(invoke).toHaveBeenLastCalledWith("start_dream", { input });
    await tauriBackend.getDream("drm_1");
    expect(invoke).toHaveBeenLastCalledWith("get_dream", { id: "drm_1" });
    await tauriBackend.dreamProposal("drm_1");
    expect(invoke).toHaveBeenLastCalledWith("dream_proposal", { id: "drm_1" });
    await tauriBackend.decideHunks("drm_1", ["0.1"], "accepted", "new text");
    expect(invoke).toHaveBeenLastCalledWith("decide_hunks", {
      id: "drm_1",
      hunks: ["0.1"],
      decision: "accepted",
      edited: "new text",
    });
    await tauriBackend.dreamSettings("mem_1");
    expect(invoke).toHaveBeenLastCalledWith("dream_settings", { store_id: "mem_1" });
    await tauriBackend.setDreamSettings("mem_1", { mode: "auto", daily_at: "03:30" });
    expect(invoke).toHaveBeenLastCalledWith("set_dream_settings", {
      store_id: "mem_1",
      settings: { mode: "auto", daily_at: "03:30" },
    });
    invoke.mockResolvedValue(null);
    await expect(tauriBackend.cancelDream("drm_1")).resolves.toBeUndefined();
    expect(invoke).toHaveBeenLastCalledWith("cancel_dream", { id: "drm_1" });

    // Apply and Revert answer a (Proposal, ApplyReport) pair.
    const proposal = { dream_id: "drm_1", status: "applied" };
    const report = { versions: ["memv_1"], conflicts: ["0.0"] };
    invoke.mockResolvedValue([proposal, report]);
    await expect(tauriBackend.applyProposal("drm_1")).resolves.toEqual({ proposal, report });
    expect(invoke).toHaveBeenLastCalledWith("apply_proposal", { id: "drm_1" });
    await expect(tauriBackend.revertProposal("drm_1")).resolves.toEqual({ proposal, report });
    expect(invoke).toHaveBeenLastCalledWith("revert_proposal", { id: "drm_1" });
  });

  it("watches dreams through one channel and ends the watch with unwatch_session", async () => {
    invoke.mockResolvedValueOnce(7).mockResolvedValue(null);
    const seen: unknown[] = [];
    const stop = await tauriBackend.watchDreams((dream) => seen.push(dream));
    const [command, args] = invoke.mock.calls[0] as [string, { channel: { onmessage: (d: unknown) => void } }];
    expect(command).toBe("watch_dreams");
    args.channel.onmessage({ id: "drm_1", status: "running" });
    expect(seen).toEqual([{ id: "drm_1", status: "running" }]);
    stop();
    expect(invoke).toHaveBeenLastCalledWith("unwatch_session", { watch: 7 });
    args.channel.onmessage({ id: "drm_1", status: "completed" });
    expect(seen).toHaveLength(1);
  });
});
