import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import type { AppError, AppStatus } from "../bindings";
import { toAppError, useBackend } from "../ipc";

interface AppStatusState {
  status: AppStatus | null;
  error: AppError | null;
  reload(): void;
}

const AppStatusContext = createContext<AppStatusState | null>(null);

/** Loads `app_status` once for the whole app: version, folders, keychain, notices. */
export function AppStatusProvider({ children }: { children: ReactNode }) {
  const backend = useBackend();
  const [status, setStatus] = useState<AppStatus | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let live = true;
    setError(null);
    backend.appStatus().then(
      (next) => live && setStatus(next),
      (err: unknown) => live && setError(toAppError(err)),
    );
    return () => {
      live = false;
    };
  }, [backend, attempt]);

  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  const value = useMemo(() => ({ status, error, reload }), [status, error, reload]);
  return <AppStatusContext.Provider value={value}>{children}</AppStatusContext.Provider>;
}

export function useAppStatus(): AppStatusState {
  const state = useContext(AppStatusContext);
  if (!state) throw new Error("useAppStatus must be used inside <AppStatusProvider>");
  return state;
}
