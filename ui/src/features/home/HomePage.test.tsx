import { cleanup, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { agentInput, engineEachTest } from "../../test/engine";
import { renderApp } from "../../test/renderApp";

const engine = engineEachTest();

describe("Home", () => {
  it("greets a new user and leads to the add form, focused", async () => {
    const { user } = renderApp({ backend: engine().backend });
    const empty = await screen.findByTestId("empty-state");
    expect(empty.textContent).toMatch(/Reverie runs AI agents on your own computer/);
    await user.click(screen.getByTestId("add-provider-button"));

    expect(screen.getByTestId("nav-settings").getAttribute("aria-current")).toBe("page");
    const form = await screen.findByTestId("provider-form");
    expect(document.activeElement).toBe(within(form).getByTestId("provider-name"));
  });

  it("lists the providers and their keys once there are some", async () => {
    const { backend } = engine();
    await backend.createProvider({
      name: "Anthropic",
      kind: "anthropic",
      base_url: "https://api.anthropic.com",
      model: "claude-sonnet-4-5",
      api_key: "sk-test-home",
    });
    await backend.createProvider({
      name: "Ollama",
      kind: "openai_compatible",
      base_url: "http://localhost:11434/v1",
      model: "llama3.1",
    });
    renderApp({ backend });
    const ready = await screen.findByTestId("ready");
    expect(screen.queryByTestId("empty-state")).toBeNull();
    expect(ready.textContent).toContain("2 model providers");
    const badges = within(ready)
      .getAllByTestId("key-status")
      .map((b) => b.textContent);
    expect(badges).toHaveLength(2);
    expect(badges[0]).toMatch(/^Key configured · /);
    expect(badges[1]).toBe("No key");
  });

  it("offers only the pages that exist", async () => {
    renderApp({ backend: engine().backend });
    await screen.findByTestId("empty-state");
    const nav = screen.getByRole("navigation", { name: "Main" });
    expect(
      within(nav)
        .getAllByRole("button")
        .map((b) => b.textContent),
    ).toEqual(["Home", "Runs", "Agents", "Rubrics", "Memory", "Dreams", "Settings"]);
  });

  it("leads on to creating an agent, then to a new run", async () => {
    const { backend, fake } = engine();
    const provider = await backend.createProvider(fake.input("Anthropic"));
    const { user } = renderApp({ backend });
    await user.click(await screen.findByTestId("create-agent-button"));
    expect(screen.getByTestId("nav-agents").getAttribute("aria-current")).toBe("page");
    const name = await screen.findByTestId("agent-name");
    await waitFor(() => expect(document.activeElement).toBe(name));
    cleanup();

    await backend.createAgent(agentInput({ name: "Helper", provider_id: provider.id }));
    const withAgent = renderApp({ backend });
    await withAgent.user.click(await screen.findByTestId("new-run-button"));
    expect(screen.getByTestId("nav-runs").getAttribute("aria-current")).toBe("page");
    expect(await screen.findByTestId("run-form")).toBeTruthy();
    expect(screen.queryByTestId("create-agent-button")).toBeNull();
  });
});
