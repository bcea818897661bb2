import { Channel, invoke } from "@tauri-apps/api/core";
import { open, save } from "@tauri-apps/plugin-dialog";
import type {
  ApplyReport,
  Dream,
  DreamInput,
  DreamSettings,
  Proposal,
  MemoryConflict,
  MemoryProblem,
  DiffHunk,
  MemoryAccessRecord,
  MemoryFile,
  MemoryFileContent,
  MemorySearchHit,
  MemoryStore,
  MemoryStoreInput,
  MemoryVersion,
  MemoryVersionContent,
  MemoryWrite,
  Agent,
  AgentInput,
  AppStatus,
  CloseChoice,
  CloseRequest,
  ConnectionReport,
  Provider,
  ProviderInput,
  Rubric,
  RubricCheck,
  RubricTemplate,
  RubricVersion,
  RunInput,
  SessionEvent,
  SessionSummary,
  StreamItem,
  ToolInfo,
  UpdateStatus,
} from "../bindings";
import { toAppError, type Backend, type ProposalOutcome, type ReviewDecision } from "./backend";

/** A dialog's answer: the path chosen, or null when the user cancelled. */
async function dialog(ask: () => Promise<string | string[] | null>): Promise<string | null> {
  try {
    const picked = await ask();
    return typeof picked === "string" ? picked : null;
  } catch (error) {
    throw toAppError(error);
  }
}

/** Apply and Revert answer a `(Proposal, ApplyReport)` pair. */
async function outcome(command: string, id: string): Promise<ProposalOutcome> {
  const [proposal, report] = await call<[Proposal, ApplyReport]>(command, { id });
  return { proposal, report };
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw toAppError(error);
  }
}

/** The real backend: Tauri commands implemented in `src-tauri/src/commands/`. */
export const tauriBackend: Backend = {
  appStatus: () => call<AppStatus>("app_status"),
  listProviders: () => call<Provider[]>("list_providers"),
  createProvider: (input: ProviderInput) => call<Provider>("create_provider", { input }),
  updateProvider: (id: string, input: ProviderInput) => call<Provider>("update_provider", { id, input }),
  deleteProvider: async (id: string) => {
    await call<null>("delete_provider", { id });
  },
  testProvider: (id: string) => call<ConnectionReport>("test_provider", { id }),
  checkForUpdates: () => call<UpdateStatus>("check_for_updates"),
  installUpdate: async () => {
    await call<null>("install_update");
  },

  listTools: () => call<ToolInfo[]>("list_tools"),
  listAgents: () => call<Agent[]>("list_agents"),
  createAgent: (input: AgentInput) => call<Agent>("create_agent", { input }),
  updateAgent: (id: string, input: AgentInput) => call<Agent>("update_agent", { id, input }),
  deleteAgent: async (id: string) => {
    await call<null>("delete_agent", { id });
  },
  createExampleTeam: (providerId: string) => call<Agent[]>("create_example_team", { provider_id: providerId }),

  listSessions: () => call<SessionSummary[]>("list_sessions"),
  getSession: (id: string) => call<SessionSummary>("get_session", { id }),
  sessionEvents: (id: string, after: number, limit: number) =>
    call<SessionEvent[]>("session_events", { id, after, limit }),
  startRun: (input: RunInput) => call<SessionSummary>("start_run", { input }),
  cancelSession: async (id: string) => {
    await call<null>("cancel_session", { id });
  },
  cancelThread: async (sessionId: string, threadId: string) => {
    await call<null>("cancel_thread", { id: sessionId, thread_id: threadId });
  },
  continueSession: (id: string, message: string | null) =>
    call<SessionSummary>("continue_session", { id, message }),
  answerApproval: async (sessionId: string, toolUseId: string, approved: boolean) => {
    await call<null>("answer_approval", { session_id: sessionId, tool_use_id: toolUseId, approved });
  },
  watchSession: async (id: string, after: number, onItem: (item: StreamItem) => void) => {
    // One Channel per open session view: ordered, and dropped with the view.
    const channel = new Channel<StreamItem>();
    channel.onmessage = onItem;
    const watch = await call<number>("watch_session", { id, after, channel });
    return () => {
      channel.onmessage = () => {};
      void call<null>("unwatch_session", { watch }).catch(() => {});
    };
  },
  pickFolder: () => dialog(() => open({ directory: true, multiple: false, title: "Choose the workspace folder" })),

  listMemoryStores: () => call<MemoryStore[]>("list_memory_stores"),
  createMemoryStore: (input: MemoryStoreInput) => call<MemoryStore>("create_memory_store", { input }),
  deleteMemoryStore: async (id: string) => {
    await call<null>("delete_memory_store", { id });
  },
  listMemoryFiles: (store: string) => call<MemoryFile[]>("list_memory_files", { store }),
  readMemoryFile: (store: string, path: string) => call<MemoryFileContent>("read_memory_file", { store, path }),
  writeMemoryFile: (store: string, write: MemoryWrite) => call<MemoryVersion>("write_memory_file", { store, write }),
  deleteMemoryFile: (store: string, path: string, expectedSha256: string | null) =>
    call<MemoryVersion>("delete_memory_file", { store, path, expected_sha256: expectedSha256 }),
  renameMemoryFile: (store: string, path: string, newPath: string, expectedSha256: string | null) =>
    call<MemoryVersion>("rename_memory_file", { store, path, new_path: newPath, expected_sha256: expectedSha256 }),
  memoryHistory: (store: string, path: string) => call<MemoryVersion[]>("memory_history", { store, path }),
  memoryVersion: (id: string) => call<MemoryVersionContent>("memory_version", { id }),
  memoryDiff: (from: string | null, to: string | null) => call<DiffHunk[]>("memory_diff", { from, to }),
  revertMemoryVersion: (id: string, expectedSha256: string | null) =>
    call<MemoryVersion>("revert_memory_version", { id, expected_sha256: expectedSha256 }),
  redactMemoryVersion: (id: string) => call<MemoryVersion>("redact_memory_version", { id }),
  searchMemory: (store: string, query: string) => call<MemorySearchHit[]>("search_memory", { store, query }),
  memoryFileSessions: (store: string, path: string) => call<MemoryAccessRecord[]>("memory_file_sessions", { store, path }),
  sessionMemory: (sessionId: string) => call<MemoryAccessRecord[]>("session_memory", { id: sessionId }),
  exportMemoryStore: (id: string, folder: string) => call<number>("export_memory_store", { id, folder }),
  importMemoryStore: (id: string, folder: string) => call<number>("import_memory_store", { id, folder }),
  memoryConflicts: (store: string) => call<MemoryConflict[]>("memory_conflicts", { store }),
  memoryProblems: (store: string) => call<MemoryProblem[]>("memory_problems", { store }),
  memoryConflictDiff: (store: string, path: string) => call<DiffHunk[]>("memory_conflict_diff", { store, path }),
  resolveMemoryConflict: async (store: string, path: string, keepOurs: boolean) => {
    await call<null>("resolve_memory_conflict", { store, path, keep_ours: keepOurs });
  },

  listRubrics: () => call<Rubric[]>("list_rubrics"),
  rubricVersions: (id: string) => call<RubricVersion[]>("rubric_versions", { id }),
  rubricDiff: (id: string, from: number, to: number) => call<DiffHunk[]>("rubric_diff", { id, from, to }),
  checkRubric: (source: string) => call<RubricCheck>("check_rubric", { source }),
  createRubric: (name: string, source: string) => call<Rubric>("create_rubric", { name, source }),
  saveRubric: (id: string, name: string, source: string) => call<Rubric>("save_rubric", { id, name, source }),
  deleteRubric: async (id: string) => {
    await call<null>("delete_rubric", { id });
  },
  rubricTemplates: () => call<RubricTemplate[]>("rubric_templates"),
  createRubricFromTemplate: (template: string) => call<Rubric>("create_rubric_from_template", { template }),
  importRubric: (path: string) => call<Rubric>("import_rubric", { path }),
  exportRubric: async (id: string, version: number, path: string) => {
    await call<null>("export_rubric", { id, version, path });
  },
  pickMarkdownFile: () =>
    dialog(() =>
      open({ multiple: false, directory: false, title: "Import a rubric", filters: [{ name: "Markdown", extensions: ["md"] }] }),
    ),
  pickSavePath: (defaultName: string) =>
    dialog(() => save({ title: "Export the rubric", defaultPath: defaultName, filters: [{ name: "Markdown", extensions: ["md"] }] })),

  listDreams: (storeId: string | null) => call<Dream[]>("list_dreams", { store_id: storeId }),
  getDream: (id: string) => call<Dream>("get_dream", { id }),
  startDream: (input: DreamInput) => call<Dream>("start_dream", { input }),
  cancelDream: async (id: string) => {
    await call<null>("cancel_dream", { id });
  },
  newDreamSessions: (storeId: string) => call<string[]>("new_dream_sessions", { store_id: storeId }),
  dreamProposal: (id: string) => call<Proposal>("dream_proposal", { id }),
  decideHunks: (id: string, hunks: string[], decision: ReviewDecision, edited: string | null) =>
    call<Proposal>("decide_hunks", { id, hunks, decision, edited }),
  applyProposal: (id: string) => outcome("apply_proposal", id),
  revertProposal: (id: string) => outcome("revert_proposal", id),
  dreamSettings: (storeId: string) => call<DreamSettings>("dream_settings", { store_id: storeId }),
  setDreamSettings: (storeId: string, settings: DreamSettings) =>
    call<DreamSettings>("set_dream_settings", { store_id: storeId, settings }),
  watchDreams: async (onDream: (dream: Dream) => void) => {
    // One Channel for every dream; the shell ends it with the same command as a session's watch.
    const channel = new Channel<Dream>();
    channel.onmessage = onDream;
    const watch = await call<number>("watch_dreams", { channel });
    return () => {
      channel.onmessage = () => {};
      void call<null>("unwatch_session", { watch }).catch(() => {});
    };
  },

  watchCloseRequests: async (onRequest: (request: CloseRequest) => void) => {
    // The shell keeps the newest channel; a later one (a reload) replaces it.
    const channel = new Channel<CloseRequest>();
    channel.onmessage = onRequest;
    await call<null>("watch_close_requests", { channel });
    return () => {
      channel.onmessage = () => {};
    };
  },
  answerCloseRequest: async (choice: CloseChoice) => {
    await call<null>("answer_close_request", { choice });
  },
};
