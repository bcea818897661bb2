import type {
  AgentInput,
  Dream,
  DreamInput,
  DreamSettings,
  MemoryStoreInput,
  MemoryWrite,
  ProviderInput,
  RunInput,
  StreamItem,
} from "../bindings";
import type { Commands, ShellCommands, ShellWatches, Watches } from "../bindings/api/commands";
import type { Backend, ProposalOutcome, ReviewDecision } from "./backend";

/** Every command the UI calls, with its arguments and result (generated from the Rust table). */
export type Table = Commands & ShellCommands;
export type Name = keyof Table;
export type StreamTable = Watches & ShellWatches;
/** A command without arguments may be called with none. */
type ArgList<A> = Record<symbol, never> extends A ? [args?: A] : [args: A];

/** How the commands of the generated table reach the core: Tauri's IPC or the dev server. */
export interface Transport {
  /** Calls a command by name; rejects with an `AppError`. */
  call<C extends Name>(command: C, args: Table[C]["args"] | undefined): Promise<Table[C]["result"]>;
  /** Opens a live stream; resolves to the function that stops it. */
  watch<W extends keyof StreamTable>(
    name: W,
    args: StreamTable[W]["args"],
    onItem: (item: StreamTable[W]["item"]) => void,
  ): Promise<() => void>;
}

/** What only the app window can do (its status, updates, dialogs, close requests). */
export type WindowParts = Pick<
  Backend,
  | "appStatus"
  | "checkForUpdates"
  | "installUpdate"
  | "pickFolder"
  | "pickMarkdownFile"
  | "pickSavePath"
  | "watchCloseRequests"
  | "answerCloseRequest"
>;

type Call = <C extends Name>(command: C, ...args: ArgList<Table[C]["args"]>) => Promise<Table[C]["result"]>;

/** Apply and Revert answer a `(Proposal, ApplyReport)` pair. */
async function outcome(
  call: Call,
  command: "apply_proposal" | "revert_proposal",
  id: string,
): Promise<ProposalOutcome> {
  const [proposal, report] = await call(command, { id });
  return { proposal, report };
}

/**
 * The Backend over a transport: the commands of `reverie-api` (and the shell's own in
 * `src-tauri/src/commands/`), called by their names in the generated table, so tsc checks
 * every argument name and type; `window` supplies what needs the app window.
 */
export function commandBackend(transport: Transport, window: WindowParts): Backend {
  const call: Call = (command, ...args) => transport.call(command, args[0]);
  return {
    ...window,
    listProviders: () => call("list_providers"),
    createProvider: (input: ProviderInput) => call("create_provider", { input }),
    updateProvider: (id: string, input: ProviderInput) => call("update_provider", { id, input }),
    deleteProvider: async (id: string) => {
      await call("delete_provider", { id });
    },
    testProvider: (id: string) => call("test_provider", { id }),
    listTools: () => call("list_tools"),
    listAgents: () => call("list_agents"),
    createAgent: (input: AgentInput) => call("create_agent", { input }),
    updateAgent: (id: string, input: AgentInput) => call("update_agent", { id, input }),
    deleteAgent: async (id: string) => {
      await call("delete_agent", { id });
    },
    createExampleTeam: (providerId: string) => call("create_example_team", { provider_id: providerId }),

    listSessions: () => call("list_sessions"),
    getSession: (id: string) => call("get_session", { id }),
    sessionEvents: (id: string, after: number, limit: number) => call("session_events", { id, after, limit }),
    startRun: (input: RunInput) => call("start_run", { input }),
    cancelSession: async (id: string) => {
      await call("cancel_session", { id });
    },
    cancelThread: async (sessionId: string, threadId: string) => {
      await call("cancel_thread", { id: sessionId, thread_id: threadId });
    },
    continueSession: (id: string, message: string | null) => call("continue_session", { id, message }),
    answerApproval: async (sessionId: string, toolUseId: string, approved: boolean) => {
      await call("answer_approval", { session_id: sessionId, tool_use_id: toolUseId, approved });
    },
    watchSession: (id: string, after: number, onItem: (item: StreamItem) => void) =>
      transport.watch("watch_session", { id, after }, onItem),
    listMemoryStores: () => call("list_memory_stores"),
    createMemoryStore: (input: MemoryStoreInput) => call("create_memory_store", { input }),
    deleteMemoryStore: async (id: string) => {
      await call("delete_memory_store", { id });
    },
    listMemoryFiles: (store: string) => call("list_memory_files", { store }),
    readMemoryFile: (store: string, path: string) => call("read_memory_file", { store, path }),
    writeMemoryFile: (store: string, write: MemoryWrite) => call("write_memory_file", { store, write }),
    deleteMemoryFile: (store: string, path: string, expectedSha256: string | null) =>
      call("delete_memory_file", { store, path, expected_sha256: expectedSha256 }),
    renameMemoryFile: (store: string, path: string, newPath: string, expectedSha256: string | null) =>
      call("rename_memory_file", { store, path, new_path: newPath, expected_sha256: expectedSha256 }),
    memoryHistory: (store: string, path: string) => call("memory_history", { store, path }),
    memoryVersion: (id: string) => call("memory_version", { id }),
    memoryDiff: (from: string | null, to: string | null) => call("memory_diff", { from, to }),
    revertMemoryVersion: (id: string, expectedSha256: string | null) =>
      call("revert_memory_version", { id, expected_sha256: expectedSha256 }),
    redactMemoryVersion: (id: string) => call("redact_memory_version", { id }),
    searchMemory: (store: string, query: string) => call("search_memory", { store, query }),
    memoryFileSessions: (store: string, path: string) => call("memory_file_sessions", { store, path }),
    sessionMemory: (sessionId: string) => call("session_memory", { id: sessionId }),
    exportMemoryStore: (id: string, folder: string) => call("export_memory_store", { id, folder }),
    importMemoryStore: (id: string, folder: string) => call("import_memory_store", { id, folder }),
    memoryConflicts: (store: string) => call("memory_conflicts", { store }),
    memoryProblems: (store: string) => call("memory_problems", { store }),
    memoryConflictDiff: (store: string, path: string) => call("memory_conflict_diff", { store, path }),
    resolveMemoryConflict: async (store: string, path: string, keepOurs: boolean) => {
      await call("resolve_memory_conflict", { store, path, keep_ours: keepOurs });
    },

    listRubrics: () => call("list_rubrics"),
    rubricVersions: (id: string) => call("rubric_versions", { id }),
    rubricDiff: (id: string, from: number, to: number) => call("rubric_diff", { id, from, to }),
    checkRubric: (source: string) => call("check_rubric", { source }),
    createRubric: (name: string, source: string) => call("create_rubric", { name, source }),
    saveRubric: (id: string, name: string, source: string) => call("save_rubric", { id, name, source }),
    deleteRubric: async (id: string) => {
      await call("delete_rubric", { id });
    },
    rubricTemplates: () => call("rubric_templates"),
    createRubricFromTemplate: (template: string) => call("create_rubric_from_template", { template }),
    importRubric: (path: string) => call("import_rubric", { path }),
    exportRubric: async (id: string, version: number, path: string) => {
      await call("export_rubric", { id, version, path });
    },
    listDreams: (storeId: string | null) => call("list_dreams", { store_id: storeId }),
    getDream: (id: string) => call("get_dream", { id }),
    startDream: (input: DreamInput) => call("start_dream", { input }),
    cancelDream: async (id: string) => {
      await call("cancel_dream", { id });
    },
    newDreamSessions: (storeId: string) => call("new_dream_sessions", { store_id: storeId }),
    dreamProposal: (id: string) => call("dream_proposal", { id }),
    decideHunks: (id: string, hunks: string[], decision: ReviewDecision, edited: string | null) =>
      call("decide_hunks", { id, hunks, decision, edited }),
    applyProposal: (id: string) => outcome(call, "apply_proposal", id),
    revertProposal: (id: string) => outcome(call, "revert_proposal", id),
    dreamSettings: (storeId: string) => call("dream_settings", { store_id: storeId }),
    setDreamSettings: (storeId: string, settings: DreamSettings) =>
      call("set_dream_settings", { store_id: storeId, settings }),
    watchDreams: (onDream: (dream: Dream) => void) => transport.watch("watch_dreams", {}, onDream),
  };
}
