import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import type { AppError, Dream } from "../bindings";
import { toAppError, useBackend } from "../ipc";

interface DreamFeedState {
  /** Every dream, newest first; null until the first answer. */
  dreams: Dream[] | null;
  error: AppError | null;
  /** Proposals waiting for review (the sidebar's badge). */
  ready: number;
  reload(): void;
  /** Adds a dream a call returned (Dream now), unless the watch already brought a newer copy. */
  add(dream: Dream): void;
  /** Asks for one dream again (after Apply or Revert) and takes the answer. */
  refresh(id: string): Promise<void>;
}

const DreamFeedContext = createContext<DreamFeedState | null>(null);

function sorted(byId: ReadonlyMap<string, Dream>): Dream[] {
  return [...byId.values()].sort((a, b) => b.created_at - a.created_at || b.id.localeCompare(a.id));
}

/**
 * The dreams of every store, kept current by one watch for the whole app: the sidebar counts the
 * proposals waiting, the Dreams page shows progress and history.
 */
export function DreamFeedProvider({ children }: { children: ReactNode }) {
  const backend = useBackend();
  const [byId, setById] = useState<Map<string, Dream> | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [attempt, setAttempt] = useState(0);

  const put = useCallback((dream: Dream, replace: boolean) => {
    setById((current) => {
      if (current === null) return current;
      if (!replace && current.has(dream.id)) return current;
      const next = new Map(current);
      next.set(dream.id, dream);
      return next;
    });
  }, []);

  useEffect(() => {
    let live = true;
    let stop: (() => void) | null = null;
    // Changes that arrive before the list are kept and laid over it.
    const early: Dream[] = [];
    let listed = false;
    setError(null);
    backend
      .watchDreams((dream) => {
        if (!live) return;
        if (listed) put(dream, true);
        else early.push(dream);
      })
      .then(
        (unwatch) => {
          if (live) stop = unwatch;
          else unwatch();
        },
        (err: unknown) => live && setError(toAppError(err)),
      );
    backend.listDreams(null).then(
      (list) => {
        if (!live) return;
        listed = true;
        const next = new Map(list.map((d) => [d.id, d]));
        for (const dream of early) next.set(dream.id, dream);
        setById(next);
      },
      (err: unknown) => live && setError(toAppError(err)),
    );
    return () => {
      live = false;
      stop?.();
    };
  }, [backend, attempt, put]);

  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  const add = useCallback((dream: Dream) => put(dream, false), [put]);
  const refresh = useCallback(
    async (id: string) => {
      try {
        put(await backend.getDream(id), true);
      } catch {
        // The watch brings the change too; a failed refresh only delays the badge.
      }
    },
    [backend, put],
  );

  const value = useMemo(() => {
    const dreams = byId ? sorted(byId) : null;
    return { dreams, error, ready: dreams?.filter((d) => d.proposal === "ready").length ?? 0, reload, add, refresh };
  }, [byId, error, reload, add, refresh]);
  return <DreamFeedContext.Provider value={value}>{children}</DreamFeedContext.Provider>;
}

export function useDreamFeed(): DreamFeedState {
  const state = useContext(DreamFeedContext);
  if (!state) throw new Error("useDreamFeed must be used inside <DreamFeedProvider>");
  return state;
}
