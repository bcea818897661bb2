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
  AppError,
  AppStatus,
  CloseChoice,
  CloseRequest,
  ConnectionReport,
  ErrorCode,
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

/**
 * Everything the UI asks of the Rust core. `tauriBackend` calls the real commands (and
 * `createDevServerBackend` the same ones over reverie-devserver, in a browser and in tests).
 * Every method rejects with an `AppError`, never with anything else.
 */
export interface Backend {
  appStatus(): Promise<AppStatus>;
  listProviders(): Promise<Provider[]>;
  createProvider(input: ProviderInput): Promise<Provider>;
  updateProvider(id: string, input: ProviderInput): Promise<Provider>;
  deleteProvider(id: string): Promise<void>;
  testProvider(id: string): Promise<ConnectionReport>;
  checkForUpdates(): Promise<UpdateStatus>;
  /**
   * Installs the update the last `checkForUpdates` downloaded and verified (it answered
   * `available`), then restarts Reverie. Rejects with `not_found` when no update is ready.
   */
  installUpdate(): Promise<void>;

  /** The workspace tools an agent can be given, with their default permissions. */
  listTools(): Promise<ToolInfo[]>;
  listAgents(): Promise<Agent[]>;
  createAgent(input: AgentInput): Promise<Agent>;
  updateAgent(id: string, input: AgentInput): Promise<Agent>;
  deleteAgent(id: string): Promise<void>;
  /**
   * Creates the example team on a provider: a coordinator (first) whose roster is a researcher,
   * a writer and a reviewer. Names already taken get a number.
   */
  createExampleTeam(providerId: string): Promise<Agent[]>;

  /** Every session, newest first (runs started from the CLI included). */
  listSessions(): Promise<SessionSummary[]>;
  getSession(id: string): Promise<SessionSummary>;
  /** Stored events after `after`, at most `limit` (a finished session's replay). */
  sessionEvents(id: string, after: number, limit: number): Promise<SessionEvent[]>;
  /** Starts a run; rejects with `invalid_input` naming `agent_id`, `workspace` or `task`. */
  startRun(input: RunInput): Promise<SessionSummary>;
  /** Cancels a running session (every thread, stream and child process). */
  cancelSession(id: string): Promise<void>;
  /**
   * Stops one subagent thread of a running session; its coordinator gets a "cancelled" delegate
   * result and carries on. Rejects with `not_found` when the thread is not running in this app.
   */
  cancelThread(sessionId: string, threadId: string): Promise<void>;
  /**
   * Resumes an interrupted session from its log, or sends a follow-up `message` to an idle one.
   * Rejects with `conflict` while it is running.
   */
  continueSession(id: string, message: string | null): Promise<SessionSummary>;
  /** Answers a `session.approval_requested`. */
  answerApproval(sessionId: string, toolUseId: string, approved: boolean): Promise<void>;
  /**
   * Streams the session's events after `after` (stored ones first, then live ones, in `seq`
   * order without gaps) and live text deltas. Resolves to a function that stops the stream.
   */
  watchSession(id: string, after: number, onItem: (item: StreamItem) => void): Promise<() => void>;
  /** Opens the OS folder picker; `null` when the user cancels. */
  pickFolder(): Promise<string | null>;

  /** Memory stores with their file count and size. */
  listMemoryStores(): Promise<MemoryStore[]>;
  /** Rejects with `invalid_input`/`conflict` naming `name` or `description`. */
  createMemoryStore(input: MemoryStoreInput): Promise<MemoryStore>;
  deleteMemoryStore(id: string): Promise<void>;
  listMemoryFiles(store: string): Promise<MemoryFile[]>;
  readMemoryFile(store: string, path: string): Promise<MemoryFileContent>;
  /**
   * Creates or replaces a file as the user. With `expected_sha256`, a file changed since (by an
   * agent, an external editor) rejects with `conflict`, field `expected_sha256`; nothing is lost.
   */
  writeMemoryFile(store: string, write: MemoryWrite): Promise<MemoryVersion>;
  deleteMemoryFile(store: string, path: string, expectedSha256: string | null): Promise<MemoryVersion>;
  renameMemoryFile(store: string, path: string, newPath: string, expectedSha256: string | null): Promise<MemoryVersion>;
  /** Every version that touched the path (renames included), newest first. */
  memoryHistory(store: string, path: string): Promise<MemoryVersion[]>;
  memoryVersion(id: string): Promise<MemoryVersionContent>;
  /** Line diff from version `from` to version `to` (`null`: empty text), computed in Rust. */
  memoryDiff(from: string | null, to: string | null): Promise<DiffHunk[]>;
  /** Makes the version's content current again, as a new version by the user. */
  revertMemoryVersion(id: string, expectedSha256: string | null): Promise<MemoryVersion>;
  /** Removes a version's content for good, keeping who and when. */
  redactMemoryVersion(id: string): Promise<MemoryVersion>;
  /** Ranked full-text search; rejects with `invalid_input` field `query` when it has no words. */
  searchMemory(store: string, query: string): Promise<MemorySearchHit[]>;
  /** Sessions that listed, searched, read or wrote the file, newest first. */
  memoryFileSessions(store: string, path: string): Promise<MemoryAccessRecord[]>;
  /** What a session loaded from memory ("why was it loaded"), in order. */
  sessionMemory(sessionId: string): Promise<MemoryAccessRecord[]>;
  /** Writes every file of the store into `folder` (one .md file per memory file); returns how many. */
  exportMemoryStore(id: string, folder: string): Promise<number>;
  /**
   * Imports every .md file under `folder` into the store as the user's writes (new versions;
   * nothing is deleted). Rejects naming the first file that can't be imported; returns how many.
   */
  importMemoryStore(id: string, folder: string): Promise<number>;
  /**
   * Files changed both in the store's mirror folder (`<data>/memory/<store>/`, where the user may
   * edit them in their own editor) and in Reverie since they last agreed: neither side won.
   */
  memoryConflicts(store: string): Promise<MemoryConflict[]>;
  /** Files in the mirror folder that couldn't be imported (not UTF-8, too large, a bad name…). */
  memoryProblems(store: string): Promise<MemoryProblem[]>;
  /**
   * Settles a conflict: `keepOurs` rewrites the disk file from Reverie's content; otherwise the
   * disk's content is imported as a new version (rejects with `conflict` if the disk changed again).
   */
  resolveMemoryConflict(store: string, path: string, keepOurs: boolean): Promise<void>;
  /** Reverie's current text of a conflicting file against the disk's, computed in Rust. */
  memoryConflictDiff(store: string, path: string): Promise<DiffHunk[]>;

  /** The rubrics of the library (deleted ones left out), by name. */
  listRubrics(): Promise<Rubric[]>;
  /** Every version of a rubric, newest first. */
  rubricVersions(id: string): Promise<RubricVersion[]>;
  /** Line diff between two versions of a rubric (by number), computed in Rust. */
  rubricDiff(id: string, from: number, to: number): Promise<DiffHunk[]>;
  /** Parses Markdown as a rubric without saving it: the criteria, or every problem with its line. */
  checkRubric(source: string): Promise<RubricCheck>;
  /**
   * A new rubric at version 1. Rejects with `invalid_input` naming `name` or `source` (the
   * message starts "Line N: " for a problem on a line), or `conflict` naming `name`.
   */
  createRubric(name: string, source: string): Promise<Rubric>;
  /** Renames and, when the text changed, saves the next version; the same errors as `createRubric`. */
  saveRubric(id: string, name: string, source: string): Promise<Rubric>;
  /** Takes a rubric out of the library; outcomes that used it keep their version. */
  deleteRubric(id: string): Promise<void>;
  /** The starter rubrics that ship with Reverie. */
  rubricTemplates(): Promise<RubricTemplate[]>;
  /** A starter rubric (by its name) as a new rubric of the library, its name made unique. */
  createRubricFromTemplate(template: string): Promise<Rubric>;
  /** Reads a Markdown file into a new rubric named after the file; rejects like `createRubric`. */
  importRubric(path: string): Promise<Rubric>;
  /** Writes one version's Markdown to `path`. */
  exportRubric(id: string, version: number, path: string): Promise<void>;
  /** Opens the OS file picker for one Markdown file; `null` when the user cancels. */
  pickMarkdownFile(): Promise<string | null>;
  /** Opens the OS "save as" dialog starting at `defaultName`; `null` when the user cancels. */
  pickSavePath(defaultName: string): Promise<string | null>;

  /** Dreams of one store (`null`: of every store), newest first. */
  listDreams(storeId: string | null): Promise<Dream[]>;
  getDream(id: string): Promise<Dream>;
  /**
   * Starts a dream in the background ("Dream now"). Rejects with `invalid_input` naming
   * `sessions` (nothing new to dream about), `instructions` or `provider_id` (no agent mounts
   * the store, no key), or `conflict` naming `store_id` while the store is already dreaming.
   */
  startDream(input: DreamInput): Promise<Dream>;
  /** Stops a running dream; the store stays as it was and the dream ends `canceled`. */
  cancelDream(id: string): Promise<void>;
  /** The finished sessions the store's next dream would read (at most 100). */
  newDreamSessions(storeId: string): Promise<string[]>;
  /** What a completed dream proposes, with every hunk's decision. */
  dreamProposal(id: string): Promise<Proposal>;
  /**
   * Accepts, rejects or resets hunks of a proposal waiting for review. `edited` (one hunk,
   * `accepted` only) replaces the hunk's whole new side, its context lines included.
   */
  decideHunks(id: string, hunks: string[], decision: ReviewDecision, edited: string | null): Promise<Proposal>;
  /**
   * Writes every accepted hunk in one transaction as new versions by `dream:<id>`; undecided
   * hunks count as rejected; hunks whose file changed since and no longer apply become
   * `conflict` and nothing is written over them.
   */
  applyProposal(id: string): Promise<ProposalOutcome>;
  /** Restores what an applied proposal changed; files changed since are listed as conflicts. */
  revertProposal(id: string): Promise<ProposalOutcome>;
  dreamSettings(storeId: string): Promise<DreamSettings>;
  /** Rejects with `invalid_input` naming `daily_at`, `cron` (not a cron schedule) or `after_sessions`. */
  setDreamSettings(storeId: string, settings: DreamSettings): Promise<DreamSettings>;
  /**
   * Every change to any dream (progress, its end, a proposal applied or reverted) until the
   * returned function is called.
   */
  watchDreams(onDream: (dream: Dream) => void): Promise<() => void>;

  /**
   * Calls `onRequest` whenever the window is closed while runs or dreams are working (the
   * window stays until `answerCloseRequest`). Resolves to a function that stops listening.
   */
  watchCloseRequests(onRequest: (request: CloseRequest) => void): Promise<() => void>;
  /**
   * Keeps working with the window hidden (`background`: the tray brings it back; rejects with
   * `invalid_input` when there is no tray) or stops every run and dream and quits (`quit`).
   */
  answerCloseRequest(choice: CloseChoice): Promise<void>;
}

/** The decisions a reviewer can make on a hunk (`applied` and `conflict` are Apply's). */
export type ReviewDecision = "accepted" | "rejected" | "pending";

/** A proposal after Apply or Revert, and what it wrote. */
export interface ProposalOutcome {
  proposal: Proposal;
  report: ApplyReport;
}

// A Record keyed by the generated union: adding a code in Rust fails type-checking here
// until it is listed, so this runtime list cannot drift from the bindings.
const ERROR_CODES: Record<ErrorCode, true> = {
  invalid_input: true,
  not_found: true,
  conflict: true,
  needs_confirmation: true,
  database: true,
  keychain: true,
  network: true,
  auth: true,
  model_not_found: true,
  provider: true,
  internal: true,
};

function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && Object.hasOwn(ERROR_CODES, value);
}

export function isAppError(value: unknown): value is AppError {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    isErrorCode(v.code) &&
    typeof v.message === "string" &&
    (v.field === undefined || v.field === null || typeof v.field === "string")
  );
}

/** Turns whatever a rejected call produced into an `AppError` the UI can show. */
export function toAppError(error: unknown): AppError {
  if (isAppError(error)) {
    const { code, message, field } = error;
    return typeof field === "string" ? { code, message, field } : { code, message };
  }
  const detail =
    error instanceof Error
      ? error.message
      : typeof error === "string"
        ? error
        : typeof error === "object" && error !== null && typeof (error as { message?: unknown }).message === "string"
          ? (error as { message: string }).message
          : "";
  return {
    code: "internal",
    message: detail
      ? `Something went wrong inside Reverie: ${detail}`
      : "Something went wrong inside Reverie. The log has the details.",
  };
}
