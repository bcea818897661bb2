import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";

export type Page = "home" | "runs" | "agents" | "rubrics" | "memory" | "settings";

/** Something the destination page should do once it is shown; `target` names what it is about. */
export type Intent = { type: "add-provider" | "new-agent" | "new-run" | "open-session"; id: number; target?: string };

interface NavigationState {
  page: Page;
  /** Counts every navigation, so a page opened again (even the current one) starts afresh. */
  visit: number;
  intent: Intent | null;
  navigate(page: Page, intent?: Intent["type"], target?: string): void;
  clearIntent(): void;
}

const NavigationContext = createContext<NavigationState | null>(null);

let intentCounter = 0;

export function NavigationProvider({ initialPage = "home", children }: { initialPage?: Page; children: ReactNode }) {
  const [page, setPage] = useState<Page>(initialPage);
  const [intent, setIntent] = useState<Intent | null>(null);
  const [visit, setVisit] = useState(0);

  const navigate = useCallback((next: Page, intentType?: Intent["type"], target?: string) => {
    setPage(next);
    setVisit((n) => n + 1);
    setIntent(
      intentType ? { type: intentType, id: ++intentCounter, ...(target === undefined ? {} : { target }) } : null,
    );
  }, []);
  const clearIntent = useCallback(() => setIntent(null), []);

  const value = useMemo(
    () => ({ page, visit, intent, navigate, clearIntent }),
    [page, visit, intent, navigate, clearIntent],
  );
  return <NavigationContext.Provider value={value}>{children}</NavigationContext.Provider>;
}

export function useNavigation(): NavigationState {
  const state = useContext(NavigationContext);
  if (!state) throw new Error("useNavigation must be used inside <NavigationProvider>");
  return state;
}
