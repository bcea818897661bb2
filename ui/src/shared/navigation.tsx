import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";

export type Page = "home" | "runs" | "agents" | "rubrics" | "memory" | "dreams" | "settings";

/**
 * Something the destination page should do once it is shown; `target` names what it is about
 * (an agent, a session, a store, a dream), `seq` an event of a session, `path` a file of a store.
 */
export type Intent = {
  type: "add-provider" | "new-agent" | "new-run" | "open-session" | "open-memory-file" | "open-proposal";
  id: number;
  target?: string;
  seq?: number;
  path?: string;
};

/** What an intent may say besides its type and target. */
export type IntentDetail = Pick<Intent, "seq" | "path">;

interface NavigationState {
  page: Page;
  /** Counts every navigation, so a page opened again (even the current one) starts afresh. */
  visit: number;
  intent: Intent | null;
  navigate(page: Page, intent?: Intent["type"], target?: string, detail?: IntentDetail): void;
  clearIntent(): void;
}

const NavigationContext = createContext<NavigationState | null>(null);

let intentCounter = 0;

export function NavigationProvider({ initialPage = "home", children }: { initialPage?: Page; children: ReactNode }) {
  const [page, setPage] = useState<Page>(initialPage);
  const [intent, setIntent] = useState<Intent | null>(null);
  const [visit, setVisit] = useState(0);

  const navigate = useCallback((next: Page, intentType?: Intent["type"], target?: string, detail?: IntentDetail) => {
    setPage(next);
    setVisit((n) => n + 1);
    setIntent(
      intentType
        ? {
            type: intentType,
            id: ++intentCounter,
            ...(target === undefined ? {} : { target }),
            ...(detail?.seq === undefined ? {} : { seq: detail.seq }),
            ...(detail?.path === undefined ? {} : { path: detail.path }),
          }
        : null,
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
