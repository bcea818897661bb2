import { Channel, invoke, type InvokeArgs } from "@tauri-apps/api/core";
import { open, save } from "@tauri-apps/plugin-dialog";
import type { CloseChoice, CloseRequest } from "../bindings";
import { toAppError, type Backend } from "./backend";
import { commandBackend, type StreamTable, type Transport } from "./commandBackend";

/** A dialog's answer: the path chosen, or null when the user cancelled. */
async function dialog(ask: () => Promise<string | string[] | null>): Promise<string | null> {
  try {
    const picked = await ask();
    return typeof picked === "string" ? picked : null;
  } catch (error) {
    throw toAppError(error);
  }
}

/**
 * Opens a live stream into a new Channel (one per view: ordered, and dropped with the view);
 * the shell's reply is the watch's id (or nothing, for close requests).
 */
async function openChannel<W extends keyof StreamTable>(
  name: W,
  args: StreamTable[W]["args"],
  onItem: (item: StreamTable[W]["item"]) => void,
): Promise<{ channel: Channel<StreamTable[W]["item"]>; id: number | null }> {
  const channel = new Channel<StreamTable[W]["item"]>();
  channel.onmessage = onItem;
  try {
    const id = await invoke<number | null>(name, { ...args, channel });
    return { channel, id };
  } catch (error) {
    throw toAppError(error);
  }
}

/** Tauri's IPC: `invoke` by the command's name, a Channel per stream. */
const tauriTransport: Transport = {
  async call(command, args) {
    try {
      return await invoke(command, args as InvokeArgs | undefined);
    } catch (error) {
      throw toAppError(error);
    }
  },
  async watch(name, args, onItem) {
    const { channel, id } = await openChannel(name, args, onItem);
    // Sessions and dreams end with the same command.
    return () => {
      channel.onmessage = () => {};
      if (id !== null) void tauriTransport.call("unwatch_session", { watch: id }).catch(() => {});
    };
  },
};

/** The real backend: the generated command table over Tauri's IPC, and the app window's dialogs. */
export const tauriBackend: Backend = commandBackend(tauriTransport, {
  appStatus: () => tauriTransport.call("app_status", undefined),
  checkForUpdates: () => tauriTransport.call("check_for_updates", undefined),
  installUpdate: async () => {
    await tauriTransport.call("install_update", undefined);
  },
  pickFolder: () => dialog(() => open({ directory: true, multiple: false, title: "Choose the workspace folder" })),
  pickMarkdownFile: () =>
    dialog(() =>
      open({
        multiple: false,
        directory: false,
        title: "Import a rubric",
        filters: [{ name: "Markdown", extensions: ["md"] }],
      }),
    ),
  pickSavePath: (defaultName: string) =>
    dialog(() =>
      save({
        title: "Export the rubric",
        defaultPath: defaultName,
        filters: [{ name: "Markdown", extensions: ["md"] }],
      }),
    ),
  watchCloseRequests: async (onRequest: (request: CloseRequest) => void) => {
    // The shell keeps the newest channel; a later one (a reload) replaces it.
    const { channel } = await openChannel("watch_close_requests", {}, onRequest);
    return () => {
      channel.onmessage = () => {};
    };
  },
  answerCloseRequest: async (choice: CloseChoice) => {
    await tauriTransport.call("answer_close_request", { choice });
  },
});
