import { StrictMode } from "react";
import { BackendProvider, type Backend } from "./ipc";
import { AppStatusProvider } from "./shared/appStatus";
import { NavigationProvider, type Page } from "./shared/navigation";
import { ThemeProvider } from "./shared/theme/ThemeProvider";
import { AppShell } from "./AppShell";

export function App({ backend, initialPage }: { backend: Backend; initialPage?: Page }) {
  return (
    <StrictMode>
      <BackendProvider backend={backend}>
        <ThemeProvider>
          <AppStatusProvider>
            <NavigationProvider {...(initialPage ? { initialPage } : {})}>
              <AppShell />
            </NavigationProvider>
          </AppStatusProvider>
        </ThemeProvider>
      </BackendProvider>
    </StrictMode>
  );
}
