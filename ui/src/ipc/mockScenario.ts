import type { Notice, SecretBackend, UpdateStatus } from "../bindings";
import type { MemoryBackendOptions } from "./memory";

const VERSION = "0.1.0";

const UPDATES: Record<string, UpdateStatus> = {
  offline: { type: "offline", current_version: VERSION },
  up_to_date: { type: "up_to_date", current_version: VERSION },
  available: {
    type: "available",
    current_version: VERSION,
    version: "0.2.0",
    notes: "Faster start-up.\nFixes a crash when a provider's base URL ends with a slash.",
    date: "2025-01-15",
  },
  failed: {
    type: "failed",
    current_version: VERSION,
    message: "The update server sent an update with an invalid signature. Try again later.",
  },
};

const DEMO_NOTICES: Notice[] = [
  {
    id: "demo-migrated",
    level: "info",
    title: "Your data was moved",
    detail: "Reverie now keeps its data in a new folder. Nothing was lost.",
  },
  {
    id: "demo-log-dir",
    level: "warning",
    title: "Logs are not being written",
    detail: "The log folder is read-only. Reverie keeps working, but problems will be harder to diagnose.",
  },
];

const SECRET_BACKENDS: SecretBackend[] = ["secret_service", "kernel_keyring", "memory_only"];

/**
 * Options for the memory backend in `vite --mode mock`, read from the page's query string so a
 * browser test or a person can look at each state:
 * `?secrets=memory_only&notices=demo&update=available&providers=demo&runs=demo`.
 * `runs=demo` adds an agent and three past sessions (finished, interrupted, failed); it brings
 * the demo providers with it.
 */
export function mockOptionsFromSearch(search: string): MemoryBackendOptions {
  const params = new URLSearchParams(search);
  const options: MemoryBackendOptions = { delayMs: 250 };
  const secrets = params.get("secrets");
  const backend = SECRET_BACKENDS.find((b) => b === secrets);
  options.status = {
    secret_backend: backend ?? "secret_service",
    notices: params.get("notices") === "demo" ? DEMO_NOTICES : [],
  };
  const update = UPDATES[params.get("update") ?? "offline"];
  if (update) options.update = update;
  const runs = params.get("runs") === "demo";
  if (params.get("providers") === "demo" || runs) {
    options.providers = [
      { name: "Anthropic", kind: "anthropic", base_url: "https://api.anthropic.com", model: "claude-sonnet-4-5", api_key: "sk-good" },
      { name: "Ollama (local)", kind: "openai_compatible", base_url: "http://localhost:11434/v1", model: "llama3.1:8b" },
    ];
  }
  if (runs) {
    const hour = 3_600_000;
    options.agents = [
      {
        name: "Maintainer",
        description: "Keeps a small project tidy: reads, fixes, runs the tests.",
        instructions: "You maintain this project. Read before you change anything, keep changes small, and run the tests.",
        provider: "Anthropic",
        tools: [{ tool: "edit_file", permission: "ask" }],
        max_turns: 30,
      },
      {
        name: "Local helper",
        description: "Answers questions about the code with a local model.",
        instructions: "Answer questions about the code in this folder. Never change files.",
        provider: "Ollama (local)",
        tools: [
          { tool: "write_file", permission: "deny" },
          { tool: "edit_file", permission: "deny" },
          { tool: "run_command", permission: "deny" },
        ],
      },
    ];
    options.sessions = [
      {
        agent: "Maintainer",
        task: "Find out why the notes app loses the last note on exit, fix it and run the tests.",
        workspace: "/home/you/projects/notes",
        outcome: "finished",
        startedAgoMs: 26 * hour,
      },
      {
        agent: "Maintainer",
        task: "Update the README with the new install steps.",
        workspace: "/home/you/projects/notes",
        outcome: "interrupted",
        startedAgoMs: 3 * hour,
      },
      {
        agent: "Local helper",
        task: "Explain how notes are stored on disk.",
        workspace: "/home/you/projects/notes",
        outcome: "error",
        startedAgoMs: hour / 3,
      },
    ];
  }
  return options;
}
