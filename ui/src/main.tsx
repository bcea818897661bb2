import { createRoot } from "react-dom/client";
import { App } from "./App";
import type { Backend } from "./ipc";
import { tauriBackend } from "./ipc/tauri";
import { browserStorage } from "./shared/storage";
import { applyTheme, readThemeChoice, resolveTheme, systemPrefersDark } from "./shared/theme/theme";
import "./shared/base.css";
import "./shared/forms.css";

async function selectBackend(): Promise<Backend | null> {
  // `?devserver=<base URL>&token=<token>` (or VITE_REVERIE_DEVSERVER/VITE_REVERIE_TOKEN): the
  // real engine through reverie-devserver, in a plain browser. Dev builds only.
  if (import.meta.env.DEV) {
    const { createDevServerBackend, devServerFromSearch } = await import("./ipc/devserver");
    const { VITE_REVERIE_DEVSERVER, VITE_REVERIE_TOKEN } = import.meta.env as Record<string, string | undefined>;
    const address = devServerFromSearch(window.location.search, { VITE_REVERIE_DEVSERVER, VITE_REVERIE_TOKEN });
    if (address) return createDevServerBackend(address);
    // A plain browser with no dev server named: there is no engine to talk to.
    if (!("__TAURI_INTERNALS__" in window)) return null;
  }
  return tauriBackend;
}

/** What a plain browser shows when the page was opened without a dev server to reach. */
function NoEngine() {
  return (
    <main className="no-engine" data-testid="no-engine">
      <h1>Reverie needs its engine</h1>
      <p>
        This page runs in a browser without one. Start it with <code>make dev-browser</code>, which runs the engine (
        <code>reverie-devserver</code>) on a data folder of its own and opens the UI on it, or open the desktop app.
      </p>
    </main>
  );
}

// Set the theme before the first render so a dark desktop never flashes white.
applyTheme(document.documentElement, resolveTheme(readThemeChoice(browserStorage()), systemPrefersDark()));

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root element");
void selectBackend().then((backend) => {
  createRoot(root).render(backend ? <App backend={backend} /> : <NoEngine />);
});
