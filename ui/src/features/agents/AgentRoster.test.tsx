import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { ProviderInput, RunInput } from "../../bindings";
import type { Backend } from "../../ipc";
import { seed, engineEachTest } from "../../test/engine";
import { renderApp } from "../../test/renderApp";

const engine = engineEachTest();

/** The fake provider, named as a user would name Anthropic. */
const anthropic = (): ProviderInput => engine().fake.input("Anthropic");
const ollama: ProviderInput = {
  name: "Ollama",
  kind: "openai_compatible",
  base_url: "http://localhost:11434/v1",
  model: "llama3.1:8b",
};

const specialist = (name: string, description: string) => ({ name, description, provider: "Anthropic" });

/** The real engine with `state` made through its commands. */
async function withState(state: Parameters<typeof seed>[1]) {
  const { backend } = engine();
  await seed(backend, state);
  return backend;
}
const row = (name: string) => screen.getAllByTestId("agent-row").find((r) => r.dataset.agentName === name)!;

describe("Agents › roster and the example team", () => {
  it("picks the agents a coordinator delegates to, never itself, and lists them on its row", async () => {
    const { user, backend } = renderApp({
      page: "agents",
      backend: await withState({
        providers: [anthropic()],
        agents: [
          specialist("Lead", "Runs the team"),
          specialist("Researcher", "Finds facts"),
          specialist("Writer", "Writes"),
        ],
      }),
    });
    await screen.findAllByTestId("agent-row");
    await user.click(within(row("Lead")).getByTestId("agent-edit"));
    const roster = within(row("Lead")).getByTestId("agent-roster");
    const options = within(roster).getAllByTestId("agent-roster-option");
    // The others, with their descriptions; not the agent itself.
    expect(options.map((o) => o.dataset.agentName)).toEqual(["Researcher", "Writer"]);
    expect(options[0]!.textContent).toContain("Finds facts");
    await user.click(within(options[1]!).getByRole("checkbox"));
    await user.click(within(options[0]!).getByRole("checkbox"));
    expect(roster.textContent).toContain("2 of 20");
    await user.click(within(row("Lead")).getByTestId("agent-save"));

    await waitFor(() =>
      expect(within(row("Lead")).getByTestId("agent-roster-summary").textContent).toBe(
        "Delegates to Writer and Researcher",
      ),
    );
    const lead = (await backend.listAgents()).find((a) => a.name === "Lead")!;
    const ids = Object.fromEntries((await backend.listAgents()).map((a) => [a.name, a.id]));
    expect(lead.roster).toEqual([ids.Writer, ids.Researcher]);
    expect(within(row("Writer")).queryByTestId("agent-roster-summary")).toBeNull();

    // Deleting a member takes it out of the roster, here as in the core.
    await user.click(within(row("Writer")).getByTestId("agent-delete"));
    expect(within(row("Writer")).getByText(/It leaves the roster of Lead\./)).toBeTruthy();
    await user.click(within(row("Writer")).getByTestId("confirm-delete"));
    await waitFor(() =>
      expect(within(row("Lead")).getByTestId("agent-roster-summary").textContent).toBe("Delegates to Researcher"),
    );
  });

  it("shows the core's roster error under the roster", async () => {
    const backend = await withState({
      providers: [anthropic()],
      agents: [specialist("Lead", ""), specialist("Helper", "")],
    });
    const { user } = renderApp({ page: "agents", backend });
    await screen.findAllByTestId("agent-row");
    await user.click(within(row("Lead")).getByTestId("agent-edit"));
    const option = within(row("Lead")).getByTestId("agent-roster-option");
    await user.click(within(option).getByRole("checkbox"));
    // Helper goes (another window, the CLI) while the form is open: the core refuses the roster.
    const helper = (await backend.listAgents()).find((a) => a.name === "Helper")!;
    await backend.deleteAgent(helper.id);
    await user.click(within(row("Lead")).getByTestId("agent-save"));
    const error = await screen.findByTestId("field-error-roster");
    expect(error.textContent).toContain(helper.id);
    expect(document.activeElement).toBe(within(option).getByRole("checkbox"));
    // Changing the roster clears it.
    await user.click(within(option).getByRole("checkbox"));
    expect(screen.queryByTestId("field-error-roster")).toBeNull();
  });

  it("adds the example team, asking for the provider when there are several, and leads to running it", async () => {
    const { user } = renderApp({ page: "agents", backend: await withState({ providers: [anthropic(), ollama] }) });
    await user.click(await screen.findByTestId("example-team"));
    await user.selectOptions(screen.getByTestId("example-team-provider"), "Ollama");
    await user.click(screen.getByTestId("example-team-create"));

    const result = await screen.findByTestId("example-team-result");
    expect(result.textContent).toContain("Added Coordinator, who delegates to Researcher, Writer and Reviewer.");
    expect(screen.getAllByTestId("agent-row").map((r) => r.dataset.agentName)).toEqual([
      "Coordinator",
      "Researcher",
      "Writer",
      "Reviewer",
    ]);
    expect(within(row("Coordinator")).getByTestId("agent-roster-summary").textContent).toBe(
      "Delegates to Researcher, Writer and Reviewer",
    );
    expect(within(row("Researcher")).getByTestId("agent-model-label").textContent).toContain("Ollama");

    // "Run Coordinator": the new-run form with the coordinator chosen and its subagents' cap.
    await user.click(within(result).getByTestId("example-team-run"));
    const form = await screen.findByTestId("run-form");
    expect(within(form).getByTestId<HTMLSelectElement>("run-agent").selectedOptions[0]!.textContent).toBe(
      "Coordinator",
    );
    expect(within(form).getByTestId<HTMLInputElement>("run-max-threads").value).toBe("8");
  });

  it("adds the team at once with one provider, and can't without any", async () => {
    const none = renderApp({ page: "agents", backend: engine().backend });
    const button = await screen.findByTestId("example-team");
    expect(button.hasAttribute("disabled")).toBe(true);
    expect(screen.getByTestId("example-team-hint").textContent).toBe("Needs a model provider first.");
    expect(button.getAttribute("aria-describedby")).toBe(screen.getByTestId("example-team-hint").id);
    none.unmount();

    const { user, backend } = renderApp({
      page: "agents",
      backend: await withState({ providers: [anthropic()], agents: [specialist("Coordinator", "")] }),
    });
    await user.click(await screen.findByTestId("example-team"));
    await screen.findByTestId("example-team-result");
    expect(screen.queryByTestId("example-team-provider")).toBeNull();
    expect((await backend.listAgents()).map((a) => a.name).sort()).toEqual([
      "Coordinator",
      "Coordinator 2",
      "Researcher",
      "Reviewer",
      "Writer",
    ]);
    expect(screen.getAllByTestId("agent-row").map((r) => r.dataset.agentName)).toEqual([
      "Coordinator",
      "Coordinator 2",
      "Researcher",
      "Writer",
      "Reviewer",
    ]);
  });
});

describe("New run › subagents at once", () => {
  async function openWithTeam(startRun?: (input: RunInput) => Promise<never>) {
    const real = await withState({ providers: [anthropic()], agents: [specialist("Helper", "")] });
    const [provider] = await real.listProviders();
    await real.createExampleTeam(provider!.id);
    const sent: RunInput[] = [];
    const backend: Backend = {
      ...real,
      startRun: (input) => (sent.push(input), startRun ? startRun(input) : real.startRun(input)),
    };
    const app = renderApp({ page: "runs", backend });
    await app.user.click(await screen.findByTestId("new-run"));
    await screen.findByTestId("run-form");
    return { ...app, sent };
  }

  it("is asked only for a coordinator, checked 1–25, and sent as max_threads", async () => {
    const { user, sent } = await openWithTeam();
    await user.selectOptions(screen.getByTestId("run-agent"), "Helper");
    expect(screen.queryByTestId("run-max-threads")).toBeNull(); // Helper has no roster
    await user.selectOptions(screen.getByTestId("run-agent"), "Coordinator");
    const threads = screen.getByTestId<HTMLInputElement>("run-max-threads");
    expect(threads.value).toBe("8");
    expect(threads.closest(".field")!.textContent).toContain(
      "Coordinator delegates to Researcher, Writer and Reviewer",
    );
    await user.type(screen.getByTestId("run-workspace"), engine().tempDir);
    await user.type(screen.getByTestId("run-task"), "Summarise the notes.");
    await user.clear(threads);
    await user.type(threads, "26");
    await user.click(screen.getByTestId("run-start"));
    expect(screen.getByTestId("field-error-max_threads").textContent).toBe("Choose from 1 to 25 subagents at once.");
    expect(sent).toEqual([]);
    await user.clear(threads);
    await user.type(threads, "2");
    await user.click(screen.getByTestId("run-start"));
    await screen.findByTestId("session-view");
    expect(sent[0]).toMatchObject({ task: "Summarise the notes.", max_threads: 2 });
  });

  it("shows the core's max_threads error under the field, and sends none for an agent without a roster", async () => {
    // The form already keeps the count within 1–25, so the core's refusal is played by this one call.
    const { user, sent } = await openWithTeam(() =>
      Promise.reject({
        code: "invalid_input",
        field: "max_threads",
        message: "Choose between 1 and 25 subagent threads at once (you chose 30).",
      }),
    );
    await user.selectOptions(screen.getByTestId("run-agent"), "Coordinator");
    await user.type(screen.getByTestId("run-workspace"), engine().tempDir);
    await user.type(screen.getByTestId("run-task"), "Go.");
    await user.click(screen.getByTestId("run-start"));
    expect((await screen.findByTestId("field-error-max_threads")).textContent).toBe(
      "Choose between 1 and 25 subagent threads at once (you chose 30).",
    );
    expect(document.activeElement).toBe(screen.getByTestId("run-max-threads"));
    await user.selectOptions(screen.getByTestId("run-agent"), "Helper");
    await user.click(screen.getByTestId("run-start"));
    await waitFor(() => expect(sent).toHaveLength(2));
    expect(sent[1]).not.toHaveProperty("max_threads");
  });
});
