import type { AgentInput, Permission, ToolInfo, ToolRule } from "../bindings";
import { LIMITS } from "../bindings/api/limits";

/** The limits the core applies to an agent (`engine::agents`). */
export const AGENT_NAME_MAX_CHARS = LIMITS.agent.nameMaxChars;
export const AGENT_DESCRIPTION_MAX_CHARS = LIMITS.agent.descriptionMaxChars;
export const INSTRUCTIONS_MAX_CHARS = LIMITS.agent.instructionsMaxChars;
export const DEFAULT_MAX_TURNS = LIMITS.agent.defaultMaxTurns;
export const MAX_MAX_TURNS = LIMITS.agent.maxMaxTurns;
/** The most agents a roster may name. */
export const MAX_ROSTER = LIMITS.agent.maxRoster;

/** The fields of an agent the user edits; the keys match `AppError.field` from the core. */
export type AgentField =
  "name" | "description" | "instructions" | "provider_id" | "model" | "max_turns" | "tools" | "memory" | "roster";
export type AgentFieldErrors = { [K in AgentField]?: string | undefined };

export const AGENT_FIELDS: readonly AgentField[] = [
  "name",
  "description",
  "instructions",
  "provider_id",
  "model",
  "tools",
  "memory",
  "roster",
  "max_turns",
];

export function isAgentField(value: string): value is AgentField {
  return (AGENT_FIELDS as readonly string[]).includes(value);
}

export const PERMISSIONS: readonly Permission[] = ["allow", "ask", "deny"];

export const PERMISSION_LABELS: Record<Permission, string> = { allow: "Allow", ask: "Ask", deny: "Deny" };

/** Length in characters (code points), as the Rust core counts them. */
export function charCount(value: string): number {
  return [...value].length;
}

/**
 * The rules the core applies to an agent, checked before sending so the user gets an answer
 * at once. Whether the provider exists and whether the name is free are left to the core.
 */
export function validateAgentInput(input: AgentInput): AgentFieldErrors {
  const errors: AgentFieldErrors = {};
  const name = input.name.trim();
  if (name === "") {
    errors.name = "Give the agent a name.";
  } else if (charCount(name) > AGENT_NAME_MAX_CHARS) {
    errors.name = `Keep the name to ${AGENT_NAME_MAX_CHARS} characters or fewer.`;
  } else if (/\p{Cc}/u.test(name)) {
    errors.name = "The name can't contain control characters such as line breaks.";
  }
  if (charCount(input.description.trim()) > AGENT_DESCRIPTION_MAX_CHARS) {
    errors.description = `Keep the description to ${AGENT_DESCRIPTION_MAX_CHARS} characters; put details in the instructions.`;
  }
  const instructions = charCount(input.instructions.trim());
  if (instructions > INSTRUCTIONS_MAX_CHARS) {
    errors.instructions = `The instructions are ${instructions.toLocaleString("en-US")} characters; the most is ${INSTRUCTIONS_MAX_CHARS.toLocaleString("en-US")}. Move reference material into files in the workspace.`;
  }
  if (input.provider_id === "") {
    errors.provider_id = "Choose a model provider.";
  }
  if (input.model !== undefined && /\s/.test(input.model.trim())) {
    errors.model = "A model name has no spaces, like claude-sonnet-4-5 or llama3.1:8b.";
  }
  if (
    input.max_turns !== undefined &&
    (!Number.isInteger(input.max_turns) || input.max_turns < 1 || input.max_turns > MAX_MAX_TURNS)
  ) {
    errors.max_turns = `The turn limit is between 1 and ${MAX_MAX_TURNS}.`;
  }
  if (input.roster.length > MAX_ROSTER) {
    errors.roster = `A roster names at most ${MAX_ROSTER} agents; this one names ${input.roster.length}.`;
  }
  return errors;
}

/** The permission an agent has for a tool: its rule, or the tool's default. */
export function permissionOf(tools: readonly ToolRule[], catalog: readonly ToolInfo[], tool: string): Permission {
  const rule = tools.find((r) => r.tool === tool);
  if (rule) return rule.permission;
  return catalog.find((t) => t.name === tool)?.default_permission ?? "allow";
}

/** The rules that differ from the tools' defaults: what a compact list shows. */
export function nonDefaultRules(tools: readonly ToolRule[], catalog: readonly ToolInfo[]): ToolRule[] {
  return tools.filter((rule) => {
    const info = catalog.find((t) => t.name === rule.tool);
    return info !== undefined && info.default_permission !== rule.permission;
  });
}
