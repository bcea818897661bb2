import { invoke } from "@tauri-apps/api/core";
import type { AppStatus, ConnectionReport, Provider, ProviderInput, UpdateStatus } from "../bindings";
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
};
