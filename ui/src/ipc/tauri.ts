import { Channel, invoke } from "@tauri-apps/api/core";
import { open } from "@tauri-apps/plugin-dialog";
import type {
  Agent,
  AgentInput,
  AppStatus,
  ConnectionReport,
  Provider,
  ProviderInput,
  RunInput,
  SessionEvent,
  SessionSummary,
  StreamItem,
  ToolInfo,
  UpdateStatus,
} from "../bindings";
import { toAppError, type Backend } from "./backend";

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

  listSessions: () => call<SessionSummary[]>("list_sessions"),
  getSession: (id: string) => call<SessionSummary>("get_session", { id }),
  sessionEvents: (id: string, after: number, limit: number) =>
    call<SessionEvent[]>("session_events", { id, after, limit }),
  startRun: (input: RunInput) => call<SessionSummary>("start_run", { input }),
  cancelSession: async (id: string) => {
    await call<null>("cancel_session", { id });
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
  pickFolder: async () => {
    try {
      const picked = await open({ directory: true, multiple: false, title: "Choose the workspace folder" });
      return typeof picked === "string" ? picked : null;
    } catch (error) {
      throw toAppError(error);
    }
  },
};
