import type { Agent, AgentInput, MemoryAccess, MemoryStore, Permission, Provider, ToolInfo } from "../../bindings";
import {
  DEFAULT_MAX_TURNS,
  MAX_MAX_TURNS,
  permissionOf,
  validateAgentInput,
  type AgentFieldErrors,
} from "../../shared/agents";

/** What the agent form holds: exactly what the user typed, never normalised. */
export interface AgentFormValues {
  name: string;
  description: string;
  instructions: string;
  provider_id: string;
  /** Empty: the provider's model. */
  model: string;
  max_turns: string;
  /** Tool name → permission, for every tool of the catalog. */
  tools: Record<string, Permission>;
  /** Store id → how the agent mounts it, for every store (in the stores' order). */
  memory: Record<string, MemoryAccess | "off">;
  /** Agents it may delegate to, in the order they were chosen. */
  roster: string[];
}

function memoryValues(stores: readonly MemoryStore[], agent?: Agent): Record<string, MemoryAccess | "off"> {
  return Object.fromEntries(
    stores.map((store) => [store.id, agent?.memory.find((m) => m.store_id === store.id)?.access ?? "off"]),
  );
}

export function newAgentForm(
  providers: readonly Provider[],
  catalog: readonly ToolInfo[],
  stores: readonly MemoryStore[],
): AgentFormValues {
  return {
    name: "",
    description: "",
    instructions: "",
    provider_id: providers[0]?.id ?? "",
    model: "",
    max_turns: String(DEFAULT_MAX_TURNS),
    tools: Object.fromEntries(catalog.map((tool) => [tool.name, tool.default_permission])),
    memory: memoryValues(stores),
    roster: [],
  };
}

/** The form for an agent; mounts of stores that no longer exist are left out, so saving drops them. */
export function agentFormFrom(
  agent: Agent,
  catalog: readonly ToolInfo[],
  stores: readonly MemoryStore[],
): AgentFormValues {
  return {
    name: agent.name,
    description: agent.description,
    instructions: agent.instructions,
    provider_id: agent.provider_id,
    model: agent.model ?? "",
    max_turns: String(agent.max_turns),
    tools: Object.fromEntries(catalog.map((tool) => [tool.name, permissionOf(agent.tools, catalog, tool.name)])),
    memory: memoryValues(stores, agent),
    roster: [...agent.roster],
  };
}

/** The turn limit as typed: a whole number, or NaN for anything else ("", "2.5", "ten"). */
function parseTurns(value: string): number {
  const trimmed = value.trim();
  return /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
}

export function toAgentInput(values: AgentFormValues): AgentInput {
  const input: AgentInput = {
    name: values.name.trim(),
    description: values.description.trim(),
    instructions: values.instructions.trim(),
    provider_id: values.provider_id,
    tools: Object.entries(values.tools).map(([tool, permission]) => ({ tool, permission })),
    memory: Object.entries(values.memory).flatMap(([store_id, access]) =>
      access === "off" ? [] : [{ store_id, access }],
    ),
    roster: values.roster,
  };
  const model = values.model.trim();
  if (model !== "") input.model = model;
  const turns = parseTurns(values.max_turns);
  if (!Number.isNaN(turns)) input.max_turns = turns;
  return input;
}

export function validateAgentForm(values: AgentFormValues): AgentFieldErrors {
  const errors = validateAgentInput(toAgentInput(values));
  if (Number.isNaN(parseTurns(values.max_turns))) {
    errors.max_turns = `Enter a whole number of turns between 1 and ${MAX_MAX_TURNS}.`;
  }
  return errors;
}
