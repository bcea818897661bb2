import { createRoot } from "react-dom/client";
import { App } from "./App";
import type { Backend } from "./ipc";
import { tauriBackend } from "./ipc/tauri";
import { browserStorage } from "./shared/storage";
import { applyTheme, readThemeChoice, resolveTheme, systemPrefersDark } from "./shared/theme/theme";
import "./shared/base.css";
import "./shared/forms.css";

async function selectBackend(): Promise<Backend> {
  // `vite --mode mock` runs the UI in a plain browser on an in-memory backend. The branch is
  // dead in production builds, so the memory backend never reaches dist/.
  if (import.meta.env.MODE === "mock") {
    const [{ createMemoryBackend }, { mockOptionsFromSearch }] = await Promise.all([
      import("./ipc/memory"),
      import("./ipc/mockScenario"),
    ]);
    return createMemoryBackend(mockOptionsFromSearch(window.location.search));
  }
  // `?devserver=<base URL>&token=<token>` (or VITE_REVERIE_DEVSERVER/VITE_REVERIE_TOKEN): the
  // real engine through reverie-devserver, in a plain browser. Dev builds only.
  if (import.meta.env.DEV) {
    const { createDevServerBackend, devServerFromSearch } = await import("./ipc/devserver");
    const { VITE_REVERIE_DEVSERVER, VITE_REVERIE_TOKEN } = import.meta.env as Record<string, string | undefined>;
    const address = devServerFromSearch(window.location.search, { VITE_REVERIE_DEVSERVER, VITE_REVERIE_TOKEN });
    if (address) return createDevServerBackend(address);
  }
  return tauriBackend;
}

// Set the theme before the first render so a dark desktop never flashes white.
applyTheme(document.documentElement, resolveTheme(readThemeChoice(browserStorage()), systemPrefersDark()));

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root element");
void selectBackend().then((backend) => {
  createRoot(root).render(<App backend={backend} />);
});
