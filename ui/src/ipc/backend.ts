import type {
  Agent,
  AgentInput,
  AppError,
  AppStatus,
  ConnectionReport,
  ErrorCode,
  Provider,
  ProviderInput,
  RunInput,
  SessionEvent,
  SessionSummary,
  StreamItem,
  ToolInfo,
  UpdateStatus,
} from "../bindings";

/**
 * Everything the UI asks of the Rust core. `tauriBackend` calls the real commands;
 * `createMemoryBackend` is an in-memory stand-in for tests and `vite --mode mock`.
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
}

// A Record keyed by the generated union: adding a code in Rust fails type-checking here
// until it is listed, so this runtime list cannot drift from the bindings.
const ERROR_CODES: Record<ErrorCode, true> = {
  invalid_input: true,
  not_found: true,
  conflict: true,
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
