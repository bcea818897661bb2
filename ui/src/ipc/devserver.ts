import type { AppError } from "../bindings";
import { isAppError, toAppError, type Backend } from "./backend";
import { commandBackend, type Transport } from "./commandBackend";

/** Where the dev server listens and the token it printed at start. */
export interface DevServerAddress {
  /** `http://127.0.0.1:PORT` (a trailing slash or path is ignored). */
  base: string;
  token: string;
}

/** The header every command sends the token in (a WebSocket sends it as `?token=`). */
export const TOKEN_HEADER = "x-reverie-token";

/** Only the app window has these; the page tells the user plainly instead of pretending. */
const NO_WINDOW = "The UI is running in a browser on reverie-devserver, which has no app window";

function unavailable(what: string, code: "invalid_input" | "not_found" = "not_found"): AppError {
  return { code, message: `${NO_WINDOW}: ${what}` };
}

/**
 * The address from the page's query (`?devserver=<base URL>&token=<token>`) or, failing that,
 * from Vite's `VITE_REVERIE_DEVSERVER` / `VITE_REVERIE_TOKEN`; `null` when neither names one.
 */
export function devServerFromSearch(
  search: string,
  env: { VITE_REVERIE_DEVSERVER?: string | undefined; VITE_REVERIE_TOKEN?: string | undefined } = {},
): DevServerAddress | null {
  const query = new URLSearchParams(search);
  const base = query.get("devserver") ?? env.VITE_REVERIE_DEVSERVER ?? "";
  const token = query.get("token") ?? env.VITE_REVERIE_TOKEN ?? "";
  if (base === "") return null;
  return { base, token };
}

/** The server's origin: `http://host:port`, whatever path the URL had. */
function originOf(base: string): URL {
  const url = new URL(base);
  return new URL(`${url.protocol}//${url.host}`);
}

/** A reply that is not JSON at all (a proxy's page, a crash) still becomes an AppError. */
async function failureOf(response: Response, command: string): Promise<AppError> {
  const text = await response.text().catch(() => "");
  try {
    const parsed: unknown = JSON.parse(text);
    if (isAppError(parsed)) return toAppError(parsed);
  } catch {
    // Not JSON: described below.
  }
  return {
    code: "internal",
    message: `The dev server answered \`${command}\` with HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ""}.`,
  };
}

/**
 * The commands over reverie-devserver: `POST /api/<command>` with the arguments as JSON and the
 * token header; streams over `GET /ws/<watch>?args=<JSON>&token=<token>`, one JSON item per
 * message. `fetchImpl` and `socketImpl` are the browser's unless a test passes its own.
 */
export function devServerTransport(
  address: DevServerAddress,
  fetchImpl: typeof fetch = (...args) => fetch(...args),
  socketImpl: typeof WebSocket = WebSocket,
): Transport {
  const origin = originOf(address.base);
  const unreachable = (detail: string): AppError => ({
    code: "network",
    message: `Couldn't reach the dev server at ${origin.origin} (${detail}). Is reverie-devserver still running?`,
  });
  return {
    async call(command, args) {
      let response: Response;
      try {
        response = await fetchImpl(new URL(`/api/${command}`, origin), {
          method: "POST",
          headers: { "content-type": "application/json", [TOKEN_HEADER]: address.token },
          body: args === undefined ? "" : JSON.stringify(args),
        });
      } catch (error) {
        throw unreachable(error instanceof Error ? error.message : String(error));
      }
      if (!response.ok) throw await failureOf(response, command);
      try {
        return await response.json();
      } catch (error) {
        throw toAppError(error);
      }
    },
    watch(name, args, onItem) {
      const url = new URL(`/ws/${name}`, origin);
      url.protocol = origin.protocol === "https:" ? "wss:" : "ws:";
      url.searchParams.set("args", JSON.stringify(args));
      url.searchParams.set("token", address.token);
      return new Promise((resolve, reject) => {
        const socket = new socketImpl(url.toString());
        let open = false;
        let stopped = false;
        socket.onopen = () => {
          open = true;
          resolve(() => {
            stopped = true;
            socket.close();
          });
        };
        socket.onmessage = (message: MessageEvent) => {
          if (stopped || typeof message.data !== "string") return;
          try {
            onItem(JSON.parse(message.data));
          } catch (error) {
            console.error(`reverie-devserver sent a ${name} item that is not JSON`, error);
          }
        };
        socket.onerror = () => {
          // A browser doesn't show why an upgrade was refused (a bad id, a wrong token).
          if (!open) reject(unreachable(`the stream \`${name}\` was refused or the server is down`));
        };
      });
    },
  };
}

/** The Backend on reverie-devserver: the engine's commands; the window's parts say they are absent. */
export function createDevServerBackend(
  address: DevServerAddress,
  fetchImpl?: typeof fetch,
  socketImpl?: typeof WebSocket,
): Backend {
  const transport = devServerTransport(address, fetchImpl, socketImpl);
  const noPicker = () =>
    Promise.reject<string | null>(
      unavailable(
        "there is no file or folder picker: type the full path where there is a field for it, or use the desktop app.",
        "invalid_input",
      ),
    );
  return commandBackend(transport, {
    // The dev server answers these shell commands itself: its version, data folder, keychain and
    // start-up notices; and the updater's two from its shell double (`--shell FILE`), which says
    // `not_found` when it was given no update to show.
    appStatus: () => transport.call("app_status", undefined),
    checkForUpdates: () => transport.call("check_for_updates", undefined),
    installUpdate: async () => {
      await transport.call("install_update", undefined);
    },
    pickFolder: noPicker,
    pickMarkdownFile: noPicker,
    pickSavePath: noPicker,
    // No window, so nothing ever asks to close it.
    watchCloseRequests: () => Promise.resolve(() => {}),
    answerCloseRequest: () => Promise.reject(unavailable("there is no window to close.")),
  });
}
