import { useCallback, useEffect, useState } from "react";
import type { AppError, Provider } from "../bindings";
import { toAppError, useBackend } from "../ipc";

export interface ProvidersState {
  /** null until the first answer arrives. */
  providers: Provider[] | null;
  error: AppError | null;
  reload(): void;
  /** Replace the local copy after a create, update or delete succeeded. */
  setProviders(update: (current: Provider[]) => Provider[]): void;
}

export function useProviders(): ProvidersState {
  const backend = useBackend();
  const [providers, setList] = useState<Provider[] | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let live = true;
    setError(null);
    backend.listProviders().then(
      (list) => live && setList(list),
      (err: unknown) => live && setError(toAppError(err)),
    );
    return () => {
      live = false;
    };
  }, [backend, attempt]);

  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  const setProviders = useCallback(
    (update: (current: Provider[]) => Provider[]) => setList((current) => update(current ?? [])),
    [],
  );
  return { providers, error, reload, setProviders };
}
