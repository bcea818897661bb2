import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { ProviderInput } from "../../bindings";
import type { Backend } from "../../ipc";
import { seed, engineEachTest } from "../../test/engine";
import { renderApp } from "../../test/renderApp";

const engine = engineEachTest();

const anthropic: ProviderInput = {
  name: "Anthropic",
  kind: "anthropic",
  base_url: "https://api.anthropic.com",
  model: "claude-sonnet-4-5",
  api_key: "sk-test-agents",
};
const ollama: ProviderInput = {
  name: "Ollama",
  kind: "openai_compatible",
  base_url: "http://localhost:11434/v1",
  model: "llama3.1:8b",
};

/** The real engine with `state` made through its commands. */
async function withState(state: Parameters<typeof seed>[1]) {
  const { backend } = engine();
  const made = await seed(backend, state);
  return { backend, ...made };
}

describe("Agents", () => {
  it("explains agents and asks for a model provider first when there is none", async () => {
    const { user } = renderApp({ page: "agents", backend: engine().backend });
    const empty = await screen.findByTestId("agents-empty");
    expect(empty.textContent).toMatch(/needs a model/);
    expect(screen.queryByTestId("new-agent")).toBeNull();
    await user.click(within(empty).getByTestId("agents-add-provider"));
    expect(screen.getByTestId("nav-settings").getAttribute("aria-current")).toBe("page");
    expect(await screen.findByTestId("provider-form")).toBeTruthy();
  });

  it("creates an agent with its tool permissions and lists it", async () => {
    const { backend } = await withState({ providers: [anthropic, ollama] });
    const { user } = renderApp({ page: "agents", backend });
    await user.click(await screen.findByTestId("new-agent"));
    const form = await screen.findByTestId("agent-form");
    expect(document.activeElement).toBe(within(form).getByTestId("agent-name"));

    // Every tool is listed with its summary and its default permission pressed.
    const command = within(form).getByTestId("tool-permission-run_command");
    expect(command.closest("li")!.textContent).toMatch(/Run a shell command/);
    expect(within(command).getByTestId("perm-run_command-ask").getAttribute("aria-pressed")).toBe("true");
    expect(within(form).getByTestId("perm-read_file-allow").getAttribute("aria-pressed")).toBe("true");
    // The model is optional: the placeholder shows the chosen provider's.
    const model = within(form).getByTestId<HTMLInputElement>("agent-model");
    expect(model.placeholder).toBe("claude-sonnet-4-5");
    await user.selectOptions(within(form).getByTestId("agent-provider"), "Ollama");
    expect(model.placeholder).toBe("llama3.1:8b");
    await user.selectOptions(within(form).getByTestId("agent-provider"), "Anthropic");

    await user.type(within(form).getByTestId("agent-name"), "Reviewer");
    await user.type(within(form).getByTestId("agent-description"), "Reviews changes");
    await user.type(within(form).getByTestId("agent-instructions"), "Read the diff first.");
    await user.click(within(form).getByTestId("perm-write_file-deny"));
    await user.click(within(form).getByTestId("perm-run_command-allow"));
    expect(within(form).getByTestId("perm-write_file-deny").getAttribute("aria-pressed")).toBe("true");
    expect(within(form).getByTestId("perm-write_file-allow").getAttribute("aria-pressed")).toBe("false");
    await user.clear(within(form).getByTestId("agent-max-turns"));
    await user.type(within(form).getByTestId("agent-max-turns"), "20");
    await user.click(within(form).getByTestId("agent-save"));

    const row = await screen.findByTestId("agent-row");
    expect(screen.queryByTestId("agent-form")).toBeNull();
    expect(row.getAttribute("data-agent-name")).toBe("Reviewer");
    expect(row.textContent).toContain("Reviews changes");
    expect(within(row).getByTestId("agent-model-label").textContent).toBe("Anthropic · claude-sonnet-4-5");
    expect(row.textContent).toContain("Up to 20 turns");
    // Only what differs from the defaults is shown.
    expect(within(row).getByTestId("agent-tools").textContent).toBe("write_file denyrun_command allow");

    const [saved] = await backend.listAgents();
    expect(saved).toMatchObject({ name: "Reviewer", instructions: "Read the diff first.", max_turns: 20 });
    expect(saved!.model).toBeUndefined();
    expect(saved!.tools).toContainEqual({ tool: "write_file", permission: "deny" });
    expect(saved!.tools).toContainEqual({ tool: "run_command", permission: "allow" });
  });

  it("checks the form before asking the core, and keeps everything typed", async () => {
    let creates = 0;
    const { backend: real } = await withState({ providers: [anthropic] });
    const backend: Backend = { ...real, createAgent: (input) => (creates++, real.createAgent(input)) };
    const { user } = renderApp({ page: "agents", backend });
    await user.click(await screen.findByTestId("new-agent"));
    await user.type(screen.getByTestId("agent-instructions"), "Be brief.");
    await user.clear(screen.getByTestId("agent-max-turns"));
    await user.type(screen.getByTestId("agent-max-turns"), "600");
    await user.click(screen.getByTestId("agent-save"));

    expect(screen.getByTestId("field-error-name").textContent).toBe("Give the agent a name.");
    expect(screen.getByTestId("field-error-max_turns").textContent).toBe("The turn limit is between 1 and 500.");
    expect(document.activeElement).toBe(screen.getByTestId("agent-name"));
    expect(screen.getByTestId<HTMLTextAreaElement>("agent-instructions").value).toBe("Be brief.");
    expect(creates).toBe(0);

    // Typing in a field clears its error only.
    await user.type(screen.getByTestId("agent-name"), "A");
    expect(screen.queryByTestId("field-error-name")).toBeNull();
    expect(screen.getByTestId("field-error-max_turns")).toBeTruthy();
  });

  it("shows errors under their fields: a model with spaces, then a name the core finds taken", async () => {
    const { backend } = await withState({
      providers: [anthropic],
      agents: [{ name: "Helper", provider: "Anthropic" }],
    });
    const { user } = renderApp({ page: "agents", backend });
    await user.click(await screen.findByTestId("new-agent"));
    await user.type(screen.getByTestId("agent-name"), "helper");
    await user.type(screen.getByTestId("agent-model"), "claude sonnet");
    await user.click(screen.getByTestId("agent-save"));
    expect((await screen.findByTestId("field-error-model")).textContent).toMatch(/no spaces/);

    await user.clear(screen.getByTestId("agent-model"));
    await user.click(screen.getByTestId("agent-save"));
    expect((await screen.findByTestId("field-error-name")).textContent).toBe(
      "An agent named “helper” already exists. Choose another name.",
    );
    expect(screen.getByTestId<HTMLInputElement>("agent-name").value).toBe("helper");
    expect(screen.getAllByTestId("agent-row")).toHaveLength(1);
  });

  it("edits an agent in place and deletes one after confirming", async () => {
    const { backend, providers } = await withState({
      providers: [anthropic, ollama],
      agents: [
        { name: "Helper", description: "Does chores", provider: "Anthropic" },
        { name: "Local", provider: "Ollama", model: "qwen2.5-coder" },
      ],
    });
    const { user } = renderApp({ page: "agents", backend });
    const [helper, local] = await screen.findAllByTestId("agent-row");
    expect(within(local!).getByTestId("agent-model-label").textContent).toBe("Ollama · qwen2.5-coder");

    await user.click(within(helper!).getByTestId("agent-edit"));
    const form = screen.getByTestId("agent-form");
    expect(form.getAttribute("data-mode")).toBe("edit");
    expect(within(form).getByTestId<HTMLInputElement>("agent-name").value).toBe("Helper");
    expect(within(form).getByTestId<HTMLSelectElement>("agent-provider").value).toBe(providers.Anthropic!.id);
    await user.click(within(form).getByTestId("perm-run_command-deny"));
    await user.click(within(form).getByTestId("agent-save"));
    await waitFor(() => expect(screen.queryByTestId("agent-form")).toBeNull());
    const edited = screen.getAllByTestId("agent-row")[0]!;
    expect(within(edited).getByTestId("agent-tools").textContent).toBe("run_command deny");

    await user.click(within(edited).getByTestId("agent-delete"));
    expect(within(edited).getByRole("group", { name: "Delete Helper" }).textContent).toMatch(/past runs stay/);
    await user.click(within(edited).getByTestId("confirm-delete"));
    await waitFor(() => expect(screen.getAllByTestId("agent-row")).toHaveLength(1));
    expect((await backend.listAgents()).map((a) => a.name)).toEqual(["Local"]);
  });

  it("keeps a coordinator's roster when the form saves it (the form has no roster control yet)", async () => {
    const { backend } = await withState({
      providers: [anthropic],
      agents: [
        { name: "Tester", provider: "Anthropic" },
        { name: "Lead", provider: "Anthropic", roster: ["Tester"] },
      ],
    });
    const { user } = renderApp({ page: "agents", backend });
    const lead = (await screen.findAllByTestId("agent-row")).find((r) => r.dataset.agentName === "Lead")!;
    await user.click(within(lead).getByTestId("agent-edit"));
    await user.type(screen.getByTestId("agent-description"), "Splits the work");
    await user.click(screen.getByTestId("agent-save"));
    await waitFor(() => expect(screen.queryByTestId("agent-form")).toBeNull());
    const [tester, saved] = await backend
      .listAgents()
      .then((all) => [all.find((a) => a.name === "Tester")!, all.find((a) => a.name === "Lead")!]);
    expect(saved!.description).toBe("Splits the work");
    expect(saved!.roster).toEqual([tester!.id]);
    await backend.deleteAgent(tester!.id);
    expect((await backend.listAgents())[0]!.roster).toEqual([]);
  });

  it("mounts memory stores per agent: Off, Read only or Read & write, and shows them in the row", async () => {
    const { backend } = await withState({
      providers: [anthropic],
      stores: [
        { name: "Project notes", description: "How we work" },
        { name: "Scratch", description: "" },
      ],
      agents: [{ name: "Helper", provider: "Anthropic" }],
    });
    const { user } = renderApp({ page: "agents", backend });
    const row = await screen.findByTestId("agent-row");
    expect(within(row).queryByTestId("agent-memory-mounts")).toBeNull();

    await user.click(within(row).getByTestId("agent-edit"));
    const section = screen.getByTestId("agent-memory");
    expect(section.textContent).toMatch(/sees a short index of each store/);
    const notes = within(section).getByTestId<HTMLSelectElement>("agent-memory-Project notes");
    expect(notes.value).toBe("off");
    expect([...notes.options].map((o) => [o.value, o.textContent])).toEqual([
      ["off", "Off"],
      ["read_only", "Read only"],
      ["read_write", "Read & write"],
    ]);
    await user.selectOptions(notes, "read_write");
    await user.selectOptions(within(section).getByTestId("agent-memory-Scratch"), "read_only");
    await user.click(screen.getByTestId("agent-save"));
    await waitFor(() => expect(screen.queryByTestId("agent-form")).toBeNull());

    const [stores, [agent]] = await Promise.all([backend.listMemoryStores(), backend.listAgents()]);
    expect(agent!.memory).toEqual([
      { store_id: stores[0]!.id, access: "read_write" },
      { store_id: stores[1]!.id, access: "read_only" },
    ]);
    expect(within(screen.getByTestId("agent-row")).getByTestId("agent-memory-mounts").textContent).toBe(
      "MemoryProject notes read & writeScratch read only",
    );

    // Off again unmounts it.
    await user.click(within(screen.getByTestId("agent-row")).getByTestId("agent-edit"));
    await user.selectOptions(screen.getByTestId("agent-memory-Scratch"), "off");
    await user.click(screen.getByTestId("agent-save"));
    await waitFor(() => expect(screen.queryByTestId("agent-form")).toBeNull());
    expect((await backend.listAgents())[0]!.memory).toEqual([{ store_id: stores[0]!.id, access: "read_write" }]);
  });

  it("leads to the Memory page when there is no store to mount", async () => {
    const { backend } = await withState({ providers: [anthropic] });
    const { user } = renderApp({ page: "agents", backend });
    await user.click(await screen.findByTestId("new-agent"));
    const section = screen.getByTestId("agent-memory");
    await user.click(within(section).getByRole("button", { name: "Create one in Memory" }));
    expect(screen.getByTestId("nav-memory").getAttribute("aria-current")).toBe("page");
  });
});
