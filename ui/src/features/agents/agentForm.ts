import type { Agent, AgentInput, Permission, Provider, ToolInfo } from "../../bindings";
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
}

export function newAgentForm(providers: readonly Provider[], catalog: readonly ToolInfo[]): AgentFormValues {
  return {
    name: "",
    description: "",
    instructions: "",
    provider_id: providers[0]?.id ?? "",
    model: "",
    max_turns: String(DEFAULT_MAX_TURNS),
    tools: Object.fromEntries(catalog.map((tool) => [tool.name, tool.default_permission])),
  };
}

export function agentFormFrom(agent: Agent, catalog: readonly ToolInfo[]): AgentFormValues {
  return {
    name: agent.name,
    description: agent.description,
    instructions: agent.instructions,
    provider_id: agent.provider_id,
    model: agent.model ?? "",
    max_turns: String(agent.max_turns),
    tools: Object.fromEntries(catalog.map((tool) => [tool.name, permissionOf(agent.tools, catalog, tool.name)])),
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
