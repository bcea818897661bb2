import type {
  AgentInput,
  DreamSettings,
  AppError,
  MemoryAccess,
  AppStatus,
  CloseChoice,
  CloseRequest,
  ConnectionReport,
  KeyStatus,
  Provider,
  ProviderInput,
  ProviderKind,
  UpdateStatus,
} from "../bindings";
import { isHttpUrl, KIND_ENV_VARS, NAME_MAX_CHARS } from "../shared/providers";
import type { Backend } from "./backend";
import { createAgentStore, TOOLS } from "./memoryAgents";
import { createDreamStore, type SeedDream } from "./memoryDreams";
import { createRubricStore, type SeedRubric } from "./memoryRubrics";
import { createSessionStore, type SeedSession } from "./memoryRuns";
import { createMemoryStores, type SeedMemoryStore } from "./memoryStores";

export interface MemoryBackendOptions {
  /** Overrides for what `appStatus` returns. */
  status?: Partial<AppStatus>;
  /** What `checkForUpdates` answers; defaults to `offline`. A function is called on every check. */
  update?: UpdateStatus | (() => UpdateStatus);
  /** Providers present at start, with their (secret) keys. */
  providers?: Array<ProviderInput>;
  /** Kinds whose environment variable (ANTHROPIC_API_KEY / OPENAI_API_KEY) is "set". */
  environmentKeys?: ProviderKind[];
  /**
   * Agents present at start; `provider` names one of `providers`, `memory` mounts stores of
   * `memoryStores` by name.
   */
  agents?: Array<
    Omit<AgentInput, "provider_id" | "memory" | "roster"> & {
      provider: string;
      memory?: Array<{ store: string; access: MemoryAccess }>;
      /** Agents (listed before this one) it may delegate to, by name. */
      roster?: string[];
    }
  >;
  /** Memory stores present at start, with their past (writes by sessions, the user, dreams…). */
  memoryStores?: SeedMemoryStore[];
  /** The pretend file system that memory export and import use: folder → relative path → text. */
  folders?: Record<string, Record<string, string>>;
  /** Rubrics present at start, each with its versions. */
  rubrics?: SeedRubric[];
  /** The pretend file system that rubric import and export use: absolute path → text. */
  files?: Record<string, string>;
  /** What the file picker answers (rubric import); defaults to a made-up rubric file. */
  pickedFile?: string | null;
  /** What the "save as" dialog answers; defaults to `defaultName` in a made-up folder. */
  pickedSavePath?: string | null;
  /** Past sessions present at start (finished, interrupted, failed), by agent name. */
  sessions?: SeedSession[];
  /** Past dreams of the memory stores, oldest first (played after the stores' and sessions' seeds). */
  dreams?: SeedDream[];
  /** Stores' dream settings at start, by store name. */
  dreamSettings?: Array<{ store: string; settings: DreamSettings }>;
  /** What the folder picker answers; defaults to a made-up project folder. */
  pickedFolder?: string | null;
  /**
   * Delay before every answer, to make spinners visible in mock mode. It also paces the
   * steps of a scripted run (0 still lets the event loop turn between steps).
   */
  delayMs?: number;
  /** Clock, so tests can pin timestamps. */
  now?: () => number;
  /**
   * Receives the close requests' listener, so a test (or mock mode) can play the window being
   * closed: call it with what is working. The answer is passed to `onCloseAnswer`.
   */
  onCloseWatch?: (request: (request: CloseRequest) => void) => void;
  onCloseAnswer?: (choice: CloseChoice) => void;
}

/** The key that makes "Test connection" succeed. */
export const GOOD_KEY = "sk-good";

interface StoredProvider {
  provider: Provider;
  apiKey: string | null;
}

function invalid(field: string, message: string): AppError {
  return { code: "invalid_input", message, field };
}

/**
 * An in-memory backend that follows the same rules as the Rust core, closely enough to
 * drive every screen: validation, name conflicts, key status, connection tests, updates.
 */
export function createMemoryBackend(options: MemoryBackendOptions = {}): Backend {
  const now = options.now ?? (() => Date.now());
  const status: AppStatus = {
    version: "0.1.0",
    data_dir: "/home/you/.local/share/dev.reverie.desktop",
    log_dir: "/home/you/.local/share/dev.reverie.desktop/logs",
    secret_backend: "secret_service",
    notices: [],
    ...options.status,
  };
  const environmentKeys = new Set(options.environmentKeys ?? []);
  const stored: StoredProvider[] = [];
  let nextId = 1;
  /** Whether the last update check answered `available`, as the core keeps the verified package. */
  let updateReady = false;

  const reply = async <T>(produce: () => T | Promise<T>): Promise<T> => {
    await seeded;
    if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
    // Copy, so callers can never mutate the store (the real backend sends JSON).
    return structuredClone(await produce());
  };

  const keyStatus = (kind: ProviderKind, apiKey: string | null): KeyStatus => {
    if (apiKey !== null) {
      return { configured: true, source: status.secret_backend === "memory_only" ? "memory" : "keychain" };
    }
    if (environmentKeys.has(kind)) return { configured: true, source: "environment" };
    return { configured: false, source: "none" };
  };

  const find = (id: string): StoredProvider => {
    const entry = stored.find((s) => s.provider.id === id);
    if (!entry)
      throw { code: "not_found", message: "This provider no longer exists. Reload the list." } satisfies AppError;
    return entry;
  };

  const check = (input: ProviderInput, selfId: string | null) => {
    const name = input.name.trim();
    if (name === "") throw invalid("name", "Enter a name for this provider.");
    if ([...name].length > NAME_MAX_CHARS)
      throw invalid("name", `Use at most ${NAME_MAX_CHARS} characters for the name.`);
    const clash = stored.find((s) => s.provider.id !== selfId && s.provider.name.toLowerCase() === name.toLowerCase());
    if (clash) {
      throw {
        code: "conflict",
        field: "name",
        message: `A provider named "${clash.provider.name}" already exists. Choose another name.`,
      } satisfies AppError;
    }
    if (!isHttpUrl(input.base_url)) throw invalid("base_url", "Enter a full http:// or https:// URL.");
    if (input.model.trim() === "") throw invalid("model", "Enter the model to use.");
    if (input.api_key !== undefined && /\s/.test(input.api_key.trim())) {
      throw invalid("api_key", "An API key cannot contain spaces.");
    }
    return { name, base_url: input.base_url.trim(), model: input.model.trim() };
  };

  const create = (input: ProviderInput): Provider => {
    const clean = check(input, null);
    const apiKey = input.api_key ? input.api_key.trim() || null : null;
    const time = now();
    const provider: Provider = {
      id: `prv_${String(nextId++).padStart(4, "0")}`,
      kind: input.kind,
      ...clean,
      key: keyStatus(input.kind, apiKey),
      created_at: time,
      updated_at: time,
    };
    stored.push({ provider, apiKey });
    return provider;
  };

  for (const input of options.providers ?? []) create(input);

  /** Whether a request to this provider would be accepted: the same rule as `testProvider`. */
  const keyProblem = ({ provider, apiKey }: StoredProvider): AppError | null => {
    const key = apiKey ?? (environmentKeys.has(provider.kind) ? GOOD_KEY : null);
    if (key === GOOD_KEY || (key === null && provider.kind === "openai_compatible")) return null;
    return key === null
      ? {
          code: "auth",
          message: `No API key is set for ${provider.name}. Add one in Settings, or set ${KIND_ENV_VARS[provider.kind]}.`,
        }
      : {
          code: "auth",
          message: `${provider.name} rejected the API key. Check the key in Settings, then send the task again.`,
        };
  };

  const memory = createMemoryStores({
    now,
    ...(options.folders ? { folders: options.folders } : {}),
    onStoreDeleted: (id) => agents.unmount(id),
  });
  for (const { name, description } of options.memoryStores ?? []) memory.create({ name, description });

  const agents = createAgentStore({
    now,
    providerExists: (id) => stored.some((s) => s.provider.id === id),
    storeExists: (id) => memory.exists(id),
  });
  for (const { provider, memory: mounts, roster, ...input } of options.agents ?? []) {
    const entry = stored.find((s) => s.provider.name === provider);
    if (!entry) throw new Error(`memory backend: no provider named ${provider}`);
    const stores = memory.list();
    agents.create({
      ...input,
      provider_id: entry.provider.id,
      memory: (mounts ?? []).map(({ store, access }) => {
        const found = stores.find((s) => s.name === store);
        if (!found) throw new Error(`memory backend: no memory store named ${store}`);
        return { store_id: found.id, access };
      }),
      roster: (roster ?? []).map((member) => {
        const found = agents.list().find((a) => a.name === member);
        if (!found)
          throw new Error(`memory backend: no agent named ${member} (list it before the agents that delegate to it)`);
        return found.id;
      }),
    });
  }

  const rubrics = createRubricStore({ now, ...(options.files ? { files: options.files } : {}) });
  for (const rubric of options.rubrics ?? []) rubrics.seed(rubric);

  const sessions = createSessionStore({
    now,
    stepMs: options.delayMs ?? 0,
    agents,
    rubrics,
    provider: (id) => {
      const entry = stored.find((s) => s.provider.id === id);
      return entry ? { name: entry.provider.name, model: entry.provider.model, failure: keyProblem(entry) } : null;
    },
  });
  const dreams = createDreamStore({
    now,
    stepMs: options.delayMs ?? 0,
    memory,
    agents,
    sessions,
    provider: (id) => {
      const entry = stored.find((s) => s.provider.id === id);
      return entry ? { name: entry.provider.name, model: entry.provider.model, failure: keyProblem(entry) } : null;
    },
  });

  // Seeded sessions are played at once on a clock of their own; every answer waits for them.
  const seeded = (async () => {
    for (const spec of options.sessions ?? []) await sessions.seed(spec);
    for (const store of options.memoryStores ?? []) await memory.seed(store.name, store.steps ?? []);
    for (const spec of options.dreams ?? []) await dreams.seed(spec);
    for (const { store, settings } of options.dreamSettings ?? []) dreams.seedSettings(store, settings);
  })();

  return {
    appStatus: () => reply(() => status),

    listProviders: () => reply(() => stored.map((s) => s.provider)),

    createProvider: (input) => reply(() => create(input)),

    updateProvider: (id, input) =>
      reply(() => {
        const entry = find(id);
        const clean = check(input, id);
        if (input.api_key !== undefined) entry.apiKey = input.api_key.trim() || null;
        entry.provider = {
          ...entry.provider,
          kind: input.kind,
          ...clean,
          key: keyStatus(input.kind, entry.apiKey),
          updated_at: now(),
        };
        return entry.provider;
      }),

    deleteProvider: (id) =>
      reply(() => {
        const entry = find(id);
        stored.splice(stored.indexOf(entry), 1);
      }),

    testProvider: (id) =>
      reply((): ConnectionReport => {
        const { provider, apiKey } = find(id);
        const latency_ms = 120 + (provider.name.length % 7) * 11;
        const envKey = apiKey === null && environmentKeys.has(provider.kind) ? GOOD_KEY : null;
        const key = apiKey ?? envKey;
        if (key === GOOD_KEY || (key === null && provider.kind === "openai_compatible")) {
          return { ok: true, message: `Connected to ${provider.model}.`, latency_ms };
        }
        const error: AppError =
          key === null
            ? {
                code: "auth",
                message: `No API key is set. Add one with Edit, or set ${KIND_ENV_VARS[provider.kind]}.`,
              }
            : { code: "auth", message: "The provider rejected the API key. Check the key and try again." };
        return { ok: false, message: error.message, latency_ms, error };
      }),

    checkForUpdates: () =>
      reply(() => {
        updateReady = false;
        const configured = options.update ?? { type: "offline", current_version: status.version };
        const update = typeof configured === "function" ? configured() : configured;
        updateReady = update.type === "available";
        return update;
      }),

    listTools: () => reply(() => [...TOOLS]),
    listAgents: () => reply(() => agents.list()),
    createAgent: (input) => reply(() => agents.create(input)),
    updateAgent: (id, input) => reply(() => agents.update(id, input)),
    deleteAgent: (id) =>
      reply(() => {
        agents.remove(id);
      }),
    createExampleTeam: (providerId) => reply(() => agents.createExampleTeam(providerId)),

    listSessions: () => reply(() => sessions.list()),
    getSession: (id) => reply(() => sessions.get(id)),
    sessionEvents: (id, after, limit) => reply(() => sessions.events(id, after, limit)),
    startRun: (input) => reply(() => sessions.start(input)),
    cancelSession: (id) => reply(() => sessions.cancel(id)),
    cancelThread: (sessionId, threadId) => reply(() => sessions.cancelThread(sessionId, threadId)),
    continueSession: (id, message) => reply(() => sessions.continue(id, message)),
    answerApproval: (sessionId, toolUseId, approved) => reply(() => sessions.answer(sessionId, toolUseId, approved)),
    // Not through `reply`: the answer is a function, which cannot be copied.
    watchSession: async (id, after, onItem) => {
      await reply(() => null);
      return sessions.watch(id, after, onItem);
    },
    listMemoryStores: () => reply(() => memory.list()),
    createMemoryStore: (input) => reply(() => memory.create(input)),
    deleteMemoryStore: (id) => reply(() => memory.remove(id)),
    listMemoryFiles: (store) => reply(() => memory.files(store)),
    readMemoryFile: (store, path) => reply(() => memory.read(store, path)),
    writeMemoryFile: (store, write) => reply(() => memory.write(store, write)),
    deleteMemoryFile: (store, path, expected) => reply(() => memory.deleteFile(store, path, expected)),
    renameMemoryFile: (store, path, newPath, expected) => reply(() => memory.rename(store, path, newPath, expected)),
    memoryHistory: (store, path) => reply(() => memory.history(store, path)),
    memoryVersion: (id) => reply(() => memory.version(id)),
    memoryDiff: (from, to) => reply(() => memory.diff(from, to)),
    revertMemoryVersion: (id, expected) => reply(() => memory.revert(id, expected)),
    redactMemoryVersion: (id) => reply(() => memory.redact(id)),
    searchMemory: (store, query) => reply(() => memory.search(store, query)),
    memoryFileSessions: (store, path) => reply(() => memory.fileSessions(store, path)),
    sessionMemory: (sessionId) => reply(() => memory.sessionMemory(sessionId)),
    exportMemoryStore: (id, folder) => reply(() => memory.exportStore(id, folder)),
    importMemoryStore: (id, folder) => reply(() => memory.importStore(id, folder)),
    memoryConflicts: (store) => reply(() => memory.conflicts(store)),
    memoryConflictDiff: (store, path) => reply(() => memory.conflictDiff(store, path)),
    memoryProblems: (store) => reply(() => memory.problems(store)),
    resolveMemoryConflict: (store, path, keepOurs) => reply(() => memory.resolveConflict(store, path, keepOurs)),

    listRubrics: () => reply(() => rubrics.list()),
    rubricVersions: (id) => reply(() => rubrics.versions(id)),
    rubricDiff: (id, from, to) => reply(() => rubrics.diff(id, from, to)),
    // The editor asks on every pause in typing: answered without the demo delay, as the core does.
    checkRubric: async (source) => {
      await seeded;
      return structuredClone(rubrics.check(source));
    },
    createRubric: (name, source) => reply(() => rubrics.create(name, source)),
    saveRubric: (id, name, source) => reply(() => rubrics.save(id, name, source)),
    deleteRubric: (id) => reply(() => rubrics.remove(id)),
    rubricTemplates: () => reply(() => rubrics.templates()),
    createRubricFromTemplate: (template) => reply(() => rubrics.fromTemplate(template)),
    importRubric: (path) => reply(() => rubrics.importFile(path)),
    exportRubric: (id, version, path) => reply(() => rubrics.exportFile(id, version, path)),
    pickMarkdownFile: () =>
      reply(() => (options.pickedFile === undefined ? "/home/you/rubrics/release-notes.md" : options.pickedFile)),
    pickSavePath: (defaultName) =>
      reply(() => (options.pickedSavePath === undefined ? `/home/you/rubrics/${defaultName}` : options.pickedSavePath)),

    pickFolder: () =>
      reply(() => (options.pickedFolder === undefined ? "/home/you/projects/notes" : options.pickedFolder)),

    listDreams: (storeId) => reply(() => dreams.list(storeId)),
    getDream: (id) => reply(() => dreams.get(id)),
    startDream: (input) => reply(() => dreams.start(input)),
    cancelDream: (id) => reply(() => dreams.cancel(id)),
    newDreamSessions: (storeId) => reply(() => dreams.newSessions(storeId)),
    dreamProposal: (id) => reply(() => dreams.proposal(id)),
    decideHunks: (id, hunks, decision, edited) => reply(() => dreams.decide(id, hunks, decision, edited)),
    applyProposal: (id) => reply(() => dreams.apply(id)),
    revertProposal: (id) => reply(() => dreams.revert(id)),
    dreamSettings: (storeId) => reply(() => dreams.settings(storeId)),
    setDreamSettings: (storeId, settings) => reply(() => dreams.setSettings(storeId, settings)),
    // Not through `reply`: the answer is a function, which cannot be copied.
    watchDreams: async (onDream) => {
      await reply(() => null);
      return dreams.watch(onDream);
    },

    // A browser tab has no window to close: a test plays it through `onCloseWatch`.
    watchCloseRequests: async (onRequest) => {
      await reply(() => null);
      let listening = true;
      options.onCloseWatch?.((request) => {
        if (listening) onRequest(structuredClone(request));
      });
      return () => {
        listening = false;
      };
    },
    answerCloseRequest: (choice) => reply(() => options.onCloseAnswer?.(choice)),

    // The real core restarts Reverie here; in memory there is nothing to restart.
    installUpdate: () =>
      reply(() => {
        if (!updateReady) {
          throw { code: "not_found", message: "No update is ready. Check for updates first." } satisfies AppError;
        }
      }),
  };
}
