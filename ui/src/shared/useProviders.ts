import type { AppError, Provider } from "../bindings";
import { loadProviders, useList } from "./useList";

export interface ProvidersState {
  /** null until the first answer arrives. */
  providers: Provider[] | null;
  error: AppError | null;
  reload(): void;
  /** Replace the local copy after a create, update or delete succeeded. */
  setProviders(update: (current: Provider[]) => Provider[]): void;
}

export function useProviders(): ProvidersState {
  const { items, error, reload, setItems } = useList(loadProviders);
  return { providers: items, error, reload, setProviders: setItems };
}
