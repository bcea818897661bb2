import { useCallback, useEffect, useState } from "react";
import type { AppError } from "../bindings";
import { toAppError, useBackend, type Backend } from "../ipc";

export interface ListState<T> {
  /** null until the first answer arrives. */
  items: T[] | null;
  error: AppError | null;
  reload(): void;
  /** Replace the local copy after a create, update or delete succeeded. */
  setItems(update: (current: T[]) => T[]): void;
}

/** Loads a list from the backend on mount (and on `reload`), keeping the last good copy. */
export function useList<T>(load: (backend: Backend) => Promise<T[]>): ListState<T> {
  const backend = useBackend();
  const [items, setList] = useState<T[] | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let live = true;
    setError(null);
    load(backend).then(
      (list) => live && setList(list),
      (err: unknown) => live && setError(toAppError(err)),
    );
    return () => {
      live = false;
    };
    // `load` is a module-level function at every call site (below), so it never changes.
  }, [backend, load, attempt]);

  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  const setItems = useCallback((update: (current: T[]) => T[]) => setList((current) => update(current ?? [])), []);
  return { items, error, reload, setItems };
}

export const loadProviders = (backend: Backend) => backend.listProviders();
export const loadAgents = (backend: Backend) => backend.listAgents();
export const loadTools = (backend: Backend) => backend.listTools();
export const loadSessions = (backend: Backend) => backend.listSessions();
export const loadMemoryStores = (backend: Backend) => backend.listMemoryStores();
export const loadRubrics = (backend: Backend) => backend.listRubrics();
export const loadRubricTemplates = (backend: Backend) => backend.rubricTemplates();
