import { useEffect, useState } from "react";
import type { Agent, AgentInput } from "../../bindings";
import { useBackend } from "../../ipc";
import { LoadError } from "../../shared/LoadError";
import { useNavigation } from "../../shared/navigation";
import { Spinner } from "../../shared/Spinner";
import { loadAgents, loadMemoryStores, loadTools, useList } from "../../shared/useList";
import { useProviders } from "../../shared/useProviders";
import { AgentForm } from "./AgentForm";
import { AgentRow, listOf } from "./AgentRow";
import { ExampleTeamButton, ExampleTeamChooser, useExampleTeam } from "./ExampleTeam";
import "./agents.css";

/** Which form is open: at most one, so every test id on the page is unique. */
type Editing = { kind: "none" } | { kind: "add" } | { kind: "edit"; id: string };

export function AgentsPage() {
  const backend = useBackend();
  const agents = useList(loadAgents);
  const tools = useList(loadTools);
  const stores = useList(loadMemoryStores);
  const { providers, error: providersError, reload: reloadProviders } = useProviders();
  const { intent, clearIntent, navigate } = useNavigation();
  const [editing, setEditing] = useState<Editing>({ kind: "none" });
  /** The example team just added, for the note that says how to try it. */
  const [team, setTeam] = useState<Agent[] | null>(null);
  const exampleTeam = useExampleTeam(providers, (created) => {
    agents.setItems((list) => [...list, ...created]);
    setTeam(created);
  });

  // "Create an agent" on Home lands here with the form open.
  useEffect(() => {
    if (intent?.type === "new-agent") {
      setEditing({ kind: "add" });
      clearIntent();
    }
  }, [intent, clearIntent]);

  const error = agents.error ?? tools.error ?? stores.error ?? providersError;
  const list = agents.items;
  const catalog = tools.items;
  const memoryStores = stores.items;
  const loaded = list !== null && catalog !== null && providers !== null && memoryStores !== null;

  const create = async (input: AgentInput) => {
    const created = await backend.createAgent(input);
    agents.setItems((list) => [...list, created]);
    setEditing({ kind: "none" });
  };

  const update = async (id: string, input: AgentInput) => {
    const updated = await backend.updateAgent(id, input);
    agents.setItems((list) => list.map((a) => (a.id === id ? updated : a)));
    setEditing({ kind: "none" });
  };

  const noProviders = providers !== null && providers.length === 0;
  const empty = list !== null && list.length === 0;

  return (
    <section className="agents" aria-labelledby="agents-title">
      <div className="page-head">
        <div>
          <h1 id="agents-title">Agents</h1>
          <p className="lead">
            An agent is a saved way of working: its instructions, the model it uses and what it may do in your folder.
          </p>
        </div>
        {loaded && editing.kind === "none" && (
          <div className="page-actions">
            <ExampleTeamButton providers={providers} team={exampleTeam} />
            {!empty && !noProviders && (
              <button
                type="button"
                className="button button-primary"
                onClick={() => setEditing({ kind: "add" })}
                data-testid="new-agent"
              >
                New agent
              </button>
            )}
          </div>
        )}
      </div>

      {loaded && exampleTeam.choosing && editing.kind === "none" && (
        <ExampleTeamChooser providers={providers} team={exampleTeam} />
      )}

      {team && team[0] && (
        <div className="example-team-result" role="status" data-testid="example-team-result">
          <p>
            Added <strong>{team[0].name}</strong>, who delegates to {listOf(team.slice(1).map((a) => a.name))}. Run it
            on a task: it splits the work, and the session’s timeline shows the four of them side by side.
          </p>
          <div className="row-actions">
            <button
              type="button"
              className="button button-primary button-small"
              onClick={() => navigate("runs", "new-run", team[0]!.id)}
              data-testid="example-team-run"
            >
              Run {team[0].name}
            </button>
            <button type="button" className="button button-quiet button-small" onClick={() => setTeam(null)}>
              Dismiss
            </button>
          </div>
        </div>
      )}

      {error && (
        <LoadError
          error={error}
          onRetry={() => {
            agents.reload();
            tools.reload();
            stores.reload();
            reloadProviders();
          }}
        />
      )}
      {!loaded && !error && (
        <p className="muted loading-line">
          <Spinner /> Loading agents…
        </p>
      )}

      {loaded && editing.kind === "add" && (
        <AgentForm
          providers={providers}
          tools={catalog}
          stores={memoryStores}
          agents={list}
          onSubmit={create}
          onCancel={() => setEditing({ kind: "none" })}
        />
      )}

      {loaded && empty && editing.kind !== "add" && (
        <div className="empty-panel" data-testid="agents-empty">
          <h2>No agents yet</h2>
          {noProviders ? (
            <>
              <p>An agent needs a model to think with. Connect a model provider first, then come back to create one.</p>
              <button
                type="button"
                className="button button-primary"
                onClick={() => navigate("settings", "add-provider")}
                data-testid="agents-add-provider"
              >
                Add a model provider first
              </button>
            </>
          ) : (
            <>
              <p>
                Create one to start runs: give it instructions, pick its model and choose which tools it may use on its
                own and which need your approval.
              </p>
              <button
                type="button"
                className="button button-primary"
                onClick={() => setEditing({ kind: "add" })}
                data-testid="new-agent"
              >
                Create agent
              </button>
            </>
          )}
        </div>
      )}

      {loaded && !empty && (
        <ul className="agent-list">
          {list.map((agent) => (
            <AgentRow
              key={agent.id}
              agent={agent}
              providers={providers}
              tools={catalog}
              stores={memoryStores}
              agents={list}
              editing={editing.kind === "edit" && editing.id === agent.id}
              onEdit={() => setEditing({ kind: "edit", id: agent.id })}
              onCancelEdit={() => setEditing({ kind: "none" })}
              onSave={(input) => update(agent.id, input)}
              onDeleted={() => {
                // As the core does: a deleted agent also leaves every roster that named it.
                agents.setItems((list) =>
                  list
                    .filter((a) => a.id !== agent.id)
                    .map((a) => ({ ...a, roster: a.roster.filter((m) => m !== agent.id) })),
                );
                setTeam((current) => (current?.some((a) => a.id === agent.id) ? null : current));
                setEditing((current) =>
                  current.kind === "edit" && current.id === agent.id ? { kind: "none" } : current,
                );
              }}
            />
          ))}
        </ul>
      )}
    </section>
  );
}
