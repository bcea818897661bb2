import type { Agent, AgentInput, AppError, MemoryMount, ToolInfo, ToolRule } from "../bindings";
import { EXAMPLE_TEAM } from "./memoryTeam";
import {
  AGENT_DESCRIPTION_MAX_CHARS,
  AGENT_NAME_MAX_CHARS,
  charCount,
  DEFAULT_MAX_TURNS,
  INSTRUCTIONS_MAX_CHARS,
  MAX_MAX_TURNS,
  MAX_ROSTER,
} from "../shared/agents";

/** The workspace tools, as `engine::agents::tool_catalog` lists them. */
export const TOOLS: readonly ToolInfo[] = [
  {
    name: "list_files",
    summary: "List the files and folders in a folder of the workspace.",
    default_permission: "allow",
  },
  { name: "read_file", summary: "Read a text file of the workspace.", default_permission: "allow" },
  {
    name: "search_files",
    summary: "Search the workspace's text files for a regular expression (Rust regex syntax), line by line.",
    default_permission: "allow",
  },
  {
    name: "write_file",
    summary: "Create a file in the workspace, or replace the whole content of an existing one.",
    default_permission: "allow",
  },
  {
    name: "edit_file",
    summary: "Edit a text file of the workspace by replacing an exact piece of text.",
    default_permission: "allow",
  },
  {
    name: "run_command",
    summary: "Run a shell command (`sh -c`) in the workspace folder and return its output and exit code.",
    default_permission: "ask",
  },
];

function invalid(field: string, message: string): AppError {
  return { code: "invalid_input", message, field };
}

/** Every tool with its permission: the given rule (the last one wins), else the default. */
function toolRules(given: readonly ToolRule[]): ToolRule[] {
  const unknown = given.find((rule) => !TOOLS.some((t) => t.name === rule.tool));
  if (unknown) {
    throw invalid(
      "tools",
      `There is no tool named “${unknown.tool}”. The tools are: ${TOOLS.map((t) => t.name).join(", ")}.`,
    );
  }
  return TOOLS.map((tool) => {
    const rule = [...given].reverse().find((r) => r.tool === tool.name);
    return { tool: tool.name, permission: rule?.permission ?? tool.default_permission };
  });
}

/** The agent registry of the memory backend, with the core's validation. */
export function createAgentStore(options: {
  now: () => number;
  providerExists: (id: string) => boolean;
  storeExists: (id: string) => boolean;
}) {
  const agents: Agent[] = [];
  let nextId = 1;

  const notFound = (id: string): AppError => ({
    code: "not_found",
    message: `Agent ${id} no longer exists. Reload the list.`,
  });

  const find = (id: string): Agent => {
    const agent = agents.find((a) => a.id === id);
    if (!agent) throw notFound(id);
    return agent;
  };

  const validate = (id: string, input: AgentInput, createdAt: number, updatedAt: number): Agent => {
    const name = input.name.trim();
    if (name === "") throw invalid("name", "Give the agent a name.");
    if (charCount(name) > AGENT_NAME_MAX_CHARS) {
      throw invalid("name", `Keep the name to ${AGENT_NAME_MAX_CHARS} characters or fewer.`);
    }
    if (/\p{Cc}/u.test(name)) throw invalid("name", "The name can't contain control characters such as line breaks.");
    const description = input.description.trim();
    if (charCount(description) > AGENT_DESCRIPTION_MAX_CHARS) {
      throw invalid(
        "description",
        `Keep the description to ${AGENT_DESCRIPTION_MAX_CHARS} characters; put details in the instructions.`,
      );
    }
    const instructions = input.instructions.trim();
    if (charCount(instructions) > INSTRUCTIONS_MAX_CHARS) {
      throw invalid(
        "instructions",
        `The instructions are ${charCount(instructions)} characters; the most is ${INSTRUCTIONS_MAX_CHARS}. Move reference material into files in the workspace.`,
      );
    }
    if (!options.providerExists(input.provider_id)) {
      throw invalid("provider_id", "Choose a model provider; the one selected no longer exists.");
    }
    const model = input.model?.trim() ?? "";
    if (/\s/.test(model)) throw invalid("model", "A model name has no spaces, like claude-sonnet-4-5 or llama3.1:8b.");
    const maxTurns = input.max_turns ?? DEFAULT_MAX_TURNS;
    if (!Number.isInteger(maxTurns) || maxTurns < 1 || maxTurns > MAX_MAX_TURNS) {
      throw invalid("max_turns", `The turn limit is between 1 and ${MAX_MAX_TURNS}.`);
    }
    const memory: MemoryMount[] = [];
    for (const mount of input.memory ?? []) {
      if (!options.storeExists(mount.store_id)) {
        throw invalid("memory", "One of the memory stores chosen no longer exists. Choose the stores again.");
      }
      // A store mounted twice: the last mount wins.
      const at = memory.findIndex((m) => m.store_id === mount.store_id);
      if (at !== -1) memory.splice(at, 1);
      memory.push({ store_id: mount.store_id, access: mount.access });
    }
    // The roster as the engine checks it (orchestration itself is not played here).
    const roster: string[] = [];
    for (const member of input.roster ?? []) {
      if (member === id) throw invalid("roster", "An agent can't delegate to itself. Remove it from its own roster.");
      if (!agents.some((a) => a.id === member)) {
        throw invalid("roster", `Agent ${member} in the roster no longer exists. Choose the roster again.`);
      }
      if (!roster.includes(member)) roster.push(member);
    }
    if (roster.length > MAX_ROSTER) {
      throw invalid("roster", `A roster names at most ${MAX_ROSTER} agents; this one names ${roster.length}.`);
    }
    const agent: Agent = {
      id,
      name,
      description,
      instructions,
      provider_id: input.provider_id,
      tools: toolRules(input.tools),
      max_turns: maxTurns,
      memory,
      roster,
      created_at: createdAt,
      updated_at: updatedAt,
    };
    if (model !== "") agent.model = model;
    const clash = agents.find((a) => a.id !== id && a.name.toLowerCase() === name.toLowerCase());
    if (clash) {
      throw {
        code: "conflict",
        field: "name",
        message: `An agent named “${name}” already exists. Choose another name.`,
      } satisfies AppError;
    }
    return agent;
  };

  const create = (input: AgentInput): Agent => {
    const time = options.now();
    const agent = validate(`agt_${String(nextId).padStart(4, "0")}`, input, time, time);
    nextId += 1;
    agents.push(agent);
    return agent;
  };

  /** `base`, or `base 2`, `base 3`… when an agent already has the name. */
  const unique = (base: string): string => {
    const taken = (name: string) => agents.some((a) => a.name.toLowerCase() === name.toLowerCase());
    let name = base;
    for (let n = 2; taken(name); n++) name = `${base} ${n}`;
    return name;
  };

  return {
    list: (): Agent[] => agents,
    find,
    get: (id: string): Agent | undefined => agents.find((a) => a.id === id),
    create,
    /** The example team on a provider, coordinator first, as the engine makes it. */
    createExampleTeam(providerId: string): Agent[] {
      const member = (spec: (typeof EXAMPLE_TEAM.members)[number]) =>
        create({ ...spec, name: unique(spec.name), provider_id: providerId, memory: [], roster: [] });
      const members = EXAMPLE_TEAM.members.map(member);
      const { coordinator } = EXAMPLE_TEAM;
      const lead = create({
        ...coordinator,
        name: unique(coordinator.name),
        provider_id: providerId,
        memory: [],
        roster: members.map((m) => m.id),
      });
      return [lead, ...members];
    },
    update(id: string, input: AgentInput): Agent {
      const old = find(id);
      const agent = validate(id, input, old.created_at, options.now());
      agents.splice(agents.indexOf(old), 1, agent);
      return agent;
    },
    remove(id: string): void {
      agents.splice(agents.indexOf(find(id)), 1);
      // As the engine does: a deleted agent leaves every roster that named it.
      for (const agent of agents) agent.roster = agent.roster.filter((member) => member !== id);
    },
    /** A deleted store leaves every agent that mounted it. */
    unmount(storeId: string): void {
      for (const agent of agents) agent.memory = agent.memory.filter((mount) => mount.store_id !== storeId);
    },
  };
}

export type AgentStore = ReturnType<typeof createAgentStore>;
