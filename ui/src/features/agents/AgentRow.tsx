import type { Agent, AgentInput, MemoryStore, Provider, ToolInfo } from "../../bindings";
import { useBackend } from "../../ipc";
import { DEFAULT_MAX_TURNS, nonDefaultRules, PERMISSION_LABELS } from "../../shared/agents";
import { ConfirmDelete } from "../../shared/ConfirmDelete";
import { ACCESS_LABELS } from "../../shared/memory";
import { useDelete } from "../../shared/useDelete";
import { AgentForm } from "./AgentForm";

interface AgentRowProps {
  agent: Agent;
  providers: readonly Provider[];
  tools: readonly ToolInfo[];
  stores: readonly MemoryStore[];
  /** Every agent, for the names in its roster. */
  agents: readonly Agent[];
  editing: boolean;
  onEdit(): void;
  onCancelEdit(): void;
  onSave(input: AgentInput): Promise<void>;
  onDeleted(): void;
}

export function AgentRow({
  agent,
  providers,
  tools,
  stores,
  agents,
  editing,
  onEdit,
  onCancelEdit,
  onSave,
  onDeleted,
}: AgentRowProps) {
  const backend = useBackend();
  const deletion = useDelete(() => backend.deleteAgent(agent.id), onDeleted);

  if (editing) {
    return (
      <li className="agent-row editing" data-testid="agent-row" data-agent-name={agent.name}>
        <AgentForm
          agent={agent}
          providers={providers}
          tools={tools}
          stores={stores}
          agents={agents}
          onSubmit={onSave}
          onCancel={onCancelEdit}
        />
      </li>
    );
  }

  const provider = providers.find((p) => p.id === agent.provider_id);
  const model = agent.model ?? provider?.model;
  const changed = nonDefaultRules(agent.tools, tools);
  const members = agent.roster.map((id) => agents.find((a) => a.id === id)?.name ?? "a removed agent");
  const coordinators = agents.filter((a) => a.roster.includes(agent.id)).map((a) => a.name);

  return (
    <li className="agent-row" data-testid="agent-row" data-agent-name={agent.name}>
      <div className="agent-head">
        <div className="agent-title">
          <span className="agent-name">{agent.name}</span>
          {agent.description && <span className="agent-description">{agent.description}</span>}
        </div>
        {!deletion.confirming && (
          <div className="row-actions">
            <button type="button" className="button button-small" onClick={onEdit} data-testid="agent-edit">
              Edit
            </button>
            <button
              type="button"
              className="button button-small button-quiet danger-text"
              onClick={deletion.ask}
              data-testid="agent-delete"
            >
              Delete
            </button>
          </div>
        )}
      </div>

      <div className="agent-meta">
        <span data-testid="agent-model-label">
          {provider ? provider.name : <span className="danger-text">Provider removed</span>}
          {model && (
            <>
              {" · "}
              <span className="mono">{model}</span>
            </>
          )}
        </span>
        {agent.max_turns !== DEFAULT_MAX_TURNS && <span>Up to {agent.max_turns} turns</span>}
      </div>

      {members.length > 0 && (
        <p className="agent-roster-summary" data-testid="agent-roster-summary">
          <span className="muted">Delegates to</span> {listOf(members)}
        </p>
      )}

      <div className="agent-tools" data-testid="agent-tools">
        {changed.length === 0 ? (
          <span className="muted small">Default tool permissions</span>
        ) : (
          changed.map((rule) => (
            <span key={rule.tool} className={`perm-chip perm-chip-${rule.permission}`}>
              <span className="mono">{rule.tool}</span> {PERMISSION_LABELS[rule.permission].toLowerCase()}
            </span>
          ))
        )}
      </div>

      {agent.memory.length > 0 && (
        <div className="agent-memory" data-testid="agent-memory-mounts">
          <span className="muted small">Memory</span>
          {agent.memory.map((mount) => {
            const store = stores.find((s) => s.id === mount.store_id);
            return (
              <span
                key={mount.store_id}
                className={`memory-chip memory-chip-${mount.access}`}
                data-store-id={mount.store_id}
              >
                {store?.name ?? "A removed store"}{" "}
                <span className="memory-chip-access">{ACCESS_LABELS[mount.access].toLowerCase()}</span>
              </span>
            );
          })}
        </div>
      )}

      <ConfirmDelete name={agent.name} deletion={deletion}>
        Delete “{agent.name}”? Its past runs stay in Runs.
        {coordinators.length > 0 && ` It leaves the roster of ${listOf(coordinators)}.`}
      </ConfirmDelete>
    </li>
  );
}

/** "A", "A and B", "A, B and C". */
export function listOf(names: readonly string[]): string {
  if (names.length <= 1) return names.join("");
  return `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}
